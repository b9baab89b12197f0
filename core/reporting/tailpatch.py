"""Tables and figures of the tail-patch notebook: the per-category curves logged while FLAMe and FLAMe-Opt-RM
trained (Fig. 5), the ratings / bundles / weights behind the tail-patch mixture, and what the search cost
against full training."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd  # noqa: E402

from core.benchmarks.rewardbench import CATEGORIES  # noqa: E402

BUNDLE_ORDER = ("general", *CATEGORIES, "others")


def training_curves(train_logs: str | Path, runs: Sequence[str]) -> pd.DataFrame:
    """Long table (run, step, category, accuracy in %) of the ``eval_<category>`` columns of each run's
    ``log.csv``; a run trained without ``eval_every`` is an error, not an empty line in the figure."""
    rows = []
    for run in runs:
        path = Path(train_logs) / run / "log.csv"
        with path.open() as f:
            logged = [r for r in csv.DictReader(f) if any(r.get(f"eval_{c}") for c in CATEGORIES)]
        if not logged:
            raise ValueError(f"{path} has no evaluation columns: train.{run}.eval_every was 0")
        for r in logged:
            for c in CATEGORIES:
                if r.get(f"eval_{c}"):
                    rows.append(
                        {
                            "run": run,
                            "step": int(r["step"]),
                            "category": c,
                            "accuracy": 100 * float(r[f"eval_{c}"]),
                        }
                    )
    return pd.DataFrame(rows)


def plot_curves(curves: pd.DataFrame, categories: Sequence[str], title: str, path: str) -> None:
    """One panel per category, accuracy against training step, a line per run."""
    fig, axes = plt.subplots(1, len(categories), figsize=(5 * len(categories), 3.8), squeeze=False)
    for ax, cat in zip(axes[0], categories):
        for run, df in curves[curves["category"] == cat].groupby("run", sort=False):
            ax.plot(df["step"], df["accuracy"], marker="o", markersize=3, label=run)
        ax.axhline(50, color="gray", linestyle="--", linewidth=1)
        ax.set_title(cat)
        ax.set_xlabel("training step")
        ax.set_ylabel("accuracy (%)")
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def bundle_table(ratings: Mapping, planted: Mapping[str, Mapping[str, int]] | None = None) -> pd.DataFrame:
    """One row per patched task: its rating per category (with the planted effect beside it on synth, e.g.
    ``+2 (+)``), the total, its bundles, its weight and its share of the tail-patch mixture."""
    member: dict[str, list[str]] = {}
    for name, tasks in ratings["bundles"].items():
        for t in tasks:
            member.setdefault(t, []).append(name)
    rows = []
    for task, r in ratings["ratings"].items():
        row: dict = {"task": task}
        for c in CATEGORIES:
            mark = {1: " (+)", -1: " (-)"}.get((planted or {}).get(task, {}).get(c, 0), "")
            row[c] = f"{r[c]:+d}{mark}" if c in r else ""
        row["total"] = sum(r.values())
        row["bundles"] = ", ".join(sorted(member.get(task, []), key=_bundle_rank))
        row["weight"] = ratings["weights"][task]
        row["share (%)"] = 100 * ratings["proportions"].get(task, 0.0)
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["weight", "total", "task"], ascending=[False, False, True])


def _bundle_rank(name: str) -> tuple[int, str]:
    base = name.removeprefix("top_")
    return (BUNDLE_ORDER.index(base) if base in BUNDLE_ORDER else len(BUNDLE_ORDER), name)


def plot_ratings(
    ratings: Mapping, planted: Mapping[str, Mapping[str, int]] | None, title: str, path: str
) -> None:
    """Heatmap of the ratings (task x category); planted helpful effects boxed in green, harmful in red."""
    grid = {t: {c: float(r.get(c, 0)) for c in CATEGORIES} for t, r in ratings["ratings"].items()}
    _heatmap(grid, planted, "{:+.0f}", 2.0, title, path, ticks=[-1, 0, 1, 2])


def gains(ratings: Mapping) -> dict[str, dict[str, float]]:
    """Per task and category, the final patched score minus the reference's (the median patch or the start),
    in accuracy points: what the ratings threshold."""
    ref = ratings["reference_final"]
    return {t: {c: 100 * (v - ref[c]) for c, v in f.items()} for t, f in ratings["final"].items()}


def plot_gains(
    ratings: Mapping, planted: Mapping[str, Mapping[str, int]] | None, title: str, path: str
) -> None:
    """Heatmap of the measured gains (points over the reference), planted effects boxed as in the ratings."""
    _heatmap(gains(ratings), planted, "{:+.0f}", 15.0, title, path)


def detectability(ratings: Mapping, planted: Mapping[str, Mapping[str, int]]) -> pd.DataFrame:
    """Planted effect against measured gain: for the (task, category) cells planted helpful, planted neutral
    and planted harmful, how many there are, their gains (points over the reference) and how many the
    ratings call helpful (>= +1) or harmful (-1). A world whose planted effects are detectable shows planted
    helpful cells well above the neutral ones, and harmful ones below."""
    g = gains(ratings)
    rows = []
    for effect, name in ((1, "planted helpful"), (0, "not planted"), (-1, "planted harmful")):
        cells = [(t, c) for t in g for c in g[t] if planted.get(t, {}).get(c, 0) == effect]
        vals = [g[t][c] for t, c in cells]
        rated = [ratings["ratings"][t][c] for t, c in cells]
        rows.append(
            {
                "cells": name,
                "n": len(cells),
                "mean gain": sum(vals) / len(vals) if vals else float("nan"),
                "min": min(vals, default=float("nan")),
                "max": max(vals, default=float("nan")),
                "rated helpful": sum(r >= 1 for r in rated),
                "rated harmful": sum(r < 0 for r in rated),
            }
        )
    return pd.DataFrame(rows)


def _heatmap(
    grid: Mapping[str, Mapping[str, float]],
    planted: Mapping[str, Mapping[str, int]] | None,
    fmt: str,
    limit: float,
    title: str,
    path: str,
    ticks: Sequence[float] | None = None,
) -> None:
    tasks = list(grid)
    values = [[grid[t].get(c, 0.0) for c in CATEGORIES] for t in tasks]
    fig, ax = plt.subplots(figsize=(6.5, 0.32 * len(tasks) + 1.6))
    im = ax.imshow(values, cmap="RdYlGn", vmin=-limit, vmax=limit, aspect="auto")
    for i, t in enumerate(tasks):
        for j, c in enumerate(CATEGORIES):
            ax.text(j, i, fmt.format(values[i][j]), ha="center", va="center", fontsize=7)
            effect = (planted or {}).get(t, {}).get(c, 0)
            if effect:
                color = "green" if effect > 0 else "red"
                ax.add_patch(
                    plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=color, linewidth=2)
                )
    ax.set_xticks(range(len(CATEGORIES)), CATEGORIES)
    ax.set_yticks(range(len(tasks)), tasks, fontsize=7)
    ax.set_title(title, fontsize=9)
    fig.colorbar(im, ax=ax, ticks=ticks, shrink=0.6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def cost_table(summary: Mapping) -> pd.DataFrame:
    """Steps and examples of the search (start checkpoint + every patch) and of the two full trainings, each
    also as a share of FLAMe's examples."""
    cost = summary["cost"]
    flame = cost["flame"]["examples"]
    rows = [
        {
            "run": f"tail-patch: {cost['patches']['runs']} tasks x {cost['patches']['steps_each']} steps",
            **cost["patches"],
        },
        {"run": "FLAMe up to the start step (search start)", **cost["start"]},
        {"run": "FLAMe-Opt-RM", **cost["flame_opt_rm"]},
        {
            "run": "search + FLAMe-Opt-RM",
            "steps": sum(cost[k]["steps"] for k in ("patches", "start", "flame_opt_rm")),
            "examples": sum(cost[k]["examples"] for k in ("patches", "start", "flame_opt_rm")),
        },
        {"run": "FLAMe", **cost["flame"]},
    ]
    df = pd.DataFrame(rows)[["run", "steps", "examples"]]
    df["% of FLAMe's examples"] = 100 * df["examples"] / flame
    return df
