"""Stage ``bias@<model>`` / ``bias_controls@<judge>``: CoBBLEr-style bias probes (Table 4) of one judge on a
pairwise suite: every sampled record judged in 4 variants x 2 orders. Writes ``metrics.json`` (the six probes
and their mean) and ``per_example.jsonl`` (the position picked in each variant and order) to
``artifacts/bias/<judge>/``."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

from core.errors import UserError
from core.eval.bias import PROBES, bias_scores
from core.eval.loading import make_judge
from core.eval.suites import load
from core.rng import derive
from experiments.common import BIAS, DATA_DIR, parsed, parser, run


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--model", required=True, help="a run name, a model folder, or control:<name>")
    p.add_argument("--source", default="collection", help="'collection' (default) or 'local:<folder>'")
    p.add_argument("--out", type=Path)
    p.add_argument("--no-progress", action="store_true")
    args, params = parsed(p)
    b = params.bias
    loaded = load(b.suite, args.source, DATA_DIR, params.collection.max_quarantine)
    records = [r for r in loaded.records if r.kind == "pairwise"]
    if not records:
        raise UserError(f"suite '{b.suite}' has no pairwise records to probe")
    records = sorted(records, key=lambda r: derive(params.seed, "bias-sample", r.example_id))[: b.max_records]
    judge, name = make_judge(args.model, params, not args.no_progress)
    t0 = time.perf_counter()
    scores, rows = bias_scores(records, judge, params.seed)
    out = args.out or BIAS / name
    out.mkdir(parents=True, exist_ok=True)
    clean = {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in scores.items()}  # no probe
    (out / "metrics.json").write_text(json.dumps({"judge": name, "suite": b.suite, **clean}, indent=2) + "\n")
    with (out / "per_example.jsonl").open("w") as f:
        for row in rows:
            f.write(json.dumps(row, sort_keys=True) + "\n")
    shown = ", ".join(f"{k} {scores[k]:.2f}" for k in (*PROBES, "average"))
    print(f"{name} biases on {b.suite} ({len(records)} records, {time.perf_counter() - t0:.0f}s): {shown}")


if __name__ == "__main__":
    run(main)
