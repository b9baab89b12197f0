"""From tail-patch curves to ratings: +2 helpful (a significant gain that holds), +1 somewhat helpful (a slight
gain), 0 no clear effect, -1 harmful (a significant drop that holds), per (task, category).

The paper judged "significant" and "stable" by eye; here the criteria are explicit parameters: a gain is
significant at ``helpful_gain`` above the reference score, slight at ``slight_gain``, and a change holds when it
is met at each of the last ``stable_points`` evaluations of the patch run. The reference is the starting
checkpoint's score (``start``, the paper's reading), or the median over all patch runs at the same evaluation
(``median``): fine-tuning a small model on any single task drifts and forgets, and the median patch measures
that common drift, so a rating then says what this task does beyond what patching on a typical task does.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Mapping, Sequence
from typing import Literal


@dataclasses.dataclass(frozen=True)
class Criteria:
    helpful_gain: float = 0.05  # accuracy gain over the start that counts as significant
    slight_gain: float = 0.02  # ... as slight
    harmful_drop: float = 0.05  # accuracy loss that counts as significant
    stable_points: int = 2  # a change must hold at this many final evaluations
    reference: Literal["start", "median"] = "start"  # what a change is measured against (module docstring)

    def __post_init__(self):
        if not 0 < self.slight_gain <= self.helpful_gain:
            raise ValueError("need 0 < slight_gain <= helpful_gain")
        if self.harmful_drop <= 0 or self.stable_points < 1:
            raise ValueError("need harmful_drop > 0 and stable_points >= 1")
        if self.reference not in ("start", "median"):
            raise ValueError(f"reference must be 'start' or 'median', not '{self.reference}'")


def rate(curve: Sequence[float], reference: float | Sequence[float], c: Criteria = Criteria()) -> int:
    """The rating of one category's curve (scores at successive evaluations) against a reference: one score
    (the start) or a curve of the same length (the median patch)."""
    if len(curve) < c.stable_points:
        raise ValueError(f"a curve of {len(curve)} points cannot show {c.stable_points} stable evaluations")
    ref = [float(reference)] * len(curve) if isinstance(reference, (int, float)) else list(reference)
    if len(ref) != len(curve):
        raise ValueError(f"a reference of {len(ref)} points for a curve of {len(curve)}")
    k = c.stable_points
    tail = [v - r for v, r in zip(curve[-k:], ref[-k:])]
    if min(tail) >= c.helpful_gain:
        return 2
    if max(tail) <= -c.harmful_drop:
        return -1
    if min(tail) >= c.slight_gain:
        return 1
    return 0


def references(
    curves: Mapping[str, Mapping[str, Sequence[float]]], start: Mapping[str, float], c: Criteria
) -> dict[str, float | list[float]]:
    """Per category, what every task's curve is rated against: the start score, or the pointwise median of
    all tasks' curves (which must then share their evaluation steps)."""
    cats = {k for per_task in curves.values() for k in per_task}
    missing = sorted(cats - set(start))
    if missing:
        raise KeyError(f"no starting score for categories {missing}")
    if c.reference == "start":
        return {k: start[k] for k in cats}
    out: dict[str, float | list[float]] = {}
    for k in sorted(cats):
        runs = [per_task[k] for per_task in curves.values() if k in per_task]
        if len({len(r) for r in runs}) != 1:
            raise ValueError(
                f"category {k}: patch curves of different lengths cannot share a median reference"
            )
        out[k] = [statistics.median(points) for points in zip(*runs)]
    return out


def rate_all(
    curves: Mapping[str, Mapping[str, Sequence[float]]], start: Mapping[str, float], c: Criteria
) -> dict[str, dict[str, int]]:
    """Ratings of every task in every category it has a curve for."""
    ref = references(curves, start, c)
    return {t: {k: rate(v, ref[k], c) for k, v in per_task.items()} for t, per_task in curves.items()}


def stability(
    repeats: Mapping[str, Sequence[Mapping[str, Sequence[float]]]], start: Mapping[str, float], c: Criteria
) -> dict[str, float | int]:
    """How much a rating depends on the data order: each repeat's curves rated on their own (against their
    own reference), the share of (task, category) ratings all repeats agree on, and the correlation of the
    final gains over the reference between the first two repeats."""
    n = min(len(r) for r in repeats.values())
    if n < 2:
        return {"repeats": n}
    per_repeat = [{t: runs[i] for t, runs in repeats.items()} for i in range(n)]
    rated = [rate_all(curves, start, c) for curves in per_repeat]
    cells = [(t, k) for t in rated[0] for k in rated[0][t]]
    agree = sum(len({r[t][k] for r in rated}) == 1 for t, k in cells) / len(cells)
    gains = []
    for curves in per_repeat[:2]:
        ref = references(curves, start, c)
        gains.append([curves[t][k][-1] - (_last(ref[k])) for t, k in cells])
    return {"repeats": n, "rating_agreement": agree, "gain_correlation": statistics.correlation(*gains)}


def _last(reference: float | Sequence[float]) -> float:
    return float(reference) if isinstance(reference, (int, float)) else float(reference[-1])
