"""One tail-patch run (fact sheet §5): fine-tune the starting checkpoint on a single task for a few steps at a
constant learning rate, scoring the fixed category subset every ``eval_every`` steps; the patch's curves are
what the ratings read. The recipe (constant schedule, Adam b2 0.98, one checkpoint at the end) lives here so
every caller patches the same way."""

from __future__ import annotations

import csv
import dataclasses
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from core.config import Params, TrainConfig
from core.data.schema import Record
from core.data.tokenizer import Tokenizer
from core.mixture.spec import MixtureSpec
from core.tailpatch.patch import curves
from core.training.loop import Job, RunPaths, train


def patch_config(params: Params, task: str) -> TrainConfig:
    """The training settings of a patch on ``task`` (``tailpatch.steps``, ``batch_size``, ``lr``)."""
    tp = params.tailpatch
    return TrainConfig(
        init=tp.start,
        mixture=f"patch:{task}",
        steps=tp.steps,
        batch_size=tp.batch_size,
        lr=tp.lr,
        schedule="constant",
        b2=0.98,
        checkpoint_every=tp.steps,
        log_every=tp.eval_every,
        eval_every=tp.eval_every,
    )


def patch(
    params: Params,
    task: str,
    records: Sequence[Record],
    tok: Tokenizer,
    start: Path,
    scores: Callable,
    progress: bool = True,
) -> dict:
    """Patch the model folder ``start`` on ``task``'s training ``records``; returns the per-category curves,
    the examples seen and the training settings. The patched weights are discarded: only the curves count."""
    cfg = patch_config(params, task)
    spec = MixtureSpec(name=f"patch-{task}", rates={task: 1.0}, sizes={task: 0})
    with tempfile.TemporaryDirectory(prefix="tailpatch-") as work:
        work = Path(work)
        job = Job.with_params(
            params,
            name=f"patch-{task}",
            cfg=cfg,
            init=start,
            spec=spec,
            records={task: records},
            tok=tok,
            paths=RunPaths(work / "ckpt", work / "model", work / "logs"),
        )
        summary = train(job, progress=progress, evaluate=scores)
        with (work / "logs" / "log.csv").open() as f:
            rows = list(csv.DictReader(f))
        shutil.rmtree(work / "model", ignore_errors=True)
    return {
        "task": task,
        "start": params.tailpatch.start,
        "curves": curves(rows),
        "examples_seen": summary["examples_seen"],
        "config": dataclasses.asdict(cfg),
    }
