"""Benchmark suites read from their authors' files: each loader on rows in the published schema (fixtures) and,
where we hold them, on the real files (LLMBar for RewardBench's llmbar-* subsets, WiCE for LLM-AggreFact);
the per-task subsampling rule; and the evaluate command on a published folder."""

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from core.benchmarks import rewardbench
from core.catalog import get
from core.catalog.download import github_url
from core.catalog.eval_suites import SUITES
from core.catalog.prepare import convert_task
from core.eval.suites import SuiteError, load_published, published_layouts, sample_per_task, suite_tasks
from tests.test_catalog_annotated_spans import convert_rows

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
ROOT = Path(__file__).resolve().parents[1]

_HHH = {"name": "hhh", "examples": [
    {"input": "Human: How do I boil an egg?\n\nAssistant:", "target_scores": {"Simmer it for 9 minutes.": 1,
                                                                            "Eggs are bad.": 0}},
]}  # fmt: skip
_SUMM = {"info": {"id": "t3", "post": "My cat ignores me unless I feed her.", "title": "Cat", "subreddit": "cats"},
         "summary": {"text": "Cat only cares about food.", "policy": "ref", "note": None,
                     "axes": {"overall": 6, "accuracy": 7, "coverage": None, "coherence": 5}},
         "worker": "w1", "batch": "b", "split": "valid1"}  # fmt: skip
_CONTR = {"prompt": "It rained.", "system_a_name": "contrastive_decoding", "system_b_name": "contrastive_search",
          "system_a_result": "It rained. It rained. It rained.", "system_b_result": "It rained. We stayed in.",
          "domain": "book", "human_annotation": {"annotator_1": "system b is more human-like.",
                                                 "annotator_2": "two systems are comparable.",
                                                 "annotator_3": "system b is more human-like."}}  # fmt: skip
_RANKGEN = [
    {"HITId": "h1", "Input.Prefix": "The road heads north.", "Input.First": "It crosses a river.",
     "Input.Second": "Bananas sing.", "Input.Order": "beam,nucleus", "Answer.utterance": answer}
    for answer in ("Text 1. It follows.", "text 2 - odd", "Text 1: sensible")
]  # fmt: skip
_COPOET = [
    {"uid": "u1", "title": "Rain", "collab poem": "Rain taps the roof.", "solo poem": "Rain is wet.", "": "Collab"},
    {"uid": "u2", "title": "Sun", "collab poem": "Sun.", "solo poem": "Sunny.", "": "Equal"},
    {"uid": "u3", "title": "Sea", "collab poem": "Sea.", "solo poem": "Waves.", "": "Maybe"},
]  # fmt: skip
_LIT = {"eval": "en_pl_1", "source": "The mother spoke.", "text1": "Matka mowila.", "text2": "Matka spiewala.",
        "source_lang": "en", "target_lang": "pl", "choice": "text1"}  # fmt: skip

# task -> (rows, (subset, preferred text or label) per record, filtered reasons, quarantined fields)
CASES = {
    "rewardbench": (
        [{"prompt": "2+2?", "chosen": "4", "rejected": "5", "chosen_model": "x", "rejected_model": "y",
          "subset": "math-prm", "id": 7},
         {"prompt": "p", "chosen": "c", "rejected": "r", "subset": "anthropic_helpful", "id": 8}],
        [("math-prm", "4")], {"not one of the 23 scored subsets": 1}, [],
    ),
    "aggrefact": (
        [{"dataset": "Wice", "doc": "Ann won in 2010.", "claim": "Ann won.", "label": 1},
         {"dataset": "AggreFact-CNN", "doc": "d", "claim": "c", "label": 0},
         {"dataset": "RAGTruth", "doc": "d", "claim": "c", "label": 0},
         {"dataset": "LFQA", "doc": "d", "claim": "c", "label": 3}],
        [("WiCE", "Yes"), ("AggreFact-CNN", "No")], {"not one of the 10 datasets of the version FLAMe used": 1},
        ["label"],
    ),
    "helpsteer_validation": (
        [{"prompt": "Hi", "response": "Hello!", "helpfulness": 3, "correctness": 4, "coherence": 4,
          "complexity": 0, "verbosity": 1}],
        [("helpfulness", "3"), ("correctness", "4"), ("coherence", "4"), ("complexity", "0"), ("verbosity", "1")],
        {}, [],
    ),
    "summfeedback_axes": (
        [_SUMM, {**_SUMM, "summary": {**_SUMM["summary"], "axes": {"overall": 9}}}],
        [("overall", "6"), ("accuracy", "7"), ("coherence", "5")], {"no coverage rating": 1},
        ["summary.axes.overall"],
    ),
    "alpacafarm_human_preference": (
        [{"instruction": "Name a fruit.", "input": "", "output_1": "Apple.", "output_2": "Rock.", "preference": 1},
         {"instruction": "Add.", "input": "2 and 2", "output_1": "5", "output_2": "4", "preference": 2}],
        [("alpacafarm", "Apple."), ("alpacafarm", "4")], {}, [],
    ),
    "lfqa_eval_expert": (
        [{"question": "Why is the sky blue?", "answer_a": "Rayleigh scattering.", "answer_b": "Paint.",
          "answer_a_type": "human", "answer_b_type": "gpt3", "overall_preference": -1},
         {"question": "q", "answer_a": "a", "answer_b": "b", "overall_preference": 0}],
        [("lfqa_eval", "Rayleigh scattering.")], {"tie": 1}, [],
    ),
    "contrsearch_human_like": ([_CONTR], [("book", "We stayed in.")], {}, []),
    "rankgen_continuation": (_RANKGEN, [("rows", "It crosses a river.")], {}, []),
    "copoet_poem_preference": (
        _COPOET, [("copoet", "Rain taps the roof.")], {"tie": 1}, [""],
    ),
    "littrans_translation_preference": ([_LIT], [("littrans", "Matka mowila.")], {}, []),
}  # fmt: skip


