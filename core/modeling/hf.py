"""The Hugging Face checkpoint format (Llama-3, Gemma-2, Gemma-3 text layouts), in both directions.

``config_from_hf`` / ``config_to_hf`` translate ``config.json`` (transformers 4.x or 5.x layout) to our
DecoderConfig and back; ``load_hf(folder)`` reads ``*.safetensors`` (one file, or shards listed in
``model.safetensors.index.json``) and places each tensor directly on its target sharding, one tensor at a
time, so no second host copy of the model is ever built; ``save_hf`` writes a model the other way, so
``transformers.AutoModelForCausalLM`` loads it with no custom code. HF linear weights are ``[out, in]``;
ours are ``[in, ...]``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import jax
import numpy as np
from flax import nnx
from jax.sharding import Mesh, NamedSharding
from safetensors import safe_open
from safetensors.numpy import save_file

from core.errors import UserError
from core.modeling.config import DecoderConfig
from core.modeling.decoder import Decoder
from core.modeling.sharding import param_specs

SUPPORTED = ("llama", "gemma2", "gemma3_text")
LOCAL, GLOBAL = "sliding_attention", "full_attention"


# ------------------------------------------------------------------------------------------------ configs
def _rope(params: dict) -> tuple[float, tuple | None, float | None]:
    """(theta, Llama-3 scaling, linear factor) of one RoPE parameter block."""
    kind = params.get("rope_type", params.get("type", "default"))
    theta = float(params.get("rope_theta", 10000.0))
    if kind == "default":
        return theta, None, None
    if kind == "linear":
        return theta, None, float(params["factor"])
    if kind == "llama3":
        keys = ("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings")
        return theta, (*(float(params[k]) for k in keys[:3]), int(params[keys[3]])), None
    raise ValueError(f"unsupported rope_type {kind!r} (supported: default, linear, llama3)")


def _global_every(layer_types: list[str], n_layers: int) -> int | None:
    """N such that exactly layers N-1, 2N-1, ... are full attention (None: all layers local)."""
    if len(layer_types) != n_layers or set(layer_types) - {LOCAL, GLOBAL}:
        raise ValueError(f"layer_types must list {n_layers} of {LOCAL!r} / {GLOBAL!r}, got {layer_types}")
    if GLOBAL not in layer_types:
        return None
    every = layer_types.index(GLOBAL) + 1
    if layer_types != _layer_types(n_layers, every):
        raise ValueError(f"layer_types is not a repeating 'every N-th layer global' pattern: {layer_types}")
    return every


def _layer_types(n_layers: int, every: int | None) -> list[str]:
    return [GLOBAL if every and (i + 1) % every == 0 else LOCAL for i in range(n_layers)]


def config_from_hf(hf: dict, dtype: str = "float32") -> DecoderConfig:
    """Our DecoderConfig for an HF ``config.json`` (transformers 4.x or 5.x layout)."""
    kind = hf.get("model_type")
    if kind == "gemma3" and "text_config" in hf:
        raise ValueError(
            "multimodal Gemma-3 checkpoints are not supported; convert the text model (gemma3_text)"
        )
    if kind not in SUPPORTED:
        raise ValueError(f"unsupported model_type {kind!r} (supported: {', '.join(SUPPORTED)})")
    rope = hf.get("rope_parameters") or hf.get("rope_scaling") or {}
    heads, n_layers = hf["num_attention_heads"], hf["num_hidden_layers"]
    common = dict(
        vocab_size=hf["vocab_size"],
        d_model=hf["hidden_size"],
        n_layers=n_layers,
        n_heads=heads,
        n_kv_heads=hf.get("num_key_value_heads", heads),
        head_dim=hf.get("head_dim") or hf["hidden_size"] // heads,
        d_ff=hf["intermediate_size"],
        norm_eps=float(hf.get("rms_norm_eps", 1e-6)),
        dtype=dtype,
    )
    if kind == "llama":
        act = hf.get("hidden_act", "silu")
        if act != "silu":
            raise ValueError(f"llama checkpoints with hidden_act {act!r} are not supported")
        theta, scaling, linear = _rope({"rope_theta": hf.get("rope_theta", 10000.0), **rope})
        if linear is not None:
            raise ValueError("llama checkpoints with linear RoPE scaling are not supported")
        return DecoderConfig(
            **common,
            rope_theta=theta,
            rope_scaling=scaling,
            tie_embeddings=bool(hf.get("tie_word_embeddings")),
        )
    gemma = dict(
        mlp_activation="gelu_tanh",
        norm_offset=1.0,
        post_norms=True,
        embed_scale=True,
        query_scale=float(hf.get("query_pre_attn_scalar", common["head_dim"])),
        attn_softcap=hf.get("attn_logit_softcapping"),
        final_softcap=hf.get("final_logit_softcapping"),
        sliding_window=hf.get("sliding_window"),
        tie_embeddings=bool(hf.get("tie_word_embeddings", True)),
    )
    layer_types = hf.get("layer_types")
    if kind == "gemma2":
        every = _global_every(layer_types, n_layers) if layer_types else 2
        if every != 2:
            raise ValueError("only Gemma-2's alternating sliding/full attention pattern is supported")
        theta, _, _ = _rope({"rope_theta": hf.get("rope_theta", 10000.0), **rope})
        return DecoderConfig(
            **common, **gemma, rope_theta=theta, global_every=2 if gemma["sliding_window"] else None
        )
    # gemma3_text: local and global layers rotate with their own RoPE parameters
    if hf.get("use_bidirectional_attention"):
        raise ValueError(
            "Gemma-3 checkpoints with bidirectional attention (embedding models) are not supported"
        )
    every = _global_every(layer_types, n_layers) if layer_types else hf.get("sliding_window_pattern", 6)
    if GLOBAL in rope or LOCAL in rope:  # transformers 5: one block per layer type
        theta, _, linear = _rope(rope.get(GLOBAL, {}))
        local_theta, _, local_linear = _rope(rope.get(LOCAL, {}))
        if local_linear is not None:
            raise ValueError("Gemma-3 local layers with scaled RoPE are not supported")
    else:  # transformers 4: rope_theta, rope_local_base_freq and an optional linear rope_scaling
        theta, _, linear = _rope({"rope_theta": hf.get("rope_theta", 1_000_000.0), **rope})
        local_theta = float(hf.get("rope_local_base_freq", 10_000.0))
    return DecoderConfig(
        **common,
        **gemma,
        qk_norm=True,
        global_every=every if gemma["sliding_window"] else None,
        rope_theta=theta,
        rope_local_theta=local_theta,
        rope_linear=linear,
    )


def family(cfg: DecoderConfig) -> str:
    """The HF ``model_type`` whose implementation computes what ``cfg`` computes; fails when none does."""
    if cfg.qk_norm:
        kind = "gemma3_text"
    elif cfg.post_norms:
        kind = "gemma2"
    else:
        kind = "llama"
    gemma = kind != "llama"
    checks = {
        "mlp_activation": cfg.mlp_activation == ("gelu_tanh" if gemma else "silu"),
        "norm_offset": cfg.norm_offset == (1.0 if gemma else 0.0),
        "embed_scale": cfg.embed_scale == gemma,
        "post_norms": cfg.post_norms == gemma,
        "query_scale": gemma or cfg.query_scale in (None, float(cfg.head_dim)),
        "softcaps": kind == "gemma2" or (cfg.attn_softcap is None and cfg.final_softcap is None),
        "sliding_window": gemma or cfg.sliding_window is None,
        "global_every": kind != "gemma2" or cfg.global_every in (2, None),
        "rope_local_theta / rope_linear": kind == "gemma3_text"
        or (cfg.rope_local_theta is None and cfg.rope_linear is None),
        "rope_scaling": kind == "llama" or cfg.rope_scaling is None,
    }
    bad = [name for name, ok in checks.items() if not ok]
    if bad:
        raise ValueError(
            f"no Hugging Face architecture matches this decoder ({kind}-like, but {', '.join(bad)})"
        )
    return kind


def _int_if_whole(x: float) -> int | float:
    """transformers validates some fields as integers (query_pre_attn_scalar)."""
    return int(x) if float(x).is_integer() else x


def config_to_hf(cfg: DecoderConfig, **extra) -> dict:
    """The ``config.json`` under which transformers builds the same network as ``cfg``; ``extra`` adds
    fields such as token ids and ``max_position_embeddings``."""
    kind = family(cfg)
    classes = {"llama": "LlamaForCausalLM", "gemma2": "Gemma2ForCausalLM", "gemma3_text": "Gemma3ForCausalLM"}
    out = {
        "architectures": [classes[kind]],
        "model_type": kind,
        "vocab_size": cfg.vocab_size,
        "hidden_size": cfg.d_model,
        "intermediate_size": cfg.d_ff,
        "num_hidden_layers": cfg.n_layers,
        "num_attention_heads": cfg.n_heads,
        "num_key_value_heads": cfg.n_kv_heads,
        "head_dim": cfg.head_dim,
        "rms_norm_eps": cfg.norm_eps,
        "tie_word_embeddings": cfg.tie_embeddings,
        "attention_bias": False,
        "dtype": cfg.param_dtype,
    }
    if kind == "llama":
        rope = {"rope_type": "default", "rope_theta": cfg.rope_theta}
        if cfg.rope_scaling is not None:
            factor, low, high, original = cfg.rope_scaling
            rope |= {
                "rope_type": "llama3",
                "factor": factor,
                "low_freq_factor": low,
                "high_freq_factor": high,
                "original_max_position_embeddings": original,
            }
        out |= {"hidden_act": "silu", "mlp_bias": False, "rope_parameters": rope}
        return out | extra
    out |= {
        "hidden_activation": "gelu_pytorch_tanh",
        "query_pre_attn_scalar": _int_if_whole(cfg.query_scale or cfg.head_dim),
        "attn_logit_softcapping": cfg.attn_softcap,
        "final_logit_softcapping": cfg.final_softcap,
        "sliding_window": cfg.sliding_window,
        "layer_types": _layer_types(cfg.n_layers, cfg.global_every if cfg.sliding_window else 1),
    }
    if kind == "gemma2":
        out["rope_parameters"] = {"rope_type": "default", "rope_theta": cfg.rope_theta}
        return out | extra
    full = {"rope_type": "default", "rope_theta": cfg.rope_theta}
    if cfg.rope_linear is not None:
        full |= {"rope_type": "linear", "factor": cfg.rope_linear}
    local = {"rope_type": "default", "rope_theta": cfg.rope_local_theta or cfg.rope_theta}
    out["rope_parameters"] = {GLOBAL: full, LOCAL: local}
    return out | extra


# ------------------------------------------------------------------------------------------------ tensors
@dataclasses.dataclass(frozen=True)
class Tensor:
    """One HF tensor and the reshapes between its layout and ours."""

    name: str
    to_ours: Callable[[np.ndarray], np.ndarray]
    to_hf: Callable[[np.ndarray], np.ndarray]


def _same(w):
    return w


def plan(cfg: DecoderConfig, kind: str) -> dict[str, list[Tensor]]:
    """Our parameter path -> its HF tensors (one, or one per layer when layers are stacked)."""
    d, h, kv, hd = cfg.d_model, cfg.n_heads, cfg.n_kv_heads, cfg.head_dim
    out = {
        "embed": [Tensor("model.embed_tokens.weight", _same, _same)],
        "final_norm.scale": [Tensor("model.norm.weight", _same, _same)],
    }
    if not cfg.tie_embeddings:
        out["head"] = [Tensor("lm_head.weight", lambda w: w.T, lambda w: w.T)]
    linear = {  # ours -> (theirs, our shape, how many leading axes of ours are the input)
        "attn.wq": ("self_attn.q_proj.weight", (d, h, hd), 1),
        "attn.wk": ("self_attn.k_proj.weight", (d, kv, hd), 1),
        "attn.wv": ("self_attn.v_proj.weight", (d, kv, hd), 1),
        "attn.wo": ("self_attn.o_proj.weight", (h, hd, d), 2),
        "mlp.w_gate": ("mlp.gate_proj.weight", (d, cfg.d_ff), 1),
        "mlp.w_up": ("mlp.up_proj.weight", (d, cfg.d_ff), 1),
        "mlp.w_down": ("mlp.down_proj.weight", (cfg.d_ff, d), 1),
    }
    layer = {
        ours: (
            theirs,
            lambda w, s=shape: w.T.reshape(s),
            lambda w, n=inputs: w.reshape(int(np.prod(w.shape[:n])), -1).T,
        )
        for ours, (theirs, shape, inputs) in linear.items()
    }
    norms = {"attn_norm.scale": "input_layernorm.weight"}
    if kind == "llama":
        norms["mlp_norm.scale"] = "post_attention_layernorm.weight"
    else:
        norms |= {
            "attn_post_norm.scale": "post_attention_layernorm.weight",
            "mlp_norm.scale": "pre_feedforward_layernorm.weight",
            "mlp_post_norm.scale": "post_feedforward_layernorm.weight",
        }
    if kind == "gemma3_text":
        norms |= {
            "attn.q_norm.scale": "self_attn.q_norm.weight",
            "attn.k_norm.scale": "self_attn.k_norm.weight",
        }
    layer |= {ours: (theirs, _same, _same) for ours, theirs in norms.items()}
    for ours, (theirs, to_ours, to_hf) in layer.items():
        tensors = [Tensor(f"model.layers.{i}.{theirs}", to_ours, to_hf) for i in range(cfg.n_layers)]
        if cfg.scan_layers:
            out[f"blocks.{ours}"] = tensors
        else:
            out |= {f"blocks.{i}.{ours}": [t] for i, t in enumerate(tensors)}
    return out


def _flat_params(model: nnx.Module) -> Iterator[tuple[str, nnx.Variable]]:
    for path, var in nnx.to_flat_state(nnx.state(model, nnx.Param)):
        yield ".".join(map(str, path)), var


def save_hf(model: Decoder, folder: str | Path, **config_extra) -> dict:
    """Write ``config.json`` and ``model.safetensors`` (float32 unless the model keeps lower-precision
    weights) that transformers loads as the same network; returns the written config."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cfg = model.cfg
    hf_config = config_to_hf(cfg, **config_extra)
    names, tensors = plan(cfg, hf_config["model_type"]), {}
    for key, var in _flat_params(model):
        value = np.asarray(jax.device_get(var[...]))
        if not np.isfinite(value).all():
            raise UserError(f"refusing to export to {folder}: parameter {key} holds NaN or infinity")
        sources = names[key]
        stacked = cfg.scan_layers and key.startswith("blocks.")
        for i, tensor in enumerate(sources):
            tensors[tensor.name] = np.ascontiguousarray(tensor.to_hf(value[i] if stacked else value))
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "config.json").write_text(json.dumps(hf_config, indent=2) + "\n")
    return hf_config


