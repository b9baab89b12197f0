import csv
import shutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import params_equal

from core.config import DataConfig, MeshConfig, TrainConfig
from core.data.schema import read_jsonl
from core.errors import UserError
from core.mixture.spec import MixtureSpec
from core.modeling import preset
from core.modeling.io import load_model
from core.training.checkpoint import CheckpointCorrupt
from core.training.loop import Job, RunPaths, TrainingDiverged, train
from core.training.loss import masked_loss

TASKS = ("chat_count_pairwise", "attribution_classification", "list_writing")


@pytest.fixture(scope="module")
def setup(small_synth, small_tokenizer):
    out, _ = small_synth
    records = {t: read_jsonl(out / "tasks" / t / "train.jsonl") for t in TASKS}
    spec = MixtureSpec("m", rates={t: 1.0 for t in TASKS}, sizes={t: len(r) for t, r in records.items()})
    return records, spec, small_tokenizer


def _run(setup, root, steps, stop_after=None, lr=3e-3, mesh=None, evaluate=None, job=None, **kw):
    """A small run under ``root``; ``kw`` overrides TrainConfig fields, ``job`` Job fields."""
    records, spec, tok = setup
    settings = dict(schedule="cosine", warmup_steps=2, checkpoint_every=3, log_every=1) | kw
    cfg = TrainConfig(init="scratch", mixture="m", steps=steps, batch_size=2, lr=lr, **settings)
    fields = dict(
        name="run",
        cfg=cfg,
        init=preset("test", tok.vocab_size, dropout=0.1),
        spec=spec,
        records=records,
        tok=tok,
        data=DataConfig(),
        mesh=mesh or MeshConfig(data=1),
        seed=5,
        paths=RunPaths(root / "ckpt", root / "model", root / "logs", root / "snapshots"),
    )
    return train(Job(**(fields | (job or {}))), stop_after=stop_after, progress=False, evaluate=evaluate)


def _log(root):
    with (root / "logs" / "log.csv").open() as f:
        return [
            {k: v for k, v in r.items() if k not in ("tokens_per_s", "elapsed_s")} for r in csv.DictReader(f)
        ]


def test_resumed_run_is_bitwise_identical(setup, tmp_path):
    full = _run(setup, tmp_path / "full", steps=8)
    part = _run(setup, tmp_path / "resumed", steps=8, stop_after=5)  # "interrupted" after 5 steps
    assert not part["completed"] and not (tmp_path / "resumed" / "model").exists()
    resumed = _run(setup, tmp_path / "resumed", steps=8)  # a new process would do exactly this
    assert resumed["completed"] and resumed["examples_seen"] == full["examples_seen"]
    a, b = load_model(tmp_path / "full" / "model"), load_model(tmp_path / "resumed" / "model")
    assert params_equal(a, b)
    assert _log(tmp_path / "full") == _log(tmp_path / "resumed")
    # the check can fail: a different seed for the data gives different parameters
    other = _run(setup, tmp_path / "other", steps=8, pair_orders=False)
    assert other["completed"] and not params_equal(a, load_model(tmp_path / "other" / "model"))


def test_evaluation_curves_are_logged_and_survive_an_interruption(setup, tmp_path):
    """Tail-patch curves: scores of the live model every eval_every steps, in the log and its checkpoint."""

    def probe(model):
        return {"chat": float(jnp.mean(model.embed[...])), "safety": 0.5}

    full = _run(setup, tmp_path / "full", steps=6, evaluate=probe, eval_every=2)
    _run(setup, tmp_path / "cut", steps=6, evaluate=probe, eval_every=2, stop_after=4)
    _run(setup, tmp_path / "cut", steps=6, evaluate=probe, eval_every=2)
    rows = _log(tmp_path / "full")
    assert full["completed"] and [r["step"] for r in rows if r.get("eval_chat")] == ["2", "4", "6"]
    assert (
        len({r["eval_chat"] for r in rows if r.get("eval_chat")}) == 3
    )  # the model moved between evaluations
    assert rows == _log(tmp_path / "cut")


