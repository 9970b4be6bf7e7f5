"""``proofs/recheck.py``: the standard-library re-check of an evidence bundle (docs/recheck.md).

What is tested: it imports nothing outside the standard library; it agrees with
``Evidence.recheck().ok`` / ``symlogic verify`` on every honest bundle the tests build and on more
than a thousand altered ones (manifest fields, claim texts, re-hashed arrays, forged splits), and
never accepts a bundle that the independent exact oracle (``tests/soundness_oracle.py``) finds a
false statement in; its arithmetic matches closed forms and brute-force references.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import io
import json
import math
import random
import subprocess
import sys
import zipfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import soundness_oracle as so
import symlogic as sl
from symlogic.claims import parse_claim
from symlogic.errors import ClaimSyntaxError, SymlogicError
from symlogic.evidence import Evidence
from symlogic.verify import model_sha256

ROOT = Path(__file__).resolve().parents[2]
RECHECK = ROOT / "proofs" / "recheck.py"

evidence_module = importlib.import_module("symlogic.evidence")  # the module (symlogic.evidence is also a function)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


# ---- helpers ----------------------------------------------------------------------------------


def symlogic_ok(path: Path) -> bool:
    """What ``symlogic verify`` decides: load and re-check, any SymlogicError a failure."""
    try:
        return Evidence.load(path).recheck().ok
    except SymlogicError:
        return False


def mine(rk, path: Path) -> int:
    return rk.recheck(str(path))[1]


def read(path: Path) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("manifest.json")), {n: zf.read(n) for n in zf.namelist() if n != "manifest.json"}


def npy(values) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.asarray(values, dtype=np.float64), allow_pickle=False)
    return buf.getvalue()


def write(path: Path, manifest: dict, members: dict[str, bytes], *, rehash: bool = True) -> Path:
    """A bundle from a manifest and members; ``rehash`` rewrites the members map and the table's
    SHA-256 (record.values_sha256 and verdict.record_sha256) so that no hash gives an edit away."""
    manifest = copy.deepcopy(manifest)
    if rehash:
        manifest["members"] = {n: hashlib.sha256(d).hexdigest() for n, d in members.items()}
        vals = np.load(io.BytesIO(members["values.npy"]), allow_pickle=False)
        manifest["record"]["values_sha256"] = hashlib.sha256(vals.tobytes()).hexdigest()
        spread = Fraction(float(vals.max())) - Fraction(float(vals.min()))
        up = float(spread) if Fraction(float(spread)) >= spread else math.nextafter(float(spread), math.inf)
        for part in (manifest.get("verdict") or {}, manifest.get("pareto") or {}):
            part.update({k: x for k, x in (("record_sha256", manifest["record"]["values_sha256"]),
                                           ("output_range", up)) if part.get(k) is not None})
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def run_script(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-I", "-S", str(RECHECK), *args], capture_output=True, text=True,
                          timeout=timeout)


# ---- 1. only the standard library -------------------------------------------------------------

GUARD = """
import runpy, sys
std = set(sys.stdlib_module_names) | {"__main__"}
class NoThirdParty:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in std:
            raise ImportError("the re-checker imported " + name + ", which is not in the standard library")
sys.meta_path.insert(0, NoThirdParty())
script, sys.argv = sys.argv[1], sys.argv[1:]
try:
    runpy.run_path(script, run_name="__main__")
finally:
    extra = sorted({m.split(".")[0] for m in sys.modules} - std)
    print("NON-STDLIB MODULES", extra, file=sys.stderr) if extra else None
