"""Model folders: export, load and link. Training, evaluation and the judge all read and write models here.

An exported model is a folder with ``config.json`` (our decoder hyper-parameters), ``model.safetensors``
(parameters by dotted path), the tokenizer files it was trained with, and ``meta.json`` (provenance and the
tokenizer's hash). A linked model holds ``hf_source.json`` instead of weights: the Hugging Face folder it
stands for and that folder's fingerprint, so a 27B base checkpoint is never copied into our layout on a host
but loaded shard by shard onto the training mesh. ``export_hf`` (in :mod:`core.modeling.hf`, ``save_hf``)
turns any of them into the ecosystem's format.

The tokenizer is part of a model's identity: a decoder read with another tokenizer than the one it was
trained with produces fluent garbage, so :func:`check_tokenizer` refuses such a pair.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jax
import numpy as np
from flax import nnx
from jax.sharding import Mesh
from safetensors.numpy import load_file, save_file

from core.errors import UserError
from core.modeling import hf
from core.modeling.config import DecoderConfig
from core.modeling.decoder import Decoder
from core.modeling.sharding import shard_model
from core.rng import digest_files

HF_LINK = "hf_source.json"
META = "meta.json"
EXPORT_META = "flame.json"  # a Hugging Face export's copy of META (experiments/export_hf.py)
TOKENIZER_FILES = ("tokenizer.json", "special_tokens.json")
IMPORT_RECORD = "import.json"  # written by the GGUF import beside a converted checkpoint
BASE = "base_checkpoint"  # meta key: the real checkpoint a model descends from (origin, license, ...)


class TokenizerMismatch(UserError, ValueError):
    """A model folder and a tokenizer that do not belong together."""


def _finite_params(model: nnx.Module) -> dict[str, np.ndarray]:
    """The parameters to export, refusing any NaN or infinity: a diverged run must not leave a loadable judge."""
    flat = _flat_params(model)
    bad = [name for name, value in flat.items() if not np.isfinite(value).all()]
    if bad:
        raise UserError(
            f"refusing to export: {len(bad)} parameter(s) hold NaN or infinity ({', '.join(bad[:3])})"
        )
    return flat


def _flat_params(model: nnx.Module) -> dict[str, np.ndarray]:
    flat = nnx.to_flat_state(nnx.state(model, nnx.Param))
    return {".".join(str(p) for p in path): np.asarray(jax.device_get(var[...])) for path, var in flat}


def _fresh(directory: Path) -> None:
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)


def _write_tokenizer(directory: Path, files: Mapping[str, bytes], meta: dict[str, Any]) -> dict[str, Any]:
    if "tokenizer.json" not in files:
        raise ValueError("a model folder needs its tokenizer: tokenizer_files lacks tokenizer.json")
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return {**meta, "tokenizer_sha256": digest_files(files)}


def _write_meta(directory: Path, meta: dict[str, Any]) -> None:
    (directory / META).write_text(json.dumps(meta, indent=2, sort_keys=True, default=str) + "\n")


def export_model(
    model: Decoder,
    directory: str | Path,
    meta: dict[str, Any],
    tokenizer_files: Mapping[str, bytes],
    inherit_from: str | Path | None = None,
) -> None:
    """Write ``model`` with the tokenizer it is used with (``Tokenizer.files()``) into a fresh folder;
    ``inherit_from`` (the folder training started from) passes on its base checkpoint's record and license
    text, which a model fine-tuned from real weights must carry."""
    directory = Path(directory)
    base, license_files = lineage(inherit_from) if inherit_from is not None else (None, {})
    params = _finite_params(model)
    _fresh(directory)
    model.cfg.save(directory / "config.json")
    save_file(params, str(directory / "model.safetensors"))
    for name, data in license_files.items():
        (directory / name).write_bytes(data)
    meta = {**meta, BASE: base} if base is not None else meta
    _write_meta(directory, _write_tokenizer(directory, tokenizer_files, meta))


def lineage(directory: str | Path) -> tuple[dict[str, Any] | None, dict[str, bytes]]:
    """The base checkpoint record of a model folder (None: a random initialisation) and its license files."""
    directory = Path(directory)
    base = read_meta(directory).get(BASE)
    name = (base or {}).get("license_file")
    files = {name: (directory / name).read_bytes()} if name and (directory / name).exists() else {}
    return base, files


def _base_record(folder: Path) -> dict[str, Any]:
    """What is known of an HF folder's origin and license: its import record, or only where it lies."""
    path = folder / IMPORT_RECORD
    if not path.exists():
        return {"folder": str(folder), "license": "see the checkpoint's own terms", "license_file": None}
    record = json.loads(path.read_text())
    keys = ("origin", "package", "package_version", "source_file", "source_sha256", "license", "license_file")
    return {"folder": str(folder), **{k: record.get(k) for k in keys}}


