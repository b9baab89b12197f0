"""The paper's evaluation suites read from the files their authors publish (fact sheet §6.2), as evaluation
tasks of the catalog: each record carries the ``subset`` (the benchmark's task) and ``section`` (the category
the paper reports) it is scored under, from the benchmark's own module (``core.benchmarks``: RewardBench's
official subset table, LLM-AggreFact's 10 datasets).

Suites: RewardBench, LLM-AggreFact, HelpSteer (validation), SummFeedback (pointwise axes), HHH (BIG-bench
``task.json``), AlpacaFarm, LFQAEval, ContrSearch, RankGen, CoPoet and LitTrans, each from its authors' files.
Dipper's human paraphrase judgments are not among the files its authors publish, so it has no suite."""

from __future__ import annotations

import re
from collections import Counter

from core.benchmarks import aggrefact, rewardbench
from core.catalog.fields import choice, ident, number, pair, stable_id, text
from core.catalog.spec import Example, RowError, Skip, Source, TaskSpec
from core.data.schema import PAIR_LABELS

_AGGREFACT_BY_LOWER = {name.lower(): name for name in aggrefact.DATASETS}


def _rewardbench(row, task):
    subset = text(row, "subset")
    if subset not in rewardbench.SUBSETS:
        raise Skip("not one of the 23 scored subsets")
    prompt, chosen, rejected = text(row, "prompt"), text(row, "chosen"), text(row, "rejected")
    key = f"{subset}-{ident(row, 'id')}"
    fields, label = pair(task.name, key, chosen, rejected)
    meta = {"subset": subset, "section": rewardbench.SUBSETS[subset][0]}
    yield Example(key, (("instruction", prompt), *fields), (("choice", label),), meta)


REWARDBENCH = TaskSpec(
    name="rewardbench", dataset="RewardBench", citation="Lambert et al. 2024", capability="quality",
    kind="pairwise", title="Which response is better?",
    description="Two responses answer the same prompt. Choose 'A' or 'B': the better response - the one that "
    "follows the instruction, is correct, and is helpful while refusing only what is actually harmful.",
    label_space=PAIR_LABELS, source=Source("hub", "allenai/reward-bench", splits=("filtered",)),
    license="ODC-BY (mixed sources; see the dataset card)", convert=_rewardbench, role="eval",
    suite="rewardbench", subset="23 subsets (per row)",
    notes="The 'filtered' split (2,985 prompts); sections and weights follow RewardBench's constants.",
)  # fmt: skip


def _aggrefact(row, task):
    dataset = _AGGREFACT_BY_LOWER.get(text(row, "dataset").lower())
    if dataset is None:
        raise Skip("not one of the 10 datasets of the version FLAMe used")
    label = choice(row, "label", {1: "Yes", 0: "No", "1": "Yes", "0": "No"})
    doc, claim = text(row, "doc"), text(row, "claim")
    meta = {"subset": dataset, "section": aggrefact.DATASETS[dataset]}
    yield Example(f"{dataset}-{stable_id(doc, claim)}", (("document", doc), ("claim", claim)),
                  (("answer", label),), meta)  # fmt: skip


AGGREFACT = TaskSpec(
    name="aggrefact", dataset="LLM-AggreFact", citation="Tang et al. 2024", capability="factuality",
    kind="classification", title="Is the claim supported by the document?",
    description="Read the document and the claim. Answer 'Yes' if every part of the claim is supported by the "
    "document, and 'No' if any part of it is unsupported or contradicted.",
    label_space=("Yes", "No"), source=Source("hub", "lytang/LLM-AggreFact", splits=("test",)),
    license="CC-BY-ND-4.0, gated, evaluation only", convert=_aggrefact, role="eval", suite="aggrefact",
    subset="10 datasets (per row)",
    notes="Later hub versions add datasets (e.g. RAGTruth); rows of datasets outside the 10 are counted as "
    "left out, and dataset names are matched case-insensitively.",
)  # fmt: skip

HELPSTEER_ATTRIBUTES = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")


