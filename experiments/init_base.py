"""Stage ``init_base``: the checkpoint FLAMe fine-tunes: a seeded random init of a preset (the default
profile), or a link to an open base checkpoint when ``model.hf_checkpoint`` names a Hugging Face folder."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from core import provenance
from core.data.tokenizer import Tokenizer
from core.modeling.config import preset
from core.modeling.decoder import count_params, init_model
from core.training.checkpoint import export_model, link_hf_model
from experiments.common import MODELS, TOKENIZER, load_params, parser


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--out", type=Path, default=MODELS / "base")
    args = p.parse_args()
    params = load_params(args.params)
    m = params.model
    if m.hf_checkpoint is not None:
        meta = provenance.record(run="base", init="hf", checkpoint=m.hf_checkpoint)
        model = link_hf_model(Path(m.hf_checkpoint), args.out, m.overrides(), meta)
        source = m.hf_checkpoint
    else:
        cfg = preset(m.preset, Tokenizer.load(TOKENIZER).vocab_size, **m.overrides())
        model = init_model(cfg, params.seed)
        meta = provenance.record(run="base", init="random", model=dataclasses.asdict(cfg))
        export_model(model, args.out, meta)
        source = m.preset
    print(f"base: {count_params(model):,} parameters ({source}) -> {args.out}")


if __name__ == "__main__":
    main()
