"""Tail-patch arithmetic on curves whose answers are known: ratings from explicit criteria, bundles,
the paper's weight rules (sums, 'others', the fixed 200K for the top tasks of the weakest categories), and
precision / recall of planted effects."""

import math

import pytest
from helpers import pair

from core.tailpatch.bundles import Weighting, bundles, oracle, recovery, to_mixture, top_tasks, weights
from core.tailpatch.ratings import Criteria, rate, rate_all, references

C = Criteria(helpful_gain=0.05, slight_gain=0.02, harmful_drop=0.05, stable_points=2)


@pytest.mark.parametrize(
    "curve, want",
    [
        ([0.55, 0.60, 0.61], 2),  # significant and holding
        ([0.60, 0.60, 0.51], 0),  # a gain that fades is no clear effect
        ([0.52, 0.53, 0.53], 1),  # slight
        ([0.45, 0.44, 0.43], -1),  # significant drop that holds
        ([0.40, 0.50, 0.51], 0),  # recovers: not harmful
    ],
)
def test_rating_criteria(curve, want):
    assert rate(curve, 0.50, C) == want


def test_criteria_are_validated():
    with pytest.raises(ValueError):
        Criteria(helpful_gain=0.01, slight_gain=0.02)
    with pytest.raises(ValueError, match="cannot show"):
        rate([0.5], 0.5, C)
    with pytest.raises(KeyError):
        rate_all({"t": {"chat": [0.6, 0.6]}}, {}, C)
    with pytest.raises(ValueError, match="reference"):
        Criteria(reference="control")
    with pytest.raises(ValueError, match="3 points for a curve of 2"):
        rate([0.5, 0.5], [0.5, 0.5, 0.5], C)


def test_a_median_reference_discounts_the_drift_every_patch_shares():
    """Every patch loses safety (forgetting); against the start all would be harmful, against the median
    patch only the one that loses much more than the rest, and the one that holds up is helpful."""
    curves = {
        "typical_a": {"safety": [0.50, 0.45, 0.40]},
        "typical_b": {"safety": [0.49, 0.44, 0.41]},
        "typical_c": {"safety": [0.51, 0.46, 0.39]},
        "keeps": {"safety": [0.55, 0.52, 0.50]},
        "wrecks": {"safety": [0.45, 0.30, 0.25]},
    }
    start = {"safety": 0.55}
    by_start = rate_all(curves, start, C)
    assert {t: r["safety"] for t, r in by_start.items()} == {
        "typical_a": -1,
        "typical_b": -1,
        "typical_c": -1,
        "keeps": 0,
        "wrecks": -1,
    }
    med = Criteria(**{**C.__dict__, "reference": "median"})
    assert references(curves, start, med) == {"safety": [0.50, 0.45, 0.40]}
    by_median = rate_all(curves, start, med)
    assert {t: r["safety"] for t, r in by_median.items()} == {
        "typical_a": 0,
        "typical_b": 0,
        "typical_c": 0,
        "keeps": 2,
        "wrecks": -1,
    }
    uneven = {**curves, "short": {"safety": [0.5, 0.5]}}
    with pytest.raises(ValueError, match="different lengths"):
        references(uneven, start, med)


RATINGS = {
    "good_everywhere": {"chat": 2, "chat_hard": 2, "math": 1, "coding": 0, "safety": 1},
    "hard_helper": {"chat": 0, "chat_hard": 2, "math": 0, "coding": 0, "safety": 0},
    "hard_slight": {"chat": 0, "chat_hard": 1, "math": 0, "coding": 0, "safety": 0},
    "safety_helper": {"chat": 0, "chat_hard": 0, "math": 0, "coding": 0, "safety": 2},
    "noise": {"chat": 0, "chat_hard": 0, "math": 0, "coding": 0, "safety": 0},
    "harmful": {"chat": 0, "chat_hard": -1, "math": 0, "coding": 0, "safety": 0},
}
FINAL = {t: {"chat": 0.9, "chat_hard": 0.5, "math": 0.5, "coding": 0.5, "safety": 0.5} for t in RATINGS}
FINAL["good_everywhere"] = {"chat": 0.97, "chat_hard": 0.7, "math": 0.5, "coding": 0.5, "safety": 0.9}
FINAL["hard_helper"] = {**FINAL["noise"], "chat_hard": 0.68}
W = Weighting(
    thresholds={"chat": 0.95, "chat_hard": 0.66, "math": 0.99, "coding": 0.84, "safety": 0.85},
    general_min_total=5,
)


