"""Sizing: per-device memory of every run of the accelerator profiles (those with a ``sizing`` section:
``paper``, ``paper-2b-gpu``), and whether each fits its devices. Reads the same params schema as every other
stage (a profile applied on top of params.yaml), from abstract shapes only: nothing is downloaded.

    python -m tools.size_model [--profiles paper paper-2b-gpu]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path

import yaml

from core import config
from core.modeling.config import preset
from core.modeling.sizing import estimate
from tools.apply_profile import PROFILES, resolved

COLUMNS = ("params", "optimizer", "grads", "activations", "logits", "total", "device", "fits")


def profile_params(name: str, base: Path = config.DEFAULT_PARAMS) -> config.Params:
    """The validated params a profile gives (applied to a copy of ``base``)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "params.yaml"
        path.write_text(yaml.safe_dump(resolved(name, base)))
        return config.load(path)


def sized_profiles() -> list[str]:
    return sorted(
        p.stem for p in PROFILES.glob("*.yaml") if "sizing" in (yaml.safe_load(p.read_text()) or {})
    )


def rows(names: Sequence[str]) -> list[dict]:
    out = []
    for name in names:
        params = profile_params(name)
        if params.sizing.device is None:
            raise SystemExit(f"profile '{name}' has no sizing section (device, memory_gib)")
        m, mesh = params.model, params.mesh
        cfg = preset(m.preset, **m.overrides())
        dims = {"data": mesh.data, "fsdp": mesh.fsdp, "tensor": mesh.tensor}
        if -1 in dims.values():
            raise SystemExit(f"profile '{name}': sizing needs every mesh axis given, got {dims}")
        for run, r in params.train.items():
            e = estimate(
                cfg,
                dims,
                mesh.rules,
                r.batch_size,
                params.data.seq_len,
                cfg.remat,
                params.sizing.memory_gib,
                r.micro_batches,
            )
            out.append(
                {
                    "config": name,
                    "run": run,
                    "chips": dims["data"] * dims["fsdp"] * dims["tensor"],
                    "batch": r.batch_size,
                    "micro": r.micro_batches,
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
    p.add_argument("--profiles", nargs="+", default=None, help="default: every profile with a sizing section")
    args = p.parse_args()
    table = rows(args.profiles or sized_profiles())
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
