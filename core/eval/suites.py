"""Evaluation suites: the records one benchmark is scored on, read either from the prepared collection or
straight from a folder holding the files as their authors publish them, and the paper's subsampling rule
(256 seeded examples per task; RewardBench on its full sets)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from core.catalog import CATALOG, TaskSpec
from core.catalog.download import source_files
from core.catalog.prepare import convert_task
from core.data.collection import load_suite
from core.data.schema import Record
from core.errors import UserError
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


class SuiteError(UserError, ValueError):
    """A suite's published files are missing, empty, short or too defective to score; the file is named."""


@dataclasses.dataclass
class LoadedSuite:
    """What a suite is scored on, and what was left out on the way (both go to ``metrics.json``)."""

    records: list[Record]
    quarantined: list[dict] = dataclasses.field(default_factory=list)  # rows dropped: where, field, why
    missing: list[str] = dataclasses.field(default_factory=list)  # subsets absent (only with allow_missing)


def load_published(
    suite: str, folder: str | Path, max_quarantine: float = 0.0, allow_missing: bool = False
) -> LoadedSuite:
    """Convert the suite's tasks whose files are in ``folder``. Files come in sets (one repository, one
    archive): a subset whose siblings are there but whose own file is missing, empty or shorter than the
    catalog's count stops the run with the file named, unless ``allow_missing`` records it as missing.
    Defective rows follow ``prepare``'s quarantine rule: up to ``max_quarantine`` of a task's rows are
    dropped and recorded (file, line, field, reason), beyond it the run stops."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SuiteError(f"suite '{suite}': {folder} is not a folder")
    loaded, expected, absent, present = LoadedSuite([]), [], [], set()
    for task in suite_tasks(suite):
        layouts = published_layouts(task, folder)
        expected += [f"{task.name}: {', '.join(str(f) for f in files)}" for files in layouts]
        files = next((fs for fs in layouts if all(f.exists() for f in fs)), None)
        if files is None:
            partial = next((fs for fs in layouts if any(f.exists() for f in fs)), None)
            if partial:
                missing = [str(f) for f in partial if not f.exists()]
                raise SuiteError(f"suite '{suite}', task '{task.name}': missing {', '.join(missing)}")
            absent.append((task, layouts[0]))
            continue
        present.add(task.source.repo)
        converted, bad = convert_task(task, files, folder)
        staged = task.local is not None and files == [folder / f for f in task.local.files]
        _check_task(suite, task, files, staged, converted, bad, max_quarantine)
        loaded.records += converted
        loaded.quarantined += bad
    for task, files in absent:
        if task.source.repo in present:  # its file set is here, so this subset's file should be too
            if not allow_missing:
                raise SuiteError(
                    f"suite '{suite}': subset '{task.subset or task.name}' is missing ("
                    f"{', '.join(str(f) for f in files)}); pass --allow-missing to score without it"
                )
            loaded.missing.append(task.subset or task.name)
    if not loaded.records:
        listed = "\n  ".join(expected)
        raise SuiteError(f"suite '{suite}': none of its files are in {folder}; expected one of\n  {listed}")
    return loaded


def _check_task(
    suite: str,
    task: TaskSpec,
    files: Sequence[Path],
    staged: bool,
    converted: list[Record],
    bad: list[dict],
    max_quarantine: float,
) -> None:
    """Stop on an empty file, on a staged file shorter than the catalog's count, and on too many bad rows."""
    named = ", ".join(str(f) for f in files)
    rows = len(converted) + len(bad)
    if rows == 0:
        raise SuiteError(f"suite '{suite}': {named} holds no records (task '{task.name}')")
    if staged and rows < task.local.expected:
        raise SuiteError(
            f"suite '{suite}': {named} holds {rows} records; the catalog expects "
            f"{task.local.expected} (a cut or partial file?)"
        )
    if bad and len(bad) > max_quarantine * rows:
        first = bad[0]
        raise SuiteError(
            f"suite '{suite}': {len(bad)} of {rows} rows of task '{task.name}' are malformed "
            f"(limit {max_quarantine:.0%}); first {first['where']}: {first['error']}"
        )


def load(
    suite: str, source: str, data_dir: str | Path, max_quarantine: float = 0.0, allow_missing: bool = False
) -> LoadedSuite:
    """``source``: ``collection`` (the prepared ``data_dir``) or ``local:<folder>`` (published files)."""
    if source == "collection":
        return LoadedSuite(load_suite(data_dir, suite))
    if source.startswith("local:"):
        return load_published(suite, source.split(":", 1)[1], max_quarantine, allow_missing)
    raise SuiteError(f"unknown suite source '{source}' (use 'collection' or 'local:<folder>')")


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
