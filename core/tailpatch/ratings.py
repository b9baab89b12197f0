"""From tail-patch curves to ratings: +2 helpful (a significant gain that holds), +1 somewhat helpful (a slight
gain), 0 no clear effect, -1 harmful (a significant drop that holds), per (task, category).

The paper judged "significant" and "stable" by eye; here the criteria are explicit parameters: a gain is
significant at ``helpful_gain`` above the starting checkpoint's score, slight at ``slight_gain``, and a change
holds when it is met at each of the last ``stable_points`` evaluations of the patch run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

CATEGORIES = ("chat", "chat_hard", "math", "coding", "safety")  # RewardBench with Reasoning split in two


@dataclasses.dataclass(frozen=True)
class Criteria:
    helpful_gain: float = 0.05  # accuracy gain over the start that counts as significant
    slight_gain: float = 0.02  # ... as slight
    harmful_drop: float = 0.05  # accuracy loss that counts as significant
    stable_points: int = 2  # a change must hold at this many final evaluations

    def __post_init__(self):
        if not 0 < self.slight_gain <= self.helpful_gain:
            raise ValueError("need 0 < slight_gain <= helpful_gain")
        if self.harmful_drop <= 0 or self.stable_points < 1:
            raise ValueError("need harmful_drop > 0 and stable_points >= 1")


def rate(curve: Sequence[float], start: float, c: Criteria = Criteria()) -> int:
    """The rating of one category's curve (scores at successive evaluations) against its start score."""
    if len(curve) < c.stable_points:
        raise ValueError(f"a curve of {len(curve)} points cannot show {c.stable_points} stable evaluations")
    tail = [v - start for v in curve[-c.stable_points :]]
    if min(tail) >= c.helpful_gain:
        return 2
    if max(tail) <= -c.harmful_drop:
        return -1
    if min(tail) >= c.slight_gain:
        return 1
    return 0


def rate_task(
    curves: Mapping[str, Sequence[float]], start: Mapping[str, float], c: Criteria
) -> dict[str, int]:
    """Ratings of one task in every category it has a curve for."""
    missing = [k for k in curves if k not in start]
    if missing:
        raise KeyError(f"no starting score for categories {missing}")
    return {k: rate(v, start[k], c) for k, v in curves.items()}
