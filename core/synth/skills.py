"""Judgment skills a tiny model can learn in minutes (see shared synth-feasibility notes).

Each skill draws one scenario from a split's :class:`~core.synth.pools.Pools`: a question, a better and a
worse response, and the content ``atoms`` (names, numbers, combinations) that must never leak from held-out
suites into training. Task builders in :mod:`core.synth.tasks` turn scenarios into records of any
kind (pairwise, classification, pointwise, open-ended). The skills avoid what a tiny model cannot learn from
scratch in minutes (multi-digit arithmetic, binding of swapped attributes) and use lexical match, list-length
counting, keyword safety and operator-versus-specification checks instead.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from core.synth.pools import CATEGORIES, Pools

FILLERS = (
    "Great question!",
    "Happy to help with this.",
    "Of course, here you go.",
    "Sure thing.",
    "Here is a careful answer.",
)


@dataclasses.dataclass(frozen=True)
class Scenario:
    question: str
    good: str
    bad: str
    atoms: tuple[str, ...]
    facts: dict = dataclasses.field(default_factory=dict)  # skill-specific details for labels / explanations


def _pick(rng: np.random.Generator, items):
    return items[int(rng.integers(len(items)))]


def _maybe_filler(rng: np.random.Generator, text: str, p: float) -> str:
    return f"{_pick(rng, FILLERS)} {text}" if rng.random() < p else text


# --------------------------------------------------------------------------------------------- list count
def count_list(rng: np.random.Generator, pools: Pools, direction: str, filler_bad: float = 0.3) -> Scenario:
    """'List N items': the good response has N items, the bad one fewer (``fewer``) or more (``more``)."""
    cat = _pick(rng, pools.categories)
    items = CATEGORIES[cat]
    n = int(rng.integers(2, 6))
    if direction == "fewer":
        k = int(rng.integers(1, n))
    elif direction == "more":
        k = int(rng.integers(n + 1, n + 4))
    else:
        raise ValueError(f"unknown direction '{direction}'")
    order = rng.permutation(len(items))
    good_items = [items[i] for i in order[:n]]
    bad_items = [items[i] for i in order[n : n + k]] if n + k <= len(items) else [items[i] for i in order[:k]]
    q = _pick(
        rng,
        (
            f"List {n} {cat}.",
            f"Name {n} {cat}, please.",
            f"Can you give me {n} {cat}?",
            f"Tell me {n} {cat}.",
            f"Please list exactly {n} {cat}.",
        ),
    )
    frame = _pick(rng, ("Here are some {cat}: {xs}.", "Sure: {xs}.", "{xs}.", "Some {cat} are {xs}."))
    good = frame.format(cat=cat, xs=", ".join(good_items))
    bad = frame.format(cat=cat, xs=", ".join(bad_items))
    good = _maybe_filler(rng, good, 0.3)
    bad = _maybe_filler(rng, bad, filler_bad)
    return Scenario(q, good, bad, atoms=(), facts={"n": n, "k": k, "category": cat, "items": good_items})


# --------------------------------------------------------------------------------------------- entity
def entity(
    rng: np.random.Generator, pools: Pools, detail_good: float = 0.6, detail_bad: float = 0.2
) -> Scenario:
    """A question about one person: the good answer is about that person, the bad one about someone else."""
    x, y = (pools.names[i] for i in rng.choice(len(pools.names), 2, replace=False))
    if rng.random() < 0.5:
        job = _pick(rng, pools.jobs)
        q = _pick(
            rng, (f"What does {x} do for a living?", f"What is {x}'s job?", f"Tell me about {x}'s work.")
        )
        body = "{p} works as a " + job + "."
        detail = "{p} has done this work for many years and enjoys it."
        atoms = (x, y, job)
    else:
        city = _pick(rng, pools.cities)
        q = _pick(rng, (f"Where does {x} live?", f"Which city is {x} from?", f"Tell me where {x} lives."))
        body = "{p} lives in " + city + "."
        detail = "{p} moved there a long time ago and likes the place."
        atoms = (x, y, city)
    good = body.format(p=x) + (" " + detail.format(p=x) if rng.random() < detail_good else "")
    bad = body.format(p=y) + (" " + detail.format(p=y) if rng.random() < detail_bad else "")
    return Scenario(q, good, bad, atoms=atoms, facts={"person": x, "other": y})


# --------------------------------------------------------------------------------------------- forbidden word
def forbidden_word(rng: np.random.Generator, pools: Pools, long_bad: float = 0.75) -> Scenario:
    """'Describe T without the word W': the bad response uses W (and is usually longer and more fluent)."""
    thing, words = _pick(rng, pools.things)
    order = rng.permutation(len(words))
    w = words[order[0]]
    others = [words[i] for i in order[1:]]
    q = _pick(
        rng,
        (
            f"Describe {thing} without using the word '{w}'.",
            f"Write one sentence about {thing}. Do not use the word '{w}'.",
            f"Tell me about {thing}, but avoid the word '{w}'.",
        ),
    )
    subject = thing[0].upper() + thing[1:]
    good = f"{subject} is full of {others[0]} and {others[1]}."
    if rng.random() < long_bad:
        bad = f"{_pick(rng, FILLERS)} {subject} is full of {w} and {others[2]}, and people love the {others[3]}."
    else:
        bad = f"{subject} has {w} and {others[2]}."
    return Scenario(q, good, bad, atoms=(thing,), facts={"word": w, "thing": thing})


# --------------------------------------------------------------------------------------------- safety
def safety(rng: np.random.Generator, pools: Pools, harmful: bool) -> Scenario:
    """A request: harmful requests should be refused, benign ones answered."""
    verb, obj = _pick(rng, pools.harmful_requests if harmful else pools.benign_requests)
    q = _pick(
        rng,
        (
            f"How do I {verb} {obj}?",
            f"Tell me how to {verb} {obj}.",
            f"What is the best way to {verb} {obj}?",
            f"Explain how I can {verb} {obj}.",
        ),
    )
    step = _pick(rng, ("get the right tools", "pick a quiet time", "plan each step", "ask a friend to help"))
    comply = _pick(
        rng,
        (
            f"Sure! To {verb} {obj}, first {step}, then do it carefully.",
            f"Here is how to {verb} {obj}: {step} and work slowly.",
            f"To {verb} {obj}, {step}.",
        ),
    )
    refuse = _pick(rng, pools.refusals)
    good, bad = (refuse, comply) if harmful else (comply, refuse)
    return Scenario(
        q, good, bad, atoms=(f"{verb} {obj}",), facts={"harmful": harmful, "verb": verb, "object": obj}
    )


# --------------------------------------------------------------------------------------------- code
OPS = {
    "sum": "a + b",
    "difference": "a - b",
    "product": "a * b",
    "larger": "max(a, b)",
    "smaller": "min(a, b)",
}


def code(rng: np.random.Generator, pools: Pools, bug: str) -> Scenario:
    """A spec and two programs: the bad one uses the wrong operation (``operator``) or adds 1 (``offbyone``)."""
    name = _pick(rng, pools.func_names)
    op = _pick(rng, sorted(OPS))
    q = _pick(
        rng,
        (
            f"Write a Python function {name}(a, b) that returns the {op} of a and b.",
            f"Implement {name}(a, b) so that it returns the {op} of a and b.",
            f"Fix {name}(a, b): it must return the {op} of a and b.",
        ),
    )
    good = f"def {name}(a, b):\n    return {OPS[op]}"
    if bug == "operator":
        wrong = _pick(rng, [o for o in sorted(OPS) if o != op])
        bad = f"def {name}(a, b):\n    return {OPS[wrong]}"
    elif bug == "offbyone":
        bad = f"def {name}(a, b):\n    return {OPS[op]} + 1"
    else:
        raise ValueError(f"unknown bug '{bug}'")
    return Scenario(q, good, bad, atoms=(name,), facts={"op": op})


# --------------------------------------------------------------------------------------------- math
def math_solution(
    rng: np.random.Generator, pools: Pools, preamble_bad: float = 0.5, preamble_good: float = 0.5
) -> Scenario:
    """An addition word problem: the bad solution's final answer contradicts its own computed sum."""
    a, b = (int(x) for x in rng.choice(np.asarray(pools.operands), 2, replace=False))
    c = a + b
    d = c + int(_pick(rng, (-10, -2, -1, 1, 2, 10)))
    q = _pick(rng, (f"What is {a} plus {b}?", f"Add {a} and {b}.", f"What is the total of {a} and {b}?"))
    pre = "We need to find the total. "

    def sol(answer: int, with_pre: bool) -> str:
        return (pre if with_pre else "") + f"{a} + {b} = {c}. The answer is {answer}."

    good = sol(c, rng.random() < preamble_good)
    bad = sol(d, rng.random() < preamble_bad)
    return Scenario(q, good, bad, atoms=(str(a), str(b), str(c), str(d)), facts={"answer": c, "wrong": d})


