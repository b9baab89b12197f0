"""The training input pipeline: mixture selection -> render + tokenize -> pack -> batch (grain).

Up to packing everything is a random-access ``MapDataset``; packing and batching are grain ``IterDataset``
stages whose iterator state is saved in the training checkpoint, so a resumed run sees the same batches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import grain
import numpy as np

from core.config import DataConfig
from core.data.features import encode_record, pad_to
from core.data.schema import Record
from core.data.tokenizer import Tokenizer
from core.mixture.selection import INFINITE, mixed_units
from core.mixture.spec import MixtureSpec
from core.training.loss import target_index

FEATURES = ("inputs", "targets", "target_mask", "context_mask")


class _Row:
    """Row ``r`` is example ``r % 2`` of unit ``r // 2``."""

    def __init__(self, units: grain.MapDataset, tok: Tokenizer, cfg: DataConfig):
        self._units, self._tok, self._cfg = units, tok, cfg

    def __call__(self, r: int) -> dict[str, np.ndarray]:
        record = self._units[int(r) // 2][int(r) % 2]
        enc = encode_record(record, self._tok, self._cfg.max_input_tokens, self._cfg.max_target_tokens)
        return enc.as_dict() if self._cfg.pack else pad_to(enc, self._cfg.seq_len)


def _rename_packed(ex: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {k: ex[k] for k in FEATURES}
    out["segment_ids"] = ex["inputs_segment_ids"]
    out["positions"] = ex["inputs_positions"]
    return out


def _with_target_index(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Where each row's targets are, so the step computes logits only there (see core.training.loss)."""
    batch["target_index"], batch["target_valid"] = target_index(batch["target_mask"])
    return batch


def train_batches(
    spec: MixtureSpec,
    records: Mapping[str, Sequence[Record]],
    tok: Tokenizer,
    cfg: DataConfig,
    batch_size: int,
    seed: int,
    pair_orders: bool,
) -> grain.IterDataset:
    """Infinite stream of ``[batch_size, seq_len]`` int32 batches for ``spec`` (plus ``[batch_size, K]``
    target positions)."""
    if cfg.max_input_tokens + cfg.max_target_tokens > cfg.seq_len + 1:
        raise ValueError(
            f"data.max_input_tokens + data.max_target_tokens ({cfg.max_input_tokens} + "
            f"{cfg.max_target_tokens}) must be at most data.seq_len + 1 ({cfg.seq_len + 1})"
        )
    units = mixed_units(spec, records, seed, pair_orders)
    rows = grain.MapDataset.range(INFINITE).map(_Row(units, tok, cfg))
    if cfg.pack:
        packed = grain.experimental.FirstFitPackIterDataset(
            rows.to_iter_dataset(),
            length_struct={k: cfg.seq_len for k in FEATURES},
            num_packing_bins=cfg.packing_bins,
            shuffle_bins=False,
        )
        batches = packed.map(_rename_packed).batch(batch_size, drop_remainder=True)
    else:
        batches = rows.batch(batch_size, drop_remainder=True).to_iter_dataset()
    return batches.map(_with_target_index)
