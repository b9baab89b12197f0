"""Records -> token arrays for next-token training and scoring.

An example is ``inputs ++ target ++ <eos>``: inputs are cut from the left (the instructions come first, the
judged content last, and the end matters most), targets from the right. ``target_mask`` marks the label
positions whose next token belongs to the target; ``context_mask`` marks the others, for an optional auxiliary
language-model loss on the context.
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
    truncated: bool

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
    return encode_pair(
        tok.encode(render_inputs(record)),
        tok.encode(render_target(record)),
        tok.eos_id,
        max_input,
        max_target,
        tok.bos_id,
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
