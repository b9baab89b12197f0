"""Does shortening the prompt cost a judge its answer? Takes the records of a suite that the training prompt
budget (``data.max_input_tokens``) shortens but a larger ``--budget`` holds whole, judges each both ways
with the same model, and prints the paired difference (whole minus shortened) of the suite's statistics with
its 95% paired-bootstrap interval, and the mean probability of each label both ways.

    python -m tools.truncation_probe --model flame --suite aggrefact --budget 1024 [--out probe.json]
"""

from __future__ import annotations

import json
from pathlib import Path

from core.data.features import fit_prompt
from core.errors import UserError
from core.eval.harness import judge_rows
from core.eval.loading import load_judge_model, resolve_model
from core.eval.scoring import LoglikScorer
from core.eval.suites import load
from core.eval.uncertainty import paired
from experiments.common import DATA_DIR, MODELS, parsed, parser, run


def label_means(rows: list[dict]) -> dict[str, float]:
    """Mean probability the judge gives each label: a judge that answers one label whatever it reads shows
    it here before it shows in accuracy."""
    labels = sorted({k for r in rows for k in r["probs"]})
    return {k: round(sum(r["probs"].get(k, 0.0) for r in rows) / len(rows), 4) for k in labels}


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--model", required=True, help="a run name or a model folder")
    p.add_argument("--suite", default="aggrefact")
    p.add_argument("--budget", type=int, default=1024, help="the larger prompt budget (tokens)")
    p.add_argument("--data", type=Path, default=DATA_DIR)
    p.add_argument("--out", type=Path, help="also write the result here as JSON")
    args, params = parsed(p)
    short_budget = params.data.max_input_tokens
    if args.budget <= short_budget:
        raise UserError(f"--budget {args.budget} must exceed data.max_input_tokens ({short_budget})")
    model, tok = load_judge_model(resolve_model(args.model, MODELS))
    records = load(args.suite, "collection", args.data).records
    chosen = [
        r
        for r in records
        if fit_prompt(r, tok, short_budget).removed > 0 and fit_prompt(r, tok, args.budget).removed == 0
    ]
    if not chosen:
        raise UserError(
            f"no {args.suite} record is shortened at {short_budget} tokens and whole at {args.budget}"
        )
    rows = {}
    for name, budget in (("shortened", short_budget), ("whole", args.budget)):
        judge = LoglikScorer(model, tok, budget, params.data.max_target_tokens, params.eval.batch_size)
        rows[name] = judge_rows(judge, chosen, params.eval.orders, params.seed)
    diff = paired(args.suite, rows["whole"], rows["shortened"], chosen, params.eval.bootstrap, params.seed)
    result = {
        "model": args.model,
        "suite": args.suite,
        "records": {"suite": len(records), "probed": len(chosen)},
        "budgets": {"shortened": short_budget, "whole": args.budget},
        "label_means": {name: label_means(r) for name, r in rows.items()},
        "whole_minus_shortened": {k: v for k, v in diff.items() if k != "subsets"},
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    run(main)
