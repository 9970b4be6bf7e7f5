"""The joint loss, its dual norm and the certified bound (symlogic.generalization.bound; docs/theory.md §3.8)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from symlogic.errors import InputError
from symlogic.extraction.certified import dual_bound
from symlogic.generalization.bound import dual_norm, dual_norms, joint_dual_bound, joint_loss

from .reference import dense_joint_optimum


def _dual_norm_lp(u: np.ndarray, alpha: float) -> float:
    """max u·x s.t. (1 − α)·t + α·Σ s ≤ 1, s ≥ ±x, t ≥ s: the definition of the dual norm, as an LP."""
    m = u.shape[0]
    # columns x (m, free), s (m), t (1)
    c = np.r_[-u, np.zeros(m + 1)]
    rows, b = [], []
    rows.append(np.r_[np.zeros(m), np.full(m, alpha), [1 - alpha]])
    b.append(1.0)
    for i in range(m):
        for sign in (1.0, -1.0):
            r = np.zeros(2 * m + 1)
            r[i], r[m + i] = sign, -1.0
            rows.append(r)
            b.append(0.0)
        r = np.zeros(2 * m + 1)
        r[m + i], r[2 * m] = 1.0, -1.0
        rows.append(r)
        b.append(0.0)
    res = linprog(c, A_ub=np.array(rows), b_ub=np.array(b), bounds=[(None, None)] * m + [(0, None)] * (m + 1),
                  method="highs")
    assert res.status == 0
    return float(-res.fun)


def test_dual_norm_closed_forms() -> None:
    u = np.array([3.0, -1.0, 0.5])
    assert dual_norm(u, 0.0) == pytest.approx(4.5)   # α = 0: the max norm, dual ℓ1
    assert dual_norm(u, 1.0) == pytest.approx(3.0)   # α = 1: the sum, dual ℓ∞
    assert dual_norm([-2.0], 0.3) == 2.0              # one member: |u|
    # α = 0.5: k = 1: 3/1, k = 2: 4/1.5, k = 3: 4.5/2 → 3
    assert dual_norm(u, 0.5) == pytest.approx(3.0)
    assert dual_norm([1.0, 1.0, 1.0], 0.5) == pytest.approx(1.5)  # k = 3: 3/2
    np.testing.assert_allclose(dual_norms(np.array([[1.0, 0.0], [1.0, 2.0]]), 0.5), [4 / 3, 2.0])


@settings(max_examples=40, deadline=None)
@given(u=st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=5), alpha=st.floats(0, 1))
def test_dual_norm_is_the_lp_definition(u: list[float], alpha: float) -> None:
    arr = np.array(u)
    # The LP reference runs at unit scale (its tolerances are absolute, ~1e-7); the dual norm is
    # positively homogeneous, g(c·u) = c·g(u), so scaling back is exact in the definition.
    big = float(np.abs(arr).max())
    want = big * _dual_norm_lp(arr / big, alpha) if big > 0 else 0.0
    assert dual_norm(arr, alpha) == pytest.approx(want, rel=1e-7, abs=1e-12)


def test_joint_loss_closed_form() -> None:
    a = np.array([[5.0, 1.0, -2.0, 0.0], [7.0, 1.0, 0.0, 0.0]])
    o = np.array([[9.0, 0.0, 0.0, 1.0], [9.0, 0.0, 0.0, -3.0]])  # o[∅] is no atom
    # AND: ∅ max 7, sum 12; {0}: 1, 2; {1}: 2, 2. OR {0,1}: 3, 4.
    assert joint_loss(a, o, 0.25) == pytest.approx(0.75 * (7 + 1 + 2 + 3) + 0.25 * (12 + 2 + 2 + 4))
    assert joint_loss(a, o, 0.25, count_empty=False) == pytest.approx(0.75 * (1 + 2 + 3) + 0.25 * (2 + 2 + 4))
    with pytest.raises(InputError, match="same shape"):
        joint_loss(a, o[:, :2], 0.1)
    with pytest.raises(InputError, match="alpha"):
        joint_loss(a, o, -0.1)


def test_one_member_bound_is_the_single_bound() -> None:
    rng = np.random.default_rng(2)
    v = rng.normal(size=16)
    y = rng.normal(size=16)
    for count_empty in (True, False):
        joint, scale = joint_dual_bound(y[None], v[None], [0.1], alpha=0.1, count_empty=count_empty)
        single, s1 = dual_bound(y, v, 0.1, count_empty)
        assert scale >= s1
        assert joint == pytest.approx(single, rel=1e-12, abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 3), m=st.integers(1, 3), alpha=st.sampled_from([0.0, 0.1, 0.7, 1.0]),
       count_empty=st.booleans(), seed=st.integers(0, 2**31 - 1), size=st.sampled_from([1e-3, 1.0, 1e3]))
def test_any_y_bounds_the_optimum_from_below(n: int, m: int, alpha: float, count_empty: bool, seed: int,
                                              size: float) -> None:
    rng = np.random.default_rng(seed)
    vs = rng.normal(size=(m, 1 << n))
    zetas = np.abs(rng.normal(size=m)) * 0.1
    ref = dense_joint_optimum(vs, zetas, alpha, count_empty)
    y = rng.normal(size=(m, 1 << n)) * size
    bound, scale = joint_dual_bound(y, vs, zetas, alpha, count_empty)
    assert scale >= 1.0
    assert bound <= ref + 1e-9 * max(1.0, abs(ref))


def test_bound_refuses_bad_input() -> None:
    with pytest.raises(InputError, match="one y per member"):
        joint_dual_bound(np.zeros((2, 4)), np.zeros((2, 8)), [0.0, 0.0], 0.1)
    with pytest.raises(InputError, match="zetas"):
        joint_dual_bound(np.zeros((2, 4)), np.zeros((2, 4)), [0.0], 0.1)
    with pytest.raises(InputError, match="finite"):
        joint_dual_bound(np.full((1, 4), np.nan), np.zeros((1, 4)), [0.0], 0.1)
    with pytest.raises(InputError, match="shape"):
        joint_dual_bound(np.zeros(4), np.zeros(4), [0.0], 0.1)
