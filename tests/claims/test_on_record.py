"""Claims on a record (symlogic.claims.on_record): exhaustive and exact, against the brute-force reference."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claims_reference import _FAST, _NAMES, _VALUES, _claims, _key, brute, rec_value
from symlogic.claims import check, parse_claim
from symlogic.record import Record


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


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), max_size=40), st.randoms())
def test_exact_signed_sum(xs: list[float], rnd: random.Random) -> None:
    from symlogic.claims import exact_signed_sum

    signs = [rnd.choice([-1, 1]) for _ in xs]
    expected = sum((s * Fraction(x) for s, x in zip(signs, xs)), Fraction(0))
    assert exact_signed_sum(np.array(xs, dtype=np.float64), np.array(signs, dtype=np.int64)) == expected
