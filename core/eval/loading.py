"""Load a judge: a model folder and the tokenizer it was trained with, refusing a pair that does not belong
together (a decoder read through another vocabulary produces fluent garbage, not an error), and the scorer the
parameters configure for it. Every stage that judges (evaluation, bias probes, re-ranking, tail-patch curves,
the learning-rate sweep, benchmarks) builds its judge here."""

from __future__ import annotations

from pathlib import Path

from core.config import Params
from core.data.tokenizer import Tokenizer
from core.errors import UserError
from core.eval.scoring import CONTROLS, GenerationScorer, LoglikScorer
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


def scorer(decoder: Decoder, tok: Tokenizer, params: Params, kind: str = "loglik", progress: bool = False):
    """The judge ``params`` configure for a decoder: log-likelihood of each allowed label (``loglik``) or a
    greedy written judgment parsed strictly (``generate``), with the prompt and answer budgets of ``data``."""
    d, e = params.data, params.eval
    if kind == "generate":
        return GenerationScorer(
            decoder, tok, d.max_input_tokens, e.max_new_tokens, e.batch_size, progress=progress
        )
    if kind != "loglik":
        raise UserError(f"unknown scorer '{kind}' (known: loglik, generate)")
    return LoglikScorer(
        decoder, tok, d.max_input_tokens, d.max_target_tokens, e.batch_size, progress=progress
    )


def make_judge(
    model: str, params: Params, progress: bool = True, kind: str = "loglik", models_dir: Path = MODELS_DIR
):
    """(judge, name) for ``model``: a run name under ``models_dir``, a model folder, or ``control:<name>``
    for a trivial judge (always_first, prefer_longer, prefer_shorter)."""
    if model.startswith("control:"):
        name = model.split(":", 1)[1]
        if name not in CONTROLS:
            raise UserError(f"unknown control '{name}' (known: {', '.join(CONTROLS)})")
        return CONTROLS[name](), f"control_{name}"
    try:
        path = resolve_model(model, models_dir)
        decoder, tok = load_judge_model(path)  # the tokenizer inside the model folder
    except (FileNotFoundError, ValueError) as err:
        raise UserError(f"{err}") from None
    return scorer(decoder, tok, params, kind, progress), path.name
