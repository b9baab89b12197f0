"""Per-task statistics the mixture rates and the Table 7 notebook read: examples, tokens (after the FLAMe
rendering, with the training truncation limits), and how many examples had to be shortened to fit and by how
much (``core.data.features.fit_prompt``)."""

from __future__ import annotations

from collections.abc import Sequence

from core.data.features import encode_record
from core.data.schema import Record
from core.data.tokenizer import Tokenizer


def task_stats(records: Sequence[Record], tok: Tokenizer, max_input: int, max_target: int) -> dict:
    if not records:
        raise ValueError("task statistics need at least one record")
    inputs = targets = truncated = shortened = hard = removed = 0
    removed_max = 0
    for r in records:
        enc = encode_record(r, tok, max_input, max_target)
        n_target = int(enc.target_mask.sum())
        inputs += len(enc.inputs) + 1 - n_target
        targets += n_target
        truncated += enc.truncated
        shortened += enc.removed > 0
        hard += enc.hard
        removed += enc.removed
        removed_max = max(removed_max, enc.removed)
    n = len(records)
    return {
        "examples": n,
        "tokens": inputs + targets,
        "input_tokens_mean": round(inputs / n, 2),
        "target_tokens_mean": round(targets / n, 2),
        "truncated_share": round(truncated / n, 4),
        "shortened": shortened,  # prompts whose longest context values were elided to fit
        "shortened_tokens_mean": round(removed / shortened, 1)
        if shortened
        else 0.0,  # removed, per shortened
        "shortened_tokens_max": removed_max,
        "instructions_cut": hard,  # prompts that fit only by losing their instructions (left cut)
    }
