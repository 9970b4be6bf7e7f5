"""The minimax fit by row generation and the dual prices, against brute force (docs/theory.md §4.4, §4.6)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from symlogic.errors import InputError
from symlogic.minimax import MinimaxLP, atom_column, canonical_atom, evaluate_atoms, fit_minimax, prices


def dense_minimax(v: np.ndarray, atoms: list[tuple[str, int]]) -> float:
    """The minimax error with every mask a row: the LP written out in full."""
    masks = np.arange(v.size)
    cols = np.column_stack([np.ones(v.size)] + [atom_column(a, masks) for a in atoms])
    k = cols.shape[1]
    a_ub = np.vstack([np.hstack([cols, -np.ones((v.size, 1))]), np.hstack([-cols, -np.ones((v.size, 1))])])
    res = linprog(np.r_[np.zeros(k), 1.0], A_ub=a_ub, b_ub=np.r_[v, -v], bounds=[(None, None)] * (k + 1), method="highs")
    assert res.status == 0
    return float(res.x[-1])


atoms_strategy = st.lists(st.tuples(st.sampled_from(["and", "or"]), st.integers(1, 31)), max_size=6)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), atoms=atoms_strategy)
def test_row_generation_reaches_the_dense_optimum(seed: int, atoms: list[tuple[str, int]]) -> None:
    v = np.random.default_rng(seed).normal(size=32) * 3.0
    atoms = list(dict.fromkeys(canonical_atom(k, m) for k, m in atoms))
    fit = fit_minimax(v, atoms)
    f = evaluate_atoms(fit.atoms, fit.bias, fit.coef, np.arange(32))
    assert fit.error == pytest.approx(float(np.abs(f - v).max()), abs=0)  # the error is the fit's own
    assert fit.error == pytest.approx(dense_minimax(v, atoms), rel=1e-7, abs=1e-9)


def test_closed_form_bias_only_and_exact_atoms() -> None:
    v = np.array([1.0, 5.0, -3.0, 2.0])
    fit = fit_minimax(v, [])
    assert fit.bias == pytest.approx(1.0) and fit.error == pytest.approx(4.0)  # (max + min) / 2, half the range
    # v = 1 + 4·[a] − 4·[b] + 1·[a and b] (its Möbius transform) is exact on its own atoms
    exact = fit_minimax(v, [("and", 1), ("and", 2), ("and", 3)])
    assert exact.error == pytest.approx(0.0, abs=1e-12)
    assert exact.coef == pytest.approx([4.0, -4.0, 1.0], abs=1e-9)


def test_scale_by_a_power_of_two_scales_the_fit() -> None:
    v = np.random.default_rng(3).normal(size=64)
    atoms = [("and", 3), ("or", 12), ("and", 48)]
    a, b = fit_minimax(v, atoms), fit_minimax(v * 2.0**40, atoms)
    assert b.error == pytest.approx(a.error * 2.0**40, rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_prices_are_the_transposed_operators(seed: int) -> None:
    y = np.random.default_rng(seed).normal(size=16)
    p_and, p_or = prices(y)
    masks = np.arange(16)
    for s in range(1, 16):
        assert p_and[s] == pytest.approx(abs(float(y[(masks & s) == s].sum())), abs=1e-12)
        expected_or = 0.0 if s & (s - 1) == 0 else abs(float(y[(masks & s) != 0].sum()))  # OR singletons are AND
        assert p_or[s] == pytest.approx(expected_or, abs=1e-12)
    assert p_and[0] == 0 and p_or[0] == 0


def test_a_price_predicts_the_first_step() -> None:
    """Adding the best-priced atom lowers the minimax error when its price is positive."""
    v = np.random.default_rng(7).normal(size=64)
    fit = fit_minimax(v, [])
    p_and, p_or = prices(fit.dual)
    best = ("and", int(np.argmax(p_and))) if p_and.max() >= p_or.max() else ("or", int(np.argmax(p_or)))
    assert max(p_and.max(), p_or.max()) > 0
    assert fit_minimax(v, [best]).error < fit.error


def test_warm_lp_push_pop_switch_match_fresh_fits() -> None:
    v = np.random.default_rng(11).normal(size=128)
    lp = MinimaxLP(v, [("and", 3), ("or", 40)])
    base = lp.fit()
    lp.push(("and", 96))
    assert lp.fit().error == pytest.approx(fit_minimax(v, [("and", 3), ("or", 40), ("and", 96)]).error, rel=1e-9)
    lp.pop()
    assert lp.fit().error == pytest.approx(base.error, rel=1e-9)
    lp.switch(0, on=False)
    off = lp.fit()
    assert off.atoms == (("or", 40),)
    assert off.error == pytest.approx(fit_minimax(v, [("or", 40)]).error, rel=1e-9)
    assert lp.bound() <= off.error * (1 + 1e-12)  # the master's optimum is a lower bound


def test_bad_atoms_are_refused() -> None:
    v = np.zeros(8)
    with pytest.raises(InputError, match="repeated"):
        fit_minimax(v, [("and", 1), ("or", 1)])  # AND and OR over one variable are one atom
    with pytest.raises(InputError, match="beyond"):
        fit_minimax(v, [("and", 8)])
    with pytest.raises(InputError, match="atom"):
        fit_minimax(v, [("xor", 3)])


def test_canonical_coefficients_are_within_epsilon_and_closest_in_mean_square() -> None:
    from symlogic.minimax import canonical_coefficients

    rng = np.random.default_rng(4)
    v = rng.normal(size=64)
    atoms = [("and", 3), ("or", 12), ("and", 48), ("and", 1)]
    t = fit_minimax(v, atoms).error
    masks = np.arange(64)
    for eps in (t * (1 + 1e-9), 1.5 * t, 10 * t):
        b, c = canonical_coefficients(v, atoms, eps)
        f = evaluate_atoms(atoms, b, c, masks)
        assert np.abs(f - v).max() <= eps * (1 + 1e-9)
        if eps == 10 * t:  # the box does not bind: the plain least-squares fit
            cols = np.column_stack([np.ones(64)] + [atom_column(a, masks) for a in atoms])
            ls = np.linalg.lstsq(cols, v, rcond=None)[0]
            assert np.r_[b, c] == pytest.approx(ls, abs=1e-6)
    # continuous in the table: 1e-9 noise moves the answer by about as much
    b1, c1 = canonical_coefficients(v, atoms, 1.5 * t)
    b2, c2 = canonical_coefficients(v * (1 + 1e-9 * rng.uniform(-1, 1, 64)), atoms, 1.5 * t)
    assert np.r_[b1, c1] == pytest.approx(np.r_[b2, c2], abs=1e-6)


def test_canonical_coefficients_with_dependent_atoms_have_one_answer() -> None:
    from symlogic.minimax import canonical_coefficients

    v = np.random.default_rng(9).normal(size=16)
    atoms = [("or", 3), ("and", 1), ("and", 2), ("and", 3)]  # OR(a,b) = a + b − ab: dependent
    eps = fit_minimax(v, atoms).error * 1.2
    first = canonical_coefficients(v, atoms, eps)
    again = canonical_coefficients(v.copy(), list(atoms), eps)
    assert first[0] == again[0] and np.array_equal(first[1], again[1])
