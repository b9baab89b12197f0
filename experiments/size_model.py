"""Sizing: per-device memory of the paper-scale configurations, and whether each run fits its devices.

python -m experiments.size_model [--configs experiments/configs/paper_scale.yaml]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from core.modeling.config import preset
from core.modeling.sizing import estimate

COLUMNS = ("params", "optimizer", "grads", "activations", "logits", "total", "device", "fits")


def rows(configs: dict) -> list[dict]:
    out = []
    for name, c in configs.items():
        cfg = preset(c["preset"])
        for run, r in c["runs"].items():
            e = estimate(
                cfg,
                c["mesh"],
                c["rules"],
                r["batch_size"],
                c["seq_len"],
                c["remat"],
                float(c["device"]["memory_gib"]),
                r.get("micro_batches", 1),
            )
            out.append(
                {
                    "config": name,
                    "run": run,
                    "chips": c["mesh"]["data"] * c["mesh"]["fsdp"] * c["mesh"]["tensor"],
                    "batch": r["batch_size"],
                    "micro": r.get("micro_batches", 1),
                    "params": e.params_gib,
                    "optimizer": e.optimizer_gib,
                    "grads": e.grads_gib,
                    "activations": e.activations_gib,
                    "logits": e.logits_gib,
                    "total": e.total_gib,
                    "device": e.device_gib,
                    "fits": "yes" if e.fits else "NO",
                }
            )
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--configs", type=Path, default=Path("experiments/configs/paper_scale.yaml"))
    args = p.parse_args()
    table = rows(yaml.safe_load(args.configs.read_text()))
    head = ["config", "run", "chips", "batch", "micro"] + [
        f"{c} (GiB)" if c not in ("fits",) else c for c in COLUMNS
    ]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in table:
        cells = [r["config"], r["run"], str(r["chips"]), str(r["batch"]), str(r["micro"])]
        cells += [f"{r[c]:.2f}" if isinstance(r[c], float) else str(r[c]) for c in COLUMNS]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
