import math

import numpy as np
import pytest
from flax import nnx

from core.benchmarks import aggrefact, rewardbench
from core.data.schema import read_jsonl
from core.eval import metrics as M
from core.eval.harness import judge_rows, suite_metrics, write_results
from core.eval.judge import decide
from core.eval.scoring import FirstPosition, LoglikScorer
from core.modeling import Decoder, preset


def test_section_scores_are_count_weighted_and_overall_is_mean_of_sections():
    acc = {"c1": 1.0, "c2": 0.5, "h": 0.6, "s": 0.9, "m": 0.8, "p1": 0.4, "p2": 0.6}
    section = {
        "c1": "chat",
        "c2": "chat",
        "h": "chat_hard",
        "s": "safety",
        "m": "math",
        "p1": "coding",
        "p2": "coding",
    }
    weights = {"c1": 30, "c2": 10, "h": 5, "s": 5, "m": 20, "p1": 10, "p2": 10}
    out = rewardbench.scores(acc, section, weights)
    assert out["chat"] == pytest.approx((30 * 1.0 + 10 * 0.5) / 40)
    assert out["coding"] == pytest.approx(0.5)
    assert out["reasoning"] == pytest.approx((20 * 0.8 + 10 * 0.4 + 10 * 0.6) / 40)
    assert out["overall"] == pytest.approx((out["chat"] + 0.6 + 0.9 + out["reasoning"]) / 4)


@pytest.mark.parametrize(
    "sections,overall",
    [((94.7, 66.2, 88.5, 94.7), 86.0), ((92.2, 75.7, 89.6, 93.8), 87.8), ((89.9, 61.2, 55.3, 45.2), 62.9)],
)
def test_paper_table2_overall_is_reproduced(sections, overall):
    names = ("chat", "chat_hard", "safety", "math")
    acc = dict(zip(names, sections))
    out = rewardbench.scores(acc, {n: n for n in names}, {n: 1.0 for n in names})
    assert round(out["overall"], 1) == overall


def test_balanced_accuracy_and_order_consistency():
    rows = (
        [{"gold": "yes", "correct": True}] * 9
        + [{"gold": "no", "correct": False}]
        + [{"gold": "no", "correct": True}]
    )
    assert M.balanced_accuracy(rows) == pytest.approx((1.0 + 0.5) / 2)
    rows = [
        {"example_id": "a", "order": "AB", "pred": "A"},
        {"example_id": "a", "order": "BA", "pred": "B"},
        {"example_id": "b", "order": "AB", "pred": "A"},
        {"example_id": "b", "order": "BA", "pred": "A"},
    ]
    assert M.order_consistency(rows) == 0.5


def test_order_averaging_cancels_position_bias():
    """A judge that leans towards whichever response is shown first, but less than it prefers the better
    one, is right in one order only; averaging both orders recovers every decision, and a tie goes to A."""

    def row(example_id: str, order: str, gold: str, p_a: float) -> dict:
        # this judge always says A (the first position); only its confidence varies
        probs = {"A": p_a, "B": round(1 - p_a, 6)}
        fields = {"example_id": example_id, "subset": "s", "section": "s", "order": order, "gold": gold}
        return fields | {"pred": "A", "correct": gold == "A", "probs": probs}

    rows = [row("a", "AB", "A", 0.7), row("a", "BA", "B", 0.6), row("b", "AB", "B", 0.8)]
    rows += [row("b", "BA", "A", 0.9), row("c", "AB", "B", 1.0), row("c", "BA", "A", 1.0)]
    averaged = {r["example_id"]: r for r in M.order_averaged(rows)}
    assert M.accuracy(rows) == 0.5
    assert [averaged[i]["pred"] for i in "abc"] == ["A", "B", "A"]
    assert averaged["b"]["probs"] == pytest.approx({"A": 0.45, "B": 0.55})
    assert M.accuracy(list(averaged.values())) == pytest.approx(2 / 3)


