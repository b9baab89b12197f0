"""Factuality / attribution tasks (Table 7, 20 rows): is a response supported by its source?"""

from __future__ import annotations

from core.catalog.fields import choice, ident, literal, number, stable_id, text
from core.catalog.spec import Documents, Example, Local, RowError, Skip, Source, TaskSpec

YES_NO = ("Yes", "No")


def _begin(row, task):
    label = choice(
        row,
        "begin_label",
        {"Fully attributable": "Fully attributable", "Not fully attributable": "Not fully attributable",
         "Generic": "Generic"},
    )  # fmt: skip
    context = (
        ("knowledge", text(row, "knowledge")),
        ("previous turn", text(row, "message", allow_empty=True) or "(the conversation starts here)"),
        ("response", text(row, "response")),
    )
    key = f"{text(row, 'data_source')}-{text(row, 'model_name')}-{stable_id(*(v for _, v in context))}"
    yield Example(key, context, (("answer", label),), {"system": row["model_name"]})


BEGIN = TaskSpec(
    name="begin_attribution",
    dataset="BEGIN",
    citation="Dziri et al. 2022b",
    capability="factuality",
    kind="classification",
    title="Is the dialogue response attributable to the knowledge?",
    description=(
        "A dialogue system wrote the response to the previous turn, grounded on the knowledge snippet. Answer "
        "'Fully attributable' if everything the response states is supported by the knowledge, 'Not fully "
        "attributable' if it states anything the knowledge does not support, or 'Generic' if it is too vague "
        "or conversational to be checked against the knowledge at all."
    ),
    label_space=("Fully attributable", "Not fully attributable", "Generic"),
    source=Source(
        "github",
        "google/BEGIN-dataset",
        files=(
            "wow/begin_dev_wow.tsv",
            "wow/begin_test_wow.tsv",
            "topicalchat/begin_dev_tc.tsv",
            "cmu-dog/begin_dev_cmu.tsv",
        ),
        revision="6e65f0d5a1ed1b9574643a7640ff1678d4e979b5",
    ),  # fmt: skip
    license="CC-BY-4.0 (WoW, CMU-DoG), CDLA-Sharing-1.0 (Topical-Chat)",
    convert=_begin,
    local=Local(
        "begin",
        (
            "wow/begin_dev_wow.tsv",
            "wow/begin_test_wow.tsv",
            "topicalchat/begin_dev_tc.tsv",
            "cmu-dog/begin_dev_cmu.tsv",
        ),
        expected=430 + 3607 + 383 + 416,
    ),  # fmt: skip
)


_DIALFACT = {"SUPPORTS": "Supported", "REFUTES": "Refuted", "NOT ENOUGH INFO": "Not enough information"}


def _dialfact(row, task):
    turns = literal(row, "context")
    if not isinstance(turns, list) or not all(isinstance(t, str) for t in turns):
        raise RowError("context", "expected a list of dialogue turns")
    context = (
        ("conversation", "\n".join(t.strip() for t in turns)),
        ("evidence", text(row, "evidence_touse")),
        ("response", text(row, "response")),
    )
    label = choice(row, "response_label", _DIALFACT)
    yield Example(ident(row, "id"), context, (("answer", label),), {"type": row.get("type_label")})


DIALFACT = TaskSpec(
    name="dialfact_verification",
    dataset="DialFact",
    citation="Gupta et al. 2022",
    capability="factuality",
    kind="classification",
    title="Does the evidence support the claim made in the dialogue response?",
    description=(
        "Read the conversation, the Wikipedia evidence and the response that continues the conversation. "
        "Answer 'Supported' if the evidence confirms what the response claims, 'Refuted' if the evidence "
        "contradicts it, or 'Not enough information' if the evidence neither confirms nor contradicts it."
    ),
    label_space=("Supported", "Refuted", "Not enough information"),
    source=Source(
        "github",
        "salesforce/DialFact",
        files=("data/test_split.jsonl", "data/valid_split.jsonl"),
        revision="d400b250147e45c106b18e52254b1060f7c1575d",
    ),  # fmt: skip
    license="BSD-3-Clause",
    convert=_dialfact,
    local=Local("dialfact_sample", ("testsmall.jsonl",), expected=300),
)


