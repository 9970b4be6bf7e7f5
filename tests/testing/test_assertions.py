"""symlogic.testing's assertions: outcomes, failure messages, bundles, against closed forms and brute force.

The brute-force references here are plain loops over all masks with Fractions, independent of
symlogic's own claim and proof code.
"""

from __future__ import annotations

import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import symlogic as sl
from symlogic.errors import BundleError, InputError
from symlogic.evidence import Evidence
from symlogic.testing import ClaimFailed, ExplanationFailed, WeakExplanationWarning, assert_claim, assert_explains
from symlogic.testing.bundles import STAND_IN_SOURCE, bundle_name, file_sha256
from symlogic.testing.context import TestContext, running
from symlogic.testing.messages import counterexample_lines, mask_line

NAMES = ["a", "b", "c"]
# v = 1·[a] + 1·[b] + 2·AND(a, b) + 0.1·[c]: every value a closed form
TABLE = [0.0, 1.0, 1.0, 4.0, 0.1, 1.1, 1.1, 4.1]


@pytest.fixture
def rec() -> sl.Record:
    return sl.Record.from_table(TABLE, NAMES)


@pytest.fixture
def lm() -> sl.LogicModel:
    """f = a + b + 2·AND(a, b): |f − v| = 0.1 exactly where c is present (as floats, 0.1 + k)."""
    return sl.LogicModel.from_terms(NAMES, 0.0, [("and", ["a"], 1.0), ("and", ["b"], 1.0), ("and", ["a", "b"], 2.0)])


# ---- assert_claim: outcomes -------------------------------------------------------------------
def test_holding_claim_passes_and_returns_the_result(rec):
    res = assert_claim(rec, "present(a) & present(b) -> output >= 4")
    assert res.holds and res.status == "holds" and res.values["min_output"] == 4.0


def test_failing_claim_message_has_claim_status_masks_and_exact_values(rec):
    with pytest.raises(ClaimFailed) as err:
        assert_claim(rec, "absent(a) -> output < 1")
    text = str(err.value)
    assert "claim 'absent(a) -> output < 1': expected HOLDS, got FAILS" in text
    # the fewest present variables: {b} (mask 2), v = 1.0, not < 1
    assert "counterexample mask 2: present {b}; absent {a, c}" in text
    assert "output = 1.0" in text and "threshold = 1" in text
    assert "formula: none" in text
    assert err.value.result.counterexample["mask"] == 2 and err.value.expected == "holds"


def test_exact_values_are_shown_when_the_float_is_not_the_decimal(rec):
    with pytest.raises(ClaimFailed) as err:
        assert_claim(rec, "present(c) -> output >= 0.2")
    text = str(err.value)
    assert "counterexample mask 4: present {c}; absent {a, b}" in text
    assert f"output = 0.1 (exactly {Fraction(0.1).numerator}/{Fraction(0.1).denominator})" in text


def test_expect_fails_passes_only_on_failure_and_checks_the_counterexample(rec):
    res = assert_claim(rec, "output <= 3", expect="fails", counterexample=["a", "b"])
    assert res.counterexample["mask"] == 3
    assert_claim(rec, "output <= 3", expect="fails", counterexample=3)
    assert_claim(rec, "output <= 3", expect="fails", counterexample={"present": ["b", "a"]})
    with pytest.raises(ClaimFailed, match="not at the expected counterexample") as err:
        assert_claim(rec, "output <= 3", expect="fails", counterexample={"present": ["a", "b", "c"]})
    assert "expected counterexample mask 7: present {a, b, c}; absent {}" in str(err.value)
    with pytest.raises(ClaimFailed, match="expected FAILS, got HOLDS"):
        assert_claim(rec, "output <= 5", expect="fails")


def test_no_effect_counterexample_names_both_masks(rec):
    with pytest.raises(ClaimFailed) as err:
        assert_claim(rec, "no_effect(b, 1)")
    text = str(err.value)
    assert "counterexample mask 1: present {a}; absent {b, c}" in text  # adding b to {a}: 1 → 4
    assert "mask_with: mask 3: present {a, b}; absent {c}" in text
    assert "difference = 3.0" in text


