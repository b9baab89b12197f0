"""How a tail-patch run is read back: the per-category curves its training log holds (the evaluation hook,
``core/eval/hook.py``, wrote them as ``eval_<category>`` columns). The patch fine-tune itself is in
``core/tailpatch/run.py``."""

from __future__ import annotations

from collections.abc import Sequence

from core.benchmarks.rewardbench import CATEGORIES


def curves(log_rows: Sequence[dict]) -> dict[str, list[float]]:
    """Per category, the evaluated scores of a patch run's log (rows carrying ``eval_<category>``)."""
    out = {
        c: [float(r[f"eval_{c}"]) for r in log_rows if r.get(f"eval_{c}") not in (None, "")]
        for c in CATEGORIES
    }
    return {c: v for c, v in out.items() if v}
