"""Developer tools: benchmarks, sizing, the multi-host check, the ablation driver, the learning-rate sweep and
the profile commands. None is a DVC stage; stages live in ``experiments/``."""
