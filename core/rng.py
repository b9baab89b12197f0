"""Stable seed derivation.

Every random component (data generation per task, mixture selection, parameter init, dropout, eval
subsampling) gets its own seed derived from the master seed and a tuple of names, so that adding a task or a
stage never shifts the randomness of another. Python's ``hash()`` is salted per process and is never used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np


def derive(seed: int, *names: object) -> int:
    """A 63-bit seed from ``seed`` and any number of names (strings or ints)."""
    h = hashlib.sha256(str(int(seed)).encode())
    for name in names:
        h.update(b"\x1f")
        h.update(str(name).encode())
    return int.from_bytes(h.digest()[:8], "little") >> 1


def generator(seed: int, *names: object) -> np.random.Generator:
    """A numpy generator seeded by :func:`derive`."""
    return np.random.Generator(np.random.PCG64(derive(seed, *names)))


def sha256_hex(data: str | bytes, length: int = 16) -> str:
    """Short hex content hash used for ids and provenance."""
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()[:length]


def digest_files(files: Mapping[str, bytes]) -> str:
    """sha256 of named file contents (names sorted): the identity of a multi-file artifact (a tokenizer)."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()