"""


def test_runs_with_the_standard_library_alone(built_bundles):
    """Isolated (-I -S: no site-packages, no user paths) under an import guard that refuses any
    module outside ``sys.stdlib_module_names``; every module loaded at exit is a standard one."""
    out = subprocess.run([sys.executable, "-I", "-S", "-c", GUARD, str(RECHECK), str(built_bundles["full"]), "--json"],
                         capture_output=True, text=True, timeout=120)
    assert "NON-STDLIB" not in out.stderr and "ImportError" not in out.stderr, out.stderr
    report = json.loads(out.stdout)
    assert out.returncode == 0 and report["ok"] and report["exit_code"] == 0
    assert {c["name"] for c in report["checks"]} >= {"bundle", "universal matching", "dual certificate",
                                                     "ε-equivalence", "size-vs-error front"}
    source = RECHECK.read_text(encoding="utf-8")
    imported = {line.split()[1].split(".")[0] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


# ---- 2. honest bundles -------------------------------------------------------------------------


def test_every_built_bundle_re_checks_in_both(rk, built_bundles):
    for name, path in built_bundles.items():
        checks, code, error = rk.recheck(str(path))
        assert code == 0 and error is None, (name, [c for c in checks if not c.ok])
        assert symlogic_ok(path), name
        claims = read(path)[0]["claims"]
        assert sum(c.name.startswith("claim ") for c in checks) == len(claims)


def test_script_output_and_exit_codes(built_bundles, tmp_path):
    ok = run_script(str(built_bundles["no-extraction"]))
    assert ok.returncode == 0 and ok.stdout.rstrip().endswith("ALL RE-CHECKED")
    assert all(line.startswith("[ok] ") for line in ok.stdout.splitlines()[:-1])
    assert run_script(str(tmp_path / "missing.zip")).returncode == 2
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    junk = run_script(str(tmp_path / "junk.zip"))
    assert junk.returncode == 2 and "not a zip" in junk.stderr


def test_cli_and_script_agree_on_exit_codes(rk, built_bundles, tmp_path):
    """Both command lines on an honest bundle (0) and on one with a byte of its table changed (1: the
    SHA-256); a claim's stored outcome flipped fails both in-process (1: it does not re-check)."""
    man, members = read(built_bundles["no-extraction"])
    tampered = dict(members, **{"values.npy": members["values.npy"][:-1] + b"\x01"})
    write(tmp_path / "tampered.zip", man, tampered, rehash=False)
    for path, want in ((built_bundles["no-extraction"], 0), (tmp_path / "tampered.zip", 1)):
        cli = subprocess.run([sys.executable, "-m", "symlogic", "-q", "verify", str(path)], capture_output=True,
                             text=True, timeout=300)
        assert (cli.returncode, run_script(str(path)).returncode) == (want, want), (path, cli.stderr[-300:])
    flipped = copy.deepcopy(man)
    flipped["claims"][0].update(holds=not flipped["claims"][0]["holds"],
                                status="fails" if flipped["claims"][0]["holds"] else "holds")
    path = write(tmp_path / "flipped.zip", flipped, members, rehash=False)
    assert mine(rk, path) == 1 and not symlogic_ok(path)


# ---- 3. altered bundles: agreement with symlogic, soundness against the oracle -----------------


@pytest.fixture
def fast_symlogic(monkeypatch):
    """Memoise ``verify`` and the claim check inside ``Evidence.recheck`` by everything their result
    depends on (model and table SHA-256, names, ε, claim text and target, the verdict used). Both
    are deterministic; the re-check compares their results with the bundle as before, only once per
    distinct input instead of once per altered bundle (Z3 dominates the time otherwise)."""
    verify, check_claim = evidence_module.verify, evidence_module._check_claim
    verdicts: dict = {}
    claims: dict = {}

    def cached_verify(lm, rec, epsilon=None, **kw):
        key = (model_sha256(lm), rec.fingerprint, rec.names, None if epsilon is None else Fraction(epsilon))
        if key not in verdicts:
            verdicts[key] = verify(lm, rec, epsilon=epsilon, **kw)
        return verdicts[key]

    def cached_claim(text, target, rec, lm, verdict, time_limit):
        key = (text, target, rec.fingerprint, rec.names, model_sha256(lm), time_limit, None if verdict is None else
               (verdict.holds, verdict.epsilon_exact, verdict.model_sha256, verdict.record_sha256))
        if key not in claims:
            claims[key] = check_claim(text, target, rec, lm, verdict, time_limit)
        return claims[key]

    monkeypatch.setattr(evidence_module, "verify", cached_verify)
    monkeypatch.setattr(evidence_module, "_check_claim", cached_claim)


@pytest.fixture(scope="module")
def mutation_cases(built_bundles, tmp_path_factory) -> list[so.BundleCase]:
    """The oracle's honest bundles (random claims of every kind, a model claim, a status that is
    not "optimal") and the bundle with a front and model claims."""
    cases = so.build_bundle_cases(str(tmp_path_factory.mktemp("oracle")), seed=3, count=2)
    man, members = read(built_bundles["full"])
    return cases + [so.BundleCase("full-front", man, members, {}, 4)]


