"""Progress bars that stay readable both in a terminal and in captured logs (DVC stages, CI)."""

from __future__ import annotations

import sys

from tqdm.auto import tqdm


def progress_bar(iterable=None, **kwargs):
    """A tqdm bar; outside a terminal it redraws at most every 30 s instead of flooding the log."""
    interactive = sys.stderr.isatty()
    kwargs.setdefault("mininterval", 0.5 if interactive else 30.0)
    kwargs.setdefault("dynamic_ncols", interactive)
    return tqdm(iterable, **kwargs)
