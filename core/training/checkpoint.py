"""Checkpoints: orbax training checkpoints (model + optimizer + grain iterator) and exported models.

All orbax calls live here so an API migration stays local. A training checkpoint stores a hash of the run's
configuration; a checkpoint written under a different configuration is never resumed. An exported model is a
folder with ``config.json`` (decoder hyper-parameters), ``model.safetensors`` (parameters by dotted path) and
``meta.json`` (provenance). A linked model holds ``hf_source.json`` instead of weights: the Hugging Face folder
it stands for and that folder's fingerprint, so a 27B base checkpoint is never copied into our layout on a
host but loaded shard by shard onto the training mesh.
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
from jax.sharding import Mesh
from safetensors.numpy import load_file, save_file

from core.modeling import hf
from core.modeling.config import DecoderConfig
from core.modeling.decoder import Decoder
from core.modeling.sharding import shard_model

HF_LINK = "hf_source.json"


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


def link_hf_model(
    folder: str | Path, directory: str | Path, overrides: dict, meta: dict[str, Any]
) -> Decoder:
    """Write a linked model folder for the HF checkpoint ``folder``; returns the model, abstract (no weights
    read), so callers can report its size. Fails now, not at training time, if tensors are missing."""
    folder, directory = Path(folder), Path(directory)
    if not (folder / "config.json").exists():
        raise FileNotFoundError(f"model.hf_checkpoint: {folder / 'config.json'} is missing")
    cfg = hf.config_from_hf(json.loads((folder / "config.json").read_text())).replace(**overrides)
    hf.check_tensors(folder, cfg)
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    cfg.save(directory / "config.json")
    link = {"folder": str(folder), "fingerprint": hf.fingerprint(folder)}
    (directory / HF_LINK).write_text(json.dumps(link, indent=2) + "\n")
    (directory / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True, default=str) + "\n")
    return nnx.eval_shape(lambda: Decoder(cfg, nnx.Rngs(0)))


def load_model(directory: str | Path, mesh: Mesh | None = None, rules: str = "fsdp") -> Decoder:
    """Rebuild a Decoder from an exported or linked folder; with ``mesh``, parameters land on their
    shardings (a linked checkpoint is read shard by shard). Every tensor must match the architecture."""
    directory = Path(directory)
    if (directory / HF_LINK).exists():
        return _load_linked(directory, mesh, rules)
    model = _load_exported(directory)
    if mesh is not None:
        shard_model(model, mesh, rules)
    return model


def _load_linked(directory: Path, mesh: Mesh | None, rules: str) -> Decoder:
    cfg = DecoderConfig.load(directory / "config.json")
    link = json.loads((directory / HF_LINK).read_text())
    folder = Path(link["folder"])
    if not (folder / "config.json").exists():
        raise FileNotFoundError(f"{directory}: linked checkpoint {folder} is missing")
    if hf.fingerprint(folder) != link["fingerprint"]:
        raise ValueError(f"{directory}: {folder} changed since it was linked; rerun the init_base stage")
    fields = ("dtype", "param_dtype", "scan_layers", "remat", "dropout")
    model, loaded = hf.load_hf(folder, mesh=mesh, rules=rules, **{f: getattr(cfg, f) for f in fields})
    if loaded != cfg:
        raise ValueError(f"{directory}: config.json does not match the linked checkpoint {folder}")
    return model


def _load_exported(directory: Path) -> Decoder:
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