def test_model_claim_about_the_network_shows_formula_and_epsilon(rec, lm):
    res = assert_claim(lm, "interaction(a, b) >= 1", record=rec)
    assert res.holds and "network claim" in res.route
    with pytest.raises(ClaimFailed) as err:
        assert_claim(lm, "present(a) -> output >= 2", record=rec)
    text = str(err.value)
    assert "formula: f = 0 + 2·AND(a, b) + 1·AND(a) + 1·AND(b)" in text
    assert "ε: ε-equivalence HOLDS" in text and "ε exactly" in text
    assert "counterexample mask 1: present {a}; absent {b, c}" in text


def test_model_not_within_the_given_epsilon_cannot_carry_a_claim(rec, lm):
    with pytest.raises(ExplanationFailed, match="cannot be carried by the model") as err:
        assert_claim(lm, "interaction(a, b) >= 1", record=rec, epsilon=0.05)
    assert "within ε (asked: 0.05): FAILS" in str(err.value) and err.value.bundle is None
    assert not err.value.verdict.holds


def test_model_not_within_epsilon_leaves_the_failing_verdict_as_evidence(tmp_path, rec, lm):
    with pytest.raises(ExplanationFailed) as err:
        assert_claim(lm, "interaction(a, b) >= 1", record=rec, epsilon=0.05, bundle_dir=tmp_path)
    ev = Evidence.load(err.value.bundle)
    assert not ev.verdict.holds and ev.verdict.epsilon == 0.05 and ev.claims == []
    assert f"evidence bundle: {err.value.bundle}" in str(err.value)


def test_undecided_never_passes_as_holds(lm):
    # about the network with a vouched ε = 1: no_effect(c, 1) needs f within tol − 2ε < 0: undecided
    with pytest.raises(ClaimFailed, match="expected HOLDS, got UNDECIDED") as err:
        assert_claim(lm, "no_effect(c, 1)", epsilon=1)
    assert "never passes as holding" in str(err.value)
    assert assert_claim(lm, "no_effect(c, 1)", epsilon=1, expect="undecided").status == "undecided"


def test_unknown_never_passes(monkeypatch, rec):
    import symlogic.claims

    real = symlogic.claims.check

    def timed_out(*args, **kwargs):
        res = real(*args, **kwargs)
        return sl.ClaimResult(claim=res.claim, holds=False, status="unknown", counterexample=None, values={},
                              explanation="z3 ran out of time", route=res.route)

    monkeypatch.setattr(symlogic.claims, "check", timed_out)
    with pytest.raises(ClaimFailed, match="expected HOLDS, got UNKNOWN"):
        assert_claim(rec, "output >= 0")
    with pytest.raises(ClaimFailed, match="expected FAILS, got UNKNOWN"):
        assert_claim(rec, "output >= 1", expect="fails")


def test_model_without_record_is_a_claim_about_the_formula(lm):
    assert assert_claim(lm, "present(c) -> output <= 4").route.startswith("model")
    with pytest.raises(ClaimFailed, match="got FAILS"):
        assert_claim(lm, "output <= 3")


def test_evidence_and_bundle_path_subjects(tmp_path, rec, lm):
    ev = sl.evidence(lm, rec)
    path = ev.save(tmp_path / "ev.zip")
    for subject in (ev, path, Path(path)):
        assert assert_claim(subject, "interaction(a, b) >= 2").holds
        assert assert_claim(subject, "interaction(a, b) >= 1", on="model").route.startswith("model + proven")
    with pytest.raises(ClaimFailed) as err:
        assert_claim(path, "output <= 4")
    assert f"subject: bundle {path}" in str(err.value) and "formula: f = 0 + 2·AND(a, b)" in str(err.value)


