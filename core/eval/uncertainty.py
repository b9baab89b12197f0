"""Bootstrap intervals for suite scores, and paired intervals for the difference between two judges.

Resampling is by example (both A/B orders of a pairwise record stay together) within each subset, so every
subset keeps its size and a suite's aggregation (RewardBench sections, means over datasets) is recomputed
exactly as ``suite_metrics`` computes it. Paired: both judges' rows are resampled with the same draw, so
the interval is that of the *difference* on the same examples, much narrower than two separate intervals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from core.data.schema import Record
from core.eval.harness import suite_metrics
from core.rng import generator

# ``order_averaged`` exists for suites of pairwise records only (see ``metrics.order_averaged``)
STATISTICS = ("overall", "auc", "accuracy", "order_averaged")


def _clusters(rows: Sequence[dict]) -> dict[str, dict[str, list[dict]]]:
    """subset -> example id -> its rows."""
    out: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        out[r["subset"]][r["example_id"]].append(r)
    return out


def _resamples(rows_by_judge: Sequence[Sequence[dict]], n: int, seed: int, name: str):
    """``n`` resampled row lists per judge, drawn with the same example ids for every judge."""
    clustered = [_clusters(rows) for rows in rows_by_judge]
    subsets = sorted(clustered[0])
    ids = {s: sorted(clustered[0][s]) for s in subsets}
    for judge in clustered[1:]:
        if {s: sorted(judge[s]) for s in judge} != ids:
            raise ValueError("paired bootstrap needs both judges' rows on the same examples")
    rng = generator(seed, "bootstrap", name)
    for _ in range(n):
        picks = {s: rng.integers(0, len(ids[s]), len(ids[s])) for s in subsets}
        yield [[r for s in subsets for i in picks[s] for r in judge[s][ids[s][i]]] for judge in clustered]


def _interval(values: Sequence[float]) -> list[float]:
    finite = np.asarray([v for v in values if v == v], float)
    if not len(finite):
        return [float("nan"), float("nan")]
    lo, hi = np.percentile(finite, [2.5, 97.5])
    return [round(float(lo), 6), round(float(hi), 6)]


def bootstrap(
    suite: str, rows: Sequence[dict], records: Sequence[Record], n: int = 1000, seed: int = 0
) -> dict:
    """95% percentile intervals of the suite's ``overall``, ``auc``, ``accuracy`` and ``order_averaged``."""
    draws = defaultdict(list)
    for (sample,) in _resamples([rows], n, seed, suite):
        m = suite_metrics(suite, sample, records)
        for key in STATISTICS:
            if key in m:
                draws[key].append(m[key])
    return {f"{key}_ci95": _interval(v) for key, v in draws.items()}


def paired(
    suite: str,
    rows_a: Sequence[dict],
    rows_b: Sequence[dict],
    records: Sequence[Record],
    n: int = 1000,
    seed: int = 0,
) -> dict:
    """Judge A minus judge B on the same examples: the observed gain of each statistic (overall, AUC,
    accuracy, order-averaged overall on pairwise suites, and ``overall`` per subset) and its paired-bootstrap
    95% interval."""
    a, b = suite_metrics(suite, rows_a, records), suite_metrics(suite, rows_b, records)
    subsets = sorted(a["subsets"])
    statistics = [key for key in STATISTICS if key in a and key in b]
    out = {key: {"a": a[key], "b": b[key], "gain": a[key] - b[key]} for key in statistics}
    out["subsets"] = {
        s: {"a": a["subsets"][s], "b": b["subsets"][s], "gain": a["subsets"][s] - b["subsets"][s]}
        for s in subsets
    }
    draws = defaultdict(list)
    for sample_a, sample_b in _resamples([rows_a, rows_b], n, seed, suite + "-paired"):
        ma, mb = suite_metrics(suite, sample_a, records), suite_metrics(suite, sample_b, records)
        for key in statistics:
            draws[key].append(ma[key] - mb[key])
        for s in subsets:
            draws[f"subset:{s}"].append(ma["subsets"][s] - mb["subsets"][s])
    for key in statistics:
        out[key]["gain_ci95"] = _interval(draws[key])
    for s in subsets:
        out["subsets"][s]["gain_ci95"] = _interval(draws[f"subset:{s}"])
    return out
