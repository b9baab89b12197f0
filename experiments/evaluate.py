"""Stage ``eval@<model>-<suite>``: judge a suite with a trained model or a trivial control.

``--model`` takes a run name (``artifacts/models/<name>``), an exported model folder, or ``control:<name>``
for the trivial judges (always_first, prefer_longer, prefer_shorter). ``--suite`` reads the prepared
collection's suite, or with ``--source local:<folder>`` the benchmark's files as their authors publish them
(e.g. ``--suite rewardbench --source local:../shared/data/real/llmbar``). Each task is subsampled to
``eval.sample_per_task`` seeded examples (RewardBench: full sets). ``--scorer generate`` lets the model
write its judgment (greedy, KV cache) and parses it strictly; parse failures count as wrong. Writes
``per_example.jsonl`` and ``metrics.json`` to ``--out`` (default ``artifacts/eval/<model>/<suite>``).
"""

from __future__ import annotations

import time
from pathlib import Path

from core.errors import UserError
from core.eval.harness import judge_rows, suite_metrics, write_results
from core.eval.loading import make_judge
from core.eval.suites import load, sample_per_task
from core.eval.uncertainty import bootstrap
from experiments.common import DATA_DIR, EVAL, parsed, parser, run


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--model", required=True)
    p.add_argument("--suite", required=True)
    p.add_argument("--data", type=Path, default=DATA_DIR)
    p.add_argument("--source", default="collection", help="'collection' (default) or 'local:<folder>'")
    p.add_argument("--out", type=Path)
    p.add_argument("--scorer", choices=["loglik", "generate"], help="default: params eval.scorer")
    p.add_argument(
        "--allow-missing",
        action="store_true",
        help="local: score a suite whose folder lacks some subsets (listed in metrics.json) instead of stopping",
    )
    p.add_argument("--no-progress", action="store_true")
    args, params = parsed(p)
    try:
        loaded = load(
            args.suite, args.source, args.data, params.collection.max_quarantine, args.allow_missing
        )
    except KeyError as err:
        raise UserError(f"{err.args[0]}") from None
    records = sample_per_task(loaded.records, args.suite, params.eval.sample_per_task, params.seed)
    judge, name = make_judge(args.model, params, not args.no_progress, args.scorer or params.eval.scorer)
    t0 = time.perf_counter()
    rows = judge_rows(judge, records, params.eval.orders, params.seed)
    metrics = suite_metrics(args.suite, rows, records)
    metrics["model"] = name
    if args.source != "collection":  # what the published files lacked, so a partial score never looks whole
        metrics["missing_subsets"] = loaded.missing
        metrics["quarantined_rows"] = len(loaded.quarantined)
        metrics["quarantine"] = loaded.quarantined[:20]
    if params.eval.bootstrap:
        metrics |= bootstrap(args.suite, rows, records, params.eval.bootstrap, params.seed)
        metrics["bootstrap_samples"] = params.eval.bootstrap
    rate = len(rows) / max(time.perf_counter() - t0, 1e-9)  # printed, not stored: metrics stay reproducible
    write_results(args.out or EVAL / name / args.suite, rows, metrics)
    consistency = (
        f", both orders averaged {metrics['order_averaged']:.3f}, order consistency {metrics['order_consistency']:.3f}"
        if "order_consistency" in metrics
        else ""
    )
    print(f"{name} on {args.suite}: overall {metrics['overall']:.3f}{consistency} ({rate:.0f} judgments/s)")


if __name__ == "__main__":
    run(main)
