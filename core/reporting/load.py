"""Typed readers for the artifacts notebooks render: the collection catalog, eval metrics, paper numbers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd


def read_json(path: str | Path) -> dict:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"missing artifact: {path} (run `dvc repro` to produce it)")
    return json.loads(path.read_text())


def composition(catalog_path: str | Path, by: str) -> pd.DataFrame:
    """Training examples per task type (``by='kind'``) or capability (``by='capability'``), with shares."""
    catalog = read_json(catalog_path)
    rows = [
        {"task": t, by: info[by], "examples": info["examples"]["train"]}
        for t, info in catalog["tasks"].items()
        if info.get("role", "train") == "train"
    ]
    df = (
        pd.DataFrame(rows)
        .groupby(by, as_index=False)
        .agg(tasks=("task", "count"), examples=("examples", "sum"))
    )
    df["share_percent"] = 100 * df["examples"] / df["examples"].sum()
    return df.sort_values("examples", ascending=False).reset_index(drop=True)


def with_paper_shares(df: pd.DataFrame, by: str, paper: dict[str, float]) -> pd.DataFrame:
    out = df.merge(pd.DataFrame({by: list(paper), "paper_percent": list(paper.values())}), on=by, how="outer")
    return out.fillna({"tasks": 0, "examples": 0, "share_percent": 0.0})


def metrics_table(
    eval_dir: str | Path, models: Sequence[str], suite: str, columns: Sequence[str]
) -> pd.DataFrame:
    """One row per model with the requested metric columns (in percent), read from metrics.json files."""
    rows = []
    for model in models:
        m = read_json(Path(eval_dir) / model / suite / "metrics.json")
        row = {"model": model}
        row.update({c: 100 * m[c] for c in columns if c in m})
        if "order_consistency" in m:
            row["order_consistency"] = 100 * m["order_consistency"]
        rows.append(row)
    return pd.DataFrame(rows)


def paper_table(paper_path: str | Path, key: str) -> pd.DataFrame:
    table = read_json(paper_path)[key]
    df = pd.DataFrame.from_dict(table["rows"], orient="index", columns=table["columns"])
    return df.rename_axis("model").reset_index()