def test_bundle_of_a_bundle_claim_on_the_model_rechecks(tmp_path, rec, lm):
    path = sl.evidence(lm, rec).save(tmp_path / "ev.zip")
    res = assert_claim(path, "interaction(a, b) >= 1", on="model", bundle_dir=tmp_path / "out")
    [written] = (tmp_path / "out").glob("*.zip")
    ev = Evidence.load(written)
    assert ev.claims[0].target == "model" and ev.claims[0].route == res.route and ev.recheck().ok


@pytest.mark.parametrize("call, message", [
    (lambda r, m: assert_claim(r, "output >= 0", expect="maybe"), "expect must be one of"),
    (lambda r, m: assert_claim(r, "output >= 0", counterexample=[]), "needs expect='fails'"),
    (lambda r, m: assert_claim(r, "output >= 0", epsilon=0.1), "epsilon is for a claim checked on the model"),
    (lambda r, m: assert_claim(r, "output >= 0", on="model"), "on='model' needs a logic model"),
    (lambda r, m: assert_claim(m, "output >= 0", on="record"), "pass record=rec"),
    (lambda r, m: assert_claim(r, "output >= 0", on="table"), "on must be 'record' or 'model'"),
    (lambda r, m: assert_claim(r.values, "output >= 0"), "must be a Record, a LogicModel, an Evidence"),
    (lambda r, m: assert_claim(r, 3), "claim must be the claim's text"),
    (lambda r, m: assert_claim(r, "output >= 9", expect="fails", counterexample=["z"]), "unknown variable 'z'"),
    (lambda r, m: assert_claim(r, "output >= 9", expect="fails", counterexample=8), "out of range"),
    (lambda r, m: assert_claim(r, "output >= 9", expect="fails", counterexample={"mask": 1, "x": 2}), "one key"),
    (lambda r, m: assert_claim(r, "output >= 0", record=r), "record= is for a LogicModel subject"),
    (lambda r, m: assert_claim("missing.zip", "output >= 0"), "no evidence bundle at 'missing.zip'"),
    (lambda r, m: assert_claim(m, "output >= 0", bundle_dir="b"), "a bundle needs the recorded outputs"),
])
def test_malformed_assertions_raise_input_errors(rec, lm, call, message):
    with pytest.raises(InputError, match=message):
        call(rec, lm)


def test_altered_bundle_is_refused(tmp_path, rec, lm):
    path = tmp_path / "ev.zip"
    sl.evidence(lm, rec).save(path)
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(BundleError):
        assert_claim(path, "output >= 0")


# ---- bundles ----------------------------------------------------------------------------------
def test_bundle_of_a_record_claim_rechecks(tmp_path, rec):
    with pytest.raises(ClaimFailed) as err:
        assert_claim(rec, "output <= 3", bundle_dir=tmp_path)
    path = err.value.bundle
    assert path is not None and str(path) in str(err.value)
    ev = Evidence.load(path)
    assert ev.record.fingerprint == rec.fingerprint
    assert ev.logic_model.meta["source"] == STAND_IN_SOURCE and len(ev.logic_model) == 0
    [claim] = ev.claims
    assert (claim.claim, claim.target, claim.status) == ("output <= 3", "record", "fails")
    assert claim.counterexample["mask"] == 3
    assert ev.recheck().ok


def test_bundle_of_a_model_claim_rechecks_and_names_are_deterministic(tmp_path, rec, lm):
    assert_claim(lm, "interaction(a, b) >= 1", record=rec, bundle_dir=tmp_path)
    assert_claim(lm, "interaction(a, b) >= 1", record=rec, bundle_dir=tmp_path)  # same check: same file
    assert_claim(lm, "interaction(a, b) >= 1.5", record=rec, bundle_dir=tmp_path)
    files = sorted(tmp_path.glob("*.zip"))
    assert len(files) == 2
    for f in files:
        ev = Evidence.load(f)
        assert ev.claims[0].target == "model" and ev.verdict.holds and ev.recheck().ok


