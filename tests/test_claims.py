"""Tests of the claim language and checker (symlogic.claims), against brute-force Python references."""

from __future__ import annotations

import json
import random
import time
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symlogic.claims import (
    Absent,
    And,
    Claim,
    InteractionBound,
    MaxOrder,
    NoEffect,
    Not,
    Or,
    OutputBound,
    Present,
    TrueCond,
    UnknownNameError,
    check,
    parse_claim,
)
from symlogic.claims.z3model import OptimumResult, Z3Model
from symlogic.errors import ClaimSyntaxError, InputError
from symlogic.logic import LogicModel
from symlogic.verify import verify
from symlogic.record import Record

# ---- brute-force reference ---------------------------------------------------------------------


def _cond(c, mask: int, index: dict[str, int]) -> bool:
    if isinstance(c, TrueCond):
        return True
    if isinstance(c, Present):
        return bool(mask >> index[c.name] & 1)
    if isinstance(c, Absent):
        return not mask >> index[c.name] & 1
    if isinstance(c, Not):
        return not _cond(c.arg, mask, index)
    if isinstance(c, And):
        return all(_cond(a, mask, index) for a in c.args)
    return any(_cond(a, mask, index) for a in c.args)


def _cmp(x: Fraction, op: str, c: Fraction) -> bool:
    return {">=": x >= c, "<=": x <= c, ">": x > c, "<": x < c}[op]


def _key(mask: int) -> tuple[int, int]:
    return (bin(mask).count("1"), mask)


def _mobius(value, s: int) -> Fraction:
    total = Fraction(0)
    t = s
    while True:
        total += (-1) ** (bin(s).count("1") - bin(t).count("1")) * value(t)
        if t == 0:
            return total
        t = (t - 1) & s


def brute(claim: Claim, value, names, model: LogicModel | None = None) -> tuple[bool, int | None]:
    """(holds, minimal counterexample mask) by plain loops over all masks, with Fractions."""
    n = len(names)
    index = {x: i for i, x in enumerate(names)}
    c = claim.conclusion
    if isinstance(c, OutputBound):
        bad = [m for m in range(1 << n) if _cond(claim.condition, m, index) and not _cmp(value(m), c.op, c.value)]
    elif isinstance(c, NoEffect):
        i = index[c.name]
        bad = [
            m for m in range(1 << n)
            if not m >> i & 1 and _cond(claim.condition, m, index) and abs(value(m | 1 << i) - value(m)) > c.tol
        ]
    elif isinstance(c, InteractionBound):
        s = sum(1 << index[x] for x in c.names)
        return _cmp(_mobius(value, s), c.op, c.value), (None if _cmp(_mobius(value, s), c.op, c.value) else s)
    else:
        assert isinstance(c, MaxOrder)
        if model is not None:
            bad = [t.mask for t in model.concepts if t.order > c.k]
        else:
            inter = {s: _mobius(value, s) for s in range(1, 1 << n)}
            top = max((abs(v) for v in inter.values()), default=Fraction(0))
            bad = [s for s, v in inter.items() if v != 0 and abs(v) >= top / 20 and bin(s).count("1") > c.k]
    return (not bad), (min(bad, key=_key) if bad else None)


def rec_value(rec: Record):
    return lambda m: Fraction(float(rec.values[m]))


# ---- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def rec5() -> Record:
    rng = np.random.default_rng(7)
    return Record.from_table(np.round(rng.normal(size=32), 2), ["a", "b", "c", "my var", "e"])


@pytest.fixture
def lm4() -> LogicModel:
    return LogicModel.from_terms(
        ["a", "b", "c", "d"], 0.5, [("and", ["a", "b"], 1.5), ("or", ["b", "c"], -0.25), ("and", ["c", "d"], -2.0), ("or", ["d"], 0.75)]
    )


