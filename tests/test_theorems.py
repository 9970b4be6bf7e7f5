"""The theorem checks of proofs/theorems/: each holds as shipped, each FAILS with a counterexample
when fed a wrong formula (off by a sign, a wrong weight, a wrong rounding direction), and their
reference formulas match closed-form cases (docs/theory.md §6.1) and brute force on random tables."""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy
import z3
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # proofs/ is a top-level package of the repository, not of the installed symlogic
    sys.path.insert(0, str(ROOT))

from proofs.theorems import THEOREMS, load  # noqa: E402
from proofs.theorems import _common as common  # noqa: E402
from proofs.theorems import (float_exactness, group_reduction, margin_transfer, mobius_inversion,  # noqa: E402
                             or_comobius, semivalues, weak_duality)

from symlogic import transforms  # noqa: E402
from symlogic.errors import InputError  # noqa: E402
from symlogic.exact_error import float_upper  # noqa: E402

small_tables = st.integers(0, 4).flatmap(
    lambda n: st.lists(st.integers(-20, 20), min_size=1 << n, max_size=1 << n).map(lambda xs: (n, xs)))


def _failed(result, part: str, where: str) -> str:
    """Assert that the result failed with a counterexample of this part at this place; its text."""
    assert not result.holds
    assert result.error is None, result.error
    cex = result.counterexample
    assert cex is not None
    assert part in cex.part, cex
    assert where in cex.where, cex
    assert "FAILED" in result.line() and "counterexample" in result.line()
    return str(cex)


# ---- every theorem holds as shipped (small sizes here; `python -m proofs` runs the full ones) -------------


@pytest.mark.parametrize("name, kwargs", [
    ("mobius_inversion", {"max_n": 3}),
    ("or_comobius", {"max_n": 3}),
    ("semivalues", {"max_n": 4}),
    ("weak_duality", {"max_n": 3, "max_n_z3": 2}),
    ("margin_transfer", {"max_size": 3}),
    ("group_reduction", {"max_size": 4}),
])
def test_theorem_holds_at_small_sizes(name, kwargs):
    result = load(name).check(**kwargs)
    assert result.holds, result.line()
    assert result.counterexample is None and result.error is None
    assert name in result.line() and "[checked]" in result.line()


def test_every_theorem_module_has_a_page_and_a_title():
    for name in THEOREMS:
        module = load(name)
        assert module.NAME == name
        assert module.DOC == f"docs/theorems/{name}.md"
        page = (ROOT / module.DOC).read_text(encoding="utf-8")
        assert "## What the machine check covers" in page and "## What it does not cover" in page
        assert name in (ROOT / "docs/theorems/README.md").read_text(encoding="utf-8")


def test_unknown_theorem_and_bad_sizes_are_refused_clearly():
    with pytest.raises(KeyError, match="mobius_inversion"):
        load("nope")
    with pytest.raises(InputError, match="max_n must be an integer from 0 to 7"):
        mobius_inversion.check(max_n=9)
    with pytest.raises(InputError, match="max_size"):
        margin_transfer.check(max_size=0)


def test_a_check_that_cannot_run_never_holds():
    def broken(u, n):
        raise RuntimeError("boom")

    result = mobius_inversion.check(and_transform=broken, max_n=1)
    assert not result.holds and "boom" in result.error and "error while checking" in result.line()


# ---- Möbius inversion and universal matching -------------------------------------------------


def _no_sign_mobius(u, n):
    return [common.total(u[t] for t in common.submasks(s)) for s in range(1 << n)]


def test_mobius_without_its_sign_fails_at_the_smallest_mask():
    text = _failed(mobius_inversion.check(and_transform=_no_sign_mobius), "AND matching", "n = 1, T = {0}")
    assert "2*v0" in text and "v0 = v(∅)" in text


def test_values_transform_over_supersets_is_not_the_inverse():
    def supersets(i, n):
        return common.superset_sum(i, n)

    _failed(mobius_inversion.check(and_values=supersets), "AND inversion", "n = 1")