def test_order_averaged_metric_is_the_judge_commands_decision(small_synth):
    """``order_averaged`` in metrics.json scores exactly the decisions ``flame-judge`` would print."""
    out, _ = small_synth
    records = read_jsonl(out / "suites" / "rewardbench.jsonl")[:40]
    rng = np.random.default_rng(0)

    def noisy(shown):
        return [{lab: float(rng.normal()) for lab in r.label_space} for r in shown]

    rows = judge_rows(noisy, records)
    rng = np.random.default_rng(0)
    decisions = decide(noisy, records)
    averaged = {r["example_id"]: r["pred"] for r in M.order_averaged(rows)}
    assert averaged == {r.example_id: d for r, (d, _) in zip(records, decisions)}
    m = suite_metrics("rewardbench", rows, records)
    expected = suite_metrics("rewardbench", M.order_averaged(rows), records)["overall"]
    assert m["order_averaged"] == expected != m["overall"]
    from core.eval.uncertainty import paired

    gain = paired("rewardbench", rows, judge_rows(FirstPosition(), records), records, n=50, seed=0)
    assert len(gain["order_averaged"]["gain_ci95"]) == 2


class Oracle:
    def __call__(self, records):
        return [{lab: (0.0 if lab == r.label else -math.inf) for lab in r.label_space} for r in records]


def test_harness_both_orders_single_order_and_files(small_synth, tmp_path):
    out, _ = small_synth
    records = read_jsonl(out / "suites" / "rewardbench.jsonl")
    first = suite_metrics("rewardbench", judge_rows(FirstPosition(), records), records)
    assert first["overall"] == 0.5 and first["order_consistency"] == 0.0
    oracle_rows = judge_rows(Oracle(), records)
    oracle = suite_metrics("rewardbench", oracle_rows, records)
    assert oracle["overall"] == 1.0 and oracle["order_consistency"] == 1.0
    assert {"chat", "chat_hard", "safety", "reasoning", "math", "coding"} <= set(oracle)
    single = judge_rows(FirstPosition(), records, orders="single", seed=3)
    assert len(single) == len(records) and single == judge_rows(
        FirstPosition(), records, orders="single", seed=3
    )
    assert 0.3 < suite_metrics("rewardbench", single, records)["overall"] < 0.7
    write_results(tmp_path, oracle_rows, oracle)
    assert (tmp_path / "metrics.json").exists()
    assert len((tmp_path / "per_example.jsonl").read_text().splitlines()) == 2 * len(records)
    ag = read_jsonl(out / "suites" / "aggrefact.jsonl")
    m = suite_metrics("aggrefact", judge_rows(FirstPosition(), ag), ag)
    assert m["overall"] == 0.5 and set(m["subsets"]) == {"news", "dialogue", "bio"}


def test_loglik_scores_do_not_depend_on_batching(small_synth, small_tokenizer):
    out, _ = small_synth
    records = (
        read_jsonl(out / "suites" / "rewardbench.jsonl")[:7]
        + read_jsonl(out / "suites" / "aggrefact.jsonl")[:5]
    )
    model = Decoder(preset("test", small_tokenizer.vocab_size), nnx.Rngs(params=1))
    one = LoglikScorer(model, small_tokenizer, 224, 32, batch_size=1, progress=False)(records)
    many = LoglikScorer(model, small_tokenizer, 224, 32, batch_size=16, bucket=64, progress=False)(records)
    for a, b in zip(one, many):
        assert a.keys() == b.keys()
        for k in a:
            assert a[k] == pytest.approx(b[k], abs=1e-4)
    rows = judge_rows(LoglikScorer(model, small_tokenizer, 224, 32, progress=False), records[:7])
    assert all(abs(sum(r["probs"].values()) - 1) < 1e-6 for r in rows)
    short = judge_rows(LoglikScorer(model, small_tokenizer, 40, 32, progress=False), records[:7])
    assert [r["truncated"] for r in rows] != [r["truncated"] for r in short] and all(
        r["truncated"] for r in short
    )
    assert suite_metrics("aggrefact", short, records[:7])["truncated_share"] == 1.0


