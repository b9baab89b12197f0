"""Per-stage wall times of the last ``dvc repro``, read back from its outputs: DVC runs stages one after another
and logs no times, so a stage's time is the newest modification time among its outputs minus the previous
stage's. A stage that was skipped (unchanged) shows the time since the one before it, so run this after a
repro from scratch; the first stage's start is ``--since`` (a Unix time, e.g. ``date +%s`` before the run)
or, without it, its own end (0 s).

    python -m tools.stage_times [--since 1764700000] [--lock dvc.lock]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from core.errors import UserError
from experiments.common import run


def newest_mtime(path: Path) -> float | None:
    """The newest modification time of a file, or of any file under a folder (None if absent)."""
    if path.is_file():
        return path.stat().st_mtime
    if not path.is_dir():
        return None
    times = [p.stat().st_mtime for p in path.rglob("*") if p.is_file()]
    return max(times, default=path.stat().st_mtime)


def stage_ends(lock: dict, root: Path, stages: set[str] | None = None) -> list[tuple[str, float]]:
    """(stage, end time) for every stage of a dvc.lock with at least one output present, in end order; with
    ``stages``, only those (a lock keeps entries of stages the pipeline no longer has)."""
    ends = []
    for name, stage in (lock.get("stages") or {}).items():
        if stages is not None and name not in stages:
            continue
        times = [newest_mtime(root / out["path"]) for out in stage.get("outs", [])]
        times = [t for t in times if t is not None]
        if times:
            ends.append((name, max(times)))
    return sorted(ends, key=lambda item: item[1])


def durations(ends: list[tuple[str, float]], since: float | None) -> list[tuple[str, float]]:
    """Each stage's time: its end minus the previous end (the first: minus ``since``, or 0)."""
    out, previous = [], since
    for name, end in ends:
        out.append((name, end - previous if previous is not None else 0.0))
        previous = end
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lock", type=Path, default=Path("dvc.lock"))
    p.add_argument("--since", type=float, help="Unix time the repro started")
    args = p.parse_args()
    if not args.lock.is_file():
        raise UserError(f"{args.lock}: no dvc.lock here (run `dvc repro` first)")
    lock = yaml.safe_load(args.lock.read_text())
    from dvc.repo import Repo  # the pipeline's stage names, foreach / matrix expanded

    current = {s.addressing for s in Repo(str(args.lock.parent)).index.stages}
    rows = durations(stage_ends(lock, args.lock.parent, current), args.since)
    total = sum(d for _, d in rows)
    for name, d in rows:
        print(f"{name:45s} {d:8.1f} s")
    print(f"{'total':45s} {total:8.1f} s ({total / 60:.1f} min)")


if __name__ == "__main__":
    run(main)
