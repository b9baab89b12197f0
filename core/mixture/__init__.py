"""Mixture construction: rate functions, MixtureSpec, deterministic grain-based selection."""
