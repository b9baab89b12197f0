"""Benchmark the two scorers: judgments per second of log-likelihood ranking and of generation + strict
parsing, on the same records and model (a trained run if given, else a random tiny model).

    python -m tools.bench_eval [--model flame] [--suite rewardbench] [--records 200]
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from flax import nnx

from core.data.collection import load_suite
from core.data.tokenizer import Tokenizer
from core.eval.harness import judge_rows
from core.eval.loading import load_judge_model, resolve_model, scorer
from core.modeling import Decoder, preset
from experiments.common import DATA_DIR, MODELS, TOKENIZER, parsed, parser, run


def _timed(judge, records) -> tuple[float, list[dict]]:
    judge(records)  # compile every shape first: the rate is the warm one
    t = time.perf_counter()
    rows = judge_rows(judge, records)
    return len(rows) / (time.perf_counter() - t), rows


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--model", help="a run name or exported model folder (default: a random tiny model)")
    p.add_argument("--suite", default="rewardbench")
    p.add_argument("--records", type=int, default=200)
    p.add_argument("--data", type=Path, default=DATA_DIR)
    args, params = parsed(p)
    if args.model:
        path = resolve_model(args.model, MODELS)
        (model, tok), name = load_judge_model(path), path.name
    else:
        tok = Tokenizer.load(TOKENIZER)
        model, name = Decoder(preset("tiny", tok.vocab_size), nnx.Rngs(params=0)), "random tiny"
    records = load_suite(args.data, args.suite)[: args.records]
    loglik, generate = (scorer(model, tok, params, kind) for kind in ("loglik", "generate"))
    result = {
        "model": name,
        "suite": args.suite,
        "records": len(records),
        "max_new_tokens": params.eval.max_new_tokens,
    }
    for label, judge in (("loglik", loglik), ("generate", generate)):
        rate, rows = _timed(judge, records)
        result[f"{label}_judgments_per_s"] = round(rate, 1)
        result[f"{label}_accuracy"] = round(sum(r["correct"] for r in rows) / len(rows), 4)
    failures = [r for r in rows if r.get("parse_error")]
    result["generate_parse_failure_rate"] = round(len(failures) / len(rows), 4)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    run(main)
