"""Logical-axis sharding over a ``(data, fsdp, tensor)`` mesh.

Parameters declare logical axes (``embed``, ``mlp``, ``heads``, ...); one rule table maps them to mesh axes.
A dimension whose size the mesh axis does not divide is replicated instead, so tiny test models still run
on any mesh.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import jax
import numpy as np
from flax import nnx
from jax.sharding import AxisType, Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from core.config import MeshConfig
from core.errors import UserError

MESH_AXES = ("data", "fsdp", "tensor")

RULES: dict[str, dict[str, tuple[str, ...] | None]] = {
    # fully-sharded data parallel: shard the model dimension of every weight over fsdp; tensor axis idle
    "fsdp": {
        "batch": ("data", "fsdp"),
        "layers": None,  # the scan axis stays whole: each step of the scan needs its layer on every device
        "embed": ("fsdp",),
        "vocab": None,
        "mlp": None,
        "heads": None,
        "kv_heads": None,
        "head_dim": None,
    },
    # fsdp + tensor parallelism (Megatron-style split of heads and mlp over the tensor axis)
    "fsdp_tp": {
        "batch": ("data", "fsdp"),
        "layers": None,
        "embed": ("fsdp",),
        "vocab": ("tensor",),
        "mlp": ("tensor",),
        "heads": ("tensor",),
        "kv_heads": ("tensor",),
        "head_dim": None,
    },
}


class MeshError(UserError, ValueError):
    """The configured mesh does not fit the devices present."""


def make_mesh(cfg: MeshConfig, devices=None) -> Mesh:
    """A mesh over ``devices`` (default: all); ``-1`` on one axis takes what the others leave."""
    devices = list(devices if devices is not None else jax.devices())
    shape = [cfg.data, cfg.fsdp, cfg.tensor]
    if shape.count(-1) > 1:
        raise MeshError(f"at most one mesh axis may be -1, got {shape}")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if len(devices) % known:
            raise MeshError(f"{len(devices)} devices cannot fill mesh {shape}")
        shape[shape.index(-1)] = len(devices) // known
    if math.prod(shape) > len(devices):
        raise MeshError(
            f"mesh {dict(zip(MESH_AXES, shape))} needs {math.prod(shape)} devices, have {len(devices)}"
        )
    devices = devices[: math.prod(shape)]  # a smaller mesh uses the first devices
    if cfg.rules not in RULES:
        raise MeshError(f"unknown sharding rules '{cfg.rules}' (known: {', '.join(RULES)})")
    return Mesh(np.asarray(devices).reshape(shape), MESH_AXES, axis_types=(AxisType.Auto,) * 3)


def logical_spec(
    axes: tuple[str | None, ...], shape: tuple[int, ...], axis_sizes: Mapping[str, int], rules: str
) -> P:
    """PartitionSpec of one array from its logical axes; ``axis_sizes`` is ``mesh.shape`` or any mapping
    of mesh-axis sizes (the sizing tool uses meshes larger than this machine)."""
    table = RULES[rules]
    spec = []
    for name, size in zip(axes, shape):
        mesh_axes = table.get(name) if name else None
        if mesh_axes and size % math.prod(axis_sizes[a] for a in mesh_axes) == 0:
            spec.append(mesh_axes if len(mesh_axes) > 1 else mesh_axes[0])
        else:
            spec.append(None)
    return P(*spec)


def param_specs(model: nnx.Module, mesh: Mesh | Mapping[str, int], rules: str) -> dict:
    """``{path: PartitionSpec}`` for every parameter (golden tests, placement, sizing); ``mesh`` may be a
    Mesh or a mapping of axis sizes."""
    sizes = mesh.shape if isinstance(mesh, Mesh) else mesh
    out = {}
    for path, var in nnx.to_flat_state(nnx.state(model, nnx.Param)):
        shape = var.get_value().shape  # works for abstract (eval_shape) models too
        axes = var.get_metadata().get("axes") or (None,) * len(shape)
        out[path] = logical_spec(tuple(axes), shape, sizes, rules)
    return out


def shard_model(model: nnx.Module, mesh: Mesh, rules: str) -> None:
    """Place every parameter on its target sharding (in place)."""
    specs = param_specs(model, mesh, rules)
    state = nnx.state(model, nnx.Param)
    flat = nnx.to_flat_state(state)
    for path, var in flat:
        var.set_value(jax.device_put(var[...], NamedSharding(mesh, specs[path])))
    nnx.update(model, nnx.from_flat_state(flat))


def batch_sharding(mesh: Mesh, rules: str) -> NamedSharding:
    batch_axes = RULES[rules]["batch"]
    return NamedSharding(mesh, P(batch_axes, None))


def shard_batch(batch: dict[str, np.ndarray], mesh: Mesh, rules: str) -> dict[str, jax.Array]:
    sharding = batch_sharding(mesh, rules)
    return {k: jax.device_put(v, sharding) for k, v in batch.items()}
