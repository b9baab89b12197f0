"""Is FLAMe-Opt-RM's edge over FLAMe at equal steps larger than the spread between data orders? For each
``--seeds`` value, retrain from the same initial model with that data seed: FLAMe (``tailpatch.start``) up to its
snapshot at ``tailpatch.start_step`` (its own schedule, stopped there, as the search's start is) and FLAMe-Opt-RM
(``train.flame_opt_rm``) on the searched mixture as it stands, and score both on the target suite (both orders).
The mixture is held fixed, so the spread is that of training, not of the search. Needs a finished ``make repro``.

    python -m tools.seed_check --seeds 2,3 [--out artifacts/tailpatch/seed_check.json]
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
import time
from pathlib import Path

from core.data.collection import load_suite, load_task_split
from core.data.tokenizer import Tokenizer
from core.eval.harness import judge_rows, suite_metrics
from core.eval.loading import load_judge_model, scorer
from core.mixture.spec import MixtureSpec
from core.training.loop import Job, RunPaths, train
from experiments.common import DATA_DIR, MIXTURES, MODELS, TAILPATCH, TOKENIZER, parsed, parser, run

KEYS = ("overall", "chat", "chat_hard", "safety", "reasoning")


def trained(params, run_name: str, tok, work: Path, stop: int | None) -> Path:
    """The model folder ``run_name`` leaves with ``params.seed`` as its data seed (its snapshot at ``stop``)."""
    cfg = dataclasses.replace(params.train[run_name], eval_every=0)
    spec = MixtureSpec.load(MIXTURES / f"{cfg.mixture}.json")
    data = {t: load_task_split(DATA_DIR, t, "train") for t, w in spec.proportions.items() if w > 0}
    paths = RunPaths(work / "ckpt", work / "model", work / "logs", work / "snapshots")
    paths.snapshots.mkdir(parents=True, exist_ok=True)
    snaps = (stop,) if stop else ()
    same = dict(init=MODELS / cfg.init, spec=spec, records=data, tok=tok, paths=paths, snapshots=snaps)
    job = Job.with_params(params, name=run_name, cfg=cfg, **same)
    train(job, stop_after=stop, progress=False)
    return paths.snapshots / str(stop) if stop else paths.model


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--seeds", required=True, help="comma-separated data seeds")
    p.add_argument("--out", type=Path, default=TAILPATCH / "seed_check.json")
    args, params = parsed(p)
    tp = params.tailpatch
    suite = load_suite(DATA_DIR, tp.suite)
    tok = Tokenizer.load(TOKENIZER)
    results = []
    for seed in (int(s) for s in args.seeds.split(",")):
        seeded = dataclasses.replace(params, seed=seed)
        row: dict = {"seed": seed}
        runs = (("flame_at_start_step", tp.start, tp.start_step), ("flame_opt_rm", "flame_opt_rm", None))
        for name, run_name, stop in runs:
            t0 = time.perf_counter()
            with tempfile.TemporaryDirectory(prefix="seed-check-") as work:
                model, model_tok = load_judge_model(trained(seeded, run_name, tok, Path(work), stop))
                rows = judge_rows(scorer(model, model_tok, params), suite, "both", params.seed)
            m = suite_metrics(tp.suite, rows, suite)
            row[name] = {k: round(m[k], 4) for k in KEYS if k in m}
            row[f"{name}_wall_s"] = round(time.perf_counter() - t0)
        row["opt_rm_minus_flame_at_start_step"] = round(
            row["flame_opt_rm"]["overall"] - row["flame_at_start_step"]["overall"], 4
        )
        results.append(row)
        print(json.dumps(row), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"suite": tp.suite, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    run(main)
