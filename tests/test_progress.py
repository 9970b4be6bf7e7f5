"""The progress bar: drawn only after its delay, with a status note, and a clean line at the end."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest

from symlogic.extraction.certified import solve_exact
from symlogic.progress import Progress, format_duration


def test_bar_waits_for_its_delay_and_closes_its_line():
    out = io.StringIO()
    with Progress(4, "work", enabled=True, delay=60.0, stream=out) as bar:
        bar.update(4)
    assert out.getvalue() == ""  # finished before the delay: nothing drawn
    out = io.StringIO()
    with Progress(4, "work", enabled=True, delay=0.0, stream=out) as bar:
        bar.update(2)
    assert out.getvalue().startswith("\rwork [") and "50%" in out.getvalue() and out.getvalue().endswith("\n")


def test_disabled_bar_never_draws():
    out = io.StringIO()
    with Progress(2, "work", enabled=False, delay=0.0, stream=out) as bar:
        bar.update(2, note="x")
    assert out.getvalue() == ""


def test_note_is_drawn_and_a_shorter_line_blanks_the_longer_one():
    out = io.StringIO()
    bar = Progress(3, "work", enabled=True, delay=0.0, stream=out)
    bar.update(0, note="a rather long status note")
    time.sleep(0.25)  # redraws are at most every 0.2 s
    bar.update(1, note="short")
    bar.close()
    lines = out.getvalue().split("\r")[1:]
    assert "a rather long status note" in lines[0] and "short" in lines[1]
    assert len(lines[1]) >= len(lines[0])  # padded: no tail of the long note is left on screen


def test_exact_solver_reports_its_bound_while_it_runs(capsys, monkeypatch):
    """A long exact solve shows the round, the box and the best certified bound so far; at the
    end, all stages are done and nothing is left to add."""
    rng = np.random.default_rng(0)
    v = rng.normal(size=1 << 8)
    original = Progress.__init__

    def no_delay(self, *args, **kwargs):
        kwargs["delay"] = 0.0
        original(self, *args, **kwargs)

    monkeypatch.setattr(Progress, "__init__", no_delay)
    sol = solve_exact(v, 0.1, method="generate", device="cpu", progress=True)
    assert sol.status == "optimal"
    err = capsys.readouterr().err
    assert "exact AND-OR split" in err and "round" in err and "bound" in err
    final = err.strip().split("\r")[-1]
    assert "100%" in final and "0 rows / 0 atoms to add" in final


class _Clock:
    """A fake clock: time moves only by ``tick``."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


def test_progress_status_rate_and_skip() -> None:
    t = _Clock()
    out = io.StringIO()
    lines: list[str] = []
    with Progress(1000, "work", enabled=False, stream=out, unit="masks", clock=t) as bar:
        bar.skip(500)  # from a checkpoint: not this run's speed
        t.tick(10.0)
        bar.update(100)
        assert bar.rate() == pytest.approx(10.0) and bar.eta() == pytest.approx(40.0)
        assert bar.status() == "work: 600/1,000 masks (60.0%), 10 masks/s, ETA 40 s"
        bar.log_every(5.0, lines.append)
        t.tick(4.0)
        bar.update(40)
        t.tick(1.0)
        bar.update(10)
        t.tick(35.0)
        bar.update(350)
    assert lines == ["work: 650/1,000 masks (65.0%), 10 masks/s, ETA 35 s", "work: done, 500 masks in 50 s"]
    assert out.getvalue() == ""


def test_format_duration() -> None:
    assert [format_duration(s) for s in (0.25, 12, 89, 600, 7200, 3 * 86400, float("inf"))] == [
        "0.2 s", "12 s", "89 s", "10.0 min", "2.0 h", "3.0 days", "unknown"]
