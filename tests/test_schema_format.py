import json

import pytest

from core.data.formats import render, render_target, swap
from core.data.schema import Record, RecordError, read_jsonl, validate, write_jsonl


def _pair(label="A"):
    return Record(
        task="t",
        split="train",
        example_id="t-1",
        kind="pairwise",
        capability="quality",
        title="Which response is better?",
        description="Answer A or B.",
        context=(("question", "List 2 fruits."), ("response A", "apple, pear."), ("response B", "apple.")),
        target=(("choice", label),),
        label_space=("A", "B"),
        meta={"subset": "s"},
    )


def test_render_matches_paper_layout():
    inputs, target = render(_pair())
    assert inputs == (
        "INSTRUCTIONS:\ntitle: Which response is better?\ndescription: Answer A or B.\noutput_fields: choice\n"
        "CONTEXT:\nquestion: List 2 fruits.\nresponse A: apple, pear.\nresponse B: apple.\nEVALUATION:\n"
    )
    assert target == "choice: A"


def test_render_target_replaces_first_field_for_scoring():
    r = _pair().replace(
        target=(("answer", "yes"), ("explanation", "because")), kind="open_ended", label_space=None
    )
    assert render_target(r) == "answer: yes\nexplanation: because"
    assert render_target(r, "no", first_field_only=True) == "answer: no"


def test_swap_exchanges_responses_and_remaps_label():
    r = _pair("A")
    s = swap(r)
    assert s.field("response A") == r.field("response B") and s.field("response B") == r.field("response A")
    assert s.label == "B" and s.meta["swapped"] is True
    assert swap(s).context == r.context and swap(s).label == "A"
    with pytest.raises(ValueError, match="pairwise"):
        swap(r.replace(kind="classification", label_space=("yes", "no"), target=(("answer", "yes"),)))


def test_validation_rejects_bad_records():
    with pytest.raises(RecordError, match="label 'C'"):
        validate(_pair("C"))
    with pytest.raises(RecordError, match="capability"):
        validate(_pair().replace(capability="vibes"))
    with pytest.raises(RecordError, match="response B"):
        validate(_pair().replace(context=(("question", "q"), ("response A", "a"))))


def test_jsonl_round_trip_and_errors_name_file_line_field(tmp_path):
    path = tmp_path / "recs.jsonl"
    write_jsonl(path, [_pair("A"), _pair("B").replace(example_id="t-2")])
    back = read_jsonl(path)
    assert back[0] == _pair("A") and back[1].label == "B"
    lines = path.read_text().splitlines()
    bad = json.loads(lines[1])
    bad["kind"] = "ranking"
    path.write_text(lines[0] + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(RecordError, match=r"recs\.jsonl:2: field 'kind'"):
        read_jsonl(path)
    path.write_text(lines[0] + "\n{not json\n")
    with pytest.raises(RecordError, match=r"recs\.jsonl:2: not valid JSON"):
        read_jsonl(path)
    obj = json.loads(lines[0])
    del obj["target"]
    path.write_text(json.dumps(obj) + "\n")
    with pytest.raises(RecordError, match=r"recs\.jsonl:1: missing field 'target'"):
        read_jsonl(path)
