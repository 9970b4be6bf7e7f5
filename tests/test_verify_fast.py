"""The blocked Z3 table encoding of verify (fast at large n) and honest verdicts (weak ε).

Soundness first: the blocked script must be satisfiable exactly when some row of its chunk
violates ε (checked against brute force in exact rationals, at and one ulp past the boundary),
Z3 must keep catching violations on its own when the exact engine is made to lie, and a wrong
split of the terms must be caught by Z3's identity check rather than trusted.
"""

from __future__ import annotations

import importlib
import json
import math
import time
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symlogic as sl
from symlogic import smt
from symlogic.errors import InputError
from symlogic.exact_error import float_upper, group_table, max_error
from symlogic.masks import mask_bits

verify_mod = importlib.import_module("symlogic.verify")  # the package's `verify` is the function

_MAX = float(np.finfo(np.float64).max)


def _model(n: int, seed: int, n_terms: int, support_bits: int | None = None) -> sl.LogicModel:
    rng = np.random.default_rng(seed)
    names = [f"x{i}" for i in range(n)]
    allowed = (1 << (support_bits if support_bits is not None else n)) - 1
    terms = []
    for j in range(n_terms):
        mask = int(rng.integers(1, 1 << n)) & int(rng.integers(1, 1 << n)) & allowed or 1 << (j % max(1, allowed.bit_length()))
        terms.append(("and" if j % 2 else "or", mask, float(rng.normal() * 2)))
    return sl.LogicModel.from_terms(names, float(rng.normal()), terms)


def _edge_table(lm: sl.LogicModel, eps: Fraction, seed: int) -> np.ndarray:
    """f + noise, with some masks exactly at f ± ε (when that is a float) and some one ulp past it."""
    rng = np.random.default_rng(seed + 1)
    n = lm.n
    values = lm.table() + rng.uniform(-float(eps) / 2, float(eps) / 2, size=1 << n)
    for m in rng.choice(1 << n, size=min(4, 1 << n), replace=False).tolist():
        f = lm.evaluate_exact(m)
        sign = 1 if rng.random() < 0.5 else -1
        edge = float(f + sign * eps)
        if rng.random() < 0.5:  # push one ulp past wherever the float landed: a violation
            while abs(Fraction(edge) - f) <= eps:
                edge = math.nextafter(edge, sign * math.inf)
        values[m] = edge
    return values


def _violates(lm: sl.LogicModel, support: tuple[int, ...], groups, rows: np.ndarray, eps: Fraction) -> bool:
    for g in rows.tolist():
        f = lm.evaluate_exact(int(groups.masks[g]))
        if Fraction(float(groups.vmax[g])) - f > eps or f - Fraction(float(groups.vmin[g])) > eps:
            return True
    return False


def _blocks(lm: sl.LogicModel, support: tuple[int, ...], chunk: int) -> tuple:
    blocks = smt.term_blocks(lm, support, (chunk - 1).bit_length())
    return blocks, smt.blocks_define_funs(lm, support, blocks)


# ---- the blocked chunk script against brute force -------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 7), seed=st.integers(0, 10_000), n_terms=st.integers(0, 9), chunk=st.sampled_from([1, 2, 3, 8, 64]),
       narrow=st.booleans(), eps_bits=st.integers(-8, 2))
def test_a_blocked_chunk_is_satisfiable_exactly_when_a_row_violates(n, seed, n_terms, chunk, narrow, eps_bits):
    lm = _model(n, seed, n_terms, support_bits=max(1, n - 2) if narrow else None)  # narrow: groups of several masks
    eps = Fraction(2) ** eps_bits * Fraction(3, 5)  # not dyadic: ε·2^s is never an integer
    values = _edge_table(lm, eps, seed)
    support = mask_bits(lm.support_mask)
    groups = group_table(values, support)
    blocks, define_blocks = _blocks(lm, support, chunk)
    define_f = smt.model_define_fun(lm, support)
    assert verify_mod._z3_check(smt.blocks_identity_script(define_f, define_blocks, len(support), blocks), 30)[0] == "unsat"
    coef_bits = smt._scale_bits(np.array([t.coefficient for t in lm.terms]))
    total = groups.masks.shape[0]
    for start in range(0, total, chunk):
        rows = np.arange(start, min(start + chunk, total))
        text = smt.table_blocks_chunk_script(define_blocks, blocks, rows, groups.vmin[rows], groups.vmax[rows], eps, coef_bits)
        word, _ = verify_mod._z3_check(text, 30)
        assert word == ("sat" if _violates(lm, support, groups, rows, eps) else "unsat"), (start, rows.tolist())


