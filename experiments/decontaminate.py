"""Stage ``decontaminate``: check every training task against every evaluation suite (exact and word n-gram
overlap of context values); writes ``artifacts/decontam/report.json`` and fails above ``decontam.max_overlap``."""

from __future__ import annotations

import json
from pathlib import Path

from core.data.collection import load_suite, load_task_split, training_sizes
from core.data.decontam import check
from core.errors import UserError
from experiments.common import DATA_DIR, DECONTAM, parsed, parser, run


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--data", type=Path, default=DATA_DIR)
    p.add_argument("--out", type=Path, default=DECONTAM)
    args, params = parsed(p)
    cfg = params.decontam
    catalog = json.loads((args.data / "catalog.json").read_text())
    train = {t: load_task_split(args.data, t, "train") for t in training_sizes(args.data)}
    # the held-in suite is the training tasks' own validation split: in-distribution by construction
    suites = {s: load_suite(args.data, s) for s, info in catalog["suites"].items() if not info.get("held_in")}
    report = check(train, suites, n=cfg.ngram, min_words=cfg.min_words)
    report["max_overlap"] = cfg.max_overlap
    worst = report["max"]
    report["passed"] = worst["share"] <= cfg.max_overlap
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    summary = (
        f"decontaminate: worst overlap {worst['share']:.2%} ({worst['check']}: {worst['task']} vs "
        f"{worst['suite']}), limit {cfg.max_overlap:.2%}"
    )
    print(summary)
    if not report["passed"]:
        raise UserError(f"{summary}: contaminated; see {args.out}")


if __name__ == "__main__":
    run(main)
