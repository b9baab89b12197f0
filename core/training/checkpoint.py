"""Training checkpoints: orbax saves of model + optimizer + grain iterator (exported models live in
:mod:`core.modeling.io`).

All orbax calls live here so an API migration stays local. A training checkpoint stores a hash of the run's
configuration; a checkpoint written under a different configuration is never resumed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import grain
import jax
import orbax.checkpoint as ocp
from flax import nnx


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
