"""Every profile resolves: applied to params.yaml, each task, suite, mixture, run and model it names exists in
its collection's catalog and the presets (nothing is downloaded), task selectors expand to names, and DVC
expands the pipeline under it. A profile that cannot run fails here, not hours into a run on a TPU."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from core import config
from tools.apply_profile import PROFILES, dotted, merge, resolved, workspace
from tools.resolve import problems, select, training_tasks

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["default", *sorted(p.stem for p in PROFILES.glob("*.yaml"))]


def _params(name: str, tmp_path: Path) -> tuple[dict, config.Params]:
    raw = (
        yaml.safe_load((ROOT / "params.yaml").read_text())
        if name == "default"
        else resolved(name, ROOT / "params.yaml")
    )
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return raw, config.load(path)


@pytest.mark.parametrize("name", NAMES)
def test_every_name_of_every_profile_resolves(name, tmp_path):
    raw, params = _params(name, tmp_path)
    assert problems(params) == []
    # DVC expands every stage of the pipeline under this profile (foreach over its tasks, runs and suites)
    from dvc.repo import Repo

    for f in ("dvc.yaml", ".dvcignore"):
        shutil.copy(ROOT / f, tmp_path / f)
    (tmp_path / ".dvc").mkdir()
    (tmp_path / ".dvc" / "config").write_text((ROOT / ".dvc" / "config").read_text())
    stages = {s.name for s in Repo(str(tmp_path), uninitialized=True).index.stages}
    assert {f"train@{run}" for run in params.train} <= stages
    assert {"tailpatch_start", "tailpatch", "tailpatch_aggregate"} <= stages  # one stage runs every patch
    assert {f"eval@{m}-{s}" for m in params.eval.models for s in params.eval.suites} <= stages


def test_the_paper_profile_is_the_papers_setup(tmp_path):
    _, p = _params("paper", tmp_path)
    assert p.collection.name == "flame" and p.mixtures["flame"].maximum == 2**16
    assert p.train["flame"].lr == 1e-4 and p.model.dropout == 0.05 and p.data.seq_len == 2048
    assert p.eval.scorer == "generate" and p.eval.max_new_tokens == 1024 and p.sizing.device == "TPU v5e"
    flame = training_tasks("flame")
    assert sorted(p.tailpatch.tasks) == sorted(flame) and len(flame) > 70  # "all" expanded to names
    rm = p.mixtures["rm4"]
    assert rm.uniform_over == "dataset"
    assert set(rm.datasets) == {"HelpSteer", "PRM800K", "CommitPack", "HH RLHF Harmlessness"}
    _, gpu = _params("paper-2b-gpu", tmp_path)
    assert (
        gpu.collection.name == "flame"
        and gpu.model.preset == "gemma2_2b"
        and gpu.train["flame"].micro_batches == 8
    )


def test_names_that_do_not_resolve_are_reported(tmp_path):
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    bad = merge(raw, dotted("collection.name=flame"))  # the synthetic task lists no longer resolve
    bad = merge(bad, {"model": {"base": "gemma9-1t"}, "eval": {"suites": ["rewardbench", "nope"]}})
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(bad))
    found = problems(config.load(tmp_path / "params.yaml"))
    assert any("mixtures.rm4.tasks: unknown task 'chat_count_pairwise'" in f for f in found)
    assert any("tailpatch.tasks: unknown task" in f for f in found)
    assert any("model.base: unknown checkpoint 'gemma9-1t'" in f for f in found)
    assert any("eval.suites: collection 'flame' has no suite 'nope'" in f for f in found)
    tasks = training_tasks("real-mini")
    assert select(tasks, {"capabilities": ["safety"]}) == ["hh_rlhf_harmlessness"]
    with pytest.raises(ValueError, match="matches no training task"):
        select(tasks, {"capabilities": ["coding"]})


def test_a_profile_runs_in_a_workspace_of_its_own_and_leaves_the_default_alone(tmp_path):
    from dvc.repo import Repo

    repo, shared = tmp_path / "repo", tmp_path / "shared" / "data" / "real"
    shared.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--shared", str(ROOT), str(repo)], check=True)
    default = (repo / "params.yaml").read_text().replace("seed: 1234", "seed: 99")  # uncommitted edits count
    (repo / "params.yaml").write_text(default)
    (repo / "notes.md").write_text("untracked\n")

    ws = workspace("real-mini", repo, ["train.flame.steps=120"])
    assert ws == repo / ".workspaces" / "real-mini" and (repo / "params.yaml").read_text() == default
    made = config.load(ws / "params.yaml")
    assert (made.seed, made.collection.name, made.train["flame"].steps) == (99, "real-mini", 120)
    assert (ws / made.collection.real_dir).resolve() == shared.resolve()  # ../shared seen from the workspace
    assert (ws / "notes.md").read_text() == "untracked\n"
    assert Path(Repo(str(ws)).cache.local.path).is_relative_to((repo / ".dvc" / "cache").resolve())
    # the default pipeline sees none of the profile's stages
    assert {s.path_in_repo for s in Repo(str(repo)).index.stages} == {"dvc.yaml"}

    (ws / "dvc.lock").write_text("schema: '2.0'\nstages: {}\n")  # the profile's own record survives an update
    (repo / "params.yaml").write_text(default.replace("seed: 99", "seed: 7"))
    workspace("real-mini", repo)
    assert (ws / "dvc.lock").read_text() == "schema: '2.0'\nstages: {}\n"
    again, mine = config.load(ws / "params.yaml"), config.load(repo / "params.yaml")
    assert again.seed == 7 and again.train["flame"].steps == mine.train["flame"].steps  # --set is not sticky