def test_cached_loglik_equals_scoring_each_label_with_a_full_forward(small_synth, small_tokenizer):
    """The scorer's shared prompt pass gives each label the log-likelihood a separate full forward over
    prompt + target would: binary, A/B and five-label records, prompts shortened to a short budget."""
    import jax.numpy as jnp

    from core.data.features import encode_pair, fit_prompt
    from core.data.formats import render_target
    from core.modeling.decoder import token_nll

    out, _ = small_synth
    records = (
        read_jsonl(out / "suites" / "rewardbench.jsonl")[:3]
        + read_jsonl(out / "suites" / "aggrefact.jsonl")[:3]
        + read_jsonl(out / "tasks" / "helpfulness_rating_pointwise" / "train.jsonl")[:3]
    )
    assert {len(r.label_space) for r in records} == {2, 5}
    tok = small_tokenizer
    model = Decoder(preset("test", tok.vocab_size), nnx.Rngs(params=2))
    for max_input in (224, 40):
        scored = LoglikScorer(model, tok, max_input, 32, batch_size=4, progress=False)(records)
        for r, scores in zip(records, scored):
            assert list(scores) == list(r.label_space)
            for label, value in scores.items():
                target = tok.encode(render_target(r, label, first_field_only=True))
                prompt = fit_prompt(r, tok, max_input).ids
                enc = encode_pair(prompt, target, None, len(prompt), 32)
                logits = model(jnp.asarray(enc.inputs)[None])
                full = -float(jnp.sum(token_nll(logits, jnp.asarray(enc.targets)[None])[0] * enc.target_mask))
                assert value == pytest.approx(full, abs=2e-4), (r.example_id, label)


def test_generation_scorer_parses_strictly_and_is_batch_independent(
    small_synth, small_tokenizer, monkeypatch
):
    from core.eval import scoring
    from core.eval.harness import suite_metrics
    from core.eval.scoring import GenerationScorer

    out, _ = small_synth
    records = read_jsonl(out / "suites" / "rewardbench.jsonl")[:6]
    model = Decoder(preset("test", small_tokenizer.vocab_size), nnx.Rngs(params=1))
    one = GenerationScorer(model, small_tokenizer, 224, 6, batch_size=1, progress=False)
    many = GenerationScorer(model, small_tokenizer, 224, 6, batch_size=16, progress=False)
    assert one(records) == many(records) and one.outputs == many.outputs  # padding never changes a judgment
    # a random model writes no valid judgment: every row is wrong and the failure rate says why
    rows = judge_rows(one, records)
    assert all(r["pred"] is None and not r["correct"] and r["parse_error"] for r in rows)
    metrics = suite_metrics("rewardbench", rows, records)
    assert metrics["parse_failure_rate"] == 1.0 and metrics["overall"] == 0.0
    assert metrics["order_consistency"] == 0.0

    # a judge that always writes "choice: B": parsed, scored in both orders like any other judge
    def always_b(_model, prompts, max_new_tokens, eos_id=None):
        return [small_tokenizer.encode("choice: B") for _ in prompts]

    monkeypatch.setattr(scoring, "greedy_generate", always_b)
    rows = judge_rows(GenerationScorer(model, small_tokenizer, 224, 6, progress=False), records)
    assert {r["pred"] for r in rows} == {"B"} and all(r["parse_error"] == "" for r in rows)
    assert suite_metrics("rewardbench", rows, records)["parse_failure_rate"] == 0.0
    assert sum(r["correct"] for r in rows) == len(records)  # B is right in exactly one order of each pair


# Paper Table 3 (LLM-AggreFact): overall, then LLM-FactVerify, Wiki-FactVerify, Summarization, Long-form QA
TABLE3 = {
    "FLAMe-24B": (81.1, 82.3, 77.7, 85.3, 72.7),
    "FLAMe-RM-24B": (80.8, 82.6, 77.2, 85.4, 70.9),
    "FLAMe-Opt-RM-24B": (80.2, 77.6, 81.2, 84.7, 74.8),
    "GPT-4-0125": (80.6, 79.6, 71.6, 85.3, 77.3),
    "PaLM-2-24B": (54.8, 34.4, 28.9, 68.2, 71.7),
}


@pytest.mark.parametrize("model", sorted(TABLE3))
def test_paper_table3_overall_is_the_mean_over_ten_datasets(model):
    overall, *cols = TABLE3[model]
    uses = dict(zip(("llm_factverify", "wiki_factverify", "summarization", "long_form_qa"), cols))
    assert aggrefact.overall_from_use_cases(uses) == pytest.approx(overall, abs=0.05)
    assert sum(cols) / 4 != pytest.approx(overall, abs=0.3)  # and not the mean of the four use-cases


