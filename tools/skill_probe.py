"""Which judgment skills has a model learned, and can the base architecture learn token membership at all?

Synth ``aggrefact`` asks whether a claim's value occurs in a document: a membership check. This tool
separates "not learned" from "not transferred" and from "not learnable in this budget":

    python -m tools.skill_probe score --model artifacts/models/flame [--tasks a,b]
        in-distribution accuracy of a trained judge on its training tasks' validation records (both orders)
    python -m tools.skill_probe learn --skill lookup --steps 1000 [--init artifacts/models/base]
        trains one probe skill alone from ``--init`` with FLAMe's optimizer settings and prints the
        target-token loss curve and the accuracy on fresh examples

Probe lists draw from single-token words of the tokenizer (``--words vocab``: no subword matching) or from
the training pools' names, cities and jobs (``--words pool``: the words attribution documents use). Skills:
``lookup`` (is the word in this list of 4-8 words? yes/no: the bare membership check behind attribution),
``copy`` (repeat the list: retrieval by position and content), or any training task of the collection alone
(``--skill attribution_classification``), scored on a held-out suite (``--suite aggrefact``). To start from
a pretrained model, pass ``--params`` with ``model.hf_checkpoint`` set and ``--init`` the base
``experiments.init_base`` makes from it. README: "Why synth aggrefact stays at chance".
"""

from __future__ import annotations

import csv
import dataclasses
import json
import tempfile
from pathlib import Path

import numpy as np

from core.data.collection import load_suite, load_task_split
from core.data.schema import Record
from core.data.tokenizer import Tokenizer
from core.eval.harness import judge_rows, suite_metrics
from core.eval.loading import load_judge_model, load_tokenizer, scorer
from core.mixture.spec import MixtureSpec
from core.rng import generator
from core.synth.pools import pools
from core.training.loop import Job, RunPaths, train
from experiments.common import DATA_DIR, MODELS, parsed, parser, run

SKILLS = ("lookup", "copy")
TRAIN_RECORDS = 20_000
FRESH_RECORDS = 300
JUDGED_KINDS = ("classification", "pairwise", "pointwise")


def single_token_words(tok: Tokenizer) -> tuple[str, ...]:
    """Alphabetic vocabulary entries of at least three letters that a leading space keeps whole."""
    words = sorted({tok.decode([i]).strip() for i in range(2, tok.vocab_size)})
    return tuple(w for w in words if w.isalpha() and len(w) >= 3 and len(tok.encode(" " + w)) == 1)


def probe_words(kind: str, tok: Tokenizer) -> tuple[str, ...]:
    if kind == "vocab":
        return single_token_words(tok)
    train = pools("train")
    return train.names + train.cities + train.jobs


def probe_records(
    skill: str, n: int, seed: int, words: tuple[str, ...], split: str = "train"
) -> list[Record]:
    """``n`` examples of a probe skill; labels are computed, balanced yes/no for ``lookup``."""
    if skill not in SKILLS:
        raise ValueError(f"unknown probe skill '{skill}' (known: {', '.join(SKILLS)})")
    rng = generator(seed, "skill_probe", skill, split)
    out = []
    for i in range(n):
        k = int(rng.integers(4, 9))
        pick = rng.choice(len(words), k + 1, replace=False)
        listed = " ".join(words[j] for j in pick[:k])
        common = dict(task=f"probe_{skill}", split=split, example_id=f"probe_{skill}-{split}-{i:06d}")
        if skill == "lookup":
            inside = bool(rng.random() < 0.5)
            query = words[pick[int(rng.integers(k))]] if inside else words[pick[k]]
            out.append(
                Record(
                    **common,
                    kind="classification",
                    capability="factuality",
                    title="Word lookup",
                    description="Is the word one of the listed words? Answer yes or no.",
                    context=(("words", listed), ("word", query)),
                    target=(("answer", "yes" if inside else "no"),),
                    label_space=("yes", "no"),
                )
            )
        else:
            out.append(
                Record(
                    **common,
                    kind="open_ended",
                    capability="instruction_tuning",
                    title="Copy",
                    description="Repeat the words exactly.",
                    context=(("words", listed),),
                    target=(("copy", listed),),
                    label_space=None,
                )
            )
    return out


