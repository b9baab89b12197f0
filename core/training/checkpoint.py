"""Checkpoints: orbax training checkpoints (model + optimizer + grain iterator) and exported models.

All orbax calls live here so an API migration stays local. A training checkpoint stores a hash of the run's
configuration; a checkpoint written under a different configuration is never resumed. An exported model is a
folder with ``config.json`` (decoder hyper-parameters), ``model.safetensors`` (parameters by dotted path) and
``meta.json`` (provenance).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import grain
import jax
import numpy as np
import orbax.checkpoint as ocp
from flax import nnx
from safetensors.numpy import load_file, save_file

from core.modeling.config import DecoderConfig
from core.modeling.decoder import Decoder


class Checkpointer:
    """Thin wrapper over an orbax CheckpointManager with items ``state``, ``data_iter`` and ``meta``."""

    def __init__(self, directory: str | Path, config_hash: str, max_to_keep: int = 2):
        self.directory = Path(directory).absolute()
        self.config_hash = config_hash
        self._options = ocp.CheckpointManagerOptions(max_to_keep=max_to_keep, create=True)
        self._mngr = ocp.CheckpointManager(self.directory, options=self._options)

    def latest_step(self) -> int | None:
        return self._mngr.latest_step()

    def save(
        self,
        step: int,
        model: nnx.Module,
        optimizer: nnx.Optimizer,
        data_iter: Any,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self._mngr.save(
            step,
            args=ocp.args.Composite(
                state=ocp.args.StandardSave(nnx.state((model, optimizer))),
                data_iter=grain.checkpoint.CheckpointSave(data_iter),
                meta=ocp.args.JsonSave({"step": step, "config_hash": self.config_hash, **(extra or {})}),
            ),
        )
        self._mngr.wait_until_finished()

    def restore_or_discard(
        self, model: nnx.Module, optimizer: nnx.Optimizer, data_iter: Any
    ) -> tuple[int, dict[str, Any]]:
        """Restore the latest checkpoint into the given objects; return its step (0 when none fits) and meta."""
        step = self.latest_step()
        if step is None:
            return 0, {}
        meta = self._mngr.restore(step, args=ocp.args.Composite(meta=ocp.args.JsonRestore())).meta
        if meta.get("config_hash") != self.config_hash:
            print(f"[checkpoint] {self.directory}: written under another configuration; starting fresh")
            self.close()
            shutil.rmtree(self.directory)
            self._mngr = ocp.CheckpointManager(self.directory, options=self._options)
            return 0, {}
        abstract = jax.tree.map(ocp.utils.to_shape_dtype_struct, nnx.state((model, optimizer)))
        restored = self._mngr.restore(
            step,
            args=ocp.args.Composite(
                state=ocp.args.StandardRestore(abstract),
                data_iter=grain.checkpoint.CheckpointRestore(data_iter),
            ),
        )
        nnx.update((model, optimizer), restored.state)
        return step, meta

    def close(self) -> None:
        self._mngr.close()


def _flat_params(model: nnx.Module) -> dict[str, np.ndarray]:
    flat = nnx.to_flat_state(nnx.state(model, nnx.Param))
    return {".".join(str(p) for p in path): np.asarray(jax.device_get(var[...])) for path, var in flat}


def export_model(model: Decoder, directory: str | Path, meta: dict[str, Any]) -> None:
    directory = Path(directory)
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    model.cfg.save(directory / "config.json")
    save_file(_flat_params(model), str(directory / "model.safetensors"))
    (directory / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True, default=str) + "\n")


def load_model(directory: str | Path) -> Decoder:
    """Rebuild a Decoder from an exported folder; every stored tensor must match the architecture."""
    directory = Path(directory)
    for name in ("config.json", "model.safetensors"):
        if not (directory / name).exists():
            raise FileNotFoundError(f"not an exported model folder: {directory / name} is missing")
    cfg = DecoderConfig.load(directory / "config.json")
    model = nnx.eval_shape(lambda: Decoder(cfg, nnx.Rngs(0)))
    tensors = load_file(str(directory / "model.safetensors"))
    flat = nnx.to_flat_state(nnx.state(model, nnx.Param))
    expected = {".".join(str(p) for p in path) for path, _ in flat}
    if expected != set(tensors):
        missing = sorted(expected - set(tensors))[:3]
        extra = sorted(set(tensors) - expected)[:3]
        raise ValueError(
            f"{directory}: parameters do not match the config (missing {missing}, extra {extra})"
        )
    for path, var in flat:
        key = ".".join(str(p) for p in path)
        expected_shape = tuple(var.get_value().shape)
        if tuple(tensors[key].shape) != expected_shape:
            raise ValueError(
                f"{directory}: '{key}' has shape {tensors[key].shape}, expected {expected_shape}"
            )
        var.set_value(jax.numpy.asarray(tensors[key]))
    nnx.update(model, nnx.from_flat_state(flat))
    return model
