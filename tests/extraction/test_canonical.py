"""One split per table: the exact solver's tie-break (docs/theory.md §3.7)."""

from __future__ import annotations

import numpy as np
import pytest

import symlogic as sl
from symlogic.extraction.certified import solve_exact
from symlogic.extraction.split import primal_objective, residual


def terms(ex: sl.Extraction) -> set[tuple[str, int]]:
    return {(t.kind, t.mask) for t in ex.logic_model().concepts}


def noisy(v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return v * (1 + 1e-9 * rng.uniform(-1, 1, size=v.size))


def tables() -> list[tuple[str, np.ndarray]]:
    from symlogic.demo import demo_record, train_demo_model

    masks = np.arange(64)
    bits = ((masks[:, None] >> np.arange(6)) & 1).astype(float)
    symmetric = bits[:, 0] * bits[:, 1] + bits[:, 2] * bits[:, 3] + 0.5 * (bits[:, 4] + bits[:, 5])  # ties by symmetry
    additive = bits @ np.array([1.0, 1.0, 1.0, 0.5, 0.5, 0.5])  # a box leaves room between atoms of equal weight
    trained = demo_record(train_demo_model(n_features=7, epochs=150)).values
    return [("symmetric", symmetric), ("additive", additive), ("trained", trained),
            ("random", np.random.default_rng(3).normal(size=128))]


@pytest.mark.parametrize("name,v", tables(), ids=[t[0] for t in tables()])
def test_tables_equal_to_1e9_give_one_formula(name: str, v: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    names = [f"x{i}" for i in range(int(v.size).bit_length() - 1)]
    base = sl.extract(sl.Record.from_table(v, names), progress=False)
    assert base.settings["tie_break"] == "min-norm" and base.status == "optimal"
    for _ in range(3):
        again = sl.extract(sl.Record.from_table(noisy(v, rng), names), progress=False)
        assert terms(again) == terms(base)
        assert again.and_ == pytest.approx(base.and_, abs=1e-6) and again.or_ == pytest.approx(base.or_, abs=1e-6)


def test_the_canonical_split_is_feasible_certified_and_optimal_within_kappa() -> None:
    v = tables()[0][1]
    zeta = 0.04 * abs(v[-1] - v[0])
    plain = solve_exact(v, zeta)
    canon = solve_exact(v, zeta, canonical=True)
    assert canon.status == "optimal" and canon.tie_break == "min-norm"
    assert np.abs(residual(canon.and_, canon.or_, v)).max() <= zeta * (1 + 1e-9)  # inside the box
    assert primal_objective(canon.and_, canon.or_) <= plain.objective * (1 + canon.kappa) + 1e-12
    assert canon.objective - canon.lower_bound <= 1e-6 * max(1.0, canon.objective)


def test_deterministic_and_off_switch() -> None:
    v = tables()[1][1]
    rec = sl.Record.from_table(v, [f"x{i}" for i in range(6)])
    a, b = sl.extract(rec, progress=False), sl.extract(rec, progress=False)
    assert np.array_equal(a.and_, b.and_) and np.array_equal(a.or_, b.or_)
    off = sl.extract(rec, progress=False, canonical=False)
    assert off.settings["tie_break"] == "none" and off.objective == pytest.approx(a.objective, rel=1e-6)