#: Fields this re-checker does not read, by design (docs/recheck.md): prose, the engines' own words, and
#: keys the format does not define. symlogic compares the prose too, so it refuses edits there.
NOT_READ = ("claims[].explanation", "claims[].engines", "verdict.explanation")


def _unread(m: so.Mutation) -> bool:
    key = so.path_key(m.path)
    return m.op == "add" or any(key == p or key.startswith((p + ".", p + "[")) for p in NOT_READ)


def test_altered_bundles_agree_with_symlogic(rk, mutation_cases, fast_symlogic, tmp_path):
    """Every manifest field changed one at a time (values and types), claim texts rewritten, member
    arrays rewritten and re-hashed, AND/OR splits forged with the objective and gap rewritten: the
    exit code agrees with symlogic's re-check. The only allowed difference: symlogic also refuses an
    edit of prose, of an engine report or of an unknown key, or a rewritten claim whose stored
    result is still true of the new text (symlogic then differs on the explanation); there the
    re-checker may accept, but only when the exact oracle finds nothing false in the bundle."""
    rng = random.Random(11)
    work = []
    for case in mutation_cases:
        so.write_bundle(str(tmp_path / "honest.zip"), case.manifest, case.members)
        assert mine(rk, tmp_path / "honest.zip") == 0 and symlogic_ok(tmp_path / "honest.zip"), case.name
        ms = so.manifest_mutations(case, rng) + so.array_mutations(case, rng)
        rng.shuffle(ms)
        work += [(case, m) for m in ms[:380]]
    path, agreed, problems = tmp_path / "m.zip", 0, []
    for case, m in work:
        manifest, members = m.apply(case.manifest, case.members)
        so.write_bundle(str(path), manifest, members)
        ours, theirs = mine(rk, path) == 0, symlogic_ok(path)
        if ours == theirs:
            agreed += 1
            continue
        loose = _unread(m) or m.kind == "claim" or so.path_key(m.path) == "claims[].target"
        if not (loose and ours and not theirs and not so.bundle_falsehoods(manifest, members, m.claims or case.claims)):
            problems.append(f"{case.name}: {m.label}: recheck {'accepts' if ours else 'refuses'}, symlogic "
                            f"{'accepts' if theirs else 'refuses'}")
    assert not problems, "\n".join(problems[:20])
    assert agreed >= 1000, agreed


def _splice(src: Path, dst: Path, edit) -> Path:
    man, members = read(src)
    arrays = {k[:-4]: np.load(io.BytesIO(v), allow_pickle=False).tolist() for k, v in members.items()}
    edit(man, arrays)
    return write(dst, man, {f"{k}.npy": npy(v) for k, v in arrays.items()})


def _lie_bound(man, arrays):  # a stated lower bound the certificate does not prove, gap rewritten to match
    ex = man["extraction"]
    ex["lower_bound"], ex["gap"] = ex["objective"], 0.0


def _lie_epsilon(man, arrays):  # ε below the exact max error, its float and p/q consistent
    v = man["verdict"]
    eps = Fraction(v["max_error_exact"]) * Fraction(999, 1000)
    v["epsilon_exact"], v["epsilon"] = f"{eps.numerator}/{eps.denominator}", float(eps)
    v["epsilon"] = v["epsilon"] if Fraction(v["epsilon"]) >= eps else math.nextafter(v["epsilon"], math.inf)


def _lie_table(man, arrays):  # the table moved where a claim is tight, every hash rewritten
    arrays["values"][3] = math.nextafter(arrays["values"][3], -math.inf)


def _lie_certificate(man, arrays):  # one entry of the certificate changed: it no longer proves the bound
    arrays["certificate"][5] += 1.0


@pytest.mark.parametrize("edit", [_lie_bound, _lie_epsilon, _lie_table, _lie_certificate])
def test_consistent_lies_fail_in_both(rk, built_bundles, tmp_path, edit):
    """Edits with every hash and derived field made consistent, so that only the mathematics gives
    them away: both checkers refuse."""
    path = _splice(built_bundles["full"], tmp_path / "lie.zip", edit)
    assert mine(rk, path) == 1 and not symlogic_ok(path)


