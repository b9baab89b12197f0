"""The strict decision parser on adversarial generations: only '<field>: <one allowed label>' first counts."""

import pytest

from core.data.schema import PAIR_LABELS
from core.eval.parse import parse_decision

YN = ("Yes", "No")
LIKERT = ("1", "2", "3", "4", "5")
BEGIN = ("Fully attributable", "Not fully attributable", "Generic")

ACCEPTED = [
    ("choice: A", "choice", PAIR_LABELS, "A"),
    ("choice: B", "choice", PAIR_LABELS, "B"),
    ("  choice:   B  ", "choice", PAIR_LABELS, "B"),
    ("\n\nchoice: A\n", "choice", PAIR_LABELS, "A"),
    ("Choice: a", "choice", PAIR_LABELS, "A"),
    ("CHOICE: b", "choice", PAIR_LABELS, "B"),
    ("choice:A", "choice", PAIR_LABELS, "A"),
    ("choice : A", "choice", PAIR_LABELS, "A"),
    ("choice: A\nexplanation: B repeats itself.", "choice", PAIR_LABELS, "A"),
    ("answer: Yes", "answer", YN, "Yes"),
    ("answer: yes", "answer", YN, "Yes"),
    ("answer: NO", "answer", YN, "No"),
    ("answer: No\nexplanation: the article never says so.", "answer", YN, "No"),
    ("answer: No\n\nexplanation: choice: A is not a decision here", "answer", YN, "No"),
    ("rating: 3", "rating", LIKERT, "3"),
    ("rating: 5\n", "rating", LIKERT, "5"),
    ("answer: Not fully attributable", "answer", BEGIN, "Not fully attributable"),
    ("answer: fully attributable", "answer", BEGIN, "Fully attributable"),
    ("answer: Generic", "answer", BEGIN, "Generic"),
    ("\tanswer:\tYes", "answer", YN, "Yes"),
]

REJECTED = {  # (label space, what the reason says): outputs the parser must refuse
    ("choice", "empty"): [
        "",
        "   \n  ",
    ],
    ("choice", "first line"): [
        "A",
        "B is better.",
        "The answer is A",
        "choices: A",
        "answer: A",
        "EVALUATION:\nchoice: A",
        "explanation: A is better\nchoice: A",
        "**choice**: A",
        "- choice: A",
        "1. choice: A",
        "choice = A",
        "choice - A",
    ],
    ("choice", "not one of"): [
        "choice: A.",
        "choice: **A**",
        "choice: 'A'",
        'choice: "B"',
        "choice: (A)",
        "choice: A)",
        "choice: A or B",
        "choice: both",
        "choice: neither",
        "choice: tie",
        "choice: AB",
        "choice: A B",
        "choice: Response A",
        "choice: response B",
        "choice:",
        "choice: \u0391",  # Greek capital alpha, a lookalike
    ],
    ("choice", "second"): [
        "choice: A\nchoice: B",
        "choice: A\nchoice: A",
        "choice: B\nexplanation: x\nChoice: A",
    ],
    ("yes_no", "not one of"): [
        "answer: Yes, because it says so.",
        "answer: Yes.",
        "answer: Y",
        "answer: yess",
        "answer: True",
        "answer: Yes/No",
        "answer: Yes No",
        "answer: maybe",
    ],
    ("rating", "not one of"): [
        "rating: 3.0",
        "rating: 03",
        "rating: three",
        "rating: 3/5",
        "rating: 6",
        "rating: 0",
        "rating: -1",
        "rating: 3-4",
        "rating: 4 stars",
    ],
    ("begin", "not one of"): [
        "answer: Fully  attributable",
        "answer: attributable",
        "answer: Fully attributable!",
    ],
}


@pytest.mark.parametrize("text,field,labels,want", ACCEPTED)
def test_accepted(text, field, labels, want):
    assert parse_decision(text, field, labels) == (want, "")


SPACES = {
    "choice": ("choice", PAIR_LABELS),
    "yes_no": ("answer", YN),
    "rating": ("rating", LIKERT),
    "begin": ("answer", BEGIN),
}
REJECTED_CASES = [(text, *SPACES[space], why) for (space, why), texts in REJECTED.items() for text in texts]


@pytest.mark.parametrize("text,field,labels,why", REJECTED_CASES)
def test_rejected(text, field, labels, why):
    label, reason = parse_decision(text, field, labels)
    assert label is None and why in reason, reason


def test_there_are_at_least_fifty_adversarial_outputs():
    assert len(REJECTED_CASES) >= 50
