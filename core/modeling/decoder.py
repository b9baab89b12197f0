"""The decoder: tokens -> logits ``[batch, time, vocab]`` (float32)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import nnx, struct

from core.modeling.config import DecoderConfig
from core.modeling.layers import Block, RMSNorm, _param, attention_mask, rotary_tables, window_mask
from core.rng import derive

Maybe = jax.Array | None  # an optional input of the forward pass

REMAT = {
    "full": jax.checkpoint_policies.nothing_saveable,
    "dots": jax.checkpoint_policies.dots_with_no_batch_dims_saveable,
}


class Decoder(nnx.Module):
    """Embeddings, ``n_layers`` blocks and the output head.

    With ``cfg.scan_layers`` the blocks' weights are stacked along a leading ``layers`` axis and run by one
    ``lax.scan`` (one compiled block, fast compiles at 46+ layers); otherwise they are a list run in a Python
    loop. Both start from the same random draws, so a scanned model equals the stacked unrolled one.
    """

    def __init__(self, cfg: DecoderConfig, rngs: nnx.Rngs):
        self.cfg = cfg
        pd = cfg.param_dtype
        self.embed = _param(rngs, (cfg.vocab_size, cfg.d_model), ("vocab", "embed"), 1.0, pd)
        blocks = [Block(cfg, rngs) for _ in range(cfg.n_layers)]
        self.blocks = stack_blocks(blocks) if cfg.scan_layers else nnx.List(blocks)
        self.final_norm = RMSNorm(cfg.d_model, cfg.norm_eps, cfg.norm_offset, pd)
        if not cfg.tie_embeddings:
            scale = cfg.d_model**-0.5
            self.head = _param(rngs, (cfg.d_model, cfg.vocab_size), ("embed", "vocab"), scale, pd)

    def __call__(
        self, tokens: jax.Array, segment_ids: Maybe = None, positions: Maybe = None, dropout_key: Maybe = None
    ) -> jax.Array:
        """Logits ``[B, T, vocab]``; ``segment_ids`` (0 = padding) separate packed examples, ``positions``
        restart per example."""
        return self.logits(self.hidden(tokens, segment_ids, positions, dropout_key))

    def hidden(
        self, tokens: jax.Array, segment_ids: Maybe = None, positions: Maybe = None, dropout_key: Maybe = None
    ) -> jax.Array:
        """Final-normed hidden states ``[B, T, d_model]``: the training loss applies the output head only
        where it needs logits (a 262K-token vocabulary would otherwise dominate the step)."""
        if segment_ids is None:
            segment_ids = jnp.ones_like(tokens)
        if positions is None:
            positions = jnp.broadcast_to(jnp.arange(tokens.shape[-1]), tokens.shape)
        slots = jnp.arange(tokens.shape[-1])
        x, _ = self._forward(tokens, positions, attention_mask(segment_ids), slots, slots, dropout_key)
        return x

    def prefill(self, tokens: jax.Array, positions: jax.Array, valid: jax.Array, room: int):
        """The prompt pass of cached decoding, run like training (chunked causal attention, no cache reads):
        left-padded ``tokens [B, T]`` (``valid`` marks real ones) -> the logits at the last slot ``[B, vocab]``
        and a cache holding the prompt's keys/values with ``room`` free slots after them."""
        slots = jnp.arange(tokens.shape[-1])
        x, (k, v) = self._forward(
            tokens, positions, attention_mask(valid.astype(jnp.int32)), slots, slots, None, keep_kv=True
        )
        free = ((0, 0), (0, 0), (0, room), (0, 0), (0, 0))
        cache = KVCache(
            k=jnp.pad(k, free),
            v=jnp.pad(v, free),
            valid=jnp.pad(valid, ((0, 0), (0, room))),
            index=jnp.asarray(tokens.shape[-1], jnp.int32),
        )
        return self.logits(x[:, -1]), cache

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
        x, (k, v) = self._forward(
            tokens, positions, mask, query_slots, slots, None, (cache.k, cache.v), cache.index
        )
        return self.logits(x), KVCache(k=k, v=v, valid=valid_all, index=cache.index + t)

    def _forward(
        self,
        tokens,
        positions,
        mask,
        query_slots,
        key_slots,
        dropout_key,
        cache=None,
        index=None,
        keep_kv=False,
    ):
        """Final-normed hidden states, and the layers' keys/values when reading a cache or ``keep_kv``."""
        cfg = self.cfg
        keep_kv = keep_kv or cache is not None
        dt = jnp.dtype(cfg.dtype)
        x = jnp.take(self.embed[...], tokens, axis=0).astype(jnp.float32)
        if cfg.embed_scale:
            x = x * jnp.asarray(cfg.d_model**0.5, x.dtype)
        x = x.astype(dt)
        local = mask & window_mask(query_slots, key_slots, cfg.sliding_window) if cfg.sliding_window else mask
        rot_global = rotary_tables(positions, cfg.head_dim, cfg.rope_theta, cfg.rope_scaling, cfg.rope_linear)
        rot_local = rot_global
        if cfg.local_rope_differs:
            theta = cfg.rope_local_theta if cfg.rope_local_theta is not None else cfg.rope_theta
            rot_local = rotary_tables(positions, cfg.head_dim, theta, cfg.rope_scaling)

        def layer(x, layer_state, graphdef, layer_mask, rot, i, kv):
            """One block; its keys/values come back only with ``keep_kv`` (a cache to read or fill; training
            needs none)."""
            key = jax.random.fold_in(dropout_key, i) if dropout_key is not None else None
            x, new_kv = nnx.merge(graphdef, layer_state)(x, rot, layer_mask, key, kv, index)
            return x, (new_kv if keep_kv else None)

        if cfg.remat != "none":
            layer = jax.checkpoint(layer, policy=REMAT[cfg.remat], static_argnums=(2,))
        if cfg.scan_layers:
            graphdef, stacked = nnx.split(self.blocks)
            flags = jnp.asarray([cfg.is_local(i) for i in range(cfg.n_layers)])

            def body(x, xs):
                layer_state, is_local, i, kv = xs
                layer_mask = jnp.where(is_local, local, mask)
                rot = rot_global
                if cfg.local_rope_differs:
                    rot = jax.tree.map(lambda a, b: jnp.where(is_local, a, b), rot_local, rot_global)
                return layer(x, layer_state, graphdef, layer_mask, rot, i, kv)

            x, kv = jax.lax.scan(body, x, (stacked, flags, jnp.arange(cfg.n_layers), cache))
        else:
            kvs = []
            for i, block in enumerate(self.blocks):
                graphdef, layer_state = nnx.split(block)
                layer_kv = (cache[0][i], cache[1][i]) if cache is not None else None
                is_local = cfg.is_local(i)
                layer_mask, rot = (local, rot_local) if is_local else (mask, rot_global)
                x, layer_kv = layer(x, layer_state, graphdef, layer_mask, rot, i, layer_kv)
                kvs.append(layer_kv)
            kv = tuple(jnp.stack(parts) for parts in zip(*kvs)) if keep_kv else None
        return self.final_norm(x), kv

    def logits(self, x: jax.Array) -> jax.Array:
        """The output head over hidden states ``[..., d_model]``. A tied head contracts with the embedding as
        stored (``[vocab, d]``): transposing it first copies the whole table on every call (0.3 s for
        Gemma 3's 262K x 640 on a CPU, for logits at a few positions)."""
        cfg = self.cfg
        flat = x.reshape(-1, x.shape[-1])
        if cfg.tie_embeddings:
            logits = jax.lax.dot_general(flat, self.embed[...].astype(x.dtype), (((1,), (1,)), ((), ())))
        else:
            logits = flat @ self.head[...].astype(x.dtype)
        logits = logits.reshape(*x.shape[:-1], -1).astype(jnp.float32)
        if cfg.final_softcap:
            logits = jnp.tanh(logits / cfg.final_softcap) * cfg.final_softcap
        return logits


