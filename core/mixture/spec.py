"""MixtureSpec: the normalised task proportions of one mixture, saved as JSON with a content hash."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path

from core.config import MixtureConfig
from core.mixture import rates as rate_fns
from core.rng import sha256_hex


@dataclasses.dataclass(frozen=True)
class MixtureSpec:
    name: str
    rates: dict[str, float]  # unnormalised, as the rate function gave them
    sizes: dict[str, int]  # training examples per task when the spec was built

    def __post_init__(self):
        if not self.rates:
            raise ValueError(f"mixture '{self.name}' has no tasks")
        if sum(self.rates.values()) <= 0:
            raise ValueError(f"mixture '{self.name}' has rates summing to zero")

    @property
    def proportions(self) -> dict[str, float]:
        total = sum(self.rates.values())
        return {t: r / total for t, r in sorted(self.rates.items())}

    @property
    def sha(self) -> str:
        payload = json.dumps({"rates": self.rates, "sizes": self.sizes}, sort_keys=True)
        return sha256_hex(payload)

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "rates": dict(sorted(self.rates.items())),
            "sizes": dict(sorted(self.sizes.items())),
            "proportions": self.proportions,
            "sha": self.sha,
        }

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> MixtureSpec:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"mixture spec not found: {path}")
        data = json.loads(path.read_text())
        spec = cls(name=data["name"], rates=data["rates"], sizes=data["sizes"])
        if data.get("sha") and data["sha"] != spec.sha:
            raise ValueError(f"{path}: content hash {data['sha']} does not match its rates ({spec.sha})")
        return spec


def build(
    name: str,
    cfg: MixtureConfig,
    sizes: Mapping[str, int],
    tokens: Mapping[str, int] | None = None,
    catalog: Mapping[str, Mapping] | None = None,
) -> MixtureSpec:
    """Apply the configured rate function to the selected tasks' sizes (examples, or ``tokens`` when the
    config counts tokens); the spec keeps example counts, which the sampler's epochs need. ``catalog`` (task ->
    its catalog entry with ``capability`` and ``kind``) serves the capability / task-type exclusions."""
    chosen = list(cfg.tasks) if cfg.tasks else sorted(sizes)
    missing = [t for t in chosen if t not in sizes]
    if missing:
        raise ValueError(f"mixture '{name}' names task '{missing[0]}' with no training data")
    chosen = [t for t in chosen if t not in set(cfg.exclude)]
    chosen = _selected(name, cfg, chosen, catalog)
    chosen = _without_groups(name, cfg, chosen, catalog)
    sub = {t: int(sizes[t]) for t in chosen}
    if cfg.rate == "examples_proportional":
        if cfg.unit == "tokens" and tokens is None:
            raise ValueError(f"mixture '{name}' counts tokens but no token statistics were given")
        measure = {t: int(tokens[t]) for t in sub} if cfg.unit == "tokens" else sub
        rates = rate_fns.examples_proportional(measure, cfg.maximum, cfg.temperature)
    elif cfg.rate == "uniform" and cfg.uniform_over == "dataset":
        rates = rate_fns.uniform_over_groups({t: _entry(name, catalog, t)["dataset"] for t in sub})
    elif cfg.rate == "uniform":
        rates = rate_fns.uniform(sub)
    else:
        rates = rate_fns.explicit(sub, cfg.weights)
    return MixtureSpec(name=name, rates=rates, sizes=sub)


def _entry(name: str, catalog: Mapping[str, Mapping] | None, task: str) -> Mapping:
    if catalog is None:
        raise ValueError(f"mixture '{name}' selects by catalog fields but no catalog was given")
    if task not in catalog:
        raise ValueError(f"mixture '{name}': task '{task}' is not in the collection catalog")
    return catalog[task]


def _selected(
    name: str, cfg: MixtureConfig, chosen: list[str], catalog: Mapping[str, Mapping] | None
) -> list[str]:
    """Keep the tasks of the selected datasets / capabilities; a selector value no task has is an error."""
    selectors = {"dataset": set(cfg.datasets), "capability": set(cfg.capabilities)}
    for field, wanted in selectors.items():
        if not wanted:
            continue
        values = {t: _entry(name, catalog, t).get(field) for t in chosen}
        missing = sorted(wanted - set(values.values()))
        if missing:
            raise ValueError(f"mixture '{name}' selects {field} '{missing[0]}', which no training task has")
        chosen = [t for t in chosen if values[t] in wanted]
    return chosen


def _without_groups(
    name: str, cfg: MixtureConfig, chosen: list[str], catalog: Mapping[str, Mapping] | None
) -> list[str]:
    """Drop the tasks whose capability or task type the config excludes; an exclusion that matches no task
    is an error (a typo would otherwise silently run the unablated mixture)."""
    groups = {"capability": set(cfg.exclude_capabilities), "kind": set(cfg.exclude_kinds)}
    if not any(groups.values()):
        return chosen
    if catalog is None:
        raise ValueError(f"mixture '{name}' excludes capabilities or task types but no catalog was given")
    unknown = [t for t in chosen if t not in catalog]
    if unknown:
        raise ValueError(f"mixture '{name}': task '{unknown[0]}' is not in the collection catalog")
    for field, values in groups.items():
        seen = {catalog[t][field] for t in chosen}
        for v in sorted(values - seen):
            raise ValueError(
                f"mixture '{name}' excludes {field} '{v}', which no selected task has ({sorted(seen)})"
            )
    kept = [t for t in chosen if not any(catalog[t][f] in v for f, v in groups.items())]
    if not kept:
        raise ValueError(f"mixture '{name}' excludes every task")
    return kept