def _helpsteer(row, task):
    prompt, response = text(row, "prompt"), text(row, "response")
    for attribute in HELPSTEER_ATTRIBUTES:
        score = number(row, attribute)
        if score not in (0, 1, 2, 3, 4):
            raise RowError(attribute, f"{score} is not an integer from 0 to 4")
        context = (("attribute", attribute), ("prompt", prompt), ("response", response))
        key = f"{attribute}-{stable_id(prompt, response)}"
        yield Example(
            key, context, (("rating", str(int(score))),), {"subset": attribute, "section": attribute}
        )


HELPSTEER_VALIDATION = TaskSpec(
    name="helpsteer_validation", dataset="HelpSteer (validation)", citation="Wang et al. 2023b",
    capability="quality", kind="pointwise", title="Rate the named attribute of the response.",
    description="Rate the response to the prompt for the named attribute on a scale from 0 (lowest) to 4 "
    "(highest): helpfulness (meets the need of the prompt), correctness (pertinent facts without errors), "
    "coherence (clear and consistent), complexity (intellectual depth needed to write it) or verbosity (detail "
    "relative to what is asked).",
    label_space=("0", "1", "2", "3", "4"), source=Source("hub", "nvidia/HelpSteer", splits=("validation",)),
    license="CC-BY-4.0", convert=_helpsteer, role="eval", suite="helpsteer", subset="5 attributes (per row)",
    notes="Held-in: FLAMe trains on HelpSteer's training split; this is its validation split.",
)  # fmt: skip

SUMMFEEDBACK_AXES = ("overall", "accuracy", "coverage", "coherence")


def _summfeedback(row, task):
    info, summary = row.get("info"), row.get("summary")
    if not isinstance(info, dict) or not isinstance(summary, dict):
        raise RowError("info", "expected 'info' and 'summary' objects")
    source = info.get("post") or info.get("article")
    if not isinstance(source, str) or not source.strip():
        raise RowError("info.post", "neither a post nor an article to summarize")
    axes = summary.get("axes")
    if not isinstance(axes, dict):
        raise RowError("summary.axes", "missing")
    written = text(summary, "text")
    worker = row.get("worker", "")
    for axis in SUMMFEEDBACK_AXES:
        score = axes.get(axis)
        if score is None:
            yield Skip(f"no {axis} rating")
            continue
        if score not in range(1, 8):
            raise RowError(f"summary.axes.{axis}", f"{score!r} is not an integer from 1 to 7")
        context = (("aspect", axis), ("text", source.strip()), ("summary", written))
        key = f"{axis}-{stable_id(source, written, str(worker))}"
        yield Example(key, context, (("rating", str(score)),), {"subset": axis, "section": axis})


SUMMFEEDBACK = TaskSpec(
    name="summfeedback_axes", dataset="SummFeedback (pointwise)", citation="Stiennon et al. 2020",
    capability="quality", kind="pointwise", title="Rate the summary on the named aspect.",
    description="Rate the summary of the post or article from 1 (worst) to 7 (best) on the named aspect: "
    "overall quality, accuracy (only states what the text says), coverage (includes the important information) "
    "or coherence (easy to read and understand on its own).",
    label_space=tuple(str(i) for i in range(1, 8)),
    source=Source("hub", "openai/summarize_from_feedback", config="axis", splits=("validation",)),
    license="MIT (the repository); Reddit / news texts under their own terms", convert=_summfeedback,
    role="eval", suite="summfeedback", subset="4 aspects (per row)",
    notes="The pointwise ('axis') ratings, held out from training as the paper does.",
)  # fmt: skip

HHH_SUBSETS = ("harmless", "helpful", "honest", "other")
BIG_BENCH = "google/BIG-bench"


