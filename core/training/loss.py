"""Masked next-token cross-entropy: the loss is on target tokens (the rater's answer) only, unless an
auxiliary weight on the context tokens is configured.

The loss is a ratio of sums (weighted NLL over weights), so :func:`loss_sums` of micro-batches add up to the
sums of the whole batch and gradient accumulation gives the whole batch's gradient.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def token_nll(logits: jax.Array, targets: jax.Array) -> jax.Array:
    logp = jax.nn.log_softmax(logits.astype(jnp.float32), axis=-1)
    return -jnp.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]


def loss_sums(logits: jax.Array, batch: dict, context_weight: float) -> dict[str, jax.Array]:
    """Additive statistics of one (micro-)batch: weighted NLL and its weight, target NLL, hits and counts."""
    nll = token_nll(logits, batch["targets"])
    tmask = batch["target_mask"].astype(jnp.float32)
    weights = tmask + context_weight * batch["context_mask"].astype(jnp.float32)
    correct = (jnp.argmax(logits, axis=-1) == batch["targets"]).astype(jnp.float32)
    return {
        "weighted_nll": jnp.sum(nll * weights),
        "weight": jnp.sum(weights),
        "target_nll": jnp.sum(nll * tmask),
        "targets": jnp.sum(tmask),
        "correct": jnp.sum(correct * tmask),
        "tokens": jnp.sum((batch["segment_ids"] > 0).astype(jnp.float32)),
    }


def finish(sums: dict[str, jax.Array]) -> tuple[jax.Array, dict[str, jax.Array]]:
    """Loss and metrics from (accumulated) sums."""
    loss = sums["weighted_nll"] / jnp.maximum(sums["weight"], 1.0)
    n_target = jnp.maximum(sums["targets"], 1.0)
    metrics = {
        "loss": loss,
        "target_loss": sums["target_nll"] / n_target,
        "target_acc": sums["correct"] / n_target,
        "tokens": sums["tokens"],
    }
    return loss, metrics


def masked_loss(logits: jax.Array, batch: dict, context_weight: float) -> tuple[jax.Array, dict]:
    """Weighted mean NLL over target tokens (+ ``context_weight`` x context tokens); metrics on targets."""
    return finish(loss_sums(logits, batch, context_weight))
