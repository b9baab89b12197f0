"""Markdown tables written next to the figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def to_markdown(df: pd.DataFrame, digits: int = 1) -> str:
    return df.to_markdown(index=False, floatfmt=f".{digits}f")


def write_markdown(
    path: str | Path, title: str, sections: list[tuple[str, pd.DataFrame]], note: str = "", digits: int = 1
) -> None:
    parts = [f"# {title}", ""]
    if note:
        parts += [note, ""]
    for heading, df in sections:
        parts += [f"## {heading}", "", to_markdown(df, digits), ""]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(parts))
