"""The DVC pipeline: static wiring checks, and `dvc repro` end to end on a miniature profile."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from imports import imported_files

from core import config
from tools.apply_profile import merge

ROOT = Path(__file__).resolve().parents[1]


def _stages():
    from dvc.repo import Repo

    return Repo(str(ROOT)).index.stages


def _lookup(params: dict, dotted: str):
    node = params
    for part in dotted.split("."):
        node = node[part]
    return node


def test_every_dependency_is_tracked_or_produced_and_params_exist():
    stages = _stages()
    outs = [str(o.def_path) for s in stages for o in s.outs]
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    for stage in stages:
        for dep in stage.deps:
            path = str(dep.def_path)
            if path == "params.yaml":
                continue
            produced = any(path == o or path.startswith(o + "/") or o.startswith(path + "/") for o in outs)
            assert produced or (ROOT / path).exists(), (
                f"{stage.addressing}: dependency {path} is neither in git nor produced"
            )
        for p in stage.params:
            for key in p.params:
                _lookup(raw, key)


def test_stage_dependencies_cover_the_code_each_stage_runs():
    """A change to any module a stage imports must make DVC rerun that stage."""
    for stage in _stages():
        words = stage.cmd.split()
        module = words[words.index("-m") + 1]
        deps = [str(d.def_path) for d in stage.deps]
        for path in sorted(imported_files(module)):
            if path.endswith("__init__.py") and not Path(ROOT / path).read_text().count("import"):
                continue  # docstring-only package markers
            assert any(path == d or path.startswith(d.rstrip("/") + "/") for d in deps), (
                f"stage {stage.addressing} runs {path} but does not depend on it"
            )


def test_every_report_notebook_takes_only_registry_parameters():
    """A report notebook's parameters are filled from the run registry; one it cannot fill fails here."""
    import papermill as pm

    from experiments.run_notebook import notebook_parameters, registry

    params = config.load(ROOT / "params.yaml")
    for name, report in params.reports.items():
        declared = pm.inspect_notebook(str(ROOT / "notebooks" / f"{report.notebook}.ipynb"))
        assert "out" in declared, name  # every report writes into its own folder
        assert set(notebook_parameters(params, name)[1]) == set(declared) <= set(registry(params, name)), name


def test_adding_a_model_to_the_registry_adds_it_to_every_table(tmp_path):
    """One edit (a run in eval.models) reaches the training and evaluation stages and every model table."""
    import networkx as nx
    from dvc.repo import Repo

    from experiments.run_notebook import notebook_parameters

    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    raw["train"]["flame_small"] = {"init": "base", "mixture": "flame", "steps": 10}
    raw["eval"]["models"] = [*raw["eval"]["models"], "flame_small"]
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    shutil.copy(ROOT / "dvc.yaml", tmp_path / "dvc.yaml")
    Repo.init(str(tmp_path), no_scm=True)
    params = config.load(tmp_path / "params.yaml")
    index = Repo(str(tmp_path)).index
    stages = {s.name: s for s in index.stages}
    assert {"train@flame_small", "eval@flame_small-rewardbench", "eval@flame_small-aggrefact"} <= set(stages)
    for report in ("rewardbench", "benchmarks", "aggrefact"):  # the tables listing models: passed and rebuilt
        assert "flame_small" in notebook_parameters(params, report)[1]["models"], report
        upstream = {s.name for s in nx.descendants(index.graph, stages[f"report@{report}"])}
        assert "eval@flame_small-rewardbench" in upstream, report


MINI = {
    "synth": {"rewardbench_per_subset": 12, "aggrefact_per_dataset": 12},
    "data": {"packing_bins": 2},
    "model": {"preset": "test"},
    "train": {
        "flame": {"steps": 6, "batch_size": 2, "checkpoint_every": 3, "log_every": 2, "eval_every": 2},
        "flame_rm": {"steps": 2, "batch_size": 2, "log_every": 1},
        "flame_opt_rm": {"steps": 2, "batch_size": 2, "log_every": 1, "eval_every": 1},
    },
    "tailpatch": {"start_step": 3, "steps": 2, "eval_every": 1, "batch_size": 2, "per_category": 4},
    "mixtures": {"flame": {"maximum": 100}},
    "bias": {"max_records": 24},
    "code": {"problems": 4, "samples_per_problem": 4},
}


