"""Stage ``prepare``: write the selected collection (``collection.name``) to ``data/collection`` in the record
layout: ``tasks/<task>/<split>.jsonl``, ``suites/<suite>.jsonl``, ``catalog.json``, ``quarantine.jsonl``."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from core.catalog import CATALOG, flame_tasks
from core.catalog.download import document_files, raw_files
from core.catalog.prepare import prepare, real_mini_files
from core.synth.build import build
from experiments.common import DATA_DIR, parsed, parser, run


def registry() -> list[dict]:
    """Every registered task (whatever the collection), for the Table 7 notebook."""
    return [
        {
            "task": t.name,
            "dataset": t.dataset,
            "citation": t.citation,
            "capability": t.capability,
            "kind": t.kind,
            "role": t.role,
            "license": t.license,
            "source": f"{t.source.kind}:{t.source.repo}",
        }
        for t in CATALOG
    ]


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--out", type=Path, default=DATA_DIR)
    p.add_argument("--no-progress", action="store_true")
    args, params = parsed(p)
    c = params.collection
    t0 = time.perf_counter()
    if args.out.exists():
        shutil.rmtree(args.out)
    if c.name == "synth":
        catalog = build(params.synth, params.seed, args.out)
    else:
        documents = None
        if c.name == "real-mini":
            tasks = [t for t in CATALOG if t.local is not None]
            root = Path(c.real_dir)
            files = real_mini_files(tasks, root)
        else:
            tasks, root = flame_tasks(), Path(c.raw_dir)
            files = {t.name: raw_files(t, root) for t in tasks}
            documents = {t.name: document_files(t, root) for t in tasks if t.documents}
        catalog = prepare(
            c.name,
            tasks,
            files,
            root,
            args.out,
            seed=params.seed,
            validation_fraction=c.validation_fraction,
            max_quarantine=c.max_quarantine,
            progress=not args.no_progress,
            documents=documents,
            heldin_per_task=c.heldin_per_task,
        )
    (args.out / "registry.json").write_text(json.dumps(registry(), indent=2) + "\n")
    n = sum(sum(t["examples"].values()) for t in catalog["tasks"].values())
    suites = json.dumps({k: v["examples"] for k, v in catalog["suites"].items()})
    print(
        f"prepare {c.name}: {len(catalog['tasks'])} tasks, {n} examples, suites {suites} "
        f"in {time.perf_counter() - t0:.1f}s"
    )


if __name__ == "__main__":
    run(main)
