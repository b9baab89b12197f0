"""Import Hugging Face checkpoints (Llama-3, Gemma-2 layouts) into our parameter tree.

``load_hf(folder)`` reads ``config.json`` and ``*.safetensors`` (one file, or shards listed in
``model.safetensors.index.json``) and places each tensor directly on its target sharding, one tensor at a time,
so no second host copy of the model is ever built. HF linear weights are ``[out, in]``; ours are ``[in, ...]``.
"""

from __future__ import annotations

import hashlib
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


def fingerprint(folder: str | Path) -> str:
    """Hash of ``config.json`` and the names and sizes of the weight files: detects a swapped or re-exported
    checkpoint without reading its (possibly 100 GB of) weights."""
    folder = Path(folder)
    parts = [(folder / "config.json").read_bytes()]
    for path in sorted(set(_weight_map(folder).values())):
        parts.append(f"{path.name}:{path.stat().st_size}".encode())
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def _weight_map(folder: Path) -> dict[str, Path]:
    index = folder / "model.safetensors.index.json"
    if index.exists():
        return {k: folder / f for k, f in json.loads(index.read_text())["weight_map"].items()}
    single = folder / "model.safetensors"
    if not single.exists():
        raise FileNotFoundError(f"{folder}: neither model.safetensors nor model.safetensors.index.json")
    with safe_open(str(single), framework="numpy") as f:
        return {k: single for k in f.keys()}  # noqa: SIM118 - safe_open is not a mapping


Source = tuple[str, Callable[[np.ndarray], np.ndarray]]


def _plan(cfg: DecoderConfig, kind: str) -> dict[str, list[Source]]:
    """Our parameter path -> its HF source tensors (one, or one per layer when layers are stacked)."""
    d, h, kv, hd = cfg.d_model, cfg.n_heads, cfg.n_kv_heads, cfg.head_dim
    same = lambda w: w  # noqa: E731
    plan = {"embed": [("model.embed_tokens.weight", same)], "final_norm.scale": [("model.norm.weight", same)]}
    if not cfg.tie_embeddings:
        plan["head"] = [("lm_head.weight", lambda w: w.T)]
    layer = {
        "attn.wq": ("self_attn.q_proj.weight", lambda w: w.T.reshape(d, h, hd)),
        "attn.wk": ("self_attn.k_proj.weight", lambda w: w.T.reshape(d, kv, hd)),
        "attn.wv": ("self_attn.v_proj.weight", lambda w: w.T.reshape(d, kv, hd)),
        "attn.wo": ("self_attn.o_proj.weight", lambda w: w.T.reshape(h, hd, d)),
        "mlp.w_gate": ("mlp.gate_proj.weight", lambda w: w.T),
        "mlp.w_up": ("mlp.up_proj.weight", lambda w: w.T),
        "mlp.w_down": ("mlp.down_proj.weight", lambda w: w.T),
        "attn_norm.scale": ("input_layernorm.weight", same),
    }
    if kind == "gemma2":
        layer |= {
            "attn_post_norm.scale": ("post_attention_layernorm.weight", same),
            "mlp_norm.scale": ("pre_feedforward_layernorm.weight", same),
            "mlp_post_norm.scale": ("post_feedforward_layernorm.weight", same),
        }
    else:
        layer["mlp_norm.scale"] = ("post_attention_layernorm.weight", same)
    for ours, (theirs, transform) in layer.items():
        sources = [(f"model.layers.{i}.{theirs}", transform) for i in range(cfg.n_layers)]
        if cfg.scan_layers:
            plan[f"blocks.{ours}"] = sources
        else:
            plan |= {f"blocks.{i}.{ours}": [src] for i, src in enumerate(sources)}
    return plan


def check_tensors(folder: Path, cfg: DecoderConfig) -> tuple[dict[str, list[Source]], dict[str, Path]]:
    """The loading plan and weight map of ``folder``; fails naming tensors the architecture needs but the
    checkpoint lacks (reads only the index or the safetensors headers)."""
    kind = json.loads((folder / "config.json").read_text())["model_type"]
    plan, files = _plan(cfg, kind), _weight_map(folder)
    missing = sorted(name for sources in plan.values() for name, _ in sources if name not in files)
    if missing:
        raise ValueError(f"{folder}: checkpoint lacks tensors, e.g. {missing[:3]}")
    return plan, files


class _Reader:
    """Reads one HF tensor at a time, transformed into our layout; keeps the safetensors files open."""

    def __init__(self, folder: Path, files: dict[str, Path]):
        self.folder, self.files, self.handles = folder, files, {}
        self._last: tuple[str, np.ndarray] | None = None  # the shape check and every device reuse one read

    def __call__(self, sources: list[Source], index: tuple[slice, ...], stacked: bool) -> np.ndarray:
        """The block ``index`` of the target array (a device's shard), never more than one source tensor
        held whole at a time."""
        if not stacked:
            return self.tensor(sources[0])[index]
        return np.stack([self.tensor(src)[index[1:]] for src in sources[index[0]]])

    def tensor(self, source: Source) -> np.ndarray:
        name, transform = source
        if self._last is not None and self._last[0] == name:
            return self._last[1]
        path = self.files[name]
        if path not in self.handles:
            self.handles[path] = safe_open(str(path), framework="numpy")
        value = transform(self.handles[path].get_tensor(name))
        self._last = (name, value)
        return value

    def close(self) -> None:
        for handle in self.handles.values():
            handle.__exit__(None, None, None)


def load_hf(
    folder: str | Path,
    *,
    dtype: str = "float32",
    mesh: Mesh | None = None,
    rules: str = "fsdp",
    **overrides,
) -> tuple[Decoder, DecoderConfig]:
    """Build a Decoder from an HF checkpoint folder; with ``mesh``, every device receives only its shard.

    ``overrides`` set our own config fields (``scan_layers``, ``remat``, ``param_dtype``, ``dropout``).
    """
    folder = Path(folder)
    if not (folder / "config.json").exists():
        raise FileNotFoundError(f"{folder}: config.json is missing")
    hf = json.loads((folder / "config.json").read_text())
    cfg = config_from_hf(hf, dtype).replace(**overrides)
    model = nnx.eval_shape(lambda: Decoder(cfg, nnx.Rngs(0)))
    specs = {".".join(map(str, k)): v for k, v in param_specs(model, mesh, rules).items()} if mesh else {}
    plan, files = check_tensors(folder, cfg)
    reader = _Reader(folder, files)
    flat = nnx.to_flat_state(nnx.state(model, nnx.Param))
    try:
        for path, var in flat:
            key = ".".join(map(str, path))
            sources, want = plan[key], tuple(var.get_value().shape)
            stacked = cfg.scan_layers and key.startswith("blocks.")
            got = reader.tensor(sources[0]).shape
            if got != want[1:] if stacked else got != want:
                raise ValueError(f"{folder}: {sources[0][0]} gives shape {got} for '{key}', expected {want}")

            def shard(index, sources=sources, stacked=stacked):
                return reader(sources, index, stacked).astype(cfg.param_dtype)

            if mesh is None:
                value = jax.device_put(shard(tuple(slice(None) for _ in want)), jax.devices()[0])
            else:
                value = jax.make_array_from_callback(want, NamedSharding(mesh, specs[key]), shard)
            var.set_value(value)
    finally:
        reader.close()
    nnx.update(model, nnx.from_flat_state(flat))
    return model, cfg
