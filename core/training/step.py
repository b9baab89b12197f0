"""The jitted train step (pure: same inputs give the same update, bit for bit on CPU).

With ``micro_batches = k`` the batch is cut into k interleaved micro-batches (rows j, j+k, j+2k, ... so every
data shard contributes to each) whose gradients are summed in a ``lax.scan``: activation and logit memory fall
k-fold and, without dropout, the update equals the whole batch's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
from flax import nnx

from core.training.loss import finish, loss_sums, masked_loss, target_sums


def trainable(frozen: Sequence[str] = ()):
    """The parameters a run updates: all but those whose path names one of ``frozen`` (e.g. ``embed``: a
    real checkpoint's 262K x 640 embedding is 63% of Gemma 3 270M; freezing it spares its gradient and
    Adam state)."""
    if not frozen:
        return nnx.Param
    return nnx.All(nnx.Param, nnx.Not(nnx.Any(*(nnx.PathContains(name) for name in frozen))))


@functools.lru_cache(maxsize=8)
def make_train_step(context_weight: float, micro_batches: int = 1, frozen: tuple[str, ...] = ()) -> Callable:
    """The step; batches that carry ``target_index`` (and no context loss) get logits at targets only. The
    optimizer must be built over ``trainable(frozen)``. Cached: runs of one process with the same settings
    (the tail-patch runs) share one jitted step, so it compiles once."""
    wrt = trainable(frozen)

    def sums_and_grads(graphdef, state, rest, batch, dropout_key):
        def weighted_nll(st):
            model = nnx.merge(graphdef, st, rest)
            if context_weight == 0.0 and "target_index" in batch:
                sums = target_sums(model, batch, dropout_key)
            else:
                logits = model(batch["inputs"], batch["segment_ids"], batch["positions"], dropout_key)
                sums = loss_sums(logits, batch, context_weight)
            return sums["weighted_nll"], sums

        (_, sums), grads = jax.value_and_grad(weighted_nll, has_aux=True)(state)
        return sums, grads

    @nnx.jit
    def train_step(model, optimizer, batch, dropout_key):
        graphdef, state, rest = nnx.split(model, wrt, ...)
        if micro_batches == 1:
            sums, grads = sums_and_grads(graphdef, state, rest, batch, dropout_key)
        else:
            sums, grads = _accumulate(
                graphdef, state, rest, batch, dropout_key, micro_batches, sums_and_grads
            )
        grads = jax.tree.map(lambda g: g / jnp.maximum(sums["weight"], 1.0), grads)
        optimizer.update(model, grads)
        _, metrics = finish(sums)
        metrics["grad_norm"] = jnp.sqrt(sum(jnp.sum(g**2) for g in jax.tree.leaves(grads)))
        return metrics

    return train_step


def _accumulate(graphdef, state, rest, batch, dropout_key, k: int, sums_and_grads):
    rows = next(iter(batch.values())).shape[0]
    if rows % k:
        raise ValueError(f"batch of {rows} rows does not split into {k} micro-batches")
    micro = {name: x.reshape(rows // k, k, *x.shape[1:]).swapaxes(0, 1) for name, x in batch.items()}

    def body(acc, xs):
        mb, i = xs
        out = sums_and_grads(graphdef, state, rest, mb, jax.random.fold_in(dropout_key, i))
        return jax.tree.map(jnp.add, acc, out), None

    first = jax.eval_shape(lambda: sums_and_grads(graphdef, state, rest, batch, dropout_key))
    zeros = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), first)
    (sums, grads), _ = jax.lax.scan(body, zeros, (micro, jnp.arange(k)))
    return sums, grads


def loss_on_batch(model, batch, context_weight: float = 0.0):
    """Loss without an update (no dropout); used to compare sharded and unsharded models."""
    logits = model(batch["inputs"], batch["segment_ids"], batch["positions"])
    return masked_loss(logits, batch, context_weight)[0]
