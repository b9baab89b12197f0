"""Mixture ablations: the sweep plan, a real `dvc exp run --temp` sweep in a scratch repository, and the table
read back from `dvc exp show --json`."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from core.reporting.ablations import deltas, plot_deltas, runs_table
from tools import ablate

CFG = {
    "target": "score",
    "sweeps": {
        "cap": {"param": "mixtures.flame.maximum", "values": [7, 9]},
        "capability": {
            "param": "mixtures.flame.exclude_capabilities",
            "values": [["safety"], ["coding", "math"]],
        },
    },
}


def test_plan_names_every_value_and_adds_a_baseline_with_the_same_overrides():
    params = {"train": {"flame": {"steps": 3000}}, "mixtures": {"flame": {"maximum": 5}}}
    runs = ablate.plan(CFG, ["cap", "capability"], ["train.flame.steps=10"], params)
    assert [n for n, _ in runs] == [
        "abl-baseline",
        "abl-cap-7",
        "abl-cap-9",
        "abl-capability-safety",
        "abl-capability-coding+math",
    ]
    assert runs[0][1] == ["train.flame.steps=10"]
    # a key params.yaml leaves at its default is added with Hydra's '+', which dvc exp run requires
    assert runs[4][1] == ["train.flame.steps=10", '+mixtures.flame.exclude_capabilities=["coding", "math"]']
    assert ablate.command("score", *runs[1]) == [
        "dvc",
        "exp",
        "run",
        "--temp",
        "-n",
        "abl-cap-7",
        "-S",
        "train.flame.steps=10",
        "-S",
        "mixtures.flame.maximum=7",
        "score",
    ]
    assert ablate.exp_name("temperature", 0.5) == "abl-temperature-0p5"
    with pytest.raises(SystemExit, match="unknown sweep 'nope'"):
        ablate.plan(CFG, ["nope"], [], params)
    with pytest.raises(SystemExit, match="key=value"):
        ablate.plan(CFG, ["cap"], ["train.flame.steps"], params)


SCORE = """import json, os, yaml
p = yaml.safe_load(open("params.yaml"))["mixtures"]["flame"]
os.makedirs("out", exist_ok=True)
excluded = p.get("exclude_capabilities", [])  # absent from params.yaml: set with a "+"
json.dump({"overall": p["maximum"] / 10 - 0.1 * len(excluded), "chat": 0.5}, open("out/m.json", "w"))
json.dump({"examples_seen": 100 * p["maximum"]}, open("out/s.json", "w"))
"""


def test_a_sweep_runs_as_dvc_experiments_and_is_tabulated(tmp_path):
    env = dict(
        os.environ,
        DVC_NO_ANALYTICS="1",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    )

    def sh(*cmd):
        out = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stdout + out.stderr
        return out.stdout

    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"mixtures": {"flame": {"maximum": 5}}}))
    (tmp_path / "score.py").write_text(SCORE)
    (tmp_path / "dvc.yaml").write_text(
        yaml.safe_dump(
            {
                "stages": {
                    "score": {
                        "cmd": "python score.py",
                        "deps": ["score.py"],
                        "params": ["mixtures.flame"],
                        "metrics": [{"out/m.json": {"cache": False}}, {"out/s.json": {"cache": False}}],
                    }
                }
            }
        )
    )
    (tmp_path / "sweeps.yaml").write_text(yaml.safe_dump(CFG))
    sh("git", "init", "-q", "-b", "main")
    sh("git", "config", "user.email", "t@t")
    sh("git", "config", "user.name", "t")
    sh("dvc", "init", "-q")
    sh("dvc", "repro", "-q")
    sh("git", "add", "-A")
    sh("git", "commit", "-qm", "base")
    run = [sys.executable, "-c", "import sys; from tools import ablate; ablate.main(sys.argv[1:])"]
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    first = sh(*run, "run", "--sweeps", "sweeps.yaml", "--sweep", "cap", "--sweep", "capability")
    assert first.count("dvc exp run --temp") == 5
    again = sh(*run, "run", "--sweeps", "sweeps.yaml", "--sweep", "cap")  # resumes: nothing left to run
    assert again.count("exists, skipped") == 3 and "dvc exp run" not in again
    assert (
        yaml.safe_load((tmp_path / "params.yaml").read_text())["mixtures"]["flame"]["maximum"] == 5
    )  # untouched
    table = runs_table(
        json.loads(sh("dvc", "exp", "show", "--json")),
        metrics="out/m.json",
        summary="out/s.json",
        columns=("overall", "chat"),
    ).set_index("run")
    assert set(table.index) == {
        "main",
        "abl-baseline",
        "abl-cap-7",
        "abl-cap-9",
        "abl-capability-safety",
        "abl-capability-coding+math",
    }
    assert table.loc["abl-cap-9", "overall"] == pytest.approx(90.0)
    assert table.loc["abl-cap-9", "changed"] == "mixtures.flame.maximum=9"
    assert table.loc["abl-cap-9", "examples_seen"] == 900
    assert table.loc["abl-capability-coding+math", "delta"] == pytest.approx(-20.0)  # against abl-baseline
    assert table.loc["abl-baseline", "changed"] == "(none)" and (table["status"] == "ok").all()
    changes = deltas(table.reset_index(), columns=("overall", "chat"))
    commit = table.loc["abl-cap-9", "commit"]
    assert list(changes.index)[0] == f"abl-capability-coding+math @{commit}"  # sorted, worst first
    assert len(changes) == 4 and not any(i.startswith(("main", "abl-baseline")) for i in changes.index)
    assert changes.loc[f"abl-capability-coding+math @{commit}", "overall"] == pytest.approx(-20.0)
    plot_deltas(changes, "t", str(tmp_path / "d.png"))
    assert (tmp_path / "d.png").stat().st_size > 0