def test_context_attaches_checks_and_bundles(tmp_path, rec, lm):
    seen: list[dict[str, str]] = []
    with running(TestContext("tests/x.py::test_y[1]", tmp_path, seen.append)):
        assert_claim(rec, "output >= 0")
        with pytest.raises(ExplanationFailed):
            assert_explains(lm, rec, Fraction(1, 20))
    assert [(e["check"], e["status"]) for e in seen] == [("output >= 0", "holds"),
                                                          ("ε-equivalence at ε = 0.05", "fails")]
    for entry in seen:
        assert Path(entry["bundle"]).name.startswith("tests_x.py_test_y_1-")
        assert entry["sha256"] == file_sha256(entry["bundle"])
    seen.clear()
    with running(TestContext("t", None, seen.append)):  # no folder: attach, write nothing
        assert_claim(rec, "output >= 0")
    assert seen == [{"check": "output >= 0", "status": "holds"}]
    assert len(list(tmp_path.glob("*.zip"))) == 2


def test_bundle_name_is_safe_and_bounded():
    assert bundle_name("tests/t.py::test_a[x/y]", "k") == "tests_t.py_test_a_x_y-k.zip"
    assert bundle_name(None, "k") == "check-k.zip"
    long = bundle_name("t.py::" + "x" * 300, "k")
    assert len(long) < 110 and long != bundle_name("t.py::" + "x" * 299, "k")


# ---- assert_explains --------------------------------------------------------------------------
def test_explains_passes_within_epsilon_and_fails_below_with_the_worst_mask(rec, lm):
    errors = [abs(Fraction(v) - f) for v, f in zip(TABLE, [0, 1, 1, 4, 0, 1, 1, 4])]
    worst = max(errors)  # the float 1.1 minus 1, exactly (above 1/10; the float 4.1 minus 4 is below)
    assert Fraction(assert_explains(lm, rec, worst).max_error_exact) == worst
    with pytest.raises(ExplanationFailed) as err:
        assert_explains(lm, rec, "0.1")  # the decimal 1/10, exactly
    text = str(err.value)
    assert "does not explain the record within ε (asked: '0.1'): FAILS" in text
    assert f"max error {float(worst)!r} (exactly {worst.numerator}/{worst.denominator})" in text
    assert "vs ε = 0.1;" in text  # the decimal 0.1 is the exact bound: no p/q needed
    assert "recorded v = 1.1 (exactly 2476979795053773/2251799813685248), formula f = 1.0," in text
    mask = err.value.verdict.max_error_mask
    assert errors[mask] == worst and f"worst {mask_line(mask, NAMES)}" in text
    assert f"masks over ε: {sum(e > Fraction(1, 10) for e in errors)}" in text
    assert "formula: f = 0 + 2·AND(a, b)" in text


def test_explains_relative_epsilon_is_a_share_of_the_range(rec):
    half = sl.LogicModel.from_terms(NAMES, 2.05, [])  # |v − 2.05| ≤ 2.05 = 1/2 of the range 4.1
    with pytest.warns(WeakExplanationWarning, match="weak"):
        v = assert_explains(half, rec, 0.5, relative=True)
    assert v.holds and v.weak
    with pytest.raises(ExplanationFailed, match="relative ε"):
        assert_explains(half, rec, 0.49, relative=True)
    with pytest.raises(ExplanationFailed, match="WEAK"):
        assert_explains(half, rec, 0.5, relative=True, weak="fail")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_explains(half, rec, 0.5, relative=True, weak="ignore")


@pytest.mark.parametrize("kwargs, message", [
    ({"epsilon": None}, "needs the bound"),
    ({"epsilon": 1.5, "relative": True}, "below 1"),
    ({"epsilon": -1}, "≥ 0"),
    ({"epsilon": 0.1, "weak": "loud"}, "weak must be one of"),
])
def test_explains_refuses_malformed_input(rec, lm, kwargs, message):
    with pytest.raises(InputError, match=message):
        assert_explains(lm, rec, **kwargs)


def test_explains_refuses_relative_epsilon_on_constant_outputs():
    flat = sl.Record.from_table([1.0, 1.0], ["a"])
    with pytest.raises(InputError, match="output range 0"):
        assert_explains(sl.LogicModel.from_terms(["a"], 1.0, []), flat, 0.1, relative=True)


