"""Estimates before a long recording: the arithmetic, the report, the progress lines and the guard.

A fake clock (``symlogic.record._clock``) that only the recorded function advances makes every
batch take exactly as long as the test says: nothing depends on how fast this machine is.
"""

from __future__ import annotations

import importlib
import io
import logging

import numpy as np
import pytest
import torch

from symlogic.adapters import CallableAdapter
from symlogic.errors import InputError, ResourceError
from symlogic.model_record import estimate_model, record_model
from symlogic.record import RecordingEstimate, estimate_recording, record

# the modules themselves (the package's attribute ``symlogic.record`` is the function)
record_mod = importlib.import_module("symlogic.record")
progress_mod = importlib.import_module("symlogic.progress")


class FakeClock:
    """Time stands still except when ``tick`` moves it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(record_mod, "_clock", fake)
    return fake


def slow_fn(clock: FakeClock, seconds: list[float] | float, calls: list[int] | None = None):  # type: ignore[no-untyped-def]
    """A function of the masks that 'takes' ``seconds`` per call (a list: per call, the last repeating)."""
    costs = seconds if isinstance(seconds, list) else [seconds]

    def fn(masks: torch.Tensor) -> torch.Tensor:
        k = len(calls) if calls is not None else 0
        if calls is not None:
            calls.append(masks.shape[0])
        clock.tick(costs[min(k, len(costs) - 1)])
        return masks.sum(dim=1).double()

    return fn


def symlogic_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "symlogic"]


def test_estimate_arithmetic_uses_the_faster_of_two_batches(clock: FakeClock) -> None:
    calls: list[int] = []
    fn = slow_fn(clock, [3.0, 1.0], calls)  # the first call carries 2 s of start-up
    est = estimate_recording(fn, 10, batch_size=128)
    assert isinstance(est, RecordingEstimate)
    assert calls == [128, 128]  # two batches timed, nothing recorded
    assert est.n == 10 and est.masks == 1024 and est.batches == 8 and est.batch_size == 128
    assert est.seconds_per_mask == pytest.approx(1.0 / 128)
    assert est.seconds == pytest.approx(8.0)  # 1024 masks at 1 s per 128
    assert est.bytes == 8 * 1024 and est.timed_masks == 256
    text = str(est)
    assert "about 8.0 s" in text and "1,024 masks in 8 batches of 128" in text and "8.0 KiB" in text


def test_estimate_times_one_batch_when_it_is_slow_or_the_only_one(clock: FakeClock) -> None:
    calls: list[int] = []
    est = estimate_recording(slow_fn(clock, 20.0, calls), 12, batch_size=1024)
    assert calls == [1024] and est.seconds == pytest.approx(80.0) and est.batches == 4
    calls.clear()
    est = estimate_recording(slow_fn(clock, 0.5, calls), 3)  # one batch of 8 covers everything
    assert calls == [8] and est.seconds == pytest.approx(0.5) and est.batches == 1
    with pytest.raises(InputError):
        estimate_recording(slow_fn(clock, 0.1), True)  # type: ignore[arg-type]


def test_long_recording_logs_estimate_and_progress_lines(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="symlogic")
    calls: list[int] = []
    rec = record(slow_fn(clock, 5.0, calls), 12, batch_size=256)  # 16 batches of 5 s: about 80 s
    assert len(calls) == 16  # the timed batches are part of the recording, not extra work
    np.testing.assert_array_equal(rec.values, [bin(m).count("1") for m in range(1 << 12)])
    lines = symlogic_lines(caplog)
    assert lines[0].startswith("recording 2^12 masks: about 80 s for 4,096 masks in 16 batches of 256")
    # off a terminal: a status line every PROGRESS_LOG_EVERY_S = 30 s of the fake clock (from the
    # estimate, made after batch 2 at t = 10 s: at t = 40 s and t = 70 s), and a final line
    progress = [line for line in lines[1:] if "ETA" in line]
    assert progress == [
        "recording 2^12 masks: 2,048/4,096 masks (50.0%), 51 masks/s, ETA 40 s",
        "recording 2^12 masks: 3,584/4,096 masks (87.5%), 51 masks/s, ETA 10 s",
    ]
    assert lines[-1] == "recording 2^12 masks: done, 4,096 masks in 80 s"


def test_short_recording_says_nothing(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="symlogic")
    record(slow_fn(clock, 0.5), 10, batch_size=128)  # 8 × 0.5 s = 4 s < REPORT_AFTER_S
    assert symlogic_lines(caplog) == []


def test_threshold_is_a_module_setting(clock: FakeClock, caplog: pytest.LogCaptureFixture,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.INFO, logger="symlogic")
    monkeypatch.setattr(record_mod, "REPORT_AFTER_S", 1.0)
    monkeypatch.setattr(record_mod, "PROGRESS_LOG_EVERY_S", 1.0)
    record(slow_fn(clock, 0.5), 10, batch_size=128)  # 4 s > 1 s
    lines = symlogic_lines(caplog)
    # estimate after batch 2 (t = 1 s), then a line each second until the end (t = 2, 3 s)
    assert lines[0].startswith("recording 2^10 masks: about 4.0 s") and sum("ETA" in line for line in lines) == 2


def test_guard_refuses_before_spending_the_time(clock: FakeClock) -> None:
    calls: list[int] = []
    with pytest.raises(ResourceError) as info:
        record(slow_fn(clock, 5.0, calls), 14, batch_size=256, max_seconds=60)
    assert len(calls) == 2  # the estimate, confirmed by a second batch; not 64 batches
    msg = str(info.value)
    assert "2^14 masks: about 5.3 min" in msg and "max_seconds = 60" in msg  # 64 batches × 5 s = 320 s
    assert "fewer variables" in msg and "GPU" in msg and "raise max_seconds" in msg
    # a first batch slowed by start-up alone is not refused: the second batch decides
    calls.clear()
    rec = record(slow_fn(clock, [9.0, 0.01], calls), 10, batch_size=128, max_seconds=60)
    assert len(calls) == 8 and rec.values.shape == (1024,)
    for bad in (0, -1.0, float("nan"), True, "60"):
        with pytest.raises(InputError, match="max_seconds"):
            record(slow_fn(clock, 0.0), 3, max_seconds=bad)  # type: ignore[arg-type]


def test_guard_through_record_model_and_adapters(clock: FakeClock) -> None:
    class Slow(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            clock.tick(1.0)
            return torch.stack([x.sum(1), -x.sum(1)], dim=1)

    x, groups = torch.ones(8), [[i] for i in range(8)]
    with pytest.raises(ResourceError, match="max_seconds = 5"):
        record_model(Slow(), x, 0.0, groups, target=0, batch_size=16, max_seconds=5, progress=False)
    est = estimate_model(Slow(), x, 0.0, groups, target=0, batch_size=16)
    assert est.batches == 16 and est.seconds == pytest.approx(16.0)
    adapter = CallableAdapter(slow_fn(clock, 2.0), 9)
    assert adapter.estimate(batch_size=64).seconds == pytest.approx(16.0)
    with pytest.raises(ResourceError):
        adapter.record(batch_size=64, max_seconds=10)


def test_without_logging_configured_lines_go_to_stderr(clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(progress_mod.LOGGER, "hasHandlers", lambda: False)
    record(slow_fn(clock, 5.0), 12, batch_size=256)
    err = capsys.readouterr().err
    assert err.startswith("symlogic: recording 2^12 masks: about 80 s")
    assert "\r" not in err and "ETA 40 s" in err and err.rstrip().endswith("done, 4,096 masks in 80 s")
    record(slow_fn(clock, 5.0), 12, batch_size=256, progress=False)  # quiet: nothing on stderr
    assert capsys.readouterr().err == ""


def test_on_a_terminal_the_bar_shows_an_eta(clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="symlogic")
    tty = io.StringIO()
    tty.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(progress_mod.sys, "stderr", tty)
    record(slow_fn(clock, 5.0), 12, batch_size=256)
    out = tty.getvalue()
    assert out.startswith("\rrecording 2^12 masks [") and "ETA" in out and out.endswith("\n")
    assert [line for line in symlogic_lines(caplog) if "ETA" in line] == []  # a bar, not log lines
    assert symlogic_lines(caplog)[0].startswith("recording 2^12 masks: about 80 s")


def test_estimate_does_not_run_into_a_drawn_bar(clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(progress_mod.LOGGER, "hasHandlers", lambda: False)
    record(slow_fn(clock, [2.0, 0.01, 5.0]), 12, batch_size=256, progress=True)  # bar drawn after batch 1 (2 s > 1.5 s)
    err = capsys.readouterr().err
    before, _, _ = err.partition("symlogic: recording")
    assert before.startswith("\rrecording 2^12 masks [") and before.endswith("\r")  # the bar line was blanked first


def test_resumed_recording_estimates_only_the_rest(clock: FakeClock, tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="symlogic")
    path = tmp_path / "ck.npz"
    calls: list[int] = []
    fail_after = 10

    def flaky(masks: torch.Tensor) -> torch.Tensor:
        if len(calls) == fail_after:
            raise KeyboardInterrupt
        calls.append(masks.shape[0])
        clock.tick(5.0)
        return masks.sum(dim=1).double()

    with pytest.raises(KeyboardInterrupt):
        record(flaky, 12, batch_size=256, checkpoint=path, checkpoint_key="k")
    caplog.clear()
    fail_after = -1
    rec = record(flaky, 12, batch_size=256, checkpoint=path, checkpoint_key="k")
    assert rec.values.shape == (4096,)
    # 6 batches left (plus the resume check's rerun of one finished batch, untimed): 6 × 5 s = 30 s
    assert symlogic_lines(caplog)[0].startswith("recording 2^12 masks: about 30 s for 1,536 masks in 6 batches")
