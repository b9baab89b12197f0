"""Loaders, tables and plots used by the notebooks (which import nothing else from core)."""