def _q2(row, task):
    name = row["__file__"]
    if "inconsistent" in name:
        label = "No"
    elif "consistent" in name:
        label = "Yes"
    else:
        raise RowError("__file__", f"cannot tell the label from file name {name!r}")
    context = (
        ("knowledge", text(row, "knowledge")),
        ("previous turn", text(row, "message", allow_empty=True) or "(the conversation starts here)"),
        ("response", text(row, "response")),
    )
    system = name.rsplit("/", 1)[-1].split("_")[0]
    key = f"{system}-{ident(row, 'episode_idx')}-{ident(row, 'round')}"
    yield Example(key, context, (("answer", label),), {"system": system, "topic": row.get("topic")})


Q2 = TaskSpec(
    name="q2_consistency",
    dataset="Q2",
    citation="Honovich et al. 2021",
    capability="factuality",
    kind="classification",
    title="Is the dialogue response consistent with the knowledge?",
    description=(
        "A knowledge-grounded dialogue system answered the previous turn using the knowledge sentence. "
        "Answer 'Yes' if every factual statement in the response agrees with the knowledge, and 'No' if the "
        "response states something the knowledge contradicts or does not contain."
    ),
    label_space=YES_NO,
    source=Source(
        "github",
        "orhonovich/q-squared",
        files=tuple(
            f"third_party/data/{s}_{c}.csv"
            for s in ("dodeca", "memnet")
            for c in ("consistent", "inconsistent")
        ),
        revision="cab6027dc9a50cf73d80caf0858da05c2323c433",
    ),  # fmt: skip
    license="MIT (WoW-derived data), Apache-2.0 (code)",
    convert=_q2,
    local=Local(
        "q_squared",
        tuple(f"{s}_{c}.csv" for s in ("dodeca", "memnet") for c in ("consistent", "inconsistent")),
        expected=600,
        excluded="cross_annotation.csv: a second annotation of responses already in the four labelled files "
        "(all 150 dodeca_consistent rows reappear there); using it would duplicate examples",
    ),
)


def _qags(row, task):
    scores = literal(row, "scores")
    if not isinstance(scores, dict) or "consistency" not in scores:
        raise RowError("scores", "expected a mapping with a 'consistency' score")
    score = number(scores, "consistency")
    if not 0.0 <= score <= 1.0:
        raise RowError("scores", f"consistency {score} is outside [0, 1]")
    context = (("article", text(row, "source")), ("summary", text(row, "system_output")))
    label = "Yes" if score == 1.0 else "No"
    corpus = "xsum" if "xsum" in row["__file__"] else "cnndm"
    key = f"{corpus}-{ident(row, 'doc_id')}-{ident(row, 'system_id')}"
    yield Example(key, context, (("answer", label),), {"consistency": score, "corpus": corpus})


QAGS = TaskSpec(
    name="qags_consistency",
    dataset="QAGS",
    citation="Wang et al. 2020",
    capability="factuality",
    kind="classification",
    title="Is every sentence of the summary supported by the article?",
    description=(
        "Read the news article and the machine-written summary. Answer 'Yes' if every sentence of the "
        "summary is factually supported by the article, and 'No' if at least one sentence states something "
        "the article does not support."
    ),
    label_space=YES_NO,
    source=Source("github", "W4ngatang/qags", files=("data/mturk_cnndm.jsonl", "data/mturk_xsum.jsonl")),
    license="QAGS annotations (Wang et al. 2020); CNN/DM and XSum articles under their original terms",
    convert=_qags,
    local=Local("qags_unieval", ("qags_cnndm.json", "qags_xsum.json"), expected=235 + 239),
    notes="Converted from UniEval's redistribution (one row per summary with the fraction of its sentences "
    "judged consistent); a summary is consistent only when all of its sentences are.",
)


def _halueval(row, task):
    label = choice(row, "hallucination", {"yes": "Yes", "no": "No"})
    query, response = text(row, "user_query"), text(row, "chatgpt_response")
    raw_id = str(row.get("ID", "")).strip()
    # a few rows carry '' or the literal 'ID' as their id; their content is fine, so they get a content id
    key = raw_id if raw_id.isdigit() else f"content-{stable_id(query, response)}"
    yield Example(key, (("user query", query), ("response", response)), (("answer", label),))