def test_benchmark_constants_match_the_official_files():
    assert len(rewardbench.SUBSETS) == 23 and len(aggrefact.DATASETS) == 10
    counts = {s: n for s, (_, n) in rewardbench.SUBSETS.items()}
    coding = sum(n for s, (sec, n) in rewardbench.SUBSETS.items() if sec == "coding")
    assert counts["math-prm"] == coding == 984  # math weighs as much as all code in Reasoning
    assert rewardbench.overall(
        {"chat": 94.7, "chat_hard": 66.2, "safety": 88.5, "reasoning": 94.7}
    ) == pytest.approx(86.0, abs=0.05)
    with pytest.raises(ValueError, match="missing"):
        rewardbench.overall({"chat": 1.0})
    uses = aggrefact.use_cases({"ClaimVerify": 0.8, "FactCheck-GPT": 0.6, "WiCE": 0.5})
    assert uses == {"llm_factverify": pytest.approx(0.7), "wiki_factverify": 0.5}
    with pytest.raises(KeyError, match="not one of LLM-AggreFact"):
        aggrefact.use_cases({"RAGTruth": 0.9})


def test_auc_ranks_by_label_probability_whatever_the_decision():
    from core.eval.metrics import auc

    def rows(pairs):
        return [{"gold": g, "probs": {"A": p, "B": 1 - p}} for g, p in pairs]

    good = rows([("A", 0.9), ("A", 0.6), ("B", 0.55), ("B", 0.2)])
    assert auc(good) == 1.0 and auc(rows([("A", 0.1), ("B", 0.9)])) == 0.0
    # always answering A (every P(A) > 0.5) is 50% accurate here, yet the ranking is perfect
    assert auc(rows([("A", 0.9), ("B", 0.6)])) == 1.0
    assert auc(rows([("A", 0.5), ("B", 0.5)])) == 0.5  # ties count half
    three = [
        {"gold": gold, "probs": {label: 0.8 if label == gold else 0.1 for label in "xyz"}} for gold in "xyz"
    ]
    assert auc(three) == 1.0 and math.isnan(auc(rows([("A", 0.7)])))


def test_bootstrap_intervals_and_paired_gains():
    from core.data.schema import Record
    from core.eval.uncertainty import bootstrap, paired

    records = [
        Record(task="t", split="test", example_id=f"e{i}", kind="classification", capability="quality", title="t",
               description="d", context=(("c", "x"),), target=(("answer", "yes"),), label_space=("yes", "no"),
               meta={"subset": "s1" if i % 2 else "s2"})
        for i in range(300)
    ]  # fmt: skip

    def row(record, hit):
        p_yes = 0.9 if hit else 0.1
        return {
            "example_id": record.example_id,
            "subset": record.meta["subset"],
            "order": "-",
            "gold": "yes",
            "pred": "yes" if hit else "no",
            "correct": bool(hit),
            "probs": {"yes": p_yes, "no": 1 - p_yes},
        }

    def rows(p_correct, seed):
        hits = np.random.default_rng(seed).random(len(records)) < p_correct
        return [row(r, h) for r, h in zip(records, hits)]

    weak, strong = rows(0.55, 1), rows(0.8, 2)
    ci = bootstrap("heldin", weak, records, n=300, seed=0)
    point = sum(r["correct"] for r in weak) / len(weak)
    lo, hi = ci["overall_ci95"]
    assert lo < point < hi and 0.05 < hi - lo < 0.2
    same = paired("heldin", weak, weak, records, n=200, seed=0)
    assert same["overall"]["gain"] == 0 and same["overall"]["gain_ci95"] == [0.0, 0.0]
    better = paired("heldin", strong, weak, records, n=300, seed=0)
    assert better["overall"]["gain_ci95"][0] > 0 and set(better["subsets"]) == {"s1", "s2"}
    assert "order_averaged" not in better  # no pairwise records, nothing to average
    with pytest.raises(ValueError, match="same examples"):
        paired("heldin", strong[:-1], weak, records, n=10, seed=0)


