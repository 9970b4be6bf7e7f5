"""explain_many (symlogic/study/run.py): equal to single explains, resumable, mergeable, guarded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from symlogic.adapters import ImageAdapter, TabularAdapter

from symlogic.errors import ClaimSyntaxError, InputError, ResourceError
from symlogic.pipeline import explain
from symlogic.study.executors import SerialExecutor
from symlogic.study.keys import content_digest
from symlogic.study.memory import WORKER_BASE_BYTES, plan_memory, sample_bytes
from symlogic.study.run import SampleError, explain_many
from symlogic.study.spec import TensorAdapter
from symlogic.study.store import ResultStore, bundle_manifest
from symlogic.study.study import Study
from symlogic.study.work import evidence_bytes, torch_threads

CLAIMS = ["no_effect(x0, 0.5)"]


class CountingExecutor(SerialExecutor):
    """The serial executor, counting the samples it is asked to compute."""

    def __init__(self) -> None:
        self.samples = 0

    def run(self, shared, tasks):
        self.samples += sum(len(t.keys) for t in tasks)
        yield from super().run(shared, tasks)


def digest_of(ev, tmp: Path) -> str:
    path = tmp / "one.zip"
    path.write_bytes(evidence_bytes(ev))
    return content_digest(bundle_manifest(path))


def run(model, x, out, **kw):
    kw.setdefault("executor", "serial")
    return explain_many(model, x, "mean", adapter_options={"reference": REFERENCE}, out=out, claims=CLAIMS,
                        progress=False, **kw)


REFERENCE = torch.randn(32, 5, generator=torch.Generator().manual_seed(1))


def test_equals_a_loop_of_single_explains(tiny, tmp_path: Path) -> None:
    model, x = tiny
    study = run(model, x[:4], tmp_path / "out")
    assert [s.index for s in study] == [0, 1, 2, 3]
    with torch_threads(1):  # the workers' thread count
        for s, row in zip(study, x[:4]):
            rec = TabularAdapter(model, row, reference=REFERENCE, baseline="mean").record(progress=False)
            ev = explain(rec, claims=CLAIMS, progress=False)
            assert np.array_equal(s.record.values, rec.values)
            assert str(s.logic_model) == str(ev.logic_model)
            assert s.content_sha256 == digest_of(ev, tmp_path)
    assert s.extraction is not None and s.verdict.holds and s.evidence.claims[0].claim == CLAIMS[0]


def test_local_pool_equals_serial_and_a_rerun_computes_nothing(tiny, tmp_path: Path) -> None:
    model, x = tiny
    serial = run(model, x, tmp_path / "serial")
    pooled = run(model, x, tmp_path / "local", executor="local", workers=2)
    assert pooled.keys == serial.keys
    assert [s.content_sha256 for s in pooled] == [s.content_sha256 for s in serial]
    assert all(s.peak_rss and s.peak_rss > 0 and s.worker for s in pooled)
    counting = CountingExecutor()
    again = run(model, x, tmp_path / "local", executor=counting)
    assert counting.samples == 0 and [s.sha256 for s in again] == [s.sha256 for s in pooled]


def test_resume_after_a_failure_keeps_finished_samples(tiny, tmp_path: Path) -> None:
    model, x = tiny
    bad = x.clone()
    bad[2, 0] = float("nan")  # the tabular adapter refuses NaN: sample 2 fails
    out = tmp_path / "out"
    with pytest.raises(SampleError, match="sample 2") as info:
        run(model, bad, out)
    assert info.value.index == 2 and "NaN" in info.value.error
    store = ResultStore(out)
    assert len(store) == 2  # samples 0 and 1 finished (serial: in order) and are saved
    stamps = {k: (store.path(k).stat().st_mtime_ns, store.entry(k).sha256) for k in store}
    skipped = run(model, bad, out, on_error="skip")
    assert [f.index for f in skipped.failures] == [2] and [s.index for s in skipped] == [0, 1, 3, 4, 5]
    counting = CountingExecutor()
    fixed = run(model, x, out, executor=counting)
    assert counting.samples == 1  # only the repaired sample; 0, 1, 3, 4, 5 were not recomputed
    assert {k: (ResultStore(out).path(k).stat().st_mtime_ns, ResultStore(out).entry(k).sha256) for k in stamps} == stamps
    reference = run(model, x, tmp_path / "reference")
    assert [s.content_sha256 for s in fixed] == [s.content_sha256 for s in reference]


KILLED_RUN = """
import sys, torch
from symlogic.study.run import explain_many
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(5, 12), torch.nn.Tanh(), torch.nn.Linear(12, 2))
x = torch.randn(6, 5)
reference = torch.randn(32, 5, generator=torch.Generator().manual_seed(1))
rows = torch.cat([x, x + 0.5, x - 0.5])
explain_many(model, rows, "mean", adapter_options={"reference": reference}, out=sys.argv[1], claims=%r,
             executor="serial", progress=False)
