"""Per-task statistics the mixture rates and the Table 7 notebook read: examples, tokens (after the FLAMe
rendering, with the training truncation limits) and the share of examples truncated."""

from __future__ import annotations

from collections.abc import Sequence

from core.data.features import encode_record
from core.data.schema import Record
from core.data.tokenizer import Tokenizer


def task_stats(records: Sequence[Record], tok: Tokenizer, max_input: int, max_target: int) -> dict:
    if not records:
        raise ValueError("task statistics need at least one record")
    inputs = targets = truncated = 0
    for r in records:
        enc = encode_record(r, tok, max_input, max_target)
        n_target = int(enc.target_mask.sum())
        inputs += len(enc.inputs) + 1 - n_target
        targets += n_target
        truncated += enc.truncated
    n = len(records)
    return {
        "examples": n,
        "tokens": inputs + targets,
        "input_tokens_mean": round(inputs / n, 2),
        "target_tokens_mean": round(targets / n, 2),
        "truncated_share": round(truncated / n, 4),
    }
