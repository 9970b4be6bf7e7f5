"""Index-named interaction claims in ``proofs/recheck.py`` (docs/recheck.md, docs/theory.md §2.6).

What is tested: the re-checker's own weights equal symlogic's ``value_weights`` exactly (n ≤ 6, every
set size and order), its index values equal a brute-force superset sum of the dividends and symlogic's
float indices (OR and Co-Möbius conventions included), its margins are Σ_T |w_S(T)| and carry claims
from f to v; its parser reads index heads exactly as symlogic's does; and on bundles with claims of
every index (record and model targets, true, false, false by one ulp) it agrees with
``Evidence.recheck()``, including when a claim's threshold, order or index is altered.
"""

from __future__ import annotations

import json
import math
import random
import re
import subprocess
import sys
import zipfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import symlogic as sl
from symlogic.claims import parse_claim
from symlogic.claims.exact_values import exact_class_sum
from symlogic.errors import ClaimSyntaxError, SymlogicError
from symlogic.evidence import Evidence
from symlogic.indices.weights import abs_weight_sum, mobius_weights, value_weights

RECHECK = Path(__file__).resolve().parents[2] / "proofs" / "recheck.py"
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

#: Every index a claim can name, with an order where it takes one.
INDEXES = [("AND", None), ("OR", None), ("SII", None), ("BII", None), ("Co-Möbius", None)] + [
    (name, k) for name in ("k-SII", "STII", "FSII", "FBII") for k in (1, 2, 3)]
ORDERED = ("k-SII", "STII", "FSII", "FBII")


def head(name: str, order: int | None) -> str:
    return f"interaction[{name}" + ("" if order is None else f", order={order}") + "]"


def ratio(x: Fraction) -> str:
    """An exact claim number for x."""
    return f"{x.numerator}/{x.denominator}" if x.denominator != 1 else str(x.numerator)


def brute_index(v: list[Fraction], s: int, name: str, order: int | None) -> Fraction:
    """I(S) = Σ_{U⊇S} c(|S|, |U|)·m(U) by the definition: dividends by brute force (O(3^n)),
    c from symlogic's table (docs/theory.md §2.6)."""
    size = len(v)
    n = size.bit_length() - 1
    c = mobius_weights(name, n, order)[bin(s).count("1")]
    m = [sum((-1) ** bin(u ^ t).count("1") * v[t] for t in range(size) if t & u == t) for u in range(size)]
    return sum((c[bin(u).count("1")] * m[u] for u in range(size) if u & s == s), Fraction(0))


def symlogic_ok(path: Path) -> bool:
    try:
        return Evidence.load(path).recheck().ok
    except SymlogicError:
        return False


# ---- 1. the weights: closed forms, symlogic's table, brute force -------------------------------


def test_closed_forms(rk):
    assert rk.bernoulli(6) == [1, Fraction(-1, 2), Fraction(1, 6), 0, Fraction(-1, 30), 0, Fraction(1, 42)]
    v = [0, 1, 2, 4]  # two variables
    assert rk.index_value(("SII", None), 0b01, v, 2) == Fraction(3, 2)       # the Shapley value of x0
    assert rk.index_value(("k-SII", 1), 0b10, v, 2) == Fraction(5, 2)        # order 1: Shapley values
    assert rk.index_value(("BII", None), 0, v, 2) == Fraction(7, 4)          # BII(∅): the mean of v
    assert rk.index_value(("OR", None), 0b11, v, 2) == -1                    # (−1)^{|S|+1}·m(ab), m(ab) = 1
    assert rk.index_value(("Co-Möbius", None), 0b01, v, 2) == 2              # m(a) + m(ab) = 1 + 1
    assert rk.index_value(("AND", None), 0b11, v, 2) == 1
    assert rk.value_weights(("AND", None), 1, 2) == {(0, 0): -1, (1, 0): 1, (0, 1): 0, (1, 1): 0}
    for n in range(6):
        for s in range(n + 1):
            assert rk.margin_factor(("AND", None), s, n) == 2**s == rk.margin_factor(("SII", None), s, n)
    assert rk.margin_factor(("BII", None), 1, 3) == 2  # |w| = 1/4 on each of the 8 masks


