"""Claims that name an interaction index: ``interaction[k-SII, order=2](a, b) >= c`` (docs/claims.md).

On a record the value is Σ_T w_S(T)·v(T) in exact arithmetic; on a model it comes from the terms;
through a model with |f − v| ≤ ε the threshold moves by ε·Σ_T |w_S(T)| (docs/theory.md §2.6).
Every check here compares with an independent reference: the registry's float kernel (itself
checked against shapiq and the papers' definitions in tests/test_peer_indices.py), the index of
unit tables for the weights, and the exact record for the network route.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims_reference import _models, _noisy
from symlogic.claims import InteractionBound, check, parse_claim
from symlogic.errors import ClaimSyntaxError, InputError
from symlogic.indices.weights import LINEAR_INDICES, abs_weight_sum
from symlogic.interactions import interactions
from symlogic.logic import LogicModel
from symlogic.record import Record

ORDER = {name: (2 if x.uses_order else None) for name, x in LINEAR_INDICES.items()}


def head(name: str, order: int | None) -> str:
    if name == "AND":
        return "interaction"
    return f"interaction[{name}" + ("" if order is None else f", order={order}") + "]"


def registry_value(table: np.ndarray, name: str, order: int | None, smask: int) -> float:
    return float(interactions(table, name, order=order).values[smask])


def exact_of(res) -> Fraction | None:
    return Fraction(res.counterexample["interaction_exact"]) if res.counterexample else None


# --------------------------------------------------------------------------------------------
# The language


@pytest.mark.parametrize("name", list(LINEAR_INDICES))
def test_every_index_prints_and_parses_back(name: str) -> None:
    order = ORDER[name]
    text = f"{head(name, order)}(a, `my var`) >= -0.5"
    claim = parse_claim(text)
    c = claim.conclusion
    assert isinstance(c, InteractionBound) and c.index == name and c.order == order
    assert str(claim) == text and parse_claim(str(claim)) == claim
    assert c.names == ("a", "my var") and c.value == Fraction(-1, 2)


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("interaction[kSII, order = 3](a) < 1/3", "interaction[k-SII, order=3](a) < 1/3"),
        ("interaction['Shapley-Taylor', order=02](a, b) ≥ 0", "interaction[STII, order=2](a, b) >= 0"),
        ("interaction[faith shap, order=1](x) <= 2", "interaction[FSII, order=1](x) <= 2"),
        ("interaction[Co-Moebius](a, b) > 0.1", "interaction[Co-Möbius](a, b) > 0.1"),
        ("interaction[Möbius](a, b) > 0.1", "interaction(a, b) > 0.1"),  # the default index, printed plain
        ("interaction[sii](a) > 0", "interaction[SII](a) > 0"),
    ],
)
def test_aliases_read_as_the_canonical_index(text: str, canonical: str) -> None:
    assert str(parse_claim(text)) == canonical
    assert parse_claim(canonical) == parse_claim(text)


def test_the_default_index_is_the_and_interaction_as_before() -> None:
    plain, named = parse_claim("interaction(a, b) >= 1"), parse_claim("interaction[AND](a, b) >= 1")
    assert plain == named and plain.conclusion == InteractionBound(("a", "b"), ">=", Fraction(1))
    assert plain.conclusion.index == "AND" and plain.conclusion.order is None


@pytest.mark.parametrize(
    "text, position, phrase",
    [
        ("interaction[k-SII](a) > 0", 12, "k-SII depends on its order k"),
        ("interaction[SII, order=2](a) > 0", 17, "SII does not depend on an order"),
        ("interaction[Shapley](a) > 0", 12, "interaction[SII](a)"),
        ("interaction[entropy](a) > 0", 12, "unknown interaction index 'entropy'"),
        ("interaction[kSIII, order=2](a) > 0", 12, "did you mean 'k-SII'"),
        ("interaction[k-SII, order=0](a) > 0", 25, "k ≥ 1"),
        ("interaction[k-SII, order=1234567](a) > 0", 25, "at most 6 digits"),
        ("interaction[k-SII, k=2](a) > 0", 19, "'order=k'"),
        ("interaction[k-SII, order 2](a) > 0", 25, "'=' in order=k"),
        ("interaction[](a) > 0", 12, "an index name"),
        ("interaction[SII(a) > 0", 15, "']'"),
        ("a -> interaction[SII](a) > 0", 5, "takes no condition"),
        ("interaction[SII](a) = 0", 20, "unexpected character '='"),
    ],
)
def test_index_syntax_errors_point_at_the_offending_character(text: str, position: int, phrase: str) -> None:
    with pytest.raises(ClaimSyntaxError) as info:
        parse_claim(text)
    assert info.value.position == position, str(info.value)
    assert phrase in str(info.value)


# --------------------------------------------------------------------------------------------
# On a record: exact


@pytest.mark.parametrize("name", list(LINEAR_INDICES))
def test_the_exact_record_value_is_the_registry_value(name: str) -> None:
    rng = np.random.default_rng(3)
    rec = Record.from_table(rng.normal(size=64) * 3, list("abcdef"))
    order = ORDER[name]
    for names in (("a",), ("b", "e"), ("a", "c", "f"), ("a", "b", "c", "d")):
        smask = sum(1 << "abcdef".index(x) for x in names)
        res = check(f"{head(name, order)}({', '.join(names)}) > 1e6", rec)  # fails: shows the exact value
        assert res.status == "fails" and res.counterexample["mask"] == smask
        assert set(res.counterexample) == {"mask", "present", "absent", "interaction", "interaction_exact", "threshold"}
        exact, approx = exact_of(res), registry_value(rec.values, name, order, smask)
        assert abs(float(exact) - approx) <= 1e-13 * (1 + np.abs(rec.values).sum()), (names, exact, approx)
        assert res.values["interaction"] == float(exact)


@pytest.mark.parametrize("name", [x for x in LINEAR_INDICES if x != "AND"])
def test_a_claim_false_by_one_ulp_is_refused(name: str) -> None:
    rng = np.random.default_rng(4)
    rec = Record.from_table(rng.normal(size=32), list("abcde"))
    order = ORDER[name]
    text = head(name, order) + "(a, c) {} {}"
    exact = exact_of(check(text.format(">", "1e9"), rec))
    assert exact != 0
    above = float(np.nextafter(float(exact), np.inf))  # exact ≤ float(exact) + ½ ulp < above
    below = float(np.nextafter(float(exact), -np.inf))
    assert check(text.format(">=", repr(below)), rec).holds
    assert not check(text.format(">=", repr(above)), rec).holds
    assert not check(text.format("<=", repr(below)), rec).holds
    assert check(text.format("<=", repr(above)), rec).holds
    # the exact value itself as a ratio: >= holds, > fails by 2^-200 of room on either side
    ratio = f"{exact.numerator}/{exact.denominator}"
    assert check(text.format(">=", ratio), rec).holds and not check(text.format(">", ratio), rec).holds
    nudged = exact + Fraction(1, 2**200)
    assert not check(text.format(">=", f"{nudged.numerator}/{nudged.denominator}"), rec).holds
    # the float the registry computes decides nothing: the comparison is with the exact value
    approx = registry_value(rec.values, name, order, 0b101)
    assert check(text.format(">=", repr(approx)), rec).holds == (exact >= Fraction(approx))


def test_a_set_above_the_order_has_value_zero_and_no_margin() -> None:
    rec = Record.from_table(np.random.default_rng(5).normal(size=16), list("abcd"))
    res = check("interaction[k-SII, order=2](a, b, c) >= 0", rec)
    assert res.holds and res.values["interaction"] == 0.0
    assert abs_weight_sum("k-SII", 3, 4, 2) == 0


# --------------------------------------------------------------------------------------------
# Margins: ε·Σ_T |w_S(T)|


def unit_weights(name: str, order: int | None, n: int, smask: int) -> np.ndarray:
    """w_S(T) for every T: the index at S of the table that is 1 at T and 0 elsewhere (brute force)."""
    return interactions(np.eye(1 << n), name, order=order).values[:, smask]


@pytest.mark.parametrize("name", list(LINEAR_INDICES))
def test_the_margin_is_epsilon_times_the_weights_absolute_sum(name: str) -> None:
    n, order, eps = 5, ORDER[name], Fraction(1, 64)
    for names in (("a",), ("a", "b"), ("b", "c", "e")):
        smask = sum(1 << "abcde".index(x) for x in names)
        w = unit_weights(name, order, n, smask)
        total = abs_weight_sum(name, len(names), n, order)
        assert float(total) == pytest.approx(np.abs(w).sum(), abs=1e-12), (name, names)
        bound = parse_claim(f"{head(name, order)}({', '.join(names)}) >= 1").conclusion.bind(n)
        assert bound.with_margin(eps).value == 1 + eps * total
        assert bound.with_margin(-eps).value == 1 - eps * total
        # tight: a perturbation of ε·sign(w) moves the index by ε·Σ|w| exactly
        v = np.random.default_rng(6).normal(size=1 << n)
        moved = registry_value(v + float(eps) * np.sign(w), name, order, smask) - registry_value(v, name, order, smask)
        assert moved == pytest.approx(float(eps * total), abs=1e-12)
    if name in ("AND", "SII", "BII", "STII", "Co-Möbius"):  # averages of derivatives Δ_S: 2^{|S|}, as for AND
        assert all(abs_weight_sum(name, s, 6, 2) == 2**s for s in range(1, 3))


def test_an_index_margin_needs_the_number_of_variables() -> None:
    c = parse_claim("interaction[FSII, order=2](a, b) >= 0").conclusion
    with pytest.raises(InputError, match="number of variables"):
        c.with_margin(Fraction(1, 10))
    assert c.bind(4).with_margin(Fraction(0)).value == 0
    plain = parse_claim("interaction(a, b) >= 0").conclusion
    assert plain.bind(4) is plain and plain.with_margin(Fraction(1, 8)).value == Fraction(1, 2)  # unchanged: 2^2·ε


# --------------------------------------------------------------------------------------------
# On a model, and through a model to the network


def test_model_route_agrees_with_the_registry_on_the_models_table(lm4: LogicModel) -> None:
    for name in LINEAR_INDICES:
        order = ORDER[name]
        for names in (("a", "b"), ("c",), ("b", "c", "d")):
            smask = sum(1 << "abcd".index(x) for x in names)
            res = check(f"{head(name, order)}({', '.join(names)}) > 1e6", lm4)
            assert res.status == "fails" and [e.name for e in res.engines] == (
                ["mobius-formula", "enumeration"] if name == "AND" else ["weights-of-terms", "enumeration"])
            want = "model: exact Möbius of the terms" if name == "AND" else "model: exact weights of the terms"
            assert res.route == want
            approx = registry_value(lm4.table(), name, order, smask)
            assert float(exact_of(res)) == pytest.approx(approx, abs=1e-12), (name, names)


def test_the_network_route_moves_the_threshold_by_the_index_margin(lm4: LogicModel) -> None:
    rec, eps = _noisy(lm4, 0.01, seed=2)
    name, order, smask = "k-SII", 2, 0b0011
    total = abs_weight_sum(name, 2, 4, order)
    f_value = Fraction(float(registry_value(lm4.table(), name, order, smask)))
    exact_f = exact_of(check("interaction[k-SII, order=2](a, b) > 1e6", lm4))
    assert abs(exact_f - f_value) < Fraction(1, 10**12)
    room = eps * total
    holds = f"interaction[k-SII, order=2](a, b) >= {float(exact_f - room - Fraction(1, 1000))!r}"
    res = check(holds, lm4, epsilon=float(eps))
    assert res.holds and res.route.endswith("network claim")
    assert check(holds, rec).holds  # the record agrees
    tight = f"interaction[k-SII, order=2](a, b) >= {float(exact_f - room / 2)!r}"
    assert check(tight, lm4, epsilon=float(eps)).status == "undecided"
    decided = check(tight, lm4, epsilon=float(eps), record=rec)
    assert decided.route == "record: exhaustive, exact" and decided.holds == check(tight, rec).holds
    refuted = f"interaction[k-SII, order=2](a, b) >= {float(exact_f + room + Fraction(1, 1000))!r}"
    res = check(refuted, lm4, epsilon=float(eps))
    assert res.status == "fails" and not check(refuted, rec).holds


_INDEX_NAMES = st.sampled_from(list(LINEAR_INDICES))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_property_index_claims_through_epsilon_are_sound(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 4))
    names = ["a", "b", "c", "d"][:n]
    lm = data.draw(_models(n))
    rec, eps = _noisy(lm, data.draw(st.sampled_from([0.0, 0.01, 0.1])), seed=data.draw(st.integers(0, 5)))
    name = data.draw(_INDEX_NAMES)
    order = data.draw(st.integers(1, n)) if LINEAR_INDICES[name].uses_order else None
    picked = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=n, unique=True))
    op = data.draw(st.sampled_from([">=", "<=", ">", "<"]))
    threshold = data.draw(st.sampled_from(["0", "0.1", "-0.3", "1", "0.5", "-1.25"]))
    text = f"{head(name, order)}({', '.join(picked)}) {op} {threshold}"
    truth = check(text, rec)  # the exact answer on the network's recorded outputs
    res = check(text, lm, epsilon=float(eps))
    assert res.status in ("holds", "fails", "undecided")
    if res.holds:
        assert truth.holds, (text, res.explanation)
    if res.status == "fails":
        assert not truth.holds, (text, res.explanation)
