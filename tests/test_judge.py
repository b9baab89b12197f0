"""The judge command: input validation (every malformed line named before judging), decisions that do not
depend on which response comes first, pass-through fields, and resuming an interrupted output."""

import json

import pytest
from flax import nnx

from core.eval.judge import JudgeInputError, decide, judge_file, main, read_requests, request_record
from core.eval.judge_output import JudgedOutput, file_sha256
from core.eval.scoring import LoglikScorer
from core.modeling import Decoder, preset

GOOD = [
    {
        "id": 1,
        "instruction": "List three fruits.",
        "response_a": "apple, pear, plum",
        "response_b": "apple",
        "source": "mine",
    },
    {"id": "p1", "instruction": "Name a color.", "response": "Blue.", "scale": [1, 5]},
    {
        "id": "c1",
        "instruction": "Supported?",
        "context": "Ann won in 2010.",
        "labels": ["Yes", "No", "Unsure"],
    },
]


def _write(path, rows, raw=()):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "".join(raw))
    return path


@pytest.mark.parametrize(
    "line, why",
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"instruction": "x", "response_a": "a", "response_b": "b"}', "field 'id'"),
        ('{"id": 1, "instruction": "x", "response_a": "a"}', "no layout matched"),
        (
            '{"id": 1, "instruction": "x", "response_a": "a", "response_b": "b", "response": "r", "scale": [1, 2]}',
            "several layouts",
        ),
        ('{"id": 1, "instruction": "", "response_a": "a", "response_b": "b"}', "field 'instruction'"),
        ('{"id": 1, "instruction": "x", "response": "r", "scale": [5, 1]}', "field 'scale'"),
        ('{"id": 1, "instruction": "x", "response": "r", "scale": [1, 2.5]}', "field 'scale'"),
        ('{"id": 1, "instruction": "x", "context": "c", "labels": ["yes"]}', "field 'labels'"),
        ('{"id": 1, "instruction": "x", "context": "c", "labels": ["a", "a"]}', "field 'labels'"),
    ],
)
def test_every_malformed_line_is_named_with_its_number(tmp_path, line, why):
    path = _write(tmp_path / "in.jsonl", GOOD, raw=[line + "\n"])
    with pytest.raises(JudgeInputError, match=rf"in.jsonl:4: .*{why}"):
        read_requests(path)


def test_repeated_ids_and_empty_files_are_rejected(tmp_path):
    with pytest.raises(JudgeInputError, match="id '1' repeats line 1"):
        read_requests(_write(tmp_path / "in.jsonl", [GOOD[0], GOOD[0]]))
    with pytest.raises(JudgeInputError, match="no requests"):
        read_requests(_write(tmp_path / "empty.jsonl", [], raw=["\n"]))


def test_requests_become_records_with_their_label_spaces():
    kinds = [(r.kind, r.label_space) for r in (request_record(o, "x") for o in GOOD)]
    assert kinds == [
        ("pairwise", ("A", "B")),
        ("pointwise", ("1", "2", "3", "4", "5")),
        ("classification", ("Yes", "No", "Unsure")),
    ]


@pytest.fixture(scope="module")
def model_and_tok(small_tokenizer):
    return Decoder(preset("test", small_tokenizer.vocab_size), nnx.Rngs(params=3)), small_tokenizer


def test_pairwise_decisions_do_not_depend_on_the_order_shown(model_and_tok):
    model, tok = model_and_tok
    scorer = LoglikScorer(model, tok, 224, 16, progress=False)
    flipped = {**GOOD[0], "response_a": GOOD[0]["response_b"], "response_b": GOOD[0]["response_a"]}
    (d1, p1), (d2, p2) = decide(scorer, [request_record(GOOD[0], "x"), request_record(flipped, "y")])
    assert p1["A"] == pytest.approx(p2["B"], abs=1e-5) and {d1, d2} == {"A", "B"}
    assert sum(p1.values()) == pytest.approx(1.0)


def _judge(model_and_tok, requests, input_path, out, **kw):
    """``judge_file`` on an output opened (or resumed) for ``input_path``."""
    with JudgedOutput(out, input_path, {"input_sha256": file_sha256(input_path)}, resume=True) as output:
        return judge_file(*model_and_tok, requests, output, progress=False, **kw)


def test_judging_appends_passes_fields_through_and_resumes(tmp_path, model_and_tok):
    path = _write(tmp_path / "in.jsonl", GOOD)
    requests, out = read_requests(path), tmp_path / "out.jsonl"
    assert _judge(model_and_tok, requests[:2], path, out, batch_size=1, max_input=224) == 2
    before = out.read_bytes()
    with out.open("a") as f:
        f.write('{"id": "c1", "decis')  # an interrupted write
    assert _judge(model_and_tok, requests, path, out, batch_size=2, max_input=224) == 1
    assert out.read_bytes().startswith(before)  # only the cut bytes were replaced
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [1, "p1", "c1"] and rows[0]["source"] == "mine"
    assert rows[1]["decision"] in {"1", "2", "3", "4", "5"} and set(rows[2]["probabilities"]) == {
        "Yes",
        "No",
        "Unsure",
    }
    assert _judge(model_and_tok, requests, path, out) == 0  # nothing judged twice


def test_over_long_requests_are_shortened_and_flagged(tmp_path, model_and_tok):
    long = {
        "id": "long",
        "instruction": "Which is better?",
        "response_a": "apple pear plum " * 80,
        "response_b": "apple",
    }
    path = _write(tmp_path / "in.jsonl", [GOOD[2], long])
    out = tmp_path / "out.jsonl"
    assert _judge(model_and_tok, read_requests(path), path, out, batch_size=2, max_input=96) == 2
    flags = {r["id"]: r["truncated"] for r in map(json.loads, out.read_text().splitlines())}
    assert flags == {"c1": False, "long": True}


def test_command_exits_non_zero_before_loading_a_model_on_bad_input(tmp_path, capsys):
    bad = _write(tmp_path / "bad.jsonl", GOOD, raw=['{"id": 9}\n'])
    assert main(["--model", "nope", "--input", str(bad), "--output", str(tmp_path / "o.jsonl")]) == 2
    assert "bad.jsonl:4" in capsys.readouterr().err
    good = _write(tmp_path / "good.jsonl", GOOD)
    assert (
        main(
            [
                "--model",
                str(tmp_path / "missing"),
                "--input",
                str(good),
                "--output",
                str(tmp_path / "o.jsonl"),
            ]
        )
        == 2
    )
    assert "no model folder" in capsys.readouterr().err
