"""Decoder building blocks. Every parameter carries logical ``axes`` metadata used by the sharding rules."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from core.modeling.config import DecoderConfig


def _param(rngs: nnx.Rngs, shape, axes, scale: float, dtype: str = "float32") -> nnx.Param:
    """Drawn in float32 then cast, so a bfloat16 model starts from the float32 model's rounded weights."""
    value = jax.random.normal(rngs.params(), shape, jnp.float32) * scale
    return nnx.Param(value.astype(dtype), axes=axes)


def dropout(x: jax.Array, rate: float, key: jax.Array | None) -> jax.Array:
    """Inverted dropout with an explicit key (no key or rate 0: identity). Stateless, so resumes are exact."""
    if key is None or rate <= 0.0:
        return x
    keep = jax.random.bernoulli(key, 1.0 - rate, x.shape)
    return jnp.where(keep, x / (1.0 - rate), 0).astype(x.dtype)


def dense(x: jax.Array, w: jax.Array, in_axes: int = 1) -> jax.Array:
    """``x [..., *w.shape[:in_axes]] @ w`` as one 2-D matmul. XLA:CPU runs the gradient of a matmul that
    contracts over several batch-like axes ([B, T, d] @ [d, f]) 1.6x slower than the same matmul on
    [B*T, d], so every projection flattens first (neutral on accelerators)."""
    lead, out = x.shape[: x.ndim - in_axes], w.shape[in_axes:]
    flat = x.reshape(int(np.prod(lead)), -1) @ w.reshape(int(np.prod(w.shape[:in_axes])), -1).astype(x.dtype)
    return flat.reshape(*lead, *out)


class RMSNorm(nnx.Module):
    """RMSNorm in float32; ``offset=1`` gives Gemma's ``(1 + w)`` scaling (weights then start at zero)."""

    def __init__(
        self, dim: int, eps: float, offset: float = 0.0, dtype: str = "float32", axis_name: str = "embed"
    ):
        self.scale = nnx.Param(jnp.full((dim,), 1.0 - offset, dtype), axes=(axis_name,))
        self.eps, self.offset = eps, offset

    def __call__(self, x: jax.Array) -> jax.Array:
        x32 = x.astype(jnp.float32)
        var = jnp.mean(jnp.square(x32), axis=-1, keepdims=True)
        scale = self.offset + self.scale[...].astype(jnp.float32)
        return (x32 * jax.lax.rsqrt(var + self.eps) * scale).astype(x.dtype)


def rope_frequencies(head_dim: int, theta: float, scaling: tuple | None = None) -> np.ndarray:
    """Inverse frequencies, with Llama-3's long-context rescaling when ``scaling`` is given."""
    inv = 1.0 / (theta ** (np.arange(0, head_dim, 2, dtype=np.float32) / head_dim))
    if scaling is None:
        return inv.astype(np.float32)
    factor, low, high, original = scaling
    wavelen = 2 * np.pi / inv
    scaled = np.where(wavelen > original / low, inv / factor, inv)
    smooth = (original / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    medium = (wavelen >= original / high) & (wavelen <= original / low)
    return np.where(medium, smoothed, scaled).astype(np.float32)


Rotary = tuple[jax.Array, jax.Array]  # (sin, cos), each [B, T, 1, head_dim / 2]


def rotary_tables(
    positions: jax.Array,
    head_dim: int,
    theta: float,
    scaling: tuple | None = None,
    linear: float | None = None,
) -> Rotary:
    """Sines and cosines of the rotary angles at integer ``positions [B, T]``, computed once per forward and
    shared by every layer of the same kind; ``linear`` divides positions (linear RoPE scaling)."""
    freqs = jnp.asarray(rope_frequencies(head_dim, theta, scaling))
    if linear is not None:
        freqs = freqs / linear
    angles = positions[..., None].astype(jnp.float32) * freqs  # [B, T, D/2]
    return jnp.sin(angles)[:, :, None, :], jnp.cos(angles)[:, :, None, :]


def apply_rotary(x: jax.Array, rot: Rotary) -> jax.Array:
    """Rotary embedding (half-split convention) of ``x [B, T, H, D]``."""
    sin, cos = rot
    x1, x2 = jnp.split(x.astype(jnp.float32), 2, axis=-1)
    out = jnp.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1)
    return out.astype(x.dtype)


