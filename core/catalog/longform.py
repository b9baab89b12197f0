"""Long-form question answering and generation judged by people (Table 7): Fine-grained RLHF's span errors and
preferences over ASQA answers, CREPE's false presuppositions in ELI5 questions, the validity of long-form QA
pairs (Xu et al. 2022), and FActScore's supported / unsupported atomic facts in generated biographies."""

from __future__ import annotations

from collections import Counter

from core.catalog.eval_suites import lfqa_preference
from core.catalog.fields import choice, ident, literal, pair, stable_id, text
from core.catalog.spec import Example, RowError, Skip, Source, TaskSpec
from core.data.schema import PAIR_LABELS

# ---------------------------------------------------------------- Fine-grained RLHF (Wu et al. 2023b)
FG_RLHF = Source(
    "github",
    "allenai/FineGrainedRLHF",
    files=("tasks/qa_feedback/data/train_feedback.json", "tasks/qa_feedback/data/dev_feedback.json"),
)
FG_ERRORS = ("Irrelevant", "Redundant", "Wrong-Grounding", "Unverifiable", "Incoherent")
_FG_PAIRS = ((1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4))  # the order of the published `preference` list


def _passages(row) -> str:
    """The grounding passages as the annotators saw them: each a title and its sentences."""
    passages = row.get("passages")
    if not isinstance(passages, list) or not all(
        isinstance(p, list) and p and all(isinstance(s, str) for s in p) for p in passages
    ):
        raise RowError("passages", "expected a list of [title, sentence, ...] lists")
    return "\n\n".join(f"{p[0].strip()}: " + " ".join(s.strip() for s in p[1:]) for p in passages)


def _fg_preference(row, task):
    question, passages = text(row, "question"), _passages(row)
    prefs = row.get("preference")
    if not isinstance(prefs, list) or len(prefs) != len(_FG_PAIRS):
        raise RowError("preference", f"expected {len(_FG_PAIRS)} pairwise judgments, got {prefs!r}")
    for (i, j), pref in zip(_FG_PAIRS, prefs):
        winner = choice({"preference": pref}, "preference", {0: 0, 1: i, 2: j})
        if winner == 0:
            yield Skip("no preference between the two answers")
            continue
        loser = j if winner == i else i
        better, worse = text(row, f"prediction {winner}"), text(row, f"prediction {loser}")
        if better == worse:
            yield Skip("identical answers")
            continue
        key = stable_id(question, better, worse)
        fields, label = pair(task.name, key, better, worse)
        yield Example(key, (("passages", passages), ("question", question), *fields), (("choice", label),))


def _fg_error_type(row, task):
    question, answer = text(row, "question"), text(row, "prediction 1")
    feedback = row.get("feedback")
    if not isinstance(feedback, dict) or not isinstance(feedback.get("errors"), list):
        raise RowError("feedback", "expected an object with an 'errors' list")
    if not feedback["errors"]:
        raise Skip("no span errors marked")
    raw = row["prediction 1"]  # span offsets index the text as published, before stripping
    for err in feedback["errors"]:
        kind = choice(err, "error type", {e: e for e in FG_ERRORS})
        start, end = err.get("start"), err.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(raw)):
            raise RowError(
                "feedback.errors", f"span {start}..{end} lies outside the answer ({len(raw)} chars)"
            )
        span = raw[start:end].strip()
        if not span:
            yield Skip("empty error span")
            continue
        key = stable_id(question, answer, str(start), str(end))
        context = (("passages", _passages(row)), ("question", question), ("answer", answer), ("span", span))
        yield Example(key, context, (("error type", kind),))


FINE_GRAINED_RLHF = (
    TaskSpec(
        name="fine_grained_rlhf_preference", dataset="Fine-grained RLHF", citation="Wu et al. 2023b",
        capability="quality", kind="pairwise", title="Which answer to the question is better?",
        description="Two answers respond to the same question, with Wikipedia passages to ground them. Choose 'A' "
        "or 'B': the answer annotators preferred, i.e. the one that answers more completely and accurately from the "
        "passages without irrelevant, repeated or unsupported content.",
        label_space=PAIR_LABELS, source=FG_RLHF, license="Apache-2.0 (code and data); ASQA passages from Wikipedia",
        convert=_fg_preference,
        notes="The published preference list compares the four sampled answers in the order 1-2, 1-3, 1-4, 2-3, "
        "2-4, 3-4; ties (0) are left out.",
    ),
    TaskSpec(
        name="fine_grained_rlhf_error_type", dataset="Fine-grained RLHF", citation="Wu et al. 2023b",
        capability="quality", kind="classification", title="What kind of error is the highlighted span?",
        description="An annotator highlighted a span of an answer as an error. Classify it: 'Irrelevant' (off the "
        "question), 'Redundant' (repeats earlier content), 'Wrong-Grounding' (contradicts the passages), "
        "'Unverifiable' (not supported by the passages) or 'Incoherent' (does not make sense in context).",
        label_space=FG_ERRORS, source=FG_RLHF, license="Apache-2.0 (code and data); ASQA passages from Wikipedia",
        convert=_fg_error_type,
        notes="Span errors exist only for the first sampled answer ('prediction 1'), as published.",
    ),
)  # fmt: skip

