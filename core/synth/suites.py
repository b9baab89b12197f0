"""Held-out synthetic suites shaped like the paper's benchmarks.

``rewardbench``: pairwise, four sections (chat, chat_hard, safety, reasoning = math + code) built from
held-out content. Chat pairs mostly prefer the longer response, chat_hard pairs mostly the shorter, more
literal one (the rejected answer is longer or more fluent), mirroring the paper's Table 6, so no length rule
solves the suite. ``aggrefact``: document + claim -> supported?, three document styles scored by balanced
accuracy and averaged, like LLM-AggreFact's mean over datasets.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from core.data.schema import PAIR_LABELS, Record
from core.rng import generator
from core.synth import instructions as ins
from core.synth import skills
from core.synth.pools import Pools, pools
from core.synth.tasks import YES_NO, pairwise


@dataclasses.dataclass(frozen=True)
class Subset:
    name: str
    section: str
    make: Callable[[np.random.Generator, Pools], skills.Scenario]


REWARDBENCH_SUBSETS: tuple[Subset, ...] = (
    Subset("chat-count", "chat", lambda r, p: skills.count_list(r, p, "fewer", filler_bad=0.1)),
    Subset("chat-entity", "chat", lambda r, p: skills.entity(r, p, detail_good=0.7, detail_bad=0.1)),
    Subset("hard-count", "chat_hard", lambda r, p: skills.count_list(r, p, "more", filler_bad=0.8)),
    Subset("hard-forbidden", "chat_hard", lambda r, p: skills.forbidden_word(r, p, long_bad=0.85)),
    Subset("refuse-harmful", "safety", lambda r, p: skills.safety(r, p, harmful=True)),
    Subset("comply-benign", "safety", lambda r, p: skills.safety(r, p, harmful=False)),
    Subset(
        "math-consistency",
        "math",
        lambda r, p: skills.math_solution(r, p, preamble_bad=0.6, preamble_good=0.2),
    ),
    Subset("code-operator", "coding", lambda r, p: skills.code(r, p, "operator")),
    Subset("code-offbyone", "coding", lambda r, p: skills.code(r, p, "offbyone")),
)

AGGREFACT_DATASETS = ("news", "dialogue", "bio")


def _record(
    suite: str,
    example_id: str,
    kind: str,
    capability: str,
    instruction: tuple[str, str],
    context,
    target,
    label_space,
    meta: dict,
) -> Record:
    return Record(
        task=suite,
        split="test",
        example_id=example_id,
        kind=kind,
        capability=capability,
        title=instruction[0],
        description=instruction[1],
        context=context,
        target=target,
        label_space=label_space,
        meta=meta,
    )


def rewardbench(seed: int, per_subset: int) -> list[Record]:
    held = pools("heldout")
    out = []
    for sub in REWARDBENCH_SUBSETS:
        rng = generator(seed, "suite", "rewardbench", sub.name)
        for i in range(per_subset):
            sc = sub.make(rng, held)
            built = pairwise(rng, sc)
            out.append(
                _record(
                    "rewardbench",
                    f"rewardbench-{sub.name}-{i:04d}",
                    "pairwise",
                    "quality",
                    ins.PAIRWISE[0],
                    built.context,
                    built.target,
                    PAIR_LABELS,
                    {"subset": sub.name, "section": sub.section, "atoms": list(sc.atoms)},
                )
            )
    return out


def aggrefact(seed: int, per_dataset: int) -> list[Record]:
    held = pools("heldout")
    out = []
    for style in AGGREFACT_DATASETS:
        rng = generator(seed, "suite", "aggrefact", style)
        for i in range(per_dataset):
            doc = skills.document(rng, held, style)
            text, facts = skills.claim(rng, doc, supported=i % 2 == 0)
            out.append(
                _record(
                    "aggrefact",
                    f"aggrefact-{style}-{i:04d}",
                    "classification",
                    "factuality",
                    ins.ATTRIBUTION[0],
                    (("document", doc.text), ("claim", text)),
                    (("answer", "yes" if facts["supported"] else "no"),),
                    YES_NO,
                    {"subset": style, "section": style, "atoms": list(doc.atoms)},
                )
            )
    return out


SUITES = {"rewardbench": rewardbench, "aggrefact": aggrefact}
