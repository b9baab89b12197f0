"""The one place that touches the network: fetch each catalog source's raw files into ``data/raw``.

Hub datasets are read with the ``datasets`` library (the ``hub`` extra) and written as JSON Lines, one file per
split; GitHub files are fetched at their pinned commit. Everything lands under ``<raw_dir>/<source.key>/`` so
the ``prepare`` stage reads the flame collection exactly as it reads staged real files, and DVC versions it.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from core.data.catalog import TaskSpec
from core.data.catalog.spec import Source


def source_files(source: Source, raw_dir: Path) -> list[Path]:
    """Where ``download`` puts a source's raw files (and ``prepare`` reads them)."""
    base = raw_dir / source.key
    if source.kind == "github":
        return [base / f for f in source.files]
    if source.configs:
        return [base / c / f"{split}.jsonl" for c in source.configs for split in source.splits]
    return [base / f"{split}.jsonl" for split in source.splits]


def raw_files(task: TaskSpec, raw_dir: Path) -> list[Path]:
    return source_files(task.source, raw_dir)


def document_files(task: TaskSpec, raw_dir: Path) -> list[Path]:
    return source_files(task.documents.source, raw_dir) if task.documents else []


def _hub(source: Source, split: str, out: Path) -> None:
    from datasets import load_dataset  # the `hub` extra; imported only when downloading

    ds = load_dataset(
        source.repo, source.config, data_dir=source.data_dir, split=split, revision=source.revision
    )
    ds.to_json(str(out), lines=True, force_ascii=False)


def _github(source: Source, path: str, out: Path) -> None:
    url = f"https://raw.githubusercontent.com/{source.repo}/{source.revision or 'main'}/{path}"
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - fixed https host
        out.write_bytes(response.read())


def download(
    tasks: Sequence[TaskSpec],
    raw_dir: Path,
    *,
    fetch_hub: Callable[[Source, str | None, str, Path], None] = _hub,
    fetch_github: Callable[[Source, str, Path], None] = _github,
) -> list[Path]:
    """Fetch every file the tasks need that is not already present; returns the files fetched. A partial
    download is never left behind under the final name."""
    fetched = []
    sources = [t.source for t in tasks] + [t.documents.source for t in tasks if t.documents]
    for source in dict.fromkeys(sources):
        for target in source_files(source, raw_dir):
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".partial")
            if source.kind == "hub":
                config = target.parent.name if source.configs else source.config
                fetch_hub(source, config, target.name.removesuffix(".jsonl"), partial)
            else:
                fetch_github(source, target.relative_to(raw_dir / source.key).as_posix(), partial)
            partial.rename(target)
            fetched.append(target)
    return fetched
