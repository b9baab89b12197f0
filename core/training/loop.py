"""The training loop: restore-or-init, jitted steps with a progress bar, metrics log, checkpoints, export."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jax
import numpy as np
from flax import nnx

from core import provenance
from core.config import DataConfig, MeshConfig, Params, TrainConfig
from core.data.schema import Record
from core.data.tokenizer import Tokenizer
from core.errors import UserError
from core.mixture.spec import MixtureSpec
from core.modeling.config import DecoderConfig
from core.modeling.decoder import Decoder, count_params, init_model
from core.modeling.io import check_tokenizer, export_model, load_model
from core.modeling.sharding import RULES, make_mesh, shard_batch, shard_model
from core.progress import progress_bar
from core.rng import derive
from core.training.batches import train_batches
from core.training.checkpoint import Checkpointer, restore_optimizer_state, save_optimizer_state
from core.training.optim import make_optimizer, schedule
from core.training.step import make_train_step, trainable

SNAPSHOT_OPTIMIZER = "optimizer"  # the optimizer state's folder inside a snapshot (beside the model files)
LOG_FIELDS = ("step", "loss", "target_loss", "target_acc", "grad_norm", "lr", "tokens_per_s", "elapsed_s")


class TrainingDiverged(UserError, RuntimeError):
    """The loss became NaN or infinite: nothing after it is saved, so the last checkpoint is still good."""


@dataclasses.dataclass(frozen=True)
class RunPaths:
    checkpoints: Path  # orbax training checkpoints (resumable)
    model: Path  # exported final model
    logs: Path  # metrics log + summary
    snapshots: Path | None = None  # <step>/: model folder + optimizer state at each of Job.snapshots


def _read_log(path: Path, step: int) -> list[dict]:
    """The rows of an earlier log up to ``step`` (a run resumed from a checkpoint without its own log)."""
    if not step or not path.exists():
        return []
    with path.open() as f:
        return [r for r in csv.DictReader(f) if int(r["step"]) <= step]


class _Log:
    """The metrics log (``log.csv``) and the throughput it reports: tokens per second over the steps since the
    last row (evaluation time excluded), and over the whole run without the first, compiling, step."""

    def __init__(self, path: Path, rows: list[dict]):
        self.path, self.rows = path, rows
        self.t0 = self.window_t = time.perf_counter()
        self.window_tokens = self.total_tokens = self.step_time = 0.0
        self._step_start = self.t0

    def start_step(self) -> None:
        self._step_start = time.perf_counter()

    def end_step(self, tokens: float, first: bool) -> None:
        if not first:  # the first step includes compilation
            self.step_time += time.perf_counter() - self._step_start
            self.total_tokens += tokens
        self.window_tokens += tokens

    def write(self, step: int, metrics: Mapping, lr: float, scores: Mapping[str, float]) -> dict:
        now = time.perf_counter()
        row = {k: f"{float(metrics[k]):.6g}" for k in ("loss", "target_loss", "target_acc", "grad_norm")}
        row.update(
            step=step,
            lr=f"{lr:.6g}",
            tokens_per_s=f"{self.window_tokens / (now - self.window_t):.1f}",
            elapsed_s=f"{now - self.t0:.1f}",
        )
        row.update({f"eval_{k}": f"{v:.6g}" for k, v in scores.items()})
        self.rows.append(row)
        self.flush()
        self.window_tokens, self.window_t = 0.0, time.perf_counter()  # the next window excludes evaluation
        return row

    def flush(self) -> None:
        # the fixed fields, then the eval_* columns in the order they first appeared
        extra = list(dict.fromkeys(k for row in self.rows for k in row if k not in LOG_FIELDS))
        with self.path.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=[*LOG_FIELDS, *extra])
            w.writeheader()
            w.writerows(self.rows)

    def tokens_per_s(self) -> float | None:
        return self.total_tokens / self.step_time if self.step_time else None

    def wall_s(self) -> float:
        return time.perf_counter() - self.t0


@dataclasses.dataclass(frozen=True, kw_only=True)
class Job:
    """One training run: its name and settings, where it starts, what it reads and where it writes."""

    name: str
    cfg: TrainConfig
    # a model folder to continue from (loaded onto the mesh), or a fresh architecture
    init: Path | DecoderConfig
    spec: MixtureSpec
    records: Mapping[str, Sequence[Record]]
    tok: Tokenizer
    data: DataConfig
    mesh: MeshConfig
    seed: int
    paths: RunPaths
    # steps at which the run also leaves a snapshot (the tail-patch start: FLAMe part-way, with its Adam state)
    snapshots: tuple[int, ...] = ()
    # an optimizer state to continue (a snapshot's), so a patch carries on the patched run's Adam moments
    init_optimizer: Path | None = None

    @classmethod
    def with_params(cls, params: Params, **fields) -> Job:
        """A job whose data, mesh and seed settings are those of ``params`` (every stage's case)."""
        return cls(data=params.data, mesh=params.mesh, seed=params.seed, **fields)


def train(
    job: Job,
    *,
    stop_after: int | None = None,
    progress: bool = True,
    evaluate: Callable[[Decoder], dict[str, float]] | None = None,
) -> dict[str, Any]:
    """Train ``job`` to ``job.cfg.steps`` (or stop after ``stop_after`` steps, as an interruption would), resuming
    from its last checkpoint when one matches the configuration.

    With ``evaluate``, the model is scored every ``cfg.eval_every`` steps and the scores join that step's log
    row as ``eval_<name>`` (tail-patch curves; they travel in the checkpoint like the rest of the log). Returns
    the run summary (also written to ``paths.logs / summary.json``, with the exported model, when complete).
    """
    cfg, paths = job.cfg, job.paths
    mesh = make_mesh(job.mesh)
    _check_batch_divides(job, mesh)
    model = _starting_model(job, mesh)
    config_hash = _config_hash(job, model)
    paths.logs.mkdir(parents=True, exist_ok=True)
    with jax.set_mesh(mesh):
        shard_model(model, mesh, job.mesh.rules)
        optimizer = nnx.Optimizer(model, make_optimizer(cfg), wrt=trainable(cfg.frozen))
        if job.init_optimizer is not None:
            restore_optimizer_state(job.init_optimizer, optimizer)
        batches = train_batches(
            job.spec,
            job.records,
            job.tok,
            job.data,
            cfg.batch_size,
            derive(job.seed, "data", job.name),
            cfg.pair_orders,
        )
        data_iter = iter(batches)
        ckpt = Checkpointer(paths.checkpoints, config_hash)
        start, saved = ckpt.restore_or_discard(model, optimizer, data_iter)
        _check_snapshots(job, start)
        end = cfg.steps if stop_after is None else min(cfg.steps, start + stop_after)
        # the log travels in the checkpoint: DVC deletes a stage's outputs before rerunning it, and a run that
        # resumes (even one already complete) must rewrite the same log
        log = _Log(paths.logs / "log.csv", list(saved.get("log") or _read_log(paths.logs / "log.csv", start)))
        examples = int(saved.get("examples", 0))
        step_fn = make_train_step(cfg.context_loss_weight, cfg.micro_batches, cfg.frozen)
        dropout_key = jax.random.key(derive(job.seed, "dropout", job.name))
        lr_at = schedule(cfg)  # logged beside each row; the optimizer holds its own copy
        bar = progress_bar(total=cfg.steps, initial=start, desc=f"train {job.name}", disable=not progress)
        metrics, last_finite = {}, (start, None)
        try:
            for step in range(start, end):
                host_batch = next(data_iter)
                examples += int(host_batch["segment_ids"].max(axis=1).sum())
                log.start_step()
                metrics = step_fn(
                    model,
                    optimizer,
                    shard_batch(host_batch, mesh, job.mesh.rules),
                    jax.random.fold_in(dropout_key, step),
                )
                loss = float(metrics["loss"])  # blocks until the step is done
                if not math.isfinite(loss):
                    raise _diverged(job, loss, step + 1, last_finite, ckpt.latest_step())
                last_finite = (step + 1, f"{loss:.6g}")
                log.end_step(float(metrics["tokens"]), first=step == start)
                bar.update(1)
                done = step + 1
                eval_due = evaluate is not None and cfg.eval_every > 0 and done % cfg.eval_every == 0
                if done % cfg.log_every == 0 or done == cfg.steps or eval_due:
                    row = log.write(done, metrics, float(lr_at(step)), evaluate(model) if eval_due else {})
                    bar.set_postfix(loss=row["loss"], acc=row["target_acc"], refresh=False)
                if done in job.snapshots:
                    _snapshot(job, model, optimizer, done, float(lr_at(done)), config_hash, examples)
                if done % cfg.checkpoint_every == 0 or done == end:
                    final = {k: float(v) for k, v in metrics.items()}
                    ckpt.save(
                        done,
                        model,
                        optimizer,
                        data_iter,
                        {"examples": examples, "log": log.rows, "final": final},
                    )
        finally:
            bar.close()
            ckpt.close()
        log.flush()
    summary = {
        "run": job.name,
        "step": end,
        "steps": cfg.steps,
        "completed": end == cfg.steps,
        "final": {k: float(v) for k, v in metrics.items()} if metrics else saved.get("final"),
        "train_tokens_per_s": log.tokens_per_s(),
        "wall_s": log.wall_s(),
        "params": count_params(model),
        "mixture": job.spec.name,
        "mixture_sha": job.spec.sha,
        "config_hash": config_hash,
        "examples_seen": examples,
    }
    if end == cfg.steps:
        _export(job, model, config_hash, examples)
        (paths.logs / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _check_batch_divides(job: Job, mesh) -> None:
    shards = int(np.prod([mesh.shape[a] for a in RULES[job.mesh.rules]["batch"]]))
    if job.cfg.batch_size % (shards * job.cfg.micro_batches):
        raise ValueError(
            f"train.{job.name}.batch_size {job.cfg.batch_size} does not divide over the mesh's {shards} data shards"
            + (f" x {job.cfg.micro_batches} micro-batches" if job.cfg.micro_batches > 1 else "")
        )


def _starting_model(job: Job, mesh) -> Decoder:
    if isinstance(job.init, Path):
        check_tokenizer(job.init, job.tok.sha256, "of the training data")
        return load_model(job.init, mesh, job.mesh.rules)
    return init_model(job.init, job.seed)


def _config_hash(job: Job, model: Decoder) -> str:
    """What a checkpoint must match to be resumed: any change of settings, data or start begins afresh."""
    return provenance.config_hash(
        {
            "train": dataclasses.asdict(job.cfg),
            "data": dataclasses.asdict(job.data),
            "mixture": job.spec.sha,
            "model": dataclasses.asdict(model.cfg),
            "seed": job.seed,
            "init": str(job.init),
            "init_optimizer": str(job.init_optimizer),
            "snapshots": list(job.snapshots),
        }
    )


def _snapshot_dir(job: Job, step: int) -> Path:
    if job.paths.snapshots is None:
        raise ValueError(f"train {job.name}: snapshots at {list(job.snapshots)} need RunPaths.snapshots")
    return job.paths.snapshots / str(step)


def _snapshot(job: Job, model, optimizer, step: int, lr: float, config_hash: str, examples: int) -> None:
    """A model folder at ``step`` (loadable like any model) with the optimizer state beside it and the
    learning rate of that step in its meta, so a run started from it continues where this one was."""
    directory = _snapshot_dir(job, step)
    meta = provenance.record(
        run=job.name,
        step=step,
        lr=lr,
        mixture=job.spec.name,
        config_hash=config_hash,
        examples_seen=examples,
        data=dataclasses.asdict(job.data),
        train=dataclasses.asdict(job.cfg),
    )
    export_model(model, directory, meta, job.tok.files(), job.init if isinstance(job.init, Path) else None)
    save_optimizer_state(directory / SNAPSHOT_OPTIMIZER, optimizer)


def _check_snapshots(job: Job, start: int) -> None:
    """A run resumed past a snapshot step must still hold that snapshot (it is not written again)."""
    for step in job.snapshots:
        if step <= start and not (_snapshot_dir(job, step) / SNAPSHOT_OPTIMIZER).exists():
            raise UserError(
                f"train {job.name}: resuming at step {start}, but its snapshot of step {step} is missing "
                f"({_snapshot_dir(job, step)}); delete {job.paths.checkpoints} to train again from the start"
            )


def _diverged(job: Job, loss: float, step: int, last_finite: tuple, good: int | None) -> TrainingDiverged:
    return TrainingDiverged(
        f"train {job.name}: loss is {loss} at step {step} (last finite: {last_finite[1]} at step "
        f"{last_finite[0]}); the last checkpoint is step {good or 'none'}: lower train.{job.name}.lr "
        "or raise warmup_steps (a changed configuration starts afresh)"
    )


def _export(job: Job, model: Decoder, config_hash: str, examples: int) -> None:
    meta = provenance.record(
        run=job.name,
        step=job.cfg.steps,
        mixture=job.spec.name,
        mixture_sha=job.spec.sha,
        config_hash=config_hash,
        examples_seen=examples,
        data=dataclasses.asdict(job.data),
        train=dataclasses.asdict(job.cfg),
    )
    export_model(
        model, job.paths.model, meta, job.tok.files(), job.init if isinstance(job.init, Path) else None
    )
