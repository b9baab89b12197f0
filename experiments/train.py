"""Stage ``train@<run>``: train one run from params.train.<run>; resumes from its last checkpoint. The run that
``tailpatch.start`` names also leaves a snapshot at ``tailpatch.start_step`` (``artifacts/snapshots/<run>/
<step>``: weights, Adam state and learning rate), the start of every tail-patch run."""

from __future__ import annotations

import json

from core.data.collection import load_task_split
from core.data.tokenizer import Tokenizer
from core.eval.hook import suite_scorer
from core.mixture.spec import MixtureSpec
from core.training.loop import Job, RunPaths, train
from experiments.common import (
    CHECKPOINTS,
    DATA_DIR,
    MIXTURES,
    MODELS,
    SNAPSHOTS,
    TOKENIZER,
    TRAIN_LOGS,
    parsed,
    parser,
    run,
    select,
)


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--run", required=True)
    p.add_argument("--no-progress", action="store_true")
    args, params = parsed(p)
    cfg = select(params.train, args.run, "run")
    spec = MixtureSpec.load(MIXTURES / f"{cfg.mixture}.json")
    records = {t: load_task_split(DATA_DIR, t, "train") for t, w in spec.proportions.items() if w > 0}
    paths = RunPaths(CHECKPOINTS / args.run, MODELS / args.run, TRAIN_LOGS / args.run, SNAPSHOTS / args.run)
    paths.snapshots.mkdir(parents=True, exist_ok=True)  # the stage's output, empty for most runs
    tp = params.tailpatch
    tok = Tokenizer.load(TOKENIZER)
    job = Job.with_params(
        params,
        name=args.run,
        cfg=cfg,
        init=MODELS / cfg.init,
        spec=spec,
        records=records,
        tok=tok,
        paths=paths,
        snapshots=(tp.start_step,) if args.run == tp.start else (),
    )
    summary = train(
        job,
        progress=not args.no_progress,
        evaluate=suite_scorer(params, DATA_DIR, tok)[1] if cfg.eval_every else None,
    )
    print(
        json.dumps({k: summary[k] for k in ("run", "step", "train_tokens_per_s", "wall_s", "examples_seen")})
    )


if __name__ == "__main__":
    run(main)
