"""The training-time evaluation hook: a fixed, category-balanced subset of a suite and a function that scores a
model on it per category. The trainer calls it every ``eval_every`` steps and logs the scores as
``eval_<category>`` columns (the curves of tail-patch runs and of Fig. 5); the same subset serves every run, so
their scores compare."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from core.benchmarks.rewardbench import CATEGORIES
from core.config import Params
from core.data.collection import load_suite
from core.data.schema import Record
from core.data.tokenizer import Tokenizer
from core.eval import metrics as M
from core.eval.harness import judge_rows
from core.eval.loading import scorer
from core.rng import derive


def eval_subset(records: Sequence[Record], per_category: int, seed: int) -> list[Record]:
    """At most ``per_category`` records of each category (the record's ``section``) the suite has, by a seeded
    draw; the same subset serves the start checkpoint and every patch, so their scores compare."""
    by_cat: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_cat[r.meta.get("section", "")].append(r)
    present = [c for c in CATEGORIES if by_cat.get(c)]
    if not present:
        raise ValueError(f"the target suite has no records in any of the categories {CATEGORIES}")
    out = []
    for cat in present:
        ranked = sorted(by_cat[cat], key=lambda r: derive(seed, "tailpatch-eval", r.example_id))
        out += ranked[:per_category]
    return out


def category_scores(judge: Callable, records: Sequence[Record], seed: int) -> dict[str, float]:
    """Accuracy per category (both A/B orders of each pairwise record)."""
    rows = judge_rows(judge, records, "both", seed)
    by_cat: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_cat[r["section"]].append(r)
    return {c: M.accuracy(by_cat[c]) for c in CATEGORIES if by_cat[c]}


def suite_scorer(params: Params, data_dir: str | Path, tok: Tokenizer):
    """The fixed evaluation subset of ``params.tailpatch.suite`` and model -> its per-category accuracy on it:
    the hook the training loop calls to log curves (tail-patch runs, and FLAMe / FLAMe-Opt-RM for Fig. 5)."""
    tp = params.tailpatch
    subset = eval_subset(load_suite(data_dir, tp.suite), tp.per_category, params.seed)

    def scores(model) -> dict[str, float]:
        return category_scores(scorer(model, tok, params), subset, params.seed)

    return subset, scores
