"""The decoder: tokens -> logits ``[batch, time, vocab]`` (float32)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import nnx, struct

from core.modeling.config import DecoderConfig
from core.modeling.layers import Block, RMSNorm, _param, attention_mask, window_mask
from core.rng import derive


class Decoder(nnx.Module):
    def __init__(self, cfg: DecoderConfig, rngs: nnx.Rngs):
        self.cfg = cfg
        self.embed = _param(rngs, (cfg.vocab_size, cfg.d_model), ("vocab", "embed"), 1.0)
        self.blocks = nnx.List([Block(cfg, rngs) for _ in range(cfg.n_layers)])
        self.final_norm = RMSNorm(cfg.d_model, cfg.norm_eps, cfg.norm_offset)
        if not cfg.tie_embeddings:
            self.head = _param(rngs, (cfg.d_model, cfg.vocab_size), ("embed", "vocab"), cfg.d_model**-0.5)

    def __call__(
        self,
        tokens: jax.Array,
        segment_ids: jax.Array | None = None,
        positions: jax.Array | None = None,
        dropout_key: jax.Array | None = None,
    ) -> jax.Array:
        """``segment_ids`` (0 = padding) separate packed examples; ``positions`` restart per example."""
        if segment_ids is None:
            segment_ids = jnp.ones_like(tokens)
        if positions is None:
            positions = jnp.broadcast_to(jnp.arange(tokens.shape[-1]), tokens.shape)
        slots = jnp.arange(tokens.shape[-1])
        logits, _ = self._forward(tokens, positions, attention_mask(segment_ids), slots, slots, dropout_key)
        return logits

    def decode_step(self, tokens: jax.Array, positions: jax.Array, valid: jax.Array, cache: KVCache):
        """Run ``tokens [B, T]`` at cache slots ``cache.index ..``; ``valid`` marks real (non-pad) tokens.

        Each query attends to every earlier valid slot of the cache. Returns ``(logits, new_cache)``.
        """
        t = tokens.shape[1]
        valid_all = jax.lax.dynamic_update_slice(cache.valid, valid, (0, cache.index))
        slots = jnp.arange(cache.valid.shape[1])
        causal = slots[None, :] <= (cache.index + jnp.arange(t))[:, None]
        mask = (causal[None] & valid_all[:, None, :])[:, None]
        query_slots = cache.index + jnp.arange(t)
        logits, kv = self._forward(
            tokens, positions, mask, query_slots, slots, None, list(zip(cache.k, cache.v)), cache.index
        )
        return logits, KVCache(
            k=tuple(k for k, _ in kv), v=tuple(v for _, v in kv), valid=valid_all, index=cache.index + t
        )

    def _forward(self, tokens, positions, mask, query_slots, key_slots, dropout_key, caches=None, index=None):
        cfg = self.cfg
        dt = jnp.dtype(cfg.dtype)
        x = jnp.take(self.embed[...], tokens, axis=0)
        if cfg.embed_scale:
            x = x * jnp.asarray(cfg.d_model**0.5, x.dtype)
        x = x.astype(dt)
        local = mask & window_mask(query_slots, key_slots, cfg.sliding_window) if cfg.sliding_window else mask
        new_caches = []
        for i, block in enumerate(self.blocks):
            key = jax.random.fold_in(dropout_key, i) if dropout_key is not None else None
            layer_mask = local if cfg.is_local(i) else mask
            x, kv = block(x, positions, layer_mask, key, caches[i] if caches else None, index)
            new_caches.append(kv)
        x = self.final_norm(x)
        head = self.embed[...].T if cfg.tie_embeddings else self.head[...]
        logits = jnp.einsum("btd,dv->btv", x, head.astype(dt)).astype(jnp.float32)
        if cfg.final_softcap:
            logits = jnp.tanh(logits / cfg.final_softcap) * cfg.final_softcap
        return logits, new_caches


@struct.dataclass
class KVCache:
    """Per-layer key/value buffers ``[B, S, kv_heads, head_dim]``, which slots hold real tokens, and the next
    slot to write."""

    k: tuple[jax.Array, ...]
    v: tuple[jax.Array, ...]
    valid: jax.Array  # [B, S] bool
    index: jax.Array  # int32 scalar

    @classmethod
    def init(cls, cfg: DecoderConfig, batch: int, max_len: int) -> KVCache:
        shape = (batch, max_len, cfg.n_kv_heads, cfg.head_dim)
        zeros = tuple(jnp.zeros(shape, jnp.dtype(cfg.dtype)) for _ in range(cfg.n_layers))
        return cls(k=zeros, v=zeros, valid=jnp.zeros((batch, max_len), bool), index=jnp.zeros((), jnp.int32))


def count_params(model: nnx.Module) -> int:
    return sum(x.size for x in jax.tree.leaves(nnx.state(model, nnx.Param)))


def init_model(cfg: DecoderConfig, seed: int) -> Decoder:
    """A randomly initialised decoder; the init seed is derived from the master seed, never drawn."""
    return Decoder(cfg, nnx.Rngs(params=derive(seed, "init")))