HALUEVAL = TaskSpec(
    name="halueval_general_hallucination",
    dataset="HaluEval",
    citation="Li et al. 2023a",
    capability="factuality",
    kind="classification",
    title="Does the response contain hallucinated information?",
    description=(
        "A chat assistant answered the user query. Answer 'Yes' if the response contains information that "
        "is false, cannot be verified, or is made up, and 'No' if everything it states is accurate."
    ),
    label_space=YES_NO,
    source=Source(
        "github",
        "RUCAIBox/HaluEval",
        files=("data/general_data.json",),
        revision="b7253db3cdaa0ab2c382f92b26b390109174f77e",
    ),  # fmt: skip
    license="MIT",
    convert=_halueval,
    local=Local("halueval_general", ("general_data.json",), expected=4507),
    notes="The human-annotated general-query part; the QA, dialogue and summarisation parts are generated "
    "by ChatGPT, not labelled by people.",
)


def _glue_pair(first: str, second: str, labels: dict, names=("premise", "hypothesis")):
    def convert(row, task):
        label = choice(row, "label", labels)
        context = ((names[0], text(row, first)), (names[1], text(row, second)))
        yield Example(ident(row, "idx" if "idx" in row else "id"), context, (("answer", label),))

    return convert


def _nli_task(name, dataset, citation, source, license, title, description, labels, names):
    return TaskSpec(
        name=name, dataset=dataset, citation=citation, capability="factuality", kind="classification",
        title=title, description=description, label_space=tuple(dict.fromkeys(labels.values())), source=source,
        license=license, convert=_glue_pair(*names, labels),
    )  # fmt: skip


MNLI = _nli_task(
    "mnli_attribution", "MNLI", "Williams et al. 2018",
    Source("hub", "nyu-mll/glue", config="mnli", splits=("train",)), "OANC / CC-BY-SA-3.0 / CC-BY-3.0 (genres differ)",
    "Is the hypothesis fully supported by the premise?",
    "Treat the premise as the only source of information. Answer 'Yes' if the hypothesis must be true given "
    "the premise, and 'No' if it could be false (it contradicts the premise or says more than it supports).",
    {0: "Yes", 1: "No", 2: "No"}, ("premise", "hypothesis"),
)  # fmt: skip
QQP = _nli_task(
    "qqp_duplicates", "QQP", "Iyer et al. 2017",
    Source("hub", "nyu-mll/glue", config="qqp", splits=("train",)), "Quora terms (non-commercial research)",
    "Do the two questions ask the same thing?",
    "Answer 'Yes' if the two questions are duplicates, i.e. one answer would answer both, and 'No' otherwise.",
    {1: "Yes", 0: "No"}, ("question1", "question2"),
)  # fmt: skip
PAWS = TaskSpec(
    name="paws_paraphrase", dataset="PAWS", citation="Zhang et al. 2019", capability="factuality",
    kind="classification", title="Do the two sentences mean the same thing?",
    description="The sentences share most of their words. Answer 'Yes' if they are paraphrases with the same "
    "meaning, and 'No' if swapping or changing words changed who did what to whom or any other fact.",
    label_space=("Yes", "No"), source=Source("hub", "google-research-datasets/paws", config="labeled_final",
                                             splits=("train",)),
    license="Free to use for any purpose (see the dataset card)", convert=_glue_pair("sentence1", "sentence2",
                                                                                   {1: "Yes", 0: "No"},
                                                                                   ("sentence 1", "sentence 2")),
)  # fmt: skip


def _stsb(row, task):
    score = number(row, "label")
    if not 0.0 <= score <= 5.0:
        raise RowError("label", f"{score} is outside [0, 5]")
    context = (("sentence 1", text(row, "sentence1")), ("sentence 2", text(row, "sentence2")))
    yield Example(ident(row, "idx"), context, (("rating", str(int(score + 0.5))),), {"score": score})