# ---- grammar -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, condition",
    [
        ("present(a) -> output >= 1", Present("a")),
        ("absent(a) -> output >= 1", Absent("a")),
        ("a -> output >= 1", Present("a")),
        ("not a -> output >= 1", Not(Present("a"))),
        ("!a -> output >= 1", Not(Present("a"))),
        ("~a -> output >= 1", Not(Present("a"))),
        ("¬a -> output >= 1", Not(Present("a"))),
        ("a & b -> output >= 1", And((Present("a"), Present("b")))),
        ("a && b and c ∧ d -> output >= 1", And((Present("a"), Present("b"), Present("c"), Present("d")))),
        ("a | b || c or d ∨ e -> output >= 1", Or(tuple(Present(x) for x in "abcde"))),
        ("a | b & c -> output >= 1", Or((Present("a"), And((Present("b"), Present("c")))))),
        ("(a | b) & c -> output >= 1", And((Or((Present("a"), Present("b"))), Present("c")))),
        ("not (a | b) -> output >= 1", Not(Or((Present("a"), Present("b"))))),
        ("not not a -> output >= 1", Not(Not(Present("a")))),
        ('present("my var") -> output >= 1', Present("my var")),
        ("present(`my var`) -> output >= 1", Present("my var")),
        ("present('odd-name!') -> output >= 1", Present("odd-name!")),
        ('"and" => output >= 1', Present("and")),
        ("true → output >= 1", TrueCond()),
        ("output >= 1", TrueCond()),
    ],
)
def test_conditions_parse(text: str, condition) -> None:
    claim = parse_claim(text)
    assert claim.condition == condition
    assert claim.conclusion == OutputBound(">=", Fraction(1))
    assert parse_claim(str(claim)) == claim  # the canonical form reads back the same


@pytest.mark.parametrize(
    "text, conclusion",
    [
        ("output >= 0.1", OutputBound(">=", Fraction(1, 10))),
        ("output <= -1.5e-3", OutputBound("<=", Fraction(-15, 10000))),
        ("output > +2", OutputBound(">", Fraction(2))),
        ("output < .5", OutputBound("<", Fraction(1, 2))),
        ("output ≥ 1.", OutputBound(">=", Fraction(1))),
        ("output ≤ 2E2", OutputBound("<=", Fraction(200))),
        ("no_effect(a, 0.25)", NoEffect("a", Fraction(1, 4))),
        ("no_effect(`my var`, 0)", NoEffect("my var", Fraction(0))),
        ("max_order(2)", MaxOrder(2)),
        ("interaction(a, b) >= -0.5", InteractionBound(("a", "b"), ">=", Fraction(-1, 2))),
        ("interaction(a) < 3", InteractionBound(("a",), "<", Fraction(3))),
        ("output >= -1/3", OutputBound(">=", Fraction(-1, 3))),
    ],
)
def test_conclusions_parse(text: str, conclusion) -> None:
    claim = parse_claim(text)
    assert claim.conclusion == conclusion
    assert parse_claim(str(claim)) == claim


def test_numbers_are_exact_decimals() -> None:
    c = parse_claim("output >= 0.30000000000000004").conclusion
    assert c.value == Fraction(30000000000000004, 10**17)
    assert c.value != Fraction(0.1 + 0.2)
    assert parse_claim("a -> no_effect(b, 0.1)").conclusion.tol == Fraction(1, 10)


