"""Import Hugging Face checkpoints (Llama-3, Gemma-2 layouts) into our parameter tree.

``load_hf(folder)`` reads ``config.json`` and ``*.safetensors`` (one file, or shards listed in
``model.safetensors.index.json``) and places each tensor directly on its target sharding, one tensor at a time,
so no second host copy of the model is ever built. HF linear weights are ``[out, in]``; ours are ``[in, ...]``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jax
import numpy as np
from flax import nnx
from jax.sharding import Mesh, NamedSharding
from safetensors import safe_open

from core.modeling.config import DecoderConfig
from core.modeling.decoder import Decoder
from core.modeling.sharding import param_specs

SUPPORTED = ("llama", "gemma2")


def config_from_hf(hf: dict, dtype: str = "float32") -> DecoderConfig:
    """Our DecoderConfig for an HF ``config.json`` (transformers 4.x or 5.x layout)."""
    kind = hf.get("model_type")
    if kind not in SUPPORTED:
        raise ValueError(f"unsupported model_type {kind!r} (supported: {', '.join(SUPPORTED)})")
    rope = hf.get("rope_parameters") or hf.get("rope_scaling") or {}
    theta = rope.get("rope_theta", hf.get("rope_theta", 10000.0))
    scaling = None
    if rope.get("rope_type", rope.get("type")) == "llama3":
        scaling = (
            float(rope["factor"]),
            float(rope["low_freq_factor"]),
            float(rope["high_freq_factor"]),
            int(rope["original_max_position_embeddings"]),
        )
    heads = hf["num_attention_heads"]
    common = dict(
        vocab_size=hf["vocab_size"],
        d_model=hf["hidden_size"],
        n_layers=hf["num_hidden_layers"],
        n_heads=heads,
        n_kv_heads=hf.get("num_key_value_heads", heads),
        head_dim=hf.get("head_dim") or hf["hidden_size"] // heads,
        d_ff=hf["intermediate_size"],
        rope_theta=float(theta),
        norm_eps=float(hf.get("rms_norm_eps", 1e-6)),
        dtype=dtype,
    )
    if kind == "llama":
        act = hf.get("hidden_act", "silu")
        if act != "silu":
            raise ValueError(f"llama checkpoints with hidden_act {act!r} are not supported")
        return DecoderConfig(
            **common, rope_scaling=scaling, tie_embeddings=bool(hf.get("tie_word_embeddings"))
        )
    layer_types = hf.get("layer_types")
    alternating = [
        ("sliding_attention" if i % 2 == 0 else "full_attention") for i in range(hf["num_hidden_layers"])
    ]
    if layer_types is not None and list(layer_types) != alternating:
        raise ValueError("only Gemma-2's alternating sliding/full attention pattern is supported")
    return DecoderConfig(
        **common,
        mlp_activation="gelu_tanh",
        norm_offset=1.0,
        post_norms=True,
        embed_scale=True,
        query_scale=float(hf.get("query_pre_attn_scalar", common["head_dim"])),
        attn_softcap=hf.get("attn_logit_softcapping"),
        final_softcap=hf.get("final_logit_softcapping"),
        sliding_window=hf.get("sliding_window"),
        local_global=bool(hf.get("sliding_window")),
        tie_embeddings=bool(hf.get("tie_word_embeddings", True)),
    )


def _weight_map(folder: Path) -> dict[str, Path]:
    index = folder / "model.safetensors.index.json"
    if index.exists():
        return {k: folder / f for k, f in json.loads(index.read_text())["weight_map"].items()}
    single = folder / "model.safetensors"
    if not single.exists():
        raise FileNotFoundError(f"{folder}: neither model.safetensors nor model.safetensors.index.json")
    with safe_open(str(single), framework="numpy") as f:
        return {k: single for k in f.keys()}  # noqa: SIM118 - safe_open is not a mapping


def _plan(cfg: DecoderConfig, kind: str) -> dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]]:
    """Our parameter path -> (HF tensor name, transform)."""
    d, h, kv, hd = cfg.d_model, cfg.n_heads, cfg.n_kv_heads, cfg.head_dim
    same = lambda w: w  # noqa: E731
    plan = {"embed": ("model.embed_tokens.weight", same), "final_norm.scale": ("model.norm.weight", same)}
    if not cfg.tie_embeddings:
        plan["head"] = ("lm_head.weight", lambda w: w.T)
    for i in range(cfg.n_layers):
        src, dst = f"model.layers.{i}.", f"blocks.{i}."
        plan |= {
            dst + "attn.wq": (src + "self_attn.q_proj.weight", lambda w: w.T.reshape(d, h, hd)),
            dst + "attn.wk": (src + "self_attn.k_proj.weight", lambda w: w.T.reshape(d, kv, hd)),
            dst + "attn.wv": (src + "self_attn.v_proj.weight", lambda w: w.T.reshape(d, kv, hd)),
            dst + "attn.wo": (src + "self_attn.o_proj.weight", lambda w: w.T.reshape(h, hd, d)),
            dst + "mlp.w_gate": (src + "mlp.gate_proj.weight", lambda w: w.T),
            dst + "mlp.w_up": (src + "mlp.up_proj.weight", lambda w: w.T),
            dst + "mlp.w_down": (src + "mlp.down_proj.weight", lambda w: w.T),
            dst + "attn_norm.scale": (src + "input_layernorm.weight", same),
        }
        if kind == "gemma2":
            plan |= {
                dst + "attn_post_norm.scale": (src + "post_attention_layernorm.weight", same),
                dst + "mlp_norm.scale": (src + "pre_feedforward_layernorm.weight", same),
                dst + "mlp_post_norm.scale": (src + "post_feedforward_layernorm.weight", same),
            }
        else:
            plan[dst + "mlp_norm.scale"] = (src + "post_attention_layernorm.weight", same)
    return plan


def load_hf(
    folder: str | Path, *, dtype: str = "float32", mesh: Mesh | None = None, rules: str = "fsdp"
) -> tuple[Decoder, DecoderConfig]:
    """Build a Decoder from an HF checkpoint folder; with ``mesh``, every tensor lands on its sharding."""
    folder = Path(folder)
    if not (folder / "config.json").exists():
        raise FileNotFoundError(f"{folder}: config.json is missing")
    hf = json.loads((folder / "config.json").read_text())
    cfg = config_from_hf(hf, dtype)
    model = nnx.eval_shape(lambda: Decoder(cfg, nnx.Rngs(0)))
    specs = {".".join(map(str, k)): v for k, v in param_specs(model, mesh, rules).items()} if mesh else {}
    plan = _plan(cfg, hf["model_type"])
    files = _weight_map(folder)
    missing = sorted(name for name, _ in plan.values() if name not in files)
    if missing:
        raise ValueError(f"{folder}: checkpoint lacks tensors, e.g. {missing[:3]}")
    handles: dict[Path, object] = {}
    flat = nnx.to_flat_state(nnx.state(model, nnx.Param))
    try:
        for path, var in flat:
            key = ".".join(map(str, path))
            name, transform = plan[key]
            if files[name] not in handles:
                handles[files[name]] = safe_open(str(files[name]), framework="numpy")
            value = np.asarray(transform(handles[files[name]].get_tensor(name)), np.float32)
            want = tuple(var.get_value().shape)
            if value.shape != want:
                raise ValueError(f"{folder}: {name} gives shape {value.shape} for '{key}', expected {want}")
            target = NamedSharding(mesh, specs[key]) if mesh else jax.devices()[0]
            var.set_value(jax.device_put(value, target))
            del value
    finally:
        for h in handles.values():
            h.__exit__(None, None, None)
    nnx.update(model, nnx.from_flat_state(flat))
    return model, cfg
