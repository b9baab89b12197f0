"""Stage ``notebook@<name>``: execute a notebook with papermill, injecting params.notebooks.<name>."""

from __future__ import annotations

from pathlib import Path

import papermill as pm

from core.errors import UserError
from experiments.common import load_params, parser, run, select

EXECUTED = Path("reports/executed")


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--name", required=True)
    p.add_argument("--kernel", default="python3")
    args = p.parse_args()
    params = load_params(args.params)
    nb = select(params.notebooks, args.name, "notebook")
    for out in nb.outputs:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
    EXECUTED.mkdir(parents=True, exist_ok=True)
    pm.execute_notebook(
        nb.notebook,
        str(EXECUTED / Path(nb.notebook).name),
        parameters=dict(nb.parameters),
        kernel_name=args.kernel,
        cwd=str(Path.cwd()),
        progress_bar=False,
    )
    missing = [o for o in nb.outputs if not Path(o).exists()]
    if missing:
        raise UserError(f"notebook {nb.notebook} did not write {missing}")
    print(f"notebook {args.name}: wrote {', '.join(nb.outputs)}")


if __name__ == "__main__":
    run(main)
