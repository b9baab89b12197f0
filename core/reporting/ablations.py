"""The mixture-ablation table: DVC experiments (``dvc exp show --json``) flattened to one row per run, with the
parameters each changed against its baseline commit and the target metrics beside the baseline's."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

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
    return {
        "name": e.get("name") or e["rev"][:7],
        "rev": e["rev"],
        "baseline": baseline,
        "params": params,
        "metrics": metrics,
        "error": e.get("error"),
    }


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
        row = {
            "run": r["name"],
            "kind": "experiment" if r["baseline"] else "commit",
            "commit": (r["baseline"] or r["rev"])[:7],
            "changed": ", ".join(f"{k}={v}" for k, v in sorted(changed.items())) or "(none)",
            "status": "failed" if r["error"] or not scores else "ok",
            "examples_seen": r["metrics"].get(summary, {}).get("examples_seen"),
        }
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


def deltas(runs: pd.DataFrame, prefix: str = "abl-", columns: Sequence[str] = COLUMNS) -> pd.DataFrame:
    """Each ablated experiment's scores minus those of its own commit's ``<prefix>baseline`` (points), indexed
    ``run @commit`` and sorted by the overall change; baselines, commits and failed runs are left out."""
    ok = runs[(runs["status"] == "ok") & (runs["kind"] == "experiment")]
    base = ok[ok["run"] == f"{prefix}baseline"].set_index("commit")[list(columns)]
    ablated = ok[(ok["run"] != f"{prefix}baseline") & ok["commit"].isin(base.index)]
    out = ablated[list(columns)].to_numpy() - base.loc[ablated["commit"]].to_numpy()
    index = [f"{r} @{c}" for r, c in zip(ablated["run"], ablated["commit"])]
    return pd.DataFrame(out, index=index, columns=list(columns)).sort_values(columns[0])


def plot_deltas(d: pd.DataFrame, title: str, path: str) -> None:
    """Left: the overall change per ablation as bars; right: every category's change as a heatmap (red worse,
    blue better), one row per run, so sixteen runs stay readable."""
    fig, (bars, heat) = plt.subplots(
        1, 2, figsize=(12, 0.45 * len(d) + 1.8), sharey=True, gridspec_kw={"width_ratios": [1, 1.4]}
    )
    y = np.arange(len(d))
    overall = d.iloc[:, 0].to_numpy()
    bars.barh(y, overall, color=["tab:red" if v < 0 else "tab:blue" for v in overall])
    bars.axvline(0, color="black", lw=0.8)
    bars.set_yticks(y, d.index, fontsize=8)
    bars.set_xlabel(f"{d.columns[0]}: points vs the commit's baseline")
    span = float(np.nanmax(np.abs(d.to_numpy()))) or 1.0
    image = heat.imshow(d.to_numpy(), cmap="RdBu", vmin=-span, vmax=span, aspect="auto")
    heat.set_xticks(range(len(d.columns)), d.columns, fontsize=8)
    for (i, j), v in np.ndenumerate(d.to_numpy()):
        heat.text(
            j,
            i,
            f"{v:+.1f}",
            ha="center",
            va="center",
            fontsize=7,
            color="white" if abs(v) > 0.6 * span else "black",
        )
    fig.colorbar(image, ax=heat, label="points")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
