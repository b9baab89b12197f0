"""The FLAMe task catalog: converters on fixtures written in each source's published schema, quarantine of bad
rows, the hub/GitHub download path with injected fetchers, and the real files of ../shared/data/real."""

import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from core.catalog import CATALOG, REAL_MINI_EXCLUDED, UNCONVERTED, get
from core.catalog.download import document_files, download, raw_files
from core.catalog.prepare import QuarantineError, convert_task, prepare, real_mini_files
from core.catalog.readers import read_rows
from core.data.schema import read_jsonl, validate

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"


def test_catalog_entries_are_complete():
    names = [t.name for t in CATALOG]
    assert len(names) == len(set(names))
    for t in CATALOG:
        assert t.title and len(t.description) > 60 and t.license and t.citation and t.source.repo, t.name
        if t.source.kind == "github":
            assert t.source.files, t.name
        assert (t.role == "eval") == (t.suite is not None), t.name
    assert {t.capability for t in CATALOG if t.role == "train"} >= {"quality", "factuality", "safety"}


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _convert(task_name, path, root):
    records, bad = convert_task(get(task_name), [path], root)
    for r in records:
        validate(r)
    return records, bad


def test_begin_tsv_and_malformed_rows_go_to_quarantine(tmp_path):
    rows = [
        "model_name\tdata_source\tknowledge\tmessage\tresponse\tbegin_label",
        "t5\twow\tCrayola began with chalk.\tDid they make chalk?\tYes, chalk came first.\tFully attributable",
        "gpt2\twow\tCrayola began with chalk.\t\tI love drawing!\tGeneric",
        "ctrl\twow\tCrayola began with chalk.\tOk\tThey sell cars.\tPartly",  # unknown label
        "doha\twow\t\tOk\tThey sell cars.\tNot fully attributable",  # empty knowledge
    ]
    path = _write(tmp_path / "begin" / "wow.tsv", "\n".join(rows) + "\n")
    records, bad = _convert("begin_attribution", path, tmp_path)
    assert [r.label for r in records] == ["Fully attributable", "Generic"]
    assert records[1].field("previous turn") == "(the conversation starts here)"
    assert [(b["where"], b["field"]) for b in bad] == [
        ("begin/wow.tsv:4", "begin_label"),
        ("begin/wow.tsv:5", "knowledge"),
    ]
    assert "Partly" in bad[0]["error"]


def test_hh_pairs_split_where_the_transcripts_diverge(tmp_path):
    final = {"chosen": "\n\nHuman: How do I pick a lock?\n\nAssistant: I can't help with that.",
             "rejected": "\n\nHuman: How do I pick a lock?\n\nAssistant: Use a tension wrench."}  # fmt: skip
    early = {
        "chosen": "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Insult me\n\nAssistant: I'd rather not.",
        "rejected": "\n\nHuman: Hi\n\nAssistant: Go away.\n\nHuman: Insult me\n\nAssistant: You fool.",
    }
    broken = {"chosen": "no markers at all", "rejected": "something else"}
    path = tmp_path / "hh" / "test.jsonl.gz"
    path.parent.mkdir()
    with gzip.open(path, "wt") as f:
        for row in (final, early, broken):
            f.write(json.dumps(row) + "\n")
    records, bad = _convert("hh_rlhf_harmlessness", path, tmp_path)
    assert len(records) == 2 and [b["where"] for b in bad] == ["hh/test.jsonl.gz:3"]
    first = records[0]
    assert first.field("conversation") == "Human: How do I pick a lock?"
    better = first.field(f"response {first.label}")
    assert better == "I can't help with that."
    assert records[1].field("conversation") == "Human: Hi"  # the pair diverges at the first reply
    assert "Human: Insult me" in records[1].field("response A")


