"""Judgments of machine-written text (Table 7): Scarecrow (Dou et al. 2022a), where crowd workers mark error
spans in news paragraphs continued by GPT-2 and GPT-3, name each error's type and explain it (two tasks:
classify a marked span, explain it); MAUVE's human evaluation (Pillutla et al. 2021), pairwise comparisons of
web-text continuations on three questions; and LENS's SimpEval ratings of sentence simplifications (Maddela et
al. 2023)."""

from __future__ import annotations

from core.catalog.fields import choice, ident, literal, number, pair, stable_id, text
from core.catalog.spec import Example, RowError, Skip, Source, TaskSpec
from core.data.schema import PAIR_LABELS

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
SCARECROW = (
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

# ---------------------------------------------------------------- MAUVE human evaluation (Pillutla et al. 2021)
MAUVE_SOURCE = Source(
    "archive", "krishnap25/mauve-experiments",
    url="https://drive.usercontent.google.com/download?id=1doC-NjhUlt4YDnK1qm23tyrfbogVlZ29&export=download&confirm=t",
    files=("mauve_human_evaluation.csv",),
)  # fmt: skip
MAUVE_QUESTIONS = {
    "Answer.q1": ("interesting", "more interesting or creative"),
    "Answer.q2": ("sensible", "makes more sense"),
    "Answer.q3": ("human_like", "more likely to be written by a person"),
}
# the authors record ties as "1a" together with "slightly A", so only the definite answers are kept
_MAUVE_ANSWER = {"2a": "a", "2b": "b", "1a": "weak", "1b": "weak"}


def _mauve(field: str):
    def convert(row, task):
        verdict = choice(row, field, _MAUVE_ANSWER)
        if verdict == "weak":
            raise Skip("slight preference or tie (recorded together by the authors)")
        a, b = text(row, "Input.completiona"), text(row, "Input.completionb")
        better, worse = (a, b) if verdict == "a" else (b, a)
        key = f"{ident(row, 'HITId')}-{ident(row, 'WorkerId')}"
        fields, label = pair(task.name, key, better, worse)
        meta = {"models": [row.get("Input.model_a"), row.get("Input.model_b")]}
        yield Example(key, (("context", text(row, "Input.ctx")), *fields), (("choice", label),), meta)

    return convert


MAUVE = tuple(
    TaskSpec(
        name=f"mauve_{name}_pairwise", dataset="MAUVE", citation="Pillutla et al. 2021", capability="quality",
        kind="pairwise", title=f"Which continuation {question}?",
        description=f"Two continuations of the same web-text prompt, written by language models or people. Choose "
        f"'A' or 'B': the continuation that {question}, given the context.",
        label_space=PAIR_LABELS, source=MAUVE_SOURCE, license="See the repository", convert=_mauve(field),
        notes="Crowd-worker answers from the authors' human-evaluation CSV (hosted on Google Drive, saved under "
        "the name listed); only 'definitely A/B' answers are kept, since ties share a code with 'slightly A'.",
    )
    for field, (name, question) in MAUVE_QUESTIONS.items()
)  # fmt: skip

# ---------------------------------------------------------------- LENS / SimpEval (Maddela et al. 2023)


def _simpeval(row, task):
    ratings = [number(row, f"rating_{i}") for i in (1, 2, 3)]
    if not all(0 <= r <= 100 for r in ratings):
        raise RowError("rating_1", f"ratings {ratings} are not all within 0-100")
    mean = sum(ratings) / 3
    original, simplified = text(row, "original"), text(row, "generation")
    key = f"{ident(row, 'original_id')}-{stable_id(simplified, str(row.get('system')))}"
    context = (("original sentence", original), ("simplification", simplified))
    meta = {"mean_rating": mean, "system": row.get("system"), "sentence_type": row.get("sentence_type")}
    yield Example(key, context, (("rating", str(min(5, 1 + int(mean // 20)))),), meta)


LENS = TaskSpec(
    name="lens_simplification_rating", dataset="LENS", citation="Maddela et al. 2023", capability="quality",
    kind="pointwise", title="How good is the simplification of the sentence?",
    description="A complex sentence and a simplified rewrite of it. Rate the simplification from 1 (poor) to 5 "
    "(excellent): it should keep the original meaning, read fluently, and be clearly simpler to understand.",
    label_space=("1", "2", "3", "4", "5"),
    source=Source("github", "Yao-Dou/LENS", files=("data/simpeval_2022.csv",)), license="See the repository",
    convert=_simpeval,
    notes="SimpEval_2022: three annotators rate each simplification on 0-100; the mean maps to five equal bins "
    "(0-19 -> 1, ..., 80-100 -> 5).",
)  # fmt: skip

TASKS = (*SCARECROW, *MAUVE, LENS)
