"""Mixture ablations as DVC experiments.

``run``: for every value of the chosen sweeps (``experiments/configs/ablations.yaml``: cap K, temperature,
leaving out a capability or a task type), ``dvc exp run --temp -n abl-<sweep>-<value> -S <param>=<value>
<target>`` one after the other, plus an ``abl-baseline`` run with only the ``--set`` overrides, so every row
compares against a run trained the same way. The workspace is left untouched; an experiment whose name
already exists at the current commit is skipped, so an interrupted sweep continues where it stopped.
``report``: ``dvc exp show --json`` over every commit (``--this-commit``: the current one only) ->
``artifacts/ablations/exp_show.json`` and the ablation notebook (table + figure in ``reports/``). Experiments
stay attached to the commit they ran from, so each is compared with the baseline run of its own commit.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import papermill as pm
import yaml

SWEEPS = Path("experiments/configs/ablations.yaml")
OUT = Path("artifacts/ablations")
NOTEBOOK = Path("notebooks/ablations.ipynb")
EXECUTED = Path("reports/executed")
TABLE = Path("reports/ablations/ablations.md")
FIGURE = Path("reports/ablations/ablations.png")
PREFIX = "abl-"


def load_sweeps(path: Path = SWEEPS) -> dict:
    cfg = yaml.safe_load(path.read_text())
    for name, sweep in cfg.get("sweeps", {}).items():
        missing = {"param", "values"} - set(sweep)
        if missing:
            raise SystemExit(f"{path}: sweep '{name}' lacks {sorted(missing)}")
        if not sweep["values"]:
            raise SystemExit(f"{path}: sweep '{name}' has no values")
    if "target" not in cfg:
        raise SystemExit(f"{path}: no 'target' stage")
    return cfg


def exp_name(sweep: str, value) -> str:
    """A git-ref-safe experiment name: abl-<sweep>-<value>, lists joined by '+'."""
    text = "+".join(map(str, value)) if isinstance(value, list) else str(value)
    return PREFIX + re.sub(r"[^A-Za-z0-9_+-]", "p", f"{sweep}-{text}")


def _has_key(tree: dict, dotted: str) -> bool:
    for part in dotted.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return False
        tree = tree[part]
    return True


def assignment(key: str, value: str, params: dict) -> str:
    """``key=value`` for ``dvc exp run -S``; a key params.yaml leaves at its default gets Hydra's ``+`` (DVC
    refuses to override a key the file does not have)."""
    return f"{'' if _has_key(params, key) else '+'}{key}={value}"


def plan(
    cfg: dict, sweeps: Sequence[str], overrides: Sequence[str], params: dict
) -> list[tuple[str, list[str]]]:
    """(experiment name, its ``-S`` assignments) for the baseline and every value of ``sweeps``."""
    unknown = [s for s in sweeps if s not in cfg["sweeps"]]
    if unknown:
        raise SystemExit(f"unknown sweep '{unknown[0]}' (defined: {', '.join(cfg['sweeps'])})")
    bad = [o for o in overrides if "=" not in o]
    if bad:
        raise SystemExit(f"--set takes key=value, got '{bad[0]}'")
    fixed = [assignment(*o.split("=", 1), params) for o in overrides]
    runs = [(f"{PREFIX}baseline", fixed)]
    for s in sweeps:
        sweep = cfg["sweeps"][s]
        for v in sweep["values"]:
            runs.append((exp_name(s, v), [*fixed, assignment(sweep["param"], json.dumps(v), params)]))
    return runs


def command(target: str, name: str, assignments: Sequence[str]) -> list[str]:
    return ["dvc", "exp", "run", "--temp", "-n", name, *(a for s in assignments for a in ("-S", s)), target]


def existing_names() -> set[str]:
    out = subprocess.run(["dvc", "exp", "list", "--name-only"], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def run(args: argparse.Namespace) -> None:
    cfg = load_sweeps(args.sweeps)
    runs = plan(cfg, args.sweep or list(cfg["sweeps"]), args.set, yaml.safe_load(args.params.read_text()))
    done = set() if args.dry_run else existing_names()
    for i, (name, assignments) in enumerate(runs, 1):
        cmd = command(cfg["target"], name, assignments)
        if name in done:
            print(f"[{i}/{len(runs)}] {name}: exists, skipped (dvc exp remove {name} to rerun)")
            continue
        print(f"[{i}/{len(runs)}] {' '.join(cmd)}", flush=True)
        if not args.dry_run and subprocess.run(cmd).returncode != 0:
            raise SystemExit(f"experiment {name} failed; fix it and rerun (finished experiments are kept)")


def report(args: argparse.Namespace) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    scope = [] if args.this_commit else ["--all-commits"]
    shown = subprocess.run(
        ["dvc", "exp", "show", "--json", *scope], capture_output=True, text=True, check=True
    )
    (OUT / "exp_show.json").write_text(shown.stdout)
    EXECUTED.mkdir(parents=True, exist_ok=True)
    parameters = {"exp_show": str(OUT / "exp_show.json"), "figure": str(FIGURE), "table": str(TABLE)}
    pm.execute_notebook(
        str(NOTEBOOK), str(EXECUTED / NOTEBOOK.name), parameters=parameters, progress_bar=False
    )
    print(TABLE.read_text())


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="action", required=True)
    r = sub.add_parser("run", help="run the sweeps as DVC experiments")
    r.add_argument("--sweep", action="append", help="a sweep of the config (repeatable; default: all)")
    r.add_argument(
        "--set", action="append", default=[], help="key=value added to every run, e.g. train.flame.steps=750"
    )
    r.add_argument("--sweeps", type=Path, default=SWEEPS)
    r.add_argument("--params", type=Path, default=Path("params.yaml"))
    r.add_argument("--dry-run", action="store_true", help="print the commands only")
    rep = sub.add_parser("report", help="collect dvc exp show and render the ablation notebook")
    rep.add_argument("--this-commit", action="store_true", help="only the experiments of the current commit")
    args = p.parse_args(argv)
    (run if args.action == "run" else report)(args)


if __name__ == "__main__":
    main(sys.argv[1:])