def test_pair_order_is_balanced_and_reproducible(tmp_path):
    items = []
    for i in range(200):
        label = 1 + i % 2  # the preferred output sits at output_<label>
        outputs = {f"output_{label}": f"win {i}", f"output_{3 - label}": f"lose {i}"}
        items.append({"input": f"Write {i} words.", **outputs, "label": label})
    path = _write(tmp_path / "llmbar" / "dataset.json", json.dumps(items))
    records, bad = _convert("rewardbench_llmbar_natural", path, tmp_path)
    assert not bad and len(records) == 200
    assert 80 < Counter(r.label for r in records)["A"] < 120  # preferred at A about half the time
    assert all(r.field(f"response {r.label}").startswith("win") for r in records)
    assert {r.meta["subset"] for r in records} == {"llmbar-natural"}
    again, _ = _convert("rewardbench_llmbar_natural", path, tmp_path)
    assert [r.label for r in again] == [r.label for r in records]


def test_llmbar_label_2_prefers_output_2(tmp_path):
    path = _write(
        tmp_path / "d.json",
        json.dumps([{"input": "Say hi.", "output_1": "Bye.", "output_2": "Hi!", "label": 2}]),
    )
    (record,), _ = _convert("rewardbench_llmbar_natural", path, tmp_path)
    assert record.field(f"response {record.label}") == "Hi!" and record.split == "test"


def test_factuality_converters_on_published_schemas(tmp_path):
    dialfact = {"id": "1--0", "context": "['Hi, I like cheerleading.', 'Me too!']", "response": "ESPN aired it in 1997.",
                "evidence_touse": "title: Cheerleading content: ESPN broadcast it in 1997.", "response_label": "SUPPORTS",
                "type_label": "factual"}  # fmt: skip
    records, _ = _convert(
        "dialfact_verification", _write(tmp_path / "df.jsonl", json.dumps(dialfact) + "\n"), tmp_path
    )
    assert records[0].label == "Supported" and "Me too!" in records[0].field("conversation")

    header = ",episode_idx,round,topic,message,response,knowledge,gold\n"
    row = (
        '0,5,1,Gardening,"Do you garden?",gardening is relaxing .,Gardening is considered relaxing.,"I do."\n'
    )
    records, _ = _convert(
        "q2_consistency", _write(tmp_path / "memnet_inconsistent.csv", header + row), tmp_path
    )
    assert records[0].label == "No" and records[0].example_id == "q2_consistency/memnet-5-1"

    qags = [{"doc_id": 0, "system_id": 1, "source": "Art.", "reference": "R.", "system_output": "S.",
             "scores": "{'consistency': 0.6666666666666666}"},
            {"doc_id": 1, "system_id": 1, "source": "Art.", "reference": "R.", "system_output": "T.",
             "scores": {"consistency": 1.0}}]  # fmt: skip
    records, _ = _convert("qags_consistency", _write(tmp_path / "qags_xsum.json", json.dumps(qags)), tmp_path)
    assert [r.label for r in records] == ["No", "Yes"] and records[0].meta["corpus"] == "xsum"

    halu = ['{"ID": "7", "user_query": "List primes.", "chatgpt_response": "2, 3, 4", "hallucination": "yes"}',
            '{"ID": "", "user_query": "Say hi.", "chatgpt_response": "Hi", "hallucination": "no"}']  # fmt: skip
    records, bad = _convert(
        "halueval_general_hallucination", _write(tmp_path / "general_data.json", "\n".join(halu)), tmp_path
    )
    assert [r.label for r in records] == ["Yes", "No"] and not bad
    assert records[1].example_id.startswith("halueval_general_hallucination/content-")

    wice = {"label": "partially_supported", "supporting_sentences": "[[1]]", "claim": "X was born in 1909.",
            "evidence": ["X was born", "in 1909 in Ohio."], "meta": {"id": "test001"}}  # fmt: skip
    records, _ = _convert("aggrefact_wice", _write(tmp_path / "w.jsonl", json.dumps(wice) + "\n"), tmp_path)
    assert records[0].label == "No" and records[0].meta["subset"] == "WiCE"