#: The unanimity game of three variables (v(T) = [T = N], so m(N) = 1 and every other dividend 0):
#: each index's value at one set of each size, from the closed forms of docs/theory.md §2.6.
UNANIMITY = [
    (("SII", None), (Fraction(1, 3), Fraction(1, 2), 1)),       # 1/(d + 1)
    (("BII", None), (Fraction(1, 4), Fraction(1, 2), 1)),       # 2^{−d}
    (("STII", 2), (0, Fraction(1, 3), 0)),                      # m(S) below k, 1/C(3, 2) at k, 0 above
    (("k-SII", 2), (Fraction(-1, 6), Fraction(1, 2), 0)),       # (1 + 3·B_1)/3, SII at s = k, 0 above
    (("FSII", 2), (Fraction(-1, 6), Fraction(1, 2), 0)),        # −(1/3)·2·1/C(4, 3), (2/4)·1·1/C(4, 4)
    (("FBII", 2), (Fraction(-1, 4), Fraction(1, 2), 0)),        # −C(1, 1)/4, C(0, 0)/2
    (("Co-Möbius", None), (1, 1, 1)),
    (("OR", None), (1, -1, 1)),                                 # (−1)^{s+1}
    (("AND", None), (0, 0, 1)),
]


@pytest.mark.parametrize("index,want", UNANIMITY)
def test_unanimity_game_closed_forms(rk, index, want):
    v = [0] * 7 + [1]
    assert tuple(rk.index_value(index, s, v, 3) for s in (0b001, 0b011, 0b111)) == want
    if index[0] in ("k-SII", "STII", "FSII"):  # efficient: Σ_S I(S) = v(N), with I(∅) = v(∅) = 0
        assert sum(rk.index_value(index, s, v, 3) for s in range(8)) == 1


@pytest.mark.parametrize("name", ["AND", "OR", "SII", "BII", "Co-Möbius", *ORDERED])
def test_weights_equal_symlogic_exactly(rk, name):
    """Every n ≤ 6, set size s and order (1 … n + 1 for the ordered indices, capped at n): the value
    weights W(i, j) and the margin factor Σ_T |w_S(T)| are symlogic's, as exact fractions."""
    for n in range(7):
        for k in (range(1, n + 2) if name in ORDERED else [None]):
            for s in range(n + 1):
                mine = rk.value_weights((name, k), s, n)
                assert {key: w for key, w in mine.items() if w} == dict(value_weights(name, s, n, k)), (n, k, s)
                assert all(isinstance(w, Fraction) for w in mine.values())
                assert rk.margin_factor((name, k), s, n) == abs_weight_sum(name, s, n, k), (n, k, s)


def test_ordered_indices_at_order_n_are_the_dividends(rk):
    """docs/theory.md §2.6: at order k ≥ n every ordered index of a non-empty set is m(S)."""
    rng = random.Random(5)
    for n in range(1, 5):
        v = [rng.randint(-9, 9) for _ in range(1 << n)]
        for name in ORDERED:
            for s in range(1, 1 << n):
                assert rk.index_value((name, n + 1), s, v, n) == rk.index_value(("AND", None), s, v, n)


tables = st.integers(0, 4).flatmap(lambda n: st.tuples(st.just(n), st.lists(st.integers(-20, 20), min_size=1 << n,
                                                                              max_size=1 << n)))


