"""The search's free choices, derived from the measurements instead of copied from the paper's model.

The paper fixed three things by looking at its own checkpoint: the three *weakest* RewardBench categories
(Chat Hard, Coding, Safety) whose top tasks get the 200K weight, the thresholds tau a task's patched score must
cross to join a category bundle, and the total rating (5) that makes a task *generally helpful*. Each
``auto`` setting of ``params.tailpatch`` replaces one of them by a stated rule:

- ``weakest: auto``: the ``weakest_count`` categories where the starting checkpoint scores lowest.
- ``thresholds: auto``: tau_c = the reference score of category c at the patches' last evaluation (the start,
  or the median patch) + ``helpful_gain``: a task joins c's bundle when patching on it ends a significant gain
  above what patching does anyway.
- ``general_min_total: auto``: the number of categories, i.e. +1 (somewhat helpful) on average across them,
  the paper's 5 on its 5 categories.

``resolve`` returns the configuration with the values filled in, and how each was chosen (for the summary).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from core.config import TailpatchConfig

AUTO = "auto"


def weakest(start: Mapping[str, float], count: int) -> tuple[str, ...]:
    """The ``count`` categories with the lowest starting score (ties broken by name)."""
    return tuple(sorted(start, key=lambda c: (start[c], c))[:count])


def thresholds(references: Mapping[str, float | Sequence[float]], gain: float) -> dict[str, float]:
    """tau per category: the reference's last point plus ``gain``."""
    last = {c: (r if isinstance(r, (int, float)) else r[-1]) for c, r in references.items()}
    return {c: round(float(v) + gain, 4) for c, v in sorted(last.items())}


def resolve(
    tp: TailpatchConfig, start: Mapping[str, float], references: Mapping[str, float | Sequence[float]]
) -> tuple[TailpatchConfig, dict[str, dict]]:
    """``tp`` with every ``auto`` replaced by its rule's value, and per setting its value and its origin."""
    chosen: dict[str, dict] = {}
    values = {}
    if tp.weakest == AUTO:
        values["weakest"] = weakest(start, tp.weakest_count)
        rule = (
            f"the {tp.weakest_count} categories with the lowest starting scores {dict(sorted(start.items()))}"
        )
    else:
        rule = "set in params.tailpatch.weakest"
    chosen["weakest"] = {"value": list(values.get("weakest", tp.weakest)), "rule": rule}
    if tp.thresholds == AUTO:
        values["thresholds"] = thresholds(references, tp.helpful_gain)
        rule = f"reference ({tp.reference}) at the last evaluation + helpful_gain {tp.helpful_gain}"
    else:
        rule = "set in params.tailpatch.thresholds"
    chosen["thresholds"] = {"value": values.get("thresholds", tp.thresholds), "rule": rule}
    if tp.general_min_total == AUTO:
        values["general_min_total"] = len(references)
        rule = f"+1 on average over the {len(references)} categories (the paper's 5 of 5)"
    else:
        rule = "set in params.tailpatch.general_min_total"
    chosen["general_min_total"] = {
        "value": values.get("general_min_total", tp.general_min_total),
        "rule": rule,
    }
    return dataclasses.replace(tp, **values), chosen
