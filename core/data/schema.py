"""The record schema every collection is converted into.

One record is one human (or, for ``synth``, computed) judgment: a task's instructions, the input fields shown to
the rater (``context``), the rater's answer (``target``) and the closed set of allowed answers when there is one
(``label_space``, used by the log-likelihood scorer).
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NoReturn

from core.errors import UserError

KINDS = ("pairwise", "pointwise", "classification", "open_ended")
CAPABILITIES = ("quality", "factuality", "safety", "coding", "math", "instruction_tuning")
SPLITS = ("train", "validation", "test")
PAIR_FIELDS = ("response A", "response B")  # context labels of the two candidates in pairwise records
PAIR_LABELS = ("A", "B")  # a pairwise record's answers: the better candidate is the first or the second shown


class RecordError(UserError, ValueError):
    """A record is malformed; the message names the file, line and field."""


@dataclasses.dataclass(frozen=True)
class Record:
    task: str
    split: str
    example_id: str
    kind: str
    capability: str
    title: str
    description: str
    context: tuple[tuple[str, str], ...]
    target: tuple[tuple[str, str], ...]
    label_space: tuple[str, ...] | None = None
    meta: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def label(self) -> str:
        """Value of the first target field (the decision: choice, answer or rating)."""
        return self.target[0][1]

    def field(self, name: str) -> str:
        for key, value in self.context:
            if key == name:
                return value
        raise KeyError(f"record {self.example_id} has no context field '{name}'")

    def replace(self, **changes: Any) -> Record:
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["context"] = [list(kv) for kv in self.context]
        out["target"] = [list(kv) for kv in self.target]
        out["label_space"] = list(self.label_space) if self.label_space is not None else None
        out["meta"] = dict(self.meta)
        return out


def validate(record: Record) -> None:
    """Raise RecordError (without location) when a record breaks the schema's invariants."""

    def bad(field: str, why: str) -> NoReturn:
        raise RecordError(f"field '{field}': {why}")

    if record.kind not in KINDS:
        bad("kind", f"'{record.kind}' is not one of {KINDS}")
    if record.capability not in CAPABILITIES:
        bad("capability", f"'{record.capability}' is not one of {CAPABILITIES}")
    if record.split not in SPLITS:
        bad("split", f"'{record.split}' is not one of {SPLITS}")
    for name in ("task", "example_id", "title", "description"):
        if not isinstance(getattr(record, name), str) or not getattr(record, name):
            bad(name, "must be a non-empty string")
    if not record.target:
        bad("target", "needs at least one (field, value) pair")
    for part in ("context", "target"):
        for i, kv in enumerate(getattr(record, part)):
            if len(kv) != 2 or not all(isinstance(x, str) for x in kv):
                bad(f"{part}[{i}]", "must be a [label, value] pair of strings")
    if record.kind == "pairwise":
        labels = [k for k, _ in record.context]
        for name in PAIR_FIELDS:
            if name not in labels:
                bad("context", f"pairwise records need a '{name}' field")
    if record.label_space is not None:
        if record.kind == "open_ended":
            bad("label_space", "open-ended records have no closed label space")
        if record.label not in record.label_space:
            bad("target", f"label '{record.label}' is not in label_space {list(record.label_space)}")
    elif record.kind != "open_ended":
        bad("label_space", f"{record.kind} records need a label space")


def from_json(obj: Any, *, where: str = "<record>") -> Record:
    """Parse one JSON object into a validated Record; errors name ``where`` and the field."""
    if not isinstance(obj, dict):
        raise RecordError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    names = [f.name for f in dataclasses.fields(Record)]
    unknown = sorted(set(obj) - set(names))
    if unknown:
        raise RecordError(f"{where}: unknown field '{unknown[0]}'")
    missing = [n for n in names if n not in obj and n not in ("label_space", "meta")]
    if missing:
        raise RecordError(f"{where}: missing field '{missing[0]}'")
    try:
        record = Record(
            task=obj["task"],
            split=obj["split"],
            example_id=obj["example_id"],
            kind=obj["kind"],
            capability=obj["capability"],
            title=obj["title"],
            description=obj["description"],
            context=tuple(tuple(kv) for kv in obj["context"]),
            target=tuple(tuple(kv) for kv in obj["target"]),
            label_space=tuple(obj["label_space"]) if obj.get("label_space") is not None else None,
            meta=dict(obj.get("meta") or {}),
        )
        validate(record)
    except RecordError as err:
        raise RecordError(f"{where}: {err}") from None
    except TypeError as err:
        raise RecordError(f"{where}: {err}") from None
    return record


def write_jsonl(path: str | Path, records: Iterable[Record]) -> int:
    """Write records one per line (validated first); returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w") as f:
        for record in records:
            validate(record)
            f.write(json.dumps(record.to_json(), sort_keys=True) + "\n")
            n += 1
    return n


def numbered_json_lines(path: str | Path, error: type[Exception] = ValueError) -> Iterator[tuple[str, Any]]:
    """``(file:line, value)`` for every non-blank line of a JSON Lines file (gzipped when it ends in .gz); a
    line that is not UTF-8, not JSON or holds a lone surrogate escape (text no tokenizer can encode) raises
    ``error`` naming the line."""
    path = Path(path)
    if path.is_dir():
        raise error(f"{path}: is a folder, not a JSON Lines file")
    with gzip.open(path) if path.name.endswith(".gz") else path.open("rb") as f:
        for lineno, raw in enumerate(f, start=1):
            where = f"{path}:{lineno}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise error(
                    f"{where}: not UTF-8 (byte 0x{raw[err.start]:02x} at column {err.start + 1})"
                ) from None
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as err:
                raise error(f"{where}: not valid JSON ({err.msg})") from None
            if _SURROGATE.search(line) and _has_surrogate(value):
                raise error(f"{where}: holds a lone surrogate escape (\\ud800-\\udfff), which is not text")
            yield where, value


_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_surrogate(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def iter_jsonl(path: str | Path) -> Iterator[Record]:
    """Read records, failing on the first malformed line with ``file:line``."""
    for where, obj in numbered_json_lines(path, RecordError):
        yield from_json(obj, where=where)


def read_jsonl(path: str | Path) -> list[Record]:
    return list(iter_jsonl(path))
