"""Judge your own data with a trained autorater.

    python -m core.eval.judge --model <name or model folder> --input in.jsonl --output out.jsonl [--explain]
    flame-judge ...   (the same, as a console script)

Each input line is one judgment request, in one of three layouts (extra fields pass through to the output):

- pairwise:       {"id", "instruction", "response_a", "response_b"}
- pointwise:      {"id", "instruction", "response", "scale": [lo, hi]}          (integer ratings lo..hi)
- classification: {"id", "instruction", "context", "labels": ["yes", "no", ...]}

The whole file is validated before any judging: a malformed line stops the run with its line number and
reason (exit status 2). Each output line repeats the input and adds ``decision`` and ``probabilities`` (over
the label space; pairwise requests are judged in both A/B orders and averaged, so the decision does not depend
on which response came first), ``truncated`` (whether the prompt had to be shortened to the model's prompt
budget, by default the one it was trained with: the longest context values lose their middle) and, with
``--explain``, a generated ``explanation``. Results are appended and synced batch by batch; ``--resume``
continues an interrupted output file without judging any id twice, after checking that the input, model,
tokenizer and prompt budget are the ones it was started with (``core.eval.judge_output``). Exit status:
0 done, 2 a user error (one ``error:`` line naming the file, line or flag; ``--debug`` for a traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.data.features import fit_prompt
from core.data.schema import Record, numbered_json_lines
from core.data.tokenizer import Tokenizer
from core.errors import USER_ERROR, UserError
from core.eval import metrics as M
from core.eval.harness import judge_rows
from core.eval.judge_output import JudgedOutput, JudgeOutputError, file_sha256
from core.eval.loading import load_tokenizer, resolve_model
from core.eval.scoring import LoglikScorer
from core.modeling.decode import greedy_generate
from core.modeling.io import identity, load_model, read_meta
from core.progress import progress_bar

DEFAULT_MAX_INPUT = 1024  # prompt budget of a model folder that records none (a base checkpoint)
MAX_SCALE = 100  # pointwise scales wider than this are almost surely a mistake (e.g. [0, 1000])
DESCRIPTIONS = {
    "pairwise": "Two responses answer the same instruction. Choose 'A' or 'B': the better response, the one "
    "that follows the instruction and is more helpful, accurate and harmless.",
    "pointwise": "Rate the response to the instruction on the given scale, from the lowest (poor) to the highest "
    "(excellent) value, for how well it follows the instruction and how helpful and accurate it is.",
    "classification": "Read the context and answer the instruction with exactly one of the allowed labels.",
}
TARGETS = {"pairwise": "choice", "pointwise": "rating", "classification": "answer"}


class JudgeInputError(UserError, ValueError):
    """A request line is malformed; the message names the file and line."""


def _text(obj: dict, key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise JudgeInputError(f"{where}: field '{key}' must be a non-empty string")
    return value


def _kind(obj: dict, where: str) -> str:
    kinds = [
        k
        for k, keys in (
            ("pairwise", ("response_a", "response_b")),
            ("pointwise", ("response", "scale")),
            ("classification", ("context", "labels")),
        )
        if all(x in obj for x in keys)
    ]
    if len(kinds) != 1:
        found = "several layouts" if kinds else "no layout"
        raise JudgeInputError(
            f"{where}: {found} matched; a line has response_a+response_b (pairwise), "
            "response+scale (pointwise) or context+labels (classification)"
        )
    return kinds[0]


def request_record(obj: Any, where: str) -> Record:
    """The record a request line asks to judge (its label is a placeholder: the judge decides it)."""
    if not isinstance(obj, dict):
        raise JudgeInputError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    ident = obj.get("id")
    if isinstance(ident, bool) or not isinstance(ident, (str, int)) or not str(ident).strip():
        raise JudgeInputError(f"{where}: field 'id' must be a non-empty string or an integer")
    kind = _kind(obj, where)
    context = [("instruction", _text(obj, "instruction", where))]
    if kind == "pairwise":
        context += [
            ("response A", _text(obj, "response_a", where)),
            ("response B", _text(obj, "response_b", where)),
        ]
        labels: tuple[str, ...] = ("A", "B")
    elif kind == "pointwise":
        scale = obj["scale"]
        if not (
            isinstance(scale, list)
            and len(scale) == 2
            and all(type(v) is int for v in scale)
            and scale[0] < scale[1]
            and scale[1] - scale[0] <= MAX_SCALE
        ):
            raise JudgeInputError(
                f"{where}: field 'scale' must be [lo, hi], integers with lo < hi "
                f"and at most {MAX_SCALE} apart; got {scale!r}"
            )
        context.append(("response", _text(obj, "response", where)))
        labels = tuple(str(v) for v in range(scale[0], scale[1] + 1))
    else:
        raw = obj["labels"]
        if not (
            isinstance(raw, list)
            and len(raw) >= 2
            and all(isinstance(v, str) and v.strip() for v in raw)
            and len(set(raw)) == len(raw)
        ):
            raise JudgeInputError(
                f"{where}: field 'labels' must list at least two distinct non-empty strings"
            )
        context.append(("context", _text(obj, "context", where)))
        labels = tuple(raw)
    return Record(
        task="judge",
        split="test",
        example_id=str(ident),
        kind=kind,
        capability="quality",
        title="Judge the request.",
        description=DESCRIPTIONS[kind],
        context=tuple(context),
        target=((TARGETS[kind], labels[0]),),
        label_space=labels,
    )


def read_requests(path: str | Path) -> list[tuple[dict, Record]]:
    """Every request of the file, validated before anything is judged (blank lines are allowed)."""
    path = Path(path)
    if not path.exists():
        raise JudgeInputError(f"{path}: no such file")
    out, seen = [], {}
    for where, obj in numbered_json_lines(path, JudgeInputError):
        record = request_record(obj, where)
        if record.example_id in seen:
            raise JudgeInputError(f"{where}: id {record.example_id!r} repeats line {seen[record.example_id]}")
        seen[record.example_id] = where.rsplit(":", 1)[1]
        out.append((obj, record))
    if not out:
        raise JudgeInputError(f"{path}: no requests")
    return out


def decide(scorer, records: Sequence[Record]) -> list[tuple[str, dict[str, float]]]:
    """(decision, probabilities) per record; pairwise records are scored in both orders and averaged, with
    ``A`` and ``B`` always naming ``response_a`` and ``response_b``."""
    return [(row["pred"], row["probs"]) for row in _decided(scorer, records)]


def _decided(scorer, records: Sequence[Record]) -> list[dict]:
    """One row per record, judged by the evaluation harness (both orders of a pairwise record) and merged by
    ``metrics.order_averaged``, so this command decides exactly as the evaluation's order-averaged score
    counts; ``truncated`` says whether either order's prompt was shortened."""
    rows = iter(judge_rows(scorer, records, "both"))
    out = []
    for r in records:
        shown = [next(rows)] + ([next(rows)] if r.kind == "pairwise" else [])
        (merged,) = M.order_averaged(shown)
        out.append(merged | {"truncated": any(row.get("truncated") for row in shown)})
    return out


