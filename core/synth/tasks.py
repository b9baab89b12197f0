"""The synthetic training tasks: one registered entry per task, mirroring the paper's task types and capabilities.

Every task names the real FLAMe dataset it stands for, its kind and capability, its instruction pool and a
builder that draws one example from a content split. ``effects`` is the planted ground truth for tail-patch
search: +1 where fine-tuning on the task alone should help a RewardBench category, -1 where it should hurt
(the two planted harmful tasks were labelled by annotators asked the wrong question).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from core.data.schema import PAIR_LABELS
from core.synth import instructions as ins
from core.synth import skills
from core.synth.pools import Pools

YES_NO = ("yes", "no")


@dataclasses.dataclass(frozen=True)
class Built:
    """One drawn example before it becomes a Record."""

    context: tuple[tuple[str, str], ...]
    target: tuple[tuple[str, str], ...]
    label_space: tuple[str, ...] | None
    atoms: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class SynthTask:
    name: str
    kind: str
    capability: str
    stands_for: str
    instructions: tuple[tuple[str, str], ...]
    build: Callable[[np.random.Generator, Pools], Built]
    effects: dict[str, int] = dataclasses.field(default_factory=dict)


# ----------------------------------------------------------------------------------------------- helpers
def pairwise(
    rng: np.random.Generator, sc: skills.Scenario, prefer_good: bool = True, question_label: str = "question"
) -> Built:
    """Place the good response at A or B at random; label the preferred one."""
    good_first = bool(rng.random() < 0.5)
    a, b = (sc.good, sc.bad) if good_first else (sc.bad, sc.good)
    label = "A" if good_first == prefer_good else "B"
    ctx = ((question_label, sc.question), ("response A", a), ("response B", b))
    return Built(ctx, (("choice", label),), PAIR_LABELS, sc.atoms)


def judged_response(rng: np.random.Generator, sc: skills.Scenario, question_label: str = "question"):
    """Show either the good or the bad response; returns (context, is_good)."""
    is_good = bool(rng.random() < 0.5)
    return ((question_label, sc.question), ("response", sc.good if is_good else sc.bad)), is_good


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _count(rng, pools):
    return skills.count_list(rng, pools, "fewer" if rng.random() < 0.5 else "more")


def _mixed_scenario(rng, pools) -> skills.Scenario:
    makers = (
        _count,
        skills.entity,
        skills.forbidden_word,
        lambda r, p: skills.safety(r, p, harmful=bool(r.random() < 0.5)),
        lambda r, p: skills.code(r, p, "operator" if r.random() < 0.5 else "offbyone"),
        skills.math_solution,
    )
    return makers[int(rng.integers(len(makers)))](rng, pools)


# ----------------------------------------------------------------------------------------------- builders
def _chat_count_pairwise(rng, pools):
    return pairwise(rng, _count(rng, pools))


def _chat_entity_pairwise(rng, pools):
    return pairwise(rng, skills.entity(rng, pools))


def _forbidden_pairwise(rng, pools):
    return pairwise(rng, skills.forbidden_word(rng, pools, long_bad=0.5))


def _harmless_pairwise(rng, pools):
    return pairwise(
        rng, skills.safety(rng, pools, harmful=bool(rng.random() < 0.5)), question_label="request"
    )


def _code_fix_pairwise(rng, pools):
    return pairwise(rng, skills.code(rng, pools, "offbyone" if rng.random() < 0.5 else "operator"))


def _code_contest_pairwise(rng, pools):
    return pairwise(rng, skills.code(rng, pools, "operator"))


def _math_pairwise(rng, pools):
    return pairwise(rng, skills.math_solution(rng, pools))


def _arena_pairwise(rng, pools):
    return pairwise(rng, _mixed_scenario(rng, pools))


def _verbosity_pairwise(rng, pools):
    """Planted harmful: the label is the longer list, whatever the request asked for."""
    sc = _count(rng, pools)
    return pairwise(rng, sc, prefer_good=len(sc.good) >= len(sc.bad))


def _compliance_pairwise(rng, pools):
    """Planted harmful: the label is always the compliant response, harmful requests included."""
    sc = skills.safety(rng, pools, harmful=bool(rng.random() < 0.7))
    return pairwise(rng, sc, prefer_good=not sc.facts["harmful"], question_label="request")


def _count_follow(rng, pools):
    sc = _count(rng, pools)
    ctx, good = judged_response(rng, sc)
    return Built(ctx, (("answer", _yes(good)),), YES_NO, sc.atoms)


def _forbidden_follow(rng, pools):
    sc = skills.forbidden_word(rng, pools, long_bad=0.5)
    ctx, good = judged_response(rng, sc)
    return Built(ctx, (("answer", _yes(good)),), YES_NO, sc.atoms)


def _entity_consistency(rng, pools):
    sc = skills.entity(rng, pools, detail_good=0.5, detail_bad=0.5)
    ctx, good = judged_response(rng, sc)
    return Built(ctx, (("answer", _yes(good)),), YES_NO, sc.atoms)


def _safety_cls(rng, pools):
    sc = skills.safety(rng, pools, harmful=bool(rng.random() < 0.5))
    ctx, good = judged_response(rng, sc, question_label="request")
    return Built(ctx, (("answer", _yes(good)),), YES_NO, sc.atoms)


def _document(rng, pools):
    return skills.document(rng, pools, ("news", "dialogue", "bio")[int(rng.integers(3))])


def _attribution_cls(rng, pools):
    doc = _document(rng, pools)
    text, facts = skills.claim(rng, doc, supported=bool(rng.random() < 0.5))
    ctx = (("document", doc.text), ("claim", text))
    return Built(ctx, (("answer", _yes(facts["supported"])),), YES_NO, doc.atoms)


def _attribution_explain(rng, pools):
    doc = _document(rng, pools)
    text, f = skills.claim(rng, doc, supported=bool(rng.random() < 0.5))
    if f["supported"]:
        why = f"the document states that {f['person']} is linked to {f['value']}."
    else:
        why = f"the document never mentions {f['claimed']}; it links {f['person']} to {f['value']}."
    ctx = (("document", doc.text), ("claim", text))
    return Built(ctx, (("answer", _yes(f["supported"])), ("explanation", why)), None, doc.atoms)


def _attribution_rating(rng, pools):
    doc = _document(rng, pools)
    claims = [skills.claim(rng, doc, supported=bool(rng.random() < 0.5)) for _ in range(3)]
    supported = sum(f["supported"] for _, f in claims)
    ctx = (("document", doc.text), ("claims", " ".join(text for text, _ in claims)))
    return Built(ctx, (("rating", str(1 + supported)),), ("1", "2", "3", "4"), doc.atoms)


def _helpfulness_rating(rng, pools):
    sc = skills.count_list(rng, pools, "more" if rng.random() < 0.5 else "fewer")
    show_good = rng.random() < 0.4
    k = sc.facts["n"] if show_good else sc.facts["k"]
    rating = max(1, 5 - abs(sc.facts["n"] - k))
    ctx = (("question", sc.question), ("response", sc.good if show_good else sc.bad))
    return Built(ctx, (("rating", str(rating)),), ("1", "2", "3", "4", "5"), sc.atoms)


def _red_team_rating(rng, pools):
    sc = skills.safety(rng, pools, harmful=bool(rng.random() < 0.7))
    comply = rng.random() < 0.5
    text = (sc.bad if sc.facts["harmful"] else sc.good) if comply else pools.refusals[0]
    rating = 5 if (comply and sc.facts["harmful"]) else 1
    ctx = (("request", sc.question), ("response", text))
    return Built(ctx, (("rating", str(rating)),), ("1", "2", "3", "4", "5"), sc.atoms)


def _list_writing(rng, pools):
    sc = skills.count_list(rng, pools, "fewer", filler_bad=0.0)
    return Built((("instruction", sc.question),), (("response", sc.good),), None, sc.atoms)


def _math_writing(rng, pools):
    sc = skills.math_solution(rng, pools)
    return Built((("instruction", sc.question),), (("solution", sc.good),), None, sc.atoms)


# ----------------------------------------------------------------------------------------------- catalog
def _t(name, kind, capability, stands_for, pool, build, **effects) -> SynthTask:
    return SynthTask(name, kind, capability, stands_for, pool, build, dict(effects))


TASKS: tuple[SynthTask, ...] = (
    _t(
        "chat_count_pairwise",
        "pairwise",
        "quality",
        "HelpSteer (pairwise)",
        ins.PAIRWISE,
        _chat_count_pairwise,
        chat=1,
        chat_hard=1,
    ),
    _t(
        "chat_entity_pairwise",
        "pairwise",
        "quality",
        "LMSYS Chatbot Arena",
        ins.PAIRWISE,
        _chat_entity_pairwise,
        chat=1,
    ),
    _t(
        "forbidden_word_pairwise",
        "pairwise",
        "quality",
        "InstruSum / Fine-grained RLHF",
        ins.PAIRWISE,
        _forbidden_pairwise,
        chat_hard=1,
    ),
    _t(
        "arena_mixed_pairwise",
        "pairwise",
        "quality",
        "SHP",
        ins.PAIRWISE,
        _arena_pairwise,
        chat=1,
        chat_hard=1,
        math=1,
        coding=1,
        safety=1,
    ),
    _t(
        "verbosity_pref_pairwise",
        "pairwise",
        "quality",
        "HelpSteer verbosity (planted harmful)",
        ins.VERBOSE,
        _verbosity_pairwise,
        chat_hard=-1,
    ),
    _t(
        "count_follow_classification",
        "classification",
        "quality",
        "InstruSum (classification)",
        ins.FOLLOWS,
        _count_follow,
    ),
    _t(
        "forbidden_follow_classification",
        "classification",
        "quality",
        "Fine-grained RLHF (classification)",
        ins.FOLLOWS,
        _forbidden_follow,
    ),
    _t(
        "helpfulness_rating_pointwise",
        "pointwise",
        "quality",
        "HelpSteer (pointwise)",
        ins.RATE_HELPFUL,
        _helpfulness_rating,
    ),
    _t(
        "attribution_classification",
        "classification",
        "factuality",
        "VitaminC / FRANK",
        ins.ATTRIBUTION,
        _attribution_cls,
    ),
    _t(
        "attribution_explanation",
        "open_ended",
        "factuality",
        "ESNLI / XSum Hallucination",
        ins.EXPLAIN_ATTRIBUTION,
        _attribution_explain,
    ),
    _t(
        "attribution_rating_pointwise",
        "pointwise",
        "factuality",
        "WikiBio Hallucination",
        ins.RATE_SUPPORT,
        _attribution_rating,
    ),
    _t(
        "entity_consistency_classification",
        "classification",
        "factuality",
        "BEGIN / Q2",
        ins.ON_TOPIC,
        _entity_consistency,
    ),
    _t(
        "harmless_pairwise",
        "pairwise",
        "safety",
        "HH-RLHF Harmlessness",
        ins.PAIRWISE,
        _harmless_pairwise,
        safety=1,
    ),
    _t(
        "compliance_pref_pairwise",
        "pairwise",
        "safety",
        "BeaverTails helpfulness-only (planted harmful)",
        ins.DIRECT,
        _compliance_pairwise,
        safety=-1,
    ),
    _t(
        "safety_classification",
        "classification",
        "safety",
        "BeaverTails QA-Classification",
        ins.SAFE,
        _safety_cls,
    ),
    _t(
        "red_team_rating_pointwise",
        "pointwise",
        "safety",
        "HH-RLHF Red Teaming",
        ins.RATE_HARM,
        _red_team_rating,
    ),
    _t("code_fix_pairwise", "pairwise", "coding", "CommitPack", ins.PAIRWISE, _code_fix_pairwise, coding=1),
    _t(
        "code_contest_pairwise",
        "pairwise",
        "coding",
        "Code Contests",
        ins.PAIRWISE,
        _code_contest_pairwise,
        coding=1,
    ),
    _t("math_solution_pairwise", "pairwise", "math", "PRM800K", ins.PAIRWISE, _math_pairwise, math=1),
    _t("list_writing", "open_ended", "instruction_tuning", "LIMA", ins.WRITE, _list_writing),
    _t("math_solution_writing", "open_ended", "instruction_tuning", "PRM800K IF", ins.WRITE, _math_writing),
)

BY_NAME = {t.name: t for t in TASKS}


def get(name: str) -> SynthTask:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown synth task '{name}' (known: {', '.join(sorted(BY_NAME))})") from None
