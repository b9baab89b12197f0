"""The decoder: tokens -> logits ``[batch, time, vocab]`` (float32)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import nnx

from core.modeling.config import DecoderConfig
from core.modeling.layers import Block, RMSNorm, _param, attention_mask
from core.rng import derive


class Decoder(nnx.Module):
    def __init__(self, cfg: DecoderConfig, rngs: nnx.Rngs):
        self.cfg = cfg
        self.embed = _param(rngs, (cfg.vocab_size, cfg.d_model), ("vocab", "embed"), 1.0)
        self.blocks = nnx.List([Block(cfg, rngs) for _ in range(cfg.n_layers)])
        self.final_norm = RMSNorm(cfg.d_model, cfg.norm_eps)
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
        dt = jnp.dtype(self.cfg.dtype)
        x = jnp.take(self.embed[...], tokens, axis=0).astype(dt)
        mask = attention_mask(segment_ids)
        for i, block in enumerate(self.blocks):
            key = jax.random.fold_in(dropout_key, i) if dropout_key is not None else None
            x = block(x, positions, mask, key)
        x = self.final_norm(x)
        head = self.embed[...].T if self.cfg.tie_embeddings else self.head[...]
        return jnp.einsum("btd,dv->btv", x, head.astype(dt)).astype(jnp.float32)


def count_params(model: nnx.Module) -> int:
    return sum(x.size for x in jax.tree.leaves(nnx.state(model, nnx.Param)))


def init_model(cfg: DecoderConfig, seed: int) -> Decoder:
    """A randomly initialised decoder; the init seed is derived from the master seed, never drawn."""
    return Decoder(cfg, nnx.Rngs(params=derive(seed, "init")))