STSB = TaskSpec(
    name="stsb_similarity", dataset="Sentence Similarity - STS-B", citation="Cer et al. 2017",
    capability="factuality", kind="pointwise", title="How similar in meaning are the two sentences?",
    description="Rate from 0 to 5 how close the two sentences are in meaning: 0 means unrelated, 5 means they "
    "say exactly the same thing, with the numbers between for partial overlap of content.",
    label_space=("0", "1", "2", "3", "4", "5"), source=Source("hub", "nyu-mll/glue", config="stsb",
                                                              splits=("train",)),
    license="CC-BY-SA-4.0 (mixed sources; see the dataset card)", convert=_stsb,
)  # fmt: skip


def _cxc(row, task):
    score = number(row, "agg_score")
    if not 0.0 <= score <= 5.0:
        raise RowError("agg_score", f"{score} is outside [0, 5]")
    first, second = row.get("__document__") or (None, None)
    for field, caption in (("caption1", first), ("caption2", second)):
        if not isinstance(caption, str) or not caption.strip():
            raise RowError(field, f"no Karpathy-split COCO caption with id {row.get(field)!r}")
    context = (("caption 1", first.strip()), ("caption 2", second.strip()))
    key = f"{ident(row, 'caption1')}-{ident(row, 'caption2')}"
    meta = {"score": score, "sampling": row.get("sampling_method")}
    yield Example(key, context, (("rating", str(int(score + 0.5))),), meta)


CXC = TaskSpec(
    name="cxc_caption_similarity", dataset="Sentence Similarity - CxC", citation="Parekh et al. 2021",
    capability="factuality", kind="pointwise", title="How similar in meaning are the two image captions?",
    description="Two captions of MS-COCO images. Rate from 0 to 5 how close they are in meaning: 0 means they "
    "describe unrelated scenes, 5 means they say the same thing, with the numbers between for partial overlap.",
    label_space=("0", "1", "2", "3", "4", "5"),
    source=Source("github", "google-research-datasets/Crisscrossed-Captions",
                  files=("data/sts_val.csv", "data/sts_test.csv")),
    license="CC-BY-4.0 (annotations); COCO captions CC-BY-4.0", convert=_cxc,
    documents=Documents(Source("hub", "yerevann/coco-karpathy", splits=("validation", "test")), key="sentids",
                        text="sentences", row_key=("caption1", "caption2"), key_of=lambda ref: ref.rsplit(":", 1)[-1],
                        explode=True),
    notes="The semantic textual similarity part of CxC (caption pairs, aggregated scores rounded to the nearest "
    "integer); captions are joined by Karpathy-split sentence id, as the authors' own merge script does.",
)  # fmt: skip

_ESNLI_LABELS = {0: "Entailment", 1: "Neutral", 2: "Contradiction"}
_ESNLI_SOURCE = Source("hub", "esnli/esnli", splits=("train",))


def _esnli(explain: bool):
    def convert(row, task):
        label = choice(row, "label", _ESNLI_LABELS)
        premise, hypothesis = text(row, "premise"), text(row, "hypothesis")
        target = (("answer", label),)
        if explain:
            target += (("explanation", text(row, "explanation_1")),)
        yield Example(
            stable_id(premise, hypothesis), (("premise", premise), ("hypothesis", hypothesis)), target
        )

    return convert


_ESNLI_DESCRIPTION = (
    "Decide how the hypothesis relates to the premise: 'Entailment' if the premise makes it true, "
    "'Contradiction' if the premise makes it false, 'Neutral' if the premise leaves it open."
)
ESNLI = TaskSpec(
    name="esnli_classification", dataset="ESNLI", citation="Camburu et al. 2018", capability="factuality",
    kind="classification", title="Does the premise entail, contradict or leave open the hypothesis?",
    description=_ESNLI_DESCRIPTION, label_space=tuple(_ESNLI_LABELS.values()), source=_ESNLI_SOURCE,
    license="MIT", convert=_esnli(False),
)  # fmt: skip
ESNLI_EXPLAIN = TaskSpec(
    name="esnli_explanation", dataset="ESNLI", citation="Camburu et al. 2018", capability="factuality",
    kind="open_ended", title="Explain how the premise relates to the hypothesis.",
    description=_ESNLI_DESCRIPTION + " Give the answer, then a one-sentence explanation naming the words of "
    "the premise that decide it.", label_space=None, source=_ESNLI_SOURCE, license="MIT", convert=_esnli(True),
)  # fmt: skip


