"""Shared helpers for the stage CLIs: params loading, standard paths and absl/grain setup."""

from __future__ import annotations

import argparse
from pathlib import Path

from absl import flags

from core import config

# grain reads absl flags even outside absl.app.run (google/grain#1355).
flags.FLAGS.mark_as_parsed()

DATA_DIR = Path("data/collection")
TOKENIZER = Path("data/tokenizer/tokenizer.json")
MODELS = Path("artifacts/models")
MIXTURES = Path("artifacts/mixtures")
CHECKPOINTS = Path("artifacts/checkpoints")
TRAIN_LOGS = Path("artifacts/train")
EVAL = Path("artifacts/eval")
TAILPATCH = Path("artifacts/tailpatch")
STATS = Path("artifacts/stats/tasks.json")
DECONTAM = Path("artifacts/decontam/report.json")


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--params", type=Path, default=config.DEFAULT_PARAMS, help="params file (default: params.yaml)"
    )
    return p


def load_params(path: Path) -> config.Params:
    return config.load(path)


def select(section: dict, name: str, what: str):
    """``section[name]``, or exit with a message listing what params.yaml defines."""
    if name not in section:
        raise SystemExit(f"unknown {what} '{name}' (params.yaml defines: {', '.join(section)})")
    return section[name]
