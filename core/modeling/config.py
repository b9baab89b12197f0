"""Decoder hyper-parameters and named presets."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class DecoderConfig:
    vocab_size: int
    d_model: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    d_ff: int
    rope_theta: float = 10000.0
    norm_eps: float = 1e-6
    dropout: float = 0.0
    dtype: str = "float32"  # compute dtype; parameters stay float32
    tie_embeddings: bool = False

    def __post_init__(self):
        if self.n_heads % self.n_kv_heads:
            raise ValueError(f"n_heads ({self.n_heads}) must be a multiple of n_kv_heads ({self.n_kv_heads})")
        if self.head_dim % 2:
            raise ValueError(f"head_dim must be even for RoPE, got {self.head_dim}")

    def replace(self, **changes) -> DecoderConfig:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(dataclasses.asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> DecoderConfig:
        return cls(**json.loads(Path(path).read_text()))


PRESETS = {
    # ~1M parameters: learns the synth judge tasks in minutes on 2 CPU cores.
    "tiny": dict(d_model=128, n_layers=4, n_heads=4, n_kv_heads=2, head_dim=32, d_ff=384),
    # ~1B parameters (with a 32K vocabulary): the accelerator benchmark's train-step config.
    "1b": dict(d_model=2048, n_layers=18, n_heads=16, n_kv_heads=8, head_dim=128, d_ff=5632),
    # for unit tests: compiles in a second.
    "test": dict(d_model=32, n_layers=2, n_heads=4, n_kv_heads=2, head_dim=8, d_ff=64),
}


def preset(name: str, vocab_size: int, **overrides) -> DecoderConfig:
    if name not in PRESETS:
        raise KeyError(f"unknown model preset '{name}' (known: {', '.join(sorted(PRESETS))})")
    return DecoderConfig(vocab_size=vocab_size, **PRESETS[name]).replace(**overrides)
