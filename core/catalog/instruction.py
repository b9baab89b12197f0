"""Instruction-tuning tasks (Table 7, 3 rows, all generative): kept so the autorater still follows
instructions; the target is a human-written response."""

from __future__ import annotations

from core.catalog.fields import stable_id, text
from core.catalog.spec import Example, RowError, Skip, Source, TaskSpec


def _lima(row, task):
    turns = row.get("conversations")
    if not isinstance(turns, list) or len(turns) < 2 or not all(isinstance(t, str) for t in turns):
        raise RowError("conversations", "expected at least a prompt and a response")
    if len(turns) > 2:
        raise Skip("multi-turn conversation")
    prompt, response = turns[0].strip(), turns[1].strip()
    yield Example(stable_id(prompt), (("instruction", prompt),), (("response", response),))


LIMA = TaskSpec(
    name="lima_instruction_following", dataset="LIMA", citation="Zhou et al. 2023", capability="instruction_tuning",
    kind="open_ended", title="Respond to the instruction.",
    description="Write a helpful, accurate and well-organised response that does what the instruction asks.",
    label_space=None, source=Source("hub", "GAIR/lima", splits=("train",)), license="CC-BY-NC-SA-4.0 (mixed sources)",
    convert=_lima,
)  # fmt: skip

TULU_HUMAN_SUBSETS = ("flan_v2", "cot", "oasst1", "science", "hard_coded")


def _tulu(row, task):
    subset = text(row, "dataset")
    if not subset.startswith(TULU_HUMAN_SUBSETS):
        raise Skip(f"subset '{subset.split('.')[0]}' has model-written responses")
    messages = row.get("messages")
    if not isinstance(messages, list) or len(messages) < 2:
        raise RowError("messages", "expected a user message and an assistant reply")
    first, second = messages[0], messages[1]
    if not (isinstance(first, dict) and isinstance(second, dict) and first.get("role") == "user"
            and second.get("role") == "assistant"):  # fmt: skip
        raise RowError("messages", "expected a user message followed by an assistant reply")
    yield Example(text(row, "id"), (("instruction", text(first, "content")),), (("response", text(second, "content")),),
                  {"subset": subset})  # fmt: skip


TULU2 = TaskSpec(
    name="tulu2_human_written", dataset="TULU-2", citation="Ivison et al. 2023", capability="instruction_tuning",
    kind="open_ended", title="Respond to the instruction.",
    description="Write the response a careful human expert would give: correct, complete and in the format the "
    "instruction asks for.",
    label_space=None, source=Source("hub", "allenai/tulu-v2-sft-mixture", splits=("train",)), license="ODC-BY-1.0",
    convert=_tulu, notes="Only the human-written subsets: FLAN, CoT, Open Assistant 1, science literature, hard-coded.",
)  # fmt: skip

TASKS = (LIMA, TULU2)
