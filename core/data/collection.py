"""Read a prepared collection: ``<dir>/tasks/<task>/<split>.jsonl``, ``<dir>/suites/<suite>.jsonl`` and
``<dir>/catalog.json``. Every collection (synth, and later the real ones) is written in this layout."""

from __future__ import annotations

import json
from pathlib import Path

from core.data.schema import Record, read_jsonl


def load_task_split(data_dir: str | Path, task: str, split: str = "train") -> list[Record]:
    path = Path(data_dir) / "tasks" / task / f"{split}.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"no records for task '{task}' split '{split}': {path} is missing")
    return read_jsonl(path)


def load_suite(data_dir: str | Path, suite: str) -> list[Record]:
    path = Path(data_dir) / "suites" / f"{suite}.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"unknown suite '{suite}': {path} is missing")
    return read_jsonl(path)


def training_sizes(data_dir: str | Path) -> dict[str, int]:
    """Training examples per training task (evaluation pieces are left out), from the collection's catalog."""
    path = Path(data_dir) / "catalog.json"
    if not path.exists():
        raise FileNotFoundError(f"collection catalog not found: {path}")
    tasks = json.loads(path.read_text())["tasks"]
    return {t: info["examples"]["train"] for t, info in tasks.items() if info.get("role", "train") == "train"}
