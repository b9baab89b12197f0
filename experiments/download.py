"""Stage ``download``: fetch the raw files of the ``flame`` collection into ``data/raw`` (network). For the
offline collections it only records that nothing is needed."""

from __future__ import annotations

import json
from pathlib import Path

from core.catalog import flame_tasks
from core.catalog.download import download, raw_files
from experiments.common import parsed, parser, run


def main() -> None:
    p = parser(__doc__)
    args, params = parsed(p)
    raw = Path(params.collection.raw_dir)
    raw.mkdir(parents=True, exist_ok=True)
    if params.collection.name != "flame":
        files, fetched = [], []
    else:
        tasks = flame_tasks()
        fetched = download(tasks, raw)
        files = sorted({str(f) for t in tasks for f in raw_files(t, raw)})
    (raw / "MANIFEST.json").write_text(
        json.dumps({"collection": params.collection.name, "files": files}, indent=2) + "\n"
    )
    print(
        f"download: {len(fetched)} fetched, {len(files)} raw files for collection '{params.collection.name}'"
    )


if __name__ == "__main__":
    run(main)
