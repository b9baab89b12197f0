"""HF checkpoint import: logits equal the transformers implementation on random tiny Llama-3 / Gemma-2 models."""

import json

import jax
import numpy as np
import pytest
from flax import nnx
from helpers import SMALL_HF

from core.config import MeshConfig
from core.modeling import Decoder
from core.modeling.config import preset
from core.modeling.decoder import count_params
from core.modeling.hf import config_from_hf, load_hf
from core.modeling.sharding import make_mesh

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
jax.config.update("jax_default_matmul_precision", "highest")

TOKENS = np.random.default_rng(0).integers(0, 256, size=(2, 13))


def _llama(tmp_path, shards=False, scaled=True):
    rope = (
        {
            "rope_type": "llama3",
            "rope_theta": 500000.0,
            "factor": 8.0,
            "low_freq_factor": 1.0,
            "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8,
        }
        if scaled
        else None
    )
    cfg = transformers.LlamaConfig(
        **SMALL_HF,
        num_hidden_layers=2,
        rms_norm_eps=1e-5,
        tie_word_embeddings=False,
        rope_parameters=rope,
    )
    torch.manual_seed(0)
    model = transformers.LlamaForCausalLM(cfg).eval()
    model.save_pretrained(tmp_path, max_shard_size="60KB" if shards else "5GB")
    return model


def _gemma2(tmp_path):
    cfg = transformers.Gemma2Config(
        **SMALL_HF,
        num_hidden_layers=4,
        head_dim=16,
        query_pre_attn_scalar=24,
        sliding_window=5,
        attn_logit_softcapping=50.0,
        final_logit_softcapping=30.0,
        attn_implementation="eager",
    )
    torch.manual_seed(1)
    model = transformers.Gemma2ForCausalLM(cfg).eval()
    with torch.no_grad():  # random norm weights so (1 + w) is exercised
        for name, p in model.named_parameters():
            if "norm" in name:
                p.normal_(0.0, 0.3)
    model.save_pretrained(tmp_path)
    return model


def _gemma3(tmp_path, window, linear=None, layers=7, every=3):
    """A random tiny Gemma 3 (QK-norm, every ``every``-th layer global, local RoPE base 10^4, global 10^6
    with optional linear scaling), saved in the transformers-5 layout."""
    full = {"rope_type": "default", "rope_theta": 1e6}
    if linear is not None:
        full = {"rope_type": "linear", "factor": linear, "rope_theta": 1e6}
    cfg = transformers.Gemma3TextConfig(
        **SMALL_HF,
        num_hidden_layers=layers,
        head_dim=16,
        query_pre_attn_scalar=24,
        sliding_window=window,
        layer_types=[
            "full_attention" if (i + 1) % every == 0 else "sliding_attention" for i in range(layers)
        ],
        rope_parameters={
            "full_attention": full,
            "sliding_attention": {"rope_type": "default", "rope_theta": 1e4},
        },
        attn_implementation="eager",
    )
    torch.manual_seed(2)
    model = transformers.Gemma3ForCausalLM(cfg).eval()
    with torch.no_grad():  # random norm weights (QK-norm included) so (1 + w) is exercised
        for name, p in model.named_parameters():
            if "norm" in name:
                p.normal_(0.0, 0.3)
    model.save_pretrained(tmp_path)
    return model


def _reference(model):
    with torch.no_grad():
        return model(torch.as_tensor(TOKENS)).logits.float().numpy()


@pytest.mark.parametrize("shards", [False, True])
def test_llama3_logits_match_transformers(tmp_path, shards):
    ref = _llama(tmp_path, shards=shards)
    if shards:
        assert (tmp_path / "model.safetensors.index.json").exists()
    model, cfg = load_hf(tmp_path)
    assert cfg.rope_scaling == (8.0, 1.0, 4.0, 8) and not cfg.tie_embeddings
    diff = np.abs(np.asarray(model(TOKENS)) - _reference(ref)).max()
    assert diff <= 1e-4, diff


@pytest.mark.parametrize("scan", [False, True])
def test_gemma2_logits_match_transformers(tmp_path, scan):
    ref = _gemma2(tmp_path)
    model, cfg = load_hf(tmp_path, scan_layers=scan, remat="full" if scan else "none")
    assert (
        cfg.global_every == 2 and cfg.sliding_window == 5 and cfg.tie_embeddings and cfg.final_softcap == 30.0
    )
    assert TOKENS.shape[1] > 2 * cfg.sliding_window  # the window actually cuts attention
    diff = np.abs(np.asarray(model(TOKENS)) - _reference(ref)).max()
    assert diff <= 1e-4, diff


