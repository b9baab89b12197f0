"""Summary quality judged by people (Table 7): InstruSum's pairwise preferences between instruction-controlled
summaries and SEAHORSE's six yes/no quality questions."""

from __future__ import annotations

from core.catalog.fields import choice, ident, pair, stable_id, text
from core.catalog.spec import Documents, Example, RowError, Skip, Source, TaskSpec
from core.data.schema import PAIR_LABELS

# ---------------------------------------------------------------- InstruSum (Liu et al. 2024)


def _instrusum(row, task):
    winner = choice(row, "winner", {1: 1, 2: 2, "1": 1, "2": 2, "output_1": 1, "output_2": 2})
    better, worse = text(row, f"output_{winner}"), text(row, f"output_{3 - winner}")
    key = f"{ident(row, 'doc_id')}-{stable_id(better, worse)}"
    fields, label = pair(task.name, key, better, worse)
    context = (("article", text(row, "article")), ("summary requirement", text(row, "requirement")), *fields)
    yield Example(key, context, (("choice", label),), {"systems": [row.get("sys_1"), row.get("sys_2")]})


INSTRUSUM = TaskSpec(
    name="instrusum_overall_pairwise", dataset="InstruSum", citation="Liu et al. 2024",
    capability="quality", kind="pairwise", title="Which summary better follows the summary requirement?",
    description="An article and a requirement saying what the summary should focus on. Choose 'A' or 'B': the "
    "summary of higher overall quality for this requirement, i.e. it covers the information the requirement asks "
    "for, leaves out what it does not, and stays faithful to the article.",
    label_space=PAIR_LABELS,
    source=Source("hub", "Salesforce/InstruSum", config="human_eval_pairwise", splits=("data",)),
    license="BSD-3-Clause (gated on the hub: accept the conditions before downloading)", convert=_instrusum,
    notes="The authors' pairwise conversion of their overall-quality rankings (consensus comparisons, no ties). "
    "The per-summary binary aspects (missing / irrelevant information, factual consistency) of the human_eval "
    "subset have no converter: their field layout could not be confirmed here.",
)  # fmt: skip

# ---------------------------------------------------------------- SEAHORSE (Clark et al. 2023)
SEAHORSE_SOURCE = Source(
    "archive", "google-research-datasets/seahorse",
    url="https://storage.googleapis.com/seahorse-public/seahorse_data.zip",
    files=("seahorse_data/train.tsv",),
)  # fmt: skip
GEM_XSUM = Source("hub", "GEM/xsum", splits=("train", "validation", "test"))
SEAHORSE_QUESTIONS = {
    1: ("comprehensible", "Can the summary be read and understood (it is not gibberish)?", False),
    2: ("repetition", "Is the summary free of unnecessarily repeated information?", False),
    3: ("grammar", "Is the summary fully understandable and grammatically correct?", False),
    4: ("attribution", "Is all the information in the summary fully attributable to the article?", True),
    5: ("main_ideas", "Does the summary capture the main idea(s) of the article?", True),
    6: ("conciseness", "Does the summary concisely represent the information in the article?", True),
}
_YES_NO = {"Yes": "Yes", "No": "No", "Unsure": None}


def _seahorse(number: int):
    needs_article = SEAHORSE_QUESTIONS[number][2]

    def convert(row, task):
        if number > 1 and choice(row, "question1", _YES_NO) == "No":
            raise Skip("incomprehensible summary: later questions are unanswered")
        label = choice(row, f"question{number}", _YES_NO)
        if label is None:
            raise Skip("annotator unsure")
        summary = text(row, "summary")
        context: tuple[tuple[str, str], ...] = (("summary", summary),)
        if needs_article:
            article = row.get("__document__")
            if not isinstance(article, str) or not article.strip():
                if not ident(row, "gem_id").startswith("xsum"):
                    raise Skip("article not joined (only GEM XSum articles are fetched)")
                raise RowError("gem_id", f"no GEM XSum article with id {row.get('gem_id')!r}")
            context = (("article", article.strip()), *context)
        key = f"{ident(row, 'gem_id')}-{ident(row, 'model')}-{stable_id(summary)}"
        yield Example(key, context, (("answer", label),), {"language": row.get("worker_lang")})

    return convert


def _seahorse_tasks() -> tuple[TaskSpec, ...]:
    tasks = []
    for number, (name, question, needs_article) in SEAHORSE_QUESTIONS.items():
        tasks.append(TaskSpec(
            name=f"seahorse_{name}", dataset="SEAHORSE", citation="Clark et al. 2023",
            capability="quality", kind="classification", title=question,
            description=f"Answer 'Yes' or 'No' about the summary{' and its article' if needs_article else ''}: "
            f"{question}",
            label_space=("Yes", "No"), source=SEAHORSE_SOURCE, license="CC-BY-4.0", convert=_seahorse(number),
            documents=Documents(GEM_XSUM, key="gem_id", text="document", row_key="gem_id") if needs_article else None,
            notes="Training split only (the authors ask that validation and test stay out of training). "
            + ("Articles are joined from GEM's XSum; summaries of other GEM corpora (MLSum, XL-Sum, WikiLingua) are "
               "counted as left out." if needs_article else "All six languages."),
        ))  # fmt: skip
    return tuple(tasks)


TASKS = (INSTRUSUM, *_seahorse_tasks())
