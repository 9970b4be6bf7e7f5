"""Tables far from unit scale: near the largest float, tiny, subnormal (a soundness review).

Multiplying a table by 2^k changes no mantissa bit, so extraction and the minimax refit, both solved
at unit scale, must give the same coefficients times 2^k, or refuse with an ``InputError`` where the
interactions do not fit in float64; never an ``OverflowError``, a solver error, or ±inf/NaN numbers.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from symlogic import InputError, Record
from symlogic.attribution import banzhaf_values, shapley_values
from symlogic.exact_error import max_error
from symlogic.extraction import extract
from symlogic.extraction.certified import UNIT_RANGE, dual_bound, solve_exact
from symlogic.logic import LogicModel
from symlogic.refit import error_curve, refit_minimax
from symlogic.transforms import (
    and_interactions,
    mobius,
    or_interactions,
    or_sum,
    or_sum_transpose,
    or_values,
    subset_sum,
    superset_mobius,
    superset_sum,
)

BIG = sys.float_info.max
TINY = 2.0**-1074


def _base(seed: int, n: int = 4) -> np.ndarray:
    """A random table with max|v| = 1 and 53-bit entries no finer than 2^-52 (so that v·2^k is
    exact for every k ≥ -1022)."""
    v = np.random.default_rng(seed).standard_normal(1 << n)
    v = v / np.max(np.abs(v))
    return np.ldexp(np.round(np.ldexp(v, 52)), -52)


def _terms(lm: LogicModel, k: int = 0) -> list[tuple[str, int, float]]:
    """The model's terms with coefficients times 2^-k."""
    return [(t.kind, t.mask, math.ldexp(t.coefficient, -k)) for t in lm.terms]


def _models(v: np.ndarray) -> tuple[LogicModel, LogicModel]:
    ex = extract(Record.from_table(v))
    return ex.logic_model(tau=0.05), ex.logic_model(tau=0.05, refit="minimax")


# ---- transforms and attributions ----------------------------------------------------------------

OVERFLOWING = np.array([1.5e308, -1.5e308, -1.5e308, 1.5e308, 1.5e308, 1.5e308, -1.5e308, 1.5e308])
TRANSFORMS = [subset_sum, mobius, superset_sum, superset_mobius, and_interactions, or_interactions, or_sum,
              or_sum_transpose, or_values]


