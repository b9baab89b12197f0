"""Export a trained judge as a Hugging Face model folder that ``transformers`` loads with no custom code.

    python -m experiments.export_hf --model flame --out exports/flame [--verify]
    python -m experiments.export_hf --model artifacts/models/flame_rm --out exports/flame_rm

``--model`` is a run name (``artifacts/models/<name>``) or a model folder (a linked base checkpoint too).
The folder receives ``config.json`` + ``model.safetensors`` (the Llama, Gemma-2 or Gemma-3 layout that
computes what our decoder computes), the model's own tokenizer with a ``tokenizer_config.json``, the base
checkpoint's license text, ``flame.json`` (the model's provenance) and a model card ``README.md``: base
checkpoint and license, mixture and its hash, steps, the prompt format with a worked example, the metrics the
pipeline measured (``artifacts/eval/<name>/*/metrics.json``, or ``--metrics``) and how to judge with it.
``--verify`` loads the export with transformers and compares logits with ours (needs the `ref` extra).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from core.data.formats import render_inputs, render_target
from core.errors import UserError
from core.eval.judge import request_record
from core.eval.loading import load_judge_model, resolve_model
from core.modeling.hf import save_hf
from core.modeling.io import EXPORT_META, lineage, read_meta
from core.reporting.model_card import render_card
from experiments.common import EVAL, MODELS, parser, run

EXAMPLE_REQUEST = {
    "id": "example",
    "instruction": "How many legs does a spider have?",
    "response_a": "A spider has eight legs.",
    "response_b": "Spiders have six legs, like all insects.",
}


def read_metrics(folder: Path) -> dict[str, dict]:
    """``<suite>/metrics.json`` under ``folder``, by suite."""
    if not folder.is_dir():
        return {}
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(folder.glob("*/metrics.json"))}


def export(model_arg: str, out: Path, metrics_dir: Path | None = None) -> dict:
    """Write the HF folder for ``model_arg``; returns the HF config."""
    model_dir = resolve_model(model_arg, MODELS)
    model, tok = load_judge_model(model_dir)
    meta = read_meta(model_dir)
    data = meta.get("data") or {}
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    context = int(data.get("seq_len") or 2048)
    hf_config = save_hf(
        model,
        out,
        bos_token_id=tok.bos_id,
        eos_token_id=tok.eos_id,
        pad_token_id=tok.pad_id,
        max_position_embeddings=context,
    )
    tok.save_hf(out, model_max_length=int(data.get("max_input_tokens") or context))
    _, license_files = lineage(model_dir)
    for name, content in license_files.items():
        (out / name).write_bytes(content)
    (out / EXPORT_META).write_text(json.dumps(meta, indent=2, sort_keys=True, default=str) + "\n")
    record = request_record(EXAMPLE_REQUEST, "model card example")
    metrics = read_metrics(metrics_dir if metrics_dir is not None else EVAL / model_dir.name)
    bos = tok.token(tok.bos_id) if tok.bos_id is not None else None
    card = render_card(
        model_dir.name, meta, hf_config, metrics, render_inputs(record), render_target(record, "A"), bos
    )
    (out / "README.md").write_text(card)
    return hf_config


def verify(model_arg: str, out: Path) -> dict:
    """transformers on the export against our decoder on the model folder: the worked example's logits."""
    from core.modeling import reference

    model_dir = resolve_model(model_arg, MODELS)
    model, tok = load_judge_model(model_dir)
    ref_model, ref_tok = reference.load_reference(out)
    record = request_record(EXAMPLE_REQUEST, "verify")
    prompt = render_inputs(record)
    ids = ([tok.bos_id] if tok.bos_id is not None else []) + tok.encode(prompt)
    result = reference.compare(reference.our_logits(model, ids), reference.reference_logits(ref_model, ids))
    result["tokenizer_identical"] = ref_tok(prompt)["input_ids"] == ids
    result["finite"] = bool(np.isfinite(reference.reference_logits(ref_model, ids)).all())
    return result


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--model", required=True, help="run name under artifacts/models, or a model folder")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument(
        "--metrics", type=Path, help="folder of <suite>/metrics.json (default artifacts/eval/<name>)"
    )
    p.add_argument(
        "--verify", action="store_true", help="load the export with transformers and compare logits"
    )
    args = p.parse_args()
    try:
        hf_config = export(args.model, args.out, args.metrics)
    except (FileNotFoundError, ValueError) as err:
        raise UserError(f"{err}") from None
    print(
        f"exported {args.model} -> {args.out} ({hf_config['model_type']}, {hf_config['num_hidden_layers']} layers)"
    )
    if args.verify:
        print("transformers vs ours: " + json.dumps(verify(args.model, args.out)))


if __name__ == "__main__":
    run(main)
