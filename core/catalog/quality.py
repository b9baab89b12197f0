"""General response quality tasks (Table 7, 23 rows; those with converters so far)."""

from __future__ import annotations

from itertools import combinations

from core.catalog.fields import choice, ident, number, pair, stable_id, text
from core.catalog.spec import Example, RowError, Skip, Source, TaskSpec
from core.data.schema import PAIR_LABELS


def _shp(row, task):
    post = text(row, "history")
    a, b = text(row, "human_ref_A"), text(row, "human_ref_B")
    better_is_a = choice(row, "labels", {1: True, 0: False, "1": True, "0": False})
    key = f"{ident(row, 'post_id')}-{ident(row, 'c_root_id_A')}-{ident(row, 'c_root_id_B')}"
    better, worse = (a, b) if better_is_a else (b, a)
    fields, label = pair(task.name, key, better, worse)
    yield Example(key, (("post", post), *fields), (("choice", label),), {"domain": row.get("domain")})


SHP = TaskSpec(
    name="shp_helpfulness",
    dataset="SHP",
    citation="Ethayarajh et al. 2022",
    capability="quality",
    kind="pairwise",
    title="Which reply to the Reddit post is more helpful?",
    description=(
        "Two people replied to the same Reddit post, which asks a question or seeks advice. Choose 'A' or "
        "'B': the reply readers found more helpful, i.e. the one that better answers or helps the poster."
    ),
    label_space=PAIR_LABELS,
    source=Source("hub", "stanfordnlp/SHP", splits=("train",)),
    license="Reddit API terms (research use); see the dataset card",
    convert=_shp,
    notes="Preferences are inferred from comment scores by the authors (a comment written later yet scored "
    "higher is preferred), which the paper counts as human judgments.",
)

HELPSTEER_ATTRIBUTES = {
    "helpfulness": "how well the response meets the overall need of the prompt",
    "correctness": "whether the response contains all pertinent facts without errors",
    "coherence": "how consistent and clear the expression of the response is",
    "complexity": "how much intellectual depth is needed to write the response (basic language to expert)",
    "verbosity": "how much detail the response includes relative to what the prompt asks for",
}
HELPSTEER = Source("hub", "nvidia/HelpSteer", splits=("train",))


def _helpsteer_rating(attribute: str):
    def convert(row, task):
        score = number(row, attribute)
        if score not in (0, 1, 2, 3, 4):
            raise RowError(attribute, f"{score} is not an integer from 0 to 4")
        prompt, response = text(row, "prompt"), text(row, "response")
        context = (("prompt", prompt), ("response", response))
        yield Example(stable_id(prompt, response), context, (("rating", str(int(score))),))

    return convert


def _helpsteer_pairs(attribute: str):
    def convert(group, task):
        rows = group["rows"]
        prompt = text(rows[0], "prompt")
        scored = [(text(r, "response"), number(r, attribute)) for r in rows]
        pairs = [(a, b) for a, b in combinations(scored, 2) if a[1] != b[1] and a[0] != b[0]]
        if not pairs:
            raise Skip("no two responses differ in this attribute")
        for (ra, sa), (rb, sb) in pairs:
            better, worse = (ra, rb) if sa > sb else (rb, ra)
            key = stable_id(prompt, better, worse)
            fields, label = pair(task.name, key, better, worse)
            yield Example(key, (("prompt", prompt), *fields), (("choice", label),), {"scores": [sa, sb]})

    return convert


def _helpsteer_tasks() -> tuple[TaskSpec, ...]:
    tasks = []
    for attr, meaning in HELPSTEER_ATTRIBUTES.items():
        common = dict(dataset="HelpSteer", citation="Wang et al. 2023b", capability="quality", source=HELPSTEER,
                      license="CC-BY-4.0")  # fmt: skip
        tasks.append(TaskSpec(
            name=f"helpsteer_{attr}_rating", kind="pointwise", label_space=("0", "1", "2", "3", "4"),
            title=f"Rate the {attr} of the response.",
            description=f"Rate the response to the prompt for {attr}: {meaning}. Use a scale from 0 (lowest) to 4 "
            "(highest), judging this attribute alone.",
            convert=_helpsteer_rating(attr), **common,
        ))  # fmt: skip
        tasks.append(TaskSpec(
            name=f"helpsteer_{attr}_pairwise", kind="pairwise", label_space=PAIR_LABELS,
            title=f"Which response has higher {attr}?",
            description=f"Two responses answer the same prompt. Choose 'A' or 'B': the response with more {attr}, "
            f"that is, {meaning}, judging this attribute alone.",
            convert=_helpsteer_pairs(attr), group_by="prompt", **common,
        ))  # fmt: skip
    return tuple(tasks)


