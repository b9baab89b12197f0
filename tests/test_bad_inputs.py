"""The bad-input corpus: what a careless or hostile user can hand the project, and what must happen. Every case
ends with exit status 2 and one ``error:`` line that names the file (and line), key or flag, and nothing is lost
or half-written: a judge output keeps its bytes, a refused evaluation writes no folder. (Damaged checkpoints and
diverging runs: test_training.py; sandbox attacks: test_sandbox.py.)"""

import fcntl
import gzip
import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from flax import nnx

from core.catalog.readers import read_rows
from core.errors import USER_ERROR
from core.eval.judge import main as judge_main
from core.modeling import Decoder, preset
from core.modeling.io import export_model
from experiments import common

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"
GOOD = [
    {"id": "a", "instruction": "List three fruits.", "response_a": "apple, pear, plum", "response_b": "apple"},
    {"id": "b", "instruction": "Name a color.", "response": "Blue.", "scale": [1, 5]},
]  # fmt: skip
GOOD_TEXT = "".join(json.dumps(r) + "\n" for r in GOOD)


def _model(folder, tok, seed):
    export_model(Decoder(preset("test", tok.vocab_size), nnx.Rngs(seed)), folder,
                 {"data": {"max_input_tokens": 96}}, tok.files())  # fmt: skip
    return folder


