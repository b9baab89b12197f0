"""Benchmark the decoder: train-step tokens/s and model FLOPs utilisation (MFU) against the measured peak,
then log-likelihood scoring examples/s of our model and of ``transformers`` on the same weights and inputs.

The peak is measured on the same device with a large matmul in the compute dtype (f32 accumulation), so MFU
is relative to what this machine actually sustains, not a datasheet number. Model FLOPs per token count the
matmul parameters (6 N for forward + backward) plus attention scores and values (12 L T d_attn, the full
square: causal block skipping is not credited).

    python -m tools.bench_model                     # CPU default profile: tiny train step + scoring
    python -m tools.bench_model --preset 1b --vocab 32000 --batch 8 --seq 2048 --dtype bfloat16 \
        --scan --remat dots --no-scoring                  # accelerator
    python -m tools.bench_model --checkpoint data/base_checkpoint --batch 4 --seq 256   # a real model

With ``--checkpoint`` (a Hugging Face folder, e.g. one written by ``experiments.import_checkpoint``) both
figures are measured on that real model, ours beside ``transformers`` (PyTorch, CPU) on the same weights and
inputs: the train step as FLAMe trains (loss on the last ``--targets`` tokens of each row only, Adam), and
log-likelihood scoring as the judge scores (each prompt once, then every label's tokens against it).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from core.config import TrainConfig
from core.modeling import Decoder, preset
from core.modeling.decoder import count_params
from core.training.optim import make_optimizer
from core.training.step import make_train_step, trainable


def _best_time(fn, reps: int) -> float:
    fn()  # compile / warm up
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def matmul_peak(dtype: str, n: int, reps: int = 5) -> float:
    """Best sustained FLOP/s of an n x n matmul in ``dtype`` with float32 accumulation."""
    key = jax.random.key(0)
    a = jax.random.normal(key, (n, n), jnp.float32).astype(dtype)
    b = jax.random.normal(jax.random.fold_in(key, 1), (n, n), jnp.float32).astype(dtype)
    mm = jax.jit(lambda x, y: jax.lax.dot(x, y, preferred_element_type=jnp.float32))
    return 2 * n**3 / _best_time(lambda: mm(a, b).block_until_ready(), reps)


def flops_per_token(model: Decoder, seq: int) -> float:
    cfg = model.cfg
    n_matmul = count_params(model) - cfg.vocab_size * cfg.d_model * (0 if cfg.tie_embeddings else 1)
    n_matmul -= 2 * cfg.n_layers * cfg.d_model + cfg.d_model  # norms are not matmuls
    attention = 12 * cfg.n_layers * seq * cfg.n_heads * cfg.head_dim
    return 6 * n_matmul + attention


def train_step_bench(args) -> dict:
    cfg = preset(args.preset, args.vocab, dtype=args.dtype, scan_layers=args.scan or None, remat=args.remat)
    if args.attn_chunk is not None:
        cfg = dataclasses.replace(cfg, attn_chunk=args.attn_chunk or None)
    model = Decoder(cfg, nnx.Rngs(params=0))
    tcfg = TrainConfig(init="scratch", mixture="-", steps=1000, batch_size=args.batch, lr=1e-4)
    opt = nnx.Optimizer(model, make_optimizer(tcfg), wrt=nnx.Param)
    step = make_train_step(0.0)
    rng = np.random.default_rng(0)
    tokens = rng.integers(2, args.vocab, (args.batch, args.seq + 1)).astype(np.int32)
    batch = {
        "inputs": jnp.asarray(tokens[:, :-1]),
        "targets": jnp.asarray(tokens[:, 1:]),
        "target_mask": jnp.ones((args.batch, args.seq), jnp.int32),
        "context_mask": jnp.zeros((args.batch, args.seq), jnp.int32),
        "segment_ids": jnp.ones((args.batch, args.seq), jnp.int32),
        "positions": jnp.broadcast_to(jnp.arange(args.seq, dtype=jnp.int32), (args.batch, args.seq)),
    }
    key = jax.random.key(0)
    t = time.perf_counter()
    jax.block_until_ready(step(model, opt, batch, key))
    compile_s = time.perf_counter() - t
    times = []
    for _ in range(args.steps):
        t = time.perf_counter()
        jax.block_until_ready(step(model, opt, batch, key))
        times.append(time.perf_counter() - t)
    best, median = min(times), float(np.median(times))
    tokens_per_step = args.batch * args.seq
    fpt = flops_per_token(model, args.seq)
    peak = matmul_peak(args.dtype if args.dtype != "float32" else "float32", args.peak_n)
    return {
        "device": str(jax.devices()[0].device_kind),
        "preset": args.preset,
        "params": count_params(model),
        "dtype": args.dtype,
        "scan_layers": cfg.scan_layers,
        "remat": cfg.remat,
        "attn_chunk": cfg.attn_chunk,
        "batch": args.batch,
        "seq": args.seq,
        "compile_s": round(compile_s, 2),
        "step_s_best": round(best, 5),
        "step_s_median": round(median, 5),
        "tokens_per_s_best": round(tokens_per_step / best, 1),
        "tokens_per_s_median": round(tokens_per_step / median, 1),
        "model_tflop_per_step": round(fpt * tokens_per_step / 1e12, 4),
        "peak_tflops_measured": round(peak / 1e12, 3),
        "mfu_best": round(fpt * tokens_per_step / best / peak, 4),
        "mfu_median": round(fpt * tokens_per_step / median / peak, 4),
    }


def scoring_bench(args) -> dict:
    """Log-likelihood scoring examples/s of our model and of transformers (torch, CPU) on the same tiny Llama
    weights and inputs, at equal batch size."""
    import tempfile

    import torch
    import transformers

    from core.modeling.decoder import token_nll
    from core.modeling.hf import config_to_hf, load_hf

    tiny = preset("tiny", args.vocab)  # the default pipeline's model, in float32
    hf_cfg = transformers.LlamaConfig(**config_to_hf(tiny, max_position_embeddings=4096))
    torch.manual_seed(0)
    ref = transformers.LlamaForCausalLM(hf_cfg).eval()
    with tempfile.TemporaryDirectory() as d:
        ref.save_pretrained(d)
        model, cfg = load_hf(d, attn_chunk=tiny.attn_chunk)
    tokens = (
        np.random.default_rng(0).integers(0, args.vocab, (args.score_batch, args.seq + 1)).astype(np.int32)
    )

    @nnx.jit
    def ours(m, x, y):
        return -jnp.sum(token_nll(m(x), y), axis=-1)

    x, y = jnp.asarray(tokens[:, :-1]), jnp.asarray(tokens[:, 1:])
    t_ours = _best_time(lambda: jax.block_until_ready(ours(model, x, y)), args.steps)
    tx, ty = (
        torch.as_tensor(tokens[:, :-1], dtype=torch.long),
        torch.as_tensor(tokens[:, 1:], dtype=torch.long),
    )

    def theirs():
        with torch.no_grad():
            logp = torch.log_softmax(ref(tx).logits.float(), dim=-1)
            return logp.gather(-1, ty[..., None]).sum(dim=(1, 2))

    t_ref = _best_time(theirs, args.steps)
    a = np.asarray(ours(model, x, y))
    b = theirs().numpy()
    return {
        "batch": args.score_batch,
        "seq": args.seq,
        "attn_chunk": cfg.attn_chunk,
        "ours_examples_per_s": round(args.score_batch / t_ours, 1),
        "transformers_examples_per_s": round(args.score_batch / t_ref, 1),
        "ratio": round(t_ref / t_ours, 2),
        "max_abs_logprob_diff": float(np.abs(a - b).max()),
        "torch_threads": torch.get_num_threads(),
    }


def _checkpoint_batch(vocab: int, batch: int, seq: int, targets: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Rows of random tokens whose last ``targets`` positions carry the loss (a judge's answer)."""
    from core.training.loss import target_index

    tokens = np.random.default_rng(seed).integers(2, vocab, (batch, seq + 1)).astype(np.int32)
    tmask = np.zeros((batch, seq), np.int32)
    tmask[:, -targets:] = 1
    out = {
        "inputs": tokens[:, :-1],
        "targets": tokens[:, 1:],
        "target_mask": tmask,
        "context_mask": 1 - tmask,
        "segment_ids": np.ones((batch, seq), np.int32),
        "positions": np.broadcast_to(np.arange(seq, dtype=np.int32), (batch, seq)).copy(),
    }
    out["target_index"], out["target_valid"] = target_index(tmask)
    return out


