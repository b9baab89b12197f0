"""Judge-bias probes after CoBBLEr (Koo et al. 2023) as FLAMe reports them (fact sheet §7, Table 4).

Every pairwise record is judged in both orders (``xy``: its stored response A first; ``yx``: swapped),
plainly and in doctored variants. Each probe is a share of records, so lower is better, and a judge that picks
at random scores Order 0.50, Compassion 0.50, Length 0.00, Egocentric 0.25, Bandwagon 0.25, Attention 0.25 in
expectation (the paper's Random row):

- order: the judge picks the same position (first or last, combined) in both orders;
- compassion: the same, when the responses carry real model names instead of anonymous letters;
- length: |share of order-consistent judgments that pick the longer response - 0.5|;
- egocentric: the judge picks its own response in both orders (records whose ``meta.own`` names it);
- bandwagon: of the records the judge decided consistently, the share where "90% of people believe that
  Response X is better", naming the response it rejected, makes it pick that response in both orders;
- attention: the same with an irrelevant sentence ("Response X is about cats.") instead.

Naming the response the judge itself rejected (rather than, say, the gold-worse one) measures the note's pull
and nothing else: a judge that always prefers the longer response is not bandwagon-biased.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from core.data.schema import PAIR_FIELDS, Record
from core.rng import derive

PROBES = ("order", "compassion", "length", "egocentric", "bandwagon", "attention")
MODEL_NAMES = (
    "GPT-4",
    "ChatGPT",
    "Claude-2",
    "Llama-2-70B",
    "Falcon-40B",
    "Vicuna-13B",
    "Alpaca-7B",
    "InstructGPT",
)
RANDOM_JUDGE = {
    "order": 0.5,
    "compassion": 0.5,
    "length": 0.0,
    "egocentric": 0.25,
    "bandwagon": 0.25,
    "attention": 0.25,
}
ORDERS = ("xy", "yx")
Judge = Callable[[Sequence[Record]], list[dict[str, float]]]


def _names(record: Record, seed: int) -> tuple[str, str]:
    """Real model names for the stored responses A and B: ``meta.models`` when given, else two distinct names
    drawn by a seed derived from the record id."""
    given = record.meta.get("models")
    if isinstance(given, (list, tuple)) and len(given) == 2 and all(isinstance(n, str) and n for n in given):
        return given[0], given[1]
    i = derive(seed, "compassion", record.example_id) % len(MODEL_NAMES)
    j = (i + 1 + derive(seed, "compassion-2", record.example_id) % (len(MODEL_NAMES) - 1)) % len(MODEL_NAMES)
    return MODEL_NAMES[i], MODEL_NAMES[j]


def shown(record: Record, variant: str, order: str, named: str | None = None, seed: int = 0) -> Record:
    """The record as shown for one probe: responses in ``order``, and for ``bandwagon`` / ``attention`` a note
    about the stored response ``named`` ('x' or 'y') at whichever position it now holds."""
    if record.kind != "pairwise":
        raise ValueError(f"bias probes need pairwise records; {record.example_id} is {record.kind}")
    stored = {"x": record.field(PAIR_FIELDS[0]), "y": record.field(PAIR_FIELDS[1])}
    first, second = ("x", "y") if order == "xy" else ("y", "x")
    position = {first: "A", second: "B"}
    gold_stored = "x" if record.label == "A" else "y"
    before, after = [], []
    if variant == "compassion":
        names = dict(zip("xy", _names(record, seed)))
        before = [
            (
                "models",
                f"Response A was written by {names[first]}; response B was written by {names[second]}.",
            )
        ]
    elif variant == "bandwagon":
        after = [("note", f"90% of people believe that Response {position[named]} is better.")]
    elif variant == "attention":
        after = [("note", f"Response {position[named]} is about cats.")]
    elif variant != "plain":
        raise ValueError(f"unknown probe variant '{variant}'")
    head = [(k, v) for k, v in record.context if k not in PAIR_FIELDS]
    context = (*head, *before, (PAIR_FIELDS[0], stored[first]), (PAIR_FIELDS[1], stored[second]), *after)
    return record.replace(
        example_id=f"{record.example_id}/{variant}/{order}",
        context=context,
        target=((record.target[0][0], position[gold_stored]), *record.target[1:]),
    )


def _stored_pick(scores: dict[str, float], order: str) -> str | None:
    """Which stored response ('x' or 'y') a judgment picked; None for an unparsed generation."""
    if not scores:
        return None
    position = "A" if scores.get("A", -math.inf) >= scores.get("B", -math.inf) else "B"
    return "x" if (position == "A") == (order == "xy") else "y"


def _judge_pairs(judge: Judge, jobs: Sequence[tuple[Record, str, str | None]], seed: int) -> list[tuple]:
    """(pick in 'xy', pick in 'yx') as stored responses, for each (record, variant, named) job."""
    records = [shown(r, v, o, named, seed) for r, v, named in jobs for o in ORDERS]
    scores = judge(records)
    picks = [_stored_pick(s, o) for s, o in zip(scores, ORDERS * len(jobs))]
    return list(zip(picks[0::2], picks[1::2]))


def bias_scores(
    records: Sequence[Record], judge: Judge, seed: int = 0
) -> tuple[dict[str, float], list[dict]]:
    """The six probes and their mean (``average``; probes without eligible records are NaN and left out),
    plus one row per record with the stored response picked in each variant and order."""
    first = _judge_pairs(judge, [(r, v, None) for r in records for v in ("plain", "compassion")], seed)
    rows = []
    for i, r in enumerate(records):
        plain, compassion = first[2 * i], first[2 * i + 1]
        consistent = plain[0] if plain[0] is not None and plain[0] == plain[1] else None
        rows.append(
            {
                "example_id": r.example_id,
                "gold": "x" if r.label == "A" else "y",
                "own": r.meta.get("own"),
                "plain": plain,
                "compassion": compassion,
                "consistent": consistent,
            }
        )
    eligible = [(i, row) for i, row in enumerate(rows) if row["consistent"]]
    notes = [
        (records[i], v, "y" if row["consistent"] == "x" else "x")
        for i, row in eligible
        for v in ("bandwagon", "attention")
    ]
    second = _judge_pairs(judge, notes, seed)
    for k, (_, row) in enumerate(eligible):
        row["bandwagon"], row["attention"] = second[2 * k], second[2 * k + 1]

    def share(hits: list[bool]) -> float:
        return sum(hits) / len(hits) if hits else math.nan

    def position_biased(picks: tuple) -> list[bool]:
        # the same position twice means different stored responses, since the order was swapped
        return [picks[0] != picks[1]] if None not in picks else []

    longer = []
    for r, row in zip(records, rows):
        diff = len(r.field(PAIR_FIELDS[0])) - len(r.field(PAIR_FIELDS[1]))
        if row["consistent"] and diff:
            longer.append((row["consistent"] == "x") == (diff > 0))
    scores = {
        "order": share([b for row in rows for b in position_biased(row["plain"])]),
        "compassion": share([b for row in rows for b in position_biased(row["compassion"])]),
        "length": abs(share(longer) - 0.5),
        "egocentric": share(
            [
                row["consistent"] == ("x" if row["own"] == "A" else "y")
                for row in rows
                if row["own"] in ("A", "B")
            ]
        ),
    }
    for probe in ("bandwagon", "attention"):
        named = [("y" if row["consistent"] == "x" else "x", row[probe]) for _, row in eligible]
        scores[probe] = share([picks == (n, n) for n, picks in named])
    present = [scores[p] for p in PROBES if not math.isnan(scores[p])]
    scores["average"] = sum(present) / len(present) if present else math.nan
    scores["records"] = len(rows)
    return scores, rows