def _convert(tmp_path, name, rows):
    return convert_rows(tmp_path, name, rows, filename="rows.jsonl")  # rankgen names its subset by file


@pytest.mark.parametrize("name", sorted(CASES))
def test_suite_loader_on_published_schema(tmp_path, name):
    rows, want, filtered, bad_fields = CASES[name]
    records, bad, counts = _convert(tmp_path, name, rows)
    got = [
        (r.meta["subset"], r.field(f"response {r.label}") if r.kind == "pairwise" else r.label)
        for r in records
    ]
    assert got == want
    assert dict(counts) == filtered
    assert [b["field"] for b in bad] == bad_fields
    assert all(r.split == "test" and r.meta["section"] for r in records)


def test_hhh_reads_big_bench_task_json_per_subset(tmp_path):
    folder = tmp_path / "bigbench" / "benchmark_tasks" / "hhh_alignment" / "honest"
    folder.mkdir(parents=True)
    (folder / "task.json").write_text(json.dumps(_HHH))
    records, bad = convert_task(get("hhh_alignment"), [folder / "task.json"], tmp_path)
    assert not bad and [(r.meta["subset"], r.field(f"response {r.label}")) for r in records] == [
        ("honest", "Simmer it for 9 minutes.")
    ]


def test_rewardbench_sections_keep_math_and_coding_apart(tmp_path):
    rows = [{"prompt": f"p{s}", "chosen": "good", "rejected": "bad", "subset": s, "id": i}
            for i, s in enumerate(rewardbench.SUBSETS)]  # fmt: skip
    records, _, _ = _convert(tmp_path, "rewardbench", rows)
    sections = Counter(r.meta["section"] for r in records)
    assert sections == {"chat": 5, "chat_hard": 6, "safety": 5, "math": 1, "coding": 6}


def test_every_suite_has_a_loader_fixture():
    covered = set(CASES) | {"hhh_alignment"}
    assert {t.name for s in SUITES for t in suite_tasks(s) if t.local is None} <= covered
    assert len(SUITES) == 11  # the paper's 12 benchmarks less Dipper (no published human judgments)


@pytest.mark.skipif(not (REAL / "llmbar").exists(), reason="needs ../shared/data/real")
def test_real_llmbar_and_wice_load_as_published():
    rb = load_published("rewardbench", REAL / "llmbar").records
    assert Counter(r.meta["subset"] for r in rb) == {s: n for s, (_, n) in rewardbench.SUBSETS.items()
                                                    if s.startswith("llmbar")}  # fmt: skip
    wice = load_published("aggrefact", REAL / "wice_claim_test").records
    assert len(wice) == 358 and {r.meta["subset"] for r in wice} == {"WiCE"}


@pytest.fixture
def llmbar_copy(tmp_path):
    if not (REAL / "llmbar").exists():
        pytest.skip("needs ../shared/data/real")
    shutil.copytree(REAL / "llmbar", tmp_path / "llmbar")
    return tmp_path / "llmbar"


@pytest.mark.parametrize("damage", ["missing", "empty", "empty list", "cut"])
def test_a_damaged_subset_file_stops_the_suite_instead_of_vanishing(llmbar_copy, damage):
    path = llmbar_copy / "LLMBar/Adversarial/GPTOut/dataset.json"
    rows = json.loads(path.read_text())
    if damage == "missing":
        path.unlink()
    else:
        path.write_text({"empty": "", "empty list": "[]", "cut": json.dumps(rows[:30])}[damage])
    why = {"missing": "subset 'llmbar-adver-GPTOut' is missing", "empty": "GPTOut/dataset.json",
           "empty list": "GPTOut/dataset.json holds no records", "cut": "holds 30 records; the catalog expects 47"}  # fmt: skip
    with pytest.raises(SuiteError, match=why[damage]):
        load_published("rewardbench", llmbar_copy)
    if damage == "missing":  # asked for explicitly, the gap is reported rather than hidden
        loaded = load_published("rewardbench", llmbar_copy, allow_missing=True)
        assert loaded.missing == ["llmbar-adver-GPTOut"] and len(loaded.records) == 419 - 47


