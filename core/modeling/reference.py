"""Parity against the reference implementation: ``transformers`` (PyTorch, CPU) on the same weights.

Needs the ``ref`` extra (torch, transformers, accelerate); imported lazily so the rest of the package never
requires it. Used by the import and export commands (``--verify``) and by the tests, so the numbers a user
sees and the numbers the tests bound are computed the same way.
"""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np

# fixed texts: the English one for logits, the multilingual one for tokenizers (scripts, accents, CJK,
# right-to-left, emoji, whitespace runs, markup)
PARITY_TEXT = (
    "A judge compares two answers to the same question. The first answer explains that water boils at one "
    "hundred degrees Celsius at sea level; the second claims it boils at fifty degrees. The better answer is"
)
MULTILINGUAL_TEXT = (
    "The judge said: «Response A is better» — isn't it? Ça coûte 3,50 €; über größere Straßen. "
    "Москва — столица России. 東京は日本の首都です。北京是中国的首都。서울은 한국의 수도입니다. "
    "مرحبا بالعالم. नमस्ते दुनिया।  Tabs\tand\n\nnewlines   spaced out 🙂🚀 <b>bold</b> x=[1, 22, 333]"
)


def _torch():
    try:
        import torch
        import transformers
    except ImportError as err:
        raise ImportError("parity checks need the `ref` extra (torch, transformers, accelerate)") from err
    return torch, transformers


def load_reference(folder: str | Path, gguf_file: str | None = None):
    """``transformers`` model and tokenizer from an HF folder, or from a GGUF file in it (dequantized by
    transformers itself), in float32."""
    torch, transformers = _torch()
    kwargs = {"gguf_file": gguf_file} if gguf_file else {}
    model = transformers.AutoModelForCausalLM.from_pretrained(
        str(folder), dtype=torch.float32, **kwargs
    ).eval()
    tok = transformers.AutoTokenizer.from_pretrained(str(folder), **kwargs)
    return model, tok


def reference_logits(model, ids: list[int]) -> np.ndarray:
    torch, _ = _torch()
    with torch.no_grad():
        return model(torch.as_tensor([ids])).logits[0].float().numpy()


def our_logits(model, ids: list[int]) -> np.ndarray:
    with jax.default_matmul_precision("highest"):
        return np.asarray(model(np.asarray([ids], np.int32)))[0]


def compare(ours: np.ndarray, ref: np.ndarray) -> dict:
    """Max |logit difference| and next-token (top-1) agreement over every position."""
    top_ours, top_ref = ours.argmax(-1), ref.argmax(-1)
    return {
        "positions": int(ours.shape[0]),
        "max_abs_logit_diff": float(np.abs(ours - ref).max()),
        "top1_agreement": float((top_ours == top_ref).mean()),
        "top1_identical": bool((top_ours == top_ref).all()),
    }
