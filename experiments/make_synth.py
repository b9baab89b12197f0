"""Stage ``synth``: generate the embedded synthetic collection and held-out suites."""

from __future__ import annotations

import json
import time
from pathlib import Path

from core.data.synth.build import build
from experiments.common import DATA_DIR, load_params, parser


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--out", type=Path, default=DATA_DIR)
    args = p.parse_args()
    params = load_params(args.params)
    t0 = time.perf_counter()
    catalog = build(params.synth, params.seed, args.out)
    n = sum(sum(t["examples"].values()) for t in catalog["tasks"].values())
    print(
        f"synth: {len(catalog['tasks'])} tasks, {n} examples, suites "
        f"{json.dumps({k: v['examples'] for k, v in catalog['suites'].items()})}, "
        f"leak check {catalog['leak_check']} in {time.perf_counter() - t0:.1f}s"
    )


if __name__ == "__main__":
    main()