def _vitaminc(row, task):
    label = choice(row, "label", {"SUPPORTS": "Supported", "REFUTES": "Refuted",
                                  "NOT ENOUGH INFO": "Not enough information"})  # fmt: skip
    context = (("evidence", text(row, "evidence")), ("claim", text(row, "claim")))
    yield Example(ident(row, "unique_id"), context, (("answer", label),))


VITAMINC = TaskSpec(
    name="vitaminc_verification", dataset="VitaminC", citation="Schuster et al. 2021", capability="factuality",
    kind="classification", title="Does the evidence support or refute the claim?",
    description="Read the Wikipedia evidence and the claim. Answer 'Supported' if the evidence confirms the "
    "claim, 'Refuted' if it contradicts it, and 'Not enough information' if it does neither; small changes in "
    "numbers or dates matter.",
    label_space=("Supported", "Refuted", "Not enough information"),
    source=Source("hub", "tals/vitaminc", splits=("train",)), license="CC-BY-SA-3.0", convert=_vitaminc,
)  # fmt: skip

_WIKIBIO = {"accurate": "3", "minor_inaccurate": "2", "major_inaccurate": "1"}


def _wikibio(row, task):
    sentences, labels = row.get("gpt3_sentences"), row.get("annotation")
    if not isinstance(sentences, list) or not isinstance(labels, list) or len(sentences) != len(labels):
        raise RowError("annotation", "expected one label per sentence of gpt3_sentences")
    reference, passage = text(row, "wiki_bio_text"), text(row, "gpt3_text")
    for i, (sentence, label) in enumerate(zip(sentences, labels)):
        if label not in _WIKIBIO or not isinstance(sentence, str):
            raise RowError("annotation", f"sentence {i}: label {label!r} is not one of {sorted(_WIKIBIO)}")
        context = (("reference", reference), ("passage", passage), ("sentence", sentence.strip()))
        yield Example(f"{ident(row, 'wiki_bio_test_idx')}-{i}", context, (("rating", _WIKIBIO[label]),))


WIKIBIO = TaskSpec(
    name="wikibio_hallucination_rating", dataset="WikiBio Hallucination", citation="Manakul et al. 2023",
    capability="factuality", kind="pointwise", title="How accurate is the sentence of the generated biography?",
    description="A language model wrote the passage, a biography; the reference is the person's Wikipedia "
    "article. Rate the marked sentence of the passage: 3 if it is accurate, 2 if it has a minor inaccuracy "
    "(a detail wrong or unverifiable), 1 if it is a major inaccuracy (largely made up).",
    label_space=("1", "2", "3"), source=Source("hub", "potsawee/wiki_bio_gpt3_hallucination",
                                               splits=("evaluation",)),
    license="CC-BY-SA-3.0", convert=_wikibio,
)  # fmt: skip


def _mocha(row, task):
    score = number(row, "score")
    if not 1.0 <= score <= 5.0:
        raise RowError("score", f"{score} is outside [1, 5]")
    context = (("passage", text(row, "context")), ("question", text(row, "question")),
               ("reference answer", text(row, "reference")), ("candidate answer", text(row, "candidate")))  # fmt: skip
    yield Example(
        ident(row, "id"),
        context,
        (("rating", str(int(score + 0.5))),),
        {"source": row.get("constituent_dataset")},
    )


MOCHA = TaskSpec(
    name="mocha_answer_correctness", dataset="MOCHA", citation="Chen et al. 2020", capability="factuality",
    kind="pointwise", title="How correct is the candidate answer?",
    description="Read the passage, the question and the reference answer. Rate from 1 to 5 how correct the "
    "candidate answer is: 1 means wrong, 5 means it means the same as the reference answer; a candidate may be "
    "worded differently and still be fully correct.",
    label_space=("1", "2", "3", "4", "5"), source=Source("hub", "anthonychen/mocha", splits=("train",)),
    license="CC-BY-SA-4.0", convert=_mocha,
)  # fmt: skip

_BEGIN_FAITHFUL = {"Entailment"}
_BEGIN_UNFAITHFUL = {"Hallucination", "Partial Hallucination"}