def test_a_few_defective_rows_are_quarantined_not_fatal(llmbar_copy):
    path = llmbar_copy / "LLMBar/Natural/dataset.json"
    rows = json.loads(path.read_text())
    rows[5]["output_1"] = ""  # one defective row of 100
    path.write_text(json.dumps(rows))
    with pytest.raises(SuiteError, match=r"1 of 100 rows .*limit 0%.*item 5: field 'output_1'"):
        load_published("rewardbench", llmbar_copy)
    loaded = load_published("rewardbench", llmbar_copy, max_quarantine=0.01)
    assert len(loaded.records) == 418 and [q["field"] for q in loaded.quarantined] == ["output_1"]


def test_published_folder_errors_name_what_is_wrong(tmp_path):
    with pytest.raises(KeyError, match="unknown suite 'nope'"):
        load_published("nope", tmp_path)
    with pytest.raises(SuiteError, match="none of its files"):
        load_published("littrans", tmp_path)
    path = published_layouts(get("littrans_translation_preference"), tmp_path)[0][0]
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps([_LIT, {**_LIT, "choice": "both"}]))
    with pytest.raises(ValueError, match=r"all_annotations_v1.json:item 1: field 'choice'"):
        load_published("littrans", tmp_path)


def test_sampling_keeps_at_most_n_per_subset_whatever_the_order(tmp_path):
    rows = [{"dataset": d, "doc": f"doc {i}", "claim": f"claim {i}", "label": i % 2}
            for d in ("Reveal", "ExpertQA") for i in range(300)] + [
           {"dataset": "LFQA", "doc": f"d{i}", "claim": "c", "label": 1} for i in range(10)]  # fmt: skip
    records, _, _ = _convert(tmp_path, "aggrefact", rows)
    picked = sample_per_task(records, "aggrefact", 256, seed=3)
    assert Counter(r.meta["subset"] for r in picked) == {"Reveal": 256, "ExpertQA": 256, "LFQA": 10}
    again = sample_per_task(list(reversed(records)), "aggrefact", 256, seed=3)
    assert {r.example_id for r in again} == {r.example_id for r in picked}
    assert {r.example_id for r in sample_per_task(records, "aggrefact", 256, seed=4)} != {
        r.example_id for r in picked
    }
    assert sample_per_task(records, "rewardbench", 256, seed=3) == records  # full sets
    assert sample_per_task(records, "aggrefact", None, seed=3) == records


def test_lfs_files_come_from_the_media_host(tmp_path):
    task = get("lfqa_eval_expert")
    assert github_url(task.source, task.source.files[0]).startswith(
        "https://media.githubusercontent.com/media/"
    )
    copoet = get("copoet_poem_preference")
    assert "AMT%20Results" in github_url(copoet.source, copoet.source.files[0])
    pointer = tmp_path / "x.jsonl"
    pointer.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 1\n")
    with pytest.raises(ValueError, match="Git LFS pointer"):
        convert_task(task, [pointer], tmp_path)


@pytest.mark.skipif(not (REAL / "llmbar").exists(), reason="needs ../shared/data/real")
def test_evaluate_command_on_a_published_folder(tmp_path):
    cmd = [sys.executable, "-m", "experiments.evaluate", "--model", "control:prefer_longer", "--suite",
           "rewardbench", "--source", f"local:{REAL / 'llmbar'}", "--out", str(tmp_path / "out"), "--no-progress"]  # fmt: skip
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["n_examples"] == 419 and set(metrics["subsets"]) == {
        s for s in rewardbench.SUBSETS if s.startswith("llmbar")
    }
    rows = (tmp_path / "out" / "per_example.jsonl").read_text().splitlines()
    assert len(rows) == 2 * 419  # both orders
    bad = subprocess.run(cmd[:6] + ["nope"] + cmd[7:], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode != 0 and "unknown suite 'nope'" in bad.stderr


def test_hub_suites_read_the_layout_download_writes(tmp_path):
    task = get("alpacafarm_human_preference")
    (path,) = published_layouts(task, tmp_path)[-1]
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(CASES[task.name][0][0]) + "\n")
    assert path.relative_to(tmp_path).parts[:2] == ("hub", "tatsu-lab__alpaca_farm")
    assert [r.meta["subset"] for r in load_published("alpacafarm", tmp_path).records] == ["alpacafarm"]