def test_table_lie_is_caught_by_the_claims_and_the_bound(rk, tmp_path):
    """A 2-variable table where v({a, b}) is lowered by one ulp after the claims were proven: the
    claim at that exact value and the verdict with no slack are both refuted."""
    rec = sl.Record.from_table([0.0, 0.1, 0.2, 0.30000000000000004], names=["a", "b"])
    lm = sl.LogicModel.from_terms(["a", "b"], 0.0, [("and", ["a"], 0.1), ("and", ["b"], 0.2)])
    ev = sl.evidence(lm, rec, claims=["a & b -> output >= 0.30000000000000004", "a & b -> output <= 0.3"])
    src = Path(ev.save(tmp_path / "ulp.zip"))
    checks, code, _ = rk.recheck(str(src))
    assert code == 0 and symlogic_ok(src)
    stored = read(src)[0]["claims"]
    assert [c["status"] for c in stored] == ["holds", "fails"]  # 0.1 + 0.2 is one ulp above 3/10
    assert stored[1]["counterexample"]["output_exact"] == "1351079888211149/4503599627370496"  # the float, exactly
    lie = _splice(src, tmp_path / "lie.zip", _lie_table)
    checks, code, _ = rk.recheck(str(lie))
    failed = {c.name for c in checks if not c.ok}
    assert code == 1 and not symlogic_ok(lie)
    assert "claim 'a & b -> output >= 0.30000000000000004' on the record" in failed and "ε-equivalence" not in failed


def test_one_ulp_claims_known_verdicts(rk, tmp_path):
    """Hand-made: v = [0, 1, 1, 1 + 2^-52]; 'output <= 1' fails by exactly one ulp at mask 3, 'output
    < 1 + 2^-52' too, 'output <= 1 + 2^-52' holds; the stored counterexamples are re-derived."""
    top = math.nextafter(1.0, 2.0)
    rec = sl.Record.from_table([0.0, 1.0, 1.0, top], names=["a", "b"])
    lm = sl.LogicModel.from_terms(["a", "b"], 0.0, [("or", ["a", "b"], 1.0)])
    texts = ["output <= 1", "output < 4503599627370497/4503599627370496", "output <= 4503599627370497/4503599627370496",
             "interaction(a, b) <= -1", ("interaction(a, b) <= 0", "model")]  # I_v(a, b) = −1 + 2^-52
    path = Path(sl.evidence(lm, rec, claims=texts).save(tmp_path / "one-ulp.zip"))
    checks, code, _ = rk.recheck(str(path))
    assert code == 0
    stored = read(path)[0]["claims"]
    assert [c["status"] for c in stored] == ["fails", "fails", "holds", "fails", "holds"]  # I_f(a, b) = −1 ≤ 0 − 4ε
    assert stored[0]["counterexample"]["mask"] == 3 and stored[0]["counterexample"]["output_exact"] == "4503599627370497/4503599627370496"
    man, members = read(path)
    man["claims"][0].update(status="holds", holds=True, counterexample=None)
    assert mine(rk, write(tmp_path / "lie.zip", man, members)) == 1


# ---- 4. reading untrusted bytes ----------------------------------------------------------------


def _with_npy(src: Path, dst: Path, data: bytes) -> Path:
    man, members = read(src)
    members["values.npy"] = data
    man["members"]["values.npy"] = hashlib.sha256(data).hexdigest()
    return write(dst, man, members, rehash=False)


@pytest.mark.parametrize("array", [np.zeros(4, dtype=">f8"), np.zeros(4, dtype="<f4"), np.zeros((2, 2)),
                                   np.asfortranarray(np.zeros((2, 2))), np.zeros(8), np.array([0.0, np.nan, 1, 2])])
def test_refuses_anything_but_a_flat_little_endian_float64_table(rk, built_bundles, tmp_path, array):
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    checks, code, error = rk.recheck(str(_with_npy(built_bundles["no-extraction"], tmp_path / "b.zip", buf.getvalue())))
    assert code == 2 and error


def test_refuses_pickles_and_never_unpickles(rk, built_bundles, tmp_path):
    buf = io.BytesIO()
    np.save(buf, np.array([object(), 1, 2, 3], dtype=object), allow_pickle=True)
    assert rk.recheck(str(_with_npy(built_bundles["no-extraction"], tmp_path / "p.zip", buf.getvalue())))[1] == 2


