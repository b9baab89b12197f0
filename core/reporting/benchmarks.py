"""Tables of the evaluation notebooks (Tables 1, 3 and 6, Fig. 1): scores of our models per suite read from
``metrics.json`` files, LLM-AggreFact's use-case columns, and the length bias of pairwise suites' labels."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from core.benchmarks import aggrefact
from core.data.collection import load_suite
from core.data.schema import PAIR_FIELDS
from core.reporting.load import read_json


def suite_overview(eval_dir: str | Path, models: Sequence[str], suites: Sequence[str]) -> pd.DataFrame:
    """One row per model, one column per suite: the suite's overall score in percent (NaN: not evaluated)."""
    rows = []
    for model in models:
        row: dict = {"model": model}
        for suite in suites:
            path = Path(eval_dir) / model / suite / "metrics.json"
            row[suite] = 100 * read_json(path)["overall"] if path.exists() else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def aggrefact_table(eval_dir: str | Path, models: Sequence[str]) -> pd.DataFrame:
    """Per model: balanced accuracy per dataset, ``overall`` (mean over datasets) and, for the datasets that
    are LLM-AggreFact's, the mean of each Table 3 use-case (in percent)."""
    rows = []
    for model in models:
        m = read_json(Path(eval_dir) / model / "aggrefact" / "metrics.json")
        subsets = {k: 100 * v for k, v in m["subsets"].items()}
        published = aggrefact.use_cases({k: v for k, v in subsets.items() if k in aggrefact.DATASETS})
        rows.append({"model": model, "overall": 100 * m["overall"], **published, **subsets})
    return pd.DataFrame(rows)


def length_bias(data_dir: str | Path, suites: Sequence[str]) -> pd.DataFrame:
    """For each pairwise suite and section: how often the preferred response is the longer one (characters),
    over the pairs whose lengths differ; equal-length pairs are counted separately."""
    rows = []
    for suite in suites:
        counts: dict[str, list[int]] = defaultdict(
            lambda: [0, 0, 0]
        )  # longer preferred, shorter preferred, tie
        for r in load_suite(data_dir, suite):
            if r.kind != "pairwise":
                continue
            preferred = r.field(f"response {r.label}")
            other = r.field(PAIR_FIELDS[1] if r.label == "A" else PAIR_FIELDS[0])
            slot = 0 if len(preferred) > len(other) else 1 if len(preferred) < len(other) else 2
            counts[r.meta.get("section", r.meta.get("subset", r.task))][slot] += 1
        for section, (longer, shorter, ties) in sorted(counts.items()):
            decided = longer + shorter
            rows.append(
                {
                    "suite": suite,
                    "section": section,
                    "pairs": decided + ties,
                    "equal_length": ties,
                    "longer_preferred_percent": 100 * longer / decided if decided else math.nan,
                }
            )
    return pd.DataFrame(
        rows, columns=["suite", "section", "pairs", "equal_length", "longer_preferred_percent"]
    )


def bias_table(bias_dir: str | Path, judges: Sequence[str]) -> pd.DataFrame:
    """Table 4 rows for our judges: the six bias probes and their mean (NaN where a probe does not apply)."""
    columns = ["average", "order", "compassion", "length", "egocentric", "bandwagon", "attention"]
    rows = []
    for judge in judges:
        m = read_json(Path(bias_dir) / judge / "metrics.json")
        rows.append(
            {
                "model": judge,
                **{c: math.nan if m.get(c) is None else m[c] for c in columns},
                "records": m["records"],
            }
        )
    return pd.DataFrame(rows)


def code_table(code_dir: str | Path, models: Sequence[str]) -> pd.DataFrame:
    """Table 5 for our judges: pass@1 (%) of the top-ranked candidate, with the None and Oracle rows."""
    metrics = [read_json(Path(code_dir) / model / "metrics.json") for model in models]
    rows = [{"ranker": model, "pass@1": 100 * m["reranked"]} for model, m in zip(models, metrics)]
    if not metrics:
        return pd.DataFrame(columns=["ranker", "pass@1"])
    bounds = metrics[0]  # None and Oracle depend on the candidates only, not on the ranker
    return pd.DataFrame(
        [
            {"ranker": "None", "pass@1": 100 * bounds["none"]},
            *rows,
            {"ranker": "Oracle", "pass@1": 100 * bounds["oracle"]},
        ]
    )
