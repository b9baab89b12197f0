"""Converters for the span-, fact- and summary-level annotations (Fine-grained RLHF, CREPE, Validity LFQA,
FActScore, InstruSum, SEAHORSE, Scarecrow, CxC) on rows written in each source's published schema, and the
archive sources (zip members, digest pinning, member paths)."""

import hashlib
import io
import json
import zipfile
from collections import Counter

import pytest

from core.catalog import get
from core.catalog.download import download, extract_members, source_files
from core.catalog.prepare import convert_task
from core.catalog.spec import Source
from core.data.schema import validate

_ANSWERS = [
    "Bloom came out in 2018.",
    "Bloom came out in August 2018.",
    "It is an album.",
    "Bloom is by Troye.",
]
_FG_ROW = {
    "question": "When does Bloom come out?",
    "passages": [["Bloom (album)", "Bloom is the second album by Troye Sivan.", "It was released in August 2018."]],
    "gold": "August 31, 2018.",
    **{f"prediction {i + 1}": a for i, a in enumerate(_ANSWERS)},
    "feedback": {
        "errors": [{"error type": "Irrelevant", "explanation": "", "start": 0, "end": 5},
                   {"error type": "Redundant", "explanation": "Bloom", "start": 6, "end": 10}],
        "missing-info": [], "corrected-prediction": "Bloom came out in August 2018.",
    },
    "preference": [2, 1, 0, 1, 1, 0],
}  # fmt: skip
_SCARECROW_ROW = {
    "gid": "g7", "model": "gpt3", "p": "0.96", "temperature": "1", "frequency_penalty": "0",
    "prompt": "Officials said the bridge will reopen.",
    "generation": "The bridge, built in 1990, is 3 miles long and 5 km long.",
    "responses": str([
        [["Self-contradiction", "3 miles_SEP_ not 5 km", 2, 30, 51, [12, 25]]],
        [["Self-contradiction", "lengths disagree", 3, 30, 51, []], ["Needs_Google", "", 1, 12, 25, []]],
    ]),
}  # fmt: skip
_CREPE = [
    {"id": "c1", "question": "Why do cats hate water?", "comment": "Many cats like water.",
     "labels": ["false_presupposition"], "presuppositions": ["All cats hate water."],
     "corrections": ["Many cats like water."], "passages": []},
    {"id": "c2", "question": "How do tides work?", "comment": "The moon pulls.", "labels": ["normal"],
     "presuppositions": [], "corrections": [], "passages": []},
    {"id": "c3", "question": "Why is the sky green?", "comment": "It is blue.",
     "labels": ["false_presupposition", "normal"], "presuppositions": [], "corrections": [], "passages": []},
    {"id": "c4", "question": "Why?", "comment": "x", "labels": ["maybe"], "presuppositions": [], "corrections": []},
]  # fmt: skip
_LFQA = [
    {"dataset": "ELI5", "q_id": "q1", "a_id": "a1", "question": "What do business people do all day?",
     "answer_paragraph": "Drink coffee.", "answer_sentences": ["Drink coffee."], "is_valid": False,
     "invalid_reason": [["no_valid_answer", "nonsensical_question"], ["no_valid_answer"], ["no_valid_answer"]]},
    {"dataset": "NQ", "q_id": "q2", "a_id": "1", "question": "Why is the sea salty?",
     "answer_paragraph": "Rivers carry minerals.", "answer_sentences": [], "is_valid": True, "invalid_reason": []},
]  # fmt: skip
_FACTSCORE = [
    {"input": "Tell me a bio of Ann Lee.", "output": "Ann Lee is a chemist.", "topic": "Ann Lee", "cat": [],
     "annotations": [{"text": "Ann Lee is a chemist born in Oslo.", "is-relevant": True,
                      "human-atomic-facts": [{"text": "Ann Lee is a chemist.", "label": "S"},
                                             {"text": "Ann Lee was born in Oslo.", "label": "NS"}]},
                     {"text": "She likes it.", "is-relevant": False, "human-atomic-facts": None}]},
    {"input": "Tell me a bio of Bob.", "output": "", "topic": "Bob", "cat": [], "annotations": None},
    {"input": "Tell me a bio of Cy.", "output": "Cy.", "topic": "Cy", "cat": [],
     "annotations": [{"text": "Cy.", "human-atomic-facts": [{"text": "Cy exists.", "label": "maybe"}]}]},
]  # fmt: skip
_SEAHORSE = [
    {"gem_id": "xlsum_english-validation-1", "worker_lang": "en-US", "summary": "Schools urged to restart trips.",
     "model": "t5_base", **{f"question{i}": "Yes" for i in range(1, 7)}},
    {"gem_id": "mlsum_de-train-2", "worker_lang": "de", "summary": "xx", "model": "mt5",
     "question1": "No", **{f"question{i}": "" for i in range(2, 7)}},
    {"gem_id": "xsum-train-3", "worker_lang": "en-US", "summary": "Short.", "model": "t5_xxl",
     "question1": "Yes", "question2": "Maybe", "question3": "No", "question4": "No", "question5": "No",
     "question6": "No"},
]  # fmt: skip