def test_a_complete_run_whose_outputs_were_deleted_rewrites_them(setup, tmp_path):
    """DVC deletes a stage's outputs before rerunning it; the persisted checkpoint brings back the same ones."""
    import shutil

    first = _run(setup, tmp_path / "r", steps=6)
    log = _log(tmp_path / "r")
    model = load_model(tmp_path / "r" / "model")
    shutil.rmtree(tmp_path / "r" / "logs")
    shutil.rmtree(tmp_path / "r" / "model")
    again = _run(setup, tmp_path / "r", steps=6)
    assert (
        again["completed"]
        and again["final"] == first["final"]
        and again["examples_seen"] == first["examples_seen"]
    )
    assert _log(tmp_path / "r") == log and len(log) == 6
    assert params_equal(model, load_model(tmp_path / "r" / "model"))


def test_changed_config_does_not_resume_a_stale_checkpoint(setup, tmp_path):
    _run(setup, tmp_path / "r", steps=6, stop_after=3)
    summary = _run(setup, tmp_path / "r", steps=6, lr=1e-3, stop_after=1)  # new lr: starts from step 0
    assert summary["step"] == 1


def test_a_snapshot_holds_the_weights_adam_state_and_learning_rate_of_its_step(setup, tmp_path):
    """The tail-patch start: FLAMe part-way, loadable as a model, with the optimizer state to continue it."""
    from flax import nnx

    from core.modeling.io import read_meta
    from core.training.checkpoint import restore_optimizer_state
    from core.training.loop import SNAPSHOT_OPTIMIZER
    from core.training.optim import make_optimizer, schedule

    _run(setup, tmp_path / "r", steps=6, job={"snapshots": (3,)})
    snap = tmp_path / "r" / "snapshots" / "3"
    meta = read_meta(snap)
    cfg = TrainConfig("scratch", "m", 6, 2, lr=3e-3, schedule="cosine", warmup_steps=2)
    assert meta["step"] == 3 and meta["lr"] == pytest.approx(float(schedule(cfg)(3)))
    part, final = load_model(snap), load_model(tmp_path / "r" / "model")
    assert not params_equal(part, final)  # step 3, not the end
    _run(setup, tmp_path / "plain", steps=6)  # writing the snapshot leaves the run itself as it was
    assert params_equal(final, load_model(tmp_path / "plain" / "model"))
    optimizer = nnx.Optimizer(part, make_optimizer(cfg), wrt=nnx.Param)
    restore_optimizer_state(snap / SNAPSHOT_OPTIMIZER, optimizer)
    assert int(optimizer.step[...]) == 3
    moments = [x for x in jax.tree.leaves(nnx.state(optimizer)) if getattr(x, "ndim", 0) > 1]
    assert moments and all(float(jnp.abs(m).max()) > 0 for m in moments)  # Adam's moments, not a fresh state
    # a run continuing it takes them on (and runs); resuming past a deleted snapshot stops with its path
    start = {"init": snap, "init_optimizer": snap / SNAPSHOT_OPTIMIZER}
    continued = _run(setup, tmp_path / "patch", steps=2, job=start, schedule="constant", warmup_steps=0)
    assert continued["completed"]
    _run(setup, tmp_path / "cut", steps=6, stop_after=4, job={"snapshots": (3,)})
    shutil.rmtree(tmp_path / "cut" / "snapshots" / "3")
    with pytest.raises(UserError, match="snapshot of step 3 is missing"):
        _run(setup, tmp_path / "cut", steps=6, job={"snapshots": (3,)})


def test_loss_decreases_when_training(setup, tmp_path):
    _run(setup, tmp_path / "long", steps=40)
    rows = _log(tmp_path / "long")
    first = np.mean([float(r["target_loss"]) for r in rows[:5]])
    last = np.mean([float(r["target_loss"]) for r in rows[-5:]])
    assert last < 0.7 * first


def test_sharded_training_matches_single_device(setup, tmp_path):
    one = _run(setup, tmp_path / "one", steps=3)
    eight = _run(setup, tmp_path / "eight", steps=3, mesh=MeshConfig(data=2, fsdp=1, tensor=1))
    assert one["final"]["loss"] == pytest.approx(eight["final"]["loss"], rel=1e-4)


