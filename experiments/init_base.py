"""Stage ``init_base``: the checkpoint FLAMe fine-tunes: a seeded random init of a preset (the default
profile), or a link to a real base checkpoint (``model.base``, converted by the ``base_checkpoint`` stage, or
any Hugging Face folder named by ``model.hf_checkpoint``). The folder keeps the tokenizer it goes with."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from core import provenance
from core.data.tokenizer import Tokenizer
from core.modeling.config import preset
from core.modeling.decoder import count_params, init_model
from core.modeling.io import export_model, link_hf_model
from experiments.common import MODELS, TOKENIZER, hf_base, parsed, parser, run


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--out", type=Path, default=MODELS / "base")
    p.add_argument("--tokenizer", type=Path, default=TOKENIZER, help="the tokenizer stage's output")
    args, params = parsed(p)
    m, tok = params.model, Tokenizer.load(args.tokenizer)
    base = hf_base(params)
    if base is not None:
        meta = provenance.record(run="base", init="hf", checkpoint=str(base), base=m.base)
        model = link_hf_model(base, args.out, m.overrides(), meta, tok.files())
        source = m.base or str(base)
    else:
        cfg = preset(m.preset, tok.vocab_size, **m.overrides())
        model = init_model(cfg, params.seed)
        meta = provenance.record(run="base", init="random", model=dataclasses.asdict(cfg))
        export_model(model, args.out, meta, tok.files())
        source = m.preset
    print(f"base: {count_params(model):,} parameters ({source}) -> {args.out}")


if __name__ == "__main__":
    run(main)