@pytest.mark.parametrize(
    "text, position, phrase",
    [
        ("", 0, "expected a claim"),
        ("present(a -> output >= 1", 10, "expected ')'"),
        ("output = 1", 7, "unexpected character '='"),
        ("present(a) output >= 1", 11, "'->'"),
        ("output >= ", 10, "expected a number"),
        ("output 1", 7, "expected a comparison"),
        ("max_order(1.5)", 10, "whole number"),
        ("a -> max_order(2)", 5, "takes no condition"),
        ("a -> interaction(a, b) > 0", 5, "takes no condition"),
        ("no_effect(a, -1)", 13, "must be ≥ 0"),
        ("no_effect(a)", 11, "expected ','"),
        ("interaction(a, a) > 0", 15, "appears twice"),
        ('present("a) -> output > 0', 8, "unclosed"),
        ("presnt(a) -> output > 0", 0, "unknown function 'presnt'"),
        ("a & -> output > 0", 4, "expected a condition"),
        ("output >= 1 junk", 12, "expected the end of the claim"),
        ("output -> output > 1", 7, "expected a comparison"),
        ("(a | b -> output > 1", 7, "')' to close"),
        ("present() -> output > 1", 8, "expected a variable name"),
        ("output > 1 & a", 11, "expected the end"),
        ("and -> output > 1", 0, "expected a condition"),
        ("a -> output >= 1e", 16, "expected the end"),
        ("output >= 1/", 12, "after '/'"),
        ("output >= 1/0", 12, "division by zero"),
    ],
)
def test_parse_errors_point_at_the_offending_character(text: str, position: int, phrase: str) -> None:
    with pytest.raises(ClaimSyntaxError) as info:
        parse_claim(text)
    assert info.value.position == position, str(info.value)
    assert phrase in str(info.value)
    assert "^" in str(info.value)


def test_unknown_names_list_the_valid_ones(rec5: Record, lm4: LogicModel) -> None:
    for target in (rec5, lm4):
        with pytest.raises(UnknownNameError) as info:
            check("present(a) & present(zz) -> output >= 0", target)
        assert isinstance(info.value, InputError) and isinstance(info.value, ClaimSyntaxError)
        assert info.value.position == 21  # the "zz"
        assert "'zz'" in str(info.value) and "'a'" in str(info.value) and "'b'" in str(info.value)
    with pytest.raises(UnknownNameError):
        check("interaction(a, q) > 0", rec5)
    with pytest.raises(UnknownNameError):
        check("no_effect(q, 1)", lm4)


def test_no_effect_condition_must_not_mention_its_variable(rec5: Record) -> None:
    with pytest.raises(ClaimSyntaxError, match="mentions 'a' itself"):
        check("present(a) -> no_effect(a, 1)", rec5)


# ---- records -----------------------------------------------------------------------------------

RECORD_CLAIMS = [
    "output >= -10",
    "output >= 0",
    "output <= 0.5",
    "present(a) & present(b) -> output > -1",
    "absent(a) | present(`my var`) -> output < 1",
    "not (a & c) -> output >= -2",
    "no_effect(b, 5)",
    "no_effect(b, 0.5)",
    "present(c) & absent(e) -> no_effect(a, 1)",
    "interaction(a, b) >= 0",
    "interaction(a, b, c) < 0.25",
    "interaction(e) > -1",
    "max_order(5)",
    "max_order(2)",
    "max_order(0)",
]


@pytest.mark.parametrize("text", RECORD_CLAIMS)
def test_record_claims_match_brute_force(rec5: Record, text: str) -> None:
    res = check(text, rec5)
    holds, cex = brute(parse_claim(text), rec_value(rec5), rec5.names)
    assert res.holds == holds and res.status == ("holds" if holds else "fails")
    assert res.route == "record: exhaustive, exact"
    if holds:
        assert res.counterexample is None
    else:
        assert res.counterexample["mask"] == cex
        assert res.counterexample["present"] == list(rec5.present(cex))
        assert set(res.counterexample["present"]) | set(res.counterexample["absent"]) == set(rec5.names)
    json.dumps(res.to_dict())


def test_record_true_and_false_with_values(rec5: Record) -> None:
    lo = float(rec5.values.min())
    assert not check(f"output >= {lo!r}", rec5).holds  # the float -2.52 lies below the decimal -2.52
    res = check(f"output >= {Decimal(lo)}", rec5)  # the float's exact decimal expansion
    assert res.holds and res.values["min_output"] == lo and "min output over all 2^5 masks" in res.explanation
    res = check(f"output > {Decimal(lo)}", rec5)
    assert not res.holds
    worst = int(np.flatnonzero(rec5.values == lo)[0])
    assert res.counterexample["output"] == lo and res.counterexample["mask"] == min(np.flatnonzero(rec5.values == lo), key=_key)
    assert res.values["output"] == lo and worst >= 0


