"""Read raw files as their authors publish them: JSON Lines (optionally gzipped), JSON arrays and CSV/TSV
(hub datasets are downloaded as JSON Lines). Every row comes with ``file:line`` (or ``file:item``) so errors
and quarantined rows can be traced. Pickled formats are never read."""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Row = tuple[str, dict[str, Any]]
_LFS_POINTER = b"version https://git-lfs.github.com/spec/"

csv.field_size_limit(1 << 30)  # articles and dialogues exceed csv's default field limit


def read_rows(path: str | Path) -> Iterator[Row]:
    """``(where, row)`` for every record in ``path``; the format follows the file name."""
    path = Path(path)
    name = path.name.lower()
    if name.endswith((".pkl", ".pickle", ".pt", ".npy")):
        raise ValueError(f"{path}: pickled formats are never loaded")
    if not path.exists():
        raise FileNotFoundError(f"raw file not found: {path}")
    with path.open("rb") as f:
        if f.read(len(_LFS_POINTER)) == _LFS_POINTER:
            raise ValueError(
                f"{path}: a Git LFS pointer, not the data (the source must be fetched with lfs=True)"
            )
    if name.endswith((".jsonl", ".jsonl.gz")):
        yield from _json_lines(path)
    elif name.endswith(".json"):
        yield from _json(path)
    elif name.endswith((".csv", ".tsv")):
        yield from _delimited(path, "\t" if name.endswith(".tsv") else ",")
    else:
        raise ValueError(f"{path}: unknown raw format (expected .jsonl[.gz], .json, .csv or .tsv)")


def _open(path: Path):
    return (
        gzip.open(path, "rt", encoding="utf-8") if path.name.endswith(".gz") else path.open(encoding="utf-8")
    )


def _json_lines(path: Path) -> Iterator[Row]:
    with _open(path) as f:
        for i, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{i}: not valid JSON ({err.msg})") from None
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{i}: expected a JSON object, got {type(row).__name__}")
            yield f"{path}:{i}", row


def _json(path: Path) -> Iterator[Row]:
    """A JSON array of objects; some authors ship JSON Lines under ``.json`` (HaluEval), which is accepted."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        yield from _json_lines(path)
        return
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON array of objects")
    for i, row in enumerate(data):
        if not isinstance(row, dict):
            raise ValueError(f"{path}:item {i}: expected a JSON object, got {type(row).__name__}")
        yield f"{path}:item {i}", row


def _delimited(path: Path, delimiter: str) -> Iterator[Row]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        for row in reader:
            if None in row:
                raise ValueError(f"{path}:{reader.line_num}: more cells than header columns")
            yield f"{path}:{reader.line_num}", row
