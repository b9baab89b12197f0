"""Stage ``tailpatch_summary``: the known-answer check and the headline comparison of tail-patch search ->
``artifacts/tailpatch/summary.json``: precision / recall of the planted helpful and harmful tasks (synth),
FLAMe-Opt-RM versus full FLAMe and versus FLAMe at the start's step (the snapshot every patch started from;
Opt-RM trains as many steps) on the target suite, the ratio of training examples each saw (paper: 24x), what
the patch runs cost, in examples, against full training, and how the weakest categories, tau and the general
bundle's minimum were chosen. Runs trained on a ``tailpatch.oracle`` mixture (the planted effects read as
ratings; profile ``oracle``) are scored beside them as the search's upper bound."""

from __future__ import annotations

import json

from core.reporting.load import read_json
from experiments.common import EVAL, TAILPATCH, TRAIN_LOGS, parsed, parser, run

RUNS = ("flame", "flame_opt_rm")


def main() -> None:
    p = parser(__doc__)
    args, params = parsed(p)
    tp = params.tailpatch
    suite = tp.suite
    oracles = [r for r, c in params.train.items() if c.mixture in tp.oracle and r in params.eval.models]
    ratings = read_json(TAILPATCH / "ratings.json")
    start = read_json(TAILPATCH / "start.json")
    train = {r: read_json(TRAIN_LOGS / r / "summary.json") for r in (*RUNS, *oracles)}
    scores = {r: read_json(EVAL / r / suite / "metrics.json") for r in (*RUNS, *oracles)}
    keys = ("overall", "chat", "chat_hard", "safety", "reasoning", "math", "coding")
    seen = {r: train[r]["examples_seen"] for r in train}
    summary = {
        "recovery": ratings.get("recovery"),
        "chosen": {
            "start": {"run": tp.start, "step": tp.start_step, "lr": start.get("lr")},
            **ratings.get("chosen", {}),
        },
        "stability": ratings.get("stability"),
        "suite": suite,
        "scores": {r: {k: scores[r][k] for k in keys if k in scores[r]} for r in scores},
        # the oracle runs: the search's upper bound, and what the searched mixture leaves to it (overall)
        "oracle": {
            r: {
                "mixture": params.train[r].mixture,
                "overall": scores[r]["overall"],
                "minus_flame_opt_rm": scores[r]["overall"] - scores["flame_opt_rm"]["overall"],
            }
            for r in oracles
        },
        # FLAMe at the start's step, on the whole suite when the evaluation subset is all of it
        "flame_at_start_step": {**start.get("suite", {}), **start["scores"]},
        "examples_seen": seen,
        "example_ratio_flame_over_opt_rm": seen["flame"] / seen["flame_opt_rm"],
        "cost": {
            "patches": {
                "runs": len(tp.tasks),
                "steps_each": tp.steps,
                "steps": len(tp.tasks) * tp.steps,
                "examples": ratings["patch_examples"],
            },
            "start": {"steps": tp.start_step, "examples": start["examples_seen"]},
            **{r: {"steps": train[r]["step"], "examples": seen[r]} for r in train},
        },
    }
    search = sum(summary["cost"][k]["examples"] for k in ("patches", "start", "flame_opt_rm"))
    summary["cost"]["search_plus_opt_rm_over_flame"] = search / seen["flame"]
    (TAILPATCH / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    run(main)