def test_no_effect_counterexample_has_both_sides(rec5: Record) -> None:
    res = check("no_effect(b, 0.5)", rec5)
    cex = res.counterexample
    assert not res.holds and cex["mask_with"] == cex["mask"] | 2
    assert cex["output"] == rec5.values[cex["mask"]] and cex["output_with"] == rec5.values[cex["mask_with"]]
    assert Fraction(cex["difference_exact"]) == Fraction(cex["output_with"]) - Fraction(cex["output"])


def test_vacuous_condition(rec5: Record) -> None:
    res = check("a & not a -> output >= 1000", rec5)
    assert res.holds and "vacuous" in res.explanation


def test_exact_threshold_where_float_comparison_disagrees() -> None:
    v = 0.1 + 0.2  # 0.3000000000000000444…, the float nearest 0.30000000000000004
    rec = Record.from_table([0.0, v], ["a"])
    # float64: v > float("0.30000000000000004") is False; exactly, v > 30000000000000004/10^17.
    assert not v > float("0.30000000000000004")
    assert check("a -> output > 0.30000000000000004", rec).holds
    assert not check("a -> output <= 0.30000000000000004", rec).holds
    rec3 = Record.from_table([0.0, 0.3], ["a"])  # the float 0.3 is 0.29999999999999998889…
    assert not 0.3 < 0.3
    res = check("a -> output < 0.3", rec3)
    assert res.holds and "exactly 3/10" in res.explanation
    assert not check("a -> output >= 0.3", rec3).holds
    assert check("no_effect(a, 0.3)", rec3).holds and not check("no_effect(a, 0.29999999999999998)", rec3).holds
    assert float("0.29999999999999998") == 0.3  # float64 would call the last one true


def test_interaction_is_exact_on_a_dense_table() -> None:
    # docs/theory.md §6: u(S) = (−1)^{|S|+1} for S ≠ ∅ gives I(S) = (−1)^{|S|+1}(2^{|S|} − 1).
    n = 4
    u = [0.0] + [(-1.0) ** (bin(m).count("1") + 1) for m in range(1, 1 << n)]
    rec = Record.from_table(u)
    assert check("interaction(x0, x1, x2) >= 7", rec).holds
    res = check("interaction(x0, x1, x2) > 7", rec)
    assert not res.holds and res.counterexample["interaction_exact"] == "7/1" and res.counterexample["mask"] == 7
    assert check("interaction(x0, x1, x2, x3) <= -15", rec).holds


def test_max_order_on_the_ground_truth_table() -> None:
    x = [np.array([(m >> i) & 1 for m in range(64)], dtype=float) for i in range(6)]
    rec = Record.from_table(x[0] * x[2] + x[2] * x[3] * x[4] + x[3] * x[5])
    assert check("max_order(3)", rec).holds
    res = check("max_order(2)", rec)
    assert not res.holds and res.counterexample["present"] == ["x2", "x3", "x4"]
    assert res.values["max_salient_order"] == 3


# ---- models ------------------------------------------------------------------------------------

MODEL_CLAIMS = [
    "output >= -2",
    "output >= 0",
    "output <= 2",
    "present(a) & present(b) -> output >= 1.5",
    "present(c) & present(d) -> output < 0",
    "absent(b) | d -> output > -1.25",
    "no_effect(a, 1.5)",
    "no_effect(a, 1)",
    "no_effect(d, 0.75)",
    "absent(c) -> no_effect(d, 0.75)",
    "interaction(b, c) >= 0.25",
    "interaction(a, b) > 1.5",
    "interaction(a, b, c) <= 0",
    "max_order(2)",
    "max_order(1)",
]


@pytest.mark.parametrize("text", MODEL_CLAIMS)
def test_model_claims_match_brute_force(lm4: LogicModel, text: str) -> None:
    res = check(text, lm4)
    holds, cex = brute(parse_claim(text), lm4.evaluate_exact, lm4.names, model=lm4)
    assert res.holds == holds, res.explanation
    assert res.route.startswith("model: ")
    if "output" in text or "no_effect" in text:
        assert res.route == "model: z3 + enumeration"
        assert [e.name for e in res.engines] == ["z3", "enumeration"]
        assert all(e.outcome == res.status for e in res.engines)
    if not holds:
        assert res.counterexample["mask"] == cex