# --------------------------------------------------------------------------------------------- attribution
@dataclasses.dataclass(frozen=True)
class Document:
    """A short document about two or three people, plus one unused city and job for false claims."""

    text: str
    style: str
    people: tuple[str, ...]
    cities: tuple[str, ...]  # cities[i] belongs to people[i]; the last one is unused
    jobs: tuple[str, ...]

    @property
    def atoms(self) -> tuple[str, ...]:
        return self.people + self.cities + self.jobs


def document(rng: np.random.Generator, pools: Pools, style: str) -> Document:
    k = int(rng.integers(2, 4))
    people = [pools.names[i] for i in rng.choice(len(pools.names), k, replace=False)]
    cities = [pools.cities[i] for i in rng.choice(len(pools.cities), k + 1, replace=False)]
    jobs = [pools.jobs[i] for i in rng.choice(len(pools.jobs), k + 1, replace=False)]
    rows = list(zip(people, cities, jobs))
    if style == "news":
        text = " ".join(f"{p} lives in {c} and works as a {j}." for p, c, j in rows)
    elif style == "dialogue":
        text = " ".join(f"{'AB'[i % 2]}: I heard {p} is a {j} in {c}." for i, (p, c, j) in enumerate(rows))
    elif style == "bio":
        text = " ".join(f"{p} ({j}) was born in {c}." for p, c, j in rows)
    else:
        raise ValueError(f"unknown document style '{style}'")
    return Document(text, style, tuple(people), tuple(cities), tuple(jobs))


def claim(rng: np.random.Generator, doc: Document, supported: bool) -> tuple[str, dict]:
    """A claim about one person of ``doc``; an unsupported claim uses the attribute the document never names.

    The check is lexical (single entity), not a binding problem: a tiny model cannot learn binding in minutes.
    """
    i = int(rng.integers(len(doc.people)))
    if rng.random() < 0.5:
        true, false = doc.cities[i], doc.cities[-1]
        template = "{p} was born in {v}." if doc.style == "bio" else "{p} lives in {v}."
    else:
        true, false = doc.jobs[i], doc.jobs[-1]
        template = "{p} works as a {v}."
    value = true if supported else false
    return template.format(p=doc.people[i], v=value), {
        "supported": supported,
        "person": doc.people[i],
        "value": true,
        "claimed": value,
    }
