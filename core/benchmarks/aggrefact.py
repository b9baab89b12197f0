"""LLM-AggreFact, the 10-dataset version FLAMe used: balanced accuracy per dataset, and the overall score is
the mean over the 10 datasets (not over the four use-cases of the paper's Table 3, which group them)."""

from __future__ import annotations

from collections.abc import Mapping

# dataset -> use-case column of the paper's Table 3
DATASETS: dict[str, str] = {
    "ClaimVerify": "llm_factverify",
    "FactCheck-GPT": "llm_factverify",
    "Reveal": "llm_factverify",
    "WiCE": "wiki_factverify",
    "AggreFact-CNN": "summarization",
    "AggreFact-XSum": "summarization",
    "TofuEval-MediaS": "summarization",
    "TofuEval-MeetB": "summarization",
    "ExpertQA": "long_form_qa",
    "LFQA": "long_form_qa",
}


def use_cases(datasets: Mapping[str, float]) -> dict[str, float]:
    """Table 3's use-case columns: the mean of each use-case's member datasets."""
    groups: dict[str, list[float]] = {}
    for name, score in datasets.items():
        if name not in DATASETS:
            raise KeyError(f"'{name}' is not one of LLM-AggreFact's 10 datasets")
        groups.setdefault(DATASETS[name], []).append(score)
    return {use: sum(v) / len(v) for use, v in groups.items()}


def overall_from_use_cases(columns: Mapping[str, float]) -> float:
    """The mean over the 10 datasets, recovered from Table 3's use-case means (each weighted by its size)."""
    sizes: dict[str, int] = {}
    for use in DATASETS.values():
        sizes[use] = sizes.get(use, 0) + 1
    return sum(columns[u] * n for u, n in sizes.items()) / sum(sizes.values())
