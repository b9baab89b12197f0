"""Bundles and weights (fact sheet §5, steps 4-5).

Seven bundles: *generally helpful* (total rating at least ``general_min_total``), one per category (tasks
whose patched score crosses the category's threshold tau), and *others*. A task's weight is the sum over its
bundles (general 100K, each category bundle 30K; others 3K), except that the ``top_k`` most helpful tasks of
each of the weakest categories get a fixed 200K. The weights are relative mixing rates of a MixtureSpec. The rules' parameters are those of
``params.tailpatch`` (the paper's values are its defaults: tau, 100K / 30K / 3K / 200K, top 2).
"""

from __future__ import annotations

from collections.abc import Mapping

from core.benchmarks.rewardbench import CATEGORIES
from core.config import TailpatchConfig as Weighting  # its bundle and weight fields: the rules' parameters
from core.mixture.spec import MixtureSpec


def bundles(
    ratings: Mapping[str, Mapping[str, int]], final: Mapping[str, Mapping[str, float]], w: Weighting
) -> dict[str, list[str]]:
    """``{"general": [...], "<category>": [...], "others": [...]}`` (tasks sorted by name)."""
    out = {"general": sorted(t for t, r in ratings.items() if sum(r.values()) >= w.general_min_total)}
    for cat in CATEGORIES:
        tau = w.thresholds.get(cat, float("inf"))
        out[cat] = sorted(t for t in ratings if final[t].get(cat, float("-inf")) >= tau)
    member = {t for name, ts in out.items() for t in ts}
    out["others"] = sorted(set(ratings) - member)
    return out


def top_tasks(
    ratings: Mapping[str, Mapping[str, int]], final: Mapping[str, Mapping[str, float]], category: str, k: int
) -> list[str]:
    """The ``k`` most helpful tasks for ``category``: highest rating, then highest patched score, then name;
    only tasks rated helpful at all (> 0)."""
    helpful = [t for t, r in ratings.items() if r.get(category, 0) > 0]
    return sorted(helpful, key=lambda t: (-ratings[t][category], -final[t].get(category, 0.0), t))[:k]


def weights(
    ratings: Mapping[str, Mapping[str, int]], final: Mapping[str, Mapping[str, float]], w: Weighting
) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Each task's mixing weight, and the bundles and top tasks behind it."""
    b = bundles(ratings, final, w)
    out = {t: 0.0 for t in ratings}
    for t in b["general"]:
        out[t] += w.w_general
    for cat in CATEGORIES:
        for t in b[cat]:
            out[t] += w.w_specific
    for t in b["others"]:
        out[t] = w.w_others
    top = {cat: top_tasks(ratings, final, cat, w.top_k) for cat in w.weakest}
    for tasks in top.values():
        for t in tasks:
            out[t] = w.w_top
    tops = {t for tasks in top.values() for t in tasks}
    b["others"] = [t for t in b["others"] if t not in tops]  # a top task's fixed weight replaces 'others'
    return out, {**b, **{f"top_{cat}": ts for cat, ts in top.items()}}


def to_mixture(name: str, task_weights: Mapping[str, float], sizes: Mapping[str, int]) -> MixtureSpec:
    """The weights as a MixtureSpec (they replace min(n, K) as the rates)."""
    missing = sorted(set(task_weights) - set(sizes))
    if missing:
        raise KeyError(f"no training examples for weighted tasks {missing}")
    return MixtureSpec(
        name=name,
        rates={t: float(v) for t, v in task_weights.items()},
        sizes={t: sizes[t] for t in task_weights},
    )


def oracle(
    planted: Mapping[str, Mapping[str, int]], tasks: list[str], thresholds: Mapping[str, float]
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, float]]]:
    """Ratings and final scores as a search that measured the planted effects exactly would have them: +2 where
    a task is planted helpful, -1 where harmful, 0 elsewhere; its final score sits on tau where helpful (so it
    joins that category's bundle) and below it elsewhere. Fed to ``weights`` with the search's own rules, they
    give the mixture the method would find with perfect measurements (a bound on the search only as far as
    the planted effects are what transfers; README, "The oracle is no upper bound here")."""
    ratings = {t: {c: {1: 2, -1: -1}.get(planted.get(t, {}).get(c, 0), 0) for c in CATEGORIES} for t in tasks}
    # a final score on tau where the task is helpful, a full point under it elsewhere
    final = {
        t: {c: thresholds.get(c, 0.0) - (0.0 if r[c] == 2 else 1.0) for c in CATEGORIES}
        for t, r in ratings.items()
    }
    return ratings, final


def recovery(ratings: Mapping[str, Mapping[str, int]], planted: Mapping[str, Mapping[str, int]]) -> dict:
    """Precision and recall of the planted helpful (+) and harmful (-) (task, category) effects, reading a
    rating >= 1 as found helpful and -1 as found harmful."""
    out = {}
    for sign, name in ((1, "helpful"), (-1, "harmful")):
        truth = {(t, c) for t, e in planted.items() for c, v in e.items() if v * sign > 0 and t in ratings}
        found = {(t, c) for t, r in ratings.items() for c, v in r.items() if (v >= 1 if sign > 0 else v < 0)}
        hit = truth & found
        out[name] = {
            "planted": len(truth),
            "found": len(found),
            "correct": len(hit),
            "precision": len(hit) / len(found) if found else float("nan"),
            "recall": len(hit) / len(truth) if truth else float("nan"),
        }
    return out
