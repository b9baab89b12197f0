"""Per-row metrics: accuracy, balanced accuracy, ranking AUC, order consistency and order averaging. How a
benchmark aggregates them into sections and an overall score lives in its module under ``core.benchmarks``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence


def accuracy(rows: Sequence[Mapping]) -> float:
    return sum(bool(r["correct"]) for r in rows) / len(rows) if rows else float("nan")


def balanced_accuracy(rows: Sequence[Mapping]) -> float:
    """Mean recall over gold labels present."""
    by_gold: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        by_gold[r["gold"]].append(bool(r["correct"]))
    if not by_gold:
        return float("nan")
    return sum(sum(v) / len(v) for v in by_gold.values()) / len(by_gold)


def _rank_auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    """P(a positive scores above a negative), ties counting half (Mann-Whitney U over n+ n-)."""
    scores = sorted([(v, 1) for v in positive] + [(v, 0) for v in negative])
    rank_sum, i = 0.0, 0
    while i < len(scores):
        j = i
        while j < len(scores) and scores[j][0] == scores[i][0]:
            j += 1
        mid = (i + j + 1) / 2  # average 1-based rank of the tie block
        rank_sum += mid * sum(flag for _, flag in scores[i:j])
        i = j
    n_pos, n_neg = len(positive), len(negative)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def auc(rows: Sequence[Mapping]) -> float:
    """How well the judge's label probabilities rank the examples, whatever its decision threshold: the mean
    over labels of the one-vs-rest AUC of P(label) (for two labels, the plain AUC). A judge that always
    answers the same label can still rank well; one that ranks at random scores 0.5. NaN when no label has
    both positives and negatives (or no row carries probabilities)."""
    rows = [r for r in rows if r.get("probs")]
    labels = list(dict.fromkeys(label for r in rows for label in r["probs"]))
    values = []
    for label in labels:
        pos = [r["probs"].get(label, 0.0) for r in rows if r["gold"] == label]
        neg = [r["probs"].get(label, 0.0) for r in rows if r["gold"] != label]
        if pos and neg:
            values.append(_rank_auc(pos, neg))
    return sum(values) / len(values) if values else float("nan")


def order_consistency(rows: Sequence[Mapping]) -> float | None:
    """Share of pairwise examples whose two orders pick the same underlying response."""
    by_id: dict[str, dict[str, str]] = defaultdict(dict)
    for r in rows:
        if r.get("order") in ("AB", "BA"):
            by_id[r["example_id"]][r["order"]] = r["pred"]
    pairs = [v for v in by_id.values() if len(v) == 2]
    if not pairs:
        return None
    # A in one order and B in the other pick the same response; an unparsed judgment (None) is never consistent
    return sum(None not in (v["AB"], v["BA"]) and v["AB"] != v["BA"] for v in pairs) / len(pairs)


def order_averaged(rows: Sequence[Mapping]) -> list[dict]:
    """One row per pairwise example judged in both orders, decided as ``flame-judge`` decides: P(response_a)
    is the mean of P(A) when it is shown first and P(B) when it is shown second, and the larger side wins
    (a tie goes to A). Scoring one order at a time measures position bias as much as judgment; averaging
    cancels it, so this is the number a user of the judge gets. Examples seen in one order only are left
    out; rows of other kinds pass through."""
    by_id: dict[str, dict[str, Mapping]] = defaultdict(dict)
    out = []
    for r in rows:
        if r.get("order") in ("AB", "BA"):
            by_id[r["example_id"]][r["order"]] = r
        else:
            out.append(dict(r))
    for pair in by_id.values():
        if len(pair) != 2:
            continue
        ab, ba = pair["AB"], pair["BA"]
        if ab["probs"] and ba["probs"]:
            probs = {
                "A": (ab["probs"]["A"] + ba["probs"]["B"]) / 2,
                "B": (ab["probs"]["B"] + ba["probs"]["A"]) / 2,
            }
            pred = "A" if probs["A"] >= probs["B"] else "B"
        else:  # an unparsed judgment in either order leaves the example undecided
            probs, pred = {}, None
        fields = {k: ab[k] for k in ("example_id", "subset", "section", "gold")}
        out.append(fields | {"order": "both", "pred": pred, "correct": pred == ab["gold"], "probs": probs})
    return out
