"""Deterministic, random-access selection of training examples with grain.

Each task is an infinite random-access source whose epoch ``e`` is a permutation keyed by (seed, task, e);
grain's ``MapDataset.mix`` interleaves the tasks deterministically in the spec's proportions. Each element is
a *unit* of two examples: a pairwise record in both A/B orders (so a constant answer cannot lower the loss),
or two consecutive records of a non-pairwise task. Example ``g`` of the stream is therefore a pure function of
(spec, seed, g), and a grain iterator over it checkpoints as a single integer.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping, Sequence

import grain
import numpy as np

from core.data.formats import swap
from core.data.schema import Record
from core.mixture.spec import MixtureSpec
from core.rng import derive

INFINITE = sys.maxsize


class TaskUnits(Sequence):
    """Infinite sequence of units (two records) of one task, reshuffled every epoch."""

    def __init__(self, records: Sequence[Record], task: str, seed: int, pair_orders: bool):
        if not records:
            raise ValueError(f"task '{task}' has no records to sample from")
        self._records = records
        self._task = task
        self._seed = seed
        self._pair = pair_orders and records[0].kind == "pairwise"

    def __len__(self) -> int:
        return INFINITE

    @functools.lru_cache(maxsize=4)  # noqa: B019 - a handful of epochs, bounded cache on a long-lived object
    def _perm(self, epoch: int) -> np.ndarray:
        rng = np.random.Generator(np.random.PCG64(derive(self._seed, "epoch", self._task, epoch)))
        return rng.permutation(len(self._records))

    def _at(self, c: int) -> Record:
        epoch, i = divmod(c, len(self._records))
        return self._records[int(self._perm(epoch)[i])]

    def __getitem__(self, u: int) -> tuple[Record, Record]:
        if self._pair:
            rec = self._at(u)
            return rec, swap(rec)
        return self._at(2 * u), self._at(2 * u + 1)


def mixed_units(
    spec: MixtureSpec, records: Mapping[str, Sequence[Record]], seed: int, pair_orders: bool
) -> grain.MapDataset:
    """A grain MapDataset of units mixing the spec's tasks in its proportions."""
    tasks = [t for t, p in spec.proportions.items() if p > 0]
    missing = [t for t in tasks if t not in records]
    if missing:
        raise ValueError(f"mixture '{spec.name}' needs records for task '{missing[0]}'")
    sources = [grain.MapDataset.source(TaskUnits(records[t], t, seed, pair_orders)) for t in tasks]
    if len(sources) == 1:
        return sources[0]
    return grain.MapDataset.mix(sources, weights=[spec.proportions[t] for t in tasks])


def task_sequence(
    spec: MixtureSpec, records: Mapping[str, Sequence[Record]], seed: int, n_units: int
) -> list[str]:
    """Task name of the first ``n_units`` units (used to verify realised proportions)."""
    ds = mixed_units(spec, records, seed, pair_orders=True)
    return [ds[i][0].task for i in range(n_units)]
