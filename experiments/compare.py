"""Stage ``compare@<suite>``: judge A against judge B on the same examples of a suite (default FLAMe vs the
base model it was trained from): each statistic's gain (overall, AUC, accuracy, and overall per subset) with
its paired-bootstrap 95% interval -> ``artifacts/eval/compare/<a>_vs_<b>/<suite>/metrics.json``.

    python -m experiments.compare --suite heldin [--a flame --b base]
"""

from __future__ import annotations

import json
from pathlib import Path

from core.data.schema import numbered_json_lines
from core.errors import UserError
from core.eval.suites import load, sample_per_task
from core.eval.uncertainty import paired
from experiments.common import COMPARED, DATA_DIR, EVAL, parsed, parser, run


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--suite", required=True)
    p.add_argument("--a", default=COMPARED[0])
    p.add_argument("--b", default=COMPARED[1])
    p.add_argument("--data", type=Path, default=DATA_DIR)
    args, params = parsed(p)
    suite = load(args.suite, "collection", args.data).records
    records = sample_per_task(suite, args.suite, params.eval.sample_per_task, params.seed)
    rows = {}
    for judge in (args.a, args.b):
        path = EVAL / judge / args.suite / "per_example.jsonl"
        if not path.exists():
            raise UserError(f"{path} is missing; run the eval@{judge}-{args.suite} stage first")
        rows[judge] = [row for _, row in numbered_json_lines(path, ValueError)]
    result = paired(
        args.suite, rows[args.a], rows[args.b], records, max(params.eval.bootstrap, 1), params.seed
    )
    result |= {"suite": args.suite, "a": args.a, "b": args.b, "n_examples": len(records)}
    result["bootstrap_samples"] = params.eval.bootstrap
    out = EVAL / "compare" / f"{args.a}_vs_{args.b}" / args.suite / "metrics.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    o = result["overall"]
    lo, hi = o["gain_ci95"]
    gain = f"gain {o['gain']:+.3f} [{lo:+.3f}, {hi:+.3f}]"
    both = result.get("order_averaged")
    averaged = (
        f"; both orders averaged {both['a']:.3f} vs {both['b']:.3f}, gain {both['gain']:+.3f}" if both else ""
    )
    print(
        f"{args.a} vs {args.b} on {args.suite}: {o['a']:.3f} vs {o['b']:.3f}, {gain}; AUC {result['auc']['gain']:+.3f}"
        + averaged
    )


if __name__ == "__main__":
    run(main)