REAL = ROOT.parent / "shared" / "data" / "real"


@pytest.mark.slow
@pytest.mark.parametrize("profile", ["synth", "real-mini"])
def test_dvc_repro_end_to_end_on_a_miniature_profile(tmp_path, profile):
    work = tmp_path / "repo"
    work.mkdir()
    for item in ("dvc.yaml", "notebooks", "data/paper_tables", ".dvc/config", "core", "experiments"):
        src = ROOT / item
        dst = work / item
        dst.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dst)
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    if profile == "synth":  # with the oracle bound of tail-patch search (planted effects as ratings)
        raw = merge(raw, yaml.safe_load((ROOT / "experiments/profiles/oracle.yaml").read_text()))
    else:
        if not REAL.exists():
            pytest.skip("../shared/data/real is not beside the checkout")
        raw = merge(raw, yaml.safe_load((ROOT / "experiments/profiles" / f"{profile}.yaml").read_text()))
        raw["collection"]["real_dir"] = str(REAL)
    raw = merge(raw, MINI)
    if profile == "synth":  # the oracle run is trained like FLAMe-Opt-RM, miniature included
        raw["train"]["flame_opt_rm_oracle"] |= MINI["train"]["flame_opt_rm"]
    raw["tailpatch"]["tasks"] = raw["tailpatch"]["tasks"][:2]  # two patch stages are enough to wire them
    raw["synth"]["tasks"] = {
        t: {"examples": 60, "noise": v.get("noise", 0.0)} for t, v in raw["synth"]["tasks"].items()
    }
    (work / "params.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    env = dict(
        os.environ,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        DVC_NO_ANALYTICS="1",
        PYTHONPATH=str(work),
    )
    env.pop("XLA_FLAGS", None)

    def run(*cmd):
        return subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=900)

    assert run("git", "init", "-q").returncode == 0
    (work / ".dvc" / ".gitignore").write_text("/config.local\n/tmp\n/cache\n")
    first = run("dvc", "repro")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    for model in ("base", "flame", "flame_rm"):
        for suite in ("rewardbench", "aggrefact"):
            m = yaml.safe_load((work / "artifacts/eval" / model / suite / "metrics.json").read_text())
            assert 0.0 <= m["overall"] <= 1.0
    rb = yaml.safe_load((work / "artifacts/eval/flame/rewardbench/metrics.json").read_text())
    if profile == "synth":
        assert {"overall", "chat", "chat_hard", "safety", "reasoning"} <= set(rb)
    else:  # LLMBar's five subsets are RewardBench's Chat Hard; WiCE is one LLM-AggreFact member
        assert (
            rb["n_examples"] == 419
            and set(rb["subsets"])
            == {
                "llmbar-natural",
                "llmbar-adver-neighbor",
                "llmbar-adver-GPTInst",
                "llmbar-adver-GPTOut",
                "llmbar-adver-manual",
            }
            and rb["overall"] == rb["chat_hard"]
        )
        af = yaml.safe_load((work / "artifacts/eval/flame/aggrefact/metrics.json").read_text())
        assert af["n_examples"] == 256 and set(af["subsets"]) == {"WiCE"}  # 358 staged, 256 sampled (§6.1)
        assert "wiki_factverify" in (work / "reports/aggrefact/tab3_aggrefact.md").read_text()
        catalog = yaml.safe_load((work / "data/collection/catalog.json").read_text())
        assert catalog["collection"] == "real-mini" and len(catalog["tasks"]) == 12
        table7 = (work / "reports/collection/tab7_datasets.md").read_text()
        assert "| BEGIN " in table7 and "measured" in table7 and "no converter: " in table7
        assert "Human:" in (work / "reports/collection/fig2_format.md").read_text()  # a real HH-RLHF example
    for out in (
        "reports/composition/fig3_task_types.png",
        "reports/composition/composition.md",
        "reports/rewardbench/tab2_rewardbench.png",
        "reports/rewardbench/tab2_rewardbench.md",
        "reports/collection/fig2_format.png",
        "reports/collection/tab7_datasets.md",
        "reports/benchmarks/fig1_rewardbench.png",
        "reports/benchmarks/tab1_benchmarks.md",
        "reports/aggrefact/tab3_aggrefact.md",
        "reports/length_bias/tab6_length_bias.md",
        "reports/bias/tab4_bias.md",
        "reports/code/tab5_code_rerank.md",
        "reports/tailpatch/fig5_tailpatch.png",
        "reports/tailpatch/tailpatch_ratings.png",
        "reports/tailpatch/tailpatch.md",
        "reports/real/real_results.md",
    ):
        assert (work / out).stat().st_size > 0, out
    summary = yaml.safe_load((work / "artifacts/tailpatch/summary.json").read_text())
    assert summary["cost"]["patches"]["runs"] == 2 and summary["example_ratio_flame_over_opt_rm"] > 0
    assert summary["cost"]["flame"]["steps"] == 6 and summary["cost"]["patches"]["steps"] == 2 * 2
    assert (summary["recovery"] is not None) == (profile == "synth")  # planted effects exist in synth only
    assert (work / "reports/tailpatch/tailpatch_gains.png").exists() == (profile == "synth")
    if profile == "synth":  # the oracle mixture weights exactly the planted-helpful tasks above 'others'
        oracle = summary["oracle"]["flame_opt_rm_oracle"]
        assert (
            oracle["mixture"] == "tailpatch_oracle" and summary["cost"]["flame_opt_rm_oracle"]["steps"] == 2
        )
        rates = json.loads((work / "artifacts/mixtures/tailpatch_oracle.json").read_text())["rates"]
        assert set(rates) == {"chat_count_pairwise", "chat_entity_pairwise"} and min(rates.values()) > 3_000
        assert "flame_opt_rm_oracle" in (work / "reports/tailpatch/tailpatch.md").read_text()
    else:
        assert summary["oracle"] == {}
    # the start is FLAMe's own snapshot at step 3 (its learning rate then), and every auto rule says its value
    assert summary["chosen"]["start"] == {"run": "flame", "step": 3, "lr": summary["chosen"]["start"]["lr"]}
    assert summary["chosen"]["start"]["lr"] > 0 and summary["cost"]["start"]["steps"] == 3
    assert (work / "artifacts/snapshots/flame/3/optimizer").is_dir()
    for rule in ("weakest", "thresholds", "general_min_total"):
        assert summary["chosen"][rule]["value"] and summary["chosen"][rule]["rule"], rule
    always_first = yaml.safe_load((work / "artifacts/bias/control_always_first/metrics.json").read_text())
    assert always_first["order"] == 1.0 and always_first["records"] == 24
    code = yaml.safe_load((work / "artifacts/code/flame/metrics.json").read_text())
    assert code["problems"] == 4 and code["oracle"] == 1.0 and 0.0 < code["none"] < 1.0
    second = run("dvc", "repro")
    assert second.returncode == 0 and "up to date" in second.stdout, second.stdout[-2000:]


def test_stage_times_are_read_back_from_the_outputs_of_each_stage(tmp_path):
    """DVC logs no per-stage times; tools.stage_times takes each stage's newest output and subtracts the
    previous stage's (a folder output counts its newest file; a missing output is left out)."""
    import os

    from tools.stage_times import durations, stage_ends

    for name, t in (("a.json", 100.0), ("b/x", 130.0), ("b/y", 160.0), ("c.json", 175.0)):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
        os.utime(tmp_path / name, (t, t))
    lock = {
        "stages": {
            "late": {"outs": [{"path": "c.json"}, {"path": "gone.json"}]},
            "first": {"outs": [{"path": "a.json"}]},
            "folder": {"outs": [{"path": "b"}]},
            "no_outs": {"deps": [{"path": "a.json"}]},
        }
    }
    ends = stage_ends(lock, tmp_path)
    assert ends == [("first", 100.0), ("folder", 160.0), ("late", 175.0)]
    assert durations(ends, since=90.0) == [("first", 10.0), ("folder", 60.0), ("late", 15.0)]
    assert durations(ends, since=None)[0] == ("first", 0.0)
    assert stage_ends(lock, tmp_path, {"first", "late"}) == [("first", 100.0), ("late", 175.0)]  # stale: out
