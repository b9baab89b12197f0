"""Apply a named profile (``experiments/profiles/<name>.yaml``, an overlay of params.yaml keys) to a params
file, so ``dvc repro`` runs that profile. ``git checkout params.yaml`` returns to the default. ``--set``
overrides single keys on top (values are read as YAML).

    python -m tools.apply_profile real-mini [--params params.yaml]
    python -m tools.apply_profile real --set model.base=smollm2-135m
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import yaml

from core import config
from tools.resolve import expand

PROFILES = Path(__file__).resolve().parents[1] / "experiments" / "profiles"


def merge(base: dict, overlay: dict) -> dict:
    """``overlay`` on top of ``base``; mappings merge key by key, other values replace."""
    out = dict(base)
    for key, value in overlay.items():
        out[key] = (
            merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
        )
    return out


def dotted(assignment: str) -> dict:
    """``a.b=value`` as the overlay ``{"a": {"b": value}}`` (value parsed as YAML)."""
    key, sep, value = assignment.partition("=")
    if not sep or not key:
        raise SystemExit(f"--set expects KEY=VALUE, got {assignment!r}")
    overlay: dict = yaml.safe_load(value)
    for part in reversed(key.split(".")):
        overlay = {part: overlay}
    return overlay


def overlay(name: str) -> dict:
    """The profile's keys, on top of the profile it ``extends`` (if any)."""
    path = PROFILES / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in PROFILES.glob("*.yaml")))
        raise SystemExit(f"unknown profile '{name}' (known: {known})")
    keys = config.load_yaml(path) or {}
    parent = keys.pop("extends", None)
    return merge(overlay(parent), keys) if parent else keys


def resolved(name: str, params_path: Path, sets: Sequence[str] = ()) -> dict:
    """The raw params a profile gives: params file, then the profile, then ``--set`` overrides, with task
    selectors expanded to names."""
    merged = merge(config.load_yaml(params_path), overlay(name))
    for assignment in sets:
        merged = merge(merged, dotted(assignment))
    return expand(merged)


def apply(name: str, params_path: Path, sets: Sequence[str] = ()) -> dict:
    merged = resolved(name, params_path, sets)
    params_path.write_text(yaml.safe_dump(merged, sort_keys=False))
    config.load(params_path)  # the result must still be a valid params file
    return merged


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name")
    p.add_argument("--params", type=Path, default=config.DEFAULT_PARAMS)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override one key")
    args = p.parse_args()
    apply(args.name, args.params, args.set)
    print(f"profile {args.name} applied to {args.params}; run `dvc repro` (undo: git checkout {args.params})")


if __name__ == "__main__":
    main()