def test_loss_counts_target_tokens_only():
    rng = np.random.default_rng(0)
    logits = jnp.asarray(rng.normal(size=(2, 6, 11)), jnp.float32)
    batch = {
        "targets": jnp.asarray(rng.integers(0, 11, (2, 6))),
        "segment_ids": jnp.ones((2, 6), jnp.int32),
        "target_mask": jnp.asarray([[0, 0, 0, 1, 1, 0]] * 2),
        "context_mask": jnp.asarray([[1, 1, 1, 0, 0, 0]] * 2),
    }
    base, _ = masked_loss(logits, batch, 0.0)
    perturbed = logits.at[:, :3].add(5.0 * jnp.asarray(rng.normal(size=(2, 3, 11)), jnp.float32))
    same, _ = masked_loss(perturbed, batch, 0.0)
    assert float(same) == pytest.approx(float(base), abs=1e-6)
    aux, _ = masked_loss(perturbed, batch, 0.25)
    assert float(aux) != pytest.approx(float(base), abs=1e-3)


def test_unpacked_and_packed_batches(setup):
    from core.training.batches import train_batches

    records, spec, tok = setup
    unpacked = next(
        iter(train_batches(spec, records, tok, DataConfig(pack=False), 4, seed=0, pair_orders=True))
    )
    assert unpacked["inputs"].shape == (4, 256)
    assert set(np.unique(unpacked["segment_ids"])) <= {0, 1}
    assert (unpacked["target_mask"].sum(axis=1) > 0).all()
    packed = next(iter(train_batches(spec, records, tok, DataConfig(), 4, seed=0, pair_orders=True)))
    assert packed["segment_ids"].max() >= 2  # several examples share a row
    # positions restart at every example
    for row_seg, row_pos in zip(packed["segment_ids"], packed["positions"]):
        for s in set(row_seg.tolist()) - {0}:
            assert row_pos[row_seg == s].tolist() == list(range((row_seg == s).sum()))


def test_checkpoint_saved_on_one_mesh_restores_on_another(setup, tmp_path):
    import jax
    from flax import nnx

    from core.modeling import Decoder
    from core.modeling.sharding import make_mesh, shard_model
    from core.training.batches import train_batches
    from core.training.checkpoint import Checkpointer
    from core.training.optim import make_optimizer

    records, spec, tok = setup
    tcfg = TrainConfig(init="scratch", mixture="m", steps=1, batch_size=2)

    def build(seed, mesh_cfg):
        model = Decoder(preset("test", tok.vocab_size), nnx.Rngs(params=seed))
        mesh = make_mesh(mesh_cfg)
        shard_model(model, mesh, mesh_cfg.rules)
        opt = nnx.Optimizer(model, make_optimizer(tcfg), wrt=nnx.Param)
        it = iter(train_batches(spec, records, tok, DataConfig(), 2, seed=0, pair_orders=True))
        return model, opt, it

    a = MeshConfig(data=2, fsdp=2, tensor=2, rules="fsdp_tp")
    model, opt, it = build(1, a)
    next(it)
    ckpt = Checkpointer(tmp_path / "ckpt", "h")
    ckpt.save(7, model, opt, it)
    ckpt.close()
    b = MeshConfig(data=1, fsdp=8, tensor=1, rules="fsdp")
    other, other_opt, other_it = build(2, b)
    assert not params_equal(model, other)
    restored = Checkpointer(tmp_path / "ckpt", "h")
    step, _ = restored.restore_or_discard(other, other_opt, other_it)
    restored.close()
    assert step == 7 and params_equal(model, other)
    wq = other.blocks[0].attn.wq[...]
    assert wq.sharding.spec == jax.sharding.PartitionSpec("fsdp", None, None)  # mesh b's layout, not a's
    assert next(other_it)["inputs"].tolist() == next(it)["inputs"].tolist()  # the data stream resumes too


