"""Judges that assign a probability to every label of a record's closed label space.

``LoglikScorer`` ranks labels by the model's log-likelihood of the target line (``choice: A`` ...): one
cached prompt pass per record, then a few tokens per label. ``GenerationScorer`` lets the model write its
judgment (greedy, KV cache) and parses it strictly; an unparseable output scores no label at all. The
controls are trivial judges that read only surface features; they show what a suite's surface cues alone are
worth.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from core.data.features import fit_prompt
from core.data.formats import render_target
from core.data.schema import PAIR_FIELDS, Record
from core.data.tokenizer import Tokenizer
from core.eval.parse import parse_decision
from core.modeling.decode import greedy_generate, inference, prefill
from core.modeling.decoder import token_nll
from core.progress import progress_bar

Scores = dict[str, float]  # label -> log-probability (or log of a control's probability)


@inference
def _continuation_logprob(model, tokens, positions, cache, first_logits, mask):
    """Log-probability of each row's ``tokens`` after its cached prompt: the first token is read from the
    prompt's last logits, the rest from one cached pass over the tokens (padding after them is masked)."""
    logits, _ = model.decode_step(tokens, positions, jnp.ones(tokens.shape, bool), cache)
    seq = jnp.concatenate([first_logits[:, None], logits[:, :-1]], axis=1)
    return -jnp.sum(token_nll(seq, tokens) * mask, axis=-1)


class LoglikScorer:
    """Log-likelihood of each allowed label under a Decoder.

    Each prompt runs once (``prefill``, into a KV cache); every label's target line is then scored against
    that cache, so a record costs one prompt pass however many labels it has. Prompts are left-padded into
    fixed-size batches and length buckets, so results do not depend on how records are grouped.
    """

    def __init__(
        self,
        model,
        tok: Tokenizer,
        max_input: int,
        max_target: int,
        batch_size: int = 64,
        bucket: int = 32,
        progress: bool = True,
    ):
        self.model, self.tok = model, tok
        self.max_input, self.max_target = max_input, max_target
        self.batch_size, self.bucket, self.progress = batch_size, bucket, progress
        self.truncated: list[bool] = []  # of the last call's records: was the prompt shortened to fit

    def _encode(self, records: Sequence[Record]) -> tuple[list[list[int]], list[list[tuple[str, list[int]]]]]:
        """Each record's prompt (fit to the input budget; ``truncated`` says which were shortened) and the
        target tokens of each of its labels."""
        fitted = [fit_prompt(r, self.tok, self.max_input) for r in records]
        self.truncated = [f.removed > 0 for f in fitted]
        prompts = [f.ids for f in fitted]
        targets = []
        for r in records:
            if r.label_space is None:
                raise ValueError(
                    f"record {r.example_id} has no label space; the log-likelihood scorer needs one"
                )
            targets.append(
                [
                    (
                        label,
                        self.tok.encode(render_target(r, label, first_field_only=True))[: self.max_target],
                    )
                    for label in r.label_space
                ]
            )
        return prompts, targets

    def __call__(self, records: Sequence[Record]) -> list[Scores]:
        prompts, targets = self._encode(records)
        out: list[Scores] = [{} for _ in records]
        order = sorted(range(len(records)), key=lambda i: len(prompts[i]))
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        for idx in progress_bar(batches, desc="score", disable=not self.progress):
            pad = [[0]] * (self.batch_size - len(idx))  # fixed-size batches: fewer compiles
            rows = [prompts[i] for i in idx] + pad
            width = _round_up(max(len(p) for p in rows), self.bucket)
            room = _round_up(max(1, *(len(t) for i in idx for _, t in targets[i])), 8)
            first, cache, next_pos = prefill(self.model, rows, room, width)
            positions = jnp.asarray(next_pos[:, None] + np.arange(room)[None], jnp.int32)
            for slot in range(max(len(targets[i]) for i in idx)):  # the k-th label of every record at once
                tokens = np.zeros((self.batch_size, room), np.int32)
                mask = np.zeros((self.batch_size, room), np.float32)
                labels = {}
                for row, i in enumerate(idx):
                    if slot < len(targets[i]):
                        labels[row], t = targets[i][slot]
                        tokens[row, : len(t)], mask[row, : len(t)] = t, 1.0
                lp = np.asarray(
                    jax.device_get(
                        _continuation_logprob(
                            self.model, jnp.asarray(tokens), positions, cache, first, jnp.asarray(mask)
                        )
                    )
                )
                for row, label in labels.items():
                    out[idx[row]][label] = float(lp[row])
        return out


