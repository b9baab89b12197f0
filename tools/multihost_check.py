"""Multi-host check: processes joined by ``jax.distributed`` (CPU collectives over gloo) train the tiny model
with the same losses as one process holding all devices.

    python -m tools.multihost_check --processes 2 --steps 4     # spawns the workers, compares losses

Every process builds the same model and the same global batches (both are pure functions of the seed) and
places them on one global mesh; each device computes its shard, and the losses are global reductions.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys

DEVICES_PER_PROCESS = 2


def _worker(process_id: int, processes: int, port: int, steps: int) -> list[float]:
    import jax

    if processes > 1:
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(
            coordinator_address=f"127.0.0.1:{port}", num_processes=processes, process_id=process_id
        )
    import numpy as np
    from flax import nnx

    from core.config import MeshConfig, TrainConfig
    from core.modeling import Decoder, preset
    from core.modeling.sharding import make_mesh, shard_batch, shard_model
    from core.training.optim import make_optimizer
    from core.training.step import make_train_step

    mesh_cfg = MeshConfig(data=-1, fsdp=2, tensor=1, rules="fsdp")
    mesh = make_mesh(mesh_cfg)
    model = Decoder(preset("test", 128), nnx.Rngs(params=0))
    losses = []
    with jax.set_mesh(mesh):
        shard_model(model, mesh, mesh_cfg.rules)
        opt = nnx.Optimizer(
            model, make_optimizer(TrainConfig("scratch", "-", steps, 8, lr=3e-3)), wrt=nnx.Param
        )
        step = make_train_step(0.0)
        rng = np.random.default_rng(0)
        for i in range(steps):
            tokens = rng.integers(2, 128, (8, 33)).astype(np.int32)
            batch = {
                "inputs": tokens[:, :-1],
                "targets": tokens[:, 1:],
                "target_mask": np.ones((8, 32), np.int32),
                "context_mask": np.zeros((8, 32), np.int32),
                "segment_ids": np.ones((8, 32), np.int32),
                "positions": np.broadcast_to(np.arange(32, dtype=np.int32), (8, 32)).copy(),
            }
            metrics = step(model, opt, shard_batch(batch, mesh, mesh_cfg.rules), jax.random.key(i))
            losses.append(float(metrics["loss"]))
    return losses


def _env(devices: int) -> dict[str, str]:
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    return env


def run(processes: int, steps: int, timeout: float = 300.0) -> dict:
    """Losses of ``processes`` joined processes and of one process with as many devices; raises on mismatch."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [
        sys.executable,
        "-m",
        "tools.multihost_check",
        "--steps",
        str(steps),
        "--processes",
        str(processes),
        "--port",
        str(port),
    ]
    workers = [
        subprocess.Popen(
            cmd + ["--worker", str(i)],
            env=_env(DEVICES_PER_PROCESS),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(processes)
    ]
    single = subprocess.run(
        cmd[:5] + ["--processes", "1", "--worker", "0"],
        env=_env(DEVICES_PER_PROCESS * processes),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    outs = []
    for w in workers:
        out, err = w.communicate(timeout=timeout)
        if w.returncode != 0:
            raise RuntimeError(f"worker failed:\n{err[-3000:]}")
        outs.append(json.loads(out.strip().splitlines()[-1]))
    if single.returncode != 0:
        raise RuntimeError(f"single-process run failed:\n{single.stderr[-3000:]}")
    reference = json.loads(single.stdout.strip().splitlines()[-1])
    return {"multi_process": outs, "single_process": reference}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--port", type=int)
    p.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker is not None:
        print(json.dumps(_worker(args.worker, args.processes, args.port, args.steps)))
        return
    result = run(args.processes, args.steps)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