def attention_mask(segment_ids: jax.Array) -> jax.Array:
    """``[B, 1, T, T]`` causal mask that never crosses packed segments and never attends to padding."""
    t = segment_ids.shape[-1]
    causal = jnp.tril(jnp.ones((t, t), bool))
    same = segment_ids[:, :, None] == segment_ids[:, None, :]
    real = (segment_ids > 0)[:, None, :]
    return (causal[None] & same & real)[:, None]


def window_mask(query_slots: jax.Array, key_slots: jax.Array, window: int) -> jax.Array:
    """``[1, 1, T, S]``: a query sees keys less than ``window`` slots back (segments are contiguous)."""
    return ((query_slots[:, None] - key_slots[None, :]) < window)[None, None]


class Attention(nnx.Module):
    """Multi-head attention with grouped key/value heads (GQA), RoPE and optional QK-norm (Gemma-3)."""

    def __init__(self, cfg: DecoderConfig, rngs: nnx.Rngs):
        d, h, kv, hd = cfg.d_model, cfg.n_heads, cfg.n_kv_heads, cfg.head_dim
        self.cfg = cfg
        pd = cfg.param_dtype
        self.wq = _param(rngs, (d, h, hd), ("embed", "heads", "head_dim"), d**-0.5, pd)
        self.wk = _param(rngs, (d, kv, hd), ("embed", "kv_heads", "head_dim"), d**-0.5, pd)
        self.wv = _param(rngs, (d, kv, hd), ("embed", "kv_heads", "head_dim"), d**-0.5, pd)
        out_scale = (h * hd) ** -0.5 / (2 * cfg.n_layers) ** 0.5
        self.wo = _param(rngs, (h, hd, d), ("heads", "head_dim", "embed"), out_scale, pd)
        if cfg.qk_norm:
            self.q_norm = RMSNorm(hd, cfg.norm_eps, cfg.norm_offset, pd, axis_name="head_dim")
            self.k_norm = RMSNorm(hd, cfg.norm_eps, cfg.norm_offset, pd, axis_name="head_dim")

    def __call__(self, x: jax.Array, rot: Rotary, mask: jax.Array, kv=None, index=None):
        """Attention over ``x`` rotated by ``rot``; with ``kv = (k_cache, v_cache)`` the new keys/values are
        written at slot ``index`` and the queries attend over the whole cache. Returns ``(out, (k, v))``."""
        cfg = self.cfg
        dt = x.dtype
        q, k, v = dense(x, self.wq[...]), dense(x, self.wk[...]), dense(x, self.wv[...])
        if cfg.qk_norm:
            q, k = self.q_norm(q), self.k_norm(k)
        q, k = apply_rotary(q, rot), apply_rotary(k, rot)
        if kv is not None:
            k = jax.lax.dynamic_update_slice(kv[0], k.astype(kv[0].dtype), (0, index, 0, 0)).astype(dt)
            v = jax.lax.dynamic_update_slice(kv[1], v.astype(kv[1].dtype), (0, index, 0, 0)).astype(dt)
        b, t = x.shape[:2]
        groups = cfg.n_heads // cfg.n_kv_heads
        # heads-major layout [b, kv, group, q, d]: both attention matmuls are plain batched matmuls (on CPU
        # 1.6x faster than contracting in the [b, q, heads, d] layout the projections produce)
        q = q.reshape(b, t, cfg.n_kv_heads, groups, cfg.head_dim).transpose(0, 2, 3, 1, 4)
        if kv is None and cfg.attn_chunk and t > cfg.attn_chunk:
            # causal blocks: queries [s, e) never see keys at or beyond e, so each block skips them
            spans = [(s, min(s + cfg.attn_chunk, t)) for s in range(0, t, cfg.attn_chunk)]
            parts = [self._attend(q[:, :, :, s:e], k[:, :e], v[:, :e], mask[:, :, s:e, :e]) for s, e in spans]
            out = jnp.concatenate(parts, axis=3)
        else:
            out = self._attend(q, k, v, mask)
        out = out.transpose(0, 3, 1, 2, 4).reshape(b, t, cfg.n_heads, cfg.head_dim)
        return dense(out, self.wo[...], in_axes=2), (k, v)

    def _attend(self, q, k, v, mask):
        """Softmax attention of queries ``[b, kv, group, q, d]`` over keys/values ``[b, s, kv, d]``."""
        cfg = self.cfg
        scale = (cfg.query_scale if cfg.query_scale else cfg.head_dim) ** -0.5
        scores = jnp.einsum("bkgqd,bskd->bkgqs", q, k).astype(jnp.float32) * scale
        if cfg.attn_softcap:
            scores = jnp.tanh(scores / cfg.attn_softcap) * cfg.attn_softcap
        scores = jnp.where(mask[:, :, None], scores, jnp.finfo(jnp.float32).min)
        probs = jax.nn.softmax(scores, axis=-1).astype(q.dtype)
        return jnp.einsum("bkgqs,bskd->bkgqd", probs, v)