def link_hf_model(
    folder: str | Path,
    directory: str | Path,
    overrides: dict,
    meta: dict[str, Any],
    tokenizer_files: Mapping[str, bytes],
) -> Decoder:
    """Write a linked model folder for the HF checkpoint ``folder``; returns the model, abstract (no weights
    read), so callers can report its size. Fails now, not at training time, if tensors are missing."""
    folder, directory = Path(folder), Path(directory)
    if not (folder / "config.json").exists():
        raise FileNotFoundError(f"model.hf_checkpoint: {folder / 'config.json'} is missing")
    cfg = hf.config_from_hf(json.loads((folder / "config.json").read_text())).replace(**overrides)
    hf.check_tensors(folder, cfg)
    _fresh(directory)
    cfg.save(directory / "config.json")
    # relative to the link itself: the pair moves together (a clone elsewhere, a stage run from another folder)
    link = {
        "folder": os.path.relpath(folder.resolve(), directory.resolve()),
        "fingerprint": hf.fingerprint(folder),
    }
    (directory / HF_LINK).write_text(json.dumps(link, indent=2) + "\n")
    base = _base_record(folder)
    if base["license_file"]:
        shutil.copyfile(folder / base["license_file"], directory / base["license_file"])
    _write_meta(directory, _write_tokenizer(directory, tokenizer_files, {**meta, BASE: base}))
    return nnx.eval_shape(lambda: Decoder(cfg, nnx.Rngs(0)))


def read_meta(directory: str | Path) -> dict[str, Any]:
    """A model folder's provenance (training data settings, tokenizer hash), or a Hugging Face export's copy."""
    for name in (META, EXPORT_META):
        path = Path(directory) / name
        if path.exists():
            return json.loads(path.read_text())
    return {}


def identity(directory: str | Path) -> str:
    """A short hash that changes when the model in ``directory`` does: its config, meta (tokenizer hash,
    training provenance), link and weights (hashed in full: about a second per GB, paid once per command)."""
    directory = Path(directory)
    digest = hashlib.sha256()
    for path in [directory / n for n in ("config.json", META, HF_LINK)] + sorted(
        directory.glob("*.safetensors")
    ):
        if path.exists():
            digest.update(path.name.encode() + b"\0")
            with path.open("rb") as f:
                digest.update(hashlib.file_digest(f, "sha256").digest())
    return digest.hexdigest()[:16]


def tokenizer_sha(directory: str | Path) -> str:
    """The hash of the tokenizer the model in ``directory`` was exported with; checks that the tokenizer
    files in the folder still have it."""
    directory = Path(directory)
    recorded = read_meta(directory).get("tokenizer_sha256")
    if recorded is None:
        raise TokenizerMismatch(
            f"{directory}: records no tokenizer (exported before model folders kept theirs); re-export it"
        )
    present = {n: (directory / n).read_bytes() for n in TOKENIZER_FILES if (directory / n).exists()}
    if digest_files(present) != recorded:
        raise TokenizerMismatch(
            f"{directory}: its tokenizer files were changed after export (sha256 differs)"
        )
    return recorded


def check_tokenizer(directory: str | Path, sha: str, source: str) -> None:
    """Refuse to use the model in ``directory`` with the tokenizer whose hash is ``sha`` (read from
    ``source``) unless it is the one the model was trained with."""
    expected = tokenizer_sha(directory)
    if sha != expected:
        raise TokenizerMismatch(
            f"tokenizer {source} (sha256 {sha[:12]}) does not belong to model {directory} "
            f"(trained with {expected[:12]}); use the tokenizer inside the model folder"
        )


def load_model(directory: str | Path, mesh: Mesh | None = None, rules: str = "fsdp") -> Decoder:
    """Rebuild a Decoder from an exported or linked folder, or a Hugging Face folder of a supported family
    (e.g. a judge from ``export_hf``); with ``mesh``, parameters land on their shardings (a linked or Hugging
    Face checkpoint is read shard by shard). Every tensor must match the architecture."""
    directory = Path(directory)
    if (directory / HF_LINK).exists():
        return _load_linked(directory, mesh, rules)
    if _is_hf_folder(directory):  # a judge exported for the ecosystem, or a converted checkpoint
        return hf.load_hf(directory, mesh=mesh, rules=rules)[0]
    model = _load_exported(directory)
    if mesh is not None:
        shard_model(model, mesh, rules)
    return model


def _is_hf_folder(directory: Path) -> bool:
    config = directory / "config.json"
    return config.exists() and "model_type" in json.loads(config.read_text())


def _load_linked(directory: Path, mesh: Mesh | None, rules: str) -> Decoder:
    cfg = DecoderConfig.load(directory / "config.json")
    link = json.loads((directory / HF_LINK).read_text())
    folder = directory / link["folder"]
    if not (folder / "config.json").exists():
        raise FileNotFoundError(f"{directory}: linked checkpoint {folder} is missing")
    if hf.fingerprint(folder) != link["fingerprint"]:
        raise ValueError(f"{directory}: {folder} changed since it was linked; rerun the init_base stage")
    fields = ("dtype", "param_dtype", "scan_layers", "remat", "dropout", "attn_chunk")
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
