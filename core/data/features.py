"""Records -> token arrays for next-token training and scoring.

An example is ``prompt ++ target ++ <eos>``. A prompt over the input budget keeps what makes it a task: the
INSTRUCTIONS block, every field name and the EVALUATION line stay whole, and only the longest CONTEXT values
are shortened, each to its beginning and end joined by an ellipsis, just enough to fit (``fit_prompt``). Only a
prompt whose instructions alone exceed the budget is cut from the left (``hard``). Targets are cut from the
right. ``target_mask`` marks the label positions whose next token belongs to the target; ``context_mask`` marks
the others, for an optional auxiliary language-model loss on the context.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from core.data.formats import render_inputs, render_target
from core.data.schema import Record
from core.data.tokenizer import Tokenizer


@dataclasses.dataclass(frozen=True)
class Encoded:
    inputs: np.ndarray  # [n] token ids fed to the model
    targets: np.ndarray  # [n] next-token labels
    target_mask: np.ndarray  # [n] 1 where the label is a target token
    context_mask: np.ndarray  # [n] 1 where the label is a context token
    truncated: bool  # the prompt was shortened or the target cut
    removed: int = 0  # prompt tokens removed to fit the budget
    hard: bool = False  # the prompt fit only by cutting from the left (its instructions are lost)

    def as_dict(self) -> dict[str, np.ndarray]:
        return {
            "inputs": self.inputs,
            "targets": self.targets,
            "target_mask": self.target_mask,
            "context_mask": self.context_mask,
        }


def prompt_window(prompt_ids: list[int], max_input: int, bos_id: int | None = None) -> list[int]:
    """The prompt as the model sees it: left-truncated to ``max_input`` tokens, opened by ``bos_id`` (which
    pretrained base checkpoints expect) so that it survives the truncation."""
    head = [bos_id] if bos_id is not None else []
    return head + prompt_ids[-(max_input - len(head)) :]


ELLIPSIS = " … "
MIN_VALUE_TOKENS = 8  # a shortened context value keeps at least this much of itself


@dataclasses.dataclass(frozen=True)
class Prompt:
    """A record's prompt as the model sees it (``bos_id`` first when the tokenizer uses one)."""

    ids: list[int]
    removed: int  # tokens removed to fit (0: the prompt fit as it was)
    hard: bool  # cut from the left: even the shortest context values left no room for the instructions


def _elide(text: str, keep: float) -> str:
    """``text`` cut to about ``keep`` of its characters: its beginning and its end around an ellipsis."""
    n = max(1, int(len(text) * keep))
    head = (n + 1) // 2
    return text[:head].rstrip() + ELLIPSIS + text[len(text) - (n - head) :].lstrip()


def _water_level(lengths: list[int], excess: int) -> int:
    """The largest cap c such that shortening every value longer than c down to c removes ``excess``."""
    lo, hi = MIN_VALUE_TOKENS, max(lengths)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sum(max(0, n - mid) for n in lengths) >= excess:
            lo = mid
        else:
            hi = mid - 1
    return lo


def fit_prompt(record: Record, tok: Tokenizer, max_input: int) -> Prompt:
    """The prompt of ``record`` within ``max_input`` tokens (BOS included), shortening the longest context
    values (see the module docstring). Each pass re-tokenizes the whole prompt, so the result is exact for
    any tokenizer, merges across line breaks included."""
    head = [tok.bos_id] if tok.bos_id is not None else []
    budget = max_input - len(head)
    ids = tok.encode(render_inputs(record))
    full = len(ids)
    if full <= budget:
        return Prompt(head + ids, 0, False)
    names = [name for name, _ in record.context]
    values = [value for _, value in record.context]
    lengths = [len(t) for t in tok.encode_batch(values)]
    excess = full - budget
    for _ in range(6):
        cap = _water_level(lengths, excess)
        cap = _water_level(lengths, excess + len(ELLIPSIS) * sum(n > cap for n in lengths))
        short = [_elide(v, cap / n) if n > cap else v for v, n in zip(values, lengths)]
        ids = tok.encode(render_inputs(record.replace(context=tuple(zip(names, short)))))
        if len(ids) <= budget:
            return Prompt(head + ids, full - len(ids), False)
        if cap <= MIN_VALUE_TOKENS:
            break
        excess += len(ids) - budget
    cut = ids[-budget:]
    return Prompt(head + cut, full - len(cut), True)


def encode_pair(
    prompt_ids: list[int],
    target_ids: list[int],
    eos_id: int | None,
    max_input: int,
    max_target: int,
    bos_id: int | None = None,
) -> Encoded:
    """Concatenate prompt and target ids (+ ``eos_id`` unless None) and shift them into inputs/targets.

    A ``bos_id`` (pretrained base checkpoints expect one) opens the prompt and survives left-truncation.
    """
    tail = [eos_id] if eos_id is not None else []
    room = max_input - (bos_id is not None)
    truncated = len(prompt_ids) > room or len(target_ids) + len(tail) > max_target
    prompt_ids = prompt_window(prompt_ids, max_input, bos_id)
    target_ids = (target_ids + tail)[:max_target]
    seq = np.asarray(prompt_ids + target_ids, dtype=np.int32)
    n = len(seq) - 1
    target_mask = np.zeros(n, np.int32)
    target_mask[len(prompt_ids) - 1 :] = 1
    return Encoded(seq[:-1], seq[1:], target_mask, 1 - target_mask, truncated)


def encode_record(record: Record, tok: Tokenizer, max_input: int, max_target: int) -> Encoded:
    prompt = fit_prompt(record, tok, max_input)
    enc = encode_pair(prompt.ids, tok.encode(render_target(record)), tok.eos_id, max_input, max_target)
    return dataclasses.replace(
        enc, truncated=enc.truncated or prompt.removed > 0, removed=prompt.removed, hard=prompt.hard
    )


def pad_to(enc: Encoded, length: int) -> dict[str, np.ndarray]:
    """Pad one example to ``length`` with segment id 1 on real tokens and 0 on padding."""
    n = len(enc.inputs)
    if n > length:
        raise ValueError(f"example of {n} tokens does not fit a row of {length}")
    out = {}
    for key, value in enc.as_dict().items():
        row = np.zeros(length, np.int32)
        row[:n] = value
        out[key] = row
    out["segment_ids"] = (np.arange(length) < n).astype(np.int32)
    out["positions"] = np.where(out["segment_ids"] > 0, np.arange(length), 0).astype(np.int32)
    return out