@settings(max_examples=60, deadline=None)
@given(tables, st.sampled_from(INDEXES), st.data())
def test_index_value_is_the_superset_sum_of_the_dividends(rk, case, index, data):
    """Against the definition, O(3^n): Σ_{U⊇S} c(|S|, |U|)·m(U) with m by brute force; and the
    efficient ones (k-SII, STII, FSII) sum to v(N) over all sets, ∅ included."""
    n, v = case
    s = data.draw(st.integers(0, (1 << n) - 1))
    name, order = index
    assert rk.index_value(index, s, v, n) == brute_index([Fraction(x) for x in v], s, name, order)
    if name in ("k-SII", "STII", "FSII"):
        assert sum(rk.index_value(index, t, v, n) for t in range(1 << n)) == v[-1]


@settings(max_examples=40, deadline=None)
@given(tables, st.sampled_from(INDEXES), st.data())
def test_margin_factor_is_the_l1_norm_of_the_value_weights(rk, case, index, data):
    """By linearity w_S(T) is the index of the table e_T (1 at T, 0 elsewhere): Σ_T |w_S(T)| by
    brute force, one unit table per mask."""
    n, _ = case
    s = data.draw(st.integers(0, (1 << n) - 1))
    units = [[int(t == u) for t in range(1 << n)] for u in range(1 << n)]
    brute = sum(abs(brute_index([Fraction(x) for x in e], s, *index)) for e in units)
    assert rk.margin_factor(index, bin(s).count("1"), n) == brute


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(0, 2**32), st.sampled_from(INDEXES))
def test_index_values_match_symlogic(rk, n, seed, index):
    """Every non-empty set: the exact value equals symlogic's exact class sum, and is the float that
    symlogic's vectorised kernel computes up to rounding (its own OR and Co-Möbius conventions)."""
    rng = random.Random(seed)
    values = [round(rng.uniform(-3, 3), 3) for _ in range(1 << n)]
    d, (u,) = rk.common(values)
    name, order = index
    fast = sl.interactions(values, name, **({"order": order} if name in ORDERED else {})).values
    for s in range(1, 1 << n):
        mine = Fraction(rk.index_value(index, s, u, n), d)
        k = bin(s).count("1")
        assert mine == exact_class_sum(np.asarray(values), s, value_weights(name, k, n, order))
        assert math.isclose(float(mine), float(fast[s]), rel_tol=1e-9, abs_tol=1e-9), (name, order, s)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(0, 2**32), st.sampled_from(INDEXES),
       st.sampled_from([Fraction(1, 64), Fraction(1, 10), Fraction(1, 3)]), st.sampled_from([">=", ">", "<=", "<"]))
def test_index_margin_carries_claims_from_f_to_v(rk, n, seed, index, eps, op):
    """docs/theory.md §4.5 by brute force: |f − v| ≤ ε on every mask and the claim with margin holds
    on f ⇒ the claim holds on v; thresholds drawn near v's and f's own values, so both sides occur."""
    rng = random.Random(seed)
    names = [f"x{i}" for i in range(n)]
    v = [rng.randint(-8, 8) / 8 for _ in range(1 << n)]
    f = [x + float(eps) * rng.choice((-1, 0, 1)) for x in v]
    d, (fi, vi) = rk.common(f, v)
    assume(all(abs(Fraction(a - b, d)) <= eps for a, b in zip(fi, vi)))
    xs = [x for i, x in enumerate(names) if rng.random() < 0.6] or names[:1]
    s = sum(1 << names.index(x) for x in xs)
    anchor = Fraction(rk.index_value(index, s, fi, n), d)
    c = anchor + rng.choice((-1, 0, 1)) * eps * rk.margin_factor(index, len(xs), n) * rng.choice((Fraction(1, 2), 1, 2))
    concl = ("interaction", index, xs, op, c)
    bit = {x: i for i, x in enumerate(names)}
    margin = rk.with_margin(concl, eps, n, bit)
    if rk.decide(margin, ("true",), fi, d, n, names, bit)[0] == "holds":
        assert rk.decide(concl, ("true",), vi, d, n, names, bit)[0] == "holds"


# ---- 2. the parser: index heads as symlogic reads them -----------------------------------------


