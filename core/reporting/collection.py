"""The collection for the Fig. 2 and Table 7 notebook: one rendered example per task type, and the paper's
Table 7 rows joined with our registered tasks and what the prepared collection measured."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from core.catalog import UNCONVERTED
from core.data.collection import load_task_split
from core.data.formats import render
from core.data.schema import KINDS
from core.reporting.load import read_json


def examples_by_kind(data_dir: str | Path) -> dict[str, tuple[str, str, str]]:
    """``{kind: (task, inputs, target)}``: for the alphabetically first task of each kind in the prepared
    collection, the training record with the shortest rendering among its first 50 (readable in a figure)."""
    catalog = read_json(Path(data_dir) / "catalog.json")
    out = {}
    for task, info in sorted(catalog["tasks"].items()):
        if info.get("role", "train") != "train" or info["kind"] in out:
            continue
        rendered = [render(r) for r in load_task_split(data_dir, task, "train")[:50]]
        out[info["kind"]] = (task, *min(rendered, key=lambda pair: len(pair[0]) + len(pair[1])))
    return {k: out[k] for k in KINDS if k in out}


def _clip(text: str, width: int, lines: int) -> str:
    wrapped = [w for line in text.splitlines() for w in (textwrap.wrap(line, width) or [""])]
    return "\n".join(wrapped[:lines] + (["..."] if len(wrapped) > lines else []))


def plot_examples(examples: dict[str, tuple[str, str, str]], title: str, path: str | Path) -> None:
    """One panel per task type: the model's input in black, its target (EVALUATION lines) in red below it."""
    height, size = 5.0, 7.0
    fig, axes = plt.subplots(1, len(examples), figsize=(5.2 * len(examples), height), squeeze=False)
    for ax, (kind, (task, inputs, target)) in zip(axes[0], examples.items()):
        ax.axis("off")
        ax.set_title(f"{kind}\n({task})", fontsize=10)
        shown = ax.text(
            0,
            1,
            _clip(inputs.rstrip(), 62, 28),
            va="top",
            family="monospace",
            fontsize=size,
            transform=ax.transAxes,
        )
        ax.annotate(
            _clip(target, 62, 5),
            xy=(0, 0),
            xycoords=shown,
            xytext=(0, -3),
            textcoords="offset points",
            va="top",
            family="monospace",
            fontsize=size,
            color="#b22222",
        )
    fig.suptitle(title)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)


def table7(paper: dict, registry: list[dict], catalog: dict, stats: dict | None) -> pd.DataFrame:
    """One row per Table 7 dataset: the paper's formats, our tasks and kinds, and measured examples/tokens
    where the prepared collection holds the dataset."""
    rows = []
    for name, capability, citation, formats in paper["table7_datasets"]["rows"]:
        tasks = [r for r in registry if r["dataset"] == name and r["role"] == "train"]
        present = [t["task"] for t in tasks if t["task"] in catalog["tasks"]]
        examples = sum(sum(catalog["tasks"][t]["examples"].values()) for t in present)
        tokens = sum(stats[t]["tokens"] for t in present if stats and t in stats)
        if present:
            status = "measured"
        elif tasks:
            status = "registered (not in this collection)"
        else:
            status = f"no converter: {UNCONVERTED.get(name, 'not yet written')}"
        rows.append(
            {
                "dataset": name,
                "citation": citation,
                "capability": capability,
                "paper formats": formats,
                "our tasks": len(tasks),
                "our kinds": ", ".join(sorted({t["kind"] for t in tasks})) or "-",
                "examples": examples if present else None,
                "tokens": tokens if present and stats else None,
                "status": status,
            }
        )
    return pd.DataFrame(rows)