def test_each_model_engine_alone_is_exact() -> None:
    # f = 0.1 + 0.2 on {a}: exactly 0.3000000000000000166…, below the literal 0.30000000000000004,
    # but float64 evaluation gives 0.1 + 0.2 == float("0.30000000000000004").
    lm = LogicModel.from_terms(["a", "b"], 0.1, [("and", ["a"], 0.2)])
    for engines in (("z3",), ("enumerate",)):
        assert check("a -> output < 0.30000000000000004", lm, engines=engines).holds
        res = check("a -> output > 0.3", lm, engines=engines)
        assert res.holds, res.explanation
        res = check("output <= 0.3", lm, engines=engines)
        assert not res.holds and res.counterexample["mask"] == 1
        assert Fraction(res.counterexample["output_exact"]) == Fraction(0.1) + Fraction(0.2)


def test_model_timeout_is_unknown_never_holds(lm4: LogicModel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Z3Model, "optimize", lambda self, *a, **k: OptimumResult("unknown", reason="timeout"))
    res = check("output >= -100", lm4)
    assert not res.holds and res.status == "unknown" and "unknown" in res.explanation
    assert {e.name: e.outcome for e in res.engines} == {"z3": "unknown", "enumeration": "holds"}


def _random_model(rng: random.Random, names: list[str], terms: int) -> LogicModel:
    return LogicModel.from_terms(
        names, 0.5, [(rng.choice(["and", "or"]), rng.sample(names, rng.randint(1, 4)), rng.randint(-2000, 2000) / 1024) for _ in range(terms)]
    )


def test_z3_on_64_variables_is_fast_and_agrees_with_enumeration() -> None:
    rng = random.Random(3)
    names = [f"v{i}" for i in range(64)]
    wide = _random_model(rng, names, 50)
    start = time.perf_counter()
    for text in ["output >= -100", "output >= 0", "present(v3) & absent(v7) -> output <= 1", "no_effect(v5, 0.25)", "not v1 | v2 -> output > -3"]:
        res = check(text, wide)
        assert res.route == "model: z3" and res.status in ("holds", "fails"), res.explanation
        if not res.holds:
            mask = res.counterexample["mask"]
            assert Fraction(res.counterexample["output_exact"]) == wide.evaluate_exact(mask)
    assert time.perf_counter() - start < 20
    # 50 terms on 16 of the 64 variables (v63 among them): both engines run and must agree.
    narrow = _random_model(rng, names[48:], 50)
    narrow = LogicModel.from_terms(names, narrow.bias, [(t.kind, [names[48 + i] for i in range(16) if t.mask >> i & 1], t.coefficient) for t in narrow.concepts])
    for text in ["output >= 0", "v63 & not v50 -> output <= 1", "no_effect(v60, 0.5)", "output > -20"]:
        res = check(text, narrow)
        assert res.route == "model: z3 + enumeration" and res.status in ("holds", "fails"), res.explanation
        if not res.holds:
            mask = res.counterexample["mask"]
            assert mask >> 48 << 48 == mask


# ---- the ε route ---------------------------------------------------------------------------------


def _noisy(lm: LogicModel, delta: float, seed: int = 0) -> tuple[Record, Fraction]:
    rng = np.random.default_rng(seed)
    values = lm.table() + rng.uniform(-delta, delta, size=1 << lm.n)
    exact = max(abs(Fraction(float(values[m])) - lm.evaluate_exact(m)) for m in range(1 << lm.n))
    eps = float(exact)
    if Fraction(eps) < exact:  # a bound must round up
        eps = float(np.nextafter(eps, np.inf))
    return Record.from_table(values, lm.names), Fraction(eps)


