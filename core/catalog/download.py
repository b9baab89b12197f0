"""The one place that touches the network: fetch each catalog source's raw files into ``data/raw``.

Hub datasets are read with the ``datasets`` library (the ``hub`` extra) and written as JSON Lines, one file per
split; GitHub files are fetched at their pinned commit; archives the authors host elsewhere are fetched once,
checked against their pinned digest, and the listed members extracted (never anything outside the folder). Everything lands under ``<raw_dir>/<source.key>/`` so
the ``prepare`` stage reads the flame collection exactly as it reads staged real files, and DVC versions it.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

from core.catalog import TaskSpec
from core.catalog.spec import Source


def source_files(source: Source, raw_dir: Path) -> list[Path]:
    """Where ``download`` puts a source's raw files (and ``prepare`` reads them)."""
    base = raw_dir / source.key
    if source.kind in ("github", "archive"):
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


def github_url(source: Source, path: str) -> str:
    """The file's download address: raw content, or the LFS media host for files stored with Git LFS."""
    host = "https://media.githubusercontent.com/media" if source.lfs else "https://raw.githubusercontent.com"
    return f"{host}/{source.repo}/{source.revision or 'main'}/{urllib.parse.quote(path)}"


def _github(source: Source, path: str, out: Path) -> None:
    url = github_url(source, path)
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - fixed https host
        out.write_bytes(response.read())


def _fetch_url(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=300) as response:  # noqa: S310 - catalog-pinned https hosts
        return response.read()


def extract_members(source: Source, blob: bytes, base: Path) -> list[Path]:
    """Write the archive members ``source.files`` names under ``base`` (or, for a single listed file that is
    no archive, the download itself); a digest mismatch, a missing member or a member path leaving ``base`` is
    an error naming it."""
    if source.sha256 and hashlib.sha256(blob).hexdigest() != source.sha256:
        raise ValueError(f"{source.url}: sha256 differs from the catalog's pinned {source.sha256}")
    members: dict[str, bytes] = {}
    if zipfile.is_zipfile(io.BytesIO(blob)):
        with zipfile.ZipFile(io.BytesIO(blob)) as z:
            names = z.namelist()
            members = {n: z.read(n) for n in names if n in source.files}
    elif tarfile.is_tarfile(io.BytesIO(blob)):
        with tarfile.open(fileobj=io.BytesIO(blob)) as t:
            names = [m.name for m in t.getmembers() if m.isfile()]
            for m in t.getmembers():
                if m.isfile() and m.name in source.files:
                    members[m.name] = t.extractfile(m).read()
    elif len(source.files) == 1:  # a single published file (a CSV on a file host), kept under its name
        names = list(source.files)
        members = {source.files[0]: blob}
    else:
        raise ValueError(
            f"{source.url}: neither a zip nor a tar archive, but {len(source.files)} files are listed"
        )
    written = []
    for name in source.files:
        if name not in members:
            raise FileNotFoundError(
                f"{source.url}: the archive has no member '{name}' (it has {sorted(names)})"
            )
        if PurePosixPath(name).is_absolute() or ".." in PurePosixPath(name).parts:
            raise ValueError(f"{source.url}: member '{name}' would leave the raw folder")
        target = base / name
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(members[name])
        partial.rename(target)
        written.append(target)
    return written


def download(
    tasks: Sequence[TaskSpec],
    raw_dir: Path,
    *,
    fetch_hub: Callable[[Source, str | None, str, Path], None] = _hub,
    fetch_github: Callable[[Source, str, Path], None] = _github,
    fetch_url: Callable[[str], bytes] = _fetch_url,
) -> list[Path]:
    """Fetch every file the tasks need that is not already present; returns the files fetched. A partial
    download is never left behind under the final name."""
    fetched = []
    sources = [t.source for t in tasks] + [t.documents.source for t in tasks if t.documents]
    for source in dict.fromkeys(sources):
        if source.kind == "archive":
            if not all(t.exists() for t in source_files(source, raw_dir)):
                fetched += extract_members(source, fetch_url(source.url), raw_dir / source.key)
            continue
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
