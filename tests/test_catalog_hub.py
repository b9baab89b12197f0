"""Hub converters on rows written in each dataset's published schema: labels, A/B placement of the preferred
response, rows the task leaves out (counted), and malformed rows (quarantined with their field)."""

import json
from collections import Counter

import pytest

from core.catalog import CATALOG, get
from core.catalog.prepare import convert_task
from core.data.schema import validate
from tests.test_catalog_annotated_spans import CASES as SPAN_CASES

H = "\n\nHuman: "
A = "\n\nAssistant: "
conv = lambda *turns: [{"role": r, "content": c} for r, c in turns]  # noqa: E731

# task -> (rows in the source schema, expected first-field labels, expected filtered reasons, quarantined fields)
CASES = {
    "hh_rlhf_helpfulness": (
        [
            {
                "chosen": f"{H}Recipe for tea?{A}Boil water, steep 3 minutes.",
                "rejected": f"{H}Recipe for tea?{A}No.",
            }
        ],
        ["better"],
        {},
        [],
    ),
    "shp_helpfulness": (
        [
            {
                "post_id": "p1",
                "domain": "askculinary",
                "history": "How do I stop pasta sticking?",
                "c_root_id_A": "a",
                "c_root_id_B": "b",
                "human_ref_A": "Stir it early.",
                "human_ref_B": "Buy rice.",
                "labels": 1,
            },
            {
                "post_id": "p2",
                "history": "Why?",
                "c_root_id_A": "a",
                "c_root_id_B": "b",
                "human_ref_A": "x",
                "human_ref_B": "y",
                "labels": "maybe",
            },
        ],
        ["better"],
        {},
        ["labels"],
    ),
    "helpsteer_helpfulness_rating": (
        [
            {
                "prompt": "Name a color.",
                "response": "Blue.",
                "helpfulness": 3,
                "correctness": 4,
                "coherence": 4,
                "complexity": 0,
                "verbosity": 0,
            },
            {
                "prompt": "Name a color.",
                "response": "Uh.",
                "helpfulness": 7,
                "correctness": 4,
                "coherence": 4,
                "complexity": 0,
                "verbosity": 0,
            },
        ],
        ["3"],
        {},
        ["helpfulness"],
    ),
    "helpsteer_verbosity_pairwise": (
        [
            {"prompt": "Explain rain.", "response": "Water falls.", "verbosity": 1},
            {
                "prompt": "Explain rain.",
                "response": "Clouds condense vapour into drops that fall.",
                "verbosity": 3,
            },
            {"prompt": "Explain rain.", "response": "Rain is water.", "verbosity": 1},
            {"prompt": "Name a fish.", "response": "Cod.", "verbosity": 1},
        ],
        ["better", "better"],
        {"no two responses differ in this attribute": 1},
        [],
    ),
    "chatbot_arena_preference": (
        [
            {
                "question_id": "q1",
                "model_a": "m1",
                "model_b": "m2",
                "winner": "model_b",
                "conversation_a": conv(("user", "Hi"), ("assistant", "Go away")),
                "conversation_b": conv(("user", "Hi"), ("assistant", "Hello! How can I help?")),
            },
            {"question_id": "q2", "winner": "tie", "conversation_a": [], "conversation_b": []},
            {
                "question_id": "q3",
                "winner": "model_a",
                "conversation_a": conv(("user", "A"), ("assistant", "x")),
                "conversation_b": conv(("user", "B"), ("assistant", "y")),
            },
        ],
        ["Hello! How can I help?"],
        {"tie": 1},
        ["conversation_b"],
    ),
    "webgpt_comparisons": (
        [
            {
                "question": {"full_text": "Why is the sky blue?"},
                "answer_0": "Scattering.",
                "answer_1": "Paint.",
                "score_0": 1.0,
                "score_1": -1.0,
            },
            {
                "question": {"full_text": "Q"},
                "answer_0": "a",
                "answer_1": "b",
                "score_0": 0.0,
                "score_1": 0.0,
            },
        ],
        ["Scattering."],
        {"tie": 1},
        [],
    ),
    "summarize_from_feedback_comparisons": (
        [
            {
                "info": {"post": "My cat ate my homework.", "title": "Help"},
                "summaries": [{"text": "Cat ate homework."}, {"text": "Dog."}],
                "choice": 0,
            }
        ],
        ["Cat ate homework."],
        {},
        [],
    ),
    "summeval_coherence": (
        [{"id": "d1", "text": "Article.", "machine_summaries": ["S1", "S2"], "coherence": [4.666, 1.0]}],
        ["5", "1"],
        {},
        [],
    ),
    "cola_acceptability": ([{"sentence": "The cat sat.", "label": 1, "idx": 0}], ["Yes"], {}, []),
    "mnli_attribution": (
        [
            {"premise": "A man sleeps.", "hypothesis": "A person rests.", "label": 0, "idx": 1},
            {"premise": "A man sleeps.", "hypothesis": "A man runs.", "label": 2, "idx": 2},
            {"premise": "p", "hypothesis": "h", "label": -1, "idx": 3},
        ],
        ["Yes", "No"],
        {},
        ["label"],
    ),
    "qqp_duplicates": (
        [{"question1": "How old?", "question2": "What age?", "label": 1, "idx": 5}],
        ["Yes"],
        {},
        [],
    ),
    "paws_paraphrase": (
        [{"id": 9, "sentence1": "A b c.", "sentence2": "C b a.", "label": 0}],
        ["No"],
        {},
        [],
    ),
    "stsb_similarity": (
        [{"sentence1": "A dog.", "sentence2": "A puppy.", "label": 3.6, "idx": 0}],
        ["4"],
        {},
        [],
    ),
    "esnli_explanation": (
        [
            {
                "premise": "A man sleeps.",
                "hypothesis": "A man is awake.",
                "label": 2,
                "explanation_1": "Sleeping people are not awake.",
                "explanation_2": "",
                "explanation_3": "",
            }
        ],
        ["Contradiction"],
        {},
        [],
    ),
    "vitaminc_verification": (
        [
            {
                "unique_id": "u1",
                "claim": "X has 5 members.",
                "evidence": "X has 6 members.",
                "label": "REFUTES",
            }
        ],
        ["Refuted"],
        {},
        [],
    ),
    "wikibio_hallucination_rating": (
        [
            {
                "wiki_bio_test_idx": 3,
                "wiki_bio_text": "Ann was a poet.",
                "gpt3_text": "Ann was a poet. She won gold.",
                "gpt3_sentences": ["Ann was a poet.", "She won gold."],
                "annotation": ["accurate", "major_inaccurate"],
            }
        ],
        ["3", "1"],
        {},
        [],
    ),
    "commitpack_bugfix": (
        [
            {
                "commit": "c1",
                "old_file": "a.py",
                "new_file": "a.py",
                "old_contents": "x = 1/0\n",
                "new_contents": "x = 1\n",
                "subject": "s",
                "message": "Fix division by zero",
                "lang": "Python",
            },
            {
                "commit": "c2",
                "old_file": "b.py",
                "new_file": "b.py",
                "old_contents": "a",
                "new_contents": "b",
                "message": "Add docs",
                "lang": "Python",
            },
        ],
        ["better"],
        {"commit message does not describe a bug fix": 1},
        [],
    ),
    "code_contests_correctness": (
        [
            {
                "name": "p1",
                "description": "Print 1.",
                "solutions": {"language": [3, 2], "solution": ["print(1)", "int main(){}"]},
                "incorrect_solutions": {"language": [3], "solution": ["print(2)"]},
            },
            {
                "name": "p2",
                "description": "d",
                "solutions": {"language": [2], "solution": ["x"]},
                "incorrect_solutions": {"language": [3], "solution": ["y"]},
            },
        ],
        ["print(1)"],
        {"no language with both a correct and an incorrect solution": 1},
        [],
    ),
    "lima_instruction_following": (
        [
            {"conversations": ["Write a haiku.", "Moon on the water"], "source": "wikihow"},
            {"conversations": ["a", "b", "c", "d"], "source": "multi_turn"},
        ],
        ["Moon on the water"],
        {"multi-turn conversation": 1},
        [],
    ),
    "tulu2_human_written": (
        [
            {"dataset": "oasst1", "id": "t1", "messages": conv(("user", "Hi?"), ("assistant", "Hello."))},
            {"dataset": "sharegpt", "id": "t2", "messages": conv(("user", "a"), ("assistant", "b"))},
        ],
        ["Hello."],
        {"subset 'sharegpt' has model-written responses": 1},
        [],
    ),
    "beavertails_qa_safety": ([{"prompt": "q", "response": "r", "is_safe": True}], ["Yes"], {}, []),
}


