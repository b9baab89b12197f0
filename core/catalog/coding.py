"""Coding tasks (Table 7, 4 rows): pick the correct program or fix over a buggy one."""

from __future__ import annotations

import re

from core.catalog.fields import ident, pair, stable_id, text
from core.catalog.spec import Example, RowError, Skip, Source, TaskSpec
from core.data.schema import PAIR_LABELS

LANGUAGES = ("python", "javascript", "java", "c++", "go", "rust")
_BUG = re.compile(r"\b(fix(es|ed)?|bug(s|fix)?|crash(es)?|error|issue)\b", re.IGNORECASE)


def _commitpack(bugs_only: bool):
    def convert(row, task):
        message = text(row, "message")
        if bugs_only and not _BUG.search(message):
            raise Skip("commit message does not describe a bug fix")
        old, new = text(row, "old_contents", allow_empty=True), text(row, "new_contents")
        if not old:
            raise Skip("new file (no earlier version to compare)")
        key = f"{ident(row, 'commit')}-{stable_id(text(row, 'new_file'))}"
        fields, label = pair(task.name, key, new, old)
        context = (
            ("language", text(row, "lang")),
            ("commit message", message),
            ("file", text(row, "new_file")),
        )
        yield Example(key, (*context, *fields), (("choice", label),))

    return convert


_COMMITPACK = Source("hub", "bigcode/commitpackft", configs=LANGUAGES, splits=("train",))
COMMITPACK = TaskSpec(
    name="commitpack_change", dataset="CommitPack", citation="Muennighoff et al. 2023", capability="coding",
    kind="pairwise", title="Which version of the file implements the commit?",
    description="A commit message describes a change to a source file. Two versions of the file follow. Choose "
    "'A' or 'B': the version that correctly makes the described change.",
    label_space=PAIR_LABELS, source=_COMMITPACK, license="Permissive licenses of the source repositories (MIT, Apache-2.0, ...)",
    convert=_commitpack(False),
)  # fmt: skip
COMMITPACK_BUGS = TaskSpec(
    name="commitpack_bugfix", dataset="CommitPack - Bugs", citation="Muennighoff et al. 2023", capability="coding",
    kind="pairwise", title="Which version of the file has the bug fixed?",
    description="A commit message reports a bug and its fix. Two versions of the file follow. Choose 'A' or 'B': "
    "the version in which the bug is fixed.",
    label_space=PAIR_LABELS, source=_COMMITPACK, license=COMMITPACK.license, convert=_commitpack(True),
    notes="Commits whose message mentions a fix, bug, crash, error or issue.",
)  # fmt: skip

_CC_LANGUAGES = {1: "Python 2", 2: "C++", 3: "Python 3", 4: "Java"}


def _code_contests(row, task):
    description = text(row, "description")
    good, bad = row.get("solutions"), row.get("incorrect_solutions")
    for name, value in (("solutions", good), ("incorrect_solutions", bad)):
        if not isinstance(value, dict) or len(value.get("language", [])) != len(value.get("solution", [])):
            raise RowError(name, "expected parallel 'language' and 'solution' lists")
    emitted = False
    for lang, lang_name in _CC_LANGUAGES.items():
        right = [s for l, s in zip(good["language"], good["solution"]) if l == lang]  # noqa: E741
        wrong = [s for l, s in zip(bad["language"], bad["solution"]) if l == lang]  # noqa: E741
        if right and wrong:  # the first of each: one pair per problem and language
            key = f"{ident(row, 'name')}-{lang}"
            fields, label = pair(task.name, key, right[0].strip(), wrong[0].strip())
            yield Example(
                key, (("problem", description), ("language", lang_name), *fields), (("choice", label),)
            )
            emitted = True
    if not emitted:
        raise Skip("no language with both a correct and an incorrect solution")


CODE_CONTESTS = TaskSpec(
    name="code_contests_correctness", dataset="Code Contests", citation="Li et al. 2022a", capability="coding",
    kind="pairwise", title="Which program solves the competitive programming problem?",
    description="Two programs were submitted for the problem. Choose 'A' or 'B': the program that is correct, "
    "i.e. passes all of the problem's tests within its limits.",
    label_space=PAIR_LABELS, source=Source("hub", "deepmind/code_contests", splits=("train",)), license="CC-BY-4.0",
    convert=_code_contests,
)  # fmt: skip


def _coffee(row, task):
    problem = "\n".join(
        part for part in (text(row, "description"), text(row, "input_format", allow_empty=True),
                          text(row, "output_format", allow_empty=True)) if part
    )  # fmt: skip
    right, wrong = text(row, "correct_code"), text(row, "wrong_code")
    key = f"{ident(row, 'problem_id')}-{stable_id(right, wrong)}"
    fields, label = pair(task.name, key, right, wrong)
    context = (
        ("problem", problem),
        ("language", text(row, "language", allow_empty=True) or "unknown"),
        *fields,
    )
    yield Example(key, context, (("choice", label),))


COFFEE = TaskSpec(
    name="coffee_bug_fix", dataset="COFFEE", citation="Moon et al. 2023", capability="coding", kind="pairwise",
    title="Which program correctly solves the problem?",
    description="Two submissions to the same programming problem follow; one has a bug that a reviewer found and "
    "the other is its corrected version. Choose 'A' or 'B': the submission that solves the problem correctly.",
    label_space=PAIR_LABELS, source=Source("hub", "DLI-Lab/COFFEE-Dataset", splits=("train",)), license="See the dataset card",
    convert=_coffee,
)  # fmt: skip

TASKS = (COMMITPACK, COMMITPACK_BUGS, CODE_CONTESTS, COFFEE)
