"""Claims about the network through a model and a proven ε (symlogic.claims.on_network)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims_reference import _claims, _models, _noisy, brute, rec_value
from symlogic.claims import check, parse_claim
from symlogic.errors import InputError
from symlogic.logic import LogicModel
from symlogic.verify import verify


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
