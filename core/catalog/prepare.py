"""Convert a collection's raw files into the record layout every later stage reads.

For each catalog task: read its raw files, run its converter row by row, attach the task's instructions, and
split training tasks into train / validation by a coin derived from (seed, task, example id). A row the
converter rejects, or a second row with an example id already seen, goes to ``quarantine.jsonl`` with its
file, line, field and reason; nothing is dropped silently. The stage fails when any task's quarantined share
exceeds ``max_quarantine``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from core.catalog import RowError, TaskSpec
from core.catalog.readers import read_rows
from core.catalog.spec import Skip
from core.data.schema import Record, write_jsonl
from core.errors import UserError
from core.progress import progress_bar
from core.rng import derive


class QuarantineError(UserError, RuntimeError):
    """Too many rows of a task could not be converted."""


def convert_task(
    task: TaskSpec,
    files: Sequence[Path],
    root: Path,
    filtered: Counter | None = None,
    document_files: Sequence[Path] = (),
) -> tuple[list[Record], list[dict]]:
    """Records (split ``test`` for evaluation tasks, ``train`` otherwise) and quarantined rows of one task;
    ``root`` is what file names in the quarantine are relative to; rows the task's definition leaves out
    are counted by reason in ``filtered``; ``document_files`` hold the texts a task joins in."""
    records: list[Record] = []
    quarantine: list[dict] = []
    filtered = filtered if filtered is not None else Counter()
    first_seen: dict[str, str] = {}
    split = "test" if task.role == "eval" else "train"
    documents = _documents(task, files, document_files)
    for where, unit in _units(task, files, root, quarantine, documents):
        try:
            examples = list(task.convert(unit, task))
        except Skip as skip:
            filtered[skip.reason] += 1
            continue
        except RowError as err:
            quarantine.append({"task": task.name, "where": where, "field": err.field, "error": str(err)})
            continue
        for ex in examples:
            if isinstance(ex, Skip):  # grouped converters report left-out members one by one
                filtered[ex.reason] += 1
                continue
            if ex.id in first_seen:
                quarantine.append(
                    {
                        "task": task.name,
                        "where": where,
                        "field": "id",
                        "error": f"example id '{ex.id}' already converted from {first_seen[ex.id]}",
                    }
                )
                continue
            first_seen[ex.id] = where
            records.append(_record(task, ex, split, where))
    return records, quarantine


def _documents(
    task: TaskSpec, files: Sequence[Path], document_files: Sequence[Path]
) -> dict[str, str] | None:
    """The joined texts the task's rows point at (only those: a corpus like XSum is large)."""
    if task.documents is None:
        return None
    spec = task.documents
    if not document_files:
        raise FileNotFoundError(
            f"task '{task.name}' joins documents from {spec.source.repo}, but none were given"
        )
    needed = {ref for path in files for _, row in read_rows(path) for ref in spec.references(row)}
    out = {}
    for path in document_files:
        for _, row in read_rows(path):
            keys, texts = row.get(spec.key), row.get(spec.text)
            pairs = (
                zip(keys, texts)
                if spec.explode and isinstance(keys, list) and isinstance(texts, list)
                else [(keys, texts)]
            )
            for key, text in pairs:
                if str(key) in needed and isinstance(text, str):
                    out[str(key)] = text
    return out


def _units(task: TaskSpec, files: Sequence[Path], root: Path, quarantine: list[dict], documents=None):
    """``(where, row)`` with ``__file__`` (and ``__document__``) set, or for grouped tasks
    ``(where of first row, {"rows": [...]})``."""
    groups: dict[str, list[dict]] = {}
    first: dict[str, str] = {}
    for path in files:
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()
        for where, row in read_rows(path):
            where = where.replace(str(path), rel, 1)
            row = {**row, "__file__": rel}
            if documents is not None:
                found = tuple(documents.get(ref) for ref in task.documents.references(row))
                row["__document__"] = found[0] if isinstance(task.documents.row_key, str) else found
            if task.group_by is None:
                yield where, row
                continue
            key = _dotted(row, task.group_by)
            key = str(key) if isinstance(key, int) and not isinstance(key, bool) else key
            if not isinstance(key, str) or not key.strip():
                err = f"field '{task.group_by}': needed to group rows, got {key!r}"
                quarantine.append({"task": task.name, "where": where, "field": task.group_by, "error": err})
                continue
            groups.setdefault(key, []).append(row)
            first.setdefault(key, where)
    for key, rows in groups.items():
        yield first[key], {"rows": rows}


def _dotted(row: dict, path: str):
    """``row["a"]["b"]`` for ``path`` 'a.b' (None where a level is missing)."""
    value = row
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _record(task: TaskSpec, ex, split: str, where: str) -> Record:
    meta = {"dataset": task.dataset, "source": where, **ex.meta}
    if task.role == "eval":
        meta.setdefault("subset", task.subset)
    return Record(
        task=task.name,
        split=split,
        example_id=f"{task.name}/{ex.id}",
        kind=task.kind,
        capability=task.capability,
        title=task.title,
        description=task.description,
        context=tuple(ex.context),
        target=tuple(ex.target),
        label_space=task.label_space,
        meta=meta,
    )


