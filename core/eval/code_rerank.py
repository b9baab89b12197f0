"""Best-of-N code re-ranking on HumanEval (fact sheet §8, Table 5).

A code model's samples (a JSONL of ``task_id`` and ``completion``) are executed against HumanEval's tests in
an OS-level sandbox (``core.eval.sandbox``: namespaces, no network, limits, pass or fail decided outside the
candidate's process). A judge ranks each problem's samples in a round-robin of pairwise
comparisons in both orders; ties go to a seeded draw. Reported: pass@1 of the top-ranked sample, ``none`` (the
expected pass@1 of a random sample) and ``oracle`` (a problem counts when any sample passes).

For the offline default there is no code model: ``mutated_candidates`` derives candidates from the canonical
solutions by deterministic edits (some harmless, most breaking), so some pass and some fail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from core.data.schema import PAIR_FIELDS, PAIR_LABELS, Record, numbered_json_lines
from core.rng import derive


def read_samples(path: str | Path) -> dict[str, list[str]]:
    """``{task_id: [completion, ...]}`` from a samples JSONL; a malformed line is an error naming it."""
    out: dict[str, list[str]] = {}
    for where, row in numbered_json_lines(path):
        if (
            not isinstance(row, dict)
            or not isinstance(row.get("task_id"), str)
            or not isinstance(row.get("completion"), str)
        ):
            raise ValueError(f"{where}: expected {{'task_id': str, 'completion': str}}")
        out.setdefault(row["task_id"], []).append(row["completion"])
    if not out:
        raise ValueError(f"{path}: no samples")
    return out


# ------------------------------------------------------------------------------------- mutated candidates
REPLACEMENTS = {
    "lt_le": ("<", "<="),
    "gt_ge": (">", ">="),
    "eq_ne": ("==", "!="),
    "plus_minus": (" + ", " - "),
    "minus_plus": (" - ", " + "),
    "true_false": ("True", "False"),
    "and_or": (" and ", " or "),
    "return_none": ("return ", "return None  # "),
    "range_start": ("range(", "range(1 + "),
}


def _harmless(code: str) -> str:
    """A semantically equivalent rewrite: a comment line added at the top of the body."""
    indent = re.match(r"\s*", code).group(0) or "    "
    return f"{indent}# candidate solution\n{code}"


def _edits(canonical: str) -> list[tuple[str, str]]:
    """Every distinct single edit of the solution: each mutation applied at each place it fits."""
    out: dict[str, str] = {}
    for name, (old, new) in REPLACEMENTS.items():
        start = 0
        while (at := canonical.find(old, start)) >= 0:
            out.setdefault(canonical[:at] + new + canonical[at + len(old) :], f"{name}@{at}")
            start = at + 1
    lines = canonical.split("\n")
    body = [i for i, ln in enumerate(lines) if ln.strip() and not ln.strip().startswith("#")]
    if len(body) > 1:
        for i in body:
            out.setdefault("\n".join(lines[:i] + lines[i + 1 :]), f"drop_line@{i}")
    out.pop(canonical, None)
    return [(origin, code) for code, origin in out.items()]


def mutated_candidates(canonical: str, task_id: str, n: int, seed: int) -> list[tuple[str, str]]:
    """Up to ``n`` distinct (origin, code) candidates for one problem: the canonical solution, a harmless
    rewrite, and single edits (a flipped comparison or operator, a dropped line, ...) drawn by a seed derived
    from the task. Most edits break the solution; some are equivalent and still pass."""
    edits = sorted(_edits(canonical), key=lambda kv: derive(seed, "mutation", task_id, kv[0]))
    return ([("canonical", canonical), ("harmless", _harmless(canonical))] + edits)[:n]


# ------------------------------------------------------------------------------------------ round robin
def comparison_records(task_id: str, prompt: str, candidates: Sequence[str]) -> list[tuple[int, int, Record]]:
    """(i, j, record) for every ordered pair i != j: sample i shown as A, sample j as B."""
    out = []
    for i, a in enumerate(candidates):
        for j, b in enumerate(candidates):
            if i == j:
                continue
            context = (
                ("instruction", f"Complete the Python function.\n\n{prompt}"),
                (PAIR_FIELDS[0], a),
                (PAIR_FIELDS[1], b),
            )
            out.append(
                (
                    i,
                    j,
                    Record(
                        task="humaneval_rerank",
                        split="test",
                        example_id=f"{task_id}/{i}-{j}",
                        kind="pairwise",
                        capability="coding",
                        title="Which completion of the function is correct?",
                        description="Two completions of the same Python function. Choose 'A' or 'B': the completion that "
                        "correctly implements what the docstring asks, including its edge cases.",
                        context=context,
                        target=(("choice", "A"),),
                        label_space=PAIR_LABELS,
                    ),
                )
            )
    return out


def rank(task_id: str, n: int, wins: Sequence[int], seed: int) -> list[int]:
    """Sample indices best first: most wins, ties ordered by a seeded draw."""
    return sorted(range(n), key=lambda i: (-wins[i], derive(seed, "rerank-tie", task_id, i)))


def rerank(
    judge, problems: dict[str, dict], candidates: dict[str, list[str]], seed: int
) -> dict[str, list[int]]:
    """Each problem's ranking from a round-robin of pairwise judgments (every pair in both orders)."""
    jobs = [
        (tid, i, j, r)
        for tid, cands in candidates.items()
        for i, j, r in comparison_records(tid, problems[tid]["prompt"], cands)
    ]
    scores = judge([r for *_, r in jobs])
    wins = {tid: [0] * len(c) for tid, c in candidates.items()}
    for (tid, i, j, _), sc in zip(jobs, scores):
        if not sc:
            continue  # an unparsed generation gives the point to neither
        wins[tid][i if sc.get("A", float("-inf")) >= sc.get("B", float("-inf")) else j] += 1
    return {tid: rank(tid, len(candidates[tid]), wins[tid], seed) for tid in candidates}


def pass_at_1(rankings: dict[str, list[int]], passed: dict[str, list[bool]]) -> dict[str, float]:
    """pass@1 of the top-ranked sample, the expected pass@1 of a random sample (``none``) and ``oracle``."""
    tasks = sorted(passed)
    return {
        "reranked": sum(passed[t][rankings[t][0]] for t in tasks) / len(tasks),
        "none": sum(sum(passed[t]) / len(passed[t]) for t in tasks) / len(tasks),
        "oracle": sum(any(passed[t]) for t in tasks) / len(tasks),
        "problems": len(tasks),
    }
