"""Decoder hyper-parameters and named presets."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

REMAT_POLICIES = ("none", "dots", "full")


@dataclasses.dataclass(frozen=True)
class DecoderConfig:
    vocab_size: int
    d_model: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    d_ff: int
    rope_theta: float = 10000.0  # RoPE base of global (full-attention) layers, and of every layer by default
    norm_eps: float = 1e-6
    dropout: float = 0.0
    dtype: str = "float32"  # compute dtype (activations, matmuls); "bfloat16" on accelerators
    param_dtype: str = "float32"  # master weights; float32 for training, bfloat16 halves inference memory
    scan_layers: bool = False  # stack the blocks' weights on a leading "layers" axis and run them in a scan
    remat: str = "none"  # per-block recomputation: "none", "dots" (keep matmul outputs) or "full"
    attn_chunk: int | None = None  # causal attention in query blocks of this size (skips keys past a block)
    tie_embeddings: bool = False
    # architecture-family features (defaults: Llama-style)
    mlp_activation: str = "silu"  # "silu" (SwiGLU, Llama) or "gelu_tanh" (GeGLU, Gemma)
    norm_offset: float = 0.0  # Gemma's RMSNorm scales by (1 + w)
    post_norms: bool = False  # Gemma-2/3: also normalise the attention and MLP outputs
    qk_norm: bool = False  # Gemma-3: RMSNorm over each query and key head before RoPE
    embed_scale: bool = False  # Gemma: embeddings are multiplied by sqrt(d_model)
    query_scale: float | None = None  # Gemma query_pre_attn_scalar; scores scale by its -1/2 power
    attn_softcap: float | None = None  # Gemma-2: scores -> cap * tanh(scores / cap)
    final_softcap: float | None = None  # Gemma-2: logits -> cap * tanh(logits / cap)
    sliding_window: int | None = None  # local layers see keys fewer than this many positions back
    global_every: int | None = None  # with a window: every N-th layer (N-1, 2N-1, ...) is global (Gemma-2:
    #                                  2, Gemma-3: 6); None: every layer is local
    rope_local_theta: float | None = None  # Gemma-3: RoPE base of the local layers (None: rope_theta)
    rope_linear: float | None = None  # Gemma-3 4B+: global layers divide positions by this (linear RoPE)
    rope_scaling: tuple[float, float, float, int] | None = None  # Llama-3: factor, low, high, original ctx

    def __post_init__(self):
        if self.n_heads % self.n_kv_heads:
            raise ValueError(f"n_heads ({self.n_heads}) must be a multiple of n_kv_heads ({self.n_kv_heads})")
        if self.head_dim % 2:
            raise ValueError(f"head_dim must be even for RoPE, got {self.head_dim}")
        if self.mlp_activation not in ("silu", "gelu_tanh"):
            raise ValueError(f"mlp_activation must be 'silu' or 'gelu_tanh', got {self.mlp_activation!r}")
        if self.remat not in REMAT_POLICIES:
            raise ValueError(f"remat must be one of {', '.join(REMAT_POLICIES)}, got {self.remat!r}")
        for name in ("dtype", "param_dtype"):
            if getattr(self, name) not in ("float32", "bfloat16", "float16"):
                raise ValueError(f"{name} must be float32, bfloat16 or float16, got {getattr(self, name)!r}")
        if self.global_every is not None and (self.global_every < 1 or not self.sliding_window):
            raise ValueError(f"global_every ({self.global_every}) needs a sliding_window and must be >= 1")
        if self.rope_linear is not None and self.rope_scaling is not None:
            raise ValueError("rope_linear and rope_scaling (Llama-3) cannot be combined")

    def is_local(self, layer: int) -> bool:
        """Whether ``layer`` attends within the sliding window (Gemma-2/3: all but every N-th layer)."""
        if not self.sliding_window:
            return False
        return self.global_every is None or (layer + 1) % self.global_every != 0

    @property
    def local_rope_differs(self) -> bool:
        """Whether local layers rotate with other frequencies than global ones (then both are computed)."""
        return bool(self.sliding_window) and (
            (self.rope_local_theta not in (None, self.rope_theta)) or self.rope_linear is not None
        )

    def replace(self, **changes) -> DecoderConfig:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(dataclasses.asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> DecoderConfig:
        data = json.loads(Path(path).read_text())
        if data.get("rope_scaling") is not None:
            data["rope_scaling"] = tuple(data["rope_scaling"])
        return cls(**data)


_ACCELERATOR = dict(dtype="bfloat16", scan_layers=True, remat="full")  # how the large presets train
_GEMMA = dict(
    _ACCELERATOR, mlp_activation="gelu_tanh", norm_offset=1.0, post_norms=True, embed_scale=True,
    tie_embeddings=True, norm_eps=1e-6,
)  # fmt: skip
_GEMMA2 = dict(
    _GEMMA, vocab_size=256000, attn_softcap=50.0, final_softcap=30.0, sliding_window=4096, global_every=2,
    rope_theta=10000.0,
)  # fmt: skip
_GEMMA3 = dict(
    _GEMMA, vocab_size=262144, qk_norm=True, global_every=6, rope_theta=1_000_000.0, rope_local_theta=10_000.0,
    query_scale=256.0, head_dim=256,
)  # fmt: skip
_GEMMA3_LARGE = dict(_GEMMA3, vocab_size=262208, sliding_window=1024, rope_linear=8.0)
_LLAMA3 = dict(
    _ACCELERATOR, vocab_size=128256, rope_theta=500000.0, norm_eps=1e-5, rope_scaling=(8.0, 1.0, 4.0, 8192)
)

PRESETS = {
    # ~1M parameters: learns the synth judge tasks in minutes on 2 CPU cores.
    # attn_chunk 64: 1.5x faster scoring on CPU at 256 tokens (docs/benchmarks.md)
    "tiny": dict(d_model=128, n_layers=4, n_heads=4, n_kv_heads=2, head_dim=32, d_ff=384, attn_chunk=64),
    # ~1B parameters (with a 32K vocabulary): the accelerator benchmark's train-step config.
    "1b": dict(d_model=2048, n_layers=18, n_heads=16, n_kv_heads=8, head_dim=128, d_ff=5632),
    # open base checkpoints standing in for PaLM-2-24B (shapes as published in their config.json files)
    "gemma2_2b": dict(_GEMMA2, d_model=2304, n_layers=26, n_heads=8, n_kv_heads=4, head_dim=256, d_ff=9216, query_scale=256.0),
    "gemma2_9b": dict(_GEMMA2, d_model=3584, n_layers=42, n_heads=16, n_kv_heads=8, head_dim=256, d_ff=14336, query_scale=256.0),
    "gemma2_27b": dict(_GEMMA2, d_model=4608, n_layers=46, n_heads=32, n_kv_heads=16, head_dim=128, d_ff=36864, query_scale=144.0),
    # Gemma 3 text models (config.json of google/gemma-3-*; 4B and up: the text part of the multimodal model)
    "gemma3_270m": dict(_GEMMA3, d_model=640, n_layers=18, n_heads=4, n_kv_heads=1, d_ff=2048, sliding_window=512),
    "gemma3_1b": dict(_GEMMA3, d_model=1152, n_layers=26, n_heads=4, n_kv_heads=1, d_ff=6912, sliding_window=512),
    "gemma3_4b": dict(_GEMMA3_LARGE, d_model=2560, n_layers=34, n_heads=8, n_kv_heads=4, d_ff=10240),
    "gemma3_12b": dict(_GEMMA3_LARGE, d_model=3840, n_layers=48, n_heads=16, n_kv_heads=8, d_ff=15360),
    "gemma3_27b": dict(_GEMMA3_LARGE, d_model=5376, n_layers=62, n_heads=32, n_kv_heads=16, head_dim=128, d_ff=21504, query_scale=168.0),
    "llama3_8b": dict(_LLAMA3, d_model=4096, n_layers=32, n_heads=32, n_kv_heads=8, head_dim=128, d_ff=14336),
    "llama3_70b": dict(_LLAMA3, d_model=8192, n_layers=80, n_heads=64, n_kv_heads=8, head_dim=128, d_ff=28672),
    # for unit tests: compiles in a second.
    "test": dict(d_model=32, n_layers=2, n_heads=4, n_kv_heads=2, head_dim=8, d_ff=64),
}  # fmt: skip


def preset(name: str, vocab_size: int | None = None, **overrides) -> DecoderConfig:
    """A named preset; ``vocab_size`` is required for presets without one (tiny, test, 1b)."""
    if name not in PRESETS:
        raise KeyError(f"unknown model preset '{name}' (known: {', '.join(sorted(PRESETS))})")
    fields = dict(PRESETS[name])
    if vocab_size is not None:
        fields["vocab_size"] = vocab_size
    if "vocab_size" not in fields:
        raise ValueError(f"preset '{name}' needs a vocab_size")
    return DecoderConfig(**fields).replace(**overrides)
