"""Masked next-token cross-entropy: the loss is on target tokens (the rater's answer) only, unless an
auxiliary weight on the context tokens is configured.

With the loss on targets only, the output head runs only at the target positions (:func:`target_sums`):
a judge's answer is a few tokens of a row of hundreds, and a 262K-token vocabulary makes the head the most
expensive matmul of a step. The loss is a ratio of sums (weighted NLL over weights), so the sums of
micro-batches add up to the sums of the whole batch and gradient accumulation gives the whole batch's
gradient.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from core.modeling.decoder import Decoder, token_nll


def _sums(logits, targets, tmask, weights, segment_ids) -> dict[str, jax.Array]:
    nll = token_nll(logits, targets)
    correct = (jnp.argmax(logits, axis=-1) == targets).astype(jnp.float32)
    return {
        "weighted_nll": jnp.sum(nll * weights),
        "weight": jnp.sum(weights),
        "target_nll": jnp.sum(nll * tmask),
        "targets": jnp.sum(tmask),
        "correct": jnp.sum(correct * tmask),
        "tokens": jnp.sum((segment_ids > 0).astype(jnp.float32)),
    }


def loss_sums(logits: jax.Array, batch: dict, context_weight: float) -> dict[str, jax.Array]:
    """Additive statistics of one (micro-)batch from logits at every position: weighted NLL and its weight,
    target NLL, hits and counts."""
    tmask = batch["target_mask"].astype(jnp.float32)
    weights = tmask + context_weight * batch["context_mask"].astype(jnp.float32)
    return _sums(logits, batch["targets"], tmask, weights, batch["segment_ids"])


def target_index(target_mask: np.ndarray, minimum: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Host side: each row's target positions ``[B, K]`` (padded with 0) and which are real. K is the
    largest row's count rounded up to a power of two, so a run compiles only a few step shapes."""
    counts = target_mask.sum(axis=1)
    k = max(minimum, 1 << int(max(1, counts.max()) - 1).bit_length())
    index = np.zeros((target_mask.shape[0], k), np.int32)
    valid = np.zeros((target_mask.shape[0], k), np.int32)
    for row, mask in enumerate(target_mask):
        where = np.flatnonzero(mask)
        index[row, : len(where)], valid[row, : len(where)] = where, 1
    return index, valid


def target_sums(model: Decoder, batch: dict, dropout_key: jax.Array | None) -> dict[str, jax.Array]:
    """The same statistics as :func:`loss_sums` with ``context_weight = 0``, the head applied only at the
    positions ``batch["target_index"]`` lists."""
    hidden = model.hidden(batch["inputs"], batch["segment_ids"], batch["positions"], dropout_key)
    index = batch["target_index"]
    logits = model.logits(jnp.take_along_axis(hidden, index[..., None], axis=1))
    targets = jnp.take_along_axis(batch["targets"], index, axis=1)
    valid = batch["target_valid"].astype(jnp.float32)
    return _sums(logits, targets, valid, valid, batch["segment_ids"])


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