""" % (CLAIMS,)


def test_a_killed_run_resumes_without_recomputing(tiny, tmp_path: Path) -> None:
    model, x = tiny
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(KILLED_RUN), str(out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(list((out / "samples").glob("*.zip"))) < 3 and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:] if proc.stderr else "ended early"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done = ResultStore(out)
    assert 3 <= len(done) < 18
    stamps = {k: done.path(k).stat().st_mtime_ns for k in done}
    counting = CountingExecutor()
    rows = torch.cat([x, x + 0.5, x - 0.5])
    resumed = run(model, rows, out, executor=counting)
    assert counting.samples == 18 - len(done) and len(resumed) == 18
    assert {k: ResultStore(out).path(k).stat().st_mtime_ns for k in stamps} == stamps
    assert set(stamps) <= set(resumed.keys)


def test_two_partial_runs_merge(tiny, tmp_path: Path) -> None:
    model, x = tiny
    a = run(model, x[:3], tmp_path / "a")
    b = run(model, x[3:], tmp_path / "b")
    merged = Study.merge(tmp_path / "a", b)
    assert len(merged) == 6 and merged.keys == a.keys + b.keys
    target = ResultStore(tmp_path / "both")
    target.merge(tmp_path / "a")
    target.merge(tmp_path / "b")
    counting = CountingExecutor()
    whole = run(model, x, tmp_path / "both", executor=counting)
    assert counting.samples == 0
    assert [s.content_sha256 for s in whole] == [s.content_sha256 for s in merged]


def test_stacked_recording_of_several_samples(tiny, tmp_path: Path) -> None:
    model, x = tiny
    single = run(model, x, tmp_path / "one")
    stacked = run(model, x, tmp_path / "stacked", batch_samples=4)
    assert set(single.keys).isdisjoint(stacked.keys)  # another batch composition: another key
    for s, t in zip(single, stacked):
        assert t.record.meta["batched_samples"] in (2, 4)  # 6 samples: groups of 4 and 2
        assert np.allclose(s.record.values, t.record.values, rtol=1e-12, atol=1e-12)
        assert t.verdict.holds


def test_image_and_tensor_kinds_match_their_adapters(tmp_path: Path) -> None:
    torch.manual_seed(0)
    cnn = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(),
                              torch.nn.Linear(2 * 16, 3))
    images = torch.rand(2, 1, 4, 4)
    st = explain_many(cnn, images, "zero", kind="image", adapter_options={"patch": 2}, executor="serial",
                      out=tmp_path / "img", progress=False)
    with torch_threads(1):
        rec = ImageAdapter(cnn, images[1], patch=2).record(progress=False)
    assert st[1].record.names == ("p0_0", "p0_1", "p1_0", "p1_1") and np.array_equal(st[1].record.values, rec.values)
    linear = torch.nn.Linear(6, 2)
    groups = [[0, 1], [2], [3, 4, 5]]
    inputs = torch.rand(2, 6)
    st = explain_many(linear, inputs, 0.0, kind="tensor", variables=groups, names=["a", "b", "c"],
                      executor="serial", out=tmp_path / "tensor", progress=False)
    with torch_threads(1):
        rec = TensorAdapter(linear, inputs[0], 0.0, groups, names=["a", "b", "c"]).record(progress=False)
    assert st[0].record.names == ("a", "b", "c") and st[0].record.meta["adapter"] == "tensor"
    assert np.array_equal(st[0].record.values, rec.values)


def test_bad_settings_are_refused_before_any_work(tiny, tmp_path: Path) -> None:
    model, x = tiny
    with pytest.raises(InputError, match="kind"):
        explain_many(model, x, kind="audio", out=tmp_path, progress=False)
    with pytest.raises(InputError, match="executor"):
        explain_many(model, x, executor="gpu", out=tmp_path, progress=False)
    with pytest.raises(InputError, match="on_error"):
        explain_many(model, x, on_error="ignore", out=tmp_path, progress=False)
    with pytest.raises(ClaimSyntaxError):
        explain_many(model, x, claims=["output <<< 1"], out=tmp_path, progress=False)
    with pytest.raises(InputError, match="method"):
        explain_many(model, x, method="magic", out=tmp_path, progress=False)
    with pytest.raises(InputError, match="picklable"):
        explain_many(model, x, "zero", output=lambda z: z[:, 0], executor="local", workers=1, out=tmp_path / "p",
                     progress=False)
    with pytest.raises(ResourceError, match="memory_limit"):
        run(model, x, tmp_path / "m", memory_limit="1MiB")
    assert not list((tmp_path / "m" / "samples").glob("*.zip"))


def test_missing_ray_names_the_extra(tiny, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(InputError, match=r'pip install "symlogic\[ray\]"'):
        run(tiny[0], tiny[1], tmp_path, executor="ray")


def test_memory_guard_lowers_concurrency_then_refuses() -> None:
    plan = plan_memory(8, n=10, estimate=None, memory_limit="4GiB")
    assert 1 <= plan.workers < 8 and plan.workers * plan.per_worker <= 4 << 30
    assert plan_memory(8, n=10, estimate=None, memory_limit="4GiB", tasks=2).workers <= 2
    # n = 14 takes the dense interior point: 16·4^14 bytes = 4 GiB for one sample
    with pytest.raises(ResourceError, match="n = 14"):
        plan_memory(2, n=14, estimate=None, memory_limit="2GiB")
    with pytest.raises(InputError, match="memory_limit"):
        plan_memory(2, n=4, estimate=None, memory_limit="lots")


@given(st.integers(1, 64), st.integers(1, 13), st.integers(1 << 30, 1 << 36), st.integers(1, 8))
def test_memory_plan_never_exceeds_its_limit(requested: int, n: int, limit: int, per_task: int) -> None:
    try:
        plan = plan_memory(requested, n=n, estimate=None, memory_limit=limit, samples_per_task=per_task)
    except ResourceError:
        # refused only when one worker alone is over the limit
        assert sample_bytes(n, None) * per_task + WORKER_BASE_BYTES > limit
        return
    assert 1 <= plan.workers <= requested
    assert plan.workers * plan.per_worker <= limit
    assert plan.workers == requested or (plan.workers + 1) * plan.per_worker > limit  # lowered only as far as needed
