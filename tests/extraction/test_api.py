"""extract(): the public entry point over both methods, its conventions and its concepts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import symlogic as sl
from symlogic.extraction.certified import dual_bound


@pytest.fixture(scope="module")
def mlp_record() -> sl.Record:
    torch.manual_seed(3)
    model = torch.nn.Sequential(torch.nn.Linear(7, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))
    return sl.record_model(model, torch.randn(7), torch.zeros(7), [[i] for i in range(7)])


@pytest.mark.parametrize("method", ["exact", "reference"])
def test_singleton_or_atoms_live_on_the_and_side(mlp_record, method):
    ex = sl.extract(mlp_record, method=method, niter=300)
    singles = 1 << np.arange(7)
    assert np.all(ex.or_[singles] == 0) and ex.or_[0] == 0
    assert all(not (c.kind == "or" and c.order == 1) for c in ex.salient(0.0))
    lm = ex.logic_model(tau=0.05)
    assert len(lm.concepts) == len(ex.salient(0.05))
    assert ex.objective == pytest.approx(np.abs(ex.and_).sum() + np.abs(ex.or_).sum(), rel=1e-12)


def test_exact_result_is_feasible_certified_and_below_the_reference(mlp_record):
    ex = sl.extract(mlp_record)
    zeta = ex.zeta
    assert np.max(np.abs(ex.reconstruct() - mlp_record.values)) <= zeta
    assert np.array_equal(ex.q, ex.reconstruct() - mlp_record.values)
    bound, _ = dual_bound(ex.certificate, mlp_record.values, zeta)
    assert bound <= ex.objective and ex.objective - bound <= 1e-6 * max(1.0, ex.objective)
    assert ex.gap == pytest.approx(ex.objective - ex.lower_bound)
    ref = sl.extract(mlp_record, method="reference", niter=2000)
    assert ref.objective >= bound
    assert ex.summary()["method"] == "exact" and ex.settings["status"] == "optimal"


def test_count_empty_convention(mlp_record):
    with_empty = sl.extract(mlp_record)
    without = sl.extract(mlp_record, count_empty=False)
    assert without.objective <= with_empty.objective + 1e-9
    assert without.objective == pytest.approx(np.abs(without.and_[1:]).sum() + np.abs(without.or_).sum(), rel=1e-12)


def test_bad_arguments_are_named(mlp_record):
    with pytest.raises(sl.InputError, match="method"):
        sl.extract(mlp_record, method="magic")
    with pytest.raises(sl.InputError, match="q_bound"):
        sl.extract(mlp_record, q_bound=-1)
    with pytest.raises(sl.InputError, match="tau"):
        sl.extract(mlp_record).salient(tau=2.0)
    with pytest.raises(sl.InputError, match="refit"):
        sl.extract(mlp_record).logic_model(refit="maximin")


def test_a_plain_table_is_accepted_and_planted_terms_come_back():
    masks = np.arange(32)
    bit = lambda i: (masks >> i) & 1  # noqa: E731
    values = 2.0 * bit(0) * bit(1) + 1.5 * np.maximum(bit(2), bit(3)) - 0.5 * bit(4)
    ex = sl.extract(values, q_bound=0.0)
    lm = ex.logic_model(tau=0.01)
    got = {(t.kind, t.mask): t.coefficient for t in lm.concepts}
    assert got == pytest.approx({("and", 0b11): 2.0, ("or", 0b1100): 1.5, ("and", 0b10000): -0.5})
    assert sl.verify(lm, ex.record).max_error == 0.0


@pytest.mark.parametrize("kwargs", [
    {"time_limit": -5}, {"time_limit": 0}, {"tol": -1}, {"tol": float("nan")}, {"tol": 0.5}, {"count_empty": "no"},
    {"method": "reference", "niter": -3}, {"method": "reference", "niter": 2.5}, {"method": "reference", "lr": -1},
    {"method": "reference", "lr": float("inf")},
])
def test_extract_refuses_parameters_that_would_mean_nothing(kwargs: dict) -> None:
    # A negative time limit or tolerance used to be accepted; "optimal" at tol 0.5 means nothing.
    rec = sl.Record.from_table(np.arange(8.0), names=["a", "b", "c"])
    with pytest.raises(sl.InputError):
        sl.extract(rec, **kwargs)


# --------------------------------------------------------------------------------------------
# The result protocol (symlogic.results): status, engines, seconds, to_dict / from_dict


@pytest.mark.parametrize("method", ["exact", "reference"])
def test_result_protocol(mlp_record, method):
    import json

    from symlogic.results import EngineReport, Result

    ex = sl.extract(mlp_record, method=method, niter=300)
    assert isinstance(ex, Result)
    assert ex.status == ("optimal" if method == "exact" else "unverified")
    (engine,) = ex.engines
    assert isinstance(engine, EngineReport) and engine.name == method
    assert engine.outcome == ("holds" if method == "exact" else "unknown")
    assert engine.detail == ex.settings["solver"] and engine.seconds == ex.seconds == ex.settings["seconds"] > 0
    data = ex.to_dict()
    assert {k: v for k, v in data.items() if k not in ("status", "engines")} == ex.summary()
    assert data["status"] == ex.status and data["engines"] == [engine.to_dict()]
    data = json.loads(json.dumps(data))
    arrays = {"and": ex.and_, "or": ex.or_, "q": ex.q}
    if ex.certificate is not None:
        arrays["certificate"] = ex.certificate
    back = type(ex).from_dict(data, mlp_record, arrays)
    assert back.to_dict() == json.loads(json.dumps(ex.to_dict()))
    assert back.summary() == json.loads(json.dumps(ex.summary()))
    # summary() alone (what bundles store) is enough too
    assert type(ex).from_dict(ex.summary(), mlp_record, arrays).summary() == ex.summary()


def test_status_of_a_stopped_run_and_of_a_hand_built_extraction(mlp_record):
    ex = sl.extract(mlp_record)
    stopped = type(ex)(**{**ex.__dict__, "settings": {**ex.settings, "status": "time_limit"}})
    assert stopped.status == "time_limit" and stopped.engines[0].outcome == "unknown"
    bare = type(ex)(**{**ex.__dict__, "settings": {}})
    assert bare.status == "unverified" and bare.seconds == 0.0 and bare.engines[0].detail == "exact"


def test_from_dict_names_what_is_missing(mlp_record):
    ex = sl.extract(mlp_record)
    with pytest.raises(sl.InputError, match="'objective'"):
        type(ex).from_dict({"method": "exact", "q_bound": 0.04}, mlp_record, {"and": ex.and_, "or": ex.or_, "q": ex.q})
    with pytest.raises(sl.InputError, match="'q'"):
        type(ex).from_dict(ex.to_dict(), mlp_record, {"and": ex.and_, "or": ex.or_})


def test_the_objective_is_the_splits(mlp_record):
    for method in ("exact", "reference"):
        ex = sl.extract(mlp_record, method=method, niter=300)
        assert ex.objective == ex.split.objective