def test_epsilon_route_carries_claims_to_the_network(lm4: LogicModel) -> None:
    rec, eps = _noisy(lm4, 0.01)
    verdict = verify(lm4, rec, float(eps))  # a real verdict: bound to lm4 and rec (see test_soundness_review)
    assert verdict.holds
    res = check("present(a) & present(b) & absent(c) -> output >= 1.7", lm4, epsilon=verdict)
    assert res.holds and res.route.startswith("model + proven ε = ") and res.route.endswith("network claim")
    assert check("present(a) & present(b) & absent(c) -> output >= 1.7", rec).holds
    # min f there is 1.75: with threshold 1.745 the margin ε (≈ 0.01) is too small: undecided, not false.
    res = check("present(a) & present(b) & absent(c) -> output >= 1.745", lm4, epsilon=verdict)
    assert not res.holds and res.status == "undecided" and "undecided (not false)" in res.explanation
    res = check("present(a) & present(b) & absent(c) -> output >= 1.745", lm4, epsilon=verdict, record=rec)
    truth, _ = brute(parse_claim("present(a) & present(b) & absent(c) -> output >= 1.745"), rec_value(rec), rec.names)
    assert res.holds == truth and res.route == "record: exhaustive, exact" and res.status != "undecided"
    # no_effect tolerance shrinks by 2ε; interaction thresholds move by 2^{|S|}ε.
    assert check("no_effect(a, 1.6)", lm4, epsilon=float(eps)).holds
    assert check("no_effect(a, 1.5)", lm4, epsilon=float(eps)).status == "undecided"
    assert check("interaction(a, b) >= 1.4", lm4, epsilon=float(eps)).holds
    assert check("interaction(a, b) >= 1.49", lm4, epsilon=float(eps)).status == "undecided"
    # With record= and no ε: ε comes from symlogic.verify when present; either way the answer is the truth.
    for text in ("output >= 0", "present(a) & present(b) & absent(c) -> output >= 1.7", "no_effect(c, 0.3)"):
        res = check(text, lm4, record=rec)
        assert res.holds == brute(parse_claim(text), rec_value(rec), rec.names)[0] and res.status in ("holds", "fails")
    assert "ignored" in check("output >= -100", rec, epsilon=0.1).explanation
    with pytest.raises(InputError, match="does not hold"):
        check("output >= 0", lm4, epsilon=verify(lm4, rec, 0.001))
    with pytest.raises(InputError, match="symlogic Verdict"):  # duck-typed verdicts are bound to nothing
        check("output >= 0", lm4, epsilon=SimpleNamespace(holds=True, epsilon=0.001))


# ---- properties ----------------------------------------------------------------------------------

_NAMES = ["a", "b", "c", "d"]
_VALUES = st.sampled_from([0.0, 0.1, 0.2, 0.3, 0.1 + 0.2, -0.5, 1.0, 0.75, -1.25, 2.0 / 3.0])
_THRESHOLDS = st.sampled_from(["0", "0.1", "0.2", "0.3", "0.30000000000000004", "-0.5", "1", "0.75", "-1.25", "0.6666666666666666", "0.5", "2.5e-1"])


def _conditions(n: int) -> st.SearchStrategy:
    leaf = st.one_of(
        st.sampled_from(_NAMES[:n]).map(Present), st.sampled_from(_NAMES[:n]).map(Absent), st.just(TrueCond())
    )
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            inner.map(Not),
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
        ),
        max_leaves=4,
    )


@st.composite
def _claims(draw: st.DrawFn, n: int, max_order: bool = True) -> Claim:
    kind = draw(st.sampled_from(["output", "no_effect", "interaction"] + (["max_order"] if max_order else [])))
    text = draw(_THRESHOLDS)
    op = draw(st.sampled_from([">=", "<=", ">", "<"]))
    if kind == "output":
        return Claim(draw(_conditions(n)), OutputBound(op, Fraction(text), text))
    if kind == "no_effect":
        name = draw(st.sampled_from(_NAMES[:n]))
        cond = draw(_conditions(n).filter(lambda c: name not in str(c)))
        tol = abs(Fraction(text))
        return Claim(cond, NoEffect(name, tol))
    if kind == "interaction":
        names = draw(st.lists(st.sampled_from(_NAMES[:n]), min_size=1, max_size=n, unique=True))
        return Claim(TrueCond(), InteractionBound(tuple(names), op, Fraction(text), text))
    return Claim(TrueCond(), MaxOrder(draw(st.integers(0, n))))


_FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FAST
@given(st.data())
def test_property_record_agrees_with_brute_force(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 4))
    rec = Record.from_table(data.draw(st.lists(_VALUES, min_size=1 << n, max_size=1 << n)), _NAMES[:n])
    claim = data.draw(_claims(n))
    assert parse_claim(str(claim)) == claim
    res = check(str(claim), rec)
    holds, cex = brute(claim, rec_value(rec), rec.names)
    assert res.holds == holds, res.explanation
    assert (res.counterexample or {}).get("mask") == cex


_COEFS = st.sampled_from([0.1, 0.2, -0.3, 0.5, -1.0, 0.25, 2.0 / 3.0, 1.5])


@st.composite
def _models(draw: st.DrawFn, n: int) -> LogicModel:
    terms = draw(
        st.lists(
            st.tuples(st.sampled_from(["and", "or"]), st.lists(st.sampled_from(_NAMES[:n]), min_size=1, max_size=n, unique=True), _COEFS),
            max_size=4,
            unique_by=lambda t: (t[0], frozenset(t[1])),
        )
    )
    return LogicModel.from_terms(_NAMES[:n], draw(_COEFS), terms)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_property_model_agrees_with_brute_force(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 4))
    lm = data.draw(_models(n))
    claim = data.draw(_claims(n))
    holds, cex = brute(claim, lm.evaluate_exact, lm.names, model=lm)
    for engines in ("auto", ("z3",)):
        res = check(claim, lm, engines=engines)
        assert res.holds == holds, (engines, res.explanation)
        assert (res.counterexample or {}).get("mask") == cex


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_property_epsilon_route_is_sound(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 3))
    lm = data.draw(_models(n))
    rec, eps = _noisy(lm, data.draw(st.sampled_from([0.0, 0.01, 0.1])), seed=data.draw(st.integers(0, 5)))
    claim = data.draw(_claims(n, max_order=False))
    res = check(claim, lm, epsilon=verify(lm, rec, float(eps)))
    truth, _ = brute(claim, rec_value(rec), rec.names)
    assert res.status in ("holds", "fails", "undecided", "unknown")
    if res.holds:
        assert truth, res.explanation
    if res.status == "fails":  # refuted through the model: the network really breaks the claim there
        assert not truth, res.explanation


def test_epsilon_route_refutes_when_the_model_breaks_the_claim_by_more_than_epsilon(lm4: LogicModel) -> None:
    rec, eps = _noisy(lm4, 0.01)
    verdict = verify(lm4, rec, float(eps))  # a real verdict: bound to lm4 and rec (see test_soundness_review)
    assert verdict.holds
    # min f under the condition is 1.75, so f < 1.9 − ε there: the network's output is below 1.9.
    res = check("present(a) & present(b) & absent(c) -> output >= 1.9", lm4, epsilon=verdict)
    assert res.status == "fails" and res.route.endswith("network claim") and "margin" in res.explanation
    mask = res.counterexample["mask"]
    assert rec.values[mask] < 1.9 and (mask & 0b11) == 0b11 and not mask & 0b100
    assert not check("present(a) & present(b) & absent(c) -> output >= 1.9", rec).holds


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), max_size=40), st.randoms())
def test_exact_signed_sum(xs: list[float], rnd: random.Random) -> None:
    from symlogic.claims import exact_signed_sum

    signs = [rnd.choice([-1, 1]) for _ in xs]
    expected = sum((s * Fraction(x) for s, x in zip(signs, xs)), Fraction(0))
    assert exact_signed_sum(np.array(xs, dtype=np.float64), np.array(signs, dtype=np.int64)) == expected