def test_or_transform_without_the_negation_fails():
    def positive_or(u, n):
        return [u[0], *(-x for x in common.or_transform(u, n)[1:])]

    _failed(mobius_inversion.check(or_transform=positive_or), "OR matching", "n = 1, T = {0}")


def test_or_transform_with_the_wrong_empty_entry_breaks_the_split_sum():
    def or_with_vn(u, n):
        out = common.or_transform(u, n)
        return [u[-1], *out[1:]]  # I_or(∅) = v(N) instead of v(∅)

    _failed(mobius_inversion.check(or_transform=or_with_vn), "OR matching", "n = 1")


# ---- OR and co-Möbius ------------------------------------------------------------------------


def test_co_mobius_without_its_sign_fails():
    def unsigned(u, n):
        full = (1 << n) - 1
        return [common.total(u[full ^ b] for b in common.submasks(s)) for s in range(1 << n)]

    _failed(or_comobius.check(co_mobius=unsigned), "m̌(S) = Σ_{U⊇S}", "n = 1, S = {0}")


def test_or_as_unnegated_reversed_mobius_fails():
    def unnegated(u, n):
        rev = common.mobius(common.complement(u, n), n)
        return [u[0], *rev[1:]]

    _failed(or_comobius.check(or_transform=unnegated), "I_or(S) = −(M(u∘c))(S)", "n = 1, S = {0}")


def test_co_mobius_matches_shapiq_and_the_package():
    shapiq_exact = pytest.importorskip("shapiq.game_theory.exact")
    n = 3
    values = [0, 1, 2, 5, 3, 7, 11, 13]

    def game(coalitions):
        idx = (np.asarray(coalitions).astype(int) * (1 << np.arange(n))).sum(axis=1)
        return np.asarray(values, dtype=float)[idx]

    peer = shapiq_exact.ExactComputer(game, n_players=n)("Co-Moebius", order=n).dict_values
    ours = or_comobius.co_mobius_definition([Fraction(x) for x in values], n)
    for s in range(1, 1 << n):
        key = tuple(i for i in range(n) if s >> i & 1)
        assert ours[s] == Fraction(peer[key])
    # and the OR interactions are (−1)^{|S|+1} m̌(S) (docs/theory.md §2.6)
    i_or = transforms.or_interactions(np.asarray(values, dtype=float))
    assert [float(i_or[s]) for s in range(1, 8)] == [float((-1) ** (common.popcount(s) + 1) * ours[s]) for s in range(1, 8)]


# ---- Shapley and Banzhaf ---------------------------------------------------------------------


def test_banzhaf_with_the_wrong_weight_fails():
    def halved(i_and, n):
        return [common.total([0, *(sympy.Rational(1, 1 << common.popcount(s)) * i_and[s]
                                   for s in range(1 << n) if s >> i & 1)]) for i in range(n)]

    text = _failed(semivalues.check(banzhaf=halved), "Banzhaf", "n = 1, variable i = 0")
    assert "v0/2 - v1/2" in text


def test_shapley_with_a_squared_size_weight_fails_at_n_2():
    def squared(i_and, n):
        return [common.total([0, *(sympy.Rational(1, common.popcount(s) ** 2) * i_and[s]
                                   for s in range(1 << n) if s >> i & 1)]) for i in range(n)]

    _failed(semivalues.check(shapley=squared), "Shapley", "n = 2, variable i = 0")


def test_semivalue_closed_form_x0x1_plus_x2():
    # docs/theory.md §6.1: v = x0·x1 + x2 has Shapley (1/2, 1/2, 1)
    v = [(t & 1) * (t >> 1 & 1) + (t >> 2 & 1) for t in range(8)]
    assert semivalues.shapley_by_orderings(v, 3) == [sympy.Rational(1, 2), sympy.Rational(1, 2), 1]
    assert semivalues.shapley_from_dividends(common.mobius(v, 3), 3) == [sympy.Rational(1, 2), sympy.Rational(1, 2), 1]
    # Banzhaf of AND(x0, x1, x2) is 1/4 each (the package's doctest)
    v = [1 if t == 7 else 0 for t in range(8)]
    assert semivalues.banzhaf_by_subsets(v, 3) == [sympy.Rational(1, 4)] * 3