def _prm(finish, steps):
    q = {
        "problem": "What is 2+3?",
        "ground_truth_solution": "2+3 = 5. The answer is 5.",
        "ground_truth_answer": "5",
    }
    return {"question": q, "label": {"steps": steps, "finish_reason": finish}}


_GOOD_STEP = {
    "completions": [{"text": "2+3 = 5.", "rating": 1}],
    "chosen_completion": 0,
    "human_completion": None,
}
_BAD_STEP = {
    "completions": [{"text": "2+3 = 6.", "rating": -1}],
    "chosen_completion": None,
    "human_completion": None,
}
CASES.update({
    "frank_factuality": (
        [{"hash": "h1", "model_name": "bart", "article": "Ann won the race.", "summary": "Ann won. Bob lost.",
          "split": "test", "summary_sentences": ["Ann won.", "Bob lost."],
          "summary_sentences_annotations": [{"a0": ["NoE"], "a1": ["NoE"], "a2": ["EntE"]},
                                            {"a0": ["OutE"], "a1": ["OutE"], "a2": ["NoE"]}]},
         {"hash": "h2", "model_name": "bart", "article": "Ann won the race.", "summary": "Ann won.", "split": "test",
          "summary_sentences": ["Ann won."], "summary_sentences_annotations": [{"a0": ["NoE"], "a1": ["NoE"], "a2": ["NoE"]}]}],
        ["No", "Yes"], {}, [],
    ),
    "coffee_bug_fix": (
        [{"problem_id": "1000", "description": "Print A+B.", "input_format": "Two integers.", "output_format": "One integer.",
          "wrong_code": "print(a-b)", "correct_code": "print(a+b)", "feedback": "Use + not -.", "language": "python"}],
        ["print(a+b)"], {}, [],
    ),
    "ragtruth_hallucination": (
        [{"source_id": "s1", "task_type": "Summary", "source": "CNN/DM", "source_info": "Ann won.", "prompt": "Summarize: Ann won."},
         {"id": "r1", "source_id": "s1", "model": "m", "labels": [{"start": 0, "end": 3, "text": "Bob", "label_type": "x"}],
          "split": "train", "quality": "good", "response": "Bob won."},
         {"id": "r2", "source_id": "s1", "model": "m", "labels": [], "split": "train", "response": "Ann won."},
         {"id": "r3", "source_id": "s1", "model": "m", "labels": [], "split": "test", "response": "Ann won!"}],
        ["Yes", "No"], {"the authors' test split": 1}, [],
    ),
    "mocha_answer_correctness": (
        [{"constituent_dataset": "narrativeqa", "id": "m1", "context": "Ann sailed home.", "question": "Where did Ann go?",
          "reference": "home", "candidate": "to her house", "score": 4.4}],
        ["4"], {}, [],
    ),
    "faithdial_faithfulness": (
        [{"dialog_idx": 1, "history": ["I like jazz."], "knowledge": "Jazz began in New Orleans.",
          "original_response": "I love jazz, I play it every night!", "response": "Jazz began in New Orleans.",
          "BEGIN": ["Hallucination"], "VRM": []},
         {"dialog_idx": 2, "history": ["Hi"], "knowledge": "K.", "original_response": None, "response": "r",
          "BEGIN": [], "VRM": []}],
        ["No"], {"no original response to judge": 1}, [],
    ),
    "prm800k_solution_correctness": (
        [_prm("found_error", [_BAD_STEP]), _prm("solution", [_GOOD_STEP]), _prm("give_up", [])],
        ["2+3 = 5. The answer is 5.", "2+3 = 5."], {"labeller gave no verdict on the solution": 1}, [],
    ),
    "prm800k_solution_writing": ([_prm("solution", [_GOOD_STEP])], ["2+3 = 5. The answer is 5."], {}, []),
})  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_converter_on_published_schema(tmp_path, name):
    rows, labels, filtered, bad_fields = CASES[name]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    counts = Counter()
    records, bad = convert_task(get(name), [path], tmp_path, counts)
    for r in records:
        validate(r)
    assert len(records) == len(labels)
    for r, want in zip(records, labels):
        if r.kind != "pairwise":
            assert r.label == want
        elif want != "better":  # 'better' cases are checked against the source text below
            assert r.field(f"response {r.label}") == want
    assert dict(counts) == filtered
    assert [b["field"] for b in bad] == bad_fields


