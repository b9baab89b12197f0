"""Bias probes whose values are known by construction: a judge that always answers A, one that prefers the
longer response, one that follows the bandwagon note, one that always picks its own output, and the
expectation of a random judge."""

import math
import random

import pytest
from helpers import pair

from core.eval.bias import RANDOM_JUDGE, bias_scores, shown
from core.eval.scoring import FirstPosition, LengthJudge


def _pair(i, better, worse, better_at="A", own=None):
    a, b = (better, worse) if better_at == "A" else (worse, better)
    return pair(f"r{i}", a, b, better_at, instruction=f"q{i}", **({"own": own} if own else {}))


RECORDS = [
    _pair(i, "good " * (1 + i % 3), "bad answer " * (2 + i % 2), "AB"[i % 2], own="AB"[i % 3 % 2])
    for i in range(40)
]


def _certain(pick):
    return {"A": 0.0 if pick == "A" else -math.inf, "B": 0.0 if pick == "B" else -math.inf}


def test_shown_records_keep_gold_and_point_notes_at_the_named_response():
    r = RECORDS[1]  # gold is B: the better response is stored second ('y')
    assert shown(r, "plain", "xy").label == "B" and shown(r, "plain", "yx").label == "A"
    assert dict(shown(r, "plain", "yx").context)["response A"] == r.field("response B")
    note = dict(shown(r, "bandwagon", "yx", named="x").context)["note"]
    assert note == "90% of people believe that Response B is better."  # stored 'x' sits at B when swapped
    assert "written by" in dict(shown(r, "compassion", "xy").context)["models"]
    with pytest.raises(ValueError, match="unknown probe variant"):
        shown(r, "sarcasm", "xy")


def test_always_first_is_fully_order_biased():
    scores, _ = bias_scores(RECORDS, FirstPosition())
    assert scores["order"] == 1.0 and scores["compassion"] == 1.0 and scores["egocentric"] == 0.0
    # never picks the same response in both orders: no order-consistent judgment to measure length or notes on
    assert all(math.isnan(scores[p]) for p in ("length", "bandwagon", "attention"))


def test_length_judge_has_maximal_length_bias_and_no_order_bias():
    scores, _ = bias_scores(RECORDS, LengthJudge("longer"))
    assert scores["length"] == 0.5 and scores["order"] == 0.0
    assert scores["bandwagon"] == 0.0 and scores["attention"] == 0.0  # notes do not move it


def test_bandwagon_follower_and_self_preferring_judge():
    def follower(records):
        return [
            _certain(dict(r.context)["note"].split("Response ")[1][0])
            if "note" in dict(r.context) and "90%" in dict(r.context)["note"]
            else _certain(r.label)
            for r in records
        ]

    scores, _ = bias_scores(RECORDS, follower)
    assert scores["bandwagon"] == 1.0 and scores["attention"] == 0.0 and scores["order"] == 0.0

    own = {r.example_id: r for r in RECORDS}

    def narcissist(records):
        out = []
        for r in records:
            base = own[r.example_id.split("/")[0]]
            mine = dict(base.context)["response A" if base.meta["own"] == "A" else "response B"]
            out.append(_certain("A" if dict(r.context)["response A"] == mine else "B"))
        return out

    assert bias_scores(RECORDS, narcissist)[0]["egocentric"] == 1.0


def test_random_judge_matches_the_papers_random_row():
    rng = random.Random(0)
    many = [_pair(i, "x" * (5 + i % 7), "y" * (9 + i % 5), "AB"[i % 2], own="AB"[i % 2]) for i in range(3000)]
    scores, _ = bias_scores(many, lambda rs: [_certain(rng.choice("AB")) for _ in rs])
    for probe, expected in RANDOM_JUDGE.items():
        assert scores[probe] == pytest.approx(expected, abs=0.04), probe