def test_refuses_a_zip_bomb_from_its_directory(rk, built_bundles, tmp_path):
    """64 MiB of zeros deflated to ~64 KiB as values.npy: refused from the directory's sizes."""
    man, members = read(built_bundles["no-extraction"])
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(man))
        zf.writestr("values.npy", bytes(64 << 20))
    checks, code, error = rk.recheck(str(path))
    assert code == 2 and "values.npy" in error


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_version_members_and_limits(rk, built_bundles, tmp_path):
    man, members = read(built_bundles["no-extraction"])
    v2 = dict(man, format_version=2)
    assert rk.recheck(str(write(tmp_path / "v2.zip", v2, members, rehash=False)))[1] == 2
    assert rk.recheck(str(write(tmp_path / "t.zip", dict(man, format_version=True), members, rehash=False)))[1] == 2
    extra = dict(members, **{"and.npy": members["values.npy"]})
    assert rk.recheck(str(write(tmp_path / "extra.zip", man, extra, rehash=False)))[1] == 1  # unlisted member
    big = copy.deepcopy(man)
    big["record"]["n"] = 25
    assert rk.recheck(str(write(tmp_path / "big.zip", big, members, rehash=False)))[1] == 2
    many = dict(man, claims=man["claims"] * 200)
    assert rk.recheck(str(write(tmp_path / "many.zip", many, members, rehash=False)))[1] == 1
    with zipfile.ZipFile(tmp_path / "dup.zip", "w") as zf:
        zf.writestr("manifest.json", json.dumps(man))
        for name in ("values.npy", "values.npy"):  # zipfile warns of the duplicate: that is the point
            zf.writestr(name, members["values.npy"])
    assert rk.recheck(str(tmp_path / "dup.zip"))[1] == 1


# ---- 5. the arithmetic: closed forms and brute-force references --------------------------------


def test_closed_forms(rk):
    assert rk.decimal("0.1") == Fraction(1, 10) and rk.decimal("1.5e3") == 1500 and rk.decimal("000") == 0
    assert rk.float_upper(Fraction(1, 10)) == 0.1 and rk.float_upper(Fraction(1, 3)) == math.nextafter(1 / 3, 1)
    assert rk.butterfly([1, 2, 3, 4], 2) == [1, 3, 4, 10]                       # Σ_{S⊆T}
    assert rk.butterfly([1, 2, 3, 4], 2, up=False) == [10, 6, 7, 4]             # Σ_{S⊇T}
    assert rk.butterfly([0, 1, 1, 3], 2, sign=-1) == [0, 1, 1, 1]               # I({a, b}) = 3 − 1 − 1 + 0
    terms = [("bias", 0, 0.5), ("and", 3, -2.0), ("or", 6, 1.25)]             # the LogicModel docstring example
    d, f, _ = rk.model_table(terms, [0.0] * 8, 3)
    assert [Fraction(x, d) for x in (f[0], f[2], f[3])] == [Fraction(1, 2), Fraction(7, 4), Fraction(-1, 4)]
    # n = 1, v = (0, 1), ζ = 0: the optimum is 1 (a_{1} = 1) and y = (−1, 1) is dual feasible with y·v = 1
    assert rk.dual_bound([-1.0, 1.0], [0.0, 1.0], Fraction(0), 1, True) == 1
    assert rk.dual_bound([-2.0, 2.0], [0.0, 1.0], Fraction(0), 1, True) == 1   # scaled back into the box
    assert rk.dual_bound([1.0, -1.0], [0.0, 1.0], Fraction(0), 1, True) == 0   # a negative value: 0 is the bound


def _brute_subset_sums(x: list[int], n: int) -> list[int]:
    return [sum(x[s] for s in range(1 << n) if s & t == s) for t in range(1 << n)]


@settings(max_examples=40)
@given(st.integers(0, 5).flatmap(lambda n: st.tuples(st.just(n), st.lists(st.integers(-50, 50), min_size=1 << n,
                                                                          max_size=1 << n))))
def test_butterflies_match_the_definitions(rk, case):
    n, x = case
    assert rk.butterfly(x, n) == _brute_subset_sums(x, n)
    assert rk.butterfly(x, n, up=False) == [sum(x[s] for s in range(1 << n) if s & t == t) for t in range(1 << n)]
    assert rk.butterfly(rk.butterfly(x, n), n, sign=-1) == x