def test_every_row_is_decided_at_its_own_exact_boundary():
    # Each row alone, with ε its exact error (holds) and one step below it (fails): no slack anywhere.
    lm = _model(6, 3, 8)
    rec = sl.Record.from_table(lm.table() + np.random.default_rng(0).uniform(-0.3, 0.3, 64), lm.names)
    support = mask_bits(lm.support_mask)
    groups = group_table(rec.values, support)
    blocks, define_blocks = _blocks(lm, support, 1)
    for g in range(groups.masks.shape[0]):
        f = lm.evaluate_exact(int(groups.masks[g]))
        err = max(Fraction(float(groups.vmax[g])) - f, f - Fraction(float(groups.vmin[g])))
        rows = np.array([g])
        for eps, want in ((err, "unsat"), (err - Fraction(1, 2**80), "sat")):
            if eps < 0:
                continue
            text = smt.table_blocks_chunk_script(define_blocks, blocks, rows, groups.vmin[rows], groups.vmax[rows], eps)
            assert verify_mod._z3_check(text, 30)[0] == want, (g, eps)


@pytest.mark.parametrize("values", [
    [_MAX, -_MAX, 5e-324, -0.0, 1e-300, 3.0, -2.5e-310, 1e308],
    [2.0**-1074, 2.0**-1073, -(2.0**-1022), 0.0, 1.0, -1.0, 2.0**1023, -(2.0**1000)],
])
def test_extreme_floats_are_scaled_to_exact_integers(values):
    s = smt._scale_bits(np.array(values))
    ints = smt._scaled_ints(np.array(values), s)
    assert ints is not None and all(Fraction(v) * 2**s == i for v, i in zip(values, ints))
    assert s == 0 or any((Fraction(v) * 2 ** (s - 1)).denominator != 1 for v in values)  # s is the least


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=8))
def test_scaling_is_exact_and_least_for_any_floats(values):
    s = smt._scale_bits(np.array(values))
    ints = smt._scaled_ints(np.array(values), s)
    assert ints is not None and all(Fraction(v) * 2**s == i for v, i in zip(values, ints))
    assert s == 0 or any((Fraction(v) * 2 ** (s - 1)).denominator != 1 for v in values)


def test_tables_at_the_float_limit_through_the_blocked_encoding():
    names = ["a", "b", "c"]
    values = [_MAX, -_MAX, 5e-324, 0.0, -_MAX, _MAX, 1e-300, -1e300]
    rec = sl.Record.from_table(values, names)
    lm = sl.LogicModel.from_terms(names, -_MAX, [("and", ["a"], _MAX), ("and", ["b"], _MAX), ("or", ["a", "c"], 1e-300)])
    exact = max(abs(Fraction(v) - lm.evaluate_exact(m)) for m, v in enumerate(values))
    for eps, want in ((exact, "unsat"), (exact - Fraction(1, 2**1100), "sat")):
        result, mask, rows, total = verify_mod._z3_engine(lm, rec, eps, chunk_rows=2, timeout_s=60, progress=False)
        assert result == want and (want == "sat" or rows == total)
        if want == "sat":
            assert abs(Fraction(values[mask]) - lm.evaluate_exact(mask)) > eps


# ---- verify end to end ------------------------------------------------------------------------------
@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 8), seed=st.integers(0, 10_000), chunk=st.sampled_from([1, 5, 16, 1024]), narrow=st.booleans())
def test_the_blocked_and_per_row_encodings_agree_and_match_the_truth(n, seed, chunk, narrow):
    lm = _model(n, seed, 6, support_bits=max(1, n - 2) if narrow else None)
    eps = Fraction(1, 8)
    rec = sl.Record.from_table(_edge_table(lm, eps, seed), lm.names)
    truth = max(abs(Fraction(float(v)) - lm.evaluate_exact(m)) for m, v in enumerate(rec.values)) <= eps
    words = {enc: verify_mod._z3_engine(lm, rec, eps, chunk_rows=chunk, timeout_s=60, progress=False, encoding=enc)
             for enc in ("blocks", "rows")}
    assert words["blocks"][0] == words["rows"][0] == ("unsat" if truth else "sat")
    assert not truth or words["blocks"][2] == words["blocks"][3]  # a proof checked every row
    v = sl.verify(lm, rec, eps, chunk_rows=chunk)
    assert v.holds is truth and v.engine_results == ({"z3": "unsat", "exact": "holds"} if truth else {"z3": "sat", "exact": "fails"})


def test_z3_alone_refuses_a_one_ulp_violation_when_the_exact_engine_lies(monkeypatch):
    # The exact engine is made to say "no violation"; Z3 must still find the one mask 1 ulp past ε.
    lm = _model(11, 5, 20)
    eps = 0.25
    values = lm.table() + np.random.default_rng(2).uniform(-0.2, 0.2, 1 << 11)
    m = 1234
    f = lm.evaluate_exact(m)
    bad = float(f - Fraction(eps))
    while f - Fraction(bad) <= Fraction(eps):
        bad = math.nextafter(bad, -math.inf)
    values[m] = bad
    rec = sl.Record.from_table(values, lm.names)
    monkeypatch.setattr(verify_mod, "violations", lambda *a, **k: (0, []))
    monkeypatch.setattr(verify_mod, "max_error", lambda *a, **k: type(max_error(lm, rec.values))(Fraction(0), 0))
    v = sl.verify(lm, rec, eps)
    assert not v.holds and v.engine_results["z3"] == "sat"
    assert v.counterexample is not None and v.counterexample["mask"] == m


