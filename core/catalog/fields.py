"""Helpers converters share: typed access to raw fields (failing with the field's name), A/B placement of a
preferred and a dispreferred response, and parsing of the transcript and list-as-string encodings some
authors publish."""

from __future__ import annotations

import ast
import json
from typing import Any

from core.catalog.spec import RowError
from core.data.schema import PAIR_FIELDS
from core.rng import derive, sha256_hex


def text(row: dict[str, Any], field: str, *, allow_empty: bool = False) -> str:
    """A string field, stripped; missing, non-string or (unless allowed) empty values are errors."""
    if field not in row:
        raise RowError(field, "missing")
    value = row[field]
    if not isinstance(value, str):
        raise RowError(field, f"expected text, got {type(value).__name__}")
    value = value.strip()
    if not value and not allow_empty:
        raise RowError(field, "empty")
    return value


def ident(row: dict[str, Any], field: str) -> str:
    """An identifier published as text or as an integer."""
    value = row.get(field)
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value).strip() == "":
        raise RowError(field, f"expected an id (text or integer), got {value!r}")
    return str(value).strip()


def number(row: dict[str, Any], field: str) -> float:
    if field not in row or row[field] is None or row[field] == "":
        raise RowError(field, "missing")
    try:
        return float(row[field])
    except (TypeError, ValueError):
        raise RowError(field, f"expected a number, got {row[field]!r}") from None


def choice(row: dict[str, Any], field: str, allowed: dict[Any, str]) -> str:
    """Map a raw label through ``allowed``; anything else is an error naming the allowed values."""
    if field not in row:
        raise RowError(field, "missing")
    value = row[field]
    key = value.strip() if isinstance(value, str) else value
    if key not in allowed:
        raise RowError(field, f"{value!r} is not one of {sorted(map(str, allowed))}")
    return allowed[key]


def literal(row: dict[str, Any], field: str) -> Any:
    """A field holding a JSON or Python literal as a string (lists and dicts some authors stringify)."""
    value = row.get(field)
    if not isinstance(value, str):
        if value is None:
            raise RowError(field, "missing")
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        pass
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError):
        raise RowError(field, "not a JSON or Python literal") from None


def stable_id(*values: str) -> str:
    """A short id for rows that carry none: a hash of their fields (never Python's ``hash``)."""
    return sha256_hex("\x1f".join(values), 12)


def pair(task: str, example_id: str, better: str, worse: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """Place the preferred response at A or B by a coin derived from (task, example id): balanced and
    reproducible. Returns the two context fields and the choice label."""
    if better == worse:
        raise RowError("responses", "the two responses are identical")
    a_is_better = derive(0, "pair-order", task, example_id) % 2 == 0
    a, b = (better, worse) if a_is_better else (worse, better)
    return ((PAIR_FIELDS[0], a), (PAIR_FIELDS[1], b)), ("A" if a_is_better else "B")


_ASSISTANT = "\n\nAssistant:"


def split_pair(chosen: str, rejected: str) -> tuple[str, str, str]:
    """HH-RLHF style transcripts (``\n\nHuman: ... \n\nAssistant: ...``) that share a conversation and then
    diverge: (shared conversation, chosen continuation, rejected continuation), cut at the last Assistant
    turn the two have in common. Usually only the final reply differs; a few pairs diverge earlier."""
    common = 0
    for x, y in zip(chosen, rejected):
        if x != y:
            break
        common += 1
    cut = chosen.rfind(_ASSISTANT, 0, common)
    if cut <= 0:
        raise RowError("chosen", "the two transcripts share no conversation before an Assistant turn")
    history = chosen[:cut].strip()
    a, b = chosen[cut + len(_ASSISTANT) :].strip(), rejected[cut + len(_ASSISTANT) :].strip()
    if not history.startswith("Human:"):
        raise RowError("chosen", "does not start with a Human turn")
    return history, a, b
