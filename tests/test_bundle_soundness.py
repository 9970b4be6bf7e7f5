"""Soundness regressions of evidence bundles: lying bundles are refused, hostile ones are bounded.

Every edit here re-hashes what it changes, so the members' SHA-256 alone cannot catch it: the
loader must recompute each derived field, and the re-check must compare each stated status with
what the bundle's own certificate proves. Each test failed before its fix.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

import symlogic as sl
from symlogic.errors import BundleError, SymlogicError
from symlogic.evidence import BundleLimits, Evidence

FIXTURE_V1 = Path(__file__).parent / "data" / "evidence_v1.zip"


def _record(n: int = 4, seed: int = 3) -> sl.Record:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=1 << n).round(3)
    values[-1] += 2.0
    return sl.Record.from_table(values, names=[f"x{i}" for i in range(n)])


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rec = _record()
    ex = sl.extract(rec)
    lm = ex.logic_model(tau=0.05)
    ev = sl.evidence(lm, rec, ex, claims=["output >= -10", "present(x0) -> output >= 0", ("output <= 10", "model")])
    path = tmp_path_factory.mktemp("bundle") / "ev.zip"
    ev.save(path)
    assert Evidence.load(path).recheck().ok
    return path


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def _edit(src: Path, dst: Path, manifest: Callable[[dict[str, Any]], None] | None = None,
          arrays: Callable[[dict[str, np.ndarray]], None] | None = None) -> Path:
    """Rewrite a bundle with ``manifest`` and ``arrays`` edited in place, every hash recomputed."""
    with zipfile.ZipFile(src) as zf:
        man = json.loads(zf.read("manifest.json"))
        arrs = {name.removesuffix(".npy"): np.load(io.BytesIO(zf.read(name)), allow_pickle=False)
                for name in zf.namelist() if name.endswith(".npy")}
    if arrays:
        arrays(arrs)
    members = {f"{k}.npy": _npy(v) for k, v in arrs.items()}
    man["members"] = {k: hashlib.sha256(v).hexdigest() for k, v in members.items()}
    if arrays and "values" in arrs:
        man["record"]["values_sha256"] = hashlib.sha256(np.ascontiguousarray(arrs["values"]).tobytes()).hexdigest()
    if manifest:
        manifest(man)
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(man))
        for name, data in members.items():
            zf.writestr(name, data)
    return dst


# ---- stated status against the certificate ---------------------------------------------------------
def test_optimal_with_a_certified_gap_beyond_its_tolerance_does_not_recheck(bundle: Path, tmp_path: Path) -> None:
    from symlogic.extraction.certified import dual_bound

    def weaker_certificate(arrs: dict[str, np.ndarray]) -> None:
        arrs["certificate"] = arrs["certificate"] * 0.5

    def consistent_bound(man: dict[str, Any]) -> None:
        # The bound, gap and hashes all agree with the weaker certificate; only "optimal" lies.
        ex = man["extraction"]
        with zipfile.ZipFile(bundle) as zf:
            v = np.load(io.BytesIO(zf.read("values.npy")))
            y = np.load(io.BytesIO(zf.read("certificate.npy"))) * 0.5
        bound, _ = dual_bound(y, v, ex["zeta"], count_empty=ex["count_empty"])
        ex["lower_bound"], ex["gap"] = bound, ex["objective"] - bound
        assert ex["gap"] > 0.1 and ex["settings"]["status"] == "optimal"

    report = Evidence.load(_edit(bundle, tmp_path / "e.zip", consistent_bound, weaker_certificate)).recheck()
    assert not report.ok
    assert [i for i in report.items if i.name == "status" and not i.ok]
    assert [i for i in report.items if i.name == "dual certificate" and i.ok]  # the bound itself is honest


@pytest.mark.parametrize("tol", [10.0, -1.0, "1e-6", True])
def test_optimal_at_a_meaningless_tolerance_does_not_recheck(bundle: Path, tmp_path: Path, tol: object) -> None:
    def loosen(man: dict[str, Any]) -> None:
        man["extraction"]["settings"]["tol"] = tol

    report = Evidence.load(_edit(bundle, tmp_path / "e.zip", loosen)).recheck()
    assert not report.ok and [i for i in report.items if i.name == "status" and not i.ok]


def test_a_gap_not_equal_to_objective_minus_bound_does_not_recheck(bundle: Path, tmp_path: Path) -> None:
    def shrink(man: dict[str, Any]) -> None:
        man["extraction"]["gap"] = 0.0

    report = Evidence.load(_edit(bundle, tmp_path / "e.zip", shrink)).recheck()
    assert not report.ok


def test_an_unknown_status_does_not_recheck(bundle: Path, tmp_path: Path) -> None:
    def relabel(man: dict[str, Any]) -> None:
        man["extraction"]["settings"]["status"] = "proven"

    assert not Evidence.load(_edit(bundle, tmp_path / "e.zip", relabel)).recheck().ok


# ---- derived fields -----------------------------------------------------------------------------------
def _swap_term_variables(man: dict[str, Any]) -> None:
    term = next(t for t in man["logic_model"]["terms"] if len(t["variables"]) >= 1 and t["kind"] != "bias")
    names = man["record"]["names"]
    term["variables"] = [n for n in names if n not in term["variables"]][: len(term["variables"])]


DERIVED_EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "terms[].variables relabelled": _swap_term_variables,
    "record.n": lambda m: m["record"].update(n=m["record"]["n"] - 1),
    "extraction.zeta": lambda m: m["extraction"].update(zeta=m["extraction"]["zeta"] * 2),
    "extraction.max_abs_q": lambda m: m["extraction"].update(max_abs_q=0.0),
    "extraction.matching_error": lambda m: m["extraction"].update(matching_error=1.0),
    "extraction.nonzero_and": lambda m: m["extraction"].update(nonzero_and=1),
    "extraction.nonzero_or": lambda m: m["extraction"].update(nonzero_or=m["extraction"]["nonzero_or"] + 3),
    "record.names": lambda m: m["record"].update(names=list(reversed(m["record"]["names"]))),
    "logic_model.meta": lambda m: m["logic_model"]["meta"].update(tau=0.5),
    "term mask": lambda m: m["logic_model"]["terms"][-1].update(mask=m["logic_model"]["terms"][-1]["mask"] ^ 1),
}


@pytest.mark.parametrize("what", sorted(DERIVED_EDITS))
def test_an_edited_derived_field_is_refused_on_load(bundle: Path, tmp_path: Path, what: str) -> None:
    path = _edit(bundle, tmp_path / "e.zip", DERIVED_EDITS[what])
    try:
        report = Evidence.load(path).recheck()
    except BundleError as exc:
        assert "altered" in str(exc) or "differ" in str(exc) or "bytes" in str(exc), exc
    else:
        assert not report.ok, f"an edited {what} loaded and re-checked ok: {report}"


# ---- denial of service --------------------------------------------------------------------------------
def test_a_bomb_member_is_refused_before_it_is_decompressed(bundle: Path, tmp_path: Path) -> None:
    dst = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in src.namelist():
            if name != "q.npy":
                zf.writestr(name, src.read(name))
        big = zipfile.ZipInfo("q.npy")
        big.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(big, "w", force_zip64=True) as fh:  # 256 MiB of zeros, about 250 KB compressed
            chunk = bytes(1 << 20)
            for _ in range(256):
                fh.write(chunk)
    start = time.perf_counter()
    with pytest.raises(BundleError, match="q.npy is 268435456 bytes"):
        Evidence.load(dst)
    assert time.perf_counter() - start < 5


def test_a_bundle_over_the_size_limit_is_refused_from_its_directory(bundle: Path) -> None:
    with pytest.raises(BundleError, match="max_bytes"):
        Evidence.load(bundle, limits=BundleLimits(max_bytes=100))


def test_too_many_claims_are_refused_on_load_and_when_building(bundle: Path, tmp_path: Path) -> None:
    def flood(man: dict[str, Any]) -> None:
        man["claims"] = man["claims"][:1] * 1000

    start = time.perf_counter()
    with pytest.raises(BundleError, match="max_claims"):
        Evidence.load(_edit(bundle, tmp_path / "e.zip", flood))
    assert time.perf_counter() - start < 5
    rec = _record(2)
    lm = sl.LogicModel.from_terms(rec.names, 0.0, [])
    with pytest.raises(sl.InputError, match="at most"):
        sl.evidence(lm, rec, None, claims=["output >= -100"] * 1000)


def test_repeated_claims_are_checked_once(bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    evidence_mod = importlib.import_module("symlogic.evidence")
    calls = []
    real = evidence_mod._check_claim
    monkeypatch.setattr(evidence_mod, "_check_claim", lambda *a, **k: calls.append(a[0]) or real(*a, **k))

    def repeat(man: dict[str, Any]) -> None:
        man["claims"] = man["claims"][:1] * 200

    report = Evidence.load(_edit(bundle, tmp_path / "e.zip", repeat)).recheck()
    assert report.ok and len(calls) == 1


def test_a_claim_with_a_gigantic_number_is_refused_quickly(bundle: Path, tmp_path: Path) -> None:
    def huge(man: dict[str, Any]) -> None:
        man["claims"][0]["claim"] = "output >= 1e-100000000"

    start = time.perf_counter()
    ev = Evidence.load(_edit(bundle, tmp_path / "e.zip", huge))
    report = ev.recheck()
    assert not report.ok and time.perf_counter() - start < 10


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": 1e999}', '{"a": ' + "9" * 5000 + "}", "[" * 100_000 + "]" * 100_000])
def test_manifest_numbers_and_nesting_beyond_limits_are_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "j.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", text)
    with pytest.raises(BundleError):
        Evidence.load(path)


# ---- only symlogic errors escape ----------------------------------------------------------------------
TYPE_EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "terms not a list": lambda m: m["logic_model"].update(terms="x"),
    "a term not an object": lambda m: m["logic_model"]["terms"].append(1),
    "coefficient a string": lambda m: m["logic_model"]["terms"][0].update(coefficient="1.5"),
    "hex garbage": lambda m: m["logic_model"]["terms"][0].update(coefficient_hex="0xzz"),
    "exact without slash": lambda m: m["logic_model"]["terms"][0].update(coefficient_exact="3"),
    "engines a list": lambda m: m["verdict"].update(engines=[]),
    "claims hold numbers": lambda m: m.update(claims=[1, 2]),
    "claim text a number": lambda m: m["claims"][0].update(claim=5),
    "claim target unknown": lambda m: m["claims"][0].update(target="network"),
    "tol a string": lambda m: m["extraction"]["settings"].update(tol="a"),
    "settings a list": lambda m: m["extraction"].update(settings=[]),
    "q_bound a bool": lambda m: m["extraction"].update(q_bound=True),
    "n a float": lambda m: m["record"].update(n=4.0),
    "n huge": lambda m: m["record"].update(n=10**6),
    "names not strings": lambda m: m["record"].update(names=[1, 2, 3, 4]),
    "epsilon a string": lambda m: m["verdict"].update(epsilon="0.1"),
    "epsilon_exact garbage": lambda m: m["verdict"].update(epsilon_exact="a/b"),
    "epsilon_exact negative": lambda m: m["verdict"].update(epsilon_exact="-1/2"),
    "epsilon_exact huge": lambda m: m["verdict"].update(epsilon_exact="9" * 5000 + "/1"),
    "verdict missing": lambda m: m.pop("verdict"),
    "record missing": lambda m: m.pop("record"),
    "extraction a list": lambda m: m.update(extraction=[]),
    "counterexample a string": lambda m: m["claims"][1].update(counterexample="x"),
    "meta a list": lambda m: m["logic_model"].update(meta=[]),
}


@pytest.mark.parametrize("what", sorted(TYPE_EDITS))
def test_malformed_manifests_raise_only_symlogic_errors(bundle: Path, tmp_path: Path, what: str) -> None:
    path = _edit(bundle, tmp_path / "e.zip", TYPE_EDITS[what])
    try:
        report = Evidence.load(path).recheck()
    except SymlogicError:
        return
    assert not report.ok, f"{what}: {report}"


# ---- what must keep working -------------------------------------------------------------------------------
def test_a_version_1_bundle_from_before_the_fix_still_loads_and_rechecks() -> None:
    ev = Evidence.load(FIXTURE_V1)
    assert ev.verdict.epsilon_exact == ""  # written before exact bounds were stored
    report = ev.recheck()
    assert report.ok, str(report)


def test_a_bundle_at_an_exact_bound_rechecks_at_that_bound(tmp_path: Path) -> None:
    from fractions import Fraction

    from symlogic.exact_error import float_upper

    rec = sl.Record.from_table([0.0, 0.1, 0.2, 0.3], names=["a", "b"])
    lm = sl.LogicModel.from_terms(rec.names, 0.0, [("and", ["a"], 0.1), ("and", ["b"], 0.2)])
    ev = sl.evidence(lm, rec, None, epsilon=Fraction(1, 3))
    ev.save(tmp_path / "e.zip")
    back = Evidence.load(tmp_path / "e.zip")
    assert back.epsilon == Fraction(1, 3) and back.recheck().ok

    def tighten(man: dict[str, Any]) -> None:  # a smaller stated bound must be re-proven, not trusted
        man["verdict"]["epsilon_exact"] = "1/10000000000000000000000000"

    with pytest.raises(BundleError, match="altered"):  # the float no longer is that bound rounded up
        Evidence.load(_edit(tmp_path / "e.zip", tmp_path / "f.zip", tighten))

    def tighten_both(man: dict[str, Any]) -> None:  # consistent, but the model's error exceeds it
        man["verdict"]["epsilon_exact"], man["verdict"]["epsilon"] = "1/1000", float_upper(Fraction(1, 1000))

    assert not Evidence.load(_edit(tmp_path / "e.zip", tmp_path / "g.zip", tighten_both)).recheck().ok