def stack_blocks(blocks: list[Block]) -> Block:
    """One Block whose every parameter gains a leading ``layers`` axis (sharding axis name ``layers``)."""
    graphdef, first = nnx.split(blocks[0])
    states = [first] + [nnx.split(b)[1] for b in blocks[1:]]
    stacked = jax.tree.map(lambda *xs: jnp.stack(xs), *states)
    module = nnx.merge(graphdef, stacked)
    for _, var in nnx.to_flat_state(nnx.state(module, nnx.Param)):
        axes = var.get_metadata().get("axes") or (None,) * (var.get_value().ndim - 1)
        var.set_metadata("axes", ("layers", *axes))
    return module


@struct.dataclass
class KVCache:
    """Key/value buffers ``[layers, B, S, kv_heads, head_dim]``, which slots hold real tokens, and the next
    slot to write."""

    k: jax.Array
    v: jax.Array
    valid: jax.Array  # [B, S] bool
    index: jax.Array  # int32 scalar

    @classmethod
    def init(cls, cfg: DecoderConfig, batch: int, max_len: int) -> KVCache:
        zeros = jnp.zeros((cfg.n_layers, batch, max_len, cfg.n_kv_heads, cfg.head_dim), jnp.dtype(cfg.dtype))
        return cls(k=zeros, v=zeros, valid=jnp.zeros((batch, max_len), bool), index=jnp.zeros((), jnp.int32))


def token_nll(logits: jax.Array, targets: jax.Array) -> jax.Array:
    """Negative log-probability of each ``targets`` token under ``logits [..., vocab]`` (float32)."""
    logp = jax.nn.log_softmax(logits.astype(jnp.float32), axis=-1)
    return -jnp.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]


def count_params(model: nnx.Module) -> int:
    return sum(x.size for x in jax.tree.leaves(nnx.state(model, nnx.Param)))


def init_model(cfg: DecoderConfig, seed: int) -> Decoder:
    """A randomly initialised decoder; the init seed is derived from the master seed, never drawn."""
    return Decoder(cfg, nnx.Rngs(params=derive(seed, "init")))
