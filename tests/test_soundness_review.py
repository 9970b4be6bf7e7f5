"""Regression tests from a soundness review of the proof layer: each case was answered wrongly
("holds" / "ok") before the fix it names."""

from __future__ import annotations

import hashlib
import json
import zipfile
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest

from symlogic import Record
from symlogic.claims import check
from symlogic.evidence import Evidence, _npy_bytes, evidence
from symlogic.exact_error import violations
from symlogic.extraction import extract
from symlogic.logic import LogicModel
from symlogic.verify import verify


# ---- exact engine: a violation between the "sure" and "border" float tests ----------------------


def test_exact_engine_does_not_miss_a_violation_between_its_float_tests():
    # |v − f| = 1 + 9·2^-52 > ε = 1 exactly, but fl(err − δ) rounds to ε (not "sure") while
    # |err − ε| > δ (not "border"): the old exact engine reported no violation at all.
    b, eps, v = 0.5, 1.0, float.fromhex("0x1.8000000000009p+0")
    lm = LogicModel.from_terms(["a"], b, [])
    rec = Record.from_table([v, b], ["a"])
    assert abs(Fraction(v) - Fraction(b)) > eps
    count, worst = violations(lm, rec.values, eps)
    assert count == 1 and worst[0].mask == 0
    verdict = verify(lm, rec, eps)
    assert not verdict.holds and verdict.engine_results == {"z3": "sat", "exact": "fails"}


# ---- ε route: a given exact ε must not be rounded down to a float -------------------------------


def test_exact_epsilon_is_not_rounded_down():
    # Exact max error 1 + 2^-60 (float() rounds it to 1.0). With ε rounded down, the margin proved
    # "output <= 1 − 2^-60" of the network, while every recorded output is 1.0.
    lm = LogicModel.from_terms(["a"], -(2.0**-60), [])
    rec = Record.from_table([1.0, 1.0], ["a"])
    eps = Fraction(verify(lm, rec).max_error_exact)
    assert eps == 1 + Fraction(1, 2**60)
    c = 1 - Fraction(1, 2**60)
    with localcontext() as ctx:
        ctx.prec = 100
        text = format(Decimal(c.numerator) / Decimal(c.denominator), "f")
    claim = f"output <= {text}"
    assert check(claim, rec).status == "fails"
    assert check(claim, lm, epsilon=eps).status != "holds"


# ---- evidence re-check: tampered extraction summaries -------------------------------------------


def _record(scale: float, n: int = 4) -> Record:
    rng = np.random.default_rng(0)
    m = np.arange(1 << n)
    bit = lambda i: (m >> i) & 1  # noqa: E731
    v = scale * (1.5 * bit(0) * bit(1) + 0.8 * np.maximum(bit(2), bit(3)) + rng.uniform(-0.01, 0.01, 1 << n))
    return Record.from_table(v, [f"f{i}" for i in range(n)])


def _rewrite(src, dst, extraction_fields: dict, arrays: dict) -> None:
    """Copy a bundle, changing manifest extraction fields and members, with fresh SHA-256s."""
    with zipfile.ZipFile(src) as zf:
        man = json.loads(zf.read("manifest.json"))
        members = {name: zf.read(name) for name in zf.namelist() if name != "manifest.json"}
    for key, arr in arrays.items():
        name = f"{key}.npy"
        if arr is None:
            members.pop(name, None)
            man["members"].pop(name, None)
        else:
            members[name] = _npy_bytes(arr)
            man["members"][name] = hashlib.sha256(members[name]).hexdigest()
    man["extraction"].update(extraction_fields)
    with zipfile.ZipFile(dst, "w") as zf:
        zf.writestr("manifest.json", json.dumps(man))
        for name, data in members.items():
            zf.writestr(name, data)


@pytest.fixture(scope="module", params=[1.0, 1e-15])
def saved(request, tmp_path_factory):
    rec = _record(request.param)
    ex = extract(rec, method="exact")
    ev = evidence(ex.logic_model(tau=0.1), rec, ex)
    path = tmp_path_factory.mktemp("review") / "ev.zip"
    ev.save(path)
    assert Evidence.load(path).recheck().ok
    return path, ex