def _turns(messages, field: str) -> list[tuple[str, str]]:
    if not isinstance(messages, list) or not messages:
        raise RowError(field, "expected a non-empty list of messages")
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or not isinstance(m.get("content"), str) or m.get("role") not in (
            "user", "assistant", "system"):  # fmt: skip
            raise RowError(field, f"message {i} lacks a role or text content")
        out.append((m["role"], m["content"].strip()))
    return out


def _arena(row, task):
    winner = choice(row, "winner", {"model_a": "a", "model_b": "b", "tie": "tie", "tie (bothbad)": "tie"})
    if winner == "tie":
        raise Skip("tie")
    a, b = (
        _turns(row.get("conversation_a"), "conversation_a"),
        _turns(row.get("conversation_b"), "conversation_b"),
    )
    users_a = [c for r, c in a if r == "user"]
    if users_a != [c for r, c in b if r == "user"] or not users_a:
        raise RowError("conversation_b", "the two conversations do not share the same user turns")
    if len(users_a) > 1:
        raise Skip("multi-turn conversation")
    reply = {side: "\n".join(c for r, c in conv if r == "assistant") for side, conv in (("a", a), ("b", b))}
    key = ident(row, "question_id")
    better, worse = (reply["a"], reply["b"]) if winner == "a" else (reply["b"], reply["a"])
    fields, label = pair(task.name, key, better, worse)
    yield Example(key, (("user prompt", users_a[0]), *fields), (("choice", label),),
                  {"models": [row.get("model_a"), row.get("model_b")]})  # fmt: skip


ARENA = TaskSpec(
    name="chatbot_arena_preference",
    dataset="LMSYS Chatbot Arena conversations",
    citation="Zheng et al. 2023",
    capability="quality",
    kind="pairwise",
    title="Which chatbot response does the user prefer?",
    description=(
        "Two anonymous chatbots answered the same user prompt. Choose 'A' or 'B': the response a user would "
        "prefer, considering helpfulness, accuracy, relevance and how well it follows the prompt."
    ),
    label_space=PAIR_LABELS,
    source=Source("hub", "lmsys/chatbot_arena_conversations", splits=("train",)),
    license="CC-BY-4.0 (user prompts), model outputs under their providers' terms",
    convert=_arena,
    notes="Single-turn battles with a winner; ties and multi-turn battles are counted as filtered.",
)


def _webgpt(row, task):
    question = row.get("question")
    if not isinstance(question, dict):
        raise RowError("question", "expected an object with full_text")
    q = text(question, "full_text")
    s0, s1 = number(row, "score_0"), number(row, "score_1")
    if s0 == s1:
        raise Skip("tie")
    a0, a1 = text(row, "answer_0"), text(row, "answer_1")
    better, worse = (a0, a1) if s0 > s1 else (a1, a0)
    key = stable_id(q, a0, a1)
    fields, label = pair(task.name, key, better, worse)
    yield Example(key, (("question", q), *fields), (("choice", label),))


WEBGPT = TaskSpec(
    name="webgpt_comparisons",
    dataset="WebGPT",
    citation="Nakano et al. 2021",
    capability="quality",
    kind="pairwise",
    title="Which answer to the question is better?",
    description=(
        "Two long-form answers respond to the same question. Choose 'A' or 'B': the answer that is more "
        "useful overall, weighing factual accuracy, coherence and how completely it answers the question."
    ),
    label_space=PAIR_LABELS,
    source=Source("hub", "openai/webgpt_comparisons", splits=("train",)),
    license="MIT",
    convert=_webgpt,
    notes="Ties (equal scores) are counted as filtered.",
)