def test_pairwise_preferences_point_at_the_better_response(tmp_path):
    """Every pairwise case whose expectation is 'better': the preferred text is the one the source preferred."""
    preferred = {
        "hh_rlhf_helpfulness": "Boil water, steep 3 minutes.",
        "shp_helpfulness": "Stir it early.",
        "commitpack_bugfix": "x = 1",
    }
    for name, want in preferred.items():
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in CASES[name][0]))
        records, _ = convert_task(get(name), [path], tmp_path)
        assert records[0].field(f"response {records[0].label}") == want, name
    path = tmp_path / "hs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in CASES["helpsteer_verbosity_pairwise"][0]))
    records, _ = convert_task(get("helpsteer_verbosity_pairwise"), [path], tmp_path)
    assert all(r.field(f"response {r.label}").startswith("Clouds") for r in records)  # verbosity 3 beats 1


def test_every_training_task_has_a_fixture():
    fixtures = (
        set(CASES)
        | set(SPAN_CASES)
        | {
            "hh_rlhf_harmlessness",
            "begin_attribution",
            "dialfact_verification",
            "q2_consistency",
            "qags_consistency",
            "halueval_general_hallucination",
            "hh_rlhf_red_teaming",
            "beavertails_helpfulness",
            "beavertails_harmlessness",
            "xsum_hallucination_explanation",  # its own test below (joins documents)
            "seahorse_attribution",  # the article-joining SEAHORSE tasks and CxC: tests/test_catalog_annotated_spans.py
            "cxc_caption_similarity",
        }
    )  # tests/test_catalog.py
    shared = {
        "helpsteer_",
        "summeval_",
        "esnli_",
        "commitpack_",
        "seahorse_",
        "mauve_",
    }  # one fixture per family
    missing = [
        t.name
        for t in CATALOG
        if t.role == "train" and t.name not in fixtures and not any(t.name.startswith(p) for p in shared)
    ]
    assert not missing, missing


