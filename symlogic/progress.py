"""Progress for long work: a bar on a terminal, or periodic status lines for logs.

The bar appears only when work takes more than a moment. Off a terminal (a batch job, CI, a pipe)
a bar's carriage returns make unreadable logs, so long work reports plain lines instead, through
the "symlogic" logger at INFO (or on stderr when the application configured no logging at all).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress", "format_duration", "log_line", "LOGGER"]

#: The logger every symlogic status line goes to.
LOGGER = logging.getLogger("symlogic")


def format_duration(seconds: float) -> str:
    """A short human duration: "45 s", "3.2 min", "4.1 h", "2.3 days"."""
    if seconds != seconds or seconds == float("inf"):
        return "unknown"
    if seconds < 90:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.1f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def log_line(message: str, *, stream: TextIO | None = None, echo: bool = True) -> None:
    """Send ``message`` to the "symlogic" logger at INFO; when no logging is configured anywhere
    (no handler on it or its parents) and ``echo``, write it to ``stream`` (stderr) instead, so an
    unconfigured script or the CLI still sees it."""
    if LOGGER.hasHandlers():
        LOGGER.info(message)
    elif echo:
        out = stream if stream is not None else sys.stderr
        out.write(f"symlogic: {message}\n")
        out.flush()


class Progress:
    """Counts finished units and draws ``label [#####     ] 52% 3.1 s note`` once ``delay`` seconds passed.

    ``enabled=None`` shows the bar only when its stream (stderr) is a terminal; ``enabled=True``
    always, ``enabled=False`` never. ``note`` (set by :meth:`update`) is a short status after the time,
    e.g. an iterative solver's current bound. :meth:`log_every` switches to status lines (done/total,
    rate, ETA) every so many seconds instead of a bar; :meth:`skip` counts units done earlier (e.g.
    from a checkpoint) without crediting them to the rate. ``clock`` is injectable for tests. Use as a
    context manager so the line is closed at the end.
    """

    def __init__(self, total: int, label: str, *, enabled: bool | None = None, delay: float = 1.5,
                 stream: TextIO | None = None, unit: str = "", clock: Callable[[], float] | None = None) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else bool(enabled)
        self.delay = delay
        self.unit = unit
        self.clock = clock if clock is not None else time.perf_counter
        self.done = 0
        self.skipped = 0
        self.start = self.clock()
        self.show_eta = False
        self._last_draw = 0.0
        self._drawn = False
        self._width = 0
        self._log: Callable[[str], None] | None = None
        self._log_every = 0.0
        self._last_log = 0.0
        self.note = ""

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def skip(self, units: int = 1) -> None:
        """Count units that were already done (not work of this run: they do not speed up the rate)."""
        self.done += units
        self.skipped += units

    def log_every(self, seconds: float, emit: Callable[[str], None]) -> None:
        """From now on, call ``emit`` with :meth:`status` every ``seconds`` (and once at the end), not drawing a bar."""
        self._log, self._log_every = emit, float(seconds)
        self._last_log = self.clock()
        self.enabled = False

    def rate(self, now: float | None = None) -> float:
        """Units per second of this run so far (0 before any)."""
        elapsed = (self.clock() if now is None else now) - self.start
        worked = self.done - self.skipped
        return worked / elapsed if elapsed > 0 and worked > 0 else 0.0

    def eta(self, now: float | None = None) -> float:
        """Seconds left at the current rate (inf before any work)."""
        r = self.rate(now)
        return max(self.total - self.done, 0) / r if r > 0 else float("inf")

    def status(self, now: float | None = None) -> str:
        """``label: 1,024/65,536 masks (1.6%), 512 masks/s, ETA 2.1 min``."""
        now = self.clock() if now is None else now
        unit = f" {self.unit}" if self.unit else ""
        return (f"{self.label}: {self.done:,}/{self.total:,}{unit} ({self.done / self.total:.1%}), "
                f"{self.rate(now):,.0f}{unit or ' units'}/s, ETA {format_duration(self.eta(now))}")

    def update(self, units: int = 1, note: str | None = None) -> None:
        self.done += units
        if note is not None:
            self.note = note
        now = self.clock()
        if self._log is not None and now - self._last_log >= self._log_every and self.done < self.total:
            self._last_log = now
            self._log(self.status(now))
        if self.enabled and now - self.start >= self.delay and (now - self._last_draw > 0.2 or self.done >= self.total):
            self._draw(now)

    def _draw(self, now: float) -> None:
        frac = min(self.done / self.total, 1.0)
        width = 30
        bar = "#" * int(frac * width)
        eta = f"  ETA {format_duration(self.eta(now))}" if self.show_eta and self.done < self.total else ""
        line = f"{self.label} [{bar:<{width}}] {frac:4.0%} {now - self.start:6.1f} s{eta}" + (f"  {self.note}" if self.note else "")
        self.stream.write("\r" + line + " " * max(0, self._width - len(line)))  # blank out a longer previous line
        self._width = len(line)
        self.stream.flush()
        self._last_draw = now
        self._drawn = True

    def clear_line(self) -> None:
        """Blank a drawn bar so another message can use the line (the next update redraws it)."""
        if self._drawn:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._drawn = False
            self._width = 0

    def close(self) -> None:
        if self._log is not None:
            now = self.clock()
            unit = f" {self.unit}" if self.unit else ""
            if self.done >= self.total:
                self._log(f"{self.label}: done, {self.done - self.skipped:,}{unit} in {format_duration(now - self.start)}")
            else:
                self._log(f"{self.label}: stopped at {self.status(now)}")
            self._log = None
        if self._drawn:
            self._draw(self.clock())
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
