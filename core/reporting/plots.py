"""Figure helpers with one fixed style, so every notebook's plots look alike."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
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
    paper: pd.DataFrame | None = None,
    ylabel: str = "accuracy (%)",
) -> None:
    """Bars per column, one colour per row of ``df`` (a 'model' column names each row).

    Rows of ``paper`` are drawn hatched after ours and labelled "paper: <model>".
    """
    fig, ax = plt.subplots(figsize=(12, 4.8))
    rows = [(row, False) for _, row in df.iterrows()]
    if paper is not None:
        rows += [(row, True) for _, row in paper.iterrows()]
    n = len(rows)
    width = 0.85 / max(n, 1)
    for i, (row, is_paper) in enumerate(rows):
        xs = [j + (i - (n - 1) / 2) * width for j in range(len(columns))]
        ax.bar(
            xs,
            [row.get(c, float("nan")) for c in columns],
            width=width,
            label=f"paper: {row['model']}" if is_paper else f"ours: {row['model']}",
            hatch="//" if is_paper else None,
            alpha=0.55 if is_paper else 1.0,
        )
    if reference is not None:
        ax.axhline(reference, color="gray", linestyle="--", linewidth=1, label="chance")
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels(columns)
    ax.set_ylim(*ylim)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
