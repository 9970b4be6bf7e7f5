"""LogicModel: terms, evaluation against brute force, SymPy forms and the round trip."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symlogic import InputError
from symlogic.logic import LogicModel, Term
from symlogic.masks import all_masks

NAMES = ("not", "good", "my var", "2nd", "x-y", "class")


def brute_f(lm: LogicModel, mask: int) -> Fraction:
    """f from the definition: AND fires when all its variables are present, OR when any is."""
    total = Fraction(lm.bias)
    for t in lm.concepts:
        present = [(mask >> i) & 1 for i in range(lm.n) if (t.mask >> i) & 1]
        fires = all(present) if t.kind == "and" else any(present)
        total += Fraction(t.coefficient) if fires else 0
    return total


@st.composite
def models(draw, n_max: int = 6) -> LogicModel:
    n = draw(st.integers(1, n_max))
    names = NAMES[:n]
    coef = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
    terms = draw(st.lists(st.tuples(st.sampled_from(["and", "or"]), st.integers(1, (1 << n) - 1), coef), max_size=8))
    return LogicModel.from_terms(names, draw(coef), terms)


def test_terms_are_ordered_merged_and_singleton_or_is_and():
    lm = LogicModel.from_terms(["a", "b", "c"], 0.5, [("or", ["a", "b"], 0.25), ("and", ["a", "b"], -2.0),
                                                   ("or", ["c"], 1.0), ("and", ["c"], 0.5), ("and", ["a", "b"], 0.0)])
    kinds = [(t.kind, t.mask, t.coefficient) for t in lm.terms]
    assert kinds == [("bias", 0, 0.5), ("and", 3, -2.0), ("and", 4, 1.5), ("or", 3, 0.25)]
    assert lm.support_mask == 7 and lm.max_order == 2 and len(lm) == 3
    assert lm.terms[1].names == ("a", "b")


def test_bad_terms_are_refused_with_reasons():
    with pytest.raises(InputError, match="unknown variables"):
        LogicModel.from_terms(["a"], 0.0, [("and", ["zz"], 1.0)])
    with pytest.raises(InputError, match="beyond"):
        LogicModel.from_terms(["a"], 0.0, [("and", 2, 1.0)])
    with pytest.raises(InputError, match="finite"):
        Term("and", 1, float("nan"))
    with pytest.raises(InputError, match="kind"):
        Term("xor", 1, 1.0)


@settings(max_examples=60, deadline=None)
@given(models())
def test_evaluate_matches_definition(lm):
    masks = np.arange(1 << lm.n)
    got = lm.evaluate(masks)
    for m in masks:
        exact = brute_f(lm, int(m))
        assert lm.evaluate_exact(int(m)) == exact
        assert abs(Fraction(got[m]) - exact) <= Fraction(1e-12) * (1 + sum(abs(t.coefficient) for t in lm.terms))


@settings(max_examples=40, deadline=None)
@given(models())
def test_sympy_substitution_lambdify_and_round_trip(lm):
    expr = lm.to_sympy()
    syms = lm.symbols
    rng = np.random.default_rng(0)
    for m in rng.integers(0, 1 << lm.n, size=6):
        sub = {syms[name]: bool((int(m) >> i) & 1) for i, name in enumerate(lm.names)}
        value = expr.subs(sub)
        assert value.is_Rational and Fraction(int(value.p), int(value.q)) == lm.evaluate_exact(int(m))
    func = sympy.lambdify([syms[x] for x in lm.names], expr, "numpy")
    table = all_masks(lm.n)
    got = np.broadcast_to(np.asarray(func(*table.T), dtype=np.float64), (1 << lm.n,))
    assert np.allclose(got, lm.table(), rtol=0, atol=1e-9)
    assert LogicModel.from_sympy(expr, lm.names) == lm
    float_expr = lm.to_sympy(exact=False)
    assert all(isinstance(a, sympy.Float) for a in float_expr.atoms(sympy.Number) if not a.is_Integer)


def test_polynomial_form_equals_logic_form():
    lm = LogicModel.from_terms(["a", "b", "c"], 0.1, [("and", ["a", "b"], 2.0), ("or", ["b", "c"], -0.75)])
    poly = lm.to_sympy(form="polynomial")
    syms = [lm.symbols[x] for x in lm.names]
    for m in range(8):
        value = poly.subs({s: (m >> i) & 1 for i, s in enumerate(syms)})
        assert sympy.Rational(value) == sympy.Rational(lm.evaluate_exact(m).numerator, lm.evaluate_exact(m).denominator)


def test_names_are_sanitised_and_latex_is_readable():
    lm = LogicModel.from_terms(NAMES, 0.0, [("and", ["not", "2nd"], 1.0), ("or", ["my var", "class"], 2.0)])
    assert [s.name for s in lm.symbols.values()] == ["v_not", "good", "my_var", "v_2nd", "x_y", "v_class"]
    tex = lm.to_latex()
    assert r"\wedge" in tex and r"\vee" in tex and tex.startswith("f = ")
    assert "AND(not, 2nd)" in str(lm)


def test_exact_coefficients_are_the_float_values():
    lm = LogicModel.from_terms(["a"], 0.1, [("and", ["a"], 0.2)])
    expr = lm.to_sympy()
    assert sympy.Rational(0.1) in expr.atoms(sympy.Rational)
    assert sympy.Rational(1, 10) not in expr.atoms(sympy.Rational)


def test_dict_round_trip_is_exact():
    lm = LogicModel.from_terms(["a", "b"], 0.1, [("and", ["a", "b"], 1 / 3), ("or", ["a", "b"], -1e-300)])
    back = LogicModel.from_dict(lm.to_dict())
    assert back == lm
    assert all(t.to_dict()["coefficient_exact"].count("/") == 1 for t in lm.terms)
