"""What a catalog entry is: one FLAMe task, where its data lives, and how a raw row becomes records.

A *task* follows the paper's definition (§1.1 of the fact sheet): one judgment assignment (text + context,
an instruction and criteria), so one dataset can give several tasks (HelpSteer: one per attribute). Each task
names its source as its authors publish it (a Hugging Face dataset, or files in a GitHub repository at a
pinned commit), its license, and a converter: a pure function from one raw row to zero or more examples.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any, Literal

from core.data.schema import CAPABILITIES, KINDS


class RowError(ValueError):
    """A raw row cannot be converted; ``field`` names the offending source field."""

    def __init__(self, field: str, why: str):
        super().__init__(f"field '{field}': {why}")
        self.field = field


class Skip(Exception):  # noqa: N818 - a decision, not an error
    """A well-formed row the task's definition leaves out (a tie, a subset the paper does not use); counted
    per reason in ``catalog.json``, never dropped silently. Raised for a whole row or group, or yielded by a
    grouped converter for one member of its group."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class Source:
    """Where the authors publish the data. ``hub``: a Hugging Face dataset (``repo``, ``config``, ``splits``);
    ``github``: files of a repository at ``revision``; ``archive``: members (``files``) of a zip or tar archive the
    authors host at ``url`` (``repo`` then names the project), or the single file found there, checked against
    ``sha256`` when it is pinned."""

    kind: Literal["hub", "github", "archive"]
    repo: str
    config: str | None = None
    configs: tuple[str, ...] = ()  # several configs read as one task (CommitPackFT's languages)
    data_dir: str | None = None  # hub datasets that select a part by folder (HH-RLHF) rather than config
    splits: tuple[str, ...] = ("train",)
    files: tuple[str, ...] = ()
    revision: str | None = None
    url: str | None = None
    sha256: str | None = None
    lfs: bool = False  # GitHub files stored with Git LFS: fetched from the media host, not raw pointers

    def __post_init__(self):
        if (self.kind == "archive") != (self.url is not None):
            raise ValueError(f"source {self.repo}: an archive source, and only one, names its url")
        if self.kind in ("github", "archive") and not self.files:
            raise ValueError(f"source {self.repo}: a {self.kind} source lists the files it reads")

    @property
    def key(self) -> str:
        """Folder name of this source's raw files under ``data/raw`` (shared by the tasks of one dataset)."""
        parts = [self.kind, self.repo.replace("/", "__")]
        parts += [p for p in (self.config, self.data_dir) if p]
        return "/".join(parts)


@dataclasses.dataclass(frozen=True)
class Documents:
    """Texts the annotations point at but do not carry (the XSum articles of XSum Hallucination): the rows of
    ``source`` whose ``key`` field equals a task row's ``row_key`` field give that row its ``text``, passed to
    the converter as ``row["__document__"]``. A row pointing at several texts (the two captions of a CxC pair)
    names a tuple of ``row_key`` fields and receives a tuple. ``key_of`` maps a row's reference to the
    documents' key (CxC writes ``<image>:<sentence id>``); with ``explode`` a document row carries parallel
    lists of keys and texts (a COCO image with its captions)."""

    source: Source
    key: str
    text: str
    row_key: str | tuple[str, ...]
    key_of: Callable[[str], str] | None = None
    explode: bool = False

    def references(self, row: dict[str, Any]) -> list[str]:
        """The document keys a task row points at, in ``row_key`` order."""
        fields = (self.row_key,) if isinstance(self.row_key, str) else self.row_key
        refs = [str(row.get(f)) for f in fields]
        return [self.key_of(r) for r in refs] if self.key_of else refs


@dataclasses.dataclass(frozen=True)
class Local:
    """The same files as staged under ``../shared/data/real/<folder>`` (the ``real-mini`` collection)."""

    folder: str
    files: tuple[str, ...]
    expected: int  # records the folder's MANIFEST gives for these files (after documented exclusions)
    excluded: str = ""  # which staged files are left out, and why


@dataclasses.dataclass(frozen=True)
class Example:
    """One converted judgment, before the task's instructions are attached."""

    id: str
    context: tuple[tuple[str, str], ...]
    target: tuple[tuple[str, str], ...]
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)


Converter = Callable[[dict[str, Any], "TaskSpec"], Iterable[Example]]


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    name: str
    dataset: str  # the Table 7 row it comes from
    citation: str
    capability: str
    kind: str
    title: str
    description: str  # instructions in our own words, after the original annotation guidelines
    label_space: tuple[str, ...] | None
    source: Source
    license: str
    convert: Converter
    role: Literal["train", "eval"] = "train"
    local: Local | None = None
    group_by: str | None = None  # convert rows sharing this field's value together ({"rows": [...]})
    documents: Documents | None = None  # texts joined into each row from a second source
    suite: str | None = None  # eval tasks: the benchmark suite they belong to
    subset: str | None = None  # eval tasks: the suite's subset / dataset name
    notes: str = ""

    def __post_init__(self):
        if self.capability not in CAPABILITIES:
            raise ValueError(f"task {self.name}: capability '{self.capability}' is not one of {CAPABILITIES}")
        if self.kind not in KINDS:
            raise ValueError(f"task {self.name}: kind '{self.kind}' is not one of {KINDS}")
        if (self.label_space is None) != (self.kind == "open_ended"):
            raise ValueError(f"task {self.name}: only open-ended tasks lack a label space")
        if self.role == "eval" and not (self.suite and self.subset):
            raise ValueError(f"task {self.name}: evaluation tasks name their suite and subset")