# ---- weak duality ----------------------------------------------------------------------------


def test_bound_without_the_box_term_is_refuted_with_an_exact_model():
    def no_box(y, v, zeta, n, count_empty):
        return common.total(y[t] * v[t] for t in range(1 << n))

    text = _failed(weak_duality.check(bound=no_box, max_n=1), "bound ≤ objective (count_empty=True)", "n = 1")
    assert "Z3 model" in text and "re-checked exactly: feasible y and split with bound" in text


def test_free_constant_without_its_price_is_refuted():
    def unpaid(y, v, zeta, n, count_empty):
        return common.total(y[t] * v[t] for t in range(1 << n)) - zeta * common.total(common.absolute(x) for x in y)

    _failed(weak_duality.check(bound=unpaid, max_n=1), "count_empty=False", "n = 1")


def test_a_dual_operator_that_is_not_the_transpose_fails_the_identity():
    wrong = weak_duality.Operators("Oᵀ summed over T ⊇ S", common.zeta, common.or_sum, common.superset_sum,
                                   lambda y, n: [0, *common.superset_sum(y, n)[1:]])
    # at n = 1 the two sums coincide ({0} ⊆ T ⇔ {0} ∩ T ≠ ∅); n = 2 is the smallest counterexample
    text = _failed(weak_duality.check(operators=wrong), "y·(Za + Oo − q)", "n = 2")
    assert "o3 = o({0, 1})" in text


def test_float_bound_rounded_to_nearest_is_caught():
    def nearest(y, v, zeta, count_empty):
        from symlogic.extraction.certified import dual_bound

        _, scale = dual_bound(y, v, zeta, count_empty)
        y_hat = [Fraction(float(np.float64(x) / np.float64(scale))) for x in y]
        n = len(y).bit_length() - 1
        exact = weak_duality.dual_objective(y_hat, [Fraction(x) for x in v], Fraction(zeta), n, count_empty)
        up = float_upper(exact)  # the wrong direction: a lower bound must round down
        return (up if Fraction(up) > exact else math.nextafter(up, math.inf)), scale

    _failed(weak_duality.check(float_bound=nearest, max_n=1, max_n_z3=1), "the float bound is below", "structured case 0")


def test_float_bound_that_never_scales_gives_an_infeasible_y():
    def unscaled(y, v, zeta, count_empty):
        n = len(y).bit_length() - 1
        exact = weak_duality.dual_objective([Fraction(x) for x in y], [Fraction(x) for x in v], Fraction(zeta), n,
                                            count_empty)
        return -float_upper(-exact), 1.0

    text = _failed(weak_duality.check(float_bound=unscaled, max_n=1, max_n_z3=1), "dual-feasible", "structured case")
    assert "max |Dᵀŷ|" in text


@given(small_tables, st.lists(st.integers(-9, 9), min_size=16, max_size=16), st.integers(0, 3))
def test_dual_objective_of_a_scaled_y_is_below_two_feasible_splits(table, y_raw, zeta_num):
    # brute force: the all-AND split a = Mv and the all-OR split are feasible with q = 0
    n, v = table
    y = [Fraction(x) for x in y_raw[:1 << n]]
    zeta = Fraction(zeta_num, 4)
    worst = max([abs(x) for x in common.superset_sum(y, n)] + [abs(x) for x in common.or_sum_transpose(y, n)] + [1])
    y_hat = [x / worst for x in y]
    bound = weak_duality.dual_objective(y_hat, v, zeta, n, True)
    all_and = sum(abs(x) for x in common.mobius(v, n))
    i_or = common.or_transform(v, n)
    all_or = abs(i_or[0]) + sum(abs(x) for x in i_or[1:])
    assert bound <= all_and and bound <= all_or


# ---- margin transfer -------------------------------------------------------------------------


