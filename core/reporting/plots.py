"""Figure helpers with one fixed style, so every notebook's plots look alike."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def pies(ours: pd.Series, paper: pd.Series, title: str, path: str) -> None:
    """Two pie charts side by side: our collection's shares and the paper's."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    for ax, series, label in (
        (axes[0], ours, "ours (synth collection)"),
        (axes[1], paper, "paper (FLAMe, 5.3M)"),
    ):
        series = series[series > 0]
        ax.pie(series.values, labels=series.index, autopct="%1.1f%%", startangle=90, counterclock=False)
        ax.set_title(label)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def grouped_bars(
    df: pd.DataFrame,
    columns: Sequence[str],
    title: str,
    path: str,
    ylim=(0, 100),
    reference: float | None = None,
) -> None:
    """Bars per column, one colour per row of ``df`` (indexed by a 'model' column)."""
    fig, ax = plt.subplots(figsize=(10, 4.5))
    n = len(df)
    width = 0.8 / max(n, 1)
    for i, (_, row) in enumerate(df.iterrows()):
        xs = [j + (i - (n - 1) / 2) * width for j in range(len(columns))]
        ax.bar(xs, [row.get(c, float("nan")) for c in columns], width=width, label=row["model"])
    if reference is not None:
        ax.axhline(reference, color="gray", linestyle="--", linewidth=1, label="chance")
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels(columns)
    ax.set_ylim(*ylim)
    ax.set_ylabel("accuracy (%)")
    ax.set_title(title)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
