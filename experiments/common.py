"""Shared helpers for the stage CLIs: params loading, standard paths and absl/grain setup."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from absl import flags

from core import config
from core.errors import USER_ERROR, UserError

# grain reads absl flags even outside absl.app.run (google/grain#1355).
flags.FLAGS.mark_as_parsed()

DATA_DIR = Path("data/collection")
BASE_CHECKPOINT = Path("data/base_checkpoint")  # the base_checkpoint stage's HF folder (model.base)
TOKENIZER = Path("data/tokenizer/tokenizer.json")
MODELS = Path("artifacts/models")
MIXTURES = Path("artifacts/mixtures")
CHECKPOINTS = Path("artifacts/checkpoints")
SNAPSHOTS = Path("artifacts/snapshots")  # <run>/<step>: a run part-way, the tail-patch start
TRAIN_LOGS = Path("artifacts/train")
EVAL = Path("artifacts/eval")
TAILPATCH = Path("artifacts/tailpatch")
STATS = Path("artifacts/stats/tasks.json")
DECONTAM = Path("artifacts/decontam/report.json")
CODE = Path("artifacts/code")  # HumanEval candidates and their re-ranking
BIAS = Path("artifacts/bias")
PAPER = Path("data/paper_tables/paper.json")  # the paper's numbers, shown beside ours
REPORTS = Path("reports")  # one folder per report notebook
EXECUTED = REPORTS / "executed"  # the executed copies of the notebooks
COMPARED = ("flame", "base")  # the compare stage's default pair: FLAMe against the base it was trained from


def start_snapshot(params: config.Params) -> Path:
    """The tail-patch start: the snapshot ``tailpatch.start`` left at ``tailpatch.start_step``."""
    return SNAPSHOTS / params.tailpatch.start / str(params.tailpatch.start_step)


def run(main: Callable[[], object]) -> None:
    """Run a stage's ``main``: a user error (bad input or configuration, a refusal) or a missing, unreadable
    path prints one ``error:`` line and exits with status 2; ``--debug`` keeps the traceback."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    try:
        main()
    except (UserError, OSError) as error:
        if debug:
            raise
        print(f"error: {error}", file=sys.stderr)
        sys.exit(USER_ERROR)


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--params", type=Path, default=config.DEFAULT_PARAMS, help="params file (default: params.yaml)"
    )
    return p


def load_params(path: Path) -> config.Params:
    return config.load(path)


def parsed(p: argparse.ArgumentParser) -> tuple[argparse.Namespace, config.Params]:
    """The command line of a ``parser`` and the params file it names, validated."""
    args = p.parse_args()
    return args, load_params(args.params)


def hf_base(params: config.Params) -> Path | None:
    """The Hugging Face folder training starts from: the converted ``model.base`` or ``model.hf_checkpoint``
    (None: a random initialisation of ``model.preset``)."""
    m = params.model
    if m.base is not None:
        return BASE_CHECKPOINT
    return Path(m.hf_checkpoint) if m.hf_checkpoint is not None else None


def select(section: dict, name: str, what: str):
    """``section[name]``, or exit with a message listing what params.yaml defines."""
    if name not in section:
        raise UserError(f"unknown {what} '{name}' (params.yaml defines: {', '.join(section)})")
    return section[name]
