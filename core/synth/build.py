"""Generate the synth collection: training tasks, held-out suites, the catalog, and a leak check."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from core.config import SynthConfig
from core.data.formats import render
from core.data.schema import Record, write_jsonl
from core.rng import generator
from core.synth import suites, tasks
from core.synth.pools import pools


class LeakError(AssertionError):
    """A held-out string occurs in training data."""


def task_records(
    task: tasks.SynthTask, n: int, noise: float, seed: int, validation_fraction: float
) -> dict[str, list[Record]]:
    """``n`` examples of one task split into train / validation; labels corrupted with prob. ``noise``."""
    rng = generator(seed, "synth", task.name)
    train_pools = pools("train")
    n_val = int(round(n * validation_fraction))
    out: dict[str, list[Record]] = {"train": [], "validation": []}
    for i in range(n):
        title, description = task.instructions[int(rng.integers(len(task.instructions)))]
        built = task.build(rng, train_pools)
        target = built.target
        noisy = False
        if noise > 0 and built.label_space is not None and rng.random() < noise:
            wrong = [x for x in built.label_space if x != target[0][1]]
            target = ((target[0][0], wrong[int(rng.integers(len(wrong)))]),) + target[1:]
            noisy = True
        split = "validation" if i < n_val else "train"
        out[split].append(
            Record(
                task=task.name,
                split=split,
                example_id=f"{task.name}-{i:06d}",
                kind=task.kind,
                capability=task.capability,
                title=title,
                description=description,
                context=built.context,
                target=target,
                label_space=built.label_space,
                meta={"atoms": list(built.atoms), "noisy": noisy},
            )
        )
    return out


_WORD = re.compile(r"[A-Za-z0-9_']+")


def check_no_leak(train: Iterable[Record], heldout: Iterable[Record]) -> dict[str, int]:
    """Fail when any held-out atom (name, number, combination) or context sentence occurs in training text.

    Single-word atoms are matched as whole words; multi-word atoms and held-out sentences as substrings of
    the rendered training text (stricter than word matching).
    """
    texts = ["\n".join(render(r)) for r in train]
    words = set()
    for t in texts:
        words.update(_WORD.findall(t))
    blob = "\n".join(texts)
    atoms, sentences = set(), set()
    for r in heldout:
        atoms.update(r.meta.get("atoms", ()))
        for label, value in r.context:
            if label.startswith("response") or label == "claim":
                sentences.add(value)
    single = {a for a in atoms if _WORD.fullmatch(a)}
    leaks = sorted(a for a in single if a in words)
    leaks += sorted(a for a in atoms - single if a in blob)
    leaks += sorted(s for s in sentences if s in blob)
    if leaks:
        raise LeakError(f"{len(leaks)} held-out strings occur in training data, e.g. {leaks[:5]}")
    return {"atoms_checked": len(atoms), "sentences_checked": len(sentences), "training_words": len(words)}


def build(cfg: SynthConfig, seed: int, out_dir: str | Path) -> dict:
    """Write ``tasks/<task>/<split>.jsonl``, ``suites/<suite>.jsonl`` and ``catalog.json`` under out_dir."""
    out_dir = Path(out_dir)
    catalog = {"collection": "synth", "tasks": {}, "suites": {}}
    all_train: list[Record] = []
    for name, task_cfg in cfg.tasks.items():
        task = tasks.get(name)
        splits = task_records(task, task_cfg.examples, task_cfg.noise, seed, cfg.validation_fraction)
        counts = {}
        for split, records in splits.items():
            counts[split] = write_jsonl(out_dir / "tasks" / name / f"{split}.jsonl", records)
        all_train += splits["train"] + splits["validation"]
        catalog["tasks"][name] = {
            "kind": task.kind,
            "capability": task.capability,
            "stands_for": task.stands_for,
            "effects": task.effects,
            "noise": task_cfg.noise,
            "examples": counts,
        }
    heldout: list[Record] = []
    sizes = {"rewardbench": cfg.rewardbench_per_subset, "aggrefact": cfg.aggrefact_per_dataset}
    for suite, make in suites.SUITES.items():
        records = make(seed, sizes[suite])
        write_jsonl(out_dir / "suites" / f"{suite}.jsonl", records)
        heldout += records
        subsets: dict[str, int] = {}
        for r in records:
            subsets[r.meta["subset"]] = subsets.get(r.meta["subset"], 0) + 1
        catalog["suites"][suite] = {"examples": len(records), "subsets": subsets}
    catalog["leak_check"] = check_no_leak(all_train, heldout)
    (out_dir / "catalog.json").write_text(json.dumps(catalog, indent=2, sort_keys=True))
    return catalog