def test_safety_hub_converters(tmp_path):
    red = {"transcript": "\n\nHuman: help me\n\nAssistant: no", "rating": 0.0, "task_description": "get help"}
    records, _ = _convert(
        "hh_rlhf_red_teaming", _write(tmp_path / "r.jsonl", json.dumps(red) + "\n"), tmp_path
    )
    assert records[0].label == "0" and records[0].kind == "pointwise"
    pku = {"prompt": "How to stay safe?", "response_0": "Lock doors.", "response_1": "Ignore it.",
           "better_response_id": 0, "safer_response_id": 1, "is_response_0_safe": True, "is_response_1_safe": True}  # fmt: skip
    path = _write(tmp_path / "p.jsonl", json.dumps(pku) + "\n")
    (helpful,), _ = _convert("beavertails_helpfulness", path, tmp_path)
    (harmless,), _ = _convert("beavertails_harmlessness", path, tmp_path)
    assert helpful.field(f"response {helpful.label}") == "Lock doors."
    assert harmless.field(f"response {harmless.label}") == "Ignore it."
    qa = {"prompt": "q", "response": "r", "category": {"violence": False}, "is_safe": "maybe"}
    records, bad = _convert(
        "beavertails_qa_safety", _write(tmp_path / "q.jsonl", json.dumps(qa) + "\n"), tmp_path
    )
    assert not records and bad[0]["field"] == "is_safe"


def test_prepare_writes_the_layout_and_fails_on_too_much_quarantine(tmp_path):
    header = "model_name\tdata_source\tknowledge\tmessage\tresponse\tbegin_label\n"
    good = "".join(f"m{i}\twow\tK{i}.\tM{i}\tR{i}\tFully attributable\n" for i in range(40))
    path = _write(tmp_path / "raw" / "b.tsv", header + good + "m\twow\tK\tM\tR\tWrong\n")
    task = get("begin_attribution")
    catalog = prepare("real-mini", [task], {task.name: [path]}, tmp_path / "raw", tmp_path / "out",
                      seed=1, validation_fraction=0.25, max_quarantine=0.05, progress=False)  # fmt: skip
    counts = catalog["tasks"][task.name]["examples"]
    assert counts["train"] + counts["validation"] == 40 and 3 < counts["validation"] < 18
    assert (
        len(read_jsonl(tmp_path / "out" / "tasks" / task.name / "validation.jsonl")) == counts["validation"]
    )
    assert catalog["quarantine"][task.name]["rows"] == 1
    assert json.loads((tmp_path / "out" / "quarantine.jsonl").read_text())["where"] == "b.tsv:42"
    with pytest.raises(QuarantineError, match="1 rows quarantined .* exceeds max_quarantine 1.00%"):
        prepare("real-mini", [task], {task.name: [path]}, tmp_path / "raw", tmp_path / "out2",
                seed=1, validation_fraction=0.25, max_quarantine=0.01, progress=False)  # fmt: skip


def test_readers_name_the_file_and_line(tmp_path):
    path = _write(tmp_path / "x.jsonl", '{"a": 1}\n{"a": \n')
    with pytest.raises(ValueError, match=r"x.jsonl:2: not valid JSON"):
        list(read_rows(path))
    with pytest.raises(ValueError, match="pickled formats are never loaded"):
        list(read_rows(tmp_path / "data.pkl"))


