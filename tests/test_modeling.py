from operator import attrgetter

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from core.config import MeshConfig
from core.modeling import Decoder, preset
from core.modeling.sharding import make_mesh, param_specs, shard_batch, shard_model
from core.training.step import loss_on_batch

jax.config.update("jax_default_matmul_precision", "highest")


def _model(**kw):
    return Decoder(preset("test", 64, **kw), nnx.Rngs(params=0))


def _batch(b=8, t=16, seed=0):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(2, 64, size=(b, t + 1)).astype(np.int32)
    seg = np.ones((b, t), np.int32)
    seg[:, t // 2 :] = 2  # two packed examples per row
    seg[0, -3:] = 0  # some padding
    pos = np.concatenate([np.arange(t // 2), np.arange(t - t // 2)])[None].repeat(b, 0).astype(np.int32)
    tmask = (rng.random((b, t)) < 0.3).astype(np.int32) * (seg > 0)
    return {
        "inputs": tokens[:, :-1],
        "targets": tokens[:, 1:],
        "segment_ids": seg,
        "positions": pos,
        "target_mask": tmask,
        "context_mask": (1 - tmask) * (seg > 0),
    }


def test_logits_shape_and_dtype():
    out = _model()(jnp.ones((2, 5), jnp.int32))
    assert out.shape == (2, 5, 64) and out.dtype == jnp.float32


def test_causal_and_segment_masking():
    model = _model()
    b = _batch(b=1)
    x, seg, pos = b["inputs"], b["segment_ids"], b["positions"]
    base = model(x, seg, pos)
    changed = x.copy()
    changed[0, 6] = (changed[0, 6] + 1) % 64  # a token in the first segment, before position 7
    out = model(changed, seg, pos)
    np.testing.assert_allclose(out[0, :6], base[0, :6], atol=1e-6)  # the past is unaffected
    assert not np.allclose(out[0, 6:8], base[0, 6:8])
    np.testing.assert_allclose(out[0, 8:13], base[0, 8:13], atol=1e-6)  # the next segment cannot see it
    # the second packed segment (positions 8..12; 13.. is padding) equals that example run alone
    alone = model(x[:, 8:13], None, None)
    np.testing.assert_allclose(base[0, 8:13], alone[0], atol=1e-5)


def test_gqa_requires_divisible_heads():
    with pytest.raises(ValueError, match="multiple"):
        preset("test", 64, n_kv_heads=3)


@pytest.mark.parametrize(
    "shape,rules,scan",
    [
        ((2, 2, 2), "fsdp", False),
        ((2, 2, 2), "fsdp_tp", False),
        ((1, 8, 1), "fsdp", False),
        ((2, 1, 4), "fsdp_tp", False),
        ((2, 2, 2), "fsdp_tp", True),
    ],
)
def test_loss_on_one_device_equals_loss_on_eight(shape, rules, scan):
    assert len(jax.devices()) == 8
    batch = _batch()
    ref_model = _model()
    ref = float(loss_on_batch(ref_model, {k: jnp.asarray(v) for k, v in batch.items()}))
    model = _model(scan_layers=scan, remat="full" if scan else "none")
    mesh = make_mesh(MeshConfig(data=shape[0], fsdp=shape[1], tensor=shape[2], rules=rules))
    with jax.set_mesh(mesh):
        shard_model(model, mesh, rules)
        sharded = shard_batch(batch, mesh, rules)
        loss = float(nnx.jit(loss_on_batch)(model, sharded))
    assert loss == pytest.approx(ref, abs=1e-5)
    wq = (model.blocks.attn if scan else model.blocks[0].attn).wq[...]
    assert len(wq.sharding.device_set) == 8


GEMMA_LIKE = dict(
    n_layers=4, sliding_window=3, global_every=2, post_norms=True, norm_offset=1.0, attn_softcap=20.0
)


def _grads(model, batch):
    return nnx.grad(lambda m: loss_on_batch(m, batch))(model)


@pytest.mark.parametrize("remat", ["none", "dots", "full"])
def test_scanned_layers_equal_the_unrolled_stack(remat):
    """Same draws, stacked: equal parameters, logits and gradients (local/global masks alternate)."""
    batch = {k: jnp.asarray(v) for k, v in _batch().items()}
    loop = _model(**GEMMA_LIKE)
    scan = _model(**GEMMA_LIKE, scan_layers=True, remat=remat)
    for name in ("attn.wq", "mlp.w_down", "attn_post_norm.scale"):
        get = attrgetter(name)
        np.testing.assert_array_equal(get(scan.blocks)[...], jnp.stack([get(b)[...] for b in loop.blocks]))
    assert scan.blocks.attn.wq.get_metadata()["axes"] == ("layers", "embed", "heads", "head_dim")
    x = batch["inputs"]
    np.testing.assert_allclose(scan(x), loop(x), atol=1e-5)
    g_loop, g_scan = _grads(loop, batch), _grads(scan, batch)
    for i in range(4):
        np.testing.assert_allclose(
            g_scan["blocks"]["mlp"]["w_up"][...][i], g_loop["blocks"][i]["mlp"]["w_up"][...], atol=1e-6
        )
    np.testing.assert_allclose(g_scan["embed"][...], g_loop["embed"][...], atol=1e-6)


def test_chunked_causal_attention_equals_full_attention():
    """Query blocks (the last one shorter) over packed, padded rows: same logits and gradients."""
    batch = {k: jnp.asarray(v) for k, v in _batch(t=22).items()}
    full, chunked = _model(**GEMMA_LIKE), _model(**GEMMA_LIKE, attn_chunk=8)
    x, seg, pos = batch["inputs"], batch["segment_ids"], batch["positions"]
    np.testing.assert_allclose(chunked(x, seg, pos), full(x, seg, pos), atol=1e-5)
    g_full, g_chunk = _grads(full, batch), _grads(chunked, batch)
    for a, b in zip(jax.tree.leaves(g_full), jax.tree.leaves(g_chunk)):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_remat_is_in_the_compiled_gradient():
    """Full remat recomputes the forward inside the backward pass: the jaxpr holds a checkpoint."""
    batch = {k: jnp.asarray(v) for k, v in _batch().items()}
    for remat, expected in (("none", False), ("full", True)):
        model = _model(scan_layers=True, remat=remat)
        graphdef, state = nnx.split(model)
        jaxpr = jax.make_jaxpr(jax.grad(lambda s, g=graphdef: loss_on_batch(nnx.merge(g, s), batch)))(state)
        assert ("remat" in str(jaxpr) or "checkpoint" in str(jaxpr)) == expected


def test_dtype_policy_bf16_compute_with_float32_masters():
    batch = {k: jnp.asarray(v) for k, v in _batch().items()}
    f32 = _model()
    bf16 = _model(dtype="bfloat16")
    assert all(v.dtype == jnp.float32 for v in jax.tree.leaves(nnx.state(bf16, nnx.Param)))
    out = bf16(batch["inputs"])
    assert out.dtype == jnp.float32  # logits are returned in float32 for the loss
    assert 0 < float(jnp.abs(out - f32(batch["inputs"])).max()) < 0.1  # bf16 rounding, nothing more
    g = _grads(bf16, batch)
    assert all(x.dtype == jnp.float32 for x in jax.tree.leaves(nnx.state(g, nnx.Param)))
    half = _model(param_dtype="bfloat16")
    assert all(v.dtype == jnp.bfloat16 for v in jax.tree.leaves(nnx.state(half, nnx.Param)))
    with pytest.raises(ValueError, match="remat must be one of"):
        preset("test", 64, remat="some")


def test_golden_partition_specs():
    model = _model()
    mesh = make_mesh(MeshConfig(data=2, fsdp=2, tensor=2, rules="fsdp_tp"))
    specs = {".".join(map(str, k)): tuple(v) for k, v in param_specs(model, mesh, "fsdp_tp").items()}
    assert specs["embed"] == ("tensor", "fsdp")
    assert specs["blocks.0.attn.wq"] == ("fsdp", "tensor", None)
    assert specs["blocks.0.attn.wk"] == ("fsdp", "tensor", None)
    assert specs["blocks.0.mlp.w_down"] == ("tensor", "fsdp")
    assert specs["head"] == ("fsdp", "tensor")
    fsdp_only = {".".join(map(str, k)): tuple(v) for k, v in param_specs(model, mesh, "fsdp").items()}
    assert fsdp_only["blocks.0.mlp.w_up"] == ("fsdp", None)
    scanned = _model(scan_layers=True)
    specs = {".".join(map(str, k)): tuple(v) for k, v in param_specs(scanned, mesh, "fsdp_tp").items()}
    assert specs["blocks.attn.wq"] == (None, "fsdp", "tensor", None)
    assert specs["blocks.mlp.w_down"] == (None, "tensor", "fsdp")
    assert specs["blocks.attn_norm.scale"] == (None, "fsdp")
    # Gemma-3's QK-norm weights live on the head dimension, which no rule shards: replicated
    gemma3 = _model(qk_norm=True, norm_offset=1.0, scan_layers=True)
    specs = {".".join(map(str, k)): tuple(v) for k, v in param_specs(gemma3, mesh, "fsdp_tp").items()}
    assert specs["blocks.attn.q_norm.scale"] == (None, None) and specs["blocks.attn.k_norm.scale"] == (
        None,
        None,
    )
    assert gemma3.blocks.attn.q_norm.scale.get_metadata()["axes"] == ("layers", "head_dim")


def test_mesh_validation():
    with pytest.raises(ValueError, match="needs 12 devices"):
        make_mesh(MeshConfig(data=3, fsdp=4, tensor=1))  # 12 > 8 devices
    with pytest.raises(ValueError, match="unknown sharding rules"):
        make_mesh(MeshConfig(rules="zigzag"))
    assert dict(make_mesh(MeshConfig(data=-1, fsdp=2)).shape) == {"data": 4, "fsdp": 2, "tensor": 1}
