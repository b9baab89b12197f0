"""Export: any decoder the pipeline trains leaves as a Hugging Face folder that transformers loads with no
custom code (logits equal ours, tokenizer identical), with a model card rendered from the model's records;
model folders keep their tokenizer and refuse a foreign one."""

import json

import jax
import numpy as np
import pytest
from flax import nnx
from helpers import params_equal

from core import provenance
from core.data.formats import render_inputs
from core.eval.harness import judge_rows, suite_metrics
from core.eval.judge import main as judge_main
from core.eval.judge import request_record
from core.eval.loading import load_judge_model
from core.eval.scoring import LoglikScorer
from core.modeling import Decoder, preset
from core.modeling.hf import family
from core.modeling.io import (
    TokenizerMismatch,
    check_tokenizer,
    export_model,
    load_model,
    read_meta,
    tokenizer_sha,
)
from experiments.export_hf import EXAMPLE_REQUEST, export, verify

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
jax.config.update("jax_default_matmul_precision", "highest")

# what Gemma 2 and 3 share, at test sizes (a 5-token window, so short inputs reach past it)
GEMMA = dict(
    mlp_activation="gelu_tanh", norm_offset=1.0, post_norms=True, embed_scale=True, query_scale=24.0,
    sliding_window=5, tie_embeddings=True,
)  # fmt: skip
FAMILIES = {
    "tiny": {},  # the default pipeline's preset (Llama layout)
    "llama3": dict(rope_scaling=(8.0, 1.0, 4.0, 16), rope_theta=500000.0, tie_embeddings=True),
    "gemma2": dict(GEMMA, attn_softcap=20.0, final_softcap=15.0, global_every=2),
    "gemma3": dict(
        GEMMA, qk_norm=True, global_every=3, rope_theta=1e6, rope_local_theta=1e4, rope_linear=4.0, n_layers=4
    ),
}


def _model(vocab: int, family_name: str, scan: bool = False) -> Decoder:
    """A random decoder of one family whose norm weights are random too (so every mapping is exercised)."""
    base = "tiny" if family_name == "tiny" else "test"
    model = Decoder(preset(base, vocab, scan_layers=scan, **FAMILIES[family_name]), nnx.Rngs(params=3))
    flat = nnx.to_flat_state(nnx.state(model, nnx.Param))
    for i, (path, var) in enumerate(flat):
        if "norm" in ".".join(map(str, path)):
            noise = jax.random.normal(jax.random.key(i), var[...].shape) * 0.3
            var.set_value(var[...] + noise)
    nnx.update(model, nnx.from_flat_state(flat))
    return model


def _folder(tmp_path, tok, family_name, scan=False):
    model = _model(tok.vocab_size, family_name, scan)
    meta = provenance.record(
        run=f"run-{family_name}",
        step=3,
        mixture="flame",
        mixture_sha="abc123",
        data={"seq_len": 256, "max_input_tokens": 224, "max_target_tokens": 32},
    )
    export_model(model, tmp_path / "model", meta, tok.files())
    return tmp_path / "model", model


@pytest.mark.parametrize(
    "family_name,scan", [("tiny", False), ("llama3", False), ("gemma2", True), ("gemma3", False)]
)
def test_export_loads_in_transformers_with_equal_logits(tmp_path, small_tokenizer, family_name, scan):
    folder, model = _folder(tmp_path, small_tokenizer, family_name, scan)
    out = tmp_path / "hf"
    hf_config = export(str(folder), out, metrics_dir=tmp_path / "none")
    expected_type = {"tiny": "llama", "llama3": "llama", "gemma2": "gemma2", "gemma3": "gemma3_text"}
    assert hf_config["model_type"] == expected_type[family_name]
    ref = transformers.AutoModelForCausalLM.from_pretrained(str(out), dtype=torch.float32).eval()
    ref_tok = transformers.AutoTokenizer.from_pretrained(str(out))
    prompt = render_inputs(request_record(EXAMPLE_REQUEST, "test"))
    ids = small_tokenizer.encode(prompt)
    assert ref_tok(prompt)["input_ids"] == ids  # no BOS added: the tiny tokenizer has none
    with torch.no_grad():
        theirs = ref(torch.as_tensor([ids])).logits[0].numpy()
    ours = np.asarray(model(np.asarray([ids], np.int32)))[0]
    assert len(ids) > 2 * FAMILIES[family_name].get("sliding_window", 0)  # the window really cuts
    assert np.abs(theirs - ours).max() <= 1e-4
    check = verify(str(folder), out)
    assert check["top1_identical"] and check["max_abs_logit_diff"] <= 1e-4 and check["tokenizer_identical"]


