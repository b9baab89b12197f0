"""Training from an open base checkpoint: a params file names a Hugging Face folder (a random tiny Llama-3
with its own tokenizer here) and the stages tokenizer -> init_base -> train run on it, loading straight
onto the mesh."""

import json
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest
import yaml
from helpers import SMALL_HF, params_equal
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers, processors, trainers

from core.config import DataConfig, MeshConfig, TrainConfig
from core.data.features import encode_record
from core.data.schema import read_jsonl
from core.data.tokenizer import Tokenizer
from core.mixture.spec import MixtureSpec
from core.modeling.io import HF_LINK, link_hf_model, load_model
from core.training.loop import Job, RunPaths, train

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
jax.config.update("jax_default_matmul_precision", "highest")

ROOT = Path(__file__).resolve().parents[1]
BOS, EOS = "<|begin_of_text|>", "<|end_of_text|>"
TASKS = ("chat_count_pairwise", "attribution_classification")


@pytest.fixture(scope="module")
def hf_folder(small_synth, tmp_path_factory):
    """A random tiny Llama-3 checkpoint with a BPE tokenizer whose BOS/EOS ids are not 0/1."""
    from core.data.formats import render

    out, _ = small_synth
    folder = tmp_path_factory.mktemp("tiny-llama")
    backend = HFTokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    texts = ["".join(render(r)) for t in TASKS for r in read_jsonl(out / "tasks" / t / "train.jsonl")]
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["!", BOS, EOS],  # "!" takes id 0, as in Llama-3's vocabulary
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(texts, trainer=trainer)
    bos = backend.token_to_id(BOS)  # like Llama-3, the tokenizer itself opens every text with BOS
    backend.post_processor = processors.TemplateProcessing(single=f"{BOS} $A", special_tokens=[(BOS, bos)])
    backend.save(str(folder / "tokenizer.json"))
    cfg = transformers.LlamaConfig(
        **(SMALL_HF | dict(vocab_size=backend.get_vocab_size(), max_position_embeddings=512)),
        num_hidden_layers=2,
        bos_token_id=backend.token_to_id(BOS),
        eos_token_id=[backend.token_to_id(EOS)],
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    model = transformers.LlamaForCausalLM(cfg).eval()
    model.save_pretrained(folder)
    return folder, model


def test_tokenizer_loads_from_the_checkpoint_folder(hf_folder, small_synth, tmp_path):
    folder, _ = hf_folder
    tok = Tokenizer.from_hf(folder)
    assert (tok.bos_id, tok.eos_id) == (1, 2) and tok.pad_id == 0
    tok.save(tmp_path / "tok" / "tokenizer.json")
    again = Tokenizer.load(tmp_path / "tok" / "tokenizer.json")
    assert (again.bos_id, again.eos_id) == (1, 2)
    record = read_jsonl(small_synth[0] / "tasks" / TASKS[0] / "train.jsonl")[0]
    enc = encode_record(record, tok, max_input=20, max_target=32)  # the prompt is cut from the left
    assert enc.truncated and enc.inputs[0] == tok.bos_id and enc.targets[-1] == tok.eos_id
    assert len(enc.inputs) - int(enc.target_mask.sum()) + 1 == 20  # BOS kept within the input budget
    assert again.decode(tok.encode("Response A")) == "Response A"
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / "tokenizer.json").write_text((folder / "tokenizer.json").read_text())
    with pytest.raises(ValueError, match="no eos_token_id"):
        Tokenizer.from_hf(tmp_path / "bare")
    # config.json names a BOS, but a tokenizer that does not prepend it is used without one (SmolLM2's case)
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "config.json").write_text((folder / "config.json").read_text())
    backend = HFTokenizer.from_file(str(folder / "tokenizer.json"))
    backend.post_processor = None
    backend.save(str(plain / "tokenizer.json"))
    assert Tokenizer.from_hf(plain).bos_id is None