# task -> (rows, expected labels (first target field), filtered reasons, quarantined fields)
CASES = {
    "fine_grained_rlhf_preference": (
        [_FG_ROW], [_ANSWERS[1], _ANSWERS[0], _ANSWERS[1], _ANSWERS[1]],
        {"no preference between the two answers": 2}, [],
    ),
    "fine_grained_rlhf_error_type": ([_FG_ROW], ["Irrelevant", "Redundant"], {}, []),
    "crepe_presupposition_detection": (
        _CREPE, ["false presupposition", "normal"], {"annotators disagree": 1}, ["labels"],
    ),
    "crepe_presupposition_correction": (
        _CREPE, ["All cats hate water."], {"no false presupposition to correct": 1, "annotators disagree": 1},
        ["labels"],
    ),
    "lfqa_validity": (_LFQA, ["invalid", "valid"], {}, []),
    "lfqa_invalid_reason": (
        _LFQA, ["Invalid: the paragraph does not answer the question."], {"valid pair: no reason to explain": 1}, [],
    ),
    "factscore_atomic_fact": (
        _FACTSCORE, ["supported", "not supported"],
        {"the model gave no biography (abstained)": 1, "sentence without atomic facts": 1}, ["label"],
    ),
    "instrusum_overall_pairwise": (
        [{"doc_id": 4, "article": "The council met on Monday.", "requirement": "Summarize the decision.",
          "output_1": "The council decided to build a park.", "output_2": "A meeting happened.",
          "sys_1": "gpt-4-0314", "sys_2": "text-davinci-002", "score_1": 1, "score_2": 3, "winner": 1},
         {"doc_id": 5, "article": "a", "requirement": "r", "output_1": "x", "output_2": "y", "winner": "tie"}],
        ["The council decided to build a park."], {}, ["winner"],
    ),
    "seahorse_comprehensible": (_SEAHORSE, ["Yes", "No", "Yes"], {}, []),
    "seahorse_repetition": (
        _SEAHORSE, ["Yes"], {"incomprehensible summary: later questions are unanswered": 1}, ["question2"],
    ),
    "seahorse_grammar": (_SEAHORSE, ["Yes", "No"], {"incomprehensible summary: later questions are unanswered": 1}, []),
    "scarecrow_error_type": (
        [_SCARECROW_ROW], ["self-contradiction", "needs google"], {"empty span or the same mark from another rater": 1}, [],
    ),
    "hurdles_lfqa_preference": (
        [{"question": "Why do we yawn?", "answer_a": "Nobody knows.", "answer_b": "It cools the brain.",
          "answer_a_type": "human", "answer_b_type": "rt_p0.6", "overall_preference": 1},
         {"question": "q", "answer_a": "a", "answer_b": "b", "overall_preference": 2}],
        ["It cools the brain."], {}, ["overall_preference"],
    ),
    "mauve_sensible_pairwise": (
        [{"HITId": "1", "WorkerId": "w", "Input.ctx": "The storm hit the coast.", "Input.model_a": "gpt2-xl",
          "Input.completiona": "Roofs were torn off.", "Input.model_b": "human", "Input.completionb": "Cats fly.",
          "Answer.q1": "1b", "Answer.q2": "2a", "Answer.q3": "1a"},
         {"HITId": "2", "WorkerId": "w", "Input.ctx": "c", "Input.completiona": "x", "Input.completionb": "y",
          "Answer.q2": "1a"},
         {"HITId": "3", "WorkerId": "w", "Input.ctx": "c", "Input.completiona": "x", "Input.completionb": "y",
          "Answer.q2": "A"}],
        ["Roofs were torn off."], {"slight preference or tie (recorded together by the authors)": 1}, ["Answer.q2"],
    ),
    "lens_simplification_rating": (
        [{"original_id": "7", "original": "After defeating the candidate by a landslide, he won.",
          "generation": "He won easily.", "system": "Human 1 Writing", "sentence_type": "Deletions",
          "rating_1": "95.0", "rating_2": "80.0", "rating_3": "100.0"},
         {"original_id": "8", "original": "o", "generation": "g", "system": "s", "rating_1": "10", "rating_2": "0",
          "rating_3": "30"},
         {"original_id": "9", "original": "o", "generation": "g", "system": "s", "rating_1": "120", "rating_2": "0",
          "rating_3": "30"}],
        ["5", "1"], {}, ["rating_1"],
    ),
    "scarecrow_error_explanation": (
        [_SCARECROW_ROW], ["self-contradiction", "self-contradiction"], {"mark without span text or explanation": 1}, [],
    ),
}  # fmt: skip


