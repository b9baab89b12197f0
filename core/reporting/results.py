"""FLAMe against the model it was trained from, with uncertainty: per suite and per subset, each score with
its bootstrap 95% interval, the gain with its paired-bootstrap interval, ranking AUC beside accuracy, order
consistency, the trivial controls on the same suites, and the paper's numbers for the nearest published
aggregates. Read from ``artifacts/eval`` (the ``eval``, ``controls`` and ``compare`` stages)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from core.reporting.load import read_json

# the paper's columns nearest to each suite of the real collections (LLMBar = Chat Hard without mt-bench-hard;
# WiCE = Wiki-FactVerify exactly)
PAPER_COLUMNS = {
    "rewardbench": ("table2_rewardbench", "chat_hard"),
    "aggrefact": ("table3_aggrefact", "wiki_factverify"),
}
PAPER_MODELS = ("FLAMe-24B", "FLAMe-RM-24B", "FLAMe-Opt-RM-24B", "PaLM-2-24B", "GPT-4-0125")


def _pct(x: float | None) -> float | None:
    return None if x is None or x != x else 100 * x


def _interval(ci: Sequence[float] | None) -> str:
    if not ci or any(v != v for v in ci):
        return ""
    return f"[{100 * ci[0]:+.1f}, {100 * ci[1]:+.1f}]"


def _span(ci: Sequence[float] | None) -> str:
    if not ci or any(v != v for v in ci):
        return ""
    return f"[{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"


def compared_suites(eval_dir: str | Path, a: str = "flame", b: str = "base") -> list[str]:
    folder = Path(eval_dir) / "compare" / f"{a}_vs_{b}"
    suites = sorted(p.parent.name for p in folder.glob("*/metrics.json"))
    if not suites:
        raise FileNotFoundError(f"no comparison under {folder} (run the compare stages: `dvc repro`)")
    return suites


def _order_averaged(compared: dict, a: str, b: str) -> dict:
    """Pairwise suites: the score when each example's two orders are averaged (the judge's own decision)."""
    both = compared.get("order_averaged")
    if both is None:
        return {}
    return {
        f"both orders {b}": _pct(both["b"]),
        f"both orders {a}": _pct(both["a"]),
        "both orders gain": _pct(both["gain"]),
        "both orders gain 95% CI": _interval(both["gain_ci95"]),
    }


def suite_table(eval_dir: str | Path, a: str = "flame", b: str = "base") -> pd.DataFrame:
    """One row per suite: both models' overall score with its interval, the gain with its paired interval,
    AUC and its gain, and on pairwise suites order consistency and the order-averaged score with its gain."""
    rows = []
    for suite in compared_suites(eval_dir, a, b):
        c = read_json(Path(eval_dir) / "compare" / f"{a}_vs_{b}" / suite / "metrics.json")
        ma, mb = (read_json(Path(eval_dir) / m / suite / "metrics.json") for m in (a, b))
        rows.append(
            {
                "suite": suite,
                "examples": c["n_examples"],
                b: _pct(c["overall"]["b"]),
                f"{b} 95% CI": _span(mb.get("overall_ci95")),
                a: _pct(c["overall"]["a"]),
                f"{a} 95% CI": _span(ma.get("overall_ci95")),
                "gain": _pct(c["overall"]["gain"]),
                "gain 95% CI": _interval(c["overall"]["gain_ci95"]),
                f"AUC {b}": _pct(c["auc"]["b"]),
                f"AUC {a}": _pct(c["auc"]["a"]),
                "AUC gain": _pct(c["auc"]["gain"]),
                "AUC gain 95% CI": _interval(c["auc"]["gain_ci95"]),
                f"consistency {b}": _pct(mb.get("order_consistency")),
                f"consistency {a}": _pct(ma.get("order_consistency")),
                **_order_averaged(c, a, b),
            }
        )
    return pd.DataFrame(rows)


def subset_table(eval_dir: str | Path, a: str = "flame", b: str = "base") -> pd.DataFrame:
    """One row per (suite, subset): both models' scores and the gain with its paired interval."""
    rows = []
    for suite in compared_suites(eval_dir, a, b):
        c = read_json(Path(eval_dir) / "compare" / f"{a}_vs_{b}" / suite / "metrics.json")
        ma, mb = (read_json(Path(eval_dir) / m / suite / "metrics.json") for m in (a, b))
        for subset, s in sorted(c["subsets"].items()):
            rows.append(
                {
                    "suite": suite,
                    "subset": subset,
                    b: _pct(s["b"]),
                    a: _pct(s["a"]),
                    "gain": _pct(s["gain"]),
                    "gain 95% CI": _interval(s["gain_ci95"]),
                    f"AUC {b}": _pct(mb.get("subsets_auc", {}).get(subset)),
                    f"AUC {a}": _pct(ma.get("subsets_auc", {}).get(subset)),
                }
            )
    return pd.DataFrame(rows)


