"""The mixture-ablation table: DVC experiments (``dvc exp show --json``) flattened to one row per run, with the
parameters each changed against its baseline commit and the target metrics beside the baseline's."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pandas as pd

METRICS = "artifacts/eval/flame/rewardbench/metrics.json"
TRAIN_SUMMARY = "artifacts/train/flame/summary.json"
COLUMNS = ("overall", "chat", "chat_hard", "safety", "reasoning")


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested params as dotted keys (lists stay values: an exclusion list is one parameter)."""
    out: dict[str, Any] = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _entry(e: Mapping, baseline: str | None) -> dict:
    data = e.get("data") or {}
    params = flatten((data.get("params") or {}).get("params.yaml", {}).get("data", {}))
    metrics = {path: (m or {}).get("data", {}) for path, m in (data.get("metrics") or {}).items()}
    return {"name": e.get("name") or e["rev"][:7], "rev": e["rev"], "baseline": baseline, "params": params,
            "metrics": metrics, "error": e.get("error")}  # fmt: skip


def experiments(exp_show: Sequence[Mapping]) -> Iterator[dict]:
    """Every commit row (``baseline`` None) and every experiment under it, from ``dvc exp show --json``; the
    uncommitted ``workspace`` row is skipped."""
    for commit in exp_show:
        if commit["rev"] == "workspace":
            continue
        yield _entry(commit, None)
        for group in commit.get("experiments") or []:
            for e in group.get("revs", []):
                yield _entry(e, commit["rev"])


def runs_table(
    exp_show: Sequence[Mapping],
    prefix: str = "abl-",
    metrics: str = METRICS,
    summary: str = TRAIN_SUMMARY,
    columns: Sequence[str] = COLUMNS,
) -> pd.DataFrame:
    """One row per experiment named ``prefix*`` and per commit those experiments were run from: the changed
    parameters (``key=value`` against the commit), FLAMe's examples seen and the target scores in %, with
    ``delta`` = overall minus the reference row's overall (the ``<prefix>baseline`` experiment when one was
    run from that commit, else the commit itself). A failed experiment is kept, marked in ``status``."""
    runs = list(experiments(exp_show))
    commits = {r["rev"]: r for r in runs if r["baseline"] is None}
    chosen = [r for r in runs if r["baseline"] is not None and r["name"].startswith(prefix)]
    if not chosen:
        raise ValueError(f"no experiments named '{prefix}*' in the dvc exp show output")
    rows = []
    for r in [commits[rev] for rev in dict.fromkeys(r["baseline"] for r in chosen)] + chosen:
        base = commits[r["baseline"]]["params"] if r["baseline"] else r["params"]
        changed = {k: v for k, v in r["params"].items() if base.get(k) != v}
        scores = r["metrics"].get(metrics, {})
        row = {"run": r["name"], "kind": "experiment" if r["baseline"] else "commit",
               "commit": (r["baseline"] or r["rev"])[:7],
               "changed": ", ".join(f"{k}={v}" for k, v in sorted(changed.items())) or "(none)",
               "status": "failed" if r["error"] or not scores else "ok",
               "examples_seen": r["metrics"].get(summary, {}).get("examples_seen")}  # fmt: skip
        row.update({c: 100 * scores[c] if c in scores else float("nan") for c in columns})
        rows.append(row)
    df = pd.DataFrame(rows)
    reference = {}
    for commit in df["commit"].unique():
        named = df[(df["commit"] == commit) & (df["run"] == f"{prefix}baseline")]
        ref = named if len(named) else df[(df["commit"] == commit) & (df["kind"] == "commit")]
        reference[commit] = ref["overall"].iloc[0] if len(ref) else float("nan")
    df["delta"] = df["overall"] - df["commit"].map(reference)
    return df