def _faithdial(row, task):
    original = row.get("original_response")
    if not isinstance(original, str) or not original.strip():
        raise Skip("no original response to judge")
    tags = row.get("BEGIN")
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise RowError("BEGIN", "expected a list of BEGIN labels")
    if set(tags) & _BEGIN_UNFAITHFUL:
        label = "No"
    elif set(tags) & _BEGIN_FAITHFUL:
        label = "Yes"
    else:
        raise Skip("generic or uncooperative response")
    history = row.get("history")
    if not isinstance(history, list):
        raise RowError("history", "expected a list of turns")
    context = (("knowledge", text(row, "knowledge")), ("conversation", "\n".join(h.strip() for h in history)),
               ("response", original.strip()))  # fmt: skip
    yield Example(
        f"{ident(row, 'dialog_idx')}-{stable_id(original)}", context, (("answer", label),), {"begin": tags}
    )


FAITHDIAL = TaskSpec(
    name="faithdial_faithfulness", dataset="FaithDial", citation="Dziri et al. 2022a", capability="factuality",
    kind="classification", title="Is the information-seeking dialogue response faithful to the knowledge?",
    description="A wizard answers the last turn of the conversation using the knowledge snippet. Answer 'Yes' if "
    "everything the response states is supported by the knowledge, and 'No' if it adds or changes information "
    "the knowledge does not support (including personal claims a system cannot have).",
    label_space=("Yes", "No"), source=Source("hub", "McGill-NLP/FaithDial", splits=("train",)), license="MIT",
    convert=_faithdial, notes="Judges the original Wizard-of-Wikipedia responses with their BEGIN labels.",
)  # fmt: skip


def _ragtruth(group, task):
    sources = [r for r in group["rows"] if "prompt" in r]
    responses = [r for r in group["rows"] if "response" in r]
    if len(sources) != 1:
        raise RowError("source_id", f"expected one source_info row for the responses, found {len(sources)}")
    prompt = text(sources[0], "prompt")
    for row in responses:
        if row.get("split") != "train":
            yield Skip("the authors' test split")
            continue
        labels = row.get("labels")
        if not isinstance(labels, list):
            raise RowError("labels", "expected a list of hallucination spans")
        spans = [span for span in labels if isinstance(span, dict) and not span.get("implicit_true")]
        context = (("task given to the model", prompt), ("response", text(row, "response")))
        yield Example(ident(row, "id"), context, (("answer", "Yes" if spans else "No"),),
                      {"task_type": sources[0].get("task_type"), "model": row.get("model")})  # fmt: skip


RAGTRUTH = TaskSpec(
    name="ragtruth_hallucination", dataset="RAGTruth", citation="Wu et al. 2023a", capability="factuality",
    kind="classification", title="Does the retrieval-augmented response contain hallucinations?",
    description="A model was given the task below together with retrieved content (passages, structured data or "
    "an article) and wrote the response. Answer 'Yes' if the response states anything that conflicts with, or is "
    "not supported by, the given content, and 'No' if it is fully grounded in it.",
    label_space=("Yes", "No"),
    source=Source("github", "ParticleMedia/RAGTruth", files=("dataset/source_info.jsonl", "dataset/response.jsonl")),
    license="MIT", convert=_ragtruth, group_by="source_id",
    notes="Responses of the authors' train split only; spans marked implicit_true are not hallucinations. "
    "LLM-AggreFact's later versions include RAGTruth's test split, which FLAMe's 10-dataset version does not.",
)  # fmt: skip


def _frank(row, task):
    sentences, annotations = row.get("summary_sentences"), row.get("summary_sentences_annotations")
    if (
        not isinstance(sentences, list)
        or not isinstance(annotations, list)
        or len(sentences) != len(annotations)
    ):
        raise RowError("summary_sentences_annotations", "expected one annotation per summary sentence")
    consistent = []
    for i, votes in enumerate(annotations):
        if not isinstance(votes, dict) or not votes:
            raise RowError("summary_sentences_annotations", f"sentence {i}: expected annotators' error lists")
        no_error = sum(1 for errors in votes.values() if isinstance(errors, list) and "NoE" in errors)
        consistent.append(2 * no_error > len(votes))  # a majority of annotators found no error
    context = (("article", text(row, "article")), ("summary", text(row, "summary")))
    key = f"{ident(row, 'hash')}-{ident(row, 'model_name')}"
    yield Example(
        key, context, (("answer", "Yes" if all(consistent) else "No"),), {"split": row.get("split")}
    )


