"""Test setup: 8 simulated CPU devices (set before jax is imported), offline, grain absl flags parsed."""

import os

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=8")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("DVC_NO_ANALYTICS", "1")

from absl import flags  # noqa: E402

flags.FLAGS.mark_as_parsed()  # google/grain#1355

import pytest  # noqa: E402

from core.config import SynthConfig, SynthTaskConfig  # noqa: E402
from core.synth import tasks  # noqa: E402


@pytest.fixture(scope="session")
def small_synth(tmp_path_factory):
    """A small synth collection (all tasks, 120 examples each) built once per session."""
    from core.synth.build import build

    out = tmp_path_factory.mktemp("synth")
    cfg = SynthConfig(
        tasks={t.name: SynthTaskConfig(examples=120) for t in tasks.TASKS},
        rewardbench_per_subset=40,
        aggrefact_per_dataset=40,
    )
    catalog = build(cfg, 7, out)
    return out, catalog


@pytest.fixture(scope="session")
def small_tokenizer(small_synth):
    from core.data.formats import render
    from core.data.schema import iter_jsonl
    from core.data.tokenizer import Tokenizer

    out, catalog = small_synth
    texts = [
        "".join(render(r)) for t in catalog["tasks"] for r in iter_jsonl(out / "tasks" / t / "train.jsonl")
    ]
    return Tokenizer.train(texts, 512)