def _rule_with(**override):
    def rule(kind, op, size):
        key = f"{kind}{size}" if kind == "interaction" else kind
        return Fraction(override[key]) if key in override else margin_transfer.package_rule(kind, op, size)

    return rule


def test_no_effect_with_margin_eps_instead_of_2eps_is_refuted():
    text = _failed(margin_transfer.check(rule=_rule_with(no_effect=-1)), "carry", "no_effect")
    assert "Z3 model" in text and "v(T+x)" in text


def test_interaction_margin_2_to_the_size_minus_1_is_refuted():
    def rule(kind, op, size):
        k = margin_transfer.package_rule(kind, op, size)
        return k / 2 if kind == "interaction" and size == 2 else k

    _failed(margin_transfer.check(rule=rule), "carry", "interaction(x0, x1)")


def test_output_margin_with_the_wrong_sign_is_refuted():
    def rule(kind, op, size):
        k = margin_transfer.package_rule(kind, op, size)
        return -k if kind == "output" and op == "<" else k

    _failed(margin_transfer.check(rule=rule), "carry", "output < c")


def test_a_wasteful_margin_is_flagged_as_not_tight():
    def rule(kind, op, size):
        k = margin_transfer.package_rule(kind, op, size)
        return 2 * k if kind == "output" else k

    _failed(margin_transfer.check(rule=rule), "tight", "output >= c")


def test_package_rule_reads_the_documented_margins():
    assert margin_transfer.package_rule("output", ">=", 0) == 1
    assert margin_transfer.package_rule("output", "<", 0) == -1
    assert margin_transfer.package_rule("no_effect", "<=", 1) == -2
    assert margin_transfer.package_rule("interaction", ">", 3) == 8
    assert margin_transfer.package_rule("interaction", "<=", 2) == -4


# ---- group reduction -------------------------------------------------------------------------


def test_reduction_without_the_minimum_is_refuted():
    text = _failed(group_reduction.check(reduction=lambda vmax, vmin, f, eps: vmax - f <= eps),
                   "every |v_i − f| ≤ ε", "a group of 1")
    assert "Z3 model" in text


# ---- float exactness -------------------------------------------------------------------------


def test_decimal_string_conversion_is_refuted_at_the_smallest_subnormal():
    text = _failed(float_exactness.check(to_fraction=lambda x: Fraction(repr(x))), "exact value of x", "5e-324")
    assert "1/2^1074" in text


def test_z3_decimal_numeral_is_refuted():
    _failed(float_exactness.check(z3_numeral=lambda x: z3.RealVal(x)), "Z3 receives the exact value", "x = 5e-324")


def test_rounding_to_nearest_instead_of_up_is_refuted():
    text = _failed(float_exactness.check(round_up=lambda r: float(r)), "rounding up is never below r", "r = 1/2^1100")
    assert "gives 0.0" in text


def test_rounding_down_is_refuted():
    def down(r):
        f = float(r)
        return f if Fraction(f) <= r else math.nextafter(f, -math.inf)

    _failed(float_exactness.check(round_up=down), "rounding up is never below r", "r =")


def test_rounding_up_one_float_too_far_is_refuted():
    _failed(float_exactness.check(round_up=lambda r: math.nextafter(float_upper(r), math.inf)),
            "smallest float ≥ r", "r = 0")


def test_edge_floats_cover_every_binade_both_signs_and_zero():
    xs = float_exactness.edge_floats()
    exps = {math.frexp(x)[1] for x in xs if x > 0}
    assert exps >= set(range(-1073, 1025))
    assert 0.0 in xs and any(math.copysign(1.0, x) < 0 and x == 0 for x in xs)
    assert 5e-324 in xs and -5e-324 in xs and sys.float_info.max in xs and sys.float_info.min in xs
    assert xs[0] == 0.0 and math.copysign(1.0, xs[0]) > 0  # ordered by magnitude, + before −


