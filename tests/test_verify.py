"""Proof of ε-equivalence: exactness, soundness under mutation, counterexamples, refit."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symlogic import InputError, Record
from symlogic.exact_error import group_table, max_error, violations
from symlogic.logic import LogicModel
from symlogic.refit import error_curve, refit_minimax
from symlogic.verify import verify


def planted(n: int, seed: int, noise: float, n_terms: int = 6) -> tuple[LogicModel, Record]:
    """A random AND-OR model and a table = model + uniform noise on every mask."""
    rng = np.random.default_rng(seed)
    names = [f"x{i}" for i in range(n)]
    terms = []
    for j in range(n_terms):
        mask = int(rng.integers(1, 1 << n)) & int(rng.integers(1, 1 << n)) or 1 << j % n
        terms.append(("and" if j % 2 else "or", mask, float(rng.normal() * 2)))
    lm = LogicModel.from_terms(names, float(rng.normal()), terms)
    values = lm.table() + rng.uniform(-noise, noise, size=1 << n)
    return lm, Record.from_table(values, names)


def brute_max_error(lm: LogicModel, rec: Record) -> tuple[Fraction, int]:
    errs = [abs(Fraction(float(v)) - lm.evaluate_exact(m)) for m, v in enumerate(rec.values)]
    best = max(errs)
    return best, errs.index(best)


@pytest.mark.parametrize("n,seed", [(6, 0), (9, 1), (11, 2)])
def test_planted_model_proven_at_exact_max_error_and_refuted_at_half(n, seed):
    lm, rec = planted(n, seed, noise=0.05)
    exact, _ = brute_max_error(lm, rec)
    v = verify(lm, rec)
    assert v.holds and v.engine_results == {"z3": "unsat", "exact": "holds"}
    assert Fraction(v.epsilon) >= exact and Fraction(math.nextafter(v.epsilon, 0)) < exact
    assert v.max_error_exact == f"{exact.numerator}/{exact.denominator}"
    half = verify(lm, rec, epsilon=v.epsilon / 2)
    assert not half.holds and half.engine_results == {"z3": "sat", "exact": "fails"}
    cex = half.counterexample
    m = cex["mask"]
    assert abs(Fraction(float(rec.values[m])) - lm.evaluate_exact(m)) > Fraction(v.epsilon / 2)
    assert cex["violates"] and cex["present"] == [rec.names[i] for i in range(n) if (m >> i) & 1]
    brute_count = sum(abs(Fraction(float(x)) - lm.evaluate_exact(k)) > Fraction(v.epsilon / 2) for k, x in enumerate(rec.values))
    assert half.violations == brute_count


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 8), seed=st.integers(0, 10_000), where=st.integers(0, 255), sign=st.sampled_from([-1, 1]),
       push=st.floats(1e-12, 1.0))
def test_mutation_past_epsilon_is_never_verified(n, seed, where, sign, push):
    lm, rec = planted(n, seed, noise=0.01)
    eps = 0.02
    mask = where % (1 << n)
    values = rec.values.copy()
    f = lm.evaluate_exact(mask)
    target = float(f + sign * Fraction(eps)) + sign * push  # a float beyond f ± ε
    while abs(Fraction(target) - f) <= Fraction(eps):
        target = math.nextafter(target, sign * math.inf)
    values[mask] = target
    mutated = Record.from_table(values, rec.names)
    v = verify(lm, mutated, epsilon=eps)
    assert not v.holds
    assert v.violations == 1 and v.counterexample["mask"] == mask
    assert v.engine_results["z3"] == "sat" and v.engine_results["exact"] == "fails"


def test_float_and_exact_arithmetic_disagree_and_exact_wins():
    # docs/verification.md §2.1 worked case: bias 0.1, term 0.2, v = 0.3: exact |f − v| = 2^-55.
    lm = LogicModel.from_terms(["a"], 0.1, [("and", ["a"], 0.2)])
    rec = Record.from_table([0.1, 0.3], ["a"])
    assert abs((0.1 + 0.2) - 0.3) == 2**-54  # float64 says 5.55e-17
    assert max_error(lm, rec.values).value == Fraction(1, 2**55)
    assert not verify(lm, rec, epsilon=1e-17).holds
    assert verify(lm, rec, epsilon=3e-17).holds
    assert verify(lm, rec, epsilon=2**-55).holds  # ε equal to the exact max error holds
    assert not verify(lm, rec, epsilon=math.nextafter(2**-55, 0)).holds


def test_epsilon_equal_to_exact_max_error_holds_on_random_tables():
    for seed in range(5):
        lm, rec = planted(7, seed, noise=0.3)
        exact, mask = brute_max_error(lm, rec)
        if Fraction(float(exact)) == exact:
            assert verify(lm, rec, epsilon=float(exact)).holds
        v = verify(lm, rec)
        assert v.max_error_mask == mask or abs(Fraction(float(rec.values[v.max_error_mask])) - lm.evaluate_exact(v.max_error_mask)) == exact


def test_group_reduction_is_exact():
    lm, rec = planted(8, 3, noise=0.2, n_terms=3)
    g = group_table(rec.values, lm.support)
    for j, gm in enumerate(g.masks):
        members = [m for m in range(256) if m & lm.support_mask == gm]
        assert g.vmin[j] == rec.values[members].min() and g.vmax[j] == rec.values[members].max()
        assert rec.values[g.argmin[j]] == g.vmin[j] and rec.values[g.argmax[j]] == g.vmax[j]
    assert max_error(lm, rec.values).value == brute_max_error(lm, rec)[0]


def test_violations_counts_exactly():
    lm, rec = planted(6, 4, noise=0.5)
    eps = 0.25
    count, worst = violations(lm, rec.values, eps)
    brute = sorted(((abs(Fraction(float(v)) - lm.evaluate_exact(m)) - Fraction(eps), m) for m, v in enumerate(rec.values)),
                   key=lambda t: (-t[0], t[1]))
    bad = [(e, m) for e, m in brute if e > 0]
    assert count == len(bad)
    assert [w.mask for w in worst] == [m for _, m in bad[:10]]


def test_mismatched_names_and_bad_epsilon_are_refused():
    lm, rec = planted(4, 0, noise=0.1)
    other = Record.from_table(rec.values, ["a", "b", "c", "d"])
    with pytest.raises(InputError, match="differ"):
        verify(lm, other)
    with pytest.raises(InputError, match="epsilon"):
        verify(lm, rec, epsilon=-1.0)


def test_model_without_terms_and_constant_table():
    lm = LogicModel.from_terms(["a", "b"], 1.5, [])
    rec = Record.from_table([1.5, 1.5, 1.5, 1.75], ["a", "b"])
    v = verify(lm, rec)
    assert v.holds and v.epsilon == 0.25 and v.max_error_mask == 3


def test_minimax_refit_is_optimal_and_never_worse():
    lm, rec = planted(7, 5, noise=0.2)
    # Perturb the coefficients: the refit must find something at least as good as the planted model.
    rough = LogicModel.from_terms(lm.names, lm.bias + 0.3, [(t.kind, t.mask, t.coefficient * 1.2) for t in lm.concepts])
    res = refit_minimax(rough, rec)
    assert res.epsilon <= max_error(lm, rec.values).as_float_upper() + 1e-9
    assert res.epsilon < max_error(rough, rec.values).as_float_upper()
    assert verify(res.model, rec, epsilon=res.epsilon).holds
    # Same support (a coefficient refitted to exactly 0 drops its term).
    assert {(t.kind, t.mask) for t in res.model.concepts} <= {(t.kind, t.mask) for t in rough.concepts}


def test_minimax_on_a_single_constant_is_the_midrange():
    lm = LogicModel.from_terms(["a", "b"], 0.0, [])
    rec = Record.from_table([0.0, 1.0, 3.0, 2.0], ["a", "b"])
    res = refit_minimax(lm, rec)
    assert res.model.bias == pytest.approx(1.5) and res.epsilon == pytest.approx(1.5)


def test_error_curve_from_an_extraction():
    from symlogic.extraction.result import Extraction

    lm, rec = planted(6, 6, noise=0.0, n_terms=4)
    from symlogic.transforms import and_interactions

    a = and_interactions(rec.values)
    ex = Extraction(record=rec, and_=a, or_=np.zeros_like(a), q=np.zeros_like(a), objective=float(np.abs(a).sum()),
                    lower_bound=None, gap=None, certificate=None, method="and-only", q_bound=0.0)
    curve = error_curve(ex, max_k=6)
    assert curve.k.tolist() == list(range(7))
    assert np.all(curve.epsilon_refit <= curve.epsilon + 1e-12)
    assert np.all(np.diff(curve.epsilon_refit) <= 1e-9)  # more concepts never fit worse after a refit


def test_extreme_exponents_stay_exact():
    # Coefficients 2^-1074 (smallest subnormal) and 1e300 force integers far beyond 64 bits.
    lm = LogicModel.from_terms(["a", "b"], 1e300, [("and", ["a"], 5e-324), ("or", ["a", "b"], -1e-300)])
    values = np.array([1e300, 1e300, 1e300, 1e300])
    exact, _ = brute_max_error(lm, Record.from_table(values, ["a", "b"]))
    assert max_error(lm, values).value == exact
    v = verify(lm, Record.from_table(values, ["a", "b"]))
    assert v.holds and Fraction(v.epsilon) >= exact