def explain(model, tok: Tokenizer, record: Record, decision: str, max_input: int, max_new_tokens: int) -> str:
    """The model's free-text reason for its decision: the judged request with an explanation field, decoded
    greedily after the decision line."""
    target = ((record.target[0][0], decision), ("explanation", ""))
    answer = tok.encode(f"{target[0][0]}: {decision}\nexplanation:")
    ids = fit_prompt(record.replace(target=target), tok, max_input - len(answer)).ids + answer
    (generated,) = greedy_generate(model, [ids], max_new_tokens, tok.eos_id)
    return tok.decode(generated).strip().split("\n")[0].strip()


def judge_file(
    model,
    tok: Tokenizer,
    requests: Sequence[tuple[dict, Record]],
    output: JudgedOutput,
    *,
    batch_size: int = 32,
    max_input: int = 1024,
    max_target: int = 16,
    explain_tokens: int = 0,
    progress: bool = True,
) -> int:
    """Judge the requests not yet in ``output`` and append them, one synced batch at a time; returns how many
    were judged. A request whose prompt had to be shortened to ``max_input`` tokens says so
    (``truncated: true``)."""
    unknown = output.done - {r.example_id for _, r in requests}
    if unknown:
        raise JudgeOutputError(
            f"{output.path} holds ids the input does not ({sorted(unknown)[:3]}); refusing"
        )
    todo = [(obj, r) for obj, r in requests if r.example_id not in output.done]
    scorer = LoglikScorer(model, tok, max_input, max_target, batch_size, progress=False)
    batches = [todo[i : i + batch_size] for i in range(0, len(todo), batch_size)]
    for batch in progress_bar(batches, desc="judge", unit="batch", disable=not progress):
        records = [r for _, r in batch]
        rows = []
        for (obj, r), decided in zip(batch, _decided(scorer, records)):
            row = {
                **obj,
                "decision": decided["pred"],
                "probabilities": {k: round(v, 6) for k, v in decided["probs"].items()},
                "truncated": decided["truncated"],
            }
            if explain_tokens:
                row["explanation"] = explain(model, tok, r, decided["pred"], max_input, explain_tokens)
            rows.append(row)
        output.append(rows)
        output.done.update(r.example_id for r in records)
    return len(todo)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="flame-judge", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="a run name under artifacts/models, or a model folder")
    p.add_argument("--input", required=True, type=Path)
    p.add_argument("--output", required=True, type=Path)
    p.add_argument(
        "--tokenizer", help="tokenizer.json; must be the model's own (default: the model folder's)"
    )
    p.add_argument("--resume", action="store_true", help="continue an interrupted output file")
    p.add_argument("--explain", action="store_true", help="add a generated explanation to each judgment")
    p.add_argument("--explain-tokens", type=_positive, default=96)
    p.add_argument("--batch-size", type=_positive, default=32)
    p.add_argument(
        "--max-input-tokens", type=_positive, help="prompt budget (default: the model's training budget)"
    )
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--debug", action="store_true", help="show tracebacks of user errors")
    args = p.parse_args(argv)
    try:
        return _judge(args)
    except (UserError, OSError) as err:
        if args.debug:
            raise
        print(f"error: {err}", file=sys.stderr)
        return USER_ERROR


def _judge(args: argparse.Namespace) -> int:
    requests = read_requests(args.input)  # the whole input is checked before a model is loaded
    model_dir = resolve_model(args.model)
    tok = load_tokenizer(model_dir, args.tokenizer)
    trained = (read_meta(model_dir).get("data") or {}).get("max_input_tokens", DEFAULT_MAX_INPUT)
    max_input = args.max_input_tokens or trained
    binding = {
        "input_sha256": file_sha256(args.input),
        "model": identity(model_dir),
        "tokenizer_sha256": tok.sha256,
        "max_input_tokens": max_input,
        "explain_tokens": args.explain_tokens if args.explain else 0,
    }
    with JudgedOutput(args.output, args.input, binding, args.resume) as output:  # checked before the load
        model = load_model(model_dir)
        n = judge_file(
            model,
            tok,
            requests,
            output,
            batch_size=args.batch_size,
            max_input=max_input,
            explain_tokens=binding["explain_tokens"],
            progress=not args.no_progress,
        )
    print(f"judged {n} request(s), {len(requests) - n} already in {args.output}", file=sys.stderr)
    return 0


def _cli() -> None:
    sys.exit(main())


if __name__ == "__main__":
    _cli()