@pytest.fixture(scope="module")
def models(small_tokenizer, tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    return _model(root / "m1", small_tokenizer, 0), _model(root / "m2", small_tokenizer, 1)


def _error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


# ------------------------------------------------------------------------------------------- judge input
BAD_LINES = {
    "not json": (b'{"id": "x", "instruction": \n', r"in.jsonl:3: not valid JSON"),
    "invalid utf-8": (b'{"id": "x", "instruction": "caf\xc3(", "response": "r", "scale": [1, 2]}\n',
                      r"in.jsonl:3: not UTF-8"),
    "latin-1 text": ('{"id": "x", "instruction": "café", "response": "r", "scale": [1, 2]}\n'.encode("latin-1"),
                     r"in.jsonl:3: not UTF-8 \(byte 0xe9"),
    "lone surrogate": (b'{"id": "x", "instruction": "\\ud800", "response": "r", "scale": [1, 2]}\n',
                       r"in.jsonl:3: holds a lone surrogate"),
    "missing field": (b'{"id": "x", "response_a": "a", "response_b": "b"}\n', r"in.jsonl:3: .*field 'instruction'"),
    "repeated id": (b'{"id": "a", "instruction": "i", "response": "r", "scale": [1, 2]}\n',
                    r"in.jsonl:3: id 'a' repeats line 1"),
    "json array line": (b"[1, 2]\n", r"in.jsonl:3: expected a JSON object"),
    "scale too wide": (b'{"id": "x", "instruction": "i", "response": "r", "scale": [0, 1000]}\n',
                       r"in.jsonl:3: field 'scale'"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_judge_input_lines(tmp_path, capsys, models, case):
    line, why = BAD_LINES[case]
    src = tmp_path / "in.jsonl"
    src.write_bytes(GOOD_TEXT.encode() + line)
    out = tmp_path / "out.jsonl"
    assert judge_main(["--model", str(models[0]), "--input", str(src), "--output", str(out)]) == USER_ERROR
    assert not out.exists()  # validated before anything was written
    assert re.search(why, _error_line(capsys))


def _judged(tmp_path, models, capsys):
    """A finished judge output for GOOD (and its sidecar)."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(GOOD_TEXT)
    args = ["--model", str(models[0]), "--input", str(src), "--output", str(out), "--no-progress"]
    assert judge_main(args) == 0
    capsys.readouterr()
    return src, out, args


def _resume_cases(tmp_path, models):
    other = tmp_path / "other.jsonl"
    other.write_text(GOOD_TEXT.replace("three", "four"))
    return {
        "different input": (lambda src, out: None, ["--input", str(other)], "judged with a different input_sha256"),
        "different model": (lambda src, out: None, ["--model", str(models[1])], "judged with a different model"),
        "other budget": (lambda src, out: None, ["--max-input-tokens", "64"], "different max_input_tokens"),
        "line without id": (lambda src, out: out.write_text(out.read_text() + '{"decision": "A"}\n'), [],
                            r"out.jsonl:3: not a judged line"),
        "garbage in the middle": (lambda src, out: out.write_text("garbage\n" + out.read_text()), [],
                                  r"out.jsonl:1: not a judged line"),
        "no sidecar": (lambda src, out: out.with_name("out.jsonl.judge.json").unlink(), [],
                       "no out.jsonl.judge.json beside it"),
        "damaged sidecar": (lambda src, out: out.with_name("out.jsonl.judge.json").write_text("{"), [],
                            "out.jsonl.judge.json: not valid JSON"),
    }  # fmt: skip


RESUME_CASES = ["different input", "different model", "other budget", "line without id", "garbage in the middle",
                "no sidecar", "damaged sidecar"]  # fmt: skip


@pytest.mark.parametrize("case", RESUME_CASES)
def test_resume_refuses_what_it_cannot_continue_safely(tmp_path, capsys, models, case):
    src, out, args = _judged(tmp_path, models, capsys)
    damage, extra, why = _resume_cases(tmp_path, models)[case]
    damage(src, out)
    before = out.read_bytes()
    assert judge_main(args + ["--resume"] + extra) == USER_ERROR
    assert re.search(why, _error_line(capsys))
    assert out.read_bytes() == before


def test_output_cases_that_would_lose_or_mix_data(tmp_path, capsys, models):
    src, out, args = _judged(tmp_path, models, capsys)
    before = out.read_bytes()
    cases = [
        (args, f"{out} exists; pass --resume"),
        (args[:-3] + ["--output", str(src), "--no-progress"], "--output is the input file"),
        (args[:-3] + ["--output", str(tmp_path), "--no-progress"], "is a folder; --output must name a file"),
        (args[:2] + ["--input", str(tmp_path)] + args[4:], "is a folder, not a JSON Lines file"),
        (args[:2] + ["--input", str(tmp_path / "nope.jsonl")] + args[4:], "nope.jsonl: no such file"),
        (["--model", str(tmp_path / "no-model")] + args[2:] + ["--resume"], "no-model"),
    ]
    for argv, why in cases:
        assert judge_main(argv) == USER_ERROR, argv
        assert why in _error_line(capsys)
    assert out.read_bytes() == before and src.read_text() == GOOD_TEXT
    with out.open("rb") as held:  # a second run while one is writing
        fcntl.flock(held, fcntl.LOCK_EX)
        assert judge_main(args + ["--resume"]) == USER_ERROR
        assert "another flame-judge run is writing it" in _error_line(capsys)
    assert out.read_bytes() == before


def test_a_foreign_tokenizer_is_refused(tmp_path, capsys, models):
    src, out, args = _judged(tmp_path, models, capsys)
    foreign = tmp_path / "tok.json"
    foreign.write_text((models[0] / "tokenizer.json").read_text().replace('"<pad>"', '"<pad2>"', 1))
    assert judge_main(args[:-3] + ["--output", str(tmp_path / "o2.jsonl"), "--tokenizer", str(foreign)]) == 2
    assert "does not belong to model" in _error_line(capsys)


@pytest.mark.parametrize("flag, value", [("--batch-size", "0"), ("--explain-tokens", "-5"),
                                         ("--max-input-tokens", "0"), ("--batch-size", "two")])  # fmt: skip
def test_judge_flags_out_of_range(tmp_path, capsys, flag, value):
    with pytest.raises(SystemExit) as stop:
        judge_main(["--model", "m", "--input", "i", "--output", str(tmp_path / "o"), flag, value])
    assert stop.value.code == 2 and flag in capsys.readouterr().err and not (tmp_path / "o").exists()


# ------------------------------------------------------------------------------------------------ params
PARAMS = (ROOT / "params.yaml").read_text()
PARAM_CASES = {
    "duplicate key": (PARAMS + "seed: 7\n", r"params.yaml:\d+: key 'seed' repeats line \d+"),
    "zero steps": (PARAMS.replace("steps: 3000", "steps: 0", 1), "key 'train.flame.steps' must be a positive"),
    "negative steps": (PARAMS.replace("steps: 3000", "steps: -3", 1), "key 'train.flame.steps' must be a positive"),
    "zero checkpoint interval": (PARAMS.replace("checkpoint_every: 250", "checkpoint_every: 0", 1),
                                 "key 'optimizer.checkpoint_every' must be a positive"),
    "zero run interval": (PARAMS.replace("checkpoint_every: 50", "checkpoint_every: 0", 1),
                          "key 'train.flame_rm.checkpoint_every' must be a positive"),
    "zero data axis": (PARAMS.replace("{data: -1", "{data: 0", 1), "key 'mesh.data' must be -1 or a positive"),
    "negative lr": (PARAMS.replace("lr: 3.0e-3", "lr: -3.0e-3", 1), "key 'optimizer.lr' must be a positive"),
    "optimizer type": (PARAMS.replace("schedule: cosine", "schedule: cosnie", 1), "key 'optimizer.schedule' expects"),
    "run key in optimizer": (PARAMS.replace("optimizer:", "optimizer:\n  steps: 5", 1), "unknown key 'optimizer.steps'"),
    "dropout above one": (re.sub(r"\n  dropout: [^\s]+", "\n  dropout: 1.5", PARAMS, count=1),
                          "key 'model.dropout' must be a number in \\[0, 1\\]"),
    "zero eval batch": (PARAMS.replace("batch_size: 64", "batch_size: 0", 1), "key 'eval.batch_size' must be"),
    "unknown key": (PARAMS + "sed: 1\n", "unknown key 'sed'"),
    "wrong type": (PARAMS.replace("steps: 3000", "steps: many", 1), "key 'train.flame.steps' expects an integer"),
    "not yaml": (PARAMS + "  : [\n", "not valid YAML"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(PARAM_CASES))
def test_params_files(tmp_path, capsys, monkeypatch, case):
    text, why = PARAM_CASES[case]
    assert text != PARAMS, "the case must change the file"
    path = tmp_path / "params.yaml"
    path.write_text(text)
    monkeypatch.setattr(sys, "argv", ["stage", "--params", str(path)])
    with pytest.raises(SystemExit) as stop:
        common.run(lambda: common.load_params(common.parser("x").parse_args().params))
    assert stop.value.code == USER_ERROR and re.search(why, _error_line(capsys))


def test_a_missing_params_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["stage"])
    with pytest.raises(SystemExit):
        common.run(lambda: common.load_params(tmp_path / "nope.yaml"))
    assert "params file not found" in _error_line(capsys)


# ------------------------------------------------------------------------------------ suite files (local:)
@pytest.mark.skipif(not (REAL / "llmbar").exists(), reason="needs ../shared/data/real")
@pytest.mark.parametrize("damage, why", [
    ("missing", "subset 'llmbar-adver-manual' is missing"), ("empty", "Manual/dataset.json"),
    ("[]", "Manual/dataset.json holds no records"), ("cut", "holds 10 records; the catalog expects 46"),
    ("bad rows", "of 46 rows of task 'rewardbench_llmbar_adver_manual' are malformed"), ("no folder", "is not a folder"),
])  # fmt: skip
def test_evaluate_on_damaged_published_files(tmp_path, capsys, monkeypatch, damage, why):
    folder = tmp_path / "llmbar"
    shutil.copytree(REAL / "llmbar", folder)
    path = folder / "LLMBar/Adversarial/Manual/dataset.json"
    rows = json.loads(path.read_text())
    if damage == "missing":
        path.unlink()
    elif damage == "no folder":
        shutil.rmtree(folder)
    else:
        bad = [{**r, "output_1": ""} for r in rows[:5]] + rows[5:]
        path.write_text(
            {"empty": "", "[]": "[]", "cut": json.dumps(rows[:10]), "bad rows": json.dumps(bad)}[damage]
        )
    out = tmp_path / "out"
    argv = ["evaluate", "--model", "control:always_first", "--suite", "rewardbench", "--source", f"local:{folder}",
            "--out", str(out), "--no-progress", "--params", str(ROOT / "params.yaml")]  # fmt: skip
    monkeypatch.setattr(sys, "argv", argv)
    from experiments.evaluate import main as evaluate_main

    with pytest.raises(SystemExit) as stop:
        common.run(evaluate_main)
    assert stop.value.code == USER_ERROR and why in _error_line(capsys) and not out.exists()


# ------------------------------------------------------------------------------------------ raw source files
def _cut_gz(path):
    data = gzip.compress(b'{"a": 1}\n' * 2000)
    path.write_bytes(data[: len(data) // 2])


RAW_CASES = {
    "latin-1 csv": ("rows.csv", lambda p: p.write_bytes("text,label\ncafé,1\n".encode("latin-1")), "not UTF-8"),
    "cut gzip": ("rows.jsonl.gz", _cut_gz, "a cut or damaged gzip file"),
    "not gzip": ("rows.jsonl.gz", lambda p: p.write_text('{"a": 1}\n'), "a cut or damaged gzip file"),
    "pickle": ("rows.pkl", lambda p: p.write_bytes(b"\x80\x04"), "pickled formats are never loaded"),
    "lfs pointer": ("rows.jsonl", lambda p: p.write_text("version https://git-lfs.github.com/spec/v1\n"),
                    "Git LFS pointer"),
    "array line": ("rows.jsonl", lambda p: p.write_text('{"a": 1}\n[1]\n'), "rows.jsonl:2: expected a JSON object"),
    "extra csv cells": ("rows.csv", lambda p: p.write_text("a,b\n1,2,3\n"), "rows.csv:2: more cells than header"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(RAW_CASES))
def test_raw_source_files(tmp_path, capsys, monkeypatch, case):
    name, make, why = RAW_CASES[case]
    make(tmp_path / name)
    monkeypatch.setattr(sys, "argv", ["prepare"])
    with pytest.raises(SystemExit) as stop:
        common.run(lambda: list(read_rows(tmp_path / name)))
    line = _error_line(capsys)
    assert stop.value.code == USER_ERROR and why in line and name in line