# ---------------------------------------------------------------- CREPE (Yu et al. 2023)
CREPE_SOURCE = Source(
    "archive", "velocityCavalry/CREPE",
    url="https://drive.usercontent.google.com/download?id=1mGzc1xmz7mHf90sI8zns0XZvNwHoHRBg&export=download&confirm=t",
    files=("labeled_data/train.jsonl", "labeled_data/dev.jsonl"),
)  # fmt: skip
_CREPE_LABELS = {"normal": "normal", "false_presupposition": "false presupposition"}


def _crepe_label(row) -> str:
    labels = row.get("labels")
    if not isinstance(labels, list) or not labels:
        raise RowError("labels", f"expected a non-empty list, got {labels!r}")
    mapped = {choice({"labels": x}, "labels", _CREPE_LABELS) for x in labels}
    if len(mapped) > 1:
        raise Skip("annotators disagree")
    return mapped.pop()


def _crepe_detection(row, task):
    label = _crepe_label(row)
    context = (("question", text(row, "question")), ("top comment", text(row, "comment")))
    yield Example(ident(row, "id"), context, (("label", label),))


def _crepe_correction(row, task):
    if _crepe_label(row) == "normal":
        raise Skip("no false presupposition to correct")
    pres, corr = row.get("presuppositions"), row.get("corrections")
    if not (isinstance(pres, list) and pres and all(isinstance(p, str) and p.strip() for p in pres)):
        raise RowError("presuppositions", "a false-presupposition question lists its presuppositions")
    if not (isinstance(corr, list) and corr and all(isinstance(c, str) and c.strip() for c in corr)):
        raise RowError("corrections", "a false-presupposition question lists its corrections")
    context = (("question", text(row, "question")), ("top comment", text(row, "comment")))
    target = (("false presupposition", " ".join(p.strip() for p in pres)),
              ("correction", " ".join(c.strip() for c in corr)))  # fmt: skip
    yield Example(ident(row, "id"), context, target)


CREPE = (
    TaskSpec(
        name="crepe_presupposition_detection", dataset="CREPE", citation="Yu et al. 2023",
        capability="quality", kind="classification", title="Does the question rest on a false presupposition?",
        description="A Reddit ELI5 question and its most upvoted comment. Answer 'false presupposition' if the "
        "question assumes something that is not true (the comment usually points it out), or 'normal' otherwise.",
        label_space=("normal", "false presupposition"), source=CREPE_SOURCE, license="CC-BY-SA-4.0 (see the "
        "repository); questions from ELI5 / Reddit", convert=_crepe_detection,
        notes="Questions whose annotators disagreed (labels [false_presupposition, normal], training data only) "
        "are left out.",
    ),
    TaskSpec(
        name="crepe_presupposition_correction", dataset="CREPE", citation="Yu et al. 2023",
        capability="quality", kind="open_ended", title="State the false presupposition and correct it.",
        description="The question rests on a false presupposition. Write the presupposition the question wrongly "
        "makes, then a correction of it, using the comment as evidence.",
        label_space=None, source=CREPE_SOURCE, license="CC-BY-SA-4.0 (see the repository); questions from ELI5",
        convert=_crepe_correction,
    ),
)  # fmt: skip

# ---------------------------------------------------------------- Validity of long-form QA (Xu et al. 2022)
LFQA_DISCOURSE = Source("github", "utcsnlp/lfqa_discourse", files=("data/validity_annotation.jsonl",))
_INVALID = {
    "no_valid_answer": "the paragraph does not answer the question",
    "nonsensical_question": "the question is nonsensical",
    "assumptions_rejected": "the answer rejects the question's assumptions",
    "multiple_questions": "the question asks several things at once",
}


def _lfqa_context(row):
    return (("question", text(row, "question")), ("answer", text(row, "answer_paragraph")))


def _lfqa_key(row) -> str:
    return f"{ident(row, 'dataset')}-{ident(row, 'q_id')}-{ident(row, 'a_id')}"


def _lfqa_valid(row) -> bool:
    return choice(row, "is_valid", {True: True, False: False, "True": True, "False": False})


def _lfqa_validity(row, task):
    label = "valid" if _lfqa_valid(row) else "invalid"
    yield Example(_lfqa_key(row), _lfqa_context(row), (("label", label),), {"source": row.get("dataset")})


def _lfqa_reasons(row, task):
    if _lfqa_valid(row):
        raise Skip("valid pair: no reason to explain")
    per_annotator = literal(row, "invalid_reason")
    if not isinstance(per_annotator, list) or not all(isinstance(r, list) for r in per_annotator):
        raise RowError("invalid_reason", "expected one list of reasons per annotator")
    votes = Counter(choice({"invalid_reason": r}, "invalid_reason", {k: k for k in _INVALID})
                    for reasons in per_annotator for r in reasons)  # fmt: skip
    if not votes:
        raise RowError("invalid_reason", "an invalid pair names no reason")
    top = max(votes.values())
    chosen = [r for r in _INVALID if votes[r] == top]
    explanation = "Invalid: " + "; ".join(_INVALID[r] for r in chosen) + "."
    yield Example(_lfqa_key(row), _lfqa_context(row), (("explanation", explanation),))