def test_xsum_hallucination_joins_the_article_and_merges_annotators(tmp_path):
    summary = "Ann Lee, 34, won the race in Paris."
    rows = [
        {"bbcid": 7, "system": "BERTS2S", "summary": summary, "hallucination_type": 1, "hallucinated_span_start": 9,
         "hallucinated_span_end": 11, "worker_id": "w1"},
        {"bbcid": 7, "system": "BERTS2S", "summary": summary, "hallucination_type": 0, "hallucinated_span_start": 28,
         "hallucinated_span_end": 34, "worker_id": "w2"},
        {"bbcid": 8, "system": "TConvS2S", "summary": "Bob spoke.", "hallucination_type": 0,
         "hallucinated_span_start": -1, "hallucinated_span_end": -1, "worker_id": "w1"},
        {"bbcid": 9, "system": "PtGen", "summary": "Nobody.", "hallucination_type": 0, "hallucinated_span_start": -1,
         "hallucinated_span_end": -1, "worker_id": "w1"},
    ]  # fmt: skip
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    docs = tmp_path / "test.jsonl"
    docs.write_text("".join(json.dumps(d) + "\n" for d in (
        {"id": "7", "document": "Ann Lee won the race in London.", "summary": "-"},
        {"id": "8", "document": "Bob spoke at length.", "summary": "-"},
        {"id": "1", "document": "unrelated", "summary": "-"},
    )))  # fmt: skip
    task = get("xsum_hallucination_explanation")
    records, bad = convert_task(task, [data], tmp_path, Counter(), [docs])
    assert [r.label for r in records] == ["Yes", "No"]
    assert records[0].field("article") == "Ann Lee won the race in London."
    assert (
        dict(records[0].target)["explanation"]
        == "Unsupported by the article: '34' (extrinsic); 'Paris' (intrinsic)."
    )
    assert [b["field"] for b in bad] == ["bbcid"] and "no XSum article with id 9" in bad[0]["error"]
    with pytest.raises(FileNotFoundError, match="joins documents from EdinburghNLP/xsum"):
        convert_task(task, [data], tmp_path)