@pytest.mark.parametrize("fn", TRANSFORMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("use_torch", [False, True])
def test_transforms_refuse_overflow_instead_of_returning_inf(fn, use_torch):
    x = torch.tensor(OVERFLOWING) if use_torch else OVERFLOWING
    with pytest.raises(InputError, match=r"overflow float64.*ldexp\(table, -1024\)"):
        fn(x)
    raw = fn(x, check_finite=False)  # the IEEE result, for callers that decide inf themselves
    assert not bool(np.isfinite(np.asarray(raw)).all())


def test_transforms_refuse_nan_and_inf_inputs_and_float32_overflow():
    with pytest.raises(InputError, match="NaN or infinite"):
        mobius(np.array([np.nan, 1.0]))
    with pytest.raises(InputError, match="NaN or infinite"):
        or_interactions(torch.tensor([1.0, math.inf]))
    with pytest.raises(InputError, match="overflow float32"):
        subset_sum(torch.tensor([3e38, 3e38], dtype=torch.float32))
    # just below the limit nothing is refused, and the values are exact
    assert subset_sum(np.array([BIG / 2, BIG / 2])).tolist() == [BIG / 2, BIG]


@pytest.mark.parametrize("fn", [shapley_values, banzhaf_values])
def test_attributions_refuse_overflow(fn):
    with pytest.raises(InputError, match="overflow"):
        fn(np.full(16, 1e308))
    assert np.isfinite(fn(np.full(16, 1e307))).all()


# ---- extraction near the largest float ----------------------------------------------------------


def test_extract_refuses_interactions_beyond_the_largest_float():
    # ±1.7e308: ζ = 0.04·|v(N) − v(∅)| alone used to overflow, and I({x0}) = 3.4e308 does not fit
    v = np.full(16, 1.7e308)
    v[::2] = -1.7e308
    with pytest.raises(InputError, match=r"cannot be split in float64.*ldexp\(values, -1024\)"):
        extract(Record.from_table(v))
    # a sum of 2^n values near 1e308 (the L1 norm of the split overflows): was an OverflowError
    with pytest.raises(InputError, match="rescale the outputs"):
        extract(Record.from_table(np.random.default_rng(0).standard_normal(16) * 4.25e307))


def test_extract_a_constant_table_at_the_largest_float():
    v = np.full(8, BIG)  # the solver's scale 2^1024 is not a float (was an OverflowError)
    ex = extract(Record.from_table(v))
    assert ex.and_[0] == BIG and np.count_nonzero(ex.and_) == 1 and not ex.or_.any()
    assert ex.settings["status"] == "optimal" and ex.lower_bound <= ex.objective == BIG
    assert math.isfinite(ex.zeta) and ex.zeta == 0.0


def test_noise_box_of_outputs_of_both_signs_near_the_largest_float():
    # v(N) − v(∅) = 2e308 overflows, ζ = 0.45·2e308 = 9e307 does not (it was inf: a refusal
    # that blamed ζ), and with ∅ not counted the optimal split fits in float64
    rec = Record.from_table([-1e308, 0.0, 0.0, 1e308])
    ex = extract(rec, q_bound=0.45, count_empty=False)
    assert ex.zeta == 2 * (0.45 * 1e308) and math.isclose(ex.zeta, 9e307, rel_tol=1e-15)
    assert np.isfinite(ex.and_).all() and np.isfinite(ex.q).all() and np.abs(ex.q).max() <= ex.zeta
    assert ex.settings["status"] == "optimal" and ex.lower_bound <= ex.objective < BIG
    with pytest.raises(InputError, match="noise box"):
        extract(rec, q_bound=1.0)  # ζ = 2e308 itself is beyond the largest float


@pytest.mark.parametrize("k", [1019, 300, 40, -40, -300, -1000])
def test_extract_and_refit_scale_exactly_by_powers_of_two(k):
    """At 2^1019 the refit's LP used to fail (HiGHS reads |b| ≥ 1e20 as infinite); at 2^-40 it was
    solved to an absolute tolerance far above the table."""
    base = _base(0)
    ref_plain, ref_refit = _models(np.ldexp(base, 100))
    plain, refit = _models(np.ldexp(base, k))
    assert _terms(plain, k) == _terms(ref_plain, 100)
    assert _terms(refit, k) == _terms(ref_refit, 100)
    v = np.ldexp(base, k)
    assert max_error(refit, v).value == max_error(ref_refit, np.ldexp(base, 100)).value * Fraction(2) ** (k - 100)
    assert max_error(refit, v).value <= max_error(plain, v).value


@pytest.mark.parametrize("scale", [1e-12, 1e-300, 1e20, 1e300])
def test_refit_is_never_worse_than_no_refit(scale):
    # at 1e-12 the old refit was 37x worse than the extracted coefficients (an absolute LP
    # tolerance), at 1e20 and above its LP did not solve (HiGHS reads 1e20 as infinite)
    v = _base(0) * scale
    rec = Record.from_table(v)
    plain = extract(rec).logic_model(tau=0.05)
    res = refit_minimax(plain, rec)
    assert res.refitted  # the LP's own answer, not the fallback
    assert max_error(res.model, v).value <= max_error(plain, v).value


@pytest.mark.parametrize("k", [-1074, -1070, -1060, -1040])
def test_subnormal_tables_extract_and_refit(k):
    v = np.ldexp(_base(3), k)
    rec = Record.from_table(v)
    ex = extract(rec)
    assert ex.lower_bound <= ex.objective and np.abs(ex.q).max() <= ex.zeta
    assert np.array_equal(subset_sum(ex.and_) + or_sum(ex.or_) - v, ex.q)
    plain = ex.logic_model(tau=0.05)
    res = refit_minimax(plain, rec)
    assert res.epsilon == max_error(res.model, v).as_float_upper()
    assert max_error(res.model, v).value <= max_error(plain, v).value


def test_refit_keeps_the_input_model_when_the_lp_is_not_better(monkeypatch):
    import symlogic.refit as refit_module

    v = _base(1) * 1e-12
    rec = Record.from_table(v)
    plain = extract(rec).logic_model(tau=0.05)
    monkeypatch.setattr(refit_module, "_solve_lp", lambda fires, vmax, vmin: None)
    res = refit_minimax(plain, rec)
    assert not res.refitted and "did not report an optimum" in res.model.meta["refit_kept"]
    assert _terms(res.model) == _terms(plain) and res.epsilon == max_error(plain, v).as_float_upper()
    # an LP answer worse than the input's (here: all coefficients 0) is not taken either
    monkeypatch.setattr(refit_module, "_solve_lp", lambda fires, vmax, vmin: np.zeros(fires.shape[1]))
    res = refit_minimax(plain, rec)
    assert not res.refitted and "below the LP's" in res.model.meta["refit_kept"]


def test_error_curve_scales_with_the_table():
    base = _base(2, n=5)
    curves = []
    for k in (100, 1000, -1000):
        curve = error_curve(extract(Record.from_table(np.ldexp(base, k))), max_k=6)
        assert np.all(curve.epsilon_refit <= curve.epsilon)
        curves.append((np.ldexp(curve.epsilon, -k), np.ldexp(curve.epsilon_refit, -k)))
    for eps, eps_refit in curves[1:]:
        assert np.array_equal(eps, curves[0][0]) and np.array_equal(eps_refit, curves[0][1])


# ---- the certificate's lower bound at the float limits -------------------------------------------


def _exact_value(y: np.ndarray, v: np.ndarray, zeta: float) -> Fraction:
    return sum(Fraction(a) * Fraction(b) for a, b in zip(y.tolist(), v.tolist())) - Fraction(zeta) * sum(
        abs(Fraction(a)) for a in y.tolist())


@pytest.mark.parametrize("seed", range(8))
def test_dual_bound_is_a_lower_bound_on_subnormal_tables(seed):
    # products y·v of a subnormal table round by up to 2^-1075 each, which a relative allowance misses
    rng = np.random.default_rng(seed)
    v = rng.integers(-1000, 1000, 16) * TINY
    y = rng.uniform(-1, 1, 16) / 40  # ‖y‖₁ < 1: already dual feasible, ŷ = y
    zeta = 7 * TINY
    bound, scale = dual_bound(y, v, zeta)
    assert scale == 1.0
    assert Fraction(bound) <= _exact_value(y, v, zeta)


def test_dual_bound_near_the_largest_float():
    # ŷ = (0, 0.9, −0.9, 0) is dual feasible (|Zᵀŷ|, |Oᵀŷ| ≤ 0.9) and ŷ·v = 3.06e308: the sum
    # used to overflow (OverflowError in fsum); the bound is now the largest float, still below it
    y = np.array([0.0, 0.9, -0.9, 0.0])
    v = np.array([0.0, 1.7e308, -1.7e308, 0.0])
    bound, scale = dual_bound(y, v, 0.0)
    assert scale == 1.0 and bound == BIG and Fraction(bound) <= _exact_value(y, v, 0.0)
    for zeta in (1e307, 1e308):
        bound, _ = dual_bound(y, v, zeta)
        assert math.isfinite(bound) and Fraction(bound) <= _exact_value(y, v, zeta)


def test_solve_exact_near_the_largest_float_is_certified():
    v = np.ldexp(_base(4), 1018)  # max|v| = 2^1018; the split's L1 fits in float64
    sol = solve_exact(v, 0.01 * abs(v[-1] - v[0]), method="factored")
    assert sol.status == "optimal" and math.isfinite(sol.objective) and sol.lower_bound <= sol.objective
    assert np.array_equal(subset_sum(sol.and_) + or_sum(sol.or_) - v, sol.q)


def test_reference_method_refuses_overflow():
    v = np.full(16, 1.7e308)
    v[::2] = -1.7e308
    with pytest.raises(InputError):
        extract(Record.from_table(v), method="reference", niter=20, q_bound=0.0)


# ---- property: any power-of-two scale --------------------------------------------------------------


@settings(max_examples=40)
@given(n=st.integers(1, 4), data=st.data(), k=st.integers(-1074, 1023))
def test_any_power_of_two_scale_gives_the_scaled_model_or_an_input_error(n, data, k):
    """extract + minimax refit on v·2^k: an InputError, or a model no worse than the unrefitted
    one; where max|v| ≥ 2^-1001 (the split stays normal) and lies outside the unit range (tables
    solved unscaled), exactly the model of v·2^100 times 2^(k−100)."""
    ints = data.draw(st.lists(st.integers(-(2**20), 2**20), min_size=1 << n, max_size=1 << n))
    base = np.ldexp(np.array(ints, dtype=np.float64), -20)
    v = np.ldexp(base, k)
    try:
        plain, refit = _models(v)
    except InputError:
        return
    e_plain, e_refit = max_error(plain, v).value, max_error(refit, v).value
    assert e_refit <= e_plain
    big = float(np.abs(v).max())
    if big > 0 and math.frexp(big)[1] >= -1000 and not UNIT_RANGE[0] <= big <= UNIT_RANGE[1]:
        ref_plain, ref_refit = _models(np.ldexp(base, 100))
        assert _terms(plain, k) == _terms(ref_plain, 100)
        assert _terms(refit, k) == _terms(ref_refit, 100)
        assert e_refit == max_error(ref_refit, np.ldexp(base, 100)).value * Fraction(2) ** (k - 100)