def test_bundles_and_weights_follow_the_paper():
    b = bundles(RATINGS, FINAL, W)
    assert b["general"] == ["good_everywhere"]  # total 6 >= 5
    assert b["chat_hard"] == ["good_everywhere", "hard_helper"] and b["chat"] == ["good_everywhere"]
    assert b["others"] == ["hard_slight", "harmful", "noise", "safety_helper"]
    w, info = weights(RATINGS, FINAL, W)
    assert info["top_chat_hard"] == ["good_everywhere", "hard_helper"]  # rating 2 beats 1; then score
    assert info["top_safety"] == ["safety_helper", "good_everywhere"]
    assert info["others"] == ["hard_slight", "harmful", "noise"]  # safety_helper's 200K replaces 'others'
    assert w["good_everywhere"] == 200_000 and w["hard_helper"] == 200_000 and w["safety_helper"] == 200_000
    assert w["noise"] == 3_000 and w["harmful"] == 3_000 and w["hard_slight"] == 3_000
    without_top = weights(RATINGS, FINAL, Weighting(thresholds=W.thresholds, top_k=0))[0]
    assert without_top["good_everywhere"] == 100_000 + 3 * 30_000  # general + chat, chat_hard, safety
    assert top_tasks(RATINGS, FINAL, "coding", 2) == []  # nobody helps coding
    spec = to_mixture("opt", w, {t: 100 for t in RATINGS})
    assert spec.proportions["noise"] == pytest.approx(3_000 / sum(w.values()))
    with pytest.raises(KeyError):
        to_mixture("opt", w, {"noise": 1})


def test_recovery_of_planted_effects():
    planted = {
        "hard_helper": {"chat_hard": 1},
        "safety_helper": {"safety": 1},
        "harmful": {"chat_hard": -1},
        "noise": {"coding": 1},
    }
    r = recovery(RATINGS, planted)
    assert r["helpful"]["planted"] == 3 and r["helpful"]["correct"] == 2
    assert r["helpful"]["recall"] == pytest.approx(2 / 3)
    assert r["helpful"]["precision"] == pytest.approx(
        2 / 7
    )  # good_everywhere's 4 and hard_slight's 1 count too
    assert r["harmful"] == {"planted": 1, "found": 1, "correct": 1, "precision": 1.0, "recall": 1.0}
    assert math.isnan(recovery({"a": {"chat": 0}}, {})["helpful"]["precision"])


def test_the_oracle_reads_planted_effects_as_ratings_under_the_searchs_rules():
    planted = {
        "a": {"chat": 1, "safety": 1},
        "b": {"chat_hard": -1},
        "c": {"coding": 1},
        "other": {"math": 1},
    }
    ratings, final = oracle(planted, ["a", "b", "c", "d"], W.thresholds)
    assert set(ratings) == {"a", "b", "c", "d"}  # the patched tasks only; an unplanted one rates 0
    assert ratings["a"]["chat"] == 2 and ratings["b"]["chat_hard"] == -1 and set(ratings["d"].values()) == {0}
    assert recovery(ratings, planted)["helpful"]["recall"] == 1.0  # perfect measurements find every effect
    b = bundles(ratings, final, W)
    assert b["chat"] == ["a"] and b["safety"] == ["a"] and b["coding"] == ["c"] and b["chat_hard"] == []
    assert b["others"] == ["b", "d"]
    w, info = weights(ratings, final, Weighting(thresholds=W.thresholds, weakest=("coding",), top_k=1))
    assert info["top_coding"] == ["c"] and w["c"] == 200_000
    assert w["a"] == 2 * 30_000 and w["b"] == w["d"] == 3_000


def _rec(i, section):
    return pair(f"r{i}", "a", "b", section=section)