def test_recheck_rejects_an_inflated_lower_bound(saved, tmp_path):
    path, ex = saved
    lb = ex.lower_bound + 0.9e-9 * max(1.0, abs(ex.lower_bound))  # above the proven bound (and the objective)
    out = tmp_path / "t.zip"
    _rewrite(path, out, {"lower_bound": lb, "gap": max(0.0, ex.objective - lb)}, {})
    assert not Evidence.load(out).recheck().ok


def test_recheck_rejects_a_lower_bound_without_certificate(saved, tmp_path):
    path, ex = saved
    out = tmp_path / "t.zip"
    _rewrite(path, out, {"lower_bound": ex.objective, "gap": 0.0}, {"certificate": None})
    assert not Evidence.load(out).recheck().ok


def test_recheck_rejects_a_forged_zero_split(saved, tmp_path):
    # All-zero interactions with q = −v: |q| far beyond ζ. On a table of tiny outputs the old
    # absolute tolerance floor (max(size, 1)) accepted it, with objective 0 "certified optimal".
    path, ex = saved
    v = ex.record.values
    out = tmp_path / "t.zip"
    # The derived summary fields are forged consistently too (the loader recomputes them and
    # would refuse the bundle outright), so that the universal-matching re-check is what catches it.
    _rewrite(path, out, {"objective": 0.0, "lower_bound": 0.0, "gap": 0.0, "max_abs_q": float(np.max(np.abs(v))),
                         "matching_error": 0.0, "nonzero_and": 0, "nonzero_or": 0},
             {"and": np.zeros_like(v), "or": np.zeros_like(v), "q": -v, "certificate": np.zeros_like(v)})
    report = Evidence.load(out).recheck()
    assert not report.ok
    assert not next(i for i in report.items if i.name == "universal matching").ok


def test_recheck_rejects_a_falsified_displayed_verdict_field(saved, tmp_path):
    # The HTML report prints the stored max_error and engines; they were not compared on re-check.
    path, _ = saved
    with zipfile.ZipFile(path) as zf:
        man = json.loads(zf.read("manifest.json"))
        members = {name: zf.read(name) for name in zf.namelist() if name != "manifest.json"}
    assert man["verdict"]["holds"] and man["verdict"]["max_error"] > 1e-30
    man["verdict"]["max_error"] = 1e-30
    out = tmp_path / "t.zip"
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("manifest.json", json.dumps(man))
        for name, data in members.items():
            zf.writestr(name, data)
    assert not Evidence.load(out).recheck().ok


def test_a_verdict_about_another_record_is_refused_when_the_record_is_at_hand():
    # The ε route used to answer "holds" from the model alone, ignoring record=, even though the
    # verdict passed as ε was about a different record (here v = f + 5 on mask 3).
    from symlogic.errors import InputError

    names = ["a", "b"]
    lm = LogicModel.from_terms(names, 0.0, [("and", 3, 1.0)])
    rec1 = Record.from_table(lm.table(), names)
    rec2 = Record.from_table(lm.table() + np.array([0.0, 0.0, 0.0, 5.0]), names)
    verdict = verify(lm, rec1)
    assert verdict.holds and check("output <= 1", rec2).status == "fails"
    with pytest.raises(InputError, match="does not bound"):
        check("output <= 1", lm, epsilon=verdict, record=rec2)
    assert check("output <= 1", lm, epsilon=verdict, record=rec1).holds


def test_float_overflow_in_the_model_is_decided_exactly():
    # f's float sum overflows (1e308 + 1e308); the exact engine must still answer, not crash.
    lm = LogicModel.from_terms(["a", "b"], 1e308, [("and", ["a"], 1e308), ("or", ["a", "b"], -1e308)])
    rec = Record.from_table([1e308, 1e308, 1e308, 1e308], ["a", "b"])
    with np.errstate(over="ignore"):
        v = verify(lm, rec)
    # f = 1e308 on ∅ and {a} and {a, b}, 0 on {b}: the exact max error is 1e308, at mask {b}.
    assert v.holds and Fraction(v.max_error_exact) == Fraction(1e308) and v.max_error_mask == 2
    with np.errstate(over="ignore"):
        assert not verify(lm, Record.from_table([1e308, 1e308, 1e308, 0.0], ["a", "b"]), epsilon=1.0).holds