VALIDITY_LFQA = (
    TaskSpec(
        name="lfqa_validity", dataset="Validity LFQA", citation="Xu et al. 2022",
        capability="quality", kind="classification", title="Is this a valid question-answer pair?",
        description="A question and a long-form answer paragraph (from ELI5, Natural Questions, WebGPT or a model). "
        "Answer 'valid' if the question makes sense and the paragraph actually answers it, or 'invalid' if the "
        "paragraph gives no valid answer, the question is nonsensical, the answer rejects the question's "
        "assumptions, or the question bundles several questions.",
        label_space=("valid", "invalid"), source=LFQA_DISCOURSE, license="CC-BY-SA-4.0", convert=_lfqa_validity,
    ),
    TaskSpec(
        name="lfqa_invalid_reason", dataset="Validity LFQA", citation="Xu et al. 2022",
        capability="quality", kind="open_ended", title="Why is this question-answer pair invalid?",
        description="The question-answer pair is invalid. Explain why: the paragraph gives no valid answer, the "
        "question is nonsensical, the answer rejects the question's assumptions, or it asks several questions.",
        label_space=None, source=LFQA_DISCOURSE, license="CC-BY-SA-4.0", convert=_lfqa_reasons,
        notes="The explanation lists the reasons most annotators chose (ties listed together).",
    ),
)  # fmt: skip

# ---------------------------------------------------------------- FActScore (Min et al. 2023)
FACTSCORE_SOURCE = Source(
    "archive", "shmsw25/FActScore",
    url="https://drive.usercontent.google.com/download?id=1enz1PxwxeMr4FRF9dtpCPXaZQCBejuVF&export=download&confirm=t",
    files=("data/labeled/InstructGPT.jsonl", "data/labeled/ChatGPT.jsonl", "data/labeled/PerplexityAI.jsonl"),
)  # fmt: skip
_FACT_LABELS = {"S": "supported", "NS": "not supported", "IR": "irrelevant"}


def _factscore(row, task):
    topic = text(row, "topic")
    annotations = row.get("annotations")
    if annotations is None:
        raise Skip("the model gave no biography (abstained)")
    if not isinstance(annotations, list):
        raise RowError("annotations", "expected a list of annotated sentences")
    system = row["__file__"].rsplit("/", 1)[-1].removesuffix(".jsonl")
    for i, sent in enumerate(annotations):
        facts = sent.get("human-atomic-facts") if isinstance(sent, dict) else None
        if facts is None:
            yield Skip("sentence without atomic facts")
            continue
        sentence = text(sent, "text")
        for j, fact in enumerate(facts):
            label = choice(fact, "label", _FACT_LABELS)
            context = (("person", topic), ("sentence", sentence), ("fact", text(fact, "text")))
            yield Example(
                f"{system}-{stable_id(topic)}-{i}-{j}", context, (("label", label),), {"system": system}
            )


FACTSCORE = TaskSpec(
    name="factscore_atomic_fact", dataset="FActScore", citation="Min et al. 2023",
    capability="factuality", kind="classification", title="Is the atomic fact about the person supported?",
    description="A sentence from a model-written biography and one atomic fact it states about the person. Using "
    "what is known about the person (their Wikipedia page), answer 'supported' if the fact is true of them, 'not "
    "supported' if it is not, or 'irrelevant' if the fact has nothing to do with the person.",
    label_space=tuple(_FACT_LABELS.values()), source=FACTSCORE_SOURCE, license="MIT",
    convert=_factscore,
    notes="Human labels from the authors' labeled data (InstructGPT, ChatGPT and PerplexityAI biographies); "
    "sentences whose facts were not annotated and abstentions are counted as left out.",
)  # fmt: skip

# ---------------------------------------------------------------- Hurdles LFQA (Krishna et al. 2021)
HURDLES_LFQA = TaskSpec(
    name="hurdles_lfqa_preference", dataset="Hurdles LFQA", citation="Krishna et al. 2021",
    capability="quality", kind="pairwise", title="Which answer to the question is better?",
    description="Two long-form answers to the same ELI5 question (written by people or generated by a retrieval-"
    "augmented model). Choose 'A' or 'B': the answer annotators preferred - it actually answers the question, "
    "correctly and coherently.",
    label_space=PAIR_LABELS,
    source=Source("github", "carriex/lfqa_eval", lfs=True,
                  files=("preference_data/hurldes_pairwise_human_preferences.jsonl",)),
    license="See the repository", convert=lfqa_preference,
    notes="The Hurdles human comparisons as processed by Xu et al. 2023a (same layout as LFQAEval; ties left "
    "out). The file name's spelling is the authors'.",
)  # fmt: skip

TASKS = (*FINE_GRAINED_RLHF, *CREPE, *VALIDITY_LFQA, FACTSCORE, HURDLES_LFQA)