# ------------------------------------------------------------------------------------------------ loading
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


def check_tensors(folder: Path, cfg: DecoderConfig) -> tuple[dict[str, list[Tensor]], dict[str, Path]]:
    """The loading plan and weight map of ``folder``; fails naming tensors the architecture needs but the
    checkpoint lacks (reads only the index or the safetensors headers)."""
    kind = json.loads((folder / "config.json").read_text())["model_type"]
    tensors, files = plan(cfg, kind), _weight_map(folder)
    missing = sorted(t.name for sources in tensors.values() for t in sources if t.name not in files)
    if missing:
        raise ValueError(f"{folder}: checkpoint lacks tensors, e.g. {missing[:3]}")
    return tensors, files


class _Reader:
    """Reads one HF tensor at a time, transformed into our layout; keeps the safetensors files open."""

    def __init__(self, files: dict[str, Path]):
        self.files, self.handles = files, {}
        self._last: tuple[str, np.ndarray] | None = None  # the shape check and every device reuse one read

    def __call__(self, sources: list[Tensor], index: tuple[slice, ...], stacked: bool) -> np.ndarray:
        """The block ``index`` of the target array (a device's shard), never more than one source tensor
        held whole at a time."""
        if not stacked:
            return self.tensor(sources[0])[index]
        return np.stack([self.tensor(src)[index[1:]] for src in sources[index[0]]])

    def tensor(self, source: Tensor) -> np.ndarray:
        if self._last is not None and self._last[0] == source.name:
            return self._last[1]
        path = self.files[source.name]
        if path not in self.handles:
            self.handles[path] = safe_open(str(path), framework="numpy")
        value = source.to_ours(self.handles[path].get_tensor(source.name))
        self._last = (source.name, value)
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
    tensors, files = check_tensors(folder, cfg)
    reader = _Reader(files)
    flat = nnx.to_flat_state(nnx.state(model, nnx.Param))
    try:
        for path, var in flat:
            key = ".".join(map(str, path))
            sources, want = tensors[key], tuple(var.get_value().shape)
            stacked = cfg.scan_layers and key.startswith("blocks.")
            got = reader.tensor(sources[0]).shape
            if got != want[1:] if stacked else got != want:
                raise ValueError(
                    f"{folder}: {sources[0].name} gives shape {got} for '{key}', expected {want}"
                )

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