def assign_validation(records: list[Record], fraction: float, seed: int) -> list[Record]:
    """Move a derived, reproducible ``fraction`` of a training task's records to the validation split."""
    cut = int(round(fraction * 10_000))
    return [
        r.replace(split="validation") if derive(seed, "validation", r.example_id) % 10_000 < cut else r
        for r in records
    ]


def prepare(
    name: str,
    tasks: Sequence[TaskSpec],
    files: dict[str, list[Path]],
    root: Path,
    out_dir: Path,
    *,
    seed: int,
    validation_fraction: float,
    max_quarantine: float,
    progress: bool = True,
    documents: dict[str, list[Path]] | None = None,
    heldin_per_task: int = 0,
) -> dict:
    """Convert ``tasks`` (their raw ``files``) into ``out_dir``; returns the catalog written there. With
    ``heldin_per_task``, the suite ``heldin`` gathers that many seeded validation records of every training
    task (in-distribution by construction, so decontamination leaves it out)."""
    catalog = {"collection": name, "tasks": {}, "suites": {}, "quarantine": {}}
    suites: dict[str, list[Record]] = defaultdict(list)
    heldin: list[Record] = []
    quarantined: list[dict] = []
    for task in progress_bar(tasks, desc=f"prepare {name}", disable=not progress):
        filtered: Counter = Counter()
        records, bad = convert_task(
            task, files[task.name], root, filtered, (documents or {}).get(task.name, ())
        )
        quarantined += bad
        total = len(records) + len(bad)
        share = len(bad) / total if total else 0.0
        catalog["quarantine"][task.name] = {"rows": len(bad), "share": round(share, 6)}
        if filtered:
            catalog.setdefault("filtered", {})[task.name] = dict(sorted(filtered.items()))
        if not records:
            first = f"; first: {bad[0]['where']}: {bad[0]['error']}" if bad else ""
            raise QuarantineError(
                f"task '{task.name}': no row of its {len(files[task.name])} file(s) converted{first}"
            )
        entry = {
            "dataset": task.dataset,
            "capability": task.capability,
            "kind": task.kind,
            "role": task.role,
            "license": task.license,
            "source": {
                "kind": task.source.kind,
                "repo": task.source.repo,
                "files": [str(f) for f in files[task.name]],
            },
        }
        if task.role == "eval":
            suites[task.suite] += records
            entry["examples"] = {"test": len(records)}
            entry["suite"], entry["subset"] = task.suite, task.subset
        else:
            records = assign_validation(records, validation_fraction, seed)
            by_split = {s: [r for r in records if r.split == s] for s in ("train", "validation")}
            entry["examples"] = {
                s: write_jsonl(out_dir / "tasks" / task.name / f"{s}.jsonl", rs) for s, rs in by_split.items()
            }
            heldin += heldin_sample(by_split["validation"], heldin_per_task, seed)
        catalog["tasks"][task.name] = entry
    if heldin:
        suites[HELDIN] = heldin
    for suite, records in suites.items():
        write_jsonl(out_dir / "suites" / f"{suite}.jsonl", records)
        catalog["suites"][suite] = {
            "examples": len(records),
            "subsets": dict(sorted(Counter(r.meta["subset"] for r in records).items())),
        }
        if suite == HELDIN:
            catalog["suites"][suite]["held_in"] = True
    with (out_dir / "quarantine.jsonl").open("w") as f:
        for row in quarantined:
            f.write(json.dumps(row, sort_keys=True) + "\n")
    (out_dir / "catalog.json").write_text(json.dumps(catalog, indent=2, sort_keys=True) + "\n")
    worst = max(catalog["quarantine"].items(), key=lambda kv: kv[1]["share"], default=None)
    if worst and worst[1]["share"] > max_quarantine:
        raise QuarantineError(
            f"task '{worst[0]}': {worst[1]['rows']} rows quarantined ({worst[1]['share']:.2%}) exceeds "
            f"max_quarantine {max_quarantine:.2%}; see {out_dir / 'quarantine.jsonl'}"
        )
    return catalog


HELDIN = "heldin"


def heldin_sample(validation: Sequence[Record], n: int, seed: int) -> list[Record]:
    """At most ``n`` validation records of one task, by a seeded hash of their ids, marked with the task as
    their subset."""
    ranked = sorted(validation, key=lambda r: (derive(seed, "heldin", r.example_id), r.example_id))[:n]
    return [r.replace(meta={**r.meta, "subset": r.task}) for r in ranked]


def real_mini_files(tasks: Sequence[TaskSpec], real_dir: Path) -> dict[str, list[Path]]:
    """Each task's staged files under ``real_dir`` (tasks without a local copy are not part of real-mini)."""
    out = {}
    for task in tasks:
        if task.local is None:
            raise ValueError(f"task '{task.name}' has no staged real files")
        out[task.name] = [real_dir / task.local.folder / f for f in task.local.files]
    return out