def test_a_wrong_split_of_the_terms_is_caught_by_z3_and_never_trusted(monkeypatch):
    lm = _model(8, 11, 12)
    support = mask_bits(lm.support_mask)
    blocks, _ = _blocks(lm, support, 16)
    dropped = tuple(smt.TermBlock(b.positions, b.terms[1:] if b.terms else b.terms, b.bias) for b in blocks)
    define_f = smt.model_define_fun(lm, support)
    script = smt.blocks_identity_script(define_f, smt.blocks_define_funs(lm, support, dropped), len(support), dropped)
    assert verify_mod._z3_check(script, 30)[0] == "sat"  # f ≠ the blocks for some assignment: Z3 says so

    # verify with that broken split: Z3 refutes the identity, the per-row encoding decides instead.
    real_blocks = verify_mod.term_blocks
    monkeypatch.setattr(verify_mod, "term_blocks", lambda *a: tuple(
        smt.TermBlock(b.positions, b.terms[1:] if b.terms else b.terms, b.bias) for b in real_blocks(*a)))
    used: list[str] = []
    real_rows = verify_mod.table_chunk_script
    monkeypatch.setattr(verify_mod, "table_chunk_script", lambda *a: used.append("rows") or real_rows(*a))
    rec = sl.Record.from_table(lm.table(), lm.names)  # f in floats: a max error of a few ulps
    tight = sl.verify(lm, rec, chunk_rows=16)
    assert tight.holds and tight.engine_results["z3"] == "unsat" and used
    worse = rec.values.copy()
    worse[77] += 2.0**-30
    v = sl.verify(lm, sl.Record.from_table(worse, lm.names), tight.epsilon_fraction, chunk_rows=16)
    assert not v.holds and v.engine_results["z3"] == "sat" and v.counterexample["mask"] == 77


def test_a_satisfiable_chunk_the_per_row_encoding_does_not_confirm_is_unknown(monkeypatch):
    lm = _model(6, 2, 5)
    values = lm.table()
    values[9] += 1.0
    rec = sl.Record.from_table(values, lm.names)
    monkeypatch.setattr(verify_mod, "_z3_chunk", lambda *a: ("unsat", None))
    result, mask, _, _ = verify_mod._z3_engine(lm, rec, Fraction(1, 2), chunk_rows=8, timeout_s=30, progress=False)
    assert result == "unknown" and mask is None
    assert not sl.verify(lm, rec, 0.5).holds


def test_unknown_encodings_are_refused():
    lm = _model(3, 0, 2)
    rec = sl.Record.from_table(lm.table(), lm.names)
    with pytest.raises(ValueError):
        verify_mod._z3_engine(lm, rec, 0.0, chunk_rows=8, timeout_s=30, progress=False, encoding="fast")


def test_a_fourteen_variable_planted_model_is_proven_quickly():
    # benchmarks/bench_verify.py's setting at n = 14: 16,384 rows, every variable in the support.
    rng = np.random.default_rng(0)
    n = 14
    lm = _model(n, 0, 30)
    lm = sl.LogicModel.from_terms(lm.names, lm.bias, [(t.kind, t.mask, t.coefficient) for t in lm.concepts]
                                  + [("and", 1 << i, float(rng.normal()) * 0.1) for i in range(n)])
    rec = sl.Record.from_table(lm.table() + rng.uniform(-0.01, 0.01, size=1 << n), lm.names)
    t = time.perf_counter()
    v = sl.verify(lm, rec)
    assert v.holds and v.rows_checked == 1 << n
    assert time.perf_counter() - t < 60  # about 1 s on 2 shared cores; the per-row encoding took 5–10 s


# ---- honest verdicts: relative ε and weak explanations ----------------------------------------------
def _range_record() -> tuple[sl.Record, sl.LogicModel]:
    rec = sl.Record.from_table([0.0, 1.0, 2.0, 14.3], names=["a", "b"])
    lm = sl.LogicModel.from_terms(["a", "b"], 0.0, [("and", ["a"], 1.0), ("and", ["b"], 2.0), ("and", ["a", "b"], 11.3)])
    return rec, lm