def test_model_card_renders_the_models_records_and_metrics(tmp_path, small_synth, small_tokenizer):
    folder, _ = _folder(tmp_path, small_tokenizer, "tiny")
    data, _ = small_synth
    from core.data.collection import load_suite

    records = load_suite(data, "rewardbench")[:24]
    model, tok = load_judge_model(folder)
    rows = judge_rows(LoglikScorer(model, tok, 224, 32, 8, progress=False), records, "both", 0)
    metrics = suite_metrics("rewardbench", rows, records)
    (tmp_path / "eval" / "rewardbench").mkdir(parents=True)
    (tmp_path / "eval" / "rewardbench" / "metrics.json").write_text(json.dumps(metrics))
    export(str(folder), tmp_path / "hf", metrics_dir=tmp_path / "eval")
    card = (tmp_path / "hf" / "README.md").read_text()
    assert card.startswith("---\nlicense: apache-2.0\n")
    assert "mixture `flame` (sha256 `abc123`)" in card and "3 steps" in card
    assert f"| rewardbench | {metrics['overall']:.3f} | {len(records)} |" in card
    assert "INSTRUCTIONS:" in card and "response A: A spider has eight legs." in card and "choice: A" in card
    assert "No begin-of-sequence token" in card and "random initialisation" in card
    assert json.loads((tmp_path / "hf" / "flame.json").read_text())["mixture_sha"] == "abc123"
    # the judge command reads the export as it is: same weights, same training context, same decisions
    assert params_equal(load_model(tmp_path / "hf"), load_model(folder))
    assert read_meta(tmp_path / "hf")["data"]["max_input_tokens"] == 224
    exported, exported_tok = load_judge_model(tmp_path / "hf")
    again = judge_rows(LoglikScorer(exported, exported_tok, 224, 32, 8, progress=False), records, "both", 0)
    assert [r["pred"] for r in again] == [r["pred"] for r in rows]


def test_architectures_transformers_cannot_express_are_refused(small_tokenizer):
    cfg = preset("test", small_tokenizer.vocab_size, attn_softcap=10.0)  # soft-capping without Gemma-2
    with pytest.raises(ValueError, match="no Hugging Face architecture matches.*softcaps"):
        family(cfg)


def test_model_folders_keep_their_tokenizer_and_refuse_another(tmp_path, small_tokenizer, small_synth):
    from core.data.tokenizer import Tokenizer

    folder, _ = _folder(tmp_path, small_tokenizer, "tiny")
    assert tokenizer_sha(folder) == small_tokenizer.sha256
    assert Tokenizer.load(folder).encode("choice: A") == small_tokenizer.encode("choice: A")
    other = Tokenizer.train(["a completely different corpus of words"] * 20, 300, min_frequency=1)
    with pytest.raises(TokenizerMismatch, match="does not belong to model"):
        check_tokenizer(folder, other.sha256, "other.json")
    other.save(tmp_path / "other" / "tokenizer.json")
    with pytest.raises(TokenizerMismatch, match="does not belong to model"):
        load_judge_model(folder, tmp_path / "other" / "tokenizer.json")
    requests = tmp_path / "in.jsonl"
    requests.write_text(json.dumps(EXAMPLE_REQUEST) + "\n")
    status = judge_main(
        [
            "--model",
            str(folder),
            "--input",
            str(requests),
            "--output",
            str(tmp_path / "o.jsonl"),
            "--tokenizer",
            str(tmp_path / "other" / "tokenizer.json"),
        ]
    )
    assert status == 2 and not (tmp_path / "o.jsonl").exists()
    # tokenizer files edited inside the folder after export are caught too
    (folder / "tokenizer.json").write_text(other.files()["tokenizer.json"].decode())
    with pytest.raises(TokenizerMismatch, match="changed after export"):
        tokenizer_sha(folder)
    assert load_model(folder).cfg.vocab_size == small_tokenizer.vocab_size
