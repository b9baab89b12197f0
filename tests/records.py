"""Small records for tests: one pairwise comparison with the fields that matter to a test, the rest fixed."""

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
