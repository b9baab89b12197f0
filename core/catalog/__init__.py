"""The FLAMe task catalog: every task with its source, license, instructions, label space and converter.

``CATALOG`` lists training tasks (Table 7) and the held-out evaluation pieces converted from real files;
``REAL_MINI_EXCLUDED`` documents the staged real files the ``real-mini`` collection leaves out, and why.
"""

from __future__ import annotations

from core.catalog import (
    coding,
    eval_suites,
    factuality,
    heldout,
    instruction,
    longform,
    math,
    quality,
    safety,
    summaries,
    text_errors,
)
from core.catalog.spec import Example, Local, RowError, Skip, Source, TaskSpec

CATALOG: tuple[TaskSpec, ...] = (
    *quality.TASKS,
    *longform.TASKS,
    *summaries.TASKS,
    *text_errors.TASKS,
    *factuality.TASKS,
    *math.TASKS,
    *safety.TASKS,
    *coding.TASKS,
    *instruction.TASKS,
    *heldout.TASKS,
    *eval_suites.TASKS,
)

# Table 7 rows without a converter, and why (each was looked for in its authors' published files)
UNCONVERTED = {
    "GENIE": "the leaderboard's human ratings are not among the files its authors publish",
    "riSum": "the 900 rated answers are not among the files its authors publish",
    "FeedbackQA": "the hub copy ships a loading script whose field layout could not be confirmed here",
    "MultiPIT": "no published copy of the annotated tweet pairs could be confirmed here",
    "News Summary Evaluation": "the annotation files' layout could not be confirmed here",
    "PRD": "its human ratings (Vicuna80) name answers by model and question only; joining them to the "
    "answer files needs model identifiers that could not be confirmed for every file (its LFQA part is "
    "LFQAEval's expert set, held out)",
}

REAL_MINI_EXCLUDED = {
    "llmbar/Processed": "LLMBar's re-formatting of MT-Bench human judgments (a RewardBench Prior Set, which FLAMe "
    "excludes from evaluation), FairEval and LLMEval^2 (not FLAMe benchmarks)",
    "mbpp_sanitized": "MBPP is not in FLAMe v1 (Table 7 or the benchmarks); it is an extra code re-ranking set",
}


def _index() -> dict[str, TaskSpec]:
    out: dict[str, TaskSpec] = {}
    for task in CATALOG:
        if task.name in out:
            raise ValueError(f"task name '{task.name}' is registered twice")
        out[task.name] = task
    return out


BY_NAME = _index()


def flame_tasks() -> list[TaskSpec]:
    """The ``flame`` collection: every training task plus the benchmark suites read from their published
    sources (the staged LLMBar / WiCE pieces are ``real-mini``'s stand-ins for RewardBench and LLM-AggreFact
    members, which the full suites already contain)."""
    return [t for t in CATALOG if t.role == "train" or t.local is None]


def get(name: str) -> TaskSpec:
    if name not in BY_NAME:
        raise KeyError(f"unknown catalog task '{name}' (see core/catalog)")
    return BY_NAME[name]


__all__ = [
    "BY_NAME",
    "CATALOG",
    "REAL_MINI_EXCLUDED",
    "Example",
    "Local",
    "RowError",
    "Skip",
    "Source",
    "TaskSpec",
    "UNCONVERTED",
    "flame_tasks",
    "get",
]
