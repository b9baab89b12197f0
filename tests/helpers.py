"""Test helpers: a pairwise record with only the fields a test cares about, bitwise model equality, the
shapes of the small transformers reference models."""

import jax
import numpy as np
from flax import nnx

from core.data.schema import PAIR_LABELS, Record


def pair(example_id: str, a: str, b: str, gold: str = "A", instruction: str = "q", **meta) -> Record:
    """A pairwise test record: ``a`` shown as response A, ``b`` as response B, ``gold`` the better one."""
    return Record(
        task="t",
        split="test",
        example_id=example_id,
        kind="pairwise",
        capability="quality",
        title="T",
        description="D",
        context=(("instruction", instruction), ("response A", a), ("response B", b)),
        target=(("choice", gold),),
        label_space=PAIR_LABELS,
        meta=meta,
    )


def params_equal(a, b) -> bool:
    """Bitwise equality of two models' parameters."""
    la = jax.tree.leaves(nnx.state(a, nnx.Param))
    lb = jax.tree.leaves(nnx.state(b, nnx.Param))
    return len(la) == len(lb) and all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(la, lb))


# the shapes of the small transformers reference models the import and training tests build (their config names)
SMALL_HF = dict(
    vocab_size=256, hidden_size=64, intermediate_size=96, num_attention_heads=4, num_key_value_heads=2,
    max_position_embeddings=64,
)  # fmt: skip
