"""Held-out evaluation pieces we hold as real files: RewardBench's five ``llmbar-*`` subsets (Chat Hard), read
from LLMBar as its authors publish it, and LLM-AggreFact's WiCE member. The full suites (issue: autorater
benchmarks) read the rest from the hub."""

from __future__ import annotations

from core.catalog.fields import choice, literal, pair, stable_id, text
from core.catalog.spec import Example, Local, RowError, Source, TaskSpec
from core.data.schema import PAIR_LABELS

LLMBAR_REVISION = "900616bff90b6c6c8e1681f7d079250637c55992"
# RewardBench subset name -> LLMBar folder and example count (RewardBench's official counts)
LLMBAR_SUBSETS = {
    "llmbar-natural": ("LLMBar/Natural", 100),
    "llmbar-adver-neighbor": ("LLMBar/Adversarial/Neighbor", 134),
    "llmbar-adver-GPTInst": ("LLMBar/Adversarial/GPTInst", 92),
    "llmbar-adver-GPTOut": ("LLMBar/Adversarial/GPTOut", 47),
    "llmbar-adver-manual": ("LLMBar/Adversarial/Manual", 46),
}


def _llmbar(row, task):
    instruction = text(row, "input")
    outputs = (text(row, "output_1"), text(row, "output_2"))
    best = choice(row, "label", {1: 0, 2: 1, "1": 0, "2": 1})
    key = f"{task.subset}-{stable_id(instruction, *outputs)}"
    fields, label = pair(task.name, key, outputs[best], outputs[1 - best])
    meta = {"subset": task.subset, "section": "chat_hard"}
    yield Example(key, (("instruction", instruction), *fields), (("choice", label),), meta)


def _llmbar_task(subset: str, folder: str, count: int) -> TaskSpec:
    return TaskSpec(
        name=f"rewardbench_{subset.replace('-', '_').lower()}",
        dataset="RewardBench (LLMBar)",
        citation="Zeng et al. 2024; Lambert et al. 2024",
        capability="quality",
        kind="pairwise",
        title="Which output follows the instruction better?",
        description=(
            "Two outputs respond to the same instruction. Choose 'A' or 'B': the output that precisely "
            "executes the instruction. Judge instruction following first; only when both follow it equally, "
            "prefer the more helpful, accurate and harmless one. Do not let length, style or the order of the "
            "outputs sway the choice."
        ),
        label_space=PAIR_LABELS,
        source=Source(
            "github",
            "princeton-nlp/LLMBar",
            files=(f"Dataset/{folder}/dataset.json",),
            revision=LLMBAR_REVISION,
        ),  # fmt: skip
        license="MIT",
        convert=_llmbar,
        role="eval",
        local=Local("llmbar", (f"{folder}/dataset.json",), expected=count),
        suite="rewardbench",
        subset=subset,
    )


LLMBAR = tuple(_llmbar_task(s, folder, n) for s, (folder, n) in LLMBAR_SUBSETS.items())


def _wice(row, task):
    evidence = literal(row, "evidence")
    if not isinstance(evidence, list) or not all(isinstance(s, str) for s in evidence):
        raise RowError("evidence", "expected a list of evidence sentences")
    label = choice(row, "label", {"supported": "Yes", "partially_supported": "No", "not_supported": "No"})
    meta = literal(row, "meta")
    key = meta.get("id") if isinstance(meta, dict) and meta.get("id") else stable_id(text(row, "claim"))
    context = (("document", " ".join(s.strip() for s in evidence)), ("claim", text(row, "claim")))
    yield Example(str(key), context, (("answer", label),), {"subset": "WiCE", "section": "Wiki-FactVerify"})


WICE = TaskSpec(
    name="aggrefact_wice",
    dataset="LLM-AggreFact (WiCE)",
    citation="Kamoi et al. 2023; Tang et al. 2024",
    capability="factuality",
    kind="classification",
    title="Is the claim supported by the document?",
    description=(
        "Read the document and the claim. Answer 'Yes' if every part of the claim is supported by the "
        "document, and 'No' if any part of it is unsupported or contradicted."
    ),
    label_space=("Yes", "No"),
    source=Source(
        "github",
        "ryokamoi/wice",
        files=("data/entailment_retrieval/claim/test.jsonl",),
        revision="ddeb6c183665e2a20c5f03c5aa07f03888b9870f",
    ),  # fmt: skip
    license="ODC-BY-1.0 (annotations); CC-BY-SA (Wikipedia); Common Crawl terms (web text)",
    convert=_wice,
    role="eval",
    local=Local("wice_claim_test", ("test.jsonl",), expected=358),
    suite="aggrefact",
    subset="WiCE",
    notes="LLM-AggreFact binarises WiCE: supported vs partially or not supported.",
)

TASKS = (*LLMBAR, WICE)
