"""Evidence bundle: round trip, tamper detection, version checks, loader fuzzing, schema, re-check."""

from __future__ import annotations

import dataclasses

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symlogic import BundleError, InputError, Record
from symlogic.claims import ClaimResult
from symlogic.evidence import Evidence, evidence
from symlogic.extraction import extract

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "evidence.schema.json"


def _record(n: int = 5, seed: int = 0) -> Record:
    rng = np.random.default_rng(seed)
    masks = np.arange(1 << n)
    bit = lambda i: (masks >> i) & 1  # noqa: E731
    values = 1.5 * bit(0) * bit(1) + 0.8 * np.maximum(bit(2), bit(3)) - 0.3 * bit(4) + rng.uniform(-0.01, 0.01, 1 << n)
    return Record.from_table(values, [f"f{i}" for i in range(n)], output="log-odds", baseline="zero")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> tuple[Path, Evidence]:
    rec = _record()
    ex = extract(rec, method="exact")
    lm = ex.logic_model(tau=0.1)
    ev = evidence(lm, rec, ex, claims=["present(f0) & present(f1) -> output >= 1.0", "no_effect(f4, 0.01)",
                                       ("output <= 5", "model")])
    path = tmp_path_factory.mktemp("ev") / "evidence.zip"
    ev.save(path)
    return path, ev


def test_round_trip_keeps_everything(bundle):
    path, ev = bundle
    back = Evidence.load(path)
    assert np.array_equal(back.record.values, ev.record.values) and back.record.names == ev.record.names
    assert back.logic_model == ev.logic_model
    assert back.verdict == ev.verdict and back.verdict.holds
    assert [c.holds for c in back.claims] == [c.holds for c in ev.claims] == [True, False, True]
    assert np.array_equal(back.extraction.and_, ev.extraction.and_)
    assert np.array_equal(back.extraction.certificate, ev.extraction.certificate)
    assert back.record.fingerprint == ev.record.fingerprint


def test_recheck_reproduces_every_result(bundle):
    path, _ = bundle
    report = Evidence.load(path).recheck()
    assert report.ok, str(report)
    names = [i.name for i in report.items]
    assert "ε-equivalence" in names and "dual certificate" in names and "universal matching" in names
    assert sum(i.name.startswith("claim") for i in report.items) == 3


def test_manifest_matches_the_json_schema(bundle):
    jsonschema = pytest.importorskip("jsonschema")
    path, _ = bundle
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    jsonschema.validate(manifest, json.loads(SCHEMA.read_text()))
    assert set(manifest["members"]) == {"values.npy", "and.npy", "or.npy", "q.npy", "certificate.npy"}
    term = manifest["logic_model"]["terms"][1]
    p, q = map(int, term["coefficient_exact"].split("/"))
    assert float.fromhex(term["coefficient_hex"]) == term["coefficient"] and p / q == term["coefficient"]