def controls_table(eval_dir: str | Path, controls: Sequence[str], suites: Sequence[str]) -> pd.DataFrame:
    """The trivial judges' overall score per suite (what surface cues alone are worth)."""
    rows = []
    for control in controls:
        row = {"judge": control}
        for suite in suites:
            path = Path(eval_dir) / control / suite / "metrics.json"
            row[suite] = _pct(read_json(path)["overall"]) if path.exists() else None
        rows.append(row)
    return pd.DataFrame(rows)


def paper_beside(paper_path: str | Path, suites: Sequence[str]) -> pd.DataFrame:
    """The paper's numbers for the published aggregates nearest to our suites."""
    paper = read_json(paper_path)
    rows = []
    for suite in suites:
        if suite not in PAPER_COLUMNS:
            continue
        key, column = PAPER_COLUMNS[suite]
        table = paper[key]
        index = table["columns"].index(column)
        for model in PAPER_MODELS:
            if model in table["rows"]:
                rows.append(
                    {
                        "suite": suite,
                        "paper column": column,
                        "model": model,
                        "score": table["rows"][model][index],
                    }
                )
    return pd.DataFrame(rows)


def plot_gains(
    suites: pd.DataFrame, subsets: pd.DataFrame, path: str, a: str = "flame", b: str = "base"
) -> None:
    """Left: each suite's score for both models; right: the gain per suite and subset with its paired 95%
    interval (a bar crossing zero is no evidence of a difference)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, max(4, 0.4 * (len(subsets) + len(suites)) + 1.5)))
    y = range(len(suites))
    left.barh([i + 0.2 for i in y], suites[b], height=0.4, label=b, color="#999999")
    left.barh([i - 0.2 for i in y], suites[a], height=0.4, label=a, color="#1f77b4")
    left.set_yticks(list(y), suites["suite"])
    left.axvline(50, color="k", lw=0.8, ls=":")
    left.set_xlabel("overall score (%)")
    left.legend(loc="lower right")
    left.set_title("score per suite")
    labels, gains, lows, highs = [], [], [], []
    for _, r in pd.concat([suites.assign(subset="(overall)"), subsets]).iterrows():
        labels.append(f"{r['suite']} / {r['subset']}")
        gains.append(r["gain"])
        ci = r["gain 95% CI"].strip("[]").split(", ") if r["gain 95% CI"] else [r["gain"], r["gain"]]
        lows.append(r["gain"] - float(ci[0]))
        highs.append(float(ci[1]) - r["gain"])
    pos = range(len(labels))
    right.errorbar(gains, list(pos), xerr=[lows, highs], fmt="o", color="#1f77b4", capsize=3)
    right.axvline(0, color="k", lw=0.8)
    right.set_yticks(list(pos), labels, fontsize=8)
    right.invert_yaxis()
    right.set_xlabel(f"{a} - {b} (points, paired-bootstrap 95% interval)")
    right.set_title("gain over the base model")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
