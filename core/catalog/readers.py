"""Read raw files as their authors publish them: JSON Lines (optionally gzipped), JSON arrays and CSV/TSV
(hub datasets are downloaded as JSON Lines). Every row comes with ``file:line`` (or ``file:item``) so errors
and quarantined rows can be traced. Pickled formats are never read."""

from __future__ import annotations

import csv
import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.data.schema import numbered_json_lines
from core.errors import UserError

Row = tuple[str, dict[str, Any]]
_LFS_POINTER = b"version https://git-lfs.github.com/spec/"


class RawFileError(UserError, ValueError):
    """A raw file cannot be read as its format says (encoding, a cut archive, a malformed line)."""


csv.field_size_limit(1 << 30)  # articles and dialogues exceed csv's default field limit


def read_rows(path: str | Path) -> Iterator[Row]:
    """``(where, row)`` for every record in ``path``; the format follows the file name."""
    path = Path(path)
    name = path.name.lower()
    if name.endswith((".pkl", ".pickle", ".pt", ".npy")):
        raise RawFileError(f"{path}: pickled formats are never loaded")
    if not path.exists():
        raise FileNotFoundError(f"raw file not found: {path}")
    with path.open("rb") as f:
        if f.read(len(_LFS_POINTER)) == _LFS_POINTER:
            raise RawFileError(
                f"{path}: a Git LFS pointer, not the data (the source must be fetched with lfs=True)"
            )
    if name.endswith((".jsonl", ".jsonl.gz")):
        rows = _json_lines(path)
    elif name.endswith(".json"):
        rows = _json(path)
    elif name.endswith((".csv", ".tsv")):
        rows = _delimited(path, "\t" if name.endswith(".tsv") else ",")
    else:
        raise RawFileError(f"{path}: unknown raw format (expected .jsonl[.gz], .json, .csv or .tsv)")
    last = "its start"
    try:
        for where, row in rows:
            last = where
            yield where, row
    except UnicodeDecodeError as err:
        byte = err.object[err.start]
        raise RawFileError(
            f"{path}: not UTF-8 after {last} ({err.reason} at byte 0x{byte:02x}); re-encode it as UTF-8"
        ) from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise RawFileError(
            f"{path}: a cut or damaged gzip file after {last} ({err}); fetch it again"
        ) from None


def _json_lines(path: Path) -> Iterator[Row]:
    for where, row in numbered_json_lines(path, RawFileError):
        if not isinstance(row, dict):
            raise RawFileError(f"{where}: expected a JSON object, got {type(row).__name__}")
        yield where, row


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
        raise RawFileError(f"{path}: expected a JSON array of objects")
    for i, row in enumerate(data):
        if not isinstance(row, dict):
            raise RawFileError(f"{path}:item {i}: expected a JSON object, got {type(row).__name__}")
        yield f"{path}:item {i}", row


def _delimited(path: Path, delimiter: str) -> Iterator[Row]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        for row in reader:
            if None in row:
                raise RawFileError(f"{path}:{reader.line_num}: more cells than header columns")
            yield f"{path}:{reader.line_num}", row