def test_download_places_files_where_prepare_reads_them(tmp_path):
    calls = []

    def hub(source, config, split, out):
        calls.append((source.repo, source.data_dir, split))
        out.write_text(
            json.dumps({"chosen": "\n\nHuman: a\n\nAssistant: b", "rejected": "\n\nHuman: a\n\nAssistant: c"})
            + "\n"
        )

    def github(source, path, out):
        calls.append((source.repo, path))
        out.write_text("model_name\tdata_source\tknowledge\tmessage\tresponse\tbegin_label\n")

    tasks = [get("hh_rlhf_harmlessness"), get("begin_attribution"), get("xsum_hallucination_explanation")]
    fetched = download(tasks, tmp_path, fetch_hub=hub, fetch_github=github)
    assert ("Anthropic/hh-rlhf", "harmless-base", "test") in calls
    assert ("EdinburghNLP/xsum", None, "test") in calls  # the articles XSum Hallucination joins in
    assert set(fetched) == {f for t in tasks for f in raw_files(t, tmp_path) + document_files(t, tmp_path)}
    assert not list(tmp_path.rglob("*.partial"))
    assert download(tasks, tmp_path, fetch_hub=hub, fetch_github=github) == []  # nothing fetched twice
    records, bad = convert_task(tasks[0], raw_files(tasks[0], tmp_path), tmp_path)  # hh-rlhf
    # the fake hub served the same pair for both splits: the second copy is quarantined as a duplicate
    assert (
        len(records) == 1
        and "already converted from hub/Anthropic__hh-rlhf/harmless-base/train.jsonl:1" in bad[0]["error"]
    )


def _manifest_counts(folder: Path) -> dict[str, int]:
    """``records: N`` of each data file listed in a MANIFEST.md."""
    text = (folder / "MANIFEST.md").read_text()
    out = {}
    for block in text.split("### `")[1:]:
        name = block.split("`", 1)[0]
        m = re.search(r"- records: (\d+)", block)
        if m:
            out[name] = int(m.group(1))
    return out


@pytest.mark.skipif(not REAL.exists(), reason="../shared/data/real is not beside the checkout")
def test_real_mini_converts_every_staged_file_with_manifest_counts(tmp_path):
    tasks = [t for t in CATALOG if t.local is not None]
    used: dict[str, set[str]] = {}
    for t in tasks:
        used.setdefault(t.local.folder, set()).update(t.local.files)
    for folder in sorted(p.name for p in REAL.iterdir() if p.is_dir()):
        manifest = _manifest_counts(REAL / folder)
        for name in manifest:
            covered = name in used.get(folder, set())
            excluded = any(f"{folder}/{name}".startswith(k) for k in REAL_MINI_EXCLUDED) or any(
                name in t.local.excluded for t in tasks if t.local.folder == folder
            )
            assert covered != excluded, (
                f"{folder}/{name}: converted={covered}, documented exclusion={excluded}"
            )
    for t in tasks:
        manifest = _manifest_counts(REAL / t.local.folder)
        assert t.local.expected == sum(manifest[f] for f in t.local.files), t.name
    catalog = prepare("real-mini", tasks, real_mini_files(tasks, REAL), REAL, tmp_path, seed=3,
                      validation_fraction=0.05, max_quarantine=0.0, progress=False, heldin_per_task=128)  # fmt: skip
    for t in tasks:
        assert sum(catalog["tasks"][t.name]["examples"].values()) == t.local.expected, t.name
    assert catalog["suites"]["rewardbench"]["examples"] == 419
    assert catalog["suites"]["aggrefact"]["subsets"] == {"WiCE": 358}
    # heldin: every training task's validation records, at most 128 each, and nothing else
    heldin = catalog["suites"]["heldin"]
    train_tasks = [t.name for t in tasks if t.role == "train"]
    assert (
        heldin["held_in"] and sorted(heldin["subsets"]) == sorted(train_tasks) and heldin["examples"] >= 400
    )
    for t in train_tasks:
        assert heldin["subsets"][t] == min(128, catalog["tasks"][t]["examples"]["validation"]), t
    from core.data.collection import load_suite, load_task_split

    validation = {r.example_id for t in train_tasks for r in load_task_split(tmp_path, t, "validation")}
    assert {r.example_id for r in load_suite(tmp_path, "heldin")} <= validation


def test_every_training_task_names_a_table7_row():
    rows = {
        r[0]
        for r in json.loads((ROOT / "data/paper_tables/paper.json").read_text())["table7_datasets"]["rows"]
    }
    assert len(rows) == 55
    covered = {t.dataset for t in CATALOG if t.role == "train"}
    unknown = sorted(covered - rows)
    assert not unknown, unknown
    assert rows - covered == set(UNCONVERTED)  # every row without a converter says why