@pytest.mark.parametrize("scan", [False, True])
def test_micro_batches_give_the_whole_batch_update(setup, scan):
    """Gradient accumulation over 4 interleaved micro-batches (rows hold different numbers of target tokens)
    equals one step on the whole batch, on a sharded mesh too."""
    import jax
    from flax import nnx

    from core.config import MeshConfig as Mesh
    from core.modeling import Decoder
    from core.modeling.sharding import make_mesh, shard_batch, shard_model
    from core.training.batches import train_batches
    from core.training.optim import make_optimizer
    from core.training.step import make_train_step

    records, spec, tok = setup
    batch = next(iter(train_batches(spec, records, tok, DataConfig(), 8, seed=0, pair_orders=True)))
    assert len(set(batch["target_mask"].sum(axis=1).tolist())) > 1
    cfg = TrainConfig(init="scratch", mixture="m", steps=10, batch_size=8, lr=1e-2)
    mesh = make_mesh(Mesh(data=2, fsdp=1, tensor=1))
    results = []
    for k in (1, 4):
        model = Decoder(preset("test", tok.vocab_size, scan_layers=scan), nnx.Rngs(params=0))
        with jax.set_mesh(mesh):
            shard_model(model, mesh, "fsdp")
            opt = nnx.Optimizer(model, make_optimizer(cfg), wrt=nnx.Param)
            metrics = make_train_step(0.0, k)(model, opt, shard_batch(batch, mesh, "fsdp"), jax.random.key(0))
        results.append((model, {m: float(v) for m, v in metrics.items()}))
    (whole, m1), (micro, m4) = results
    for name in ("loss", "target_acc", "tokens", "grad_norm"):
        assert m4[name] == pytest.approx(m1[name], rel=1e-5), name
    for a, b in zip(
        jax.tree.leaves(nnx.state(whole, nnx.Param)), jax.tree.leaves(nnx.state(micro, nnx.Param))
    ):
        # Adam's first step moves every weight by ~lr whatever its gradient's size, so summation-order noise
        # in a near-zero gradient shows at ~1e-6; a wrong accumulation moves weights by ~lr = 1e-2
        np.testing.assert_allclose(a, b, atol=5e-6)
    with pytest.raises(ValueError, match="does not split into 3 micro-batches"):
        model = Decoder(preset("test", tok.vocab_size), nnx.Rngs(params=0))
        opt = nnx.Optimizer(model, make_optimizer(cfg), wrt=nnx.Param)
        make_train_step(0.0, 3)(model, opt, batch, jax.random.key(0))


def test_logits_at_targets_only_give_the_full_logits_loss_and_gradient(setup):
    """The step applies the output head only where targets are; loss, accuracy and gradient equal the
    full-logits computation (the head is what a 262K vocabulary makes expensive)."""
    from flax import nnx

    from core.modeling import Decoder
    from core.training.batches import train_batches
    from core.training.loss import loss_sums, target_index, target_sums

    records, spec, tok = setup
    batch = next(iter(train_batches(spec, records, tok, DataConfig(), 8, seed=0, pair_orders=True)))
    counts = batch["target_mask"].sum(axis=1)
    assert batch["target_index"].shape[1] >= counts.max() and batch["target_valid"].sum() == counts.sum()
    jb = {k: jnp.asarray(v) for k, v in batch.items()}
    model = Decoder(preset("test", tok.vocab_size), nnx.Rngs(params=0))

    def full(m):
        s = loss_sums(m(jb["inputs"], jb["segment_ids"], jb["positions"]), jb, 0.0)
        return s["weighted_nll"] / s["weight"], s

    def gathered(m):
        s = target_sums(m, jb, None)
        return s["weighted_nll"] / s["weight"], s

    (l1, s1), g1 = nnx.value_and_grad(full, has_aux=True)(model)
    (l2, s2), g2 = nnx.value_and_grad(gathered, has_aux=True)(model)
    assert float(l2) == pytest.approx(float(l1), rel=1e-6)
    assert float(s2["correct"]) == float(s1["correct"]) and float(s2["tokens"]) == float(s1["tokens"])
    for a, b in zip(jax.tree.leaves(nnx.state(g1, nnx.Param)), jax.tree.leaves(nnx.state(g2, nnx.Param))):
        np.testing.assert_allclose(a, b, atol=1e-6)
    index, valid = target_index(np.array([[0, 1, 1, 0], [0, 0, 0, 0]]))
    assert index.shape == (2, 8) and index[0, :2].tolist() == [1, 2] and valid.sum() == 2


