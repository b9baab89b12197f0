"""Official constants of the paper's benchmarks and their aggregation arithmetic.

RewardBench (allenai/reward-bench ``constants.py``): 23 subsets in four sections; a section is the
example-count-weighted mean of its subsets (math-prm counts 984, the number of code examples, so that math and
code weigh equally in Reasoning); the overall score is the plain mean of the four sections. Prior Sets are not
part of it (FLAMe trains on three of their four sources).

LLM-AggreFact, the 10-dataset version FLAMe used: balanced accuracy per dataset; the overall score is the mean
over the 10 datasets (not over the four use-cases of the paper's Table 3).
"""

from __future__ import annotations

from collections.abc import Mapping

from core.data.catalog.benchmarks import AGGREFACT_DATASETS, REWARDBENCH_SUBSETS

__all__ = ["AGGREFACT_DATASETS", "REWARDBENCH_SECTIONS", "REWARDBENCH_SUBSETS", "aggrefact_overall_from_use_cases",
           "aggrefact_use_cases", "rewardbench_overall"]  # fmt: skip

REWARDBENCH_SECTIONS = ("chat", "chat_hard", "safety", "reasoning")


def rewardbench_overall(sections: Mapping[str, float]) -> float:
    """Plain mean of the four section scores."""
    missing = [s for s in REWARDBENCH_SECTIONS if s not in sections]
    if missing:
        raise ValueError(f"RewardBench overall needs all four sections, missing {missing}")
    return sum(sections[s] for s in REWARDBENCH_SECTIONS) / len(REWARDBENCH_SECTIONS)


def aggrefact_use_cases(datasets: Mapping[str, float]) -> dict[str, float]:
    """Table 3's use-case columns: the mean of each use-case's member datasets."""
    groups: dict[str, list[float]] = {}
    for name, score in datasets.items():
        if name not in AGGREFACT_DATASETS:
            raise KeyError(f"'{name}' is not one of LLM-AggreFact's 10 datasets")
        groups.setdefault(AGGREFACT_DATASETS[name], []).append(score)
    return {use: sum(v) / len(v) for use, v in groups.items()}


def aggrefact_overall_from_use_cases(use_cases: Mapping[str, float]) -> float:
    """The mean over the 10 datasets, recovered from Table 3's use-case means (each weighted by its size)."""
    sizes: dict[str, int] = {}
    for use in AGGREFACT_DATASETS.values():
        sizes[use] = sizes.get(use, 0) + 1
    return sum(use_cases[u] * n for u, n in sizes.items()) / sum(sizes.values())
