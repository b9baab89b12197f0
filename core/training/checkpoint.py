"""Training checkpoints: orbax saves of model + optimizer + grain iterator (exported models live in
:mod:`core.modeling.io`).

All orbax calls live here so an API migration stays local. A training checkpoint stores a hash of the run's
configuration; a checkpoint written under a different configuration is never resumed. After each save the
sha256 of every file of the step folder goes to ``digest-<step>.json`` beside it, and a restore first checks
them: a damaged or truncated checkpoint stops with the file named and the step to fall back to, instead of
resuming into garbage.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import grain
import jax
import orbax.checkpoint as ocp
from flax import nnx

from core.errors import UserError


class CheckpointCorrupt(UserError, RuntimeError):
    """A saved step does not match its digest or cannot be read; the message names it and the way out."""


def _unreadable(error: Exception) -> str:
    first = (str(error).splitlines() or [""])[0][:200]
    return f"unreadable ({type(error).__name__}: {first})"


def _digest(step_dir: Path) -> dict[str, str]:
    out = {}
    for path in sorted(p for p in step_dir.rglob("*") if p.is_file()):
        with path.open("rb") as f:
            out[str(path.relative_to(step_dir))] = hashlib.file_digest(f, "sha256").hexdigest()
    return out


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
        self._digest_path(step).write_text(json.dumps(_digest(self.directory / str(step)), indent=1) + "\n")
        kept = {str(s) for s in self._mngr.all_steps()}
        for old in self.directory.glob("digest-*.json"):
            if old.stem.removeprefix("digest-") not in kept:
                old.unlink()

    def _digest_path(self, step: int) -> Path:
        return self.directory / f"digest-{step}.json"

    def _damaged(self, step: int, what: str) -> CheckpointCorrupt:
        earlier = [s for s in self._mngr.all_steps() if s < step]
        fallback = f"step {max(earlier)}" if earlier else "the start"
        return CheckpointCorrupt(
            f"{self.directory / str(step)}: {what}; delete that folder to resume from {fallback}"
        )

    def verify(self, step: int) -> None:
        """Check a saved step against its digest (steps saved before digests existed are not checked)."""
        path = self._digest_path(step)
        if not path.exists():
            return
        expected = json.loads(path.read_text())
        found = _digest(self.directory / str(step))
        for name, sha in expected.items():
            if name not in found:
                raise self._damaged(step, f"file {name} is missing")
            if found[name] != sha:
                raise self._damaged(
                    step, f"file {name} does not match its sha256 (damaged after it was saved)"
                )

    def restore_or_discard(
        self, model: nnx.Module, optimizer: nnx.Optimizer, data_iter: Any
    ) -> tuple[int, dict[str, Any]]:
        """Restore the latest checkpoint into the given objects; return its step (0 when none fits) and meta."""
        step = self.latest_step()
        if step is None:
            return 0, {}
        self.verify(step)
        try:
            meta = self._mngr.restore(step, args=ocp.args.Composite(meta=ocp.args.JsonRestore())).meta
        except Exception as error:  # noqa: BLE001 - orbax raises many types for unreadable files
            raise self._damaged(step, _unreadable(error)) from error
        if meta.get("config_hash") != self.config_hash:
            print(f"[checkpoint] {self.directory}: written under another configuration; starting fresh")
            self.close()
            shutil.rmtree(self.directory)
            self._mngr = ocp.CheckpointManager(self.directory, options=self._options)
            return 0, {}
        abstract = jax.tree.map(ocp.utils.to_shape_dtype_struct, nnx.state((model, optimizer)))
        try:
            restored = self._mngr.restore(
                step,
                args=ocp.args.Composite(
                    state=ocp.args.StandardRestore(abstract),
                    data_iter=grain.checkpoint.CheckpointRestore(data_iter),
                ),
            )
        except Exception as error:  # noqa: BLE001
            raise self._damaged(step, _unreadable(error)) from error
        nnx.update((model, optimizer), restored.state)
        return step, meta

    def close(self) -> None:
        self._mngr.close()


def save_optimizer_state(directory: str | Path, optimizer: nnx.Optimizer) -> None:
    """The optimizer's state alone (Adam moments and step count) under ``directory``: the half of a snapshot
    that the model folder beside it does not hold."""
    ckptr = ocp.StandardCheckpointer()
    ckptr.save(Path(directory).absolute(), nnx.state(optimizer))
    ckptr.wait_until_finished()
    ckptr.close()


def restore_optimizer_state(directory: str | Path, optimizer: nnx.Optimizer) -> None:
    """Load a state written by :func:`save_optimizer_state` into ``optimizer`` (built over the same
    parameters, e.g. a tail-patch run continuing the snapshot of the run it patches)."""
    abstract = jax.tree.map(ocp.utils.to_shape_dtype_struct, nnx.state(optimizer))
    ckptr = ocp.StandardCheckpointer()
    try:
        state = ckptr.restore(Path(directory).absolute(), abstract)
    except Exception as error:  # noqa: BLE001 - orbax raises many types for unreadable or mismatched state
        raise CheckpointCorrupt(f"{directory}: optimizer state {_unreadable(error)}") from error
    finally:
        ckptr.close()
    nnx.update(optimizer, state)
