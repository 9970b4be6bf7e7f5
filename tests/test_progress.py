"""The progress bar: drawn only after its delay, with a status note, and a clean line at the end."""

from __future__ import annotations

import io
import time

import numpy as np

from symlogic.extraction.exact import solve_exact
from symlogic.progress import Progress


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
