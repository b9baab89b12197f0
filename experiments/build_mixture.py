"""Stage ``mixture@<name>``: compute a MixtureSpec from the per-task statistics (examples or tokens)."""

from __future__ import annotations

import json
from pathlib import Path

from core.mixture.spec import build
from experiments.common import DATA_DIR, MIXTURES, STATS, parsed, parser, run, select


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--name", required=True)
    p.add_argument("--stats", type=Path, default=STATS)
    p.add_argument("--out", type=Path)
    args, params = parsed(p)
    stats = json.loads(args.stats.read_text())
    sizes = {t: s["examples"] for t, s in stats.items()}
    tokens = {t: s["tokens"] for t, s in stats.items()}
    catalog = json.loads((DATA_DIR / "catalog.json").read_text())["tasks"]
    spec = build(args.name, select(params.mixtures, args.name, "mixture"), sizes, tokens, catalog)
    out = args.out or MIXTURES / f"{args.name}.json"
    spec.save(out)
    top = sorted(spec.proportions.items(), key=lambda kv: -kv[1])[:5]
    print(
        f"mixture {args.name}: {len(spec.rates)} tasks, sha {spec.sha}, top "
        + ", ".join(f"{t} {p:.3f}" for t, p in top)
    )


if __name__ == "__main__":
    run(main)