def test_truncation_probe_judges_the_same_records_shortened_and_whole(small_synth, small_tokenizer, tmp_path):
    import json
    import sys

    from imports import ROOT

    from core.modeling.io import export_model
    from tools import truncation_probe

    out, _ = small_synth
    folder = tmp_path / "model"
    export_model(
        Decoder(preset("test", small_tokenizer.vocab_size), nnx.Rngs(0)), folder, {}, small_tokenizer.files()
    )
    params = tmp_path / "params.yaml"  # 96 tokens shorten synth claims, 256 hold them whole
    params.write_text(
        (ROOT / "params.yaml").read_text().replace("max_input_tokens: 224", "max_input_tokens: 96")
    )
    argv = ["probe", "--model", str(folder), "--suite", "aggrefact", "--budget", "256", "--data", str(out)]
    argv += ["--params", str(params)]
    sys_argv, sys.argv = sys.argv, [*argv, "--out", str(tmp_path / "probe.json")]
    try:
        truncation_probe.main()
    finally:
        sys.argv = sys_argv
    result = json.loads((tmp_path / "probe.json").read_text())
    assert 0 < result["records"]["probed"] <= result["records"]["suite"]
    short, whole = result["label_means"]["shortened"], result["label_means"]["whole"]
    assert (
        sum(short.values()) == pytest.approx(1, abs=1e-3) and short != whole
    )  # other prompts, other answers
    gain = result["whole_minus_shortened"]["overall"]
    assert gain["gain"] == pytest.approx(gain["a"] - gain["b"])


def test_skill_probe_lookup_labels_are_membership_and_balanced(small_tokenizer):
    from core.synth.pools import pools
    from tools.skill_probe import probe_records, probe_words, single_token_words

    words = single_token_words(small_tokenizer)
    assert words and all(len(small_tokenizer.encode(" " + w)) == 1 for w in words)
    records = probe_records("lookup", 400, 0, words)
    for r in records:
        assert (r.field("word") in r.field("words").split()) == (r.target[0][1] == "yes")
    assert 0.4 < sum(r.target[0][1] == "yes" for r in records) / len(records) < 0.6
    copies = probe_records("copy", 5, 0, words)
    assert all(r.target[0][1] == r.field("words") for r in copies)
    assert probe_records("lookup", 5, 0, words, split="test") != probe_records("lookup", 5, 0, words)
    assert set(probe_words("pool", small_tokenizer)) >= set(pools("train").names) and not set(
        probe_words("pool", small_tokenizer)
    ) & set(pools("heldout").cities)


def test_skill_probe_scores_tasks_and_trains_a_skill(small_synth, small_tokenizer, tmp_path):
    import json
    import sys

    from core.modeling.io import export_model
    from tools import skill_probe

    out, _ = small_synth
    folder = tmp_path / "model"
    export_model(
        Decoder(preset("test", small_tokenizer.vocab_size), nnx.Rngs(0)), folder, {}, small_tokenizer.files()
    )
    runs = {
        "score": ["score", "--model", str(folder), "--data", str(out), "--limit", "10"],
        "learn": ["learn", "--skill", "lookup", "--steps", "4", "--init", str(folder)],
        "task": ["learn", "--skill", "attribution_classification", "--steps", "2", "--init", str(folder)],
    }
    results = {}
    for name, argv in runs.items():
        argv += ["--data", str(out)] if name != "score" else []
        sys_argv, sys.argv = sys.argv, ["probe", *argv, "--out", str(tmp_path / f"{name}.json")]
        try:
            skill_probe.main()
        finally:
            sys.argv = sys_argv
        results[name] = json.loads((tmp_path / f"{name}.json").read_text())
    judged = {"safety_classification", "chat_count_pairwise", "attribution_rating_pointwise"}
    assert judged <= set(results["score"]) and "list_writing" not in results["score"]
    assert all(0 <= v <= 1 for v in results["score"].values())
    learned = results["learn"]
    assert learned["steps"] == 4 and list(learned["target_loss"])[-1] == "4"
    assert 0 <= learned["fresh_accuracy"] <= 1 and 0.4 < learned["fresh_yes_share"] < 0.6
    scored = results["task"]["aggrefact"]
    assert {"overall", "news", "dialogue", "bio"} <= set(scored) and 0 <= scored["overall"] <= 1
