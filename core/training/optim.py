"""Optimizer from a TrainConfig: Adam (the paper's), global-norm clipping and an explicit schedule."""

from __future__ import annotations

import functools

import optax

from core.config import TrainConfig


def schedule(cfg: TrainConfig) -> optax.Schedule:
    if cfg.schedule == "constant":
        if cfg.warmup_steps:
            return optax.join_schedules(
                [optax.linear_schedule(0.0, cfg.lr, cfg.warmup_steps), optax.constant_schedule(cfg.lr)],
                [cfg.warmup_steps],
            )
        return optax.constant_schedule(cfg.lr)
    return optax.warmup_cosine_decay_schedule(
        init_value=0.0,
        peak_value=cfg.lr,
        warmup_steps=cfg.warmup_steps,
        decay_steps=max(cfg.steps, cfg.warmup_steps + 1),
        end_value=cfg.lr * cfg.end_lr_fraction,
    )


@functools.lru_cache(maxsize=8)
def make_optimizer(cfg: TrainConfig) -> optax.GradientTransformation:
    """Cached per configuration: the jitted step is traced against the optimizer object, so runs of one
    process with equal settings (the tail-patch runs) reuse one compiled step only if they share it."""
    return optax.chain(
        optax.clip_by_global_norm(cfg.clip_norm),
        optax.adamw(schedule(cfg), b1=cfg.b1, b2=cfg.b2, eps=cfg.eps, weight_decay=cfg.weight_decay),
    )