@pytest.mark.parametrize("text,index", [
    ("interaction(a, b) >= 0", ("AND", None)),
    ("interaction[AND](a, b) >= 0", ("AND", None)),
    ("interaction[Möbius](a) >= 0", ("AND", None)),
    ("interaction[harsanyi](a) >= 0", ("AND", None)),
    ("interaction[or](a) >= 0", ("OR", None)),
    ("interaction[Shapley interaction index](a, b) <= 1", ("SII", None)),
    ("interaction[banzhaf interaction](a) <= 1", ("BII", None)),
    ("interaction[k-SII, order=2](a, b) >= 0.5", ("k-SII", 2)),
    ("interaction[n-Shapley values, order=007](a) >= 0.5", ("k-SII", 7)),
    ("interaction[K_SII, order=2](a) > 0", ("k-SII", 2)),
    ("interaction['Shapley-Taylor interaction index', order=3](a) > 0", ("STII", 3)),
    ("interaction[FAITH SHAP, order=1](a) > 0", ("FSII", 1)),
    ("interaction[faithful-banzhaf, order=2](a) > 0", ("FBII", 2)),
    ("interaction[co moebius](a) < 1", ("Co-Möbius", None)),
    ("interaction[`Co-Möbius`](a) < 1", ("Co-Möbius", None)),
])
def test_parser_reads_index_names_as_symlogic(rk, text, index):
    concl = rk.Parser(text).claim()[1]
    assert concl[1] == index
    theirs = parse_claim(text).conclusion
    assert (theirs.index, theirs.order) == index


@pytest.mark.parametrize("text", [
    "interaction[k-SII](a) >= 0", "interaction[SII, order=2](a) >= 0", "interaction[k-SII, order=0](a) >= 0",
    "interaction[k-SII, order=1234567](a) >= 0", "interaction[k-SII, Order=2](a) >= 0", "interaction[Shapley](a) > 0",
    "interaction[k-SII, order=2.0](a) >= 0", "interaction[](a) > 0", "interaction[SII(a) > 0", "interaction[k/SII, order=1](a) > 0",
    "interaction[SII] (a) = 0", "a -> interaction[SII](a) > 0", "interaction[\"SII\" x](a) > 0", "output[SII] > 0",
    "interaction[SII, order](a) > 0", "interaction[SII],(a) > 0",
])
def test_parser_refuses_what_symlogic_refuses(rk, text):
    with pytest.raises(ClaimSyntaxError):
        parse_claim(text)
    with pytest.raises(rk.ClaimError):
        rk.Parser(text).claim()


HEAD_ALPHABET = st.sampled_from(["k", "-", "SII", "k-SII", "STII", "FSII", "FBII", "BII", "AND", "OR", "Co", "Möbius",
                                 "Shapley", "Taylor", "'k-SII'", "order", "=", "2", "0", "02", ",", "[", "]", " ", "+",
                                 "1.5", "n", "values", "interaction", "(", ")", "a"])


@settings(max_examples=400, deadline=None)
@given(st.lists(HEAD_ALPHABET, max_size=8).map("".join), st.sampled_from(["(a, b) >= 1", "(a) < -2", "(a, a) > 0"]),
       st.booleans())
def test_parser_accepts_index_heads_exactly_when_symlogic_does(rk, inner, tail, bracketed):
    """Token soup inside (or instead of) the brackets: accepted by both, with the same index and
    order, or refused by both."""
    text = f"interaction[{inner}]{tail}" if bracketed else f"interaction{inner}{tail}"
    try:
        theirs = parse_claim(text).conclusion
        theirs = (theirs.index, theirs.order)
    except ClaimSyntaxError:
        theirs = None
    try:
        ours = rk.Parser(text).claim()[1][1]
    except rk.ClaimError:
        ours = None
    assert ours == theirs, text


# ---- 3. bundles with index claims: agreement with symlogic -------------------------------------

NAMES = ["a", "b", "my var", "d"]
SETS = [["a", "b"], ["my var"], ["a", "b", "d"]]


