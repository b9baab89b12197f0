"""Run metadata stored next to every artifact: what code, params and libraries produced it."""

from __future__ import annotations

import importlib.metadata
import json
import platform
import subprocess
from pathlib import Path
from typing import Any

from core.rng import sha256_hex

_LIBRARIES = ("jax", "jaxlib", "flax", "optax", "grain", "orbax-checkpoint", "numpy", "tokenizers")


def git_commit(cwd: str | Path = ".") -> str:
    """The current commit, with ``-dirty`` when the work tree has changes; ``unknown`` outside git."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + ("-dirty" if dirty else "")


def library_versions() -> dict[str, str]:
    out = {}
    for name in _LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def config_hash(obj: Any) -> str:
    """Content hash of a JSON-able object (sorted keys), used to tie artifacts to their params."""
    return sha256_hex(json.dumps(obj, sort_keys=True, default=str))


def record(**extra: Any) -> dict[str, Any]:
    """Provenance block: git commit, library versions, python and platform, plus caller fields."""
    return {
        "git_commit": git_commit(),
        "libraries": library_versions(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        **extra,
    }
