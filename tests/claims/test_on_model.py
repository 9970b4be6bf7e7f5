"""Claims on a logic model (symlogic.claims.on_model): Z3 and exact enumeration, which must agree."""

from __future__ import annotations

import random
import time
from fractions import Fraction

import pytest
import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims_reference import _claims, _models, _random_model, brute
from symlogic.claims import check, parse_claim
from symlogic.logic import LogicModel
from symlogic.smt import OptimumResult, Z3Model, model_define_fun, smt_number


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


def test_one_encoder_writes_smt_lib_text_and_z3py_terms_alike() -> None:
    # symlogic.smt encodes f once; verify reads the SMT-LIB text, the claims the z3py terms.
    lm = LogicModel.from_terms(["a", "b", "c"], 0.1, [("and", ["a", "b"], -0.3), ("or", ["b", "c"], 2.0 / 3.0), ("or", ["c"], 1e-300)])
    text = model_define_fun(lm, lm.support)
    assert smt_number(0.1) == "(/ 3602879701896397.0 36028797018963968.0)" and smt_number(0.1) in text
    assert smt_number(-2.0) == "(- 2.0)" and smt_number(Fraction(-1, 3)) == "(- (/ 1.0 3.0))"
    enc = Z3Model(lm)
    for m in range(8):
        solver = z3.Solver()
        args = " ".join("true" if m >> j & 1 else "false" for j in range(len(lm.support)))
        solver.from_string(text + f"(declare-const v Real)(assert (= v (f {args})))")
        assert solver.check() == z3.sat
        from_text = solver.model()[z3.Real("v")].as_fraction()
        fixed = [(enc.var(i), z3.BoolVal(bool(m >> i & 1), enc.ctx)) for i in range(3)]
        from_terms = z3.simplify(z3.substitute(enc.f, *fixed)).as_fraction()
        assert from_text == from_terms == lm.evaluate_exact(m)