def test_exact_value_closed_forms():
    assert float_exactness.exact_value(0.1) == Fraction(3602879701896397, 2**55)
    assert float_exactness.exact_value(5e-324) == Fraction(1, 2**1074)
    assert float_exactness.exact_value(-0.0) == 0
    assert float_exactness.exact_value(sys.float_info.max) == (2**53 - 1) * 2**971
    assert float_exactness.hex_value("0x1.8p+0") == Fraction(3, 2)
    assert float_exactness.hex_value("-0x0.0000000000001p-1022") == -Fraction(1, 2**1074)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_bit_decoder_and_hex_parser_agree_with_python(x):
    assert float_exactness.exact_value(x) == Fraction(x)
    assert float_exactness.hex_value(x.hex()) == Fraction(x)


@given(st.fractions(max_denominator=10**30).filter(lambda r: abs(r) < 10**300))
def test_float_upper_is_the_smallest_float_above(r):
    up = float_upper(r)
    assert Fraction(up) >= r
    assert Fraction(math.nextafter(up, -math.inf)) < r


# ---- the shared reference formulas -----------------------------------------------------------


def test_reference_transforms_closed_forms():
    # docs/theory.md §6.1
    xor = [0, 1, 1, 0]
    assert common.mobius(xor, 2) == [0, 1, 1, -2]
    v_max = [0, 1, 1, 1]
    assert common.mobius(v_max, 2) == [0, 1, 1, -1]
    assert common.or_transform(v_max, 2) == [0, 0, 0, 1]
    v_min = [0, 0, 0, 1]
    assert common.or_transform(v_min, 2) == [0, 1, 1, -1]
    planted = [(t & 1) * (t >> 1 & 1) + (t >> 2 & 1) for t in range(8)]
    assert common.mobius(planted, 3) == [0, 0, 0, 1, 1, 0, 0, 0]


@given(small_tables)
def test_reference_transforms_agree_with_the_butterflies(table):
    n, u = table
    arr = np.asarray(u, dtype=np.float64)
    assert common.mobius(u, n) == transforms.and_interactions(arr).tolist()
    assert common.zeta(u, n) == transforms.subset_sum(arr).tolist()
    assert common.superset_sum(u, n) == transforms.superset_sum(arr).tolist()
    assert common.or_transform(u, n) == transforms.or_interactions(arr).tolist()
    assert common.or_values(u, n) == transforms.or_values(arr).tolist()
    assert common.or_sum(u, n) == transforms.or_sum(arr).tolist()
    assert common.or_sum_transpose(u, n) == transforms.or_sum_transpose(arr).tolist()
    assert common.zeta(common.mobius(u, n), n) == u


@given(small_tables)
def test_lifted_package_transform_equals_the_package_on_any_table(table):
    n, u = table
    lifted = common.lift(transforms.or_interactions, "or")
    assert lifted(u, n) == transforms.or_interactions(np.asarray(u, dtype=np.float64)).tolist()


def test_lift_refuses_a_map_that_is_not_linear():
    squared = common.lift(lambda x: np.asarray(x) ** 2, "squares")
    with pytest.raises(common.Refuted, match="not the linear map"):
        squared([1, 2], 1)


def test_z3_prove_answers_and_an_unknown_is_never_a_proof(monkeypatch):
    x, y = z3.Reals("x y")
    assert common.z3_prove(z3.Implies(x > 0, x * x > 0))[0] == "proved"
    status, model = common.z3_prove(x * y > 0)
    assert status == "refuted" and model is not None
    monkeypatch.setattr(common, "z3_prove", lambda *args, **kwargs: ("unknown", None))
    with pytest.raises(common.Refuted, match="Z3 answered unknown"):
        common.require_proved(z3.BoolVal(True), "part", "formula", "where")


def test_fraction_text_is_short_and_exact_for_dyadics():
    assert common.fraction_text(Fraction(1, 3)) == "1/3"
    assert common.fraction_text(Fraction(3, 2**1074)) == "3/2^1074"
    assert common.fraction_text(Fraction(1, 10**200)) == "≈1e-200 (p/q of 1 and 201 digits)"
