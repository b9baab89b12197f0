"""Progress bars that stay readable both in a terminal and in captured logs (DVC stages, CI)."""

from __future__ import annotations

import sys

from tqdm.auto import tqdm


class _Lines:
    """A stream that turns tqdm's carriage-return redraws into separate log lines."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> None:
        for line in text.replace("\r", "\n").split("\n"):
            if line.strip():
                self._stream.write(line + "\n")

    def flush(self) -> None:
        self._stream.flush()


def progress_bar(iterable=None, **kwargs):
    """A tqdm bar; outside a terminal it prints one line at most every 30 s instead of redrawing."""
    interactive = sys.stderr.isatty()
    kwargs.setdefault("mininterval", 0.5 if interactive else 30.0)
    kwargs.setdefault("dynamic_ncols", interactive)
    if not interactive:
        kwargs.setdefault("file", _Lines(sys.stderr))
        kwargs.setdefault("ascii", True)
    return tqdm(iterable, **kwargs)
