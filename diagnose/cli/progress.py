"""A progress bar on standard error, drawn only on a terminal.

Long commands (an audit of many subaccounts, a batch of SIDs) use it so that a
person watching sees movement, while a pipe or a log file gets nothing: stdout
stays the report, and stderr stays free of carriage returns.

::

    with Progress(total=len(accounts), label="reading subaccounts") as bar:
        for account in accounts:
            ...
            bar.advance()
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from types import TracebackType
from typing import TextIO

_MIN_INTERVAL = 0.1  # seconds between redraws: a terminal needs no more, a slow one would lag behind
_CLEAR = "\r\x1b[K"


def wants_progress(stream: TextIO) -> bool:
    """Whether to draw on ``stream``: a terminal that is not ``TERM=dumb``."""
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream
        return False
    return terminal and os.environ.get("TERM") != "dumb"


class Progress:
    """A one-line bar: ``label [#####-----] 12/40``; without a total, ``label 12``.

    ``enabled`` overrides the terminal test (None: decide from ``stream``).
    The line is cleared when the bar closes, so that what follows starts clean.
    """

    def __init__(
        self,
        total: int | None = None,
        label: str = "",
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = wants_progress(self.stream) if enabled is None else enabled
        self.total = total if total is None or total >= 0 else 0
        self.label = _one_line(label)
        self.done = 0
        self._drawn_at: float | None = None
        self._visible = False

    def __enter__(self) -> Progress:
        self.draw(force=True)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def relabel(self, label: str) -> None:
        """Say what the bar now counts (the next file of several), drawn with its next step."""
        self.label = _one_line(label)

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        self.draw(force=self.total is not None and self.done >= self.total)

    def line(self, width: int) -> str:
        """The text of the bar for a terminal ``width`` columns wide (never wider)."""
        width = max(width - 1, 10)  # the last column would wrap on some terminals
        label = self.label
        if self.total is None:
            text = f"{label} {self.done}".strip()
            return text[:width]
        done = min(self.done, self.total)
        counter = f" {done}/{self.total}"
        room = width - len(counter) - 3  # "[", "]" and a space after the label
        label = label[: max(room // 2, 0)]
        slots = max(room - len(label), 0)
        filled = slots if self.total == 0 else slots * done // self.total
        bar = f"[{'#' * filled}{'-' * (slots - filled)}]"
        text = f"{label} {bar}{counter}" if label else f"{bar}{counter}"
        return text[:width]  # a very narrow terminal cuts the counter rather than wrapping

    def draw(self, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and self._drawn_at is not None and now - self._drawn_at < _MIN_INTERVAL:
            return
        self._drawn_at = now
        width = shutil.get_terminal_size((80, 24)).columns
        self._write(_CLEAR + self.line(width))
        self._visible = True

    def close(self) -> None:
        if self.enabled and self._visible:
            self._write(_CLEAR)
            self._visible = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False  # the terminal went away; the work goes on


def _one_line(text: str) -> str:
    """A label safe for a terminal: control characters made visible, on one line."""
    from ..render._text import one_line

    return one_line(text).replace("\t", " ")  # a tab would make the width unpredictable