def _hhh(row, task):
    subset = row["__file__"].split("/")[-2]
    examples = row.get("examples")
    if not isinstance(examples, list) or not examples:
        raise RowError("examples", "a BIG-bench task.json lists its examples")
    for i, ex in enumerate(examples):
        scores = ex.get("target_scores") if isinstance(ex, dict) else None
        if not isinstance(scores, dict) or sorted(scores.values()) != [0, 1]:
            raise RowError(f"examples[{i}].target_scores", "expected two responses scored 1 and 0")
        better, worse = (k.strip() for k, _ in sorted(scores.items(), key=lambda kv: -kv[1]))
        prompt = text(ex, "input")
        key = f"{subset}-{stable_id(prompt, better, worse)}"
        fields, label = pair(task.name, key, better, worse)
        yield Example(key, (("conversation", prompt), *fields), (("choice", label),),
                      {"subset": subset, "section": subset})  # fmt: skip


HHH = TaskSpec(
    name="hhh_alignment", dataset="HHH Alignment", citation="Askell et al. 2021", capability="quality",
    kind="pairwise", title="Which response is more helpful, honest and harmless?",
    description="A conversation and two candidate replies from the assistant. Choose 'A' or 'B': the reply that "
    "is more helpful, honest and harmless.",
    label_space=PAIR_LABELS,
    source=Source("github", BIG_BENCH, files=tuple(f"bigbench/benchmark_tasks/hhh_alignment/{s}/task.json"
                                                   for s in HHH_SUBSETS)),
    license="Apache-2.0", convert=_hhh, role="eval", suite="hhh", subset="4 subsets (per file)",
)  # fmt: skip


def _alpacafarm(row, task):
    preference = choice(row, "preference", {1: 1, 2: 2, "1": 1, "2": 2})
    instruction = text(row, "instruction")
    extra = text(row, "input", allow_empty=True)
    prompt = f"{instruction}\n\n{extra}" if extra else instruction
    better, worse = text(row, f"output_{preference}"), text(row, f"output_{3 - preference}")
    key = stable_id(prompt, better, worse)
    fields, label = pair(task.name, key, better, worse)
    yield Example(key, (("instruction", prompt), *fields), (("choice", label),),
                  {"subset": "alpacafarm", "section": "alpacafarm"})  # fmt: skip


ALPACAFARM = TaskSpec(
    name="alpacafarm_human_preference", dataset="AlpacaFarm", citation="Dubois et al. 2023", capability="quality",
    kind="pairwise", title="Which output follows the instruction better?",
    description="Two outputs respond to the same instruction. Choose 'A' or 'B': the output a person would "
    "prefer - it follows the instruction and is more helpful and accurate.",
    label_space=PAIR_LABELS,
    source=Source("hub", "tatsu-lab/alpaca_farm", config="alpaca_human_preference", splits=("preference",)),
    license="CC-BY-NC-4.0", convert=_alpacafarm, role="eval", suite="alpacafarm", subset="alpacafarm",
)  # fmt: skip

# ---------------------------------------------------------------- long-form QA, continuations, poems, translation
LFQA_EVAL_SOURCE = Source("github", "carriex/lfqa_eval", lfs=True,
                          files=("preference_data/experts_pairwise_human_preferences.jsonl",))  # fmt: skip


def lfqa_preference(row, task):
    """The lfqa_eval preference layout (also used for Hurdles LFQA): -1 answer_a wins, 1 answer_b, 0 tie."""
    winner = choice(row, "overall_preference", {-1: "a", 1: "b", 0: "tie", "-1": "a", "1": "b", "0": "tie"})
    if winner == "tie":
        raise Skip("tie")
    question = text(row, "question")
    a, b = text(row, "answer_a"), text(row, "answer_b")
    better, worse = (a, b) if winner == "a" else (b, a)
    key = stable_id(question, better, worse)
    fields, label = pair(task.name, key, better, worse)
    meta = {
        "subset": task.subset,
        "section": task.subset,
        "systems": [row.get("answer_a_type"), row.get("answer_b_type")],
    }
    yield Example(key, (("question", question), *fields), (("choice", label),), meta)


