import pytest

from tools.multihost_check import run


@pytest.mark.slow
def test_two_processes_train_like_one():
    """Two processes joined by jax.distributed (gloo CPU collectives, 2 devices each) give the losses of one
    process with 4 devices."""
    result = run(processes=2, steps=3)
    a, b = result["multi_process"]
    assert a == b  # every process sees the same global loss
    assert a == pytest.approx(result["single_process"], rel=1e-5)
    assert len(a) == 3