def convert_rows(tmp_path, name, rows, documents=(), filename=None):
    """Records, quarantined rows and left-out counts of catalog task ``name`` on ``rows`` written as JSONL."""
    path = tmp_path / (filename or f"{name}.jsonl")
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    counts = Counter()
    records, bad = convert_task(get(name), [path], tmp_path, counts, list(documents))
    for r in records:
        validate(r)
    return records, bad, counts


@pytest.mark.parametrize("name", sorted(CASES))
def test_converter_on_published_schema(tmp_path, name):
    rows, labels, filtered, bad_fields = CASES[name]
    records, bad, counts = convert_rows(tmp_path, name, rows)
    got = [r.field(f"response {r.label}") if r.kind == "pairwise" else r.target[0][1] for r in records]
    assert got == labels
    assert dict(counts) == filtered
    assert [b["field"] for b in bad] == bad_fields


def test_span_tasks_quote_the_marked_text_and_unescape_explanations(tmp_path):
    records, _, _ = convert_rows(tmp_path, "fine_grained_rlhf_error_type", [_FG_ROW])
    assert [r.field("span") for r in records] == ["Bloom", "came"]
    records, _, _ = convert_rows(tmp_path, "scarecrow_error_explanation", [_SCARECROW_ROW])
    assert records[0].field("span") == "3 miles long and 5 km"
    assert dict(records[0].target)["explanation"] == "3 miles, not 5 km"


def test_span_outside_the_text_is_quarantined(tmp_path):
    row = {**_FG_ROW, "feedback": {**_FG_ROW["feedback"], "errors": [
        {"error type": "Irrelevant", "explanation": "", "start": 5, "end": 999}]}}  # fmt: skip
    _, bad, _ = convert_rows(tmp_path, "fine_grained_rlhf_error_type", [row])
    assert bad[0]["field"] == "feedback.errors" and "outside the answer" in bad[0]["error"]