FRANK = TaskSpec(
    name="frank_factuality", dataset="FRANK", citation="Pagnoni et al. 2021", capability="factuality",
    kind="classification", title="Is the summary free of factual errors?",
    description="Read the news article and the machine-written summary. Answer 'Yes' if no sentence of the "
    "summary contains a factual error with respect to the article (wrong relation, entity, circumstance, "
    "coreference, discourse link, or content not in the article), and 'No' otherwise.",
    label_space=("Yes", "No"),
    source=Source("github", "artidoro/frank", files=("data/human_annotations_sentence.json",)),
    license="MIT", convert=_frank,
    notes="A sentence counts as consistent when most of its three annotators marked no error (NoE).",
)  # fmt: skip


_XSUM_TYPES = {0: "intrinsic", 1: "extrinsic", "intrinsic": "intrinsic", "extrinsic": "extrinsic"}


def _xsum_hallucination(group, task):
    rows = group["rows"]
    article = rows[0].get("__document__")
    if not isinstance(article, str) or not article.strip():
        raise RowError("bbcid", f"no XSum article with id {rows[0].get('bbcid')!r}")
    summary = text(rows[0], "summary")
    spans = {}
    for row in rows:
        start, end = row.get("hallucinated_span_start"), row.get("hallucinated_span_end")
        if not (isinstance(start, int) and isinstance(end, int)) or start < 0 or end <= start:
            continue  # this annotator marked no hallucinated span
        if end > len(summary) + 1:
            raise RowError(
                "hallucinated_span_end", f"{end} lies beyond the summary ({len(summary)} characters)"
            )
        kind = choice(row, "hallucination_type", _XSUM_TYPES)
        spans.setdefault((start, end), (summary[start:end].strip(), kind))
    if spans:
        listed = "; ".join(f"'{span}' ({kind})" for (_, _), (span, kind) in sorted(spans.items()) if span)
        target = (("answer", "Yes"), ("explanation", f"Unsupported by the article: {listed}."))
    else:
        target = (("answer", "No"), ("explanation", "Every part of the summary is supported by the article."))
    key = f"{ident(rows[0], 'bbcid')}-{ident(rows[0], 'system')}"
    yield Example(
        key, (("article", article.strip()), ("summary", summary)), target, {"annotators": len(rows)}
    )


XSUM_HALLUCINATION = TaskSpec(
    name="xsum_hallucination_explanation", dataset="XSum Hallucination", citation="Maynez et al. 2020",
    capability="factuality", kind="open_ended", title="Does the summary hallucinate? Point out where.",
    description="Read the BBC article and its one-sentence summary. Answer 'Yes' if the summary contains "
    "information not supported by the article (intrinsic: misrepresents the article; extrinsic: adds facts it "
    "does not contain) or 'No' otherwise, then explain by quoting each unsupported span and its kind.",
    label_space=None,
    source=Source("hub", "google-research-datasets/xsum_factuality", config="xsum_faithfulness", splits=("train",)),
    license="CC-BY-4.0 (annotations); XSum articles under their original terms", convert=_xsum_hallucination,
    group_by="summary",
    documents=Documents(Source("hub", "EdinburghNLP/xsum", splits=("test",)), key="id", text="document", row_key="bbcid"),
    notes="All annotators' spans of one summary are merged; the article comes from XSum's test split by BBC id.",
)  # fmt: skip


TASKS = (
    MOCHA,
    FAITHDIAL,
    RAGTRUTH,
    FRANK,
    XSUM_HALLUCINATION,
    BEGIN,
    DIALFACT,
    Q2,
    QAGS,
    HALUEVAL,
    MNLI,
    QQP,
    PAWS,
    STSB,
    CXC,
    ESNLI,
    ESNLI_EXPLAIN,
    VITAMINC,
    WIKIBIO,
)
