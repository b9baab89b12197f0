"""Run a named profile (``experiments/profiles/<name>.yaml``, an overlay of params.yaml keys) in a workspace of
its own, ``.workspaces/<name>``, so that your ``params.yaml``, ``dvc.lock`` and results stay as they are.

The workspace is a git worktree of your current code (uncommitted changes and untracked files included) whose
``params.yaml`` is generated: params.yaml, then the profile, then ``--set`` overrides (values read as YAML),
with task selectors expanded to names. It keeps its own ``dvc.lock`` and outputs across updates and shares the
repository's DVC cache. The command prints the workspace's path; ``make repro PROFILE=<name>`` runs
``dvc repro`` there.

    python -m tools.apply_profile real-mini
    python -m tools.apply_profile real --set model.base=smollm2-135m
    python -m tools.apply_profile paper --print       # the resolved params only
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from core import config
from core.errors import UserError
from experiments.common import run
from tools.resolve import expand

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ROOT / "experiments" / "profiles"
WORKSPACES = ".workspaces"
# params naming a file or folder given relative to the repository; rebased so the workspace finds the same one
IDENTITY = ("-c", "user.name=apply_profile", "-c", "user.email=apply_profile@localhost")
PATH_KEYS = (("collection", "real_dir"), ("model", "hf_checkpoint"), ("code", "samples"))


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
        raise UserError(f"--set expects KEY=VALUE, got {assignment!r}")
    overlay: dict = yaml.safe_load(value)
    for part in reversed(key.split(".")):
        overlay = {part: overlay}
    return overlay


def overlay(name: str) -> dict:
    """The profile's keys, on top of the profile it ``extends`` (if any)."""
    path = PROFILES / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in PROFILES.glob("*.yaml")))
        raise UserError(f"unknown profile '{name}' (known: {known})")
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


def _git(where: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(where), *args], capture_output=True, text=True)
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise UserError(f"git {' '.join(args[:2])} in {where}: {last}")
    return done.stdout.strip()


def rebased(params: dict, root: Path, workspace: Path) -> dict:
    """``params`` with the relative paths of ``PATH_KEYS`` that exist under ``root`` made relative to
    ``workspace``, so both name the same file."""
    out = dict(params)
    for section, key in PATH_KEYS:
        value = (out.get(section) or {}).get(key)
        if isinstance(value, str) and not os.path.isabs(value) and (root / value).exists():
            out[section] = {**out[section], key: os.path.relpath(root / value, workspace)}
    return out


def workspace(name: str, root: Path = ROOT, sets: Sequence[str] = ()) -> Path:
    """Create or update ``root/.workspaces/<name>`` with the current code and the profile's params; its
    ``dvc.lock`` and outputs survive the update. Returns its path."""
    params = resolved(name, root / "params.yaml", sets)  # a bad profile stops before anything is written
    if not (root / ".git").exists():
        raise UserError(f"{root} is not a git checkout: a profile runs in a git worktree of it")
    ws = root / WORKSPACES / name
    # the working tree's tracked files, uncommitted changes too, as a dangling commit (named, so git needs no
    # identity of the user's)
    code = _git(root, *IDENTITY, "stash", "create") or _git(root, "rev-parse", "HEAD")
    if (ws / ".git").exists():
        lock = (ws / "dvc.lock").read_bytes() if (ws / "dvc.lock").exists() else None
        _git(ws, "checkout", "--quiet", "--force", "--detach", code)
        if lock is not None:
            (ws / "dvc.lock").write_bytes(lock)  # the profile's own record, not the default's
    else:
        _git(root, "worktree", "prune")  # a workspace folder deleted by hand leaves its registration behind
        _git(root, "worktree", "add", "--quiet", "--detach", str(ws), code)
    for path in _git(root, "ls-files", "--others", "--exclude-standard", "-z").split("\0"):
        if path and not path.startswith(f"{WORKSPACES}/"):
            (ws / path).parent.mkdir(parents=True, exist_ok=True)
            (ws / path).unlink(missing_ok=True)
            shutil.copy2(root / path, ws / path, follow_symlinks=False)  # a link stays a link
    cache = os.path.relpath(root / ".dvc" / "cache", ws / ".dvc")  # relative to the config file's folder
    (ws / ".dvc" / "config.local").write_text(f"[cache]\n    dir = {cache}\n")
    header = (
        f"# Generated by `python -m tools.apply_profile {name}` from params.yaml and experiments/profiles/"
        f"{name}.yaml{' with --set ' + ' '.join(sets) if sets else ''}; edit those, not this file.\n"
    )
    target = ws / "params.yaml"
    target.write_text(header + yaml.safe_dump(rebased(params, root, ws), sort_keys=False))
    config.load(target)  # the result must be a valid params file
    return ws


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override one key")
    p.add_argument("--print", action="store_true", help="print the resolved params; create no workspace")
    args = p.parse_args()
    if args.print:
        print(yaml.safe_dump(resolved(args.name, ROOT / "params.yaml", args.set), sort_keys=False), end="")
        return
    ws = workspace(args.name, ROOT, args.set)
    print(f"profile {args.name}: workspace {os.path.relpath(ws)} (run `dvc repro` there)", file=sys.stderr)
    print(ws)


if __name__ == "__main__":
    run(main)