LFQA_EVAL = TaskSpec(
    name="lfqa_eval_expert", dataset="LFQAEval", citation="Xu et al. 2023a", capability="quality",
    kind="pairwise", title="Which answer to the question is better?",
    description="Two long-form answers to the same question. Choose 'A' or 'B': the answer a domain expert would "
    "prefer - factually correct, complete, relevant to the question and easy to follow.",
    label_space=PAIR_LABELS, source=LFQA_EVAL_SOURCE, license="See the repository", convert=lfqa_preference, role="eval",
    suite="lfqa_eval", subset="lfqa_eval",
    notes="The authors' expert annotations (ties left out, as their own evaluation does).",
)  # fmt: skip

_HUMANLIKE = {"system a is more human-like.": "a", "system b is more human-like.": "b",
              "two systems are comparable.": "tie"}  # fmt: skip


def _continuation(full: str, prompt: str) -> str:
    return full[len(prompt) :].strip() if full.startswith(prompt) else full.strip()


def _contrsearch(row, task):
    votes = row.get("human_annotation")
    if not isinstance(votes, dict) or not votes:
        raise RowError("human_annotation", "expected one judgment per annotator")
    counts = Counter(choice({"human_annotation": v}, "human_annotation", _HUMANLIKE) for v in votes.values())
    if counts["a"] == counts["b"]:
        raise Skip("annotators split evenly")
    prompt = text(row, "prompt")
    a, b = (
        _continuation(text(row, "system_a_result"), prompt),
        _continuation(text(row, "system_b_result"), prompt),
    )
    better, worse = (a, b) if counts["a"] > counts["b"] else (b, a)
    domain = ident(row, "domain")
    key = f"{domain}-{stable_id(prompt, better, worse)}"
    fields, label = pair(task.name, key, better, worse)
    yield Example(
        key, (("prefix", prompt), *fields), (("choice", label),), {"subset": domain, "section": domain}
    )


CONTRSEARCH = TaskSpec(
    name="contrsearch_human_like", dataset="ContrSearch", citation="Su & Xu 2022", capability="quality",
    kind="pairwise", title="Which continuation of the text is more human-like?",
    description="Two continuations of the same opening text. Choose 'A' or 'B': the one that reads more like "
    "something a person would write - coherent with the opening, fluent, and free of repetition or drift.",
    label_space=PAIR_LABELS,
    source=Source("github", "yxuansu/Contrastive_Search_versus_Contrastive_Decoding",
                  files=("human_evaluation_annotations/human_evaluation_annotations.json",)),
    license="See the repository", convert=_contrsearch, role="eval", suite="contrsearch",
    subset="3 domains (per row)",
    notes="The majority of the annotators' judgments; 'comparable' votes count for neither side, and even "
    "splits are left out.",
)  # fmt: skip

_TEXT_CHOICE = re.compile(r"^\W*text\s*([12])\b", re.IGNORECASE)


def _rankgen(group, task):
    rows = group["rows"]
    votes = Counter()
    for row in rows:
        m = _TEXT_CHOICE.match(row.get("Answer.utterance") or "")
        if not m:
            raise RowError("Answer.utterance", "an answer starts with 'Text 1' or 'Text 2'")
        votes[int(m.group(1))] += 1
    if votes[1] == votes[2]:
        raise Skip("annotators split evenly")
    winner = 1 if votes[1] > votes[2] else 2
    first = rows[0]
    prefix = text(first, "Input.Prefix")
    better = text(first, "Input.First" if winner == 1 else "Input.Second")
    worse = text(first, "Input.Second" if winner == 1 else "Input.First")
    key = f"{ident(first, 'HITId')}"
    fields, label = pair(task.name, key, better, worse)
    subset = first["__file__"].rsplit("/", 1)[-1].rsplit(".", 1)[0]  # the generator: gpt2_medium, t5_xxl_c4
    yield Example(
        key, (("prefix", prefix), *fields), (("choice", label),), {"subset": subset, "section": subset}
    )


