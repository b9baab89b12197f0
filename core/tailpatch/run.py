"""Tail-patch runs (fact sheet §5): continue the starting snapshot (a run part-way, with its Adam state) on a
single task for a few steps at a constant learning rate, scoring the fixed category subset every
``eval_every`` steps; the patch's curves are what the ratings read. With ``tailpatch.repeats = R`` each task is
patched R times on differently shuffled data and the curves are averaged (the spread says how stable a rating
is). The recipe lives here so every caller patches the same way."""

from __future__ import annotations

import csv
import dataclasses
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from core import provenance
from core.config import Params, TrainConfig
from core.data.schema import Record
from core.data.tokenizer import Tokenizer
from core.mixture.spec import MixtureSpec
from core.modeling.io import identity, read_meta
from core.tailpatch.patch import curves
from core.training.loop import SNAPSHOT_OPTIMIZER, Job, RunPaths, train


def patch_lr(params: Params, start: Path) -> float:
    """``tailpatch.lr``, or the start's own learning rate at its snapshot step (recorded in its meta)."""
    if params.tailpatch.lr is not None:
        return params.tailpatch.lr
    lr = read_meta(start).get("lr")
    if lr is None:
        raise ValueError(f"{start}: the snapshot's meta has no learning rate; set tailpatch.lr")
    return float(lr)


def patch_config(params: Params, lr: float) -> TrainConfig:
    """The training settings of every patch: the start run's optimizer at a constant ``lr``, for
    ``tailpatch.steps`` steps of ``tailpatch.batch_size``. One object for all tasks, so the jitted step
    and optimizer are built (and compiled) once per process."""
    tp = params.tailpatch
    run = params.train[tp.start]
    return dataclasses.replace(
        run,
        init=tp.start,
        mixture="patch",
        steps=tp.steps,
        batch_size=tp.batch_size,
        lr=lr,
        schedule="constant",
        warmup_steps=0,
        checkpoint_every=tp.steps,
        log_every=tp.eval_every,
        eval_every=tp.eval_every,
    )


def fingerprint(params: Params, task: str, records: Sequence[Record], start: Path, subset_ids: Sequence[str]):
    """What a patch's result depends on: its settings, the start's weights, the task's data, the evaluation
    subset and the seed. A stored patch with the same fingerprint is reused instead of rerun."""
    tp = params.tailpatch
    return provenance.config_hash(
        {
            "task": task,
            "settings": {k: getattr(tp, k) for k in ("steps", "eval_every", "batch_size", "lr", "repeats")},
            "start": identity(start),
            "records": provenance.config_hash([r.example_id for r in records]),
            "subset": provenance.config_hash(list(subset_ids)),
            "seed": params.seed,
            "data": dataclasses.asdict(params.data),
        }
    )


def _one_patch(
    params: Params, name: str, cfg: TrainConfig, task: str, records, tok, start: Path, scores, progress
) -> tuple[dict[str, list[float]], int]:
    spec = MixtureSpec(name=name, rates={task: 1.0}, sizes={task: 0})
    with tempfile.TemporaryDirectory(prefix="tailpatch-") as work:
        work = Path(work)
        job = Job.with_params(
            params,
            name=name,
            cfg=cfg,
            init=start,
            init_optimizer=start / SNAPSHOT_OPTIMIZER,
            spec=spec,
            records={task: records},
            tok=tok,
            paths=RunPaths(work / "ckpt", work / "model", work / "logs"),
        )
        summary = train(job, progress=progress, evaluate=scores)
        with (work / "logs" / "log.csv").open() as f:
            rows = list(csv.DictReader(f))
        shutil.rmtree(work / "model", ignore_errors=True)
    return curves(rows), summary["examples_seen"]


def patch(
    params: Params,
    task: str,
    records: Sequence[Record],
    tok: Tokenizer,
    start: Path,
    scores: Callable,
    progress: bool = True,
) -> dict:
    """Patch the snapshot folder ``start`` on ``task``'s training ``records`` ``tailpatch.repeats`` times;
    returns the averaged per-category curves, each repeat's curves, the examples seen and the settings. The
    patched weights are discarded: only the curves count."""
    cfg = patch_config(params, patch_lr(params, start))
    runs, seen = [], 0
    for r in range(params.tailpatch.repeats):
        # repeat 0 keeps the plain name, so one repeat draws the data order a single patch always drew
        name = f"patch-{task}" if r == 0 else f"patch-{task}-r{r}"
        run_curves, examples = _one_patch(params, name, cfg, task, records, tok, start, scores, progress)
        runs.append(run_curves)
        seen += examples
    mean = {c: [sum(vals) / len(vals) for vals in zip(*(run[c] for run in runs))] for c in runs[0]}
    return {
        "task": task,
        "start": str(start),
        "curves": mean,
        "repeats": runs,
        "examples_seen": seen,
        "config": dataclasses.asdict(cfg),
    }
