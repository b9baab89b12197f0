"""Stage ``stats``: per training task, examples, tokens and truncation rate (``artifacts/stats/tasks.json``);
the mixture stage reads its sizes from here."""

from __future__ import annotations

import json
from pathlib import Path

from core.data.collection import load_task_split, training_sizes
from core.data.stats import task_stats
from core.data.tokenizer import Tokenizer
from core.progress import progress_bar
from experiments.common import DATA_DIR, STATS, TOKENIZER, parsed, parser, run


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--data", type=Path, default=DATA_DIR)
    p.add_argument("--out", type=Path, default=STATS)
    p.add_argument("--no-progress", action="store_true")
    args, params = parsed(p)
    tok = Tokenizer.load(TOKENIZER)
    tasks = sorted(training_sizes(args.data))
    stats = {
        t: task_stats(
            load_task_split(args.data, t, "train"),
            tok,
            params.data.max_input_tokens,
            params.data.max_target_tokens,
        )
        for t in progress_bar(tasks, desc="stats", disable=args.no_progress)
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(stats, indent=2, sort_keys=True) + "\n")
    total = sum(s["tokens"] for s in stats.values())
    worst = max(stats.items(), key=lambda kv: kv[1]["truncated_share"])
    shortened = sum(s["shortened"] for s in stats.values())
    cut = sum(s["instructions_cut"] for s in stats.values())
    print(
        f"stats: {len(stats)} tasks, {total:,} training tokens; {shortened:,} prompts shortened to fit "
        f"({cut} lost their instructions); most truncated: {worst[0]} ({worst[1]['truncated_share']:.1%})"
    )


if __name__ == "__main__":
    run(main)
