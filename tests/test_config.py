from pathlib import Path

import pytest

from core import config

ROOT = Path(__file__).resolve().parents[1]


def test_params_yaml_loads_into_frozen_dataclasses():
    p = config.load(ROOT / "params.yaml")
    assert p.train["flame"].mixture == "flame"
    assert p.train["flame_rm"].init == "flame"
    assert set(p.mixtures["rm4"].tasks) <= set(p.synth.tasks)
    with pytest.raises(AttributeError):
        p.train["flame"].steps = 1  # frozen


def test_unknown_key_names_key_and_file(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text((ROOT / "params.yaml").read_text().replace("  pack: true", "  pack: true\n  pakc: false"))
    with pytest.raises(config.ConfigError) as err:
        config.load(path)
    assert "data.pakc" in str(err.value) and str(path) in str(err.value)


def test_wrong_type_names_key(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text((ROOT / "params.yaml").read_text().replace("  seq_len: 256", "  seq_len: long"))
    with pytest.raises(config.ConfigError, match=r"data\.seq_len.*integer"):
        config.load(path)


def test_literal_and_nested_errors():
    with pytest.raises(config.ConfigError, match="rate"):
        config.from_dict(config.MixtureConfig, {"rate": "proportional"})
    with pytest.raises(config.ConfigError, match="missing required key 'init'"):
        config.from_dict(config.TrainConfig, {"mixture": "m", "steps": 1, "batch_size": 2})
    with pytest.raises(config.ConfigError, match=r"tasks\.x\.noise"):
        config.from_dict(config.SynthConfig, {"tasks": {"x": {"examples": 3, "noise": "high"}}})
    cfg = config.from_dict(
        config.TrainConfig, {"init": "base", "mixture": "m", "steps": 1, "batch_size": 2, "lr": 1}
    )
    assert isinstance(cfg.lr, float)


def test_cross_references_are_checked(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text((ROOT / "params.yaml").read_text().replace("mixture: rm4,", "mixture: rm5,"))
    with pytest.raises(config.ConfigError, match="train.flame_rm.mixture.*rm5"):
        config.load(path)


@pytest.mark.parametrize(
    "old, new, error",
    [
        ("oracle: []", "oracle: [rm4]", "tailpatch.oracle.*reuses mixture name 'rm4'"),
        ("oracle: []", "oracle: [best]", None),  # a run may then train on 'best'
        ("name: synth", "name: real-mini", "tailpatch.oracle.*needs planted effects"),
    ],
)
def test_oracle_mixtures_are_checked(tmp_path, old, new, error):
    text = (
        (ROOT / "params.yaml").read_text().replace(old, new).replace("mixture: tailpatch,", "mixture: best,")
    )
    path = tmp_path / "params.yaml"
    path.write_text(text.replace("oracle: []", "oracle: [best]"))
    if error is None:
        assert config.load(path).train["flame_opt_rm"].mixture == "best"
    else:
        with pytest.raises(config.ConfigError, match=error):
            config.load(path)
