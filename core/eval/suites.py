"""Evaluation suites: the records one benchmark is scored on, read either from the prepared collection or
straight from a folder holding the files as their authors publish them, and the paper's subsampling rule
(256 seeded examples per task; RewardBench on its full sets)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from core.data.catalog import CATALOG, TaskSpec
from core.data.collection import load_suite
from core.data.download import source_files
from core.data.prepare import convert_task
from core.data.schema import Record
from core.rng import derive

FULL_SET_SUITES = frozenset({"rewardbench"})  # paper §6.1: RewardBench is evaluated on its full sets


def suite_tasks(suite: str) -> list[TaskSpec]:
    tasks = [t for t in CATALOG if t.role == "eval" and t.suite == suite]
    if not tasks:
        known = sorted({t.suite for t in CATALOG if t.role == "eval"})
        raise KeyError(f"unknown suite '{suite}' (known: {', '.join(known)})")
    return tasks


def published_layouts(task: TaskSpec, folder: Path) -> list[list[Path]]:
    """The places a task's files may sit under ``folder``, in order: a staged copy's names (``task.local``),
    the repository's own paths (GitHub files, archive members: ``folder`` is a checkout or an unpacked
    archive), or the layout ``download`` writes (``folder`` is a raw-data root such as ``data/raw``; the only
    one for hub datasets, whose split files would otherwise be ambiguous)."""
    layouts = []
    if task.local is not None:
        layouts.append([folder / f for f in task.local.files])
    if task.source.kind != "hub":
        layouts.append([folder / f for f in task.source.files])
    layouts.append(source_files(task.source, folder))
    return layouts


def load_published(suite: str, folder: str | Path) -> list[Record]:
    """Convert the suite's tasks whose files are in ``folder``. A task with only some of its files, a suite
    with none, or any malformed row is an error naming the file (and row and field)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"suite '{suite}': {folder} is not a folder")
    records: list[Record] = []
    expected = []
    for task in suite_tasks(suite):
        layouts = published_layouts(task, folder)
        expected += [f"{task.name}: {', '.join(str(f) for f in files)}" for files in layouts]
        files = next((fs for fs in layouts if all(f.exists() for f in fs)), None)
        if files is None:
            partial = next((fs for fs in layouts if any(f.exists() for f in fs)), None)
            if partial:
                missing = [str(f) for f in partial if not f.exists()]
                raise FileNotFoundError(f"suite '{suite}', task '{task.name}': missing {', '.join(missing)}")
            continue
        converted, bad = convert_task(task, files, folder)
        if bad:
            first = bad[0]
            raise ValueError(
                f"suite '{suite}': {len(bad)} malformed row(s); first {first['where']}: {first['error']}"
            )
        records += converted
    if not records:
        listed = "\n  ".join(expected)
        raise FileNotFoundError(
            f"suite '{suite}': none of its files are in {folder}; expected one of\n  {listed}"
        )
    return records


def load(suite: str, source: str, data_dir: str | Path) -> list[Record]:
    """``source``: ``collection`` (the prepared ``data_dir``) or ``local:<folder>`` (published files)."""
    if source == "collection":
        return load_suite(data_dir, suite)
    if source.startswith("local:"):
        return load_published(suite, source.split(":", 1)[1])
    raise ValueError(f"unknown suite source '{source}' (use 'collection' or 'local:<folder>')")


def sample_per_task(records: Sequence[Record], suite: str, n: int | None, seed: int) -> list[Record]:
    """At most ``n`` records per subset, chosen by a seeded hash of their ids (the same records whatever the
    file order) and kept in their original order; every record of RewardBench, or when ``n`` is None."""
    if n is None or suite in FULL_SET_SUITES:
        return list(records)
    by_subset: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_subset[r.meta.get("subset", r.task)].append(r)
    keep = set()
    for subset, members in by_subset.items():
        ranked = sorted(
            members, key=lambda r: (derive(seed, "eval-sample", suite, subset, r.example_id), r.example_id)
        )
        keep.update(id(r) for r in ranked[:n])
    return [r for r in records if id(r) in keep]
