"""Strict parsing of a generated judgment (the generation scorer's output).

The model was asked (by ``output_fields`` in its prompt) to answer with ``<field>: <value>`` lines. The first
non-empty line must be the decision field followed by exactly one allowed label (case-insensitive, surrounding
whitespace ignored; nothing else: no punctuation, quotes, markdown or extra words). Later lines may hold the
other output fields (an explanation) but never a second decision. Anything else is a parse failure, which the
harness counts as a wrong judgment and reports as a rate: a lenient parser would hide a judge that does not
follow the format.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_LINE = re.compile(r"^\s*([A-Za-z_][\w ]*?)\s*:(.*)$")


def parse_decision(text: str, field: str, labels: Sequence[str]) -> tuple[str | None, str]:
    """``(label, "")`` when ``text`` states one allowed label for ``field``, else ``(None, reason)``."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None, "empty output"
    first = _LINE.match(lines[0])
    if not first or first.group(1).strip().lower() != field.lower():
        return None, f"the first line is not '{field}: <label>'"
    value = first.group(2).strip()
    by_lower = {label.lower(): label for label in labels}
    if value.lower() not in by_lower:
        return None, f"'{value}' is not one of {list(labels)}"
    for line in lines[1:]:
        later = _LINE.match(line)
        if later and later.group(1).strip().lower() == field.lower():
            return None, f"a second '{field}:' line"
    return by_lower[value.lower()], ""
