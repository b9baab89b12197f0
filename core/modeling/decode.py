"""Greedy decoding, with a KV cache (default) or by recomputing the whole prefix at every step, and the
cached prompt pass (``prefill``) that log-likelihood scoring shares across a record's labels.

Prompts of different lengths are left-padded into one batch; positions count real tokens only, so a padded
prompt is decoded exactly as it would be alone. The no-cache path exists to verify the cached one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from core.modeling.decoder import Decoder, KVCache


def inference(fn: Callable | None = None, *, static: tuple[int, ...] = ()) -> Callable:
    """Jit ``fn(model, *args)`` for reading a model: its weights enter as an argument and are never returned.
    ``nnx.jit`` hands every variable back out of the call, which copies a real model's weights each time
    (0.24 s per call for Gemma 3 270M on a CPU, more than the scoring itself). ``static`` lists positions of
    ``args`` that are compile-time constants."""
    if fn is None:
        return partial(inference, static=static)

    @partial(jax.jit, static_argnums=(0, *(2 + i for i in static)))
    def run(graphdef, state, *args):
        return fn(nnx.merge(graphdef, state), *args)

    def call(model: Decoder, *args):
        graphdef, state = nnx.split(model)
        return run(graphdef, state, *args)

    return call


@inference
def _cached_step(model: Decoder, tokens, positions, valid, cache):
    return model.decode_step(tokens, positions, valid, cache)


@inference(static=(3,))
def _prefill(model: Decoder, tokens, positions, valid, room: int):
    return model.prefill(tokens, positions, valid, room)


@inference
def _full_forward(model: Decoder, tokens, segment_ids, positions):
    return model(tokens, segment_ids, positions)


def _left_pad(prompts: Sequence[Sequence[int]], width: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not prompts or any(len(p) == 0 for p in prompts):
        raise ValueError("every prompt needs at least one token")
    width = max(width, *(len(p) for p in prompts))
    tokens = np.zeros((len(prompts), width), np.int32)
    valid = np.zeros((len(prompts), width), bool)
    for i, p in enumerate(prompts):
        tokens[i, width - len(p) :] = p
        valid[i, width - len(p) :] = True
    positions = np.maximum(np.cumsum(valid, axis=1) - 1, 0).astype(np.int32)
    return tokens, valid, positions


def _cut(rows: np.ndarray, eos_id: int | None) -> list[list[int]]:
    out = []
    for row in rows.tolist():
        if eos_id is not None and eos_id in row:
            row = row[: row.index(eos_id) + 1]
        out.append(row)
    return out


def prefill(
    model: Decoder, prompts: Sequence[Sequence[int]], room: int, width: int = 0
) -> tuple[jax.Array, KVCache, np.ndarray]:
    """Run left-padded prompts (at least ``width`` slots wide) into a cache that keeps ``room`` free slots
    after them. Returns the logits at each prompt's last token (``[B, vocab]``), the cache and each
    row's next position."""
    tokens, valid, positions = _left_pad(prompts, width)
    last, cache = _prefill(model, jnp.asarray(tokens), jnp.asarray(positions), jnp.asarray(valid), room)
    return last, cache, positions[:, -1] + 1


def greedy_generate(
    model: Decoder,
    prompts: Sequence[Sequence[int]],
    max_new_tokens: int,
    eos_id: int | None = None,
    use_cache: bool = True,
) -> list[list[int]]:
    """Greedy continuations (token ids, ending at ``eos_id`` when produced) of each prompt."""
    tokens, valid, positions = _left_pad(prompts)
    batch = tokens.shape[0]
    new = np.zeros((batch, max_new_tokens), np.int32)
    done = np.zeros(batch, bool)
    next_pos = positions[:, -1] + 1
    if use_cache:
        last, cache = _prefill(
            model, jnp.asarray(tokens), jnp.asarray(positions), jnp.asarray(valid), max_new_tokens
        )
        logits = last[:, None]
    for t in range(max_new_tokens):
        if not use_cache:
            seq = np.concatenate([tokens, new[:, :t]], axis=1)
            seg = np.concatenate([valid, np.ones((batch, t), bool)], axis=1).astype(np.int32)
            pos = np.concatenate([positions, next_pos[:, None] + np.arange(t)[None]], axis=1).astype(np.int32)
            logits = _full_forward(model, jnp.asarray(seq), jnp.asarray(seg), jnp.asarray(pos))
        nxt = np.asarray(jax.device_get(jnp.argmax(logits[:, -1], axis=-1))).astype(np.int32)
        new[:, t] = nxt
        if eos_id is not None:
            done |= nxt == eos_id
        if done.all():
            new = new[:, : t + 1]
            break
        if use_cache:
            logits, cache = _cached_step(
                model,
                jnp.asarray(nxt[:, None]),
                jnp.asarray((next_pos + t)[:, None]),
                jnp.ones((batch, 1), bool),
                cache,
            )
    return _cut(new, eos_id)
