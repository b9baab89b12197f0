"""Load a judge: a model folder and the tokenizer it was trained with, refusing a pair that does not belong
together (a decoder read through another vocabulary produces fluent garbage, not an error)."""

from __future__ import annotations

from pathlib import Path

from core.data.tokenizer import Tokenizer
from core.modeling.decoder import Decoder
from core.modeling.io import check_tokenizer, load_model

MODELS_DIR = Path("artifacts/models")


def resolve_model(name: str | Path, models_dir: Path = MODELS_DIR) -> Path:
    """A model folder given by path, or by run name under ``models_dir``."""
    path = Path(name)
    for candidate in (path, models_dir / path):
        if (candidate / "config.json").exists():
            return candidate
    raise FileNotFoundError(f"no model folder '{name}' (looked for {path} and {models_dir / path})")


def load_tokenizer(model_dir: Path, tokenizer: str | Path | None = None) -> Tokenizer:
    """The model folder's own tokenizer, or ``tokenizer`` (a file or folder) once checked to be the same."""
    if tokenizer is None:
        return Tokenizer.load(model_dir)
    tok = Tokenizer.load(tokenizer)
    check_tokenizer(model_dir, tok.sha256, str(tokenizer))
    return tok


def load_judge_model(model_dir: Path, tokenizer: str | Path | None = None) -> tuple[Decoder, Tokenizer]:
    tok = load_tokenizer(model_dir, tokenizer)
    return load_model(model_dir), tok
