"""Tail-patch stages (fact sheet §5), on the suite ``tailpatch.suite`` of the prepared collection.

``--start``: score the partially trained starting model (``tailpatch.start``) on the fixed evaluation subset
-> ``artifacts/tailpatch/start.json``. ``--task <t>``: fine-tune the starting model on task ``t`` alone for
``tailpatch.steps`` steps, scoring the subset every ``tailpatch.eval_every`` steps -> ``artifacts/tailpatch/
patches/<t>.json`` (the curves). Each patch is its own DVC stage, so changing one task reruns one patch."""

from __future__ import annotations

import json
import time

from core.data.collection import load_task_split
from core.data.tokenizer import Tokenizer
from core.errors import UserError
from core.eval.hook import suite_scorer
from core.eval.loading import load_judge_model
from core.tailpatch.run import patch
from experiments.common import DATA_DIR, MODELS, TAILPATCH, TOKENIZER, load_params, parser, run


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--start", action="store_true")
    p.add_argument("--task")
    p.add_argument("--no-progress", action="store_true")
    args = p.parse_args()
    if args.start == bool(args.task):
        raise UserError("give exactly one of --start or --task <name>")
    params = load_params(args.params)
    tp = params.tailpatch
    tok = Tokenizer.load(TOKENIZER)
    subset, scores = suite_scorer(params, DATA_DIR, tok)
    out_dir = TAILPATCH / "patches"
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if args.start:
        model, _ = load_judge_model(MODELS / tp.start, TOKENIZER)
        result = {"start": tp.start, "records": len(subset), "scores": scores(model)}
        (TAILPATCH / "start.json").write_text(json.dumps(result, indent=2) + "\n")
        print(f"tail-patch start {tp.start}: {result['scores']}")
        return
    records = load_task_split(DATA_DIR, args.task, "train")
    result = patch(params, args.task, records, tok, MODELS / tp.start, scores, not args.no_progress)
    (out_dir / f"{args.task}.json").write_text(json.dumps(result, indent=2) + "\n")
    last = {k: round(v[-1], 3) for k, v in result["curves"].items()}
    print(f"tail-patch {args.task}: {last} in {time.perf_counter() - t0:.0f}s")


if __name__ == "__main__":
    run(main)
