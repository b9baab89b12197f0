from collections import Counter

import pytest

from core.benchmarks.rewardbench import CATEGORIES
from core.config import SynthConfig, SynthTaskConfig
from core.data.schema import CAPABILITIES, KINDS, read_jsonl
from core.eval.harness import judge_rows, suite_metrics
from core.eval.scoring import CONTROLS
from core.synth import build, tasks


def test_catalog_covers_all_kinds_and_capabilities():
    assert len(tasks.TASKS) >= 16
    assert {t.kind for t in tasks.TASKS} == set(KINDS)
    assert {t.capability for t in tasks.TASKS} == set(CAPABILITIES)
    effects = [e for t in tasks.TASKS for e in t.effects.items()]
    assert any(v > 0 for _, v in effects) and any(v < 0 for _, v in effects)
    assert {c for c, _ in effects} == set(CATEGORIES)


def test_every_task_builds_valid_records(small_synth):
    out, catalog = small_synth
    for name in catalog["tasks"]:
        records = read_jsonl(out / "tasks" / name / "train.jsonl")  # validates every line
        assert records and all(r.task == name and r.split == "train" for r in records)


def test_generation_is_deterministic_and_seed_dependent():
    task = tasks.get("chat_count_pairwise")
    a = build.task_records(task, 30, 0.0, seed=1, validation_fraction=0.1)
    b = build.task_records(task, 30, 0.0, seed=1, validation_fraction=0.1)
    c = build.task_records(task, 30, 0.0, seed=2, validation_fraction=0.1)
    assert a == b and a != c
    assert len(a["validation"]) == 3 and len(a["train"]) == 27


@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_label_noise_parameter(noise):
    task = tasks.get("attribution_classification")
    recs = build.task_records(task, 2000, noise, seed=3, validation_fraction=0.0)["train"]
    share = sum(r.meta["noisy"] for r in recs) / len(recs)
    assert abs(share - noise) < 0.04


def test_no_heldout_string_occurs_in_training(small_synth):
    out, catalog = small_synth
    assert catalog["leak_check"]["atoms_checked"] > 100
    train = [r for t in catalog["tasks"] for r in read_jsonl(out / "tasks" / t / "train.jsonl")]
    held = read_jsonl(out / "suites" / "rewardbench.jsonl") + read_jsonl(out / "suites" / "aggrefact.jsonl")
    build.check_no_leak(train, held)
    # the check is able to fail: plant one held-out name into a training record
    name = read_jsonl(out / "suites" / "aggrefact.jsonl")[0].meta["atoms"][0]  # a held-out person
    leaked = train[0].replace(context=train[0].context + (("note", f"ask {name} later"),))
    with pytest.raises(build.LeakError, match=name):
        build.check_no_leak([leaked] + train[1:], held)


def test_suites_have_the_expected_sections(small_synth):
    out, _ = small_synth
    rb = read_jsonl(out / "suites" / "rewardbench.jsonl")
    assert set(Counter(r.meta["section"] for r in rb)) == {"chat", "chat_hard", "safety", "math", "coding"}
    ag = read_jsonl(out / "suites" / "aggrefact.jsonl")
    assert Counter(r.label for r in ag) == {"yes": 60, "no": 60}


def test_surface_controls_cannot_solve_the_suites():
    """Every trivial judge stays at or below 0.6 overall; 'prefer longer' is below 0.5 on chat_hard."""
    from core.synth import suites

    rb = suites.rewardbench(1234, 100)
    ag = suites.aggrefact(1234, 150)
    for name, make in CONTROLS.items():
        for suite, records in (("rewardbench", rb), ("aggrefact", ag)):
            m = suite_metrics(suite, judge_rows(make(), records), records)
            assert m["overall"] <= 0.6, (name, suite, m["overall"])
            if name == "prefer_longer" and suite == "rewardbench":
                assert m["chat_hard"] < 0.5 and m["chat"] > 0.6


def test_build_rejects_unknown_task(tmp_path):
    cfg = SynthConfig(tasks={"no_such_task": SynthTaskConfig(examples=3)})
    with pytest.raises(KeyError, match="no_such_task"):
        build.build(cfg, 0, tmp_path)
