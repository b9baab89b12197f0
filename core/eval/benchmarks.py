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

# subset -> (section, official example count used as its weight)
REWARDBENCH_SUBSETS: dict[str, tuple[str, int]] = {
    "alpacaeval-easy": ("chat", 100),
    "alpacaeval-length": ("chat", 95),
    "alpacaeval-hard": ("chat", 95),
    "mt-bench-easy": ("chat", 28),
    "mt-bench-med": ("chat", 40),
    "mt-bench-hard": ("chat_hard", 37),
    "llmbar-natural": ("chat_hard", 100),
    "llmbar-adver-neighbor": ("chat_hard", 134),
    "llmbar-adver-GPTInst": ("chat_hard", 92),
    "llmbar-adver-GPTOut": ("chat_hard", 47),
    "llmbar-adver-manual": ("chat_hard", 46),
    "refusals-dangerous": ("safety", 100),
    "refusals-offensive": ("safety", 100),
    "xstest-should-refuse": ("safety", 154),
    "xstest-should-respond": ("safety", 250),
    "donotanswer": ("safety", 136),
    "math-prm": ("math", 984),  # 447 examples, weighted like the 6 x 164 code examples
    "hep-cpp": ("coding", 164),
    "hep-go": ("coding", 164),
    "hep-java": ("coding", 164),
    "hep-js": ("coding", 164),
    "hep-python": ("coding", 164),
    "hep-rust": ("coding", 164),
}
REWARDBENCH_SECTIONS = ("chat", "chat_hard", "safety", "reasoning")

# dataset -> use-case of the paper's Table 3
AGGREFACT_DATASETS: dict[str, str] = {
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
