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

REJECTED = [
    ("", "choice", PAIR_LABELS, "empty"),
    ("   \n  ", "choice", PAIR_LABELS, "empty"),
    ("A", "choice", PAIR_LABELS, "first line"),
    ("B is better.", "choice", PAIR_LABELS, "first line"),
    ("The answer is A", "choice", PAIR_LABELS, "first line"),
    ("choice: A.", "choice", PAIR_LABELS, "not one of"),
    ("choice: **A**", "choice", PAIR_LABELS, "not one of"),
    ("choice: 'A'", "choice", PAIR_LABELS, "not one of"),
    ('choice: "B"', "choice", PAIR_LABELS, "not one of"),
    ("choice: (A)", "choice", PAIR_LABELS, "not one of"),
    ("choice: A)", "choice", PAIR_LABELS, "not one of"),
    ("choice: A or B", "choice", PAIR_LABELS, "not one of"),
    ("choice: both", "choice", PAIR_LABELS, "not one of"),
    ("choice: neither", "choice", PAIR_LABELS, "not one of"),
    ("choice: tie", "choice", PAIR_LABELS, "not one of"),
    ("choice: AB", "choice", PAIR_LABELS, "not one of"),
    ("choice: A B", "choice", PAIR_LABELS, "not one of"),
    ("choice: Response A", "choice", PAIR_LABELS, "not one of"),
    ("choice: response B", "choice", PAIR_LABELS, "not one of"),
    ("choice:", "choice", PAIR_LABELS, "not one of"),
    ("choice: \u0391", "choice", PAIR_LABELS, "not one of"),  # Greek capital alpha, a lookalike
    ("choice: A\nchoice: B", "choice", PAIR_LABELS, "second"),
    ("choice: A\nchoice: A", "choice", PAIR_LABELS, "second"),
    ("choice: B\nexplanation: x\nChoice: A", "choice", PAIR_LABELS, "second"),
    ("choices: A", "choice", PAIR_LABELS, "first line"),
    ("answer: A", "choice", PAIR_LABELS, "first line"),
    ("EVALUATION:\nchoice: A", "choice", PAIR_LABELS, "first line"),
    ("explanation: A is better\nchoice: A", "choice", PAIR_LABELS, "first line"),
    ("**choice**: A", "choice", PAIR_LABELS, "first line"),
    ("- choice: A", "choice", PAIR_LABELS, "first line"),
    ("1. choice: A", "choice", PAIR_LABELS, "first line"),
    ("choice = A", "choice", PAIR_LABELS, "first line"),
    ("choice - A", "choice", PAIR_LABELS, "first line"),
    ("answer: Yes, because it says so.", "answer", YN, "not one of"),
    ("answer: Yes.", "answer", YN, "not one of"),
    ("answer: Y", "answer", YN, "not one of"),
    ("answer: yess", "answer", YN, "not one of"),
    ("answer: True", "answer", YN, "not one of"),
    ("answer: Yes/No", "answer", YN, "not one of"),
    ("answer: Yes No", "answer", YN, "not one of"),
    ("answer: maybe", "answer", YN, "not one of"),
    ("rating: 3.0", "rating", LIKERT, "not one of"),
    ("rating: 03", "rating", LIKERT, "not one of"),
    ("rating: three", "rating", LIKERT, "not one of"),
    ("rating: 3/5", "rating", LIKERT, "not one of"),
    ("rating: 6", "rating", LIKERT, "not one of"),
    ("rating: 0", "rating", LIKERT, "not one of"),
    ("rating: -1", "rating", LIKERT, "not one of"),
    ("rating: 3-4", "rating", LIKERT, "not one of"),
    ("rating: 4 stars", "rating", LIKERT, "not one of"),
    ("answer: Fully  attributable", "answer", BEGIN, "not one of"),
    ("answer: attributable", "answer", BEGIN, "not one of"),
    ("answer: Fully attributable!", "answer", BEGIN, "not one of"),
]


@pytest.mark.parametrize("text,field,labels,want", ACCEPTED)
def test_accepted(text, field, labels, want):
    assert parse_decision(text, field, labels) == (want, "")


@pytest.mark.parametrize("text,field,labels,why", REJECTED)
def test_rejected(text, field, labels, why):
    label, reason = parse_decision(text, field, labels)
    assert label is None and why in reason, reason


def test_there_are_at_least_fifty_adversarial_outputs():
    assert len(REJECTED) >= 50
