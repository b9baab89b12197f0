"""Tail-patch stages (fact sheet §5), on the suite ``tailpatch.suite`` of the prepared collection.

The start is the snapshot the run ``tailpatch.start`` left at ``tailpatch.start_step`` (its weights, Adam state
and learning rate). ``--start``: score it on the fixed evaluation subset -> ``artifacts/tailpatch/start.json``.
``--patches``: fine-tune it on each task of ``tailpatch.tasks`` alone for ``tailpatch.steps`` steps, scoring the
subset every ``tailpatch.eval_every`` steps -> ``artifacts/tailpatch/patches/<t>.json`` (the curves). All
patches run in one process, so the train step and the scorer compile once; a patch file whose fingerprint
(settings, start, task data, subset, seed) still matches is kept, so an interrupted search, or one where a
single task changed, reruns only what is missing. ``--task <t>``: one patch."""

from __future__ import annotations

import json
import time

from core.data.collection import load_suite, load_task_split
from core.data.tokenizer import Tokenizer
from core.errors import UserError
from core.eval.harness import judge_rows, suite_metrics
from core.eval.hook import category_scores, suite_scorer
from core.eval.loading import load_judge_model, scorer
from core.modeling.io import read_meta
from core.progress import progress_bar
from core.tailpatch.run import fingerprint, patch, patch_lr
from experiments.common import DATA_DIR, TAILPATCH, TOKENIZER, parsed, parser, run, start_snapshot


def _score_start(params, tok, subset, start) -> dict:
    """The start's category scores on the subset and, when the subset is the whole suite, its overall score
    (FLAMe at ``start_step`` steps: the equal-steps reference for FLAMe-Opt-RM)."""
    tp = params.tailpatch
    model, _ = load_judge_model(start, TOKENIZER)
    judge = scorer(model, tok, params)
    out = {
        "start": tp.start,
        "start_step": tp.start_step,
        "lr": patch_lr(params, start),
        "examples_seen": read_meta(start)["examples_seen"],
        "records": len(subset),
        "scores": category_scores(judge, subset, params.seed),
    }
    suite = load_suite(DATA_DIR, tp.suite)
    if len(subset) == len(suite):
        rows = judge_rows(judge, suite, params.eval.orders, params.seed)
        metrics = suite_metrics(tp.suite, rows, suite)
        out["suite"] = {k: metrics[k] for k in ("overall", "order_averaged") if k in metrics}
    return out


def main() -> None:
    p = parser(__doc__)
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--start", action="store_true")
    mode.add_argument("--patches", action="store_true")
    mode.add_argument("--task")
    p.add_argument("--no-progress", action="store_true")
    args, params = parsed(p)
    tp = params.tailpatch
    start = start_snapshot(params)
    if not start.is_dir():
        raise UserError(
            f"{start}: no snapshot; run `dvc repro train@{tp.start}` (it writes step {tp.start_step})"
        )
    tok = Tokenizer.load(TOKENIZER)
    subset, scores = suite_scorer(params, DATA_DIR, tok)
    out_dir = TAILPATCH / "patches"
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.start:
        result = _score_start(params, tok, subset, start)
        (TAILPATCH / "start.json").write_text(json.dumps(result, indent=2) + "\n")
        print(f"tail-patch start {tp.start}@{tp.start_step}: {result['scores']} {result.get('suite', '')}")
        return
    tasks = [args.task] if args.task else list(tp.tasks)
    if args.patches:  # files of tasks no longer listed would be read as current results
        for stale in set(out_dir.glob("*.json")) - {out_dir / f"{t}.json" for t in tasks}:
            stale.unlink()
    ids = [r.example_id for r in subset]
    bar = progress_bar(tasks, desc="tail-patch", disable=args.no_progress)
    for task in bar:
        records = load_task_split(DATA_DIR, task, "train")
        key = fingerprint(params, task, records, start, ids)
        path = out_dir / f"{task}.json"
        if path.exists() and json.loads(path.read_text()).get("fingerprint") == key:
            print(f"tail-patch {task}: unchanged, kept")
            continue
        t0 = time.perf_counter()
        result = patch(params, task, records, tok, start, scores, progress=False)
        path.write_text(json.dumps({**result, "fingerprint": key}, indent=2) + "\n")
        last = {k: round(v[-1], 3) for k, v in result["curves"].items()}
        print(f"tail-patch {task}: {last} in {time.perf_counter() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    run(main)