def _rewrite(src: Path, dst: Path, edit) -> None:
    with zipfile.ZipFile(src) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members = edit(members)
    with zipfile.ZipFile(dst, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _edit_manifest(change):
    """A ``_rewrite`` edit that applies ``change`` to the parsed manifest and writes it back."""
    def edit(m):
        man = json.loads(m["manifest.json"])
        change(man)
        m["manifest.json"] = json.dumps(man).encode()
        return m
    return edit


def test_any_altered_array_is_detected(bundle, tmp_path):
    path, _ = bundle
    for member in ("values.npy", "and.npy", "certificate.npy"):
        def edit(m, member=member):
            data = bytearray(m[member])
            data[-3] ^= 0x01
            m[member] = bytes(data)
            return m
        _rewrite(path, tmp_path / "x.zip", edit)
        with pytest.raises(BundleError, match="altered"):
            Evidence.load(tmp_path / "x.zip")


def test_altered_manifest_result_fails_the_recheck(bundle, tmp_path):
    path, _ = bundle

    def edit(man):
        man["claims"][1]["holds"] = True  # claim that a refuted claim holds
    _rewrite(path, tmp_path / "x.zip", _edit_manifest(edit))
    try:  # a self-contradicting result (holds with status "fails") is refused as soon as it is read
        report = Evidence.load(tmp_path / "x.zip").recheck()
    except BundleError as exc:
        assert "claim" in str(exc) and "altered" in str(exc)
    else:
        assert not report.ok
        assert any(not i.ok and "no_effect" in i.name for i in report.items)


def test_altered_logic_model_fails_the_recheck(bundle, tmp_path):
    path, _ = bundle

    def edit(man):
        t = man["logic_model"]["terms"][1]
        new = float.fromhex(t["coefficient_hex"]) + 0.5  # altered consistently in all three forms
        p, q = new.as_integer_ratio()
        t.update(coefficient=new, coefficient_hex=new.hex(), coefficient_exact=f"{p}/{q}")
    _rewrite(path, tmp_path / "x.zip", _edit_manifest(edit))
    report = Evidence.load(tmp_path / "x.zip").recheck()
    assert not report.ok and any(i.name == "ε-equivalence" and not i.ok for i in report.items)


def test_wrong_version_unknown_member_and_missing_manifest(bundle, tmp_path):
    path, _ = bundle

    _rewrite(path, tmp_path / "v.zip", _edit_manifest(lambda man: man.update(format_version=99)))
    with pytest.raises(BundleError, match="version 99"):
        Evidence.load(tmp_path / "v.zip")

    def extra(m):
        m["evil.pkl"] = b"\x80\x04."
        return m
    _rewrite(path, tmp_path / "e.zip", extra)
    with pytest.raises(BundleError, match="unlisted"):
        Evidence.load(tmp_path / "e.zip")

    def no_manifest(m):
        del m["manifest.json"]
        return m
    _rewrite(path, tmp_path / "m.zip", no_manifest)
    with pytest.raises(BundleError, match="manifest"):
        Evidence.load(tmp_path / "m.zip")


def test_pickled_arrays_are_refused(bundle, tmp_path):
    path, _ = bundle

    def pickled(m):
        buf = io.BytesIO()
        np.save(buf, np.array([object()], dtype=object), allow_pickle=True)
        m["values.npy"] = buf.getvalue()
        man = json.loads(m["manifest.json"])
        import hashlib
        man["members"]["values.npy"] = hashlib.sha256(buf.getvalue()).hexdigest()
        m["manifest.json"] = json.dumps(man).encode()
        return m
    _rewrite(path, tmp_path / "p.zip", pickled)
    with pytest.raises(BundleError):
        Evidence.load(tmp_path / "p.zip")


def test_every_single_byte_flip_and_truncation_is_detected(bundle, tmp_path):
    data = bundle[0].read_bytes()
    rng = np.random.default_rng(0)
    positions = sorted(set(rng.integers(0, len(data), size=40).tolist()) | {0, len(data) - 1, len(data) // 2})
    target = tmp_path / "flip.zip"
    for pos in positions:
        flipped = bytearray(data)
        flipped[pos] ^= 0xFF
        target.write_bytes(bytes(flipped))
        try:
            ev = Evidence.load(target)
        except BundleError:
            continue
        # A flip the zip layer tolerates (e.g. in a timestamp) must leave the content intact.
        assert ev.recheck().ok
        assert np.array_equal(ev.record.values, bundle[1].record.values)
    for cut in (1, 10, len(data) // 3, len(data) - 1):
        target.write_bytes(data[:cut])
        with pytest.raises(BundleError):
            Evidence.load(target)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_loader_fuzz_raises_only_bundle_errors(bundle, tmp_path, data):
    raw = bundle[0].read_bytes()
    choice = data.draw(st.sampled_from(["bytes", "mutate", "manifest"]))
    if choice == "bytes":
        blob = data.draw(st.binary(max_size=2000))
    elif choice == "mutate":
        arr = bytearray(raw)
        for _ in range(data.draw(st.integers(1, 8))):
            arr[data.draw(st.integers(0, len(arr) - 1))] = data.draw(st.integers(0, 255))
        blob = bytes(arr)
    else:
        value = data.draw(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                                       lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                                       max_leaves=10))
        key = data.draw(st.sampled_from(["format_version", "record", "logic_model", "verdict", "claims", "members", "extraction"]))
        buf = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(buf, "w") as dst:
            for name in src.namelist():
                content = src.read(name)
                if name == "manifest.json":
                    man = json.loads(content)
                    man[key] = value
                    content = json.dumps(man).encode()
                dst.writestr(name, content)
        blob = buf.getvalue()
    target = tmp_path / "fuzz.zip"
    target.write_bytes(blob)
    try:
        Evidence.load(target)
    except BundleError:
        pass


def test_inconsistent_coefficient_forms_and_odd_versions_are_refused(bundle, tmp_path):
    path, _ = bundle

    def coefficient(man):
        man["logic_model"]["terms"][1]["coefficient"] += 1.0  # float form no longer equals the hex form
    _rewrite(path, tmp_path / "c.zip", _edit_manifest(coefficient))
    with pytest.raises(BundleError, match="altered"):
        Evidence.load(tmp_path / "c.zip")
    for odd in (True, 1.0):
        _rewrite(path, tmp_path / "v.zip", _edit_manifest(lambda man, odd=odd: man.update(format_version=odd)))
        with pytest.raises(BundleError, match="version"):
            Evidence.load(tmp_path / "v.zip")


def test_summary_lines_name_each_outcome(bundle):
    _, ev = bundle
    lines = ev.summary_lines()
    assert lines[0].startswith("exact extraction: L1 = ") and "(gap " in lines[0] and ", optimal)" in lines[0]
    assert lines[1] == str(ev.logic_model) and lines[2].startswith("ε-equivalence: PROVEN on all 32 masks")
    assert lines[3].endswith(": HOLDS") and ": REFUTED; counterexample: present = " in lines[4]
    undecided = Evidence(record=ev.record, extraction=None, logic_model=ev.logic_model, verdict=ev.verdict,
                         claims=[ClaimResult.from_dict({"claim": "output >= 0", "holds": False, "status": "undecided"})])
    assert undecided.summary_lines()[2] == "claim 'output >= 0': UNDECIDED"


def test_summary_says_when_the_split_is_not_proven_optimal(bundle):
    """A time-limited exact split is feasible and its gap certified, but not optimal: the summary
    must say so (and that the formula's proof does not depend on it)."""
    _, ev = bundle
    ex = ev.extraction
    stopped = dataclasses.replace(ex, settings={**ex.settings, "status": "time_limit"})
    line = dataclasses.replace(ev, extraction=stopped).summary_lines()[0]
    assert "time_limit" in line and "not proven optimal" in line
    ref = dataclasses.replace(ex, method="reference", lower_bound=None, gap=None)
    assert dataclasses.replace(ev, extraction=ref).summary_lines()[0].startswith("reference extraction: L1 = ")


def test_the_old_argument_order_still_works_with_a_warning(bundle):
    _, ev = bundle
    with pytest.warns(DeprecationWarning, match=r"evidence\(lm, rec, ex\)"):
        old = evidence(ev.record, ev.extraction, ev.logic_model)
    assert old.verdict.holds and old.logic_model == ev.logic_model and old.record is ev.record
    with pytest.raises(InputError, match="takes a LogicModel and its Record"):
        evidence(ev.record, ev.logic_model)
