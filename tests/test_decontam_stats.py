"""Decontamination (exact and n-gram overlap, fails above the limit) and per-task statistics."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import MixtureConfig
from core.data.collection import load_task_split
from core.data.decontam import check
from core.data.schema import Record, write_jsonl
from core.data.stats import task_stats
from core.mixture.spec import build

ROOT = Path(__file__).resolve().parents[1]


def _rec(i, task, text, split="train"):
    return Record(
        task=task,
        split=split,
        example_id=f"{task}/{i}",
        kind="classification",
        capability="factuality",
        title="t",
        description="d",
        context=(("document", text),),
        target=(("answer", "Yes"),),
        label_space=("Yes", "No"),
    )


LONG = "the quick brown fox jumps over the lazy dog near the quiet river bank today"


def test_exact_and_ngram_overlap_are_found():
    suite = [
        _rec(0, "s", LONG, "test"),
        _rec(
            1,
            "s",
            "an entirely different sentence about tall green mountains and deep blue lakes in the far north",
            "test",
        ),
        _rec(2, "s", "Yes", "test"),
    ]
    clean = [
        _rec(0, "a", "nothing in common with the evaluation texts at all, just words here and there today")
    ]
    exact = [_rec(0, "b", LONG.upper() + "!")]  # normalisation: case and punctuation do not hide a copy
    partial = [_rec(0, "c", "prefix words then " + " ".join(LONG.split()[:9]) + " and more")]
    report = check({"a": clean, "b": exact, "c": partial}, {"s": suite}, n=8, min_words=4)
    pairs = report["pairs"]
    assert pairs["a"]["s"] == {"exact": 0.0, "ngram": 0.0, "examples": []}
    assert pairs["b"]["s"]["exact"] == pytest.approx(1 / 3) and pairs["b"]["s"]["examples"] == ["s/0"]
    assert pairs["c"]["s"]["exact"] == 0.0 and pairs["c"]["s"]["ngram"] == pytest.approx(1 / 3)
    assert report["max"]["task"] == "b" and report["max"]["share"] == pytest.approx(1 / 3)


def test_decontaminate_stage_fails_above_the_limit(tmp_path):
    data = tmp_path / "data"
    write_jsonl(data / "tasks" / "t" / "train.jsonl", [_rec(0, "t", LONG)])
    write_jsonl(data / "suites" / "s.jsonl", [_rec(0, "s", LONG, "test"), _rec(1, "s", "x", "test")])
    (data / "catalog.json").write_text(
        json.dumps({"tasks": {"t": {"examples": {"train": 1}}}, "suites": {"s": {}}})
    )
    params = (ROOT / "params.yaml").read_text()
    (tmp_path / "params.yaml").write_text(params)
    cmd = [
        sys.executable,
        "-m",
        "experiments.decontaminate",
        "--params",
        str(tmp_path / "params.yaml"),
        "--data",
        str(data),
        "--out",
        str(tmp_path / "report.json"),
    ]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode != 0 and "contaminated" in done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert not report["passed"] and report["max"]["share"] == 0.5


def test_task_stats_and_token_rates(small_synth, small_tokenizer):
    out, _ = small_synth
    records = load_task_split(out, "attribution_classification", "train")
    stats = task_stats(records, small_tokenizer, max_input=224, max_target=32)
    assert stats["examples"] == len(records) and stats["tokens"] > 20 * len(records)
    tight = task_stats(records, small_tokenizer, max_input=16, max_target=32)
    assert tight["truncated_share"] == 1.0 and stats["truncated_share"] < 1.0
    assert tight["input_tokens_mean"] == 16
    cfg = MixtureConfig(rate="examples_proportional", unit="tokens", maximum=10**9)
    spec = build("m", cfg, {"a": 10, "b": 10}, tokens={"a": 100, "b": 300})
    assert spec.proportions["b"] == pytest.approx(0.75) and spec.sizes == {"a": 10, "b": 10}
    with pytest.raises(ValueError, match="counts tokens but no token statistics"):
        build("m", cfg, {"a": 10})
