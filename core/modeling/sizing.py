"""Per-device memory of a training configuration, from abstract shapes and shardings (no weights needed).

Parameters are float32 masters sharded by the logical-axis rules; Adam keeps two float32 moments of the same
sharding and the gradients match the parameters. Activations use the standard transformer estimate
(Korthikanti et al. 2022) for 2-byte activations: per layer ``s b h (10 + 24/t + 5 a s / (h t))`` bytes without
recomputation, ``2 s b h`` with full rematerialisation (only each layer's input kept, plus one layer's full
activations while it is recomputed), and with ``dots`` the layer input plus the outputs of the projection
matmuls (q, k, v, attention output, gate, up, down); logits and their gradient are float32
``[tokens, vocab]``. Parameter bytes follow ``cfg.param_dtype``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np
from flax import nnx

from core.modeling.config import REMAT_POLICIES, DecoderConfig
from core.modeling.decoder import Decoder
from core.modeling.sharding import RULES, param_specs

GIB = 1024**3


@dataclasses.dataclass(frozen=True)
class MemoryEstimate:
    params_gib: float
    optimizer_gib: float
    grads_gib: float
    activations_gib: float
    logits_gib: float
    device_gib: float

    @property
    def total_gib(self) -> float:
        return self.params_gib + self.optimizer_gib + self.grads_gib + self.activations_gib + self.logits_gib

    @property
    def fits(self) -> bool:
        return self.total_gib <= self.device_gib


def _shard_elements(shape: tuple[int, ...], spec, sizes: Mapping[str, int]) -> int:
    n = 1
    for dim, axes in zip(shape, tuple(spec) + (None,) * (len(shape) - len(tuple(spec)))):
        names = (axes,) if isinstance(axes, str) else (axes or ())
        n *= dim // math.prod(sizes[a] for a in names)
    return n


def estimate(
    cfg: DecoderConfig,
    mesh: Mapping[str, int],
    rules: str,
    batch: int,
    seq: int,
    remat: str,
    device_gib: float,
    micro_batches: int = 1,
) -> MemoryEstimate:
    """Memory per device for one training step of ``batch`` sequences of ``seq`` tokens; with gradient
    accumulation only one micro-batch's activations and logits are live at a time."""
    if remat not in REMAT_POLICIES:
        raise ValueError(f"remat must be one of {', '.join(REMAT_POLICIES)}, got {remat!r}")
    model = nnx.eval_shape(lambda: Decoder(cfg, nnx.Rngs(0)))
    specs = param_specs(model, mesh, rules)
    elements = sum(
        _shard_elements(tuple(var.get_value().shape), specs[path], mesh)
        for path, var in nnx.to_flat_state(nnx.state(model, nnx.Param))
    )
    params = np.dtype(cfg.param_dtype).itemsize * elements
    batch_shards = math.prod(mesh[a] for a in RULES[rules]["batch"])
    if batch % (batch_shards * micro_batches):
        raise ValueError(
            f"batch {batch} does not divide over {batch_shards} data-parallel shards x {micro_batches} micro-batches"
        )
    b, s, h, a, t = batch // batch_shards // micro_batches, seq, cfg.d_model, cfg.n_heads, mesh["tensor"]
    layer_full = s * b * h * (10 + 24 / t + 5 * a * s / (h * t))
    if remat == "none":
        acts = cfg.n_layers * layer_full
    elif remat == "dots":
        kv = cfg.n_kv_heads * cfg.head_dim
        projections = 2 * s * b * (2 * cfg.n_heads * cfg.head_dim + 2 * kv + 2 * cfg.d_ff) / t
        acts = cfg.n_layers * (2 * s * b * h + projections) + layer_full
    else:
        acts = cfg.n_layers * 2 * s * b * h + layer_full
    vocab_shards = t if RULES[rules]["vocab"] else 1
    logits = 2 * 4 * b * s * cfg.vocab_size / vocab_shards
    grads = params * (2 if micro_batches > 1 else 1)  # the accumulator beside one micro-batch's gradients
    return MemoryEstimate(params / GIB, 2 * params / GIB, grads / GIB, acts / GIB, logits / GIB, device_gib)
