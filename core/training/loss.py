"""Masked next-token cross-entropy: the loss is on target tokens (the rater's answer) only, unless an
auxiliary weight on the context tokens is configured."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def token_nll(logits: jax.Array, targets: jax.Array) -> jax.Array:
    logp = jax.nn.log_softmax(logits.astype(jnp.float32), axis=-1)
    return -jnp.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]


def masked_loss(logits: jax.Array, batch: dict, context_weight: float) -> tuple[jax.Array, dict]:
    """Weighted mean NLL over target tokens (+ ``context_weight`` x context tokens); metrics on targets."""
    nll = token_nll(logits, batch["targets"])
    tmask = batch["target_mask"].astype(jnp.float32)
    cmask = batch["context_mask"].astype(jnp.float32)
    weights = tmask + context_weight * cmask
    loss = jnp.sum(nll * weights) / jnp.maximum(jnp.sum(weights), 1.0)
    n_target = jnp.maximum(jnp.sum(tmask), 1.0)
    correct = (jnp.argmax(logits, axis=-1) == batch["targets"]).astype(jnp.float32)
    metrics = {
        "loss": loss,
        "target_loss": jnp.sum(nll * tmask) / n_target,
        "target_acc": jnp.sum(correct * tmask) / n_target,
        "tokens": jnp.sum((batch["segment_ids"] > 0).astype(jnp.float32)),
    }
    return loss, metrics