def table(n: int, seed: int) -> list[float]:
    """An AND-OR table (AND of the first two, OR of the last two) with non-dyadic noise."""
    rng = random.Random(seed)
    return [1.5 * (t & 3 == 3) + 0.8 * (t >> (n - 2) != 0) - 0.3 * (t & 1) + round(rng.uniform(-0.01, 0.01), 3)
            for t in range(1 << n)]


def index_claims(rec: sl.Record) -> list:
    """For every index and a set: the value exactly (holds with >=, fails with >), the float just
    above it (fails by at most one ulp), and on the model a loose bound (through ε), the exact value
    (decided on the record) and a false one."""
    claims: list = []
    for t, (name, order) in enumerate(INDEXES):
        xs = SETS[t % len(SETS)]
        s = sum(1 << NAMES.index(x) for x in xs)
        x = exact_class_sum(rec.values, s, value_weights(name, len(xs), rec.n, order))
        up = Fraction(float(x)) if Fraction(float(x)) > x else Fraction(math.nextafter(float(x), math.inf))
        args = ", ".join(f"`{v}`" if " " in v else v for v in xs)
        h = f"{head(name, order)}({args})"
        claims += [f"{h} >= {ratio(x)}", f"{h} > {ratio(x)}", f"{h} >= {ratio(up)}", f"{h} < {ratio(up)}",
                   (f"{h} >= {ratio(x - 40)}", "model"), (f"{h} <= {ratio(x)}", "model"), (f"{h} < {ratio(x)}", "model")]
    return claims


@pytest.fixture(scope="module")
def index_bundle(tmp_path_factory) -> Path:
    rec = sl.Record.from_table(table(4, 11), names=NAMES)
    lm = sl.LogicModel.from_terms(NAMES, 0.0, [("and", ["a", "b"], 1.5), ("or", ["my var", "d"], 0.8), ("and", ["a"], -0.3)])
    path = tmp_path_factory.mktemp("index-bundles") / "indices.zip"
    return Path(sl.evidence(lm, rec, claims=index_claims(rec)).save(path))


def read(path: Path) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("manifest.json")), {n: zf.read(n) for n in zf.namelist() if n != "manifest.json"}


