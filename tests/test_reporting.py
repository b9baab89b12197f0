"""Tables of the evaluation notebooks, on small hand-made artifacts whose answers are known."""

import json
import math

from core.data.schema import Record, write_jsonl
from core.reporting.benchmarks import aggrefact_table, length_bias, suite_overview


def _metrics(root, model, suite, body):
    path = root / model / suite / "metrics.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(body))


def test_suite_overview_and_aggrefact_use_cases(tmp_path):
    _metrics(tmp_path, "flame", "rewardbench", {"overall": 0.8})
    _metrics(tmp_path, "flame", "aggrefact", {"overall": 0.7, "subsets": {"Reveal": 0.9, "ClaimVerify": 0.7,
                                                                         "WiCE": 0.5}})  # fmt: skip
    table = suite_overview(tmp_path, ["flame", "base"], ["rewardbench", "aggrefact"])
    assert table.loc[0, "rewardbench"] == 80.0 and math.isnan(table.loc[1, "aggrefact"])
    af = aggrefact_table(tmp_path, ["flame"]).iloc[0]
    assert af["llm_factverify"] == 80.0 and af["wiki_factverify"] == 50.0 and af["overall"] == 70.0


def _pair(i, a, b, label, section):
    return Record(task="t", example_id=str(i), kind="pairwise", capability="quality", split="test", title="T",
                  description="D",
                  context=(("instruction", "q"), ("response A", a), ("response B", b)), target=(("choice", label),),
                  label_space=("A", "B"), meta={"subset": section, "section": section})  # fmt: skip


def test_length_bias_counts_longer_preferred_over_unequal_pairs(tmp_path):
    records = [_pair(0, "long answer", "short", "A", "chat"), _pair(1, "tiny", "much longer", "B", "chat"),
               _pair(2, "short", "long answer", "A", "chat"), _pair(3, "same", "size", "A", "chat"),
               _pair(4, "x", "yyy", "A", "safety")]  # fmt: skip
    write_jsonl(tmp_path / "suites" / "rb.jsonl", records)
    table = length_bias(tmp_path, ["rb"]).set_index("section")
    assert round(table.loc["chat", "longer_preferred_percent"], 3) == round(200 / 3, 3)
    assert table.loc["chat", "equal_length"] == 1 and table.loc["safety", "longer_preferred_percent"] == 0.0