def test_seahorse_article_questions_join_gem_xsum(tmp_path):
    docs = tmp_path / "gem.jsonl"
    docs.write_text(
        json.dumps({"gem_id": "xsum-train-3", "document": "A short article.", "target": "-"}) + "\n"
    )
    records, bad, counts = convert_rows(tmp_path, "seahorse_attribution", _SEAHORSE, [docs])
    assert [(r.field("article"), r.label) for r in records] == [("A short article.", "No")]
    assert counts == {"article not joined (only GEM XSum articles are fetched)": 1,
                      "incomprehensible summary: later questions are unanswered": 1}  # fmt: skip
    missing = [{**_SEAHORSE[2], "gem_id": "xsum-train-404"}]
    _, bad, _ = convert_rows(tmp_path, "seahorse_attribution", missing, [docs])
    assert bad[0]["field"] == "gem_id"


def test_cxc_joins_both_captions_by_karpathy_sentence_id(tmp_path):
    rows = [
        {"caption1": "COCO_val2014:sentid:11", "caption2": "COCO_val2014:sentid:12", "agg_score": "4.6",
         "sampling_method": "c2c_cocaption"},
        {"caption1": "COCO_val2014:sentid:11", "caption2": "COCO_val2014:sentid:99", "agg_score": "1.2",
         "sampling_method": "c2c_isim"},
        {"caption1": "COCO_val2014:sentid:12", "caption2": "COCO_val2014:sentid:11", "agg_score": "7",
         "sampling_method": "c2c_isim"},
    ]  # fmt: skip
    coco = tmp_path / "validation.jsonl"
    coco.write_text(json.dumps({"filename": "x.jpg", "sentids": [11, 12, 13],
                                "sentences": ["A dog runs.", "A dog is running.", "Grass."]}) + "\n")  # fmt: skip
    records, bad, _ = convert_rows(tmp_path, "cxc_caption_similarity", rows, [coco])
    assert [(r.field("caption 1"), r.field("caption 2"), r.label) for r in records] == [
        ("A dog runs.", "A dog is running.", "5")
    ]
    assert [b["field"] for b in bad] == ["caption2", "agg_score"]


def _zip(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, body in members.items():
            z.writestr(name, body)
    return buf.getvalue()


def test_archive_sources_extract_pinned_members_where_prepare_reads_them(tmp_path):
    blob = _zip({"labeled_data/train.jsonl": "{}\n", "labeled_data/dev.jsonl": "{}\n", "other.txt": "x"})
    task = get("crepe_presupposition_detection")
    calls = []
    fetched = download([task], tmp_path, fetch_url=lambda url: calls.append(url) or blob)
    assert fetched == source_files(task.source, tmp_path) and all(p.exists() for p in fetched)
    assert calls == [task.source.url]
    assert download([task], tmp_path, fetch_url=lambda url: pytest.fail("fetched twice")) == []
    pinned = Source("archive", "x/y", url="https://example.org/a.zip", files=("labeled_data/train.jsonl",),
                    sha256=hashlib.sha256(blob).hexdigest())  # fmt: skip
    assert extract_members(pinned, blob, tmp_path / "ok")[0].read_text() == "{}\n"
    with pytest.raises(ValueError, match="sha256 differs"):
        extract_members(Source("archive", "x/y", url="u", files=("a",), sha256="0" * 64), blob, tmp_path)
    with pytest.raises(FileNotFoundError, match="no member 'missing.tsv'"):
        extract_members(Source("archive", "x/y", url="u", files=("missing.tsv",)), blob, tmp_path)
    evil = _zip({"../escape.txt": "x"})
    with pytest.raises(ValueError, match="would leave the raw folder"):
        extract_members(Source("archive", "x/y", url="u", files=("../escape.txt",)), evil, tmp_path / "e")
    with pytest.raises(ValueError, match="names its url"):
        Source("archive", "x/y", files=("a",))
    single = Source("archive", "x/y", url="https://example.org/file.csv", files=("ratings.csv",))
    assert extract_members(single, b"a,b\n1,2\n", tmp_path / "one")[0].read_text() == "a,b\n1,2\n"
    with pytest.raises(ValueError, match="neither a zip nor a tar"):
        extract_members(Source("archive", "x/y", url="u", files=("a", "b")), b"plain", tmp_path / "two")