@pytest.mark.parametrize(
    "window,linear,scan", [(4, None, False), (64, 8.0, False), (4, 8.0, True)], ids=["short", "long", "scan"]
)
def test_gemma3_logits_match_transformers(tmp_path, window, linear, scan):
    """A window shorter than the 13-token sequence (local layers really cut) and one longer than it."""
    ref = _gemma3(tmp_path, window, linear)
    model, cfg = load_hf(tmp_path, scan_layers=scan)
    assert cfg.qk_norm and cfg.global_every == 3 and cfg.sliding_window == window
    assert (cfg.rope_theta, cfg.rope_local_theta, cfg.rope_linear) == (1e6, 1e4, linear)
    assert [cfg.is_local(i) for i in range(7)] == [True, True, False, True, True, False, True]
    expected = _reference(ref)
    diff = np.abs(np.asarray(model(TOKENS)) - expected).max()
    assert diff <= 1e-4, diff
    # every Gemma 3 detail is load-bearing: the local RoPE base, the layer pattern and QK-norm
    for wrong in ({"rope_local_theta": 1e6}, {"global_every": 2}, {"qk_norm": False}):
        other, _ = load_hf(tmp_path, scan_layers=scan, **wrong)
        assert np.abs(np.asarray(other(TOKENS)) - expected).max() > 1e-3, wrong


def test_gemma3_transformers4_config_and_presets():
    """The transformers-4 layout (rope_local_base_freq, rope_scaling, sliding_window_pattern) reads as the
    transformers-5 one does, and the presets have the published sizes."""
    v4 = {
        "model_type": "gemma3_text",
        "vocab_size": 262208,
        "hidden_size": 5376,
        "intermediate_size": 21504,
        "num_hidden_layers": 62,
        "num_attention_heads": 32,
        "num_key_value_heads": 16,
        "head_dim": 128,
        "query_pre_attn_scalar": 168,
        "rms_norm_eps": 1e-6,
        "rope_theta": 1_000_000.0,
        "rope_local_base_freq": 10_000.0,
        "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
        "sliding_window": 1024,
        "sliding_window_pattern": 6,
    }
    ours = config_from_hf(v4, dtype="bfloat16").replace(scan_layers=True, remat="full")
    assert ours == preset("gemma3_27b")
    sizes = {}
    for name in ("gemma3_270m", "gemma3_1b", "gemma3_4b", "gemma3_12b", "gemma3_27b"):
        sizes[name] = count_params(nnx.eval_shape(lambda n=name: Decoder(preset(n), nnx.Rngs(0)))) / 1e6
    assert 267 < sizes["gemma3_270m"] < 269 and 995 < sizes["gemma3_1b"] < 1005  # 268M, 1.0B
    assert 3.87e3 < sizes["gemma3_4b"] < 3.89e3 and 11.7e3 < sizes["gemma3_12b"] < 11.8e3  # text parts
    assert 26.9e3 < sizes["gemma3_27b"] < 27.1e3
    with pytest.raises(ValueError, match="multimodal"):
        config_from_hf({"model_type": "gemma3", "text_config": v4})
    irregular = ["full_attention", "sliding_attention", "full_attention"]
    with pytest.raises(ValueError, match="repeating"):
        config_from_hf({**v4, "num_hidden_layers": 3, "layer_types": irregular})


@pytest.mark.parametrize("scan", [False, True])
def test_load_onto_a_mesh_places_each_tensor_on_its_sharding(tmp_path, scan):
    ref = _llama(tmp_path)
    mesh = make_mesh(MeshConfig(data=2, fsdp=2, tensor=2, rules="fsdp_tp"))
    model, _ = load_hf(tmp_path, mesh=mesh, rules="fsdp_tp", scan_layers=scan)
    P = jax.sharding.PartitionSpec
    if scan:
        wq = model.blocks.attn.wq[...]
        assert wq.shape[0] == 2 and wq.sharding.spec == P(None, "fsdp", "tensor", None)
    else:
        wq = model.blocks[0].attn.wq[...]
        assert wq.sharding.spec == P("fsdp", "tensor", None)
    # each device holds only its shard
    assert {s.data.shape for s in wq.addressable_shards} == {(*wq.shape[:-3], 32, 2, 16)}
    with jax.set_mesh(mesh):
        out = np.asarray(jax.jit(lambda t: model(t))(TOKENS))
    assert np.abs(out - _reference(ref)).max() <= 1e-4


def test_bad_checkpoints_fail_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="config.json"):
        load_hf(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "gpt2"}))
    with pytest.raises(ValueError, match="unsupported model_type 'gpt2'"):
        load_hf(tmp_path)


def test_family_presets_have_published_shapes():
    sizes = {}
    for name in ("gemma2_2b", "llama3_8b"):
        abstract = nnx.eval_shape(lambda n=name: Decoder(preset(n), nnx.Rngs(0)))
        sizes[name] = count_params(abstract)
    assert 2.5e9 < sizes["gemma2_2b"] < 2.7e9  # Gemma-2-2B: 2.61B parameters
    assert 7.9e9 < sizes["llama3_8b"] < 8.1e9  # Llama-3-8B: 8.03B parameters
    hf = {
        "model_type": "gemma2",
        "vocab_size": 256000,
        "hidden_size": 2304,
        "num_hidden_layers": 26,
        "num_attention_heads": 8,
        "num_key_value_heads": 4,
        "head_dim": 256,
        "intermediate_size": 9216,
        "query_pre_attn_scalar": 256,
        "sliding_window": 4096,
        "attn_logit_softcapping": 50.0,
        "final_logit_softcapping": 30.0,
        "rms_norm_eps": 1e-6,
    }
    ours = config_from_hf(hf, dtype="bfloat16").replace(scan_layers=True, remat="full")
    assert ours == preset("gemma2_2b")