def write(path: Path, manifest: dict, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_index_claims_re_check_in_both(rk, index_bundle):
    """Every claim reproduces; the stored outcomes are the intended ones (so the bundle tests both
    verdicts, the one-ulp case and both routes of a model claim)."""
    checks, code, error = rk.recheck(str(index_bundle))
    assert code == 0 and error is None, [c for c in checks if not c.ok]
    assert symlogic_ok(index_bundle)
    stored = read(index_bundle)[0]["claims"]
    assert sum(c.name.startswith("claim ") for c in checks) == len(stored) == 7 * len(INDEXES)
    for t in range(len(INDEXES)):
        got = [(c["status"], c["route"].split(":")[0]) for c in stored[7 * t:7 * t + 7]]
        assert [g[0] for g in got] == ["holds", "fails", "fails", "holds", "holds", "holds", "fails"], (INDEXES[t], got)
        # a set above the order has the index 0 on every table: the margin is 0 and the model decides
        fixed = abs_weight_sum(INDEXES[t][0], len(SETS[t % len(SETS)]), 4, INDEXES[t][1]) == 0
        assert got[4][1].startswith("model + proven") and got[6][1] == "record", (INDEXES[t], got)
        assert got[5][1].startswith("model + proven") if fixed else got[5][1] == "record", (INDEXES[t], got)
    cex = stored[2]["counterexample"]
    assert set(cex) == {"mask", "present", "absent", "interaction", "interaction_exact", "threshold"}
    script = subprocess.run([sys.executable, "-I", "-S", str(RECHECK), str(index_bundle)], capture_output=True,
                            text=True, timeout=300)
    assert script.returncode == 0 and script.stdout.rstrip().endswith("ALL RE-CHECKED")
    cli = subprocess.run([sys.executable, "-m", "symlogic", "-q", "verify", str(index_bundle)], capture_output=True,
                         text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr[-300:]


def _alter(text: str, how: str) -> str:
    if how == "threshold":
        for a, b in ((">=", "<"), ("<=", ">"), (" > ", " <= "), (" < ", " >= ")):
            if a in text:
                return text.replace(a, b, 1)
    if how == "order":  # k → k % 3 + 1
        return re.sub(r"order=(\d)", lambda m: f"order={int(m.group(1)) % 3 + 1}", text)
    renames = {"[OR]": "[Co-Möbius]", "[Co-Möbius]": "[OR]", "[SII]": "[BII]", "[BII]": "[SII]", "[AND]": "[SII]",
               "k-SII": "FSII", "FSII": "k-SII", "STII": "FBII", "FBII": "STII"}
    return next((text.replace(a, b, 1) for a, b in renames.items() if a in text), text)


@pytest.mark.parametrize("how", ["threshold", "order", "index"])
def test_altered_index_claims_are_refused_by_both(rk, index_bundle, tmp_path, how):
    """One claim's text altered at a time (its stored result kept): the threshold's direction, the
    order, the index's name. Both checkers refuse every altered bundle whose claim now means
    something else. Where the alteration keeps the value (a set above the order is 0 at both orders;
    OR is Co-Möbius on odd sets; f's dividends do not tell two orders apart) the stored result is
    still what symlogic finds afresh: this checker accepts it, and symlogic, which also compares the
    prose (the explanation names the index), may refuse it."""
    man, members = read(index_bundle)
    ev = Evidence.load(index_bundle)
    picks = [i for i, c in enumerate(man["claims"]) if _alter(c["claim"], how) != c["claim"]][::4]
    refused = 0
    for i in picks:
        text = _alter(man["claims"][i]["claim"], how)
        altered = json.loads(json.dumps(man))
        altered["claims"][i]["claim"] = text
        path = write(tmp_path / f"{how}-{i}.zip", altered, members)
        target = man["claims"][i]["target"]
        fresh = sl.check(text, ev.record) if target == "record" else sl.check(text, ev.logic_model, epsilon=ev.verdict,
                                                                               record=ev.record)
        fresh = json.loads(json.dumps(fresh.to_dict()))
        same = all(fresh[k] == man["claims"][i][k] for k in ("status", "counterexample", "values", "route"))
        assert rk.recheck(str(path))[1] == (0 if same else 1), text
        assert same or not symlogic_ok(path), text
        refused += not same
    assert refused >= 6, refused


def test_a_stored_index_value_edited_is_refused(rk, index_bundle, tmp_path):
    man, members = read(index_bundle)
    c = next(c for c in man["claims"] if "k-SII" in c["claim"] and c["status"] == "fails")
    c["counterexample"]["interaction_exact"] = "1/3"
    assert rk.recheck(str(write(tmp_path / "edited.zip", man, members)))[1] == 1


def test_model_index_claims_without_a_bound_are_not_re_checked(rk, index_bundle, tmp_path):
    """ε stated below the model's exact max error: the verdict fails, and no model claim (index ones
    included) is passed through the model: each is reported "not re-checked"."""
    man, members = read(index_bundle)
    eps = Fraction(man["verdict"]["max_error_exact"]) / 2
    man["verdict"].update(epsilon_exact=ratio(eps), epsilon=float(eps) if Fraction(float(eps)) >= eps
                          else math.nextafter(float(eps), math.inf))
    checks, code, _ = rk.recheck(str(write(tmp_path / "no-bound.zip", man, members)))
    failed = {c.name: c.detail for c in checks if not c.ok}
    model = [c["claim"] for c in man["claims"] if c["target"] == "model"]
    assert code == 1 and "ε-equivalence" in failed and not symlogic_ok(tmp_path / "no-bound.zip")
    assert all(failed[f"claim {t!r} on the model"].startswith("not re-checked") for t in model)
