"""The unified FLAMe text-to-text format (paper §2, Fig. 2).

``render`` turns a record into ``(inputs, targets)`` text. Training and evaluation both call it, so the prompts a
model is trained on and judged with cannot drift apart. Inputs end with the ``EVALUATION:`` header; targets hold
one ``field: value`` line per output field.
"""

from __future__ import annotations

from core.data.schema import PAIR_FIELDS, Record

_SWAP = {"A": "B", "B": "A"}


def render_inputs(record: Record) -> str:
    fields = ", ".join(name for name, _ in record.target)
    lines = [
        "INSTRUCTIONS:",
        f"title: {record.title}",
        f"description: {record.description}",
        f"output_fields: {fields}",
        "CONTEXT:",
    ]
    lines += [f"{label}: {value}" for label, value in record.context]
    lines.append("EVALUATION:")
    return "\n".join(lines) + "\n"


def render_target(record: Record, label: str | None = None, *, first_field_only: bool = False) -> str:
    """Target text; ``label`` replaces the first field's value (used to score each allowed answer)."""
    target = list(record.target)
    if label is not None:
        target[0] = (target[0][0], label)
    if first_field_only:
        target = target[:1]
    return "\n".join(f"{name}: {value}" for name, value in target)


def render(record: Record) -> tuple[str, str]:
    return render_inputs(record), render_target(record)


def swap(record: Record) -> Record:
    """The A/B-swapped twin of a pairwise record, with its choice remapped."""
    if record.kind != "pairwise":
        raise ValueError(f"swap() needs a pairwise record, got kind '{record.kind}' ({record.example_id})")
    a, b = (record.field(name) for name in PAIR_FIELDS)
    context = []
    for name, value in record.context:
        if name == PAIR_FIELDS[0]:
            value = b
        elif name == PAIR_FIELDS[1]:
            value = a
        context.append((name, value))
    target = list(record.target)
    target[0] = (target[0][0], _SWAP.get(record.label, record.label))
    meta = dict(record.meta)
    meta["swapped"] = not meta.get("swapped", False)
    return record.replace(context=tuple(context), target=tuple(target), meta=meta)