class GatedMlp(nnx.Module):
    """SwiGLU feed-forward."""

    def __init__(self, cfg: DecoderConfig, rngs: nnx.Rngs):
        d, f = cfg.d_model, cfg.d_ff
        pd = cfg.param_dtype
        self.w_gate = _param(rngs, (d, f), ("embed", "mlp"), d**-0.5, pd)
        self.w_up = _param(rngs, (d, f), ("embed", "mlp"), d**-0.5, pd)
        self.w_down = _param(rngs, (f, d), ("mlp", "embed"), f**-0.5 / (2 * cfg.n_layers) ** 0.5, pd)
        self.activation = cfg.mlp_activation

    def __call__(self, x: jax.Array) -> jax.Array:
        act = jax.nn.silu if self.activation == "silu" else partial(jax.nn.gelu, approximate=True)
        gate = act(dense(x, self.w_gate[...]))
        return dense(gate * dense(x, self.w_up[...]), self.w_down[...])


class Block(nnx.Module):
    """Pre-norm residual block; with ``post_norms`` (Gemma-2/3) each sub-layer's output is normalised too."""

    def __init__(self, cfg: DecoderConfig, rngs: nnx.Rngs):
        norm = partial(RMSNorm, cfg.d_model, cfg.norm_eps, cfg.norm_offset, cfg.param_dtype)
        self.attn_norm = norm()
        self.attn = Attention(cfg, rngs)
        self.mlp_norm = norm()
        self.mlp = GatedMlp(cfg, rngs)
        if cfg.post_norms:
            self.attn_post_norm = norm()
            self.mlp_post_norm = norm()
        self.post_norms = cfg.post_norms
        self.rate = cfg.dropout

    def __call__(self, x, rot: Rotary, mask, key=None, kv=None, index=None):
        """Returns ``(x, (k, v))``; ``kv``/``index`` select the cached path (see Attention)."""
        k1, k2 = jax.random.split(key) if key is not None else (None, None)
        h, kv = self.attn(self.attn_norm(x), rot, mask, kv, index)
        if self.post_norms:
            h = self.attn_post_norm(h)
        x = x + dropout(h, self.rate, k1)
        h = self.mlp(self.mlp_norm(x))
        if self.post_norms:
            h = self.mlp_post_norm(h)
        return x + dropout(h, self.rate, k2), kv
