"""Content addresses (symlogic/study/keys.py) and the results folder (symlogic/study/store.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from symlogic.errors import BundleError, InputError
from symlogic.pipeline import explain
from symlogic.record import Record
from symlogic.study.keys import content_digest, model_identity, sample_key, strip_timings, value_digest
from symlogic.study.store import ResultStore, bundle_manifest
from symlogic.study.work import evidence_bytes


def bundle(values: list[float], claims: tuple[str, ...] = ()) -> bytes:
    return evidence_bytes(explain(Record.from_table(values), q_bound=0.0, claims=list(claims), progress=False))


def test_value_digest_is_by_content_and_type() -> None:
    a = np.arange(6.0).reshape(2, 3)
    assert value_digest(a) == value_digest(a.copy())
    assert value_digest(a) != value_digest(a.astype(np.float32))  # the dtype is part of the input
    assert value_digest(a) != value_digest(a.reshape(3, 2))
    assert value_digest(torch.ones(3)) != value_digest(np.ones(3, dtype=np.float32))
    assert value_digest({"b": 1, "a": [1, 2.0]}) == value_digest({"a": [1, 2.0], "b": 1})
    assert value_digest(1) != value_digest(1.0) != value_digest("1")
    with pytest.raises(InputError, match="pickled"):
        value_digest(open(os.devnull))  # noqa: SIM115 - an object that cannot be pickled


def test_model_identity_sees_every_parameter() -> None:
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    before = model_identity(m)
    with torch.no_grad():
        m[2].bias[1] += 1e-7
    assert model_identity(m) != before
    assert sample_key(before, "a" * 64, "b" * 64) != sample_key(model_identity(m), "a" * 64, "b" * 64)
    assert sample_key(before, "a" * 64, "b" * 64) == sample_key(before, "a" * 64, "b" * 64)


def test_content_digest_ignores_only_timings(tmp_path: Path) -> None:
    (tmp_path / "a.zip").write_bytes(bundle([0.0, 1.0, 1.0, 3.0], ("no_effect(x0, 2)",)))
    (tmp_path / "b.zip").write_bytes(bundle([0.0, 1.0, 1.0, 3.0], ("no_effect(x0, 2)",)))
    (tmp_path / "c.zip").write_bytes(bundle([0.0, 1.0, 1.0, 3.5], ("no_effect(x0, 2)",)))
    a, b, c = (bundle_manifest(tmp_path / f"{x}.zip") for x in "abc")
    assert content_digest(a) == content_digest(b)  # two runs of the same work
    assert content_digest(a) != content_digest(c)  # another table
    altered = json.loads(json.dumps(a))
    altered["claims"][0]["status"] = "fails"
    assert content_digest(altered) != content_digest(a)
    assert "seconds" not in json.dumps(strip_timings(a)) and "created" not in strip_timings(a)


def test_store_survives_reopen_torn_lines_and_altered_files(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    keys = [f"{i:064x}" for i in range(3)]
    for i, k in enumerate(keys):
        store.put(k, bundle([0.0, float(i), 1.0, 2.0]), seconds=0.5, peak_rss=123, worker="w:1")
    with open(tmp_path / "index.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"key": "torn li')  # a run killed while appending
    again = ResultStore(tmp_path)
    assert list(again) == keys and again.entry(keys[0]).seconds == 0.5
    # an altered bundle is dropped (its sample will be recomputed), never trusted
    path = again.path(keys[1])
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert keys[1] not in ResultStore(tmp_path, adopt=False)
    # a bundle written but not indexed (killed before its line) is adopted after its checks
    orphan = f"{7:064x}"
    (tmp_path / "samples" / f"{orphan}.zip").write_bytes(bundle([1.0, 2.0]))
    assert orphan in ResultStore(tmp_path)
    with pytest.raises(InputError, match="64"):
        store.put("../evil", bundle([1.0, 2.0]))
    with pytest.raises(BundleError):
        store.put(f"{9:064x}", b"not a zip")
    assert not (tmp_path / "samples" / f"{9:064x}.zip").exists()


def test_merge_copies_new_results_and_reports_conflicts(tmp_path: Path) -> None:
    a, b = ResultStore(tmp_path / "a"), ResultStore(tmp_path / "b")
    shared, only_a, only_b = f"{1:064x}", f"{2:064x}", f"{3:064x}"
    a.put(shared, bundle([0.0, 1.0]))
    b.put(shared, bundle([0.0, 1.0]))  # same work, other timings: the same content
    a.put(only_a, bundle([0.0, 2.0]))
    b.put(only_b, bundle([0.0, 3.0]))
    conflict = f"{4:064x}"
    a.put(conflict, bundle([0.0, 4.0]))
    b.put(conflict, bundle([0.0, 5.0]))
    report = a.merge(tmp_path / "b")
    assert report.added == (only_b,) and report.same == (shared,) and report.conflicts == (conflict,)
    merged = ResultStore(tmp_path / "a")
    assert set(merged) == {shared, only_a, only_b, conflict}
    assert merged.entry(conflict).content_sha256 == a.entry(conflict).content_sha256  # keeps its own