def test_eval_subset_is_seeded_per_category_and_curves_read_the_log():
    from core.eval.hook import eval_subset
    from core.tailpatch.patch import curves

    records = [_rec(i, ("chat", "safety", "math")[i % 3]) for i in range(30)]
    a, b = eval_subset(records, 4, seed=1), eval_subset(list(reversed(records)), 4, seed=1)
    assert [r.example_id for r in a] == [r.example_id for r in b] and len(a) == 12
    assert {r.meta["section"] for r in a} == {"chat", "safety", "math"}  # only the categories present
    with pytest.raises(ValueError, match="no records"):
        eval_subset([_rec(0, "other")], 4, seed=1)
    log = [
        {"step": "1", "loss": "2"},
        {"step": "2", "eval_chat": "0.5", "eval_safety": "0.25"},
        {"step": "4", "eval_chat": "0.75", "eval_safety": ""},
    ]
    assert curves(log) == {"chat": [0.5, 0.75], "safety": [0.25]}


def test_auto_rules_derive_weakest_thresholds_and_general_minimum():
    from core.config import TailpatchConfig
    from core.tailpatch.rules import resolve

    start = {"chat": 0.8, "chat_hard": 0.6, "math": 0.55, "coding": 0.9, "safety": 0.7}
    median = {c: [v - 0.1, v - 0.05] for c, v in start.items()}  # the median patch's curve per category
    auto = TailpatchConfig(weakest="auto", weakest_count=2, thresholds="auto", general_min_total="auto")
    resolved, chosen = resolve(auto, start, median)
    assert resolved.weakest == ("math", "chat_hard")  # the two lowest starting scores
    assert resolved.thresholds["coding"] == pytest.approx(0.85 + auto.helpful_gain)  # last median + gain
    assert resolved.general_min_total == 5 and "5 categories" in chosen["general_min_total"]["rule"]
    assert chosen["weakest"]["value"] == ["math", "chat_hard"]
    explicit, said = resolve(TailpatchConfig(), start, median)  # the paper's values stay as they are
    assert (
        explicit == TailpatchConfig() and said["thresholds"]["rule"] == "set in params.tailpatch.thresholds"
    )


def test_stability_compares_the_repeats_own_ratings():
    from core.tailpatch.ratings import stability

    c = Criteria(helpful_gain=0.1, slight_gain=0.05, harmful_drop=0.1, stable_points=1, reference="start")
    start = {"chat": 0.5}
    same = {"a": [{"chat": [0.7]}, {"chat": [0.7]}], "b": [{"chat": [0.5]}, {"chat": [0.5]}]}
    assert stability(same, start, c) == {"repeats": 2, "rating_agreement": 1.0, "gain_correlation": 1.0}
    flipped = {"a": [{"chat": [0.7]}, {"chat": [0.5]}], "b": [{"chat": [0.5]}, {"chat": [0.7]}]}
    s = stability(flipped, start, c)
    assert s["rating_agreement"] == 0.0 and s["gain_correlation"] == pytest.approx(-1.0)
    assert stability({"a": [{"chat": [0.7]}]}, start, c) == {"repeats": 1}


def test_a_patch_fingerprint_changes_with_what_the_patch_depends_on(tmp_path):
    """The patches stage keeps a stored patch only while its fingerprint matches: a changed patch setting,
    task data, start or subset must change it, and an unrelated setting must not."""
    import dataclasses
    from pathlib import Path

    from core import config
    from core.tailpatch.run import fingerprint

    start = tmp_path / "start"
    start.mkdir()
    (start / "config.json").write_text("{}")
    params = config.load(Path(__file__).parents[1] / "params.yaml")
    recs = [pair("a", "x", "y"), pair("b", "x", "y")]
    base = fingerprint(params, "t", recs, start, ["s1", "s2"])
    assert base == fingerprint(dataclasses.replace(params, seed=params.seed), "t", recs, start, ["s1", "s2"])
    unrelated = dataclasses.replace(params, tailpatch=dataclasses.replace(params.tailpatch, top_k=5))
    assert fingerprint(unrelated, "t", recs, start, ["s1", "s2"]) == base  # a weighting rule: no rerun
    longer = dataclasses.replace(params, tailpatch=dataclasses.replace(params.tailpatch, steps=7))
    changed = [
        fingerprint(longer, "t", recs, start, ["s1", "s2"]),
        fingerprint(params, "t", recs[:1], start, ["s1", "s2"]),
        fingerprint(params, "t", recs, start, ["s1"]),
        fingerprint(params, "u", recs, start, ["s1", "s2"]),
    ]
    (start / "config.json").write_text('{"d_model": 1}')  # another start model
    changed.append(fingerprint(params, "t", recs, start, ["s1", "s2"]))
    assert base not in changed and len(set(changed)) == len(changed)