def _summary_comparison(row, task):
    info, summaries = row.get("info"), row.get("summaries")
    if not isinstance(info, dict):
        raise RowError("info", "expected an object with the post or article")
    document = (info.get("post") or info.get("article") or "").strip()
    if not document:
        raise RowError("info", "has neither a post nor an article")
    if not isinstance(summaries, list) or len(summaries) != 2:
        raise RowError("summaries", "expected two summaries")
    texts = [text(s, "text") if isinstance(s, dict) else "" for s in summaries]
    best = choice(row, "choice", {0: 0, 1: 1})
    key = stable_id(document, *texts)
    fields, label = pair(task.name, key, texts[best], texts[1 - best])
    context = (("title", (info.get("title") or "").strip() or "(none)"), ("text", document), *fields)
    yield Example(key, context, (("choice", label),))


SUMMARY_COMPARISONS = TaskSpec(
    name="summarize_from_feedback_comparisons",
    dataset="Summary Comparisons (SummFeedback)",
    citation="Stiennon et al. 2020",
    capability="quality",
    kind="pairwise",
    title="Which summary of the text is better?",
    description=(
        "Two summaries condense the same post or article. Choose 'A' or 'B': the better summary, one that "
        "captures the most important points accurately and concisely, as a reader of the original would want."
    ),
    label_space=PAIR_LABELS,
    source=Source("hub", "openai/summarize_from_feedback", config="comparisons", splits=("train",)),
    license="MIT",
    convert=_summary_comparison,
    notes="Only the pairwise comparisons are trained on; the pointwise 'axis' ratings are held out (footnote 12).",
)

SUMMEVAL_ASPECTS = {
    "coherence": "the summary is well structured and organised, building a coherent body of information",
    "consistency": "every fact in the summary is supported by the article, with no hallucinated facts",
    "fluency": "the sentences are grammatical and well formed",
    "relevance": "the summary keeps the important content of the article and leaves out the redundant",
}


def _summeval(aspect: str):
    def convert(row, task):
        article = text(row, "text")
        summaries, scores = row.get("machine_summaries"), row.get(aspect)
        if not isinstance(summaries, list) or not isinstance(scores, list) or len(summaries) != len(scores):
            raise RowError(aspect, "expected one score per machine summary")
        for i, (summary, score) in enumerate(zip(summaries, scores)):
            if not isinstance(summary, str) or not isinstance(score, (int, float)) or not 1 <= score <= 5:
                raise RowError(aspect, f"summary {i}: expected text and a score in [1, 5]")
            rating = str(int(score + 0.5))  # expert scores are averages; round half up to the 5-point scale
            key = f"{ident(row, 'id')}-{i}"
            yield Example(key, (("article", article), ("summary", summary.strip())), (("rating", rating),),
                          {"mean_score": score})  # fmt: skip

    return convert


SUMMEVAL = tuple(
    TaskSpec(
        name=f"summeval_{aspect}",
        dataset="SummEval",
        citation="Fabbri et al. 2021",
        capability="quality",
        kind="pointwise",
        title=f"Rate the {aspect} of the summary.",
        description=f"Rate the summary of the news article for {aspect}: {meaning}. Use a scale from 1 (worst) "
        "to 5 (best).",
        label_space=("1", "2", "3", "4", "5"),
        source=Source("hub", "mteb/summeval", splits=("test",)),
        license="MIT",
        convert=_summeval(aspect),
    )
    for aspect, meaning in SUMMEVAL_ASPECTS.items()
)


def _cola(row, task):
    label = choice(row, "label", {1: "Yes", 0: "No"})
    yield Example(ident(row, "idx"), (("sentence", text(row, "sentence")),), (("answer", label),))


COLA = TaskSpec(
    name="cola_acceptability",
    dataset="CoLA",
    citation="Warstadt et al. 2019",
    capability="quality",
    kind="classification",
    title="Is the sentence grammatically acceptable?",
    description=(
        "Answer 'Yes' if a native English speaker would judge the sentence grammatically acceptable, and "
        "'No' if it breaks a rule of English grammar (its meaning or plausibility does not matter)."
    ),
    label_space=("Yes", "No"),
    source=Source("hub", "nyu-mll/glue", config="cola", splits=("train", "validation")),
    license="CoLA terms (research use); see the GLUE dataset card",
    convert=_cola,
)

TASKS = (SHP, *_helpsteer_tasks(), ARENA, WEBGPT, SUMMARY_COMPARISONS, *SUMMEVAL, COLA)
