"""Soundness regressions of verify and of the ε route of check: each test failed before its fix.

- an exact ε (Fraction, Decimal, decimal string) is compared exactly, never rounded to a float;
- a verdict is evidence about its own model and record only;
- parameters that would switch the proof off are refused;
- tables and models near float64's limits are decided, not crashed on.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import symlogic as sl
from symlogic.errors import InputError
from symlogic.exact_error import exact_bound


def _one_variable(value: float) -> tuple[sl.Record, sl.LogicModel]:
    """f ≡ 0 against v = (0, value): the exact max error is the float ``value`` itself."""
    return sl.Record.from_table([0.0, value], names=["a"]), sl.LogicModel.from_terms(["a"], 0.0, [])


# ---- an exact ε stays exact -----------------------------------------------------------------------
@pytest.mark.parametrize("eps", [Fraction(1, 10), Decimal("0.1"), "0.1", " 1/10 "])
def test_an_exact_tenth_is_below_the_float_tenth(eps: object) -> None:
    # The float 0.1 is 0.1000000000000000055…, above 1/10: the bound 1/10 is violated.
    rec, lm = _one_variable(0.1)
    verdict = sl.verify(lm, rec, eps)
    assert not verdict.holds and verdict.status == "fails" and verdict.violations == 1
    assert verdict.epsilon_fraction == Fraction(1, 10)
    assert verdict.counterexample is not None and verdict.counterexample["mask"] == 1


def test_an_exact_bound_equal_to_the_max_error_holds() -> None:
    rec, lm = _one_variable(0.1)
    exact = Fraction(0.1)
    for eps in (exact, f"{exact.numerator}/{exact.denominator}", 0.1, np.float64(0.1)):
        assert sl.verify(lm, rec, eps).holds, eps
    assert not sl.verify(lm, rec, exact - Fraction(1, 10**40)).holds


def test_the_verdict_keeps_the_exact_bound_and_rounds_its_float_up() -> None:
    rec, lm = _one_variable(0.3)
    verdict = sl.verify(lm, rec, Fraction(1, 3))
    assert verdict.holds and verdict.epsilon_exact == "1/3"
    assert Fraction(verdict.epsilon) >= Fraction(1, 3)  # the float shown is still a valid bound
    # 3/10 and the float 0.3 both print as 0.3 at six digits: the summary shows the exact bound.
    assert "ε = 3/10" in str(sl.verify(lm, rec, Fraction(3, 10)))


@pytest.mark.parametrize("bad", [True, -1, -0.0001, float("nan"), float("inf"), 1j, "abc", "1/0", [0.1],
                                 "1e-100000000", Decimal("NaN"), "0." + "1" * 1000, object()])
def test_bad_epsilons_are_refused(bad: object) -> None:
    rec, lm = _one_variable(0.1)
    with pytest.raises(InputError, match="epsilon"):
        sl.verify(lm, rec, bad)


def test_exact_bound_reads_each_type_exactly() -> None:
    assert exact_bound("0.1") == Fraction(1, 10)
    assert exact_bound(Decimal("2.5e-3")) == Fraction(1, 400)
    assert exact_bound(np.float32(0.1)) == Fraction(float(np.float32(0.1)))
    assert exact_bound(3) == 3 and exact_bound(np.int64(3)) == 3


def test_the_epsilon_route_of_check_keeps_an_exact_bound() -> None:
    # f ≡ 0, v = (0, 0.1): the network's output is ≤ 0.1 + tiny; with ε = 1/10 given exactly the
    # claim "output <= 1/10" cannot follow from f ≤ 0 (0 + 1/10 = 1/10 holds on f, but the record breaks it).
    rec, lm = _one_variable(0.1)
    with pytest.raises(InputError, match="does not bound"):
        sl.check("output <= 1/10", lm, epsilon=Fraction(1, 10), record=rec)


# ---- a verdict is bound to its model and record ----------------------------------------------------
def test_a_verdict_about_another_model_is_refused() -> None:
    names = ["a", "b"]
    rec = sl.Record.from_table([0.0, 0.0, 0.0, 1.0], names)
    lm = sl.LogicModel.from_terms(names, 0.0, [("and", ["a", "b"], 1.0)])
    other = sl.LogicModel.from_terms(names, 5.0, [])
    verdict = sl.verify(lm, rec)
    assert verdict.holds and verdict.bound_to(lm, rec) and not verdict.bound_to(other)
    # v(∅) = 0, so "output >= 2" is false of the network; the verdict says nothing about `other`.
    with pytest.raises(InputError, match="another model"):
        sl.check("output >= 2", other, epsilon=verdict)
    with pytest.raises(InputError, match="another model"):
        sl.check("output >= 2", other, epsilon=verdict, record=rec)


def test_a_verdict_about_another_record_is_refused_without_the_record_too() -> None:
    names = ["a"]
    lm = sl.LogicModel.from_terms(names, 0.0, [])
    rec1 = sl.Record.from_table([0.0, 0.0], names)
    rec2 = sl.Record.from_table([0.0, 9.0], names)
    verdict = sl.verify(lm, rec1)
    with pytest.raises(InputError, match="another record"):
        sl.check("output <= 1", lm, epsilon=verdict, record=rec2)
    assert verdict.record_sha256 == rec1.fingerprint and verdict.model_sha256 == sl.verify(lm, rec2).model_sha256


# ---- parameters that would switch the proof off ------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {"chunk_rows": -1}, {"chunk_rows": 0}, {"chunk_rows": 1.5}, {"chunk_rows": True},
    {"time_limit": 0}, {"time_limit": -1}, {"time_limit": float("nan")}, {"time_limit": float("inf")}, {"time_limit": "10"},
    {"workers": 0}, {"workers": -2}, {"workers": 2.0},
])
def test_parameters_that_would_check_nothing_are_refused(kwargs: dict) -> None:
    rec, lm = _one_variable(0.1)
    with pytest.raises(InputError):
        sl.verify(lm, rec, 1.0, **kwargs)


def test_a_tiny_timeout_is_a_tiny_timeout_not_no_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    import z3

    seen: list[object] = []
    original = z3.Solver.set

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if args and args[0] == "timeout":
            seen.append(args[1])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(z3.Solver, "set", spy)
    rec, lm = _one_variable(0.1)
    sl.verify(lm, rec, 1.0, time_limit=0.0005)
    assert seen and all(isinstance(ms, int) and ms >= 1 for ms in seen)  # 0 would mean "no limit" to Z3


def test_check_refuses_bad_timeouts_and_limits() -> None:
    rec, lm = _one_variable(0.1)
    for kwargs in ({"time_limit": 0}, {"time_limit": -5}, {"enumerate_limit": -1}, {"enumerate_limit": True}):
        with pytest.raises(InputError):
            sl.check("output >= 0", lm, **kwargs)


def test_a_proof_over_fewer_rows_than_the_table_is_not_a_proof(monkeypatch: pytest.MonkeyPatch) -> None:
    # Were a chunk ever skipped, "unsat" would cover only the rows it saw: holds needs every row.
    import importlib

    verify_mod = importlib.import_module("symlogic.verify")  # the package's `verify` is the function

    names = ["a", "b", "c"]
    rec = sl.Record.from_table(np.arange(8, dtype=float), names)
    lm = sl.LogicModel.from_terms(names, 0.0, [("and", ["a"], 1.0), ("and", ["b"], 2.0), ("and", ["c"], 4.0)])
    real = verify_mod._z3_engine

    def lossy(*args, **kwargs):  # type: ignore[no-untyped-def]
        outcome, mask, rows, total = real(*args, **kwargs)
        return outcome, mask, rows - 1, total

    monkeypatch.setattr(verify_mod, "_z3_engine", lossy)
    verdict = sl.verify(lm, rec, 0.0)
    assert not verdict.holds and "disagree" in verdict.explanation


# ---- float64's limits ----------------------------------------------------------------------------------
_BIG = float(np.finfo(np.float64).max)


@pytest.mark.parametrize("values", [[_BIG, -_BIG, _BIG, -_BIG], [1e308, -1e308, 5e-324, 0.0], [-_BIG, _BIG, _BIG, -_BIG]])
def test_tables_at_the_float_limit_are_decided_exactly(values: list[float]) -> None:
    names = ["a", "b"]
    rec = sl.Record.from_table(values, names)
    lm = sl.LogicModel.from_terms(names, -_BIG, [("and", ["a"], _BIG), ("and", ["b"], _BIG)])
    exact = max(abs(Fraction(v) - lm.evaluate_exact(m)) for m, v in enumerate(values))
    verdict = sl.verify(lm, rec)
    assert verdict.holds and Fraction(verdict.max_error_exact) == exact
    assert not sl.verify(lm, rec, 1.0).holds or exact <= 1
    for claim in ("output >= 0", "no_effect(a, 1)", "interaction(a, b) >= 0", "max_order(1)"):
        for target in (rec, lm):
            res = sl.check(claim, target) if claim != "max_order(1)" or target is rec else None
            assert res is None or res.status in ("holds", "fails")
    assert sl.check("output >= 0", lm, record=rec).status in ("holds", "fails")


def test_max_order_at_the_float_limit_matches_the_scaled_table() -> None:
    # Salience is scale-free: the table times 2^1000 has the salient sets of the table itself.
    base = np.array([0.0, 1.0, 1.0, 3.0, 0.5, 0.25, 2.0, -1.0])
    names = ["a", "b", "c"]
    for k in (1, 2, 3):
        small = sl.check(f"max_order({k})", sl.Record.from_table(base, names))
        big = sl.check(f"max_order({k})", sl.Record.from_table(np.ldexp(base, 1020), names))
        assert small.status == big.status
        assert (small.counterexample or {}).get("mask") == (big.counterexample or {}).get("mask")


def test_timeout_is_the_deprecated_name_of_time_limit() -> None:
    # One name for time limits across the package; the old keyword still works, with a warning.
    rec, lm = _one_variable(0.1)
    with pytest.warns(DeprecationWarning, match="time_limit"):
        assert sl.verify(lm, rec, 1.0, timeout=5.0).holds
    with pytest.warns(DeprecationWarning):
        assert sl.check("output >= 0", rec, timeout=5.0).holds
    with pytest.raises(InputError, match="time_limit only"):
        sl.verify(lm, rec, 1.0, time_limit=5.0, timeout=5.0)