def test_a_linked_checkpoint_loads_onto_a_mesh_and_guards_its_source(hf_folder, tmp_path):
    from core.modeling.sharding import make_mesh

    folder, ref = hf_folder
    files = Tokenizer.from_hf(folder).files()
    link_hf_model(folder, tmp_path / "base", {"scan_layers": True}, {"run": "base"}, files)
    assert (tmp_path / "base" / HF_LINK).exists() and not (tmp_path / "base" / "model.safetensors").exists()
    mesh = make_mesh(MeshConfig(data=2, fsdp=4, tensor=1))
    model = load_model(tmp_path / "base", mesh, "fsdp")
    assert model.blocks.attn.wq[...].sharding.spec == jax.sharding.PartitionSpec(None, "fsdp", None, None)
    tokens = np.random.default_rng(0).integers(0, 300, size=(2, 11))
    with torch.no_grad():
        expected = ref(torch.as_tensor(tokens)).logits.numpy()
    with jax.set_mesh(mesh):
        got = np.asarray(jax.jit(lambda t: model(t))(tokens))
    assert np.abs(got - expected).max() <= 1e-4
    # a checkpoint swapped under the link is refused
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in folder.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    link_hf_model(copy, tmp_path / "linked_copy", {}, {}, files)
    hf_cfg = json.loads((copy / "config.json").read_text())
    (copy / "config.json").write_text(json.dumps({**hf_cfg, "rms_norm_eps": 1e-3}))
    with pytest.raises(ValueError, match="changed since it was linked"):
        load_model(tmp_path / "linked_copy")


def test_stages_train_from_a_hf_checkpoint(hf_folder, small_synth, tmp_path):
    folder, _ = hf_folder
    data, _ = small_synth
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["model"] = {"hf_checkpoint": str(folder), "scan_layers": True, "remat": "full"}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))

    def stage(module, *args):
        cmd = [sys.executable, "-m", module, "--params", str(tmp_path / "params.yaml"), *args]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    stage(
        "experiments.train_tokenizer", "--data", str(data), "--out", str(tmp_path / "tok" / "tokenizer.json")
    )
    out = stage(
        "experiments.init_base", "--out", str(tmp_path / "base"), "--tokenizer", str(tmp_path / "tok")
    )
    assert "parameters (" + str(folder) + ")" in out
    tok = Tokenizer.load(tmp_path / "tok" / "tokenizer.json")
    assert tok.bos_id == 1 and tok.vocab_size == Tokenizer.from_hf(folder).vocab_size

    records = {t: read_jsonl(data / "tasks" / t / "train.jsonl") for t in TASKS}
    spec = MixtureSpec("m", rates={t: 1.0 for t in TASKS}, sizes={t: len(r) for t, r in records.items()})
    cfg = TrainConfig(
        init="base", mixture="m", steps=3, batch_size=8, lr=1e-3, log_every=1, checkpoint_every=3
    )
    paths = RunPaths(tmp_path / "ckpt", tmp_path / "model", tmp_path / "logs")
    common = dict(spec=spec, records=records, tok=tok, data=DataConfig(), seed=5, init=tmp_path / "base")
    job = Job(name="run", cfg=cfg, mesh=MeshConfig(data=2, fsdp=4), paths=paths, **common)
    summary = train(job, progress=False)
    assert summary["completed"] and np.isfinite(summary["final"]["loss"])
    trained, base = load_model(tmp_path / "model"), load_model(tmp_path / "base")
    assert trained.cfg == base.cfg and trained.cfg.scan_layers and trained.cfg.remat == "full"
    assert not params_equal(trained, base)
    with pytest.raises(ValueError, match="batch_size 4 does not divide over the mesh's 8 data shards"):
        bad = TrainConfig(init="base", mixture="m", steps=1, batch_size=4)
        paths = RunPaths(*(tmp_path / d for d in "abc"))
        train(Job(name="bad", cfg=bad, mesh=MeshConfig(data=8), paths=paths, **common))