def _best(fn, reps: int) -> tuple[float, float]:
    """(first call incl. compilation, best of ``reps`` later calls) in seconds."""
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    return first, _best_time(fn, reps - 1) if reps > 1 else first


def checkpoint_bench(args) -> dict:
    """Train step and log-likelihood scoring of a real checkpoint: ours and transformers, same weights."""
    import torch
    import transformers

    from core.eval.scoring import _continuation_logprob
    from core.modeling.decode import prefill
    from core.modeling.hf import load_hf

    model, cfg = load_hf(args.checkpoint, attn_chunk=args.attn_chunk or None, dtype=args.dtype)
    ref = transformers.AutoModelForCausalLM.from_pretrained(str(args.checkpoint), dtype=torch.float32)
    batch = _checkpoint_batch(cfg.vocab_size, args.batch, args.seq, args.targets)
    tokens_per_step = args.batch * args.seq

    # train step: ours (logits at the target positions only) ...
    frozen = tuple(args.freeze.split(",")) if args.freeze else ()
    tcfg = TrainConfig(init="base", mixture="-", steps=1000, batch_size=args.batch, lr=1e-5, frozen=frozen)
    opt = nnx.Optimizer(model, make_optimizer(tcfg), wrt=trainable(frozen))
    step = make_train_step(0.0, 1, frozen)
    jbatch = {k: jnp.asarray(v) for k, v in batch.items()}
    key = jax.random.key(0)
    ours_first, ours_step = _best(lambda: jax.block_until_ready(step(model, opt, jbatch, key)), args.steps)
    # ... and transformers, the same recipe in PyTorch (the head applied at the target positions too)
    ref.train()
    for name, weight in ref.named_parameters():
        weight.requires_grad_(not any(f in name for f in frozen))  # "embed" names embed_tokens too
    torch_opt = torch.optim.Adam([w for w in ref.parameters() if w.requires_grad], lr=1e-5)
    x = torch.as_tensor(batch["inputs"], dtype=torch.long)
    y = torch.as_tensor(batch["targets"][:, -args.targets :], dtype=torch.long)

    def torch_step():
        torch_opt.zero_grad()
        hidden = ref.model(input_ids=x).last_hidden_state[:, -args.targets :]
        loss = torch.nn.functional.cross_entropy(ref.lm_head(hidden).flatten(0, 1).float(), y.flatten())
        loss.backward()
        torch.nn.utils.clip_grad_norm_([w for w in ref.parameters() if w.requires_grad], 1.0)
        torch_opt.step()

    ref_first, ref_step = _best(torch_step, args.steps)
    ref.eval()

    # scoring: each prompt once into a cache, then two 4-token labels against it
    labels = np.random.default_rng(1).integers(2, cfg.vocab_size, (2, args.batch, 4)).astype(np.int32)
    prompts = [row.tolist() for row in batch["inputs"]]
    mask = jnp.ones((args.batch, 4), jnp.float32)

    def ours_score():
        first, cache, next_pos = prefill(model, prompts, 4, args.seq)
        positions = jnp.asarray(next_pos[:, None] + np.arange(4)[None], jnp.int32)
        for lab in labels:
            out = _continuation_logprob(model, jnp.asarray(lab), positions, cache, first, mask)
        return jax.block_until_ready(out)

    def torch_score():
        with torch.no_grad():
            out = ref(input_ids=x, use_cache=True, logits_to_keep=1)
            first, cache = out.logits[:, -1].float(), out.cache
            for lab in labels:
                t = torch.as_tensor(lab, dtype=torch.long)
                logits = torch.cat([first[:, None], ref(input_ids=t[:, :-1], cache=cache).logits.float()], 1)
                score = logits.log_softmax(-1).gather(-1, t[..., None]).sum((1, 2))
                cache.crop(-(t.shape[1] - 1))  # back to the prompt alone for the next label
        return score

    _, ours_scoring = _best(ours_score, args.steps)
    _, ref_scoring = _best(torch_score, args.steps)
    return {
        "checkpoint": str(args.checkpoint),
        "device": str(jax.devices()[0].device_kind),
        "params": count_params(model),
        "vocab": cfg.vocab_size,
        "batch": args.batch,
        "seq": args.seq,
        "targets_per_row": args.targets,
        "frozen": list(frozen),
        "train_tokens_per_s": {
            "ours": round(tokens_per_step / ours_step, 1),
            "transformers": round(tokens_per_step / ref_step, 1),
            "ratio": round(ref_step / ours_step, 2),
        },
        "train_first_step_s": {"ours": round(ours_first, 1), "transformers": round(ref_first, 1)},
        "scoring_examples_per_s": {
            "ours": round(args.batch / ours_scoring, 2),
            "transformers": round(args.batch / ref_scoring, 2),
            "ratio": round(ref_scoring / ours_scoring, 2),
        },
        "torch_threads": torch.get_num_threads(),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="tiny")
    p.add_argument("--vocab", type=int, default=1024)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=256)
    p.add_argument("--dtype", default="float32")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--peak-n", type=int, default=2048, help="matmul size for the peak measurement")
    p.add_argument("--scan", action="store_true", help="scan over layers")
    p.add_argument("--remat", default=None, choices=["none", "dots", "full"])
    p.add_argument("--attn-chunk", type=int, default=None, help="query block size (0: none; default: preset)")
    p.add_argument("--score-batch", type=int, default=16)
    p.add_argument("--no-scoring", action="store_true", help="skip the comparison with transformers")
    p.add_argument("--checkpoint", type=Path, help="a Hugging Face folder: benchmark that real model instead")
    p.add_argument("--targets", type=int, default=8, help="--checkpoint: loss positions per row")
    p.add_argument("--freeze", default="", help="--checkpoint: parameters left fixed, e.g. embed")
    args = p.parse_args()
    if args.checkpoint is not None:
        print(json.dumps({"checkpoint": checkpoint_bench(args)}, indent=2))
        return
    result = {"train_step": train_step_bench(args)}
    if not args.no_scoring:
        result["scoring"] = scoring_bench(args)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