_floats = st.floats(-4, 4, allow_nan=False).map(lambda x: round(x, 3))
_dyadic = st.integers(-32, 32).map(lambda k: k / 8)


@settings(max_examples=40)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.sampled_from(["and", "or"]), st.integers(1, (1 << n) - 1), _floats), max_size=5),
    _floats)))
def test_model_table_matches_term_by_term_evaluation(rk, case):
    n, raw, bias = case
    lm = sl.LogicModel.from_terms([f"x{i}" for i in range(n)], bias, raw)
    terms = [(t.kind, t.mask, t.coefficient) for t in lm.terms]
    d, f, _ = rk.model_table(terms, [0.0] * (1 << n), n)
    assert [Fraction(x, d) for x in f] == [lm.evaluate_exact(t) for t in range(1 << n)]


@settings(max_examples=40)
@given(st.integers(1, 3).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(_dyadic, min_size=3 << n, max_size=3 << n), st.lists(_floats, min_size=1 << n, max_size=1 << n),
    st.sampled_from([0.0, 0.05, 0.5]), st.booleans())))
def test_dual_bound_is_below_every_feasible_split(rk, case):
    """Weak duality (docs/theory.md §3.3) against a brute-force split: for any y and any split (a, o)
    of v, v(T) + q(T) = Σ_{S⊆T} a_S + Σ_{S∩T≠∅} o_S with |q| ≤ ζ, the exact bound is ≤ the split's L1."""
    n, ao, y, zeta, count_empty = case
    size = 1 << n
    a, o = ao[:size], [0.0] + ao[size + 1:2 * size]
    recon = [sum(Fraction(a[s]) for s in range(size) if s & t == s) + sum(Fraction(o[s]) for s in range(1, size) if s & t)
             for t in range(size)]
    v = [float(r - Fraction(zeta * x / 4)) for r, x in zip(recon, ao[2 * size:])]
    assume(all(abs(r - Fraction(x)) <= Fraction(zeta) for r, x in zip(recon, v)))  # q = recon − v in the box
    l1 = sum(abs(Fraction(x)) for x in a[0 if count_empty else 1:]) + sum(abs(Fraction(x)) for x in o[1:])
    assert rk.dual_bound(y, v, Fraction(zeta), n, count_empty) <= l1


def test_recheck_reproduces_symlogic_dual_bound_within_rounding(rk, built_bundles):
    from symlogic.extraction.certified import dual_bound

    man, members = read(built_bundles["full"])
    y = np.load(io.BytesIO(members["certificate.npy"]))
    v = np.load(io.BytesIO(members["values.npy"]))
    ex = man["extraction"]
    ours = rk.dual_bound(y.tolist(), v.tolist(), Fraction(ex["zeta"]), 4, ex["count_empty"])
    theirs, _ = dual_bound(y, v, ex["zeta"], count_empty=ex["count_empty"])
    assert Fraction(theirs) <= ours <= Fraction(theirs) + Fraction(1, 10**9)


@settings(max_examples=60)
@given(st.integers(1, 4), st.integers(0, 2**32), st.sampled_from(["output", "no_effect", "interaction", "max_order"]))
def test_claims_decided_as_the_exact_oracle_decides(rk, n, seed, kind):
    """Random tables and claims (tests/soundness_oracle.py: ties, ±ulp thresholds, non-dyadic decimals):
    the parsed claim decided on the table gives the oracle's outcome, counterexample and value."""
    rng = random.Random(seed)
    names = so.random_names(rng, n)
    values = so.random_table(rng, n, scale="mild")
    table = [Fraction(x) for x in values]
    claim = so.random_claim(rng, table, (kind,))
    truth = so.claim_truth(claim, table)
    cond, concl = rk.Parser(claim.text(names)).claim()
    d, (u,) = rk.common(values)
    status, cex, vals = rk.decide(concl, cond, u, d, n, names, {x: i for i, x in enumerate(names)})
    assert status == ("holds" if truth.holds else "fails")
    assert (cex or {}).get("mask") == truth.cex
    if kind == "max_order":
        assert vals.get("max_salient_order", 0) == truth.value
    elif truth.value is not None:
        key = {"output": ("min_output" if claim.op in (">=", ">") else "max_output"), "no_effect": "max_change",
               "interaction": "interaction"}[kind]
        assert vals[key] == rk.json_float(truth.value)


