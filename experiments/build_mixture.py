"""Stage ``mixture@<name>``: compute a MixtureSpec from the collection's task sizes."""

from __future__ import annotations

from pathlib import Path

from core.data.collection import training_sizes
from core.mixture.spec import build
from experiments.common import DATA_DIR, MIXTURES, load_params, parser, select


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--name", required=True)
    p.add_argument("--data", type=Path, default=DATA_DIR)
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    params = load_params(args.params)
    spec = build(args.name, select(params.mixtures, args.name, "mixture"), training_sizes(args.data))
    out = args.out or MIXTURES / f"{args.name}.json"
    spec.save(out)
    top = sorted(spec.proportions.items(), key=lambda kv: -kv[1])[:5]
    print(
        f"mixture {args.name}: {len(spec.rates)} tasks, sha {spec.sha}, top "
        + ", ".join(f"{t} {p:.3f}" for t, p in top)
    )


if __name__ == "__main__":
    main()
