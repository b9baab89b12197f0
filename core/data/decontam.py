"""Decontamination: does any training task contain text of an evaluation suite?

Two checks per (training task, suite) pair, on the records' context values (instructions are shared by
design, so they are not compared): *exact*, a normalised context value of an evaluation example that also
appears in the training task; *n-gram*, an evaluation example sharing at least one word n-gram with the task.
The report gives, for each pair, the share of the suite's examples that are contaminated; the stage fails when
any share exceeds the configured maximum.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from core.data.schema import Record

_WORD = re.compile(r"\w+")


def normalise(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def ngrams(words: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _values(record: Record, min_words: int) -> list[list[str]]:
    """Context values long enough to identify a text (short labels like 'Yes' or a name are not evidence)."""
    out = []
    for _, value in record.context:
        words = normalise(value)
        if len(words) >= min_words:
            out.append(words)
    return out


def check(
    train: dict[str, Iterable[Record]], suites: dict[str, Sequence[Record]], *, n: int, min_words: int
) -> dict:
    """``{"pairs": {task: {suite: {"exact": share, "ngram": share, "examples": [...]}}}, "max": ...}``."""
    index = {}
    for suite, records in suites.items():
        exact: dict[tuple[str, ...], set[int]] = {}
        grams: dict[tuple[str, ...], set[int]] = {}
        for i, r in enumerate(records):
            for words in _values(r, min_words):
                exact.setdefault(tuple(words), set()).add(i)
                for g in ngrams(words, n):
                    grams.setdefault(g, set()).add(i)
        index[suite] = (exact, grams, len(records))
    pairs: dict[str, dict[str, dict]] = {}
    worst = {"share": 0.0, "task": None, "suite": None, "check": None}
    for task, records in train.items():
        hit_exact = {s: set() for s in suites}
        hit_ngram = {s: set() for s in suites}
        for r in records:
            for words in _values(r, min_words):
                key, mine = tuple(words), ngrams(words, n)
                for suite, (exact, grams, _) in index.items():
                    hit_exact[suite] |= exact.get(key, set())
                    for g in mine & grams.keys():
                        hit_ngram[suite] |= grams[g]
        pairs[task] = {}
        for suite, (_, _, size) in index.items():
            entry = {
                "exact": len(hit_exact[suite]) / size if size else 0.0,
                "ngram": len(hit_ngram[suite]) / size if size else 0.0,
                "examples": sorted(suites[suite][i].example_id for i in hit_exact[suite] | hit_ngram[suite])[
                    :5
                ],
            }
            pairs[task][suite] = entry
            for name in ("exact", "ngram"):
                if entry[name] > worst["share"]:
                    worst = {"share": entry[name], "task": task, "suite": suite, "check": name}
    return {"ngram": n, "min_words": min_words, "pairs": pairs, "max": worst}
