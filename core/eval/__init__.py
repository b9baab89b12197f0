"""Evaluation: suites, scorers (log-likelihood, trivial controls), metrics and the harness. Never trains."""
