"""A small progress bar on stderr that appears only when work takes more than a moment."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Counts finished units and draws ``label [#####     ] 52% 3.1 s note`` once ``delay`` seconds passed.

    ``enabled=None`` shows the bar only when stderr is a terminal or ``force`` is set by the caller;
    ``enabled=False`` never draws. ``note`` (set by :meth:`update`) is a short status after the time,
    e.g. an iterative solver's current bound. Use as a context manager so the line is closed at the end.
    """

    def __init__(self, total: int, label: str, *, enabled: bool | None = None, delay: float = 1.5,
                 stream: TextIO | None = None) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else bool(enabled)
        self.delay = delay
        self.done = 0
        self.start = time.perf_counter()
        self._last_draw = 0.0
        self._drawn = False
        self._width = 0
        self.note = ""

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, units: int = 1, note: str | None = None) -> None:
        self.done += units
        if note is not None:
            self.note = note
        now = time.perf_counter()
        if self.enabled and now - self.start >= self.delay and (now - self._last_draw > 0.2 or self.done >= self.total):
            self._draw(now)

    def _draw(self, now: float) -> None:
        frac = min(self.done / self.total, 1.0)
        width = 30
        bar = "#" * int(frac * width)
        line = f"{self.label} [{bar:<{width}}] {frac:4.0%} {now - self.start:6.1f} s" + (f"  {self.note}" if self.note else "")
        self.stream.write("\r" + line + " " * max(0, self._width - len(line)))  # blank out a longer previous line
        self._width = len(line)
        self.stream.flush()
        self._last_draw = now
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self._draw(time.perf_counter())
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