def accuracy(judge, records: list[Record], seed: int) -> float:
    rows = judge_rows(judge, records, "both", seed)
    return round(sum(bool(r["correct"]) for r in rows) / len(rows), 4)


def score(args, params) -> dict:
    model, tok = load_judge_model(args.model)
    judge = scorer(model, tok, params)
    catalog = json.loads((args.data / "catalog.json").read_text())
    names = (
        args.tasks.split(",")
        if args.tasks
        else [n for n, t in catalog["tasks"].items() if t["kind"] in JUDGED_KINDS]
    )
    return {
        n: accuracy(judge, load_task_split(args.data, n, "validation")[: args.limit], params.seed)
        for n in names
    }


def learn(args, params) -> dict:
    tok = load_tokenizer(args.init)
    probe = args.skill in SKILLS
    if probe:
        words = probe_words(args.words, tok)
        records = probe_records(args.skill, TRAIN_RECORDS, params.seed, words)
    else:  # a training task of the collection, alone
        records = load_task_split(args.data, args.skill, "train")
    task = records[0].task
    flame = params.train[params.tailpatch.start]
    cfg = dataclasses.replace(flame, steps=args.steps, eval_every=0, checkpoint_every=args.steps)
    spec = MixtureSpec(name=task, rates={task: 1.0}, sizes={task: len(records)})
    result = {"skill": args.skill, "steps": args.steps, "init": str(args.init), "lr": cfg.lr}
    with tempfile.TemporaryDirectory(prefix="skill-probe-") as work:
        paths = RunPaths(Path(work) / "ckpt", Path(work) / "model", Path(work) / "logs")
        job = Job.with_params(
            params,
            name=task,
            cfg=cfg,
            init=args.init,
            spec=spec,
            records={task: records},
            tok=tok,
            paths=paths,
        )
        train(job, progress=True)
        log = list(csv.DictReader((paths.logs / "log.csv").open()))
        every = max(1, len(log) // 10)
        for key, column in (("target_loss", "target_loss"), ("target_token_accuracy", "target_acc")):
            result[key] = {r["step"]: round(float(r[column]), 4) for r in log[every - 1 :: every]}
        judge = scorer(*load_judge_model(paths.model), params)
    if not probe:
        suite = load_suite(args.data, args.suite)
        m = suite_metrics(args.suite, judge_rows(judge, suite, "both", params.seed), suite)
        result[args.suite] = {k: round(v, 4) for k, v in m.items() if isinstance(v, float)}
    else:
        result.update(words=args.words, distinct_words=len(words))
        if args.skill == "lookup":
            fresh = probe_records(args.skill, FRESH_RECORDS, params.seed, words, split="test")
            result["fresh_accuracy"] = accuracy(judge, fresh, params.seed)
            result["fresh_yes_share"] = float(np.mean([r.target[0][1] == "yes" for r in fresh]))
    return result


def main() -> None:
    p = parser(__doc__)
    p.add_argument("mode", choices=("score", "learn"))
    p.add_argument("--model", type=Path, help="score: a trained model folder")
    p.add_argument("--tasks", help="score: comma-separated training tasks (default: every judged task)")
    p.add_argument("--data", type=Path, default=DATA_DIR, help="the prepared collection")
    p.add_argument("--limit", type=int, default=200, help="score: validation records per task")
    p.add_argument("--skill", default="lookup", help=f"learn: {' | '.join(SKILLS)} | a training task's name")
    p.add_argument("--suite", default="aggrefact", help="learn --skill <task>: the held-out suite to score")
    p.add_argument(
        "--words", choices=("vocab", "pool"), default="vocab", help="learn: where list words come from"
    )
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--init", type=Path, default=MODELS / "base", help="learn: the model to start from")
    p.add_argument("--out", type=Path, help="also write the result here (JSON)")
    args, params = parsed(p)
    if args.mode == "score" and args.model is None:
        p.error("score needs --model")
    result = score(args, params) if args.mode == "score" else learn(args, params)
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    run(main)
