"""Stage ``init_base``: the starting checkpoint FLAMe fine-tunes (the tiny profile: a seeded random init)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from core import provenance
from core.data.tokenizer import Tokenizer
from core.modeling.config import preset
from core.modeling.decoder import count_params, init_model
from core.training.checkpoint import export_model
from experiments.common import MODELS, TOKENIZER, load_params, parser


def model_config(params, vocab_size: int):
    m = params.model
    return preset(
        m.preset, vocab_size, dropout=m.dropout, dtype=m.dtype, n_layers=m.n_layers, d_model=m.d_model
    )


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--out", type=Path, default=MODELS / "base")
    args = p.parse_args()
    params = load_params(args.params)
    cfg = model_config(params, Tokenizer.load(TOKENIZER).vocab_size)
    model = init_model(cfg, params.seed)
    export_model(model, args.out, provenance.record(run="base", init="random", model=dataclasses.asdict(cfg)))
    print(f"base: {count_params(model):,} parameters ({params.model.preset}) -> {args.out}")


if __name__ == "__main__":
    main()
