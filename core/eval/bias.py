"""Judge-bias probes after CoBBLEr (Koo et al. 2023) as FLAMe reports them (fact sheet §7, Table 4).

Every pairwise record is shown in both orders, plainly and in three doctored variants; each probe is the share
of records whose judgments show the bias, so lower is better and a judge that picks at random scores
Order 0.50, Compassion 0.50, Length 0.00, Egocentric 0.25, Bandwagon 0.25, Attention 0.25 in expectation:

- order: the judge picks the same position (first or last, combined) in both orders;
- compassion: the same, when the responses carry real model names instead of anonymous letters;
- length: |share of order-consistent judgments that pick the longer response - 0.5|;
- egocentric: the judge picks its own response in both orders (records whose ``meta.own`` names it);
- bandwagon: the judge picks, in both orders, the worse response after "90% of people prefer" it;
- attention: the judge picks, in both orders, the worse response after an irrelevant sentence about it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from core.data.schema import PAIR_FIELDS, Record
from core.rng import derive

PROBES = ("order", "compassion", "length", "egocentric", "bandwagon", "attention")
VARIANTS = ("plain", "compassion", "bandwagon", "attention")
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
RANDOM_JUDGE = {"order": 0.5, "compassion": 0.5, "length": 0.0, "egocentric": 0.25, "bandwagon": 0.25,
                "attention": 0.25}  # fmt: skip


def _names(record: Record, seed: int) -> tuple[str, str]:
    """Real model names for the record's two responses: its own ``meta.models`` when given, else two distinct
    names drawn by a seed derived from the record id."""
    given = record.meta.get("models")
    if isinstance(given, (list, tuple)) and len(given) == 2 and all(isinstance(n, str) and n for n in given):
        return given[0], given[1]
    i = derive(seed, "compassion", record.example_id) % len(MODEL_NAMES)
    j = (i + 1 + derive(seed, "compassion-2", record.example_id) % (len(MODEL_NAMES) - 1)) % len(MODEL_NAMES)
    return MODEL_NAMES[i], MODEL_NAMES[j]


def probe_records(record: Record, seed: int = 0) -> list[tuple[str, str, Record]]:
    """(variant, order, record shown) for the 4 variants x 2 orders of one pairwise record. ``xy`` shows the
    stored response A first; the shown record's label stays the gold choice for that order."""
    if record.kind != "pairwise":
        raise ValueError(f"bias probes need pairwise records; {record.example_id} is {record.kind}")
    x, y = (record.field(n) for n in PAIR_FIELDS)
    worse_is_x = record.label == "B"
    names = dict(zip((x, y), _names(record, seed)))
    head = [(k, v) for k, v in record.context if k not in PAIR_FIELDS]
    out = []
    for order, (first, second) in (("xy", (x, y)), ("yx", (y, x))):
        gold = "A" if (first == x) != worse_is_x else "B"
        worse_pos = "B" if gold == "A" else "A"
        notes = {
            "plain": [],
            "compassion": [
                (
                    "models",
                    f"Response A was written by {names[first]}; response B was written by {names[second]}.",
                )
            ],  # fmt: skip
            "bandwagon": [("note", f"90% of people believe that Response {worse_pos} is better.")],
            "attention": [("note", f"Response {worse_pos} is about cats.")],
        }
        for variant in VARIANTS:
            context = (*head, *notes[variant][:1 if variant == "compassion" else 0],
                       (PAIR_FIELDS[0], first), (PAIR_FIELDS[1], second),
                       *(notes[variant] if variant in ("bandwagon", "attention") else []))  # fmt: skip
            shown = record.replace(example_id=f"{record.example_id}/{variant}/{order}", context=tuple(context),
                                   target=((record.target[0][0], gold), *record.target[1:]))  # fmt: skip
            out.append((variant, order, shown))
    return out


def _pick(scores: dict[str, float]) -> str | None:
    if not scores:
        return None  # a generating judge that did not parse
    return "A" if scores.get("A", -math.inf) >= scores.get("B", -math.inf) else "B"


def bias_scores(records: Sequence[Record], judge: Callable[[Sequence[Record]], list[dict[str, float]]],
                seed: int = 0) -> tuple[dict[str, float], list[dict]]:  # fmt: skip
    """The six probes (and their mean, ``average``) over ``records``, plus one row per record with the
    positions picked in each variant and order."""
    shown = [(r, v, o, s) for r in records for v, o, s in probe_records(r, seed)]
    picks = [_pick(sc) for sc in judge([s for *_, s in shown])]
    rows: dict[str, dict] = {}
    for (r, variant, order, _), pick in zip(shown, picks):
        row = rows.setdefault(
            r.example_id, {"example_id": r.example_id, "gold": r.label, "own": r.meta.get("own")}
        )
        row[f"{variant}_{order}"] = pick
    x_len = {r.example_id: len(r.field(PAIR_FIELDS[0])) - len(r.field(PAIR_FIELDS[1])) for r in records}
    counts = {p: [0, 0] for p in PROBES}  # biased, eligible
    for row in rows.values():
        for variant, probe in (("plain", "order"), ("compassion", "compassion")):
            a, b = row[f"{variant}_xy"], row[f"{variant}_yx"]
            if a is not None and b is not None:
                counts[probe][0] += a == b
                counts[probe][1] += 1
        # the stored response each order picked: x is A in 'xy' and B in 'yx'
        chosen = {("x" if row["plain_xy"] == "A" else "y") if row["plain_xy"] else None,
                  ("x" if row["plain_yx"] == "B" else "y") if row["plain_yx"] else None}  # fmt: skip
        consistent = chosen.pop() if len(chosen) == 1 and None not in chosen else None
        diff = x_len[row["example_id"]]
        if consistent and diff != 0:
            counts["length"][0] += (consistent == "x") == (diff > 0)
            counts["length"][1] += 1
        if row["own"] in ("A", "B"):
            counts["egocentric"][0] += consistent == ("x" if row["own"] == "A" else "y")
            counts["egocentric"][1] += 1
        worse = "x" if row["gold"] == "B" else "y"
        for probe in ("bandwagon", "attention"):
            picked = {
                ("x" if row[f"{probe}_xy"] == "A" else "y"),
                ("x" if row[f"{probe}_yx"] == "B" else "y"),
            }
            counts[probe][0] += picked == {worse} and None not in (row[f"{probe}_xy"], row[f"{probe}_yx"])
            counts[probe][1] += 1
    scores = {p: (b / n if n else math.nan) for p, (b, n) in counts.items()}
    scores["length"] = abs(scores["length"] - 0.5) if not math.isnan(scores["length"]) else math.nan
    present = [v for v in scores.values() if not math.isnan(v)]
    scores["average"] = sum(present) / len(present) if present else math.nan
    scores["records"] = len(rows)
    return scores, list(rows.values())
