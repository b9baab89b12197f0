"""Stage ``tokenizer``: train the BPE tokenizer on the rendered training tasks (never on held-out suites), or
take the tokenizer of the base checkpoint (``model.base`` or ``model.hf_checkpoint``) training starts from."""

from __future__ import annotations

from pathlib import Path

from core.data.collection import training_sizes
from core.data.formats import render
from core.data.schema import iter_jsonl
from core.data.tokenizer import Tokenizer
from experiments.common import DATA_DIR, TOKENIZER, hf_base, parsed, parser, run


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--data", type=Path, default=DATA_DIR)
    p.add_argument("--out", type=Path, default=TOKENIZER)
    args, params = parsed(p)

    def texts():
        for task in training_sizes(args.data):
            for r in iter_jsonl(args.data / "tasks" / task / "train.jsonl"):
                yield "".join(render(r))

    base = hf_base(params)
    if base is not None:
        tok = Tokenizer.from_hf(base)
    else:
        tok = Tokenizer.train(texts(), params.tokenizer.vocab_size, params.tokenizer.min_frequency)
    tok.save(args.out)
    print(f"tokenizer: vocab {tok.vocab_size} -> {args.out}")


if __name__ == "__main__":
    run(main)
