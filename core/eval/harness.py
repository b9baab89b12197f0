"""Run a judge over a suite: both A/B orders for pairwise records, per-example rows and aggregate metrics."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from core.benchmarks import rewardbench
from core.data.formats import swap
from core.data.schema import Record
from core.eval import metrics as M
from core.rng import derive

# how a suite's overall score is formed; suites not listed use the mean over subsets of balanced accuracy
SUITE_AGGREGATION = {
    "rewardbench": "rewardbench",
    "aggrefact": "balanced_mean",
    "helpsteer": "accuracy_mean",  # exact match on the 0-4 scale (fits PaLM-2's 20.0 in Table 1)
    "summfeedback": "accuracy_mean",
    "hhh": "accuracy_mean",
    "alpacafarm": "accuracy_mean",
    "heldin": "accuracy_mean",  # the training tasks' own validation splits (real collections)
}


def probabilities(scores: dict[str, float]) -> dict[str, float]:
    """Normalised probabilities from label log-scores (a -inf score gets 0)."""
    top = max(scores.values())
    exp = {k: math.exp(v - top) if v > -math.inf else 0.0 for k, v in scores.items()}
    z = sum(exp.values())
    return {k: v / z for k, v in exp.items()}


def judge_rows(
    judge: Callable[[Sequence[Record]], list[dict[str, float]]],
    records: Sequence[Record],
    orders: str = "both",
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Judge every record (pairwise ones in both orders, or one seeded order) and return per-example rows."""
    variants: list[tuple[Record, Record, str]] = []
    for r in records:
        if r.kind != "pairwise":
            variants.append((r, r, "-"))
        elif orders == "both":
            variants += [(r, r, "AB"), (r, swap(r), "BA")]
        elif orders == "single":
            flip = derive(seed, "order", r.example_id) % 2 == 1
            variants.append((r, swap(r) if flip else r, "BA" if flip else "AB"))
        else:
            raise ValueError(f"orders must be 'both' or 'single', got {orders!r}")
    scores = judge([v for _, v, _ in variants])
    outputs = getattr(judge, "outputs", None)  # a generating judge's texts and parse failures
    truncated = getattr(judge, "truncated", None)  # a model judge's flags: was the prompt shortened to fit
    rows = []
    for i, ((orig, shown, order), sc) in enumerate(zip(variants, scores)):
        probs = probabilities(sc) if sc else {}
        pred = (
            max(shown.label_space, key=lambda lab: (probs[lab], -shown.label_space.index(lab)))
            if sc
            else None
        )
        row = {
            "example_id": orig.example_id,
            "subset": orig.meta.get("subset", orig.task),
            "section": orig.meta.get("section", orig.task),
            "order": order,
            "gold": shown.label,
            "pred": pred,
            "correct": pred == shown.label,
            "probs": probs,
        }
        if outputs is not None:
            row["generated"], row["parse_error"] = outputs[i]
        if truncated:
            row["truncated"] = truncated[i]
        rows.append(row)
    return rows


def suite_metrics(suite: str, rows: Sequence[dict], records: Sequence[Record]) -> dict[str, Any]:
    by_subset: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_subset[r["subset"]].append(r)
    kind = SUITE_AGGREGATION.get(suite, "balanced_mean")
    out: dict[str, Any] = {"suite": suite, "n_examples": len(records), "n_judgments": len(rows)}
    if kind == "rewardbench":
        subset_acc = {s: M.accuracy(v) for s, v in by_subset.items()}
        section_of = {r["subset"]: r["section"] for r in rows}
        counts: dict[str, int] = defaultdict(int)
        for r in records:
            counts[r.meta["subset"]] += 1
        out.update(rewardbench.scores(subset_acc, section_of, rewardbench.weights(section_of, counts)))
        out["subsets"] = subset_acc
    else:
        metric = M.accuracy if kind == "accuracy_mean" else M.balanced_accuracy
        subset_score = {s: metric(v) for s, v in by_subset.items()}
        out.update(subset_score)
        out["overall"] = sum(subset_score.values()) / len(subset_score)
        out["subsets"] = subset_score
        out["metric"] = "accuracy" if kind == "accuracy_mean" else "balanced_accuracy"
    out["accuracy"] = M.accuracy(rows)
    subset_auc = {s: M.auc(v) for s, v in sorted(by_subset.items())}
    defined = [v for v in subset_auc.values() if v == v]  # NaN: a subset with one gold label only
    out["auc"] = sum(defined) / len(defined) if defined else float("nan")
    out["subsets_auc"] = subset_auc
    if any("truncated" in r for r in rows):  # how much of the suite the judge saw shortened
        out["truncated_share"] = sum(bool(r.get("truncated")) for r in rows) / len(rows)
    if any("parse_error" in r for r in rows):
        out["parse_failure_rate"] = sum(bool(r.get("parse_error")) for r in rows) / len(rows)
    consistency = M.order_consistency(rows)
    if consistency is not None:
        out["order_consistency"] = consistency
        out["order_averaged"] = suite_metrics(suite, M.order_averaged(rows), records)["overall"]
    return out


def write_results(out_dir: str | Path, rows: Sequence[dict], metrics: dict[str, Any]) -> None:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "per_example.jsonl").open("w") as f:
        for r in rows:
            f.write(json.dumps(r, sort_keys=True) + "\n")
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
