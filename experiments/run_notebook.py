"""Stage ``report@<name>``: render notebook ``params.reports.<name>`` into ``reports/<name>/`` with papermill.

A notebook receives folders and the run registry, never lists of files: each name its parameters cell declares
is filled from :func:`registry` (the evaluated models, suites and controls of params.yaml, the artifact
folders), so adding a model to ``eval.models`` adds it to every table without touching a notebook.
"""

from __future__ import annotations

from pathlib import Path

import papermill as pm

from core import config
from core.errors import UserError
from experiments.common import (
    BIAS,
    CODE,
    COMPARED,
    DATA_DIR,
    EVAL,
    EXECUTED,
    PAPER,
    REPORTS,
    STATS,
    TAILPATCH,
    TRAIN_LOGS,
    parsed,
    parser,
    run,
    select,
)


def registry(params: config.Params, name: str) -> dict:
    """Every value a report notebook may declare as a parameter, from params.yaml and the standard paths."""
    return {
        "data_dir": str(DATA_DIR),
        "catalog": str(DATA_DIR / "catalog.json"),
        "stats": str(STATS),
        "eval_dir": str(EVAL),
        "bias_dir": str(BIAS),
        "code_dir": str(CODE),
        "train_logs": str(TRAIN_LOGS),
        "tailpatch_dir": str(TAILPATCH),
        "paper": str(PAPER),
        "out": str(REPORTS / name),
        "models": list(params.eval.models),
        "suites": list(params.eval.suites),
        "controls": [f"control_{c}" for c in params.eval.controls],
        "judges": [*params.bias.models, *(f"control_{c}" for c in params.bias.controls)],
        "code_models": list(params.code.models),
        "curve_runs": [r for r, cfg in params.train.items() if cfg.eval_every > 0],
        "a": COMPARED[0],
        "b": COMPARED[1],
    }


def notebook_parameters(params: config.Params, name: str) -> tuple[Path, dict]:
    """The report's notebook and the registry values of the names it declares; a name the registry lacks
    fails."""
    report = select(params.reports, name, "report")
    path = Path("notebooks") / f"{report.notebook}.ipynb"
    if not path.exists():
        raise UserError(f"params.yaml reports.{name}: notebook {path} does not exist")
    values = registry(params, name)
    declared = pm.inspect_notebook(str(path))
    unknown = sorted(set(declared) - set(values))
    if unknown:
        raise UserError(
            f"{path}: parameter '{unknown[0]}' is not one the run registry provides ({', '.join(values)})"
        )
    return path, {k: values[k] for k in declared}


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--name", required=True)
    p.add_argument("--kernel", default="python3")
    args, params = parsed(p)
    notebook, parameters = notebook_parameters(params, args.name)
    out = REPORTS / args.name
    out.mkdir(parents=True, exist_ok=True)
    EXECUTED.mkdir(parents=True, exist_ok=True)
    pm.execute_notebook(
        str(notebook),
        str(EXECUTED / notebook.name),
        parameters=parameters,
        kernel_name=args.kernel,
        cwd=str(Path.cwd()),
        progress_bar=False,
    )
    written = sorted(p.name for p in out.iterdir())
    if not written:
        raise UserError(f"notebook {notebook} wrote nothing to {out}")
    print(f"report {args.name}: wrote {', '.join(written)} to {out}")


if __name__ == "__main__":
    run(main)