def test_explains_bundle_rechecks(tmp_path, rec, lm):
    assert_explains(lm, rec, 0.2, bundle_dir=tmp_path)
    [path] = tmp_path.glob("*.zip")
    ev = Evidence.load(path)
    assert ev.verdict.epsilon == 0.2 and ev.claims == [] and ev.recheck().ok


# ---- messages ---------------------------------------------------------------------------------
def test_mask_line_and_counterexample_lines():
    assert mask_line(5, NAMES) == "mask 5: present {a, c}; absent {b}"
    lines = counterexample_lines({"mask": 0, "present": [], "absent": NAMES, "output": 0.5, "output_exact": "1/2",
                                  "x": 0.1, "x_exact": "3602879701896397/36028797018963968", "mask_with": 4,
                                  "tol": "0.5 (exactly 1/2)"}, NAMES)
    assert lines == ["counterexample mask 0: present {}; absent {a, b, c}", "  output = 0.5",  # 0.5 is 1/2: said once
                     "  x = 0.1 (exactly 3602879701896397/36028797018963968)",
                     "  mask_with: mask 4: present {c}; absent {a, b}", "  tol = 0.5 (exactly 1/2)"]


# ---- properties against brute force -----------------------------------------------------------
def _tables(draw, n):
    return draw(st.lists(st.integers(-8, 8), min_size=1 << n, max_size=1 << n))


@st.composite
def threshold_cases(draw):
    n = draw(st.integers(1, 4))
    values = [v / 4 for v in _tables(draw, n)]
    var = draw(st.integers(0, n - 1))
    c = Fraction(draw(st.integers(-9, 9)), 4)
    return n, values, var, c


@given(threshold_cases())
def test_assert_claim_matches_brute_force(case):
    n, values, var, c = case
    names = [f"x{i}" for i in range(n)]
    rec = sl.Record.from_table(values, names)
    bad = [m for m in range(1 << n) if m >> var & 1 and not Fraction(values[m]) >= c]
    text = f"present(x{var}) -> output >= {c.numerator}/{c.denominator}"
    if not bad:
        assert assert_claim(rec, text).holds
        with pytest.raises(ClaimFailed):
            assert_claim(rec, text, expect="fails")
    else:
        smallest = min(bad, key=lambda m: (bin(m).count("1"), m))  # fewest present, then smallest mask
        assert assert_claim(rec, text, expect="fails", counterexample=smallest).counterexample["mask"] == smallest
        with pytest.raises(ClaimFailed) as err:
            assert_claim(rec, text)
        assert mask_line(smallest, names) in str(err.value)


@st.composite
def explain_cases(draw):
    n = draw(st.integers(1, 3))
    values = [v / 8 for v in _tables(draw, n)]
    bias = draw(st.integers(-8, 8)) / 8
    eps = Fraction(draw(st.integers(0, 24)), 8)
    relative = draw(st.booleans())
    return n, values, bias, eps, relative


@given(explain_cases())
def test_assert_explains_matches_brute_force(case):
    n, values, bias, eps, relative = case
    names = [f"x{i}" for i in range(n)]
    rec = sl.Record.from_table(values, names)
    lm = sl.LogicModel.from_terms(names, bias, [])
    spread = Fraction(max(values)) - Fraction(min(values))
    if relative and (spread == 0 or eps >= 1):
        with pytest.raises(InputError):
            assert_explains(lm, rec, eps, relative=True)
        return
    bound = eps * spread if relative else eps
    worst = max(abs(Fraction(v) - Fraction(bias)) for v in values)
    if worst <= bound:
        verdict = assert_explains(lm, rec, eps, relative=relative, weak="ignore")
        assert verdict.holds and Fraction(verdict.max_error_exact) == worst
    else:
        with pytest.raises(ExplanationFailed) as err:
            assert_explains(lm, rec, eps, relative=relative, weak="ignore")
        assert not err.value.verdict.holds
        worst_masks = [m for m in range(1 << n) if abs(Fraction(values[m]) - Fraction(bias)) == worst]
        assert err.value.verdict.max_error_mask in worst_masks