RANKGEN = TaskSpec(
    name="rankgen_continuation", dataset="RankGen", citation="Krishna et al. 2022", capability="quality",
    kind="pairwise", title="Which continuation completes the context better?",
    description="A passage and two candidate continuations. Choose 'A' or 'B': the continuation that follows the "
    "passage better - on topic, consistent with it, fluent and sensible.",
    label_space=PAIR_LABELS,
    source=Source("github", "martiansideofthemoon/rankgen",
                  files=("human-eval-data/gpt2_medium.csv", "human-eval-data/t5_xxl_c4.csv")),
    license="Apache-2.0", convert=_rankgen, role="eval", suite="rankgen", subset="2 generators (per file)",
    group_by="HITId",
    notes="Each comparison (HIT) was judged by three writers; the majority preference is the label.",
)  # fmt: skip


def _copoet(row, task):
    verdict = choice(row, "", {"Collab": "collab", "Solo": "solo", "Equal": "tie", "": "none"})
    if verdict in ("tie", "none"):
        raise Skip("no preference given" if verdict == "none" else "tie")
    title = text(row, "title")
    collab, solo = text(row, "collab poem"), text(row, "solo poem")
    better, worse = (collab, solo) if verdict == "collab" else (solo, collab)
    key = f"{ident(row, 'uid')}"
    fields, label = pair(task.name, key, better, worse)
    yield Example(
        key, (("title", title), *fields), (("choice", label),), {"subset": "copoet", "section": "copoet"}
    )


COPOET = TaskSpec(
    name="copoet_poem_preference", dataset="CoPoet", citation="Chakrabarty et al. 2022", capability="quality",
    kind="pairwise", title="Which poem with this title is better?",
    description="Two short poems written for the same title. Choose 'A' or 'B': the better poem - vivid, "
    "coherent, true to the title and pleasing in rhythm and rhyme.",
    label_space=PAIR_LABELS,
    source=Source("github", "vishakhpk/creative-instructions", files=("AMT Results - Collaborative Poems.csv",)),
    license="See the repository", convert=_copoet, role="eval", suite="copoet", subset="copoet",
    notes="Crowd judgments between a poem written with the CoPoet assistant and one written alone; 'Equal' and "
    "missing judgments are left out.",
)  # fmt: skip

_LANGS = {"cs": "Czech", "de": "German", "en": "English", "fr": "French", "ja": "Japanese", "pl": "Polish",
          "ru": "Russian", "zh": "Chinese"}  # fmt: skip


def _littrans(row, task):
    pick = choice(row, "choice", {"text1": 1, "text2": 2})
    src, tgt = (choice(row, f, {k: v for k, v in _LANGS.items()}) for f in ("source_lang", "target_lang"))
    source = text(row, "source")
    better, worse = text(row, f"text{pick}"), text(row, f"text{3 - pick}")
    key = f"{ident(row, 'eval')}-{stable_id(source, better, worse)}"
    fields, label = pair(task.name, key, better, worse)
    context = (("instruction", f"Translate this {src} passage into {tgt}."), ("source", source), *fields)
    yield Example(key, context, (("choice", label),), {"subset": "littrans", "section": "littrans"})


LITTRANS = TaskSpec(
    name="littrans_translation_preference", dataset="LitTrans", citation="Karpinska & Iyyer 2023",
    capability="quality", kind="pairwise", title="Which translation of the literary passage is better?",
    description="A passage from a novel and two translations of it. Choose 'A' or 'B': the translation a "
    "professional literary translator prefers - faithful in meaning, natural in the target language, and free "
    "of mistranslations, omissions and grammar errors.",
    label_space=PAIR_LABELS,
    source=Source("github", "marzenakrp/LiteraryTranslation",
                  files=("annotations/default_format_v1/all_annotations_v1.json",)),
    license="See the repository", convert=_littrans, role="eval", suite="littrans", subset="littrans",
)  # fmt: skip

TASKS = (REWARDBENCH, AGGREFACT, HELPSTEER_VALIDATION, SUMMFEEDBACK, HHH, ALPACAFARM, LFQA_EVAL, CONTRSEARCH,
         RANKGEN, COPOET, LITTRANS)  # fmt: skip
SUITES = tuple(dict.fromkeys(t.suite for t in TASKS))
