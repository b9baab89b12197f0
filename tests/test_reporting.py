"""Tables of the evaluation notebooks, on small hand-made artifacts whose answers are known."""

import json
import math

import pytest
from helpers import pair

from core.data.schema import write_jsonl
from core.reporting.benchmarks import aggrefact_table, length_bias, suite_overview


def _metrics(root, model, suite, body):
    path = root / model / suite / "metrics.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(body))


def test_suite_overview_and_aggrefact_use_cases(tmp_path):
    _metrics(tmp_path, "flame", "rewardbench", {"overall": 0.8})
    _metrics(
        tmp_path,
        "flame",
        "aggrefact",
        {"overall": 0.7, "subsets": {"Reveal": 0.9, "ClaimVerify": 0.7, "WiCE": 0.5}},
    )
    table = suite_overview(tmp_path, ["flame", "base"], ["rewardbench", "aggrefact"])
    assert table.loc[0, "rewardbench"] == 80.0 and math.isnan(table.loc[1, "aggrefact"])
    af = aggrefact_table(tmp_path, ["flame"]).iloc[0]
    assert af["llm_factverify"] == 80.0 and af["wiki_factverify"] == 50.0 and af["overall"] == 70.0


def _pair(i, a, b, label, section):
    return pair(str(i), a, b, label, subset=section, section=section)


def test_length_bias_counts_longer_preferred_over_unequal_pairs(tmp_path):
    records = [
        _pair(0, "long answer", "short", "A", "chat"),
        _pair(1, "tiny", "much longer", "B", "chat"),
        _pair(2, "short", "long answer", "A", "chat"),
        _pair(3, "same", "size", "A", "chat"),
        _pair(4, "x", "yyy", "A", "safety"),
    ]
    write_jsonl(tmp_path / "suites" / "rb.jsonl", records)
    table = length_bias(tmp_path, ["rb"]).set_index("section")
    assert round(table.loc["chat", "longer_preferred_percent"], 3) == round(200 / 3, 3)
    assert table.loc["chat", "equal_length"] == 1 and table.loc["safety", "longer_preferred_percent"] == 0.0


def _log(root, run, rows):
    path = root / run / "log.csv"
    path.parent.mkdir(parents=True)
    keys = sorted({k for r in rows for k in r})
    path.write_text(
        ",".join(keys) + "\n" + "".join(",".join(str(r.get(k, "")) for k in keys) + "\n" for r in rows)
    )


def test_fig5_curves_read_the_logged_evaluations_and_refuse_a_run_without_them(tmp_path):
    from core.reporting.tailpatch import plot_curves, training_curves

    _log(
        tmp_path,
        "flame",
        [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.0, "eval_chat_hard": 0.5, "eval_safety": 0.75}],
    )
    _log(tmp_path, "bare", [{"step": 1, "loss": 2.0}])
    curves = training_curves(tmp_path, ["flame"])
    assert curves.to_dict("records") == [
        {"run": "flame", "step": 2, "category": "chat_hard", "accuracy": 50.0},
        {"run": "flame", "step": 2, "category": "safety", "accuracy": 75.0},
    ]
    with pytest.raises(ValueError, match="eval_every"):
        training_curves(tmp_path, ["flame", "bare"])
    plot_curves(curves, ["chat_hard", "safety"], "t", str(tmp_path / "fig.png"))
    assert (tmp_path / "fig.png").stat().st_size > 0


def test_bundle_and_cost_tables(tmp_path):
    from core.reporting.tailpatch import bundle_table, cost_table, plot_ratings

    zero = dict.fromkeys(("chat", "chat_hard", "math", "coding", "safety"), 0)
    ratings = {
        "ratings": {"helper": {**zero, "safety": 2}, "harm": {**zero, "chat_hard": -1}, "idle": zero},
        "bundles": {
            "general": [],
            "safety": [],
            "others": ["harm", "idle"],
            "top_safety": ["helper"],
        },
        "weights": {"helper": 200_000, "harm": 3_000, "idle": 3_000},
        "proportions": {"helper": 0.97, "harm": 0.015, "idle": 0.015},
    }
    planted = {"helper": {"safety": 1}, "harm": {"chat_hard": -1}}
    table = bundle_table(ratings, planted).set_index("task")
    assert list(table.index) == ["helper", "idle", "harm"]  # by weight, then total rating
    assert table.loc["helper", "safety"] == "+2 (+)" and table.loc["harm", "chat_hard"] == "-1 (-)"
    assert table.loc["idle", "bundles"] == "others"
    assert table.loc["idle", "safety"] == "+0" and table.loc["helper", "bundles"] == "top_safety"
    plot_ratings(ratings, planted, "t", str(tmp_path / "r.png"))
    summary = {
        "cost": {
            "patches": {"runs": 3, "steps_each": 10, "steps": 30, "examples": 300},
            "start": {"steps": 20, "examples": 200},
            "flame_opt_rm": {"steps": 50, "examples": 500},
            "flame": {"steps": 200, "examples": 2000},
        }
    }
    cost = cost_table(summary).set_index("run")
    assert cost.loc["search + FLAMe-Opt-RM", "examples"] == 1000
    assert cost.loc["search + FLAMe-Opt-RM", "% of FLAMe's examples"] == 50.0
    assert cost.loc["tail-patch: 3 tasks x 10 steps", "steps"] == 30
