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
from core.config import DataConfig, MeshConfig, TrainConfig
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
from core.training.checkpoint import Checkpointer
from core.training.optim import make_optimizer, schedule
from core.training.step import make_train_step, trainable

LOG_FIELDS = ("step", "loss", "target_loss", "target_acc", "grad_norm", "lr", "tokens_per_s", "elapsed_s")


class TrainingDiverged(UserError, RuntimeError):
    """The loss became NaN or infinite: nothing after it is saved, so the last checkpoint is still good."""


@dataclasses.dataclass(frozen=True)
class RunPaths:
    checkpoints: Path  # orbax training checkpoints (resumable)
    model: Path  # exported final model
    logs: Path  # metrics log + summary


def _truncate_log(path: Path, step: int) -> list[dict]:
    if not path.exists():
        return []
    with path.open() as f:
        rows = [r for r in csv.DictReader(f) if int(r["step"]) <= step]
    return rows


def _write_log(path: Path, rows: list[dict]) -> None:
    extra = list(dict.fromkeys(k for row in rows for k in row if k not in LOG_FIELDS))  # eval_* columns
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=[*LOG_FIELDS, *extra])
        w.writeheader()
        w.writerows(rows)


def train(
    name: str,
    cfg: TrainConfig,
    init: Path | DecoderConfig,
    spec: MixtureSpec,
    records: Mapping[str, Sequence[Record]],
    tok: Tokenizer,
    data_cfg: DataConfig,
    mesh_cfg: MeshConfig,
    seed: int,
    paths: RunPaths,
    *,
    stop_after: int | None = None,
    progress: bool = True,
    evaluate: Callable[[Decoder], dict[str, float]] | None = None,
) -> dict[str, Any]:
    """Train run ``name`` to ``cfg.steps`` (or stop after ``stop_after`` steps, as an interruption would).

    ``init`` is an exported or linked model folder to start from (loaded straight onto the mesh), or a
    DecoderConfig for a fresh initialisation. With ``evaluate``, the model is scored every ``cfg.eval_every``
    steps and the scores join that step's log row as ``eval_<name>`` (tail-patch curves; they travel in the
    checkpoint like the rest of the log). Returns the run summary (also written to
    ``paths.logs / summary.json`` when the run completes).
    """
    mesh = make_mesh(mesh_cfg)
    shards = int(np.prod([mesh.shape[a] for a in RULES[mesh_cfg.rules]["batch"]]))
    if cfg.batch_size % (shards * cfg.micro_batches):
        raise ValueError(
            f"train.{name}.batch_size {cfg.batch_size} does not divide over the mesh's {shards} data shards"
            + (f" x {cfg.micro_batches} micro-batches" if cfg.micro_batches > 1 else "")
        )
    if isinstance(init, Path):
        check_tokenizer(init, tok.sha256, "of the training data")
        model = load_model(init, mesh, mesh_cfg.rules)
    else:
        model = init_model(init, seed)
    config_hash = provenance.config_hash(
        {
            "train": dataclasses.asdict(cfg),
            "data": dataclasses.asdict(data_cfg),
            "mixture": spec.sha,
            "model": dataclasses.asdict(model.cfg),
            "seed": seed,
            "init": str(init),
        }
    )
    paths.logs.mkdir(parents=True, exist_ok=True)
    log_path = paths.logs / "log.csv"
    with jax.set_mesh(mesh):
        shard_model(model, mesh, mesh_cfg.rules)
        optimizer = nnx.Optimizer(model, make_optimizer(cfg), wrt=trainable(cfg.frozen))
        data_iter = iter(
            train_batches(
                spec, records, tok, data_cfg, cfg.batch_size, derive(seed, "data", name), cfg.pair_orders
            )
        )
        ckpt = Checkpointer(paths.checkpoints, config_hash)
        start, saved = ckpt.restore_or_discard(model, optimizer, data_iter)
        examples = int(saved.get("examples", 0))
        # the log travels in the checkpoint: DVC deletes a stage's outputs before rerunning it, and a run
        # that resumes (even one already complete) must rewrite the same log
        rows = list(saved.get("log") or (_truncate_log(log_path, start) if start else []))
        step_fn = make_train_step(cfg.context_loss_weight, cfg.micro_batches, cfg.frozen)
        base_key = jax.random.key(derive(seed, "dropout", name))
        lr_at = make_lr(cfg)
        end = cfg.steps if stop_after is None else min(cfg.steps, start + stop_after)
        bar = progress_bar(total=cfg.steps, initial=start, desc=f"train {name}", disable=not progress)
        t0 = time.perf_counter()
        window_tokens, window_t = 0.0, time.perf_counter()
        total_tokens, step_time = 0.0, 0.0
        metrics = {}
        last_finite = (start, None)
        for step in range(start, end):
            host_batch = next(data_iter)
            examples += int(host_batch["segment_ids"].max(axis=1).sum())
            batch = shard_batch(host_batch, mesh, mesh_cfg.rules)
            ts = time.perf_counter()
            metrics = step_fn(model, optimizer, batch, jax.random.fold_in(base_key, step))
            tokens = float(metrics["tokens"])  # blocks until the step is done
            loss = float(metrics["loss"])
            if not math.isfinite(loss):
                good = ckpt.latest_step()
                bar.close()
                ckpt.close()
                raise TrainingDiverged(
                    f"train {name}: loss is {loss} at step {step + 1} (last finite: {last_finite[1]} at step "
                    f"{last_finite[0]}); the last checkpoint is step {good or 'none'}: lower train.{name}.lr "
                    "or raise warmup_steps (a changed configuration starts afresh)"
                )
            last_finite = (step + 1, f"{loss:.6g}")
            if step > start:  # the first step includes compilation
                step_time += time.perf_counter() - ts
                total_tokens += tokens
            window_tokens += tokens
            bar.update(1)
            done = step + 1
            eval_due = evaluate is not None and cfg.eval_every > 0 and done % cfg.eval_every == 0
            if done % cfg.log_every == 0 or done == cfg.steps or eval_due:
                now = time.perf_counter()
                row = {
                    k: f"{float(metrics[k]):.6g}" for k in ("loss", "target_loss", "target_acc", "grad_norm")
                }
                row.update(
                    step=done,
                    lr=f"{lr_at(step):.6g}",
                    tokens_per_s=f"{window_tokens / (now - window_t):.1f}",
                    elapsed_s=f"{now - t0:.1f}",
                )
                if eval_due:
                    row.update({f"eval_{k}": f"{v:.6g}" for k, v in evaluate(model).items()})
                rows.append(row)
                _write_log(log_path, rows)
                bar.set_postfix(loss=row["loss"], acc=row["target_acc"], refresh=False)
                window_tokens, window_t = 0.0, time.perf_counter()  # the next window excludes evaluation time
            if done % cfg.checkpoint_every == 0 or done == end:
                final = {k: float(v) for k, v in metrics.items()}
                ckpt.save(
                    done, model, optimizer, data_iter, {"examples": examples, "log": rows, "final": final}
                )
        bar.close()
        ckpt.close()
        _write_log(log_path, rows)
    summary = {
        "run": name,
        "step": end,
        "steps": cfg.steps,
        "completed": end == cfg.steps,
        "final": {k: float(v) for k, v in metrics.items()} if metrics else saved.get("final"),
        "train_tokens_per_s": total_tokens / step_time if step_time else None,
        "wall_s": time.perf_counter() - t0,
        "params": count_params(model),
        "mixture": spec.name,
        "mixture_sha": spec.sha,
        "config_hash": config_hash,
        "examples_seen": examples,
    }
    if end == cfg.steps:
        meta = provenance.record(
            run=name,
            step=end,
            mixture=spec.name,
            mixture_sha=spec.sha,
            config_hash=config_hash,
            examples_seen=examples,
            data=dataclasses.asdict(data_cfg),
            train=dataclasses.asdict(cfg),
        )
        export_model(model, paths.model, meta, tok.files(), init if isinstance(init, Path) else None)
        (paths.logs / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def make_lr(cfg: TrainConfig):
    sched = schedule(cfg)
    return lambda step: float(sched(step))


def params_equal(a: nnx.Module, b: nnx.Module) -> bool:
    """Bitwise equality of two models' parameters."""
    la = jax.tree.leaves(nnx.state(a, nnx.Param))
    lb = jax.tree.leaves(nnx.state(b, nnx.Param))
    return len(la) == len(lb) and all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(la, lb))
