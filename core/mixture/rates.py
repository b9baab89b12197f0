"""Rate functions: how much each task contributes to a mixture (SeqIO/T5 semantics).

Rates are unnormalised; :class:`~core.mixture.spec.MixtureSpec` normalises them into proportions.
"""

from __future__ import annotations

from collections.abc import Mapping


def examples_proportional(
    sizes: Mapping[str, int], maximum: int, temperature: float = 1.0
) -> dict[str, float]:
    """T5's examples-proportional mixing: rate = min(n, K) ** (1 / T)."""
    if maximum <= 0:
        raise ValueError(f"maximum (cap K) must be positive, got {maximum}")
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    return {t: float(min(n, maximum)) ** (1.0 / temperature) for t, n in sizes.items()}


def uniform(sizes: Mapping[str, int]) -> dict[str, float]:
    """Equal rate for every task (FLAMe-RM's balanced mix)."""
    return {t: 1.0 for t in sizes}


def uniform_over_groups(groups: Mapping[str, str]) -> dict[str, float]:
    """Equal rate per group (task -> its group, e.g. its dataset), shared equally by the group's tasks: FLAMe-RM
    mixes four *datasets* equally, whatever number of tasks each was cast into."""
    counts: dict[str, int] = {}
    for group in groups.values():
        counts[group] = counts.get(group, 0) + 1
    return {t: 1.0 / counts[g] for t, g in groups.items()}


def explicit(sizes: Mapping[str, int], weights: Mapping[str, float]) -> dict[str, float]:
    """Given weights (e.g. tail-patch bundle weights); every task needs one and none may be negative."""
    missing = sorted(set(sizes) - set(weights))
    if missing:
        raise ValueError(f"no weight given for task '{missing[0]}'")
    extra = sorted(set(weights) - set(sizes))
    if extra:
        raise ValueError(f"weight given for task '{extra[0]}' that is not in the mixture")
    bad = [t for t, w in weights.items() if w < 0]
    if bad:
        raise ValueError(f"negative weight for task '{bad[0]}'")
    return {t: float(weights[t]) for t in sizes}
