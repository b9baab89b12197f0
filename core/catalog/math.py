"""Mathematical reasoning (Table 7: PRM800K, pairwise) and its instruction-tuning twin (PRM800K IF).

A PRM800K line is one model solution to a MATH problem, labelled step by step (+1 / 0 / -1). A solution whose
labeller reached the end with no step rated -1 is *correct*; one where a step was rated -1 is *incorrect* (kept
up to and including that step). Following the paper, pairs are (human solution, incorrect model solution) and
(correct model solution, incorrect model solution) for the same problem.
"""

from __future__ import annotations

from core.catalog.fields import pair, stable_id, text
from core.catalog.spec import Example, RowError, Skip, Source, TaskSpec
from core.data.schema import PAIR_LABELS

_PRM = Source(
    "github",
    "openai/prm800k",
    files=tuple(f"prm800k/data/phase{p}_{s}.jsonl" for p in (1, 2) for s in ("train", "test")),
)


def _steps(row) -> tuple[list[str], bool]:
    """The solution's step texts and whether it is correct (False: it ends at the first step rated -1)."""
    label = row.get("label")
    if not isinstance(label, dict) or not isinstance(label.get("steps"), list):
        raise RowError("label", "expected an object with a list of steps")
    out = []
    for i, step in enumerate(label["steps"]):
        completions = step.get("completions") if isinstance(step, dict) else None
        if not isinstance(completions, list):
            raise RowError("label", f"step {i} has no completions")
        bad = [c for c in completions if isinstance(c, dict) and c.get("rating") == -1]
        chosen = step.get("chosen_completion")
        if isinstance(chosen, int) and 0 <= chosen < len(completions):
            out.append(text(completions[chosen], "text"))
        elif isinstance(step.get("human_completion"), dict):
            out.append(text(step["human_completion"], "text"))
        elif bad:
            out.append(text(bad[0], "text"))
            return out, False
        else:
            raise RowError("label", f"step {i} has no chosen, human or erroneous completion")
    return out, label.get("finish_reason") == "solution"


def _solutions(rows):
    """Distinct correct and incorrect solutions, and how many labelled lines gave no verdict (the labeller gave
    up or flagged the problem)."""
    correct, wrong, no_verdict = [], [], 0
    for row in rows:
        finish = (row.get("label") or {}).get("finish_reason")
        if finish not in ("solution", "found_error"):
            no_verdict += 1
            continue
        steps, ok = _steps(row)
        (correct if ok else wrong).append("\n".join(steps))
    return list(dict.fromkeys(correct)), list(dict.fromkeys(wrong)), no_verdict


def _prm_pairs(group, task):
    question = group["rows"][0].get("question") or {}
    problem, human = text(question, "problem"), text(question, "ground_truth_solution", allow_empty=True)
    correct, wrong, no_verdict = _solutions(group["rows"])
    if not wrong:
        raise Skip("no incorrect solution to compare")
    for _ in range(no_verdict):
        yield Skip("labeller gave no verdict on the solution")
    for i, bad in enumerate(wrong):
        for kind, good in (("human", human), ("model", correct[i] if i < len(correct) else "")):
            if not good:
                continue
            key = stable_id(problem, good, bad)
            fields, label = pair(task.name, key, good, bad)
            yield Example(
                key, (("problem", problem), *fields), (("choice", label),), {"pair": f"{kind}-vs-wrong"}
            )


PRM800K = TaskSpec(
    name="prm800k_solution_correctness", dataset="PRM800K", citation="Lightman et al. 2024", capability="math",
    kind="pairwise", title="Which solution to the math problem is correct?",
    description="Two step-by-step solutions to the same competition math problem follow. Choose 'A' or 'B': the "
    "solution whose every step is correct; the other contains at least one step that is wrong.",
    label_space=PAIR_LABELS, source=_PRM, license="MIT", convert=_prm_pairs, group_by="question.problem",
)  # fmt: skip


def _prm_if(group, task):
    question = group["rows"][0].get("question") or {}
    problem, solution = text(question, "problem"), text(question, "ground_truth_solution", allow_empty=True)
    if not solution:
        raise Skip("no ground-truth solution")
    yield Example(stable_id(problem), (("problem", problem),), (("solution", solution),))


PRM800K_IF = TaskSpec(
    name="prm800k_solution_writing", dataset="PRM800K IF", citation="Lightman et al. 2024",
    capability="instruction_tuning", kind="open_ended", title="Solve the math problem step by step.",
    description="Write a complete step-by-step solution to the problem and end with the final answer.",
    label_space=None, source=_PRM, license="MIT", convert=_prm_if, group_by="question.problem",
)  # fmt: skip

TASKS = (PRM800K, PRM800K_IF)
