"""Choose FLAMe's learning rate by a short measured sweep: for each rate, fine-tune the base model for
``--steps`` steps of ``train.<run>`` (everything else as configured) and score a seeded, per-task-balanced
sample of the ``heldin`` suite (both orders of pairwise records): accuracy, AUC, and the share of decisions
that are the first label (a collapsed judge answers one label for everything). Needs the prepared collection,
tokenizer, mixture and base model (``dvc repro init_base mixture@flame``).

    python -m tools.lr_sweep --lrs 1e-5,3e-5,1e-4 --steps 40 --records 20 [--out artifacts/lr_sweep.json]
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
from core.eval.suites import sample_per_task
from core.mixture.spec import MixtureSpec
from core.training.loop import Job, RunPaths, train
from experiments.common import DATA_DIR, MIXTURES, MODELS, TOKENIZER, parsed, parser, run, select


def score(model_dir: Path, records, params) -> dict:
    model, tok = load_judge_model(model_dir)
    rows = judge_rows(scorer(model, tok, params), records, "both", params.seed)
    m = suite_metrics("heldin", rows, records)
    first = sum(bool(r["probs"]) and r["pred"] == next(iter(r["probs"])) for r in rows) / len(rows)
    return {"heldin": round(m["overall"], 4), "auc": round(m["auc"], 4), "first_label_share": round(first, 4)}


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--lrs", required=True, help="comma-separated learning rates")
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--records", type=int, default=20, help="heldin records per task")
    p.add_argument("--run", default="flame")
    p.add_argument("--out", type=Path, default=Path("artifacts/lr_sweep.json"))
    args, params = parsed(p)
    cfg = select(params.train, args.run, "run")
    records = sample_per_task(load_suite(DATA_DIR, "heldin"), "heldin", args.records, params.seed)
    spec = MixtureSpec.load(MIXTURES / f"{cfg.mixture}.json")
    data = {t: load_task_split(DATA_DIR, t, "train") for t, w in spec.proportions.items() if w > 0}
    tok = Tokenizer.load(TOKENIZER)
    same = dict(init=MODELS / cfg.init, spec=spec, records=data, tok=tok)  # what every rate's run shares
    results = [{"lr": 0.0, "steps": 0, **score(MODELS / cfg.init, records, params)}]
    print(json.dumps(results[-1]))
    for lr in (float(x) for x in args.lrs.split(",")):
        warmup = min(cfg.warmup_steps, args.steps // 4)
        run = dataclasses.replace(
            cfg, lr=lr, steps=args.steps, warmup_steps=warmup, checkpoint_every=args.steps, eval_every=0
        )
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="lr-sweep-") as work:
            paths = RunPaths(Path(work) / "ckpt", Path(work) / "model", Path(work) / "logs")
            job = Job.with_params(params, name=f"sweep-{lr:g}", cfg=run, paths=paths, **same)
            summary = train(job, progress=False)
            result = {"lr": lr, "steps": args.steps, **score(paths.model, records, params)}
        result |= {
            "final_loss": round(summary["final"]["loss"], 4),
            "wall_s": round(time.perf_counter() - t0),
        }
        results.append(result)
        print(json.dumps(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"records": len(records), "run": args.run, "results": results}, indent=2) + "\n"
    )


if __name__ == "__main__":
    run(main)