def _round_up(n: int, step: int) -> int:
    return int(math.ceil(n / step) * step)


class GenerationScorer:
    """Greedy generation of the judgment, parsed strictly (:mod:`core.eval.parse`).

    Returns the parsed label with probability 1, or no scores when the output does not parse (the harness
    counts that as wrong). ``outputs`` holds the generated text and the parse failure reason of the last call,
    aligned with its records. Left padding with real-token positions makes each record's generation
    independent of its batch.
    """

    def __init__(
        self,
        model,
        tok: Tokenizer,
        max_input: int,
        max_new_tokens: int,
        batch_size: int = 16,
        progress: bool = True,
    ):
        self.model, self.tok = model, tok
        self.max_input, self.max_new_tokens = max_input, max_new_tokens
        self.batch_size, self.progress = batch_size, progress
        self.outputs: list[tuple[str, str]] = []

    def __call__(self, records: Sequence[Record]) -> list[Scores]:
        prompts = [fit_prompt(r, self.tok, self.max_input).ids for r in records]
        order = sorted(range(len(records)), key=lambda i: len(prompts[i]))
        texts: list[str] = [""] * len(records)
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        for idx in progress_bar(batches, desc="generate", disable=not self.progress):
            generated = greedy_generate(
                self.model, [prompts[i] for i in idx], self.max_new_tokens, self.tok.eos_id
            )
            for i, ids in zip(idx, generated):
                texts[i] = self.tok.decode(ids)
        out, self.outputs = [], []
        for r, text in zip(records, texts):
            label, why = parse_decision(text, r.target[0][0], r.label_space)
            out.append(_certain(r.label_space, label) if label else {})
            self.outputs.append((text, why))
        return out


def _judged_text(record: Record) -> str:
    for name in ("response", "claim", "summary"):
        try:
            return record.field(name)
        except KeyError:
            continue
    return record.context[-1][1]


def _certain(labels: Sequence[str], pick: str) -> Scores:
    return {label: (0.0 if label == pick else -math.inf) for label in labels}


class FirstPosition:
    """Always answers the first position (A) / the first label of the label space."""

    name = "always_first"

    def __call__(self, records: Sequence[Record]) -> list[Scores]:
        return [_certain(r.label_space, r.label_space[0]) for r in records]


class LengthJudge:
    """Prefers the longer (or shorter) response; for single-text records, the first label when the judged
    text is longer (shorter) than the suite's median. Ties go to the first position."""

    def __init__(self, prefer: str):
        if prefer not in ("longer", "shorter"):
            raise ValueError(f"prefer must be 'longer' or 'shorter', got {prefer!r}")
        self.prefer = prefer
        self.name = f"prefer_{prefer}"

    def __call__(self, records: Sequence[Record]) -> list[Scores]:
        lengths = [len(_judged_text(r)) for r in records if r.kind != "pairwise"]
        median = float(np.median(lengths)) if lengths else 0.0
        sign = 1 if self.prefer == "longer" else -1
        out = []
        for r in records:
            if r.kind == "pairwise":
                a, b = (len(r.field(n)) for n in PAIR_FIELDS)
                pick = "A" if sign * (a - b) >= 0 else "B"
            else:
                pick = r.label_space[0] if sign * (len(_judged_text(r)) - median) > 0 else r.label_space[-1]
            out.append(_certain(r.label_space, pick))
        return out


CONTROLS = {
    "always_first": FirstPosition,
    "prefer_longer": lambda: LengthJudge("longer"),
    "prefer_shorter": lambda: LengthJudge("shorter"),
}
