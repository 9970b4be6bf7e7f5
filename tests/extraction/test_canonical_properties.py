"""The tie-break of the exact solver (symlogic.extraction._canonical; docs/theory.md §3.7).

The L1 optimum of the AND-OR split is often a whole face; ``canonical=True`` (the default of the
"exact" solver of ``extract``; ``solve_exact`` takes it as an argument) returns its least-norm
point, so that tables equal up to rounding give the same formula. Checked here: 1e-9 relative
noise on random, planted-tie and trained tables gives the same salient terms and close
coefficients; the split is feasible, certified and within the tolerance of the optimum; the
answer is deterministic, does not depend on the route, and treats symmetric variables alike.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from symlogic.extraction import extract
from symlogic.extraction._canonical import SLACK, TIE_BREAK
from symlogic.extraction.certified import dual_bound, gap_scale, solve_exact
from symlogic.record import Record
from symlogic.transforms import or_sum, subset_sum

NOISE = 1e-9


def noisy(v: np.ndarray, seed: int) -> np.ndarray:
    """v with every entry moved by at most NOISE relative."""
    rng = np.random.default_rng(seed)
    return v * (1 + NOISE * rng.uniform(-1, 1, v.shape))


def formula(ex, tau: float = 0.05) -> set[tuple[str, int]]:
    return {(t.kind, t.mask) for t in ex.logic_model(tau=tau).terms if t.kind != "bias"}


def coefficients(ex) -> dict[tuple[str, int], float]:
    return {(t.kind, t.mask): t.coefficient for t in ex.logic_model().terms}


def bits(n: int) -> np.ndarray:
    return (np.arange(1 << n)[:, None] >> np.arange(n)) & 1


def random_table(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=1 << n)


def pairs_table(n: int) -> np.ndarray:
    """v(T) = number of pairs present: every AND over two variables with coefficient 1. The
    variables are symmetric and the box leaves a large optimal face (ties)."""
    k = bits(n).sum(1)
    return (k * (k - 1) / 2).astype(float)


def assert_stable(v: np.ndarray, copies: int = 3, **options) -> None:
    base = extract(Record.from_table(v), **options)
    assert base.settings["tie_break"] == TIE_BREAK
    for seed in range(copies):
        ex = extract(Record.from_table(noisy(v, seed)), **options)
        assert ex.settings["tie_break"] == TIE_BREAK
        assert formula(ex) == formula(base)
        c, c0 = coefficients(ex), coefficients(base)
        scale = max(abs(x) for x in c0.values())
        for key, value in c0.items():
            assert c[key] == pytest.approx(value, abs=1e-5 * scale)


@pytest.mark.parametrize("n,seed", [(5, 0), (6, 1), (7, 2)])
def test_random_tables_give_one_formula_under_rounding_noise(n, seed):
    assert_stable(random_table(n, seed))


def test_planted_ties_give_one_formula_under_rounding_noise():
    assert_stable(pairs_table(6))


def test_a_trained_logistic_regression_gives_one_formula_under_rounding_noise():
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from symlogic.adapters import record_tabular

    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(X, y)
    rec = record_tabular(model, X[0], reference=X, columns=list(range(8)), progress=False)
    # an additive table: its L1 optimum is a large face, and noise breaks its ties
    assert_stable(rec.values)


def test_the_same_table_gives_the_same_split_every_run():
    v = random_table(6, 3)
    a = extract(Record.from_table(v))
    b = extract(Record.from_table(v))
    assert np.array_equal(a.and_, b.and_) and np.array_equal(a.or_, b.or_) and np.array_equal(a.q, b.q)


@pytest.mark.parametrize("table", [random_table(6, 4), pairs_table(6)], ids=["random", "pairs"])
@pytest.mark.parametrize("count_empty", [True, False])
def test_the_canonical_split_is_feasible_certified_and_optimal(table, count_empty):
    v = table
    zeta = 0.04 * abs(v[-1] - v[0])
    tol = 1e-6
    sol = solve_exact(v, zeta, count_empty=count_empty, tol=tol, canonical=True)
    ref = solve_exact(v, zeta, count_empty=count_empty, tol=tol, canonical=False)
    assert sol.tie_break == TIE_BREAK and sol.kappa == SLACK * tol
    assert ref.tie_break == "none" and ref.kappa is None
    q = subset_sum(sol.and_) + or_sum(sol.or_) - v
    assert np.array_equal(q, sol.q) and np.abs(q).max() <= zeta and sol.or_[0] == 0.0
    start = 0 if count_empty else 1
    objective = math.fsum(np.abs(sol.and_[start:])) + math.fsum(np.abs(sol.or_[1:]))
    assert objective == sol.objective
    bound, scale = dual_bound(sol.y, v, zeta, count_empty)
    assert scale == 1.0 and bound == sol.lower_bound
    assert sol.status == "optimal" and 0 <= sol.gap <= tol * gap_scale(sol.objective, v)
    assert abs(sol.objective - ref.objective) <= tol * gap_scale(ref.objective, v)


def test_symmetric_variables_get_the_same_coefficients():
    n = 5
    v = pairs_table(n)
    sol = solve_exact(v, 0.04 * abs(v[-1] - v[0]), canonical=True)
    for arr in (sol.and_, sol.or_):
        for order in range(1, n + 1):
            same = [arr[S] for S in range(1 << n) if int(S).bit_count() == order]
            assert np.ptp(same) <= 1e-9 * max(1.0, float(np.abs(arr).max()))


def test_permuting_the_variables_permutes_the_split():
    n = 5
    v = random_table(n, 5)
    perm = np.array([2, 0, 4, 1, 3])
    T = np.arange(1 << n)
    old_mask = np.zeros(1 << n, dtype=np.int64)
    for i, j in enumerate(perm):
        old_mask |= ((T >> i) & 1) << j
    w = v[old_mask]
    zeta = 0.04 * abs(v[-1] - v[0])
    a = solve_exact(v, zeta, canonical=True)
    b = solve_exact(w, zeta, canonical=True)
    scale = float(max(np.abs(a.and_).max(), np.abs(a.or_).max()))
    np.testing.assert_allclose(b.and_, a.and_[old_mask], atol=1e-7 * scale)
    np.testing.assert_allclose(b.or_, a.or_[old_mask], atol=1e-7 * scale)


def test_every_route_gives_the_same_split():
    v = random_table(6, 6)
    zeta = 0.04 * abs(v[-1] - v[0])
    sols = [solve_exact(v, zeta, method=m, device="cpu", canonical=True) for m in ("factored", "generate", "ipm")]
    assert all(s.tie_break == TIE_BREAK for s in sols)
    scale = float(np.abs(sols[0].and_).max())
    for s in sols[1:]:
        np.testing.assert_allclose(s.and_, sols[0].and_, atol=1e-6 * scale)
        np.testing.assert_allclose(s.or_, sols[0].or_, atol=1e-6 * scale)


def test_a_unique_optimum_is_returned_as_is():
    n = 6
    x = bits(n)
    v = (2.0 * x[:, 0] * x[:, 1] - 1.5 * np.maximum(x[:, 2], x[:, 3]) + 0.5 * x[:, 4]).astype(float)
    sol = solve_exact(v, 0.0, canonical=True)
    assert sol.tie_break == TIE_BREAK and sol.status == "optimal"
    assert sol.objective == pytest.approx(4.0, abs=1e-12) and sol.support == 3


def test_canonical_false_is_the_routes_own_split_and_is_recorded():
    v = random_table(6, 7)
    on = extract(Record.from_table(v))
    off = extract(Record.from_table(v), canonical=False)
    assert on.settings["tie_break"] == TIE_BREAK and on.settings["kappa"] == SLACK * on.settings["tol"]
    assert off.settings["tie_break"] == "none" and off.settings["kappa"] is None
    route = solve_exact(v, 0.04 * abs(v[-1] - v[0]), canonical=False)
    assert off.objective == pytest.approx(route.objective, rel=1e-15)


def test_a_stopped_first_stage_is_not_tie_broken():
    v = random_table(9, 8)
    sol = solve_exact(v, 0.04 * abs(v[-1] - v[0]), method="generate", max_rounds=1, canonical=True)
    if sol.status != "optimal":
        assert sol.tie_break.startswith("none: the first stage stopped") and sol.kappa is None
