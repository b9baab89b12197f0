"""Scarecrow (Dou et al. 2022a, Table 7): crowd workers mark error spans in news paragraphs continued by GPT-2
and GPT-3, name each error's type and explain it. Two tasks: classify a marked span, and explain it."""

from __future__ import annotations

from core.data.catalog.fields import ident, literal, stable_id, text
from core.data.catalog.spec import Example, RowError, Skip, Source, TaskSpec

SCARECROW_SOURCE = Source("github", "Yao-Dou/scarecrow", files=("data/grouped_data.csv",))
ERROR_TYPES = {
    "Grammar_Usage": "grammar and usage",
    "Off-prompt": "off-prompt",
    "Redundant": "redundant",
    "Self-contradiction": "self-contradiction",
    "Incoherent": "incoherent",
    "Technical_Jargon": "technical jargon",
    "Bad_Math": "bad math",
    "Encyclopedic": "wrong: encyclopedic",
    "Commonsense": "wrong: commonsense",
    "Needs_Google": "needs google",
}
# the annotation tool escapes these characters inside explanations
_ESCAPES = {"_SEP_": ",", "_QUOTE_": '"', "_LEFT_": "<", "_RIGHT_": ">", "_NEWLINE_": "\n"}


def _unescape(value: str) -> str:
    for code, char in _ESCAPES.items():
        value = value.replace(code, char)
    return value.strip()


def _marks(row):
    """(rater, error type, explanation, span text) for every mark of every rater, offsets checked."""
    generation = row.get("generation")
    if not isinstance(generation, str) or not generation.strip():
        raise RowError("generation", "missing or empty")
    raters = literal(row, "responses")
    if not isinstance(raters, list):
        raise RowError("responses", "expected one list of marks per rater")
    for r, marks in enumerate(raters):
        for mark in marks:
            if not (isinstance(mark, (list, tuple)) and len(mark) == 6):
                raise RowError("responses", f"rater {r}: a mark is [type, explanation, severity, start, end, "
                                            f"antecedents], got {mark!r}")  # fmt: skip
            kind, explanation, _, start, end, _ = mark
            if kind not in ERROR_TYPES:
                raise RowError(
                    "responses", f"rater {r}: error type {kind!r} is not one of {sorted(ERROR_TYPES)}"
                )
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(generation)):
                raise RowError("responses", f"rater {r}: span {start}..{end} lies outside the paragraph")
            yield r, kind, _unescape(str(explanation)), generation[start:end].strip(), start, end


def _context(row, span: str):
    return (("prompt", text(row, "prompt")), ("continuation", text(row, "generation")), ("span", span))


def _error_type(row, task):
    seen = set()
    for _, kind, _, span, start, end in _marks(row):
        if not span or (kind, start, end) in seen:
            yield Skip("empty span or the same mark from another rater")
            continue
        seen.add((kind, start, end))
        key = f"{ident(row, 'gid')}-{start}-{end}-{kind}"
        yield Example(key, _context(row, span), (("error type", ERROR_TYPES[kind]),))


def _explanation(row, task):
    for r, kind, explanation, span, start, end in _marks(row):
        if not span or not explanation:
            yield Skip("mark without span text or explanation")
            continue
        key = f"{ident(row, 'gid')}-{r}-{start}-{end}-{stable_id(explanation)}"
        target = (("error type", ERROR_TYPES[kind]), ("explanation", explanation))
        yield Example(key, _context(row, span), target)


_TYPES_TEXT = ", ".join(f"'{v}'" for v in ERROR_TYPES.values())
TASKS = (
    TaskSpec(
        name="scarecrow_error_type", dataset="Scarecrow", citation="Dou et al. 2022a",
        capability="quality", kind="classification", title="What kind of error is the marked span?",
        description="A news paragraph was continued by a language model and a reader marked a span of the "
        f"continuation as an error. Name its type, one of {_TYPES_TEXT}: language errors (grammar, off-prompt, "
        "redundant, self-contradiction, incoherent), factual errors (bad math, wrong encyclopedic or commonsense "
        "facts), or reader issues (jargon, claims that need a search to check).",
        label_space=tuple(ERROR_TYPES.values()), source=SCARECROW_SOURCE, license="See the repository",
        convert=_error_type,
        notes="Every rater's marks count; a span marked with the same type by several raters appears once.",
    ),
    TaskSpec(
        name="scarecrow_error_explanation", dataset="Scarecrow", citation="Dou et al. 2022a",
        capability="quality", kind="open_ended", title="Explain the error in the marked span.",
        description="A reader marked a span of a model-written news continuation as an error. Give the error's type "
        "and explain in a sentence what is wrong with the span.",
        label_space=None, source=SCARECROW_SOURCE, license="See the repository", convert=_explanation,
    ),
)  # fmt: skip
