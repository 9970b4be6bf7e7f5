"""The Split (symlogic.extraction.split): its objective, matching check and box violation on
hand-checked cases and, as a property, against the explicit atom matrices (brute force)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import symlogic as sl
from symlogic.errors import InputError
from symlogic.extraction.split import Split, box_violation, noise_box, primal_objective, residual


def atom_matrices(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Z[T, S] = 1[S ⊆ T] and O[T, S] = 1[S ∩ T ≠ ∅], from the definitions."""
    m = np.arange(1 << n)
    T, S = m[:, None], m[None, :]
    return ((S & ~T) == 0).astype(float), ((S & T) != 0).astype(float)


#           ∅    {a}  {b}  {a,b}
AND_ = np.array([1.0, 2.0, 0.0, 3.0])
OR_ = np.array([0.0, 0.0, 0.0, -1.0])
# v(T) = 1 + 2·[a ∈ T] + 3·[a, b ∈ T] − 1·[a ∈ T or b ∈ T]
V = np.array([1.0, 2.0, 0.0, 5.0])


def test_hand_checked_objective_and_matching():
    s = Split(AND_, OR_, np.zeros(4), zeta=0.0)
    assert s.n == 2
    assert s.objective == 7.0  # |1| + |2| + |3| + |−1|
    assert Split(AND_, OR_, np.zeros(4), 0.0, count_empty=False).objective == 6.0  # without |a_∅|
    np.testing.assert_array_equal(s.reconstruct(), V)
    assert s.matching_error(V) == 0.0 and s.violation() == 0.0
    assert s.matching_error(V + np.array([0.0, 0.0, 0.25, 0.0])) == 0.25  # a table it does not split


def test_hand_checked_noise_and_violation():
    q = np.array([0.0, 0.1, -0.3, 0.0])
    s = Split(AND_, OR_, q, zeta=0.2)
    assert s.matching_error(V - q) == pytest.approx(0.0, abs=1e-15)  # v + q is what the atoms sum to
    assert s.violation() == pytest.approx(0.1)  # |−0.3| − 0.2
    assert Split(AND_, OR_, q, zeta=0.5).violation() == 0.0
    assert Split(AND_, OR_, np.array([0.0, math.inf, 0.0, 0.0]), 1.0).violation() == math.inf
    assert box_violation(np.array([np.nan, 0.0]), 1.0) == math.inf


def test_objective_leaves_out_or_of_the_empty_set_and_overflow_is_inf():
    assert primal_objective(np.zeros(2), np.array([5.0, 1.0])) == 1.0  # or_[0] is no atom
    big = np.full(4, 1.5e308)
    assert primal_objective(big, np.zeros(4)) == math.inf


def test_residual_is_reconstruct_minus_v():
    np.testing.assert_array_equal(residual(AND_, OR_, V - 1.0), np.ones(4))


def test_noise_box():
    assert noise_box(np.array([1.0, 0.0, 0.0, 3.0]), 0.5) == 1.0
    assert math.isfinite(noise_box(np.array([-1e308, 0.0, 0.0, 1e308]), 0.45))


def test_fold_moves_singleton_or_atoms_to_the_and_side():
    o = np.array([0.0, 0.5, -0.25, 1.0])  # OR({a}) and OR({b}) are AND({a}) and AND({b})
    a = np.array([1.0, 0.5, 0.25, 0.0])
    v = residual(a, o, np.zeros(4))
    s = Split(a, o, np.zeros(4), 0.0)
    for recompute in (True, False):
        f = s.fold_singletons(v, recompute_q=recompute)
        np.testing.assert_array_equal(f.or_, [0.0, 0.0, 0.0, 1.0])
        np.testing.assert_array_equal(f.and_, [1.0, 1.0, 0.0, 0.0])
        assert f.objective == 3.0 < s.objective == 3.5
        np.testing.assert_array_equal(f.reconstruct(), v)


def test_fold_keeps_a_split_that_would_leave_the_box():
    # 1 + 1e-16 rounds to 1 but 1 + 2e-16 does not: folded, q({a}) would be 2^-52 > ζ = 0
    a = np.array([1.0, 1e-16, 0.0, 0.0])
    o = np.array([0.0, 1e-16, 0.0, 0.0])
    v = residual(a, o, np.zeros(4))
    kept = Split(a, o, np.zeros(4), 0.0).fold_singletons(v, recompute_q=True)
    assert kept.or_[1] == 1e-16 and kept.violation() == 0.0 and np.array_equal(residual(kept.and_, kept.or_, v), kept.q)
    # the reference method's q is its own variable, not recomputed: the fold is taken
    folded = Split(a, o, np.zeros(4), 0.0).fold_singletons(v, recompute_q=False)
    assert folded.or_[1] == 0.0 and folded.and_[1] == 2e-16 and not folded.q.any()


def test_fold_refuses_a_split_that_overflows():
    a = np.array([0.0, 1.7e308, 1.7e308, 0.0])
    with pytest.raises(InputError, match="rescale the outputs"):
        Split(a, np.zeros(4), np.zeros(4), 0.0).fold_singletons(np.zeros(4), recompute_q=False)


@settings(max_examples=60)
@given(n=st.integers(0, 4), data=st.data(), count_empty=st.booleans(), zeta=st.floats(0, 2))
def test_split_against_brute_force(n, data, count_empty, zeta):
    N = 1 << n
    finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
    a = data.draw(arrays(np.float64, N, elements=finite))
    o = data.draw(arrays(np.float64, N, elements=finite))
    o[0] = 0.0
    q = data.draw(arrays(np.float64, N, elements=st.floats(-2, 2)))
    s = Split(a, o, q, zeta, count_empty)
    Z, O = atom_matrices(n)
    recon = Z @ a + O @ o
    np.testing.assert_allclose(s.reconstruct(), recon, rtol=0, atol=1e-9)
    exact = sum(abs(Fraction(x)) for x in a[0 if count_empty else 1:]) + sum(abs(Fraction(x)) for x in o)
    assert s.objective == pytest.approx(float(exact), rel=4e-16, abs=1e-300)
    v = recon - q  # the table this split matches
    assert s.matching_error(v) <= 1e-9
    assert s.violation() == max(0.0, float(np.abs(q).max()) - zeta)


def test_an_extractions_split_is_its_arrays():
    ex = sl.extract(np.array([0.0, 1.0, 1.0, 1.0, 0.5, 1.5, 1.5, 2.0]))
    s = ex.split
    assert s.and_ is ex.and_ and s.or_ is ex.or_ and s.q is ex.q and s.zeta == ex.zeta
    assert s.objective == ex.objective and s.violation() == 0.0
    assert s.matching_error(ex.record.values) == ex.matching_error()
