"""The judge's output file: append-only, locked, bound to its input and model, repaired without rewriting.

A judged line is only ever appended (one ``write`` per batch, then ``fsync``), so an interruption can cut at
most the last line; ``--resume`` removes exactly those cut bytes with ``truncate`` and never rewrites the file.
An exclusive ``flock`` keeps a second run off the same output. A sidecar ``<output>.judge.json`` records what
the lines were computed from (the input's sha256, the model's identity, the tokenizer's hash and the prompt
budget); resuming with anything different is refused, as is an output that is the input itself or a folder.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from core.errors import UserError

SIDECAR_SUFFIX = ".judge.json"


class JudgeOutputError(UserError, ValueError):
    """The output file cannot be written or resumed safely; the message names it and says why."""


def file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class JudgedOutput:
    """Open with ``binding`` (what the judgments depend on); ``done`` holds the ids already judged."""

    def __init__(self, path: Path, input_path: Path, binding: Mapping[str, Any], resume: bool):
        self.path = Path(path)
        self.sidecar = self.path.with_name(self.path.name + SIDECAR_SUFFIX)
        if self.path.is_dir():
            raise JudgeOutputError(f"{self.path}: is a folder; --output must name a file")
        if self.path.exists() and Path(input_path).exists() and self.path.samefile(input_path):
            raise JudgeOutputError(f"{self.path}: --output is the input file; choose another path")
        existed = self.path.exists() and self.path.stat().st_size > 0
        if existed and not resume:
            raise JudgeOutputError(f"{self.path} exists; pass --resume to continue it or choose another path")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            raise JudgeOutputError(f"{self.path}: another flame-judge run is writing it") from None
        try:
            binding = dict(binding)
            if existed:
                self._check_binding(binding)
                self.done = self._repair_and_read()
            else:
                self._write_sidecar(binding)
                self.done = set()
        except BaseException:
            self.close()
            raise

    def _check_binding(self, binding: dict[str, Any]) -> None:
        if not self.sidecar.exists():
            raise JudgeOutputError(
                f"{self.path}: no {self.sidecar.name} beside it, so nothing says what it was "
                "judged from; refusing to resume into it"
            )
        try:
            recorded = json.loads(self.sidecar.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise JudgeOutputError(f"{self.sidecar}: not valid JSON; refusing to resume") from None
        for key, value in binding.items():
            if recorded.get(key) != value:
                raise JudgeOutputError(
                    f"{self.path} was judged with a different {key} ({recorded.get(key)!r}, now "
                    f"{value!r}); refusing to mix judgments, choose another output"
                )

    def _write_sidecar(self, binding: dict[str, Any]) -> None:
        tmp = self.sidecar.with_name(self.sidecar.name + ".tmp")
        tmp.write_text(json.dumps(binding, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.sidecar)

    def _repair_and_read(self) -> set[str]:
        """Ids of the complete lines; cut bytes after the last newline are truncated away (or, when they are
        a whole judged line that only lost its newline, the newline is appended). Any other bad line stops."""
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        tail, ids = data[end:], set()
        for lineno, line in enumerate(data[:end].splitlines(), start=1):
            ids.add(self._judged_id(line, lineno))
        if tail:
            try:
                json.loads(tail.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                os.truncate(self.path, end)  # the bytes of a write cut short: only they go
                return ids
            ids.add(self._judged_id(tail, data[:end].count(b"\n") + 1))  # whole, only its newline is missing
            self._write(b"\n")
        return ids

    def _judged_id(self, line: bytes, lineno: int) -> str:
        try:
            row = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            row = None
        ident = row.get("id") if isinstance(row, dict) else None
        if not isinstance(ident, (str, int)) or isinstance(ident, bool) or "decision" not in row:
            raise JudgeOutputError(
                f"{self.path}:{lineno}: not a judged line (JSON with 'id' and 'decision'); "
                "refusing to resume into it"
            )
        return str(ident)

    def append(self, rows: Iterable[dict]) -> None:
        self._write("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8"))

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # releases the lock
            self._fd = -1

    def __enter__(self) -> JudgedOutput:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
