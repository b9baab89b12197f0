"""Resolve a params file against what its collection, catalog and model presets define, without preparing or
downloading anything: every task, suite, mixture, run and model it names must exist, and every selector must
match. A profile that cannot run fails here (in CI) rather than hours into a run on a TPU.

Task lists that mean "all training tasks" or "these capabilities" are written as selectors in profiles,
``tailpatch: {tasks: {select: all}}`` or ``{select: {capabilities: [safety]}}``; ``expand`` turns them into
the task names DVC needs to expand one stage per task.

    python -m tools.resolve [--params params.yaml]
"""

from __future__ import annotations

from core import config
from core.catalog import CATALOG, flame_tasks
from core.modeling import gguf
from core.modeling.config import PRESETS
from core.synth.tasks import TASKS as SYNTH_TASKS
from experiments.common import parser, run

SYNTH_SUITES = ("rewardbench", "aggrefact")
CONTROLS = ("always_first", "prefer_longer", "prefer_shorter")


def training_tasks(collection: str, synth_tasks: dict | None = None) -> dict[str, dict[str, str]]:
    """Task name -> its dataset, capability and kind, for the collection's training tasks."""
    if collection == "synth":
        known = {t.name: t for t in SYNTH_TASKS}
        names = list(synth_tasks) if synth_tasks is not None else list(known)
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(f"synth.tasks names unknown synthetic task '{unknown[0]}'")
        return {n: _info(known[n].stands_for, known[n].capability, known[n].kind) for n in names}
    tasks = [t for t in CATALOG if t.local is not None] if collection == "real-mini" else flame_tasks()
    return {t.name: _info(t.dataset, t.capability, t.kind) for t in tasks if t.role == "train"}


def _info(dataset: str, capability: str, kind: str) -> dict[str, str]:
    return {"dataset": dataset, "capability": capability, "kind": kind}


def suites(collection: str, heldin_per_task: int) -> set[str]:
    if collection == "synth":
        return set(SYNTH_SUITES)
    tasks = [t for t in CATALOG if t.local is not None] if collection == "real-mini" else flame_tasks()
    out = {t.suite for t in tasks if t.role == "eval"}
    return out | ({"heldin"} if heldin_per_task > 0 else set())


def select(tasks: dict[str, dict[str, str]], selector) -> list[str]:
    """``all``, or ``{capabilities: [...], datasets: [...], kinds: [...]}`` -> matching task names (sorted)."""
    if selector == "all":
        return sorted(tasks)
    if (
        not isinstance(selector, dict)
        or not selector
        or set(selector) - {"capabilities", "datasets", "kinds"}
    ):
        raise ValueError(
            f"a task selector is 'all' or a mapping of capabilities / datasets / kinds, got {selector!r}"
        )
    fields = {"capabilities": "capability", "datasets": "dataset", "kinds": "kind"}
    chosen = sorted(tasks)
    for key, values in selector.items():
        present = {tasks[t][fields[key]] for t in chosen}
        missing = sorted(set(values) - present)
        if missing:
            raise ValueError(f"task selector {key} '{missing[0]}' matches no training task")
        chosen = [t for t in chosen if tasks[t][fields[key]] in values]
    return chosen


def expand(raw: dict) -> dict:
    """A raw params mapping with its task selectors (``{select: ...}``) replaced by task names."""
    tailpatch = raw.get("tailpatch") or {}
    selector = tailpatch.get("tasks")
    if isinstance(selector, dict) and set(selector) == {"select"}:
        collection = (raw.get("collection") or {}).get("name", "synth")
        synth = ((raw.get("synth") or {}).get("tasks")) if collection == "synth" else None
        names = select(training_tasks(collection, synth), selector["select"])
        raw = {**raw, "tailpatch": {**tailpatch, "tasks": names}}
    return raw


def problems(params: config.Params) -> list[str]:
    """Every name in ``params`` that does not resolve, as readable lines (empty: the profile can run)."""
    out: list[str] = []
    c = params.collection
    try:
        tasks = training_tasks(c.name, params.synth.tasks if c.name == "synth" else None)
    except ValueError as err:
        return [str(err)]
    available = suites(c.name, c.heldin_per_task)
    for name, mix in params.mixtures.items():
        for field, values in (("tasks", mix.tasks), ("exclude", mix.exclude)):
            out += [f"mixtures.{name}.{field}: unknown task '{t}'" for t in values if t not in tasks]
        selectors = [
            ("datasets", "dataset", mix.datasets),
            ("capabilities", "capability", mix.capabilities),
            ("exclude_capabilities", "capability", mix.exclude_capabilities),
            ("exclude_kinds", "kind", mix.exclude_kinds),
        ]
        for field, key, values in selectors:
            present = {info[key] for info in tasks.values()}
            out += [
                f"mixtures.{name}.{field}: no training task has {key} '{v}'"
                for v in values
                if v not in present
            ]
        if mix.rate == "weights":
            out += [f"mixtures.{name}.weights: unknown task '{t}'" for t in mix.weights if t not in tasks]
    out += [f"tailpatch.tasks: unknown task '{t}'" for t in params.tailpatch.tasks if t not in tasks]
    for key, suite in [("tailpatch.suite", params.tailpatch.suite), ("bias.suite", params.bias.suite)] + [
        ("eval.suites", s) for s in params.eval.suites
    ]:
        if suite not in available:
            out.append(
                f"{key}: collection '{c.name}' has no suite '{suite}' (it has {', '.join(sorted(available))})"
            )
    m = params.model
    if (
        m.base is not None
        and m.base not in gguf.KNOWN
        and m.base not in {k.package for k in gguf.KNOWN.values()}
    ):
        out.append(f"model.base: unknown checkpoint '{m.base}' (known: {', '.join(gguf.KNOWN)})")
    if m.preset not in PRESETS:
        out.append(f"model.preset: unknown preset '{m.preset}'")
    runs = set(params.train)
    for model in (*params.eval.models, *params.bias.models, *params.code.models):
        if model not in runs | {"base"}:
            out.append(
                f"evaluated model '{model}' is neither 'base' nor a train run ({', '.join(sorted(runs))})"
            )
    out += [f"bias.controls: unknown control '{c}'" for c in params.bias.controls if c not in CONTROLS]
    return out


def main() -> None:
    args = parser(__doc__).parse_args()
    found = problems(config.load(args.params))
    if found:
        raise SystemExit(f"{args.params}: {len(found)} name(s) do not resolve:\n  " + "\n  ".join(found))
    print(f"{args.params}: every task, suite, mixture, run and model resolves")


if __name__ == "__main__":
    run(main)