def test_a_small_epsilon_is_not_weak_and_says_its_share_of_the_range():
    rec, lm = _range_record()
    v = sl.verify(lm, rec, 0.63)
    assert v.holds and not v.weak and v.relative_epsilon == pytest.approx(0.63 / 14.3)
    text = str(v)
    assert text.startswith("ε-equivalence HOLDS: ε = 0.63 (4.4 % of the output range 14.3)")
    assert "WEAK" not in text
    assert v.to_dict()["weak"] is False and v.to_dict()["relative_epsilon"] == v.relative_epsilon


def test_a_weak_epsilon_is_said_plainly_and_never_reads_as_plain_success():
    rec, _ = _range_record()
    constant = sl.LogicModel.from_terms(["a", "b"], 7.0, [])  # f ≡ 7: max error 7.3, 51 % of the range
    v = sl.verify(constant, rec)
    assert v.holds and v.weak and v.relative_epsilon == pytest.approx(7.3 / 14.3)
    text = str(v)
    assert "ε-equivalence HOLDS (WEAK: ε is 51 % of the output range)" in text
    assert "ε-equivalence HOLDS:" not in text
    assert "WEAK EXPLANATION: ε is 51 % of the output range; a proof at this ε says little" in text
    assert "symlogic.sparsest(rec, 0.05)" in text and "`symlogic explain --epsilon 0.05`" in text
    d = v.to_dict()
    assert d["weak"] is True and d["status"] == "holds"
    # Just below and just above the 5 % line (weak depends on ε and the range, not on the model).
    _, exact = _range_record()
    below, above = sl.verify(exact, rec, 0.05 * 14.3 * 0.999), sl.verify(exact, rec, 0.05 * 14.3 * 1.001)
    assert below.holds and not below.weak and above.holds and above.weak


def test_a_failing_verdict_at_a_weak_epsilon_is_not_called_holds():
    rec, _ = _range_record()
    v = sl.verify(sl.LogicModel.from_terms(["a", "b"], 7.0, []), rec, 1.0)
    assert not v.holds and v.weak and str(v).startswith("ε-equivalence FAILS: ε = 1 (7 % of the output range 14.3)")


def test_unknown_and_zero_ranges():
    rec, lm = _range_record()
    v = sl.verify(lm, rec, 5.0)
    unknown = sl.Verdict.from_dict({k: val for k, val in v.to_dict().items() if k not in ("output_range", "weak", "relative_epsilon")})
    assert unknown.output_range is None and unknown.relative_epsilon is None and not unknown.weak
    assert "output range" not in str(unknown) and "WEAK" not in str(unknown)
    flat = sl.Record.from_table([3.0] * 4, names=["a", "b"])
    exact = sl.verify(sl.LogicModel.from_terms(["a", "b"], 3.0, []), flat)
    assert exact.output_range == 0 and exact.relative_epsilon is None and not exact.weak  # ε = 0, range 0
    off = sl.verify(sl.LogicModel.from_terms(["a", "b"], 3.5, []), flat)
    # ε > 0 on outputs that never vary: no share to judge by (as symlogic.weak.is_weak), said in words.
    assert off.holds and off.relative_epsilon is None and not off.weak
    assert str(off).startswith("ε-equivalence HOLDS: ε = 0.5 (the recorded outputs do not vary: output range 0)")
    huge = sl.Record.from_table([_MAX, -_MAX], names=["a"])  # the range is beyond float64: stored as inf
    v = sl.verify(sl.LogicModel.from_terms(["a"], _MAX, [("and", ["a"], -_MAX)]), huge)
    assert v.output_range == math.inf and v.relative_epsilon is None and not v.weak and str(v)


def test_weak_and_relative_epsilon_round_trip_and_are_re_derived():
    rec, lm = _range_record()
    for v in (sl.verify(lm, rec, 0.63), sl.verify(sl.LogicModel.from_terms(["a", "b"], 7.0, []), rec)):
        d = json.loads(json.dumps(v.to_dict()))
        back = sl.Verdict.from_dict(d)
        assert back == v and back.weak is v.weak and back.relative_epsilon == v.relative_epsilon
        # Derived fields are re-derived from ε and the range, never taken from the dict.
        assert sl.Verdict.from_dict(dict(d, weak=not v.weak, relative_epsilon=0.5)).weak is v.weak
        assert sl.Verdict.from_dict(dict(d, relative_epsilon=None)).relative_epsilon == v.relative_epsilon
        for bad in ({"weak": "yes"}, {"weak": 1}, {"relative_epsilon": "0.1"}, {"relative_epsilon": True}):
            with pytest.raises(InputError):
                sl.Verdict.from_dict(dict(d, **bad))


def test_a_huge_epsilon_has_an_infinite_share_and_is_weak():
    rec, lm = _range_record()
    v = sl.verify(lm, rec, Fraction(10**400))
    assert v.holds and v.relative_epsilon == math.inf and v.weak and "WEAK EXPLANATION" in str(v)
    assert float_upper(Fraction(10**400)) == math.inf