def test_frozen_parameters_stay_as_they_are(setup):
    """``train.<run>.frozen: [embed]`` updates every weight but the embedding (and holds no Adam state for it)."""
    import jax
    from flax import nnx

    from core.modeling import Decoder
    from core.training.batches import train_batches
    from core.training.optim import make_optimizer
    from core.training.step import make_train_step, trainable

    records, spec, tok = setup
    batch = next(iter(train_batches(spec, records, tok, DataConfig(), 8, seed=0, pair_orders=True)))
    cfg = TrainConfig(init="scratch", mixture="m", steps=10, batch_size=8, lr=1e-2, frozen=("embed",))
    model = Decoder(preset("test", tok.vocab_size), nnx.Rngs(params=0))
    before = {k: np.asarray(v) for k, v in nnx.to_flat_state(nnx.state(model, nnx.Param))}
    opt = nnx.Optimizer(model, make_optimizer(cfg), wrt=trainable(cfg.frozen))
    make_train_step(0.0, 1, cfg.frozen)(model, opt, batch, jax.random.key(0))
    after = {k: np.asarray(v) for k, v in nnx.to_flat_state(nnx.state(model, nnx.Param))}
    changed = {".".join(map(str, k)) for k in before if not np.array_equal(before[k], after[k])}
    assert "embed" not in changed and "head" in changed and "blocks.0.attn.wq" in changed
    held = [jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_leaves_with_path(nnx.state(opt))]
    assert any("head" in p for p in held) and not any("'embed'" in p for p in held)


def _largest_file(step_dir):
    return max((p for p in step_dir.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)


def test_a_damaged_checkpoint_stops_with_the_file_and_the_step_to_fall_back_to(setup, tmp_path):
    _run(setup, tmp_path, steps=8, stop_after=4)  # saves steps 3 and 4
    victim = _largest_file(tmp_path / "ckpt" / "4")
    data = bytearray(victim.read_bytes())
    data[: min(4096, len(data))] = bytes(len(data[:4096]))  # same size, other bytes
    victim.write_bytes(bytes(data))
    with pytest.raises(
        CheckpointCorrupt, match=r"ckpt/4: file .* does not match its sha256.*resume from step 3"
    ):
        _run(setup, tmp_path, steps=8)
    # without its digest (a checkpoint from before digests), a cut file still stops with the folder named
    (tmp_path / "ckpt" / "digest-4.json").unlink()
    victim.write_bytes(bytes(data[: len(data) // 3]))
    with pytest.raises(CheckpointCorrupt, match=r"ckpt/4: unreadable"):
        _run(setup, tmp_path, steps=8)
    shutil.rmtree(tmp_path / "ckpt" / "4")  # the advice works: the run resumes from step 3 and completes
    assert _run(setup, tmp_path, steps=8)["completed"]


def test_a_diverging_run_stops_and_keeps_its_last_good_checkpoint(setup, tmp_path):
    with pytest.raises(
        TrainingDiverged, match=r"loss is (nan|inf) at step \d+ \(last finite: .*lower train\.run\.lr"
    ):
        _run(setup, tmp_path, steps=8, lr=1e30)
    assert not (tmp_path / "model").exists()


def test_export_refuses_non_finite_weights(setup, tmp_path):
    from flax import nnx

    from core.errors import UserError
    from core.modeling.decoder import Decoder
    from core.modeling.io import export_model

    tok = setup[2]
    model = Decoder(preset("test", tok.vocab_size), nnx.Rngs(0))
    model.final_norm.scale[...] = model.final_norm.scale[...].at[0].set(jnp.nan)
    with pytest.raises(UserError, match="NaN or infinity"):
        export_model(model, tmp_path / "m", {}, tok.files())
    assert not (tmp_path / "m").exists()
