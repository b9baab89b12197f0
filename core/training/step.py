"""The jitted train step (pure: same inputs give the same update, bit for bit on CPU)."""

from __future__ import annotations

from collections.abc import Callable

import jax
from flax import nnx

from core.training.loss import masked_loss


def make_train_step(context_weight: float) -> Callable:
    @nnx.jit
    def train_step(model, optimizer, batch, dropout_key):
        def loss_fn(m):
            logits = m(batch["inputs"], batch["segment_ids"], batch["positions"], dropout_key)
            return masked_loss(logits, batch, context_weight)

        (_, metrics), grads = nnx.value_and_grad(loss_fn, has_aux=True)(model)
        optimizer.update(model, grads)
        metrics["grad_norm"] = jax.numpy.sqrt(sum(jax.numpy.sum(g**2) for g in jax.tree.leaves(grads)))
        return metrics

    return train_step


def loss_on_batch(model, batch, context_weight: float = 0.0):
    """Loss without an update (no dropout); used to compare sharded and unsharded models."""
    logits = model(batch["inputs"], batch["segment_ids"], batch["positions"])
    return masked_loss(logits, batch, context_weight)[0]