@settings(max_examples=60)
@given(st.integers(1, 4), st.integers(0, 2**32), st.sampled_from(["output", "no_effect", "interaction"]),
       st.sampled_from([Fraction(0), Fraction(1, 64), Fraction(1, 10)]))
def test_margin_rule_carries_claims_from_f_to_v(rk, n, seed, kind, eps):
    """docs/theory.md §4.5 by brute force: whenever |f − v| ≤ ε on every mask and f satisfies the
    claim with the margin, v satisfies the claim (the rule the model route relies on)."""
    rng = random.Random(seed)
    names = [f"x{i}" for i in range(n)]
    v = so.random_table(rng, n, scale="mild")
    f = [x + float(eps) * rng.choice((-1, 0, 1)) / 2 for x in v]
    d, (fi, vi) = rk.common(f, v)
    assume(all(abs(Fraction(a - b, d)) <= eps for a, b in zip(fi, vi)))
    claim = so.random_claim(rng, [Fraction(x) for x in f], (kind,))
    cond, concl = rk.Parser(claim.text(names)).claim()
    bit = {x: i for i, x in enumerate(names)}
    margin = rk.with_margin(concl, eps, n, bit)
    if margin is not None and rk.decide(margin, cond, fi, d, n, names, bit)[0] == "holds":
        assert rk.decide(concl, cond, vi, d, n, names, bit)[0] == "holds"


@settings(max_examples=100)
@given(st.from_regex(r"[0-9]{1,30}(\.[0-9]{0,30})?([eE][+-]?[0-9]{1,3})?", fullmatch=True))
def test_decimal_is_the_exact_value(rk, text):
    try:
        value = rk.decimal(text)
    except rk.ClaimError:
        value = None  # beyond the limits: symlogic refuses the same numbers
    exact = Fraction(text)
    limited = exact != 0 and abs(len(str(exact.numerator)) - len(str(exact.denominator))) > 390
    assert value == exact or value is None and limited


@settings(max_examples=100)
@given(st.fractions(max_denominator=10**30).filter(lambda x: abs(x) < 10**300))
def test_float_upper_is_the_least_float_above(rk, x):
    f = rk.float_upper(x)
    assert Fraction(f) >= x and Fraction(math.nextafter(f, -math.inf)) < x


CLAIM_ALPHABET = st.sampled_from(["a", "b", "`my var`", '"q\\"x"', "present", "absent", "not", "and", "or", "true",
                                  "output", "no_effect", "max_order", "interaction", "(", ")", ",", "&", "|", "!",
                                  "->", "=>", "→", ">=", "<", "≤", "0", "1.5", "-", "/", "3", "1e999", "0.1", " "])


@settings(max_examples=300)
@given(st.lists(CLAIM_ALPHABET, max_size=12).map(" ".join))
def test_parser_accepts_what_symlogic_accepts(rk, text):
    """Token soup: the re-checker's parser accepts a text exactly when symlogic's does."""
    try:
        parse_claim(text)
        theirs = True
    except ClaimSyntaxError:
        theirs = False
    try:
        rk.Parser(text).claim()
        ours = True
    except rk.ClaimError:
        ours = False
    assert ours == theirs, text


def test_parser_reads_the_documented_forms(rk):
    parse = lambda t: rk.Parser(t).claim()  # noqa: E731
    assert parse("a ∧ ¬b → output ≥ 0.1") == (("and", [("present", "a"), ("not", ("present", "b"))]),
                                               ("output", ">=", Fraction(1, 10)))
    assert parse("present(not) -> no_effect(`my var`, 1/3)") == (("present", "not"), ("no_effect", "my var", Fraction(1, 3)))
    assert parse("interaction[k-SII, order=2](a, b) <= -2")[1] == ("interaction", ("k-SII", 2), ["a", "b"], "<=", -2)
    assert parse("max_order(007)")[1] == ("max_order", 7)
    for bad in ("a -> max_order(2)", "mean radius -> output > 0", "output = 1", "no_effect(a, -1)", "x" * 10_001,
                "(" * 101 + "a" + ")" * 101 + " -> output > 0", "output > 1e401", "interaction(a, a) > 0"):
        with pytest.raises(rk.ClaimError):
            parse(bad)
