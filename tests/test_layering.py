"""The layering of the design: evaluation never imports training, modeling never imports data (model I/O
treats a tokenizer as files and a hash), and data never imports modeling, training or evaluation."""

import pytest
from imports import ROOT, imported_files

RULES = {  # package -> packages its modules must never reach, however indirectly
    "core/benchmarks": (
        "core/data",
        "core/eval",
        "core/modeling",
        "core/training",
        "core/tailpatch",
        "core/mixture",
        "core/reporting",
    ),
    "core/eval": ("core/training", "core/tailpatch"),
    "core/training": ("core/eval", "core/tailpatch", "core/reporting"),  # curves come in through a hook
    "core/modeling": ("core/data", "core/training", "core/eval", "core/tailpatch", "core/mixture"),
    "core/data": (
        "core/catalog",
        "core/synth",
        "core/modeling",
        "core/training",
        "core/eval",
        "core/tailpatch",
    ),
    "core/catalog": ("core/synth", "core/modeling", "core/training", "core/eval", "core/tailpatch"),
    "core/synth": ("core/catalog", "core/modeling", "core/training", "core/eval", "core/tailpatch"),
    "core": ("experiments", "tools"),  # the library never reaches the commands built on it
    "experiments": ("tools",),  # a stage never depends on a developer tool
}


@pytest.mark.parametrize("package", sorted(RULES))
def test_no_module_imports_a_layer_it_must_not(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        reached = imported_files(module)
        bad = sorted(f for f in reached for banned in RULES[package] if f.startswith(banned + "/"))
        assert not bad, f"{module} reaches {bad[:3]}"


def test_no_stage_imports_another_stage():
    """A DVC stage shares code through ``core`` and ``experiments.common`` only, so each stage's
    dependencies are its own file, common and the packages it names."""
    import re

    stages = sorted(set(re.findall(r"python -m experiments\.(\w+)", (ROOT / "dvc.yaml").read_text())))
    assert len(stages) > 10
    for stage in stages:
        reached = imported_files(f"experiments.{stage}")
        own = (f"experiments/{stage}.py", "experiments/common.py", "experiments/__init__.py")
        others = sorted(f for f in reached if f.startswith("experiments/") and f not in own)
        assert not others, f"stage {stage} imports {others}"


def test_the_training_stage_does_not_reach_tail_patch():
    """FLAMe's training logs curves through the generic evaluation hook; tail-patch builds on training."""
    reached = imported_files("experiments.train")
    assert "core/eval/hook.py" in reached
    assert not [f for f in reached if f.startswith("core/tailpatch/")]
