"""The pytest plugin, run on small projects with pytester: claims files, bundles, JUnit XML, json-report."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path

import numpy as np
import pytest

import symlogic as sl
from symlogic.evidence import Evidence
from symlogic.testing.bundles import file_sha256

pytest_plugins = ["pytester"]

# Installed, the entry point loads the plugin in every run; from a bare checkout, load it by name.
PLUGIN = [] if any(e.value == "symlogic.testing.plugin" for e in entry_points(group="pytest11")) else [
    "-p", "symlogic.testing.plugin"]

TOML = """
[subjects.toy]
values = [0.0, 1.0, 1.0, 3.0]
names = ["a", "b"]

[[subjects.toy.claims]]
claim = "present(a) & present(b) -> output >= 2.5"

[[subjects.toy.claims]]
claim = "output <= 2"
expect = "fails"
counterexample = { present = ["a", "b"] }

[[subjects.toy.claims]]
claim = "no_effect(b, 1/2)"
"""

YAML = """
subjects:
  toy:
    values: [0.0, 1.0, 1.0, 3.0]
    names: [a, b]
    claims:
      - present(a) & present(b) -> output >= 2.5
      - claim: output <= 2
        expect: fails
        counterexample: [a, b]
      - claim: no_effect(b, 1/2)
        id: b barely matters
"""

TEST_FILE = """
import symlogic as sl
from symlogic.testing import assert_claim, assert_explains

REC = sl.Record.from_table([0.0, 1.0, 1.0, 3.0], ["a", "b"])
LM = sl.LogicModel.from_terms(["a", "b"], 0.0, [("and", ["a"], 1.0), ("and", ["b"], 1.0), ("and", ["a", "b"], 1.0)])

def test_claims():
    assert_claim(REC, "output >= 0")
    assert_claim(LM, "interaction(a, b) >= 1", record=REC)

def test_explains():
    assert_explains(LM, REC, 0)

def test_fails():
    assert_claim(REC, "absent(a) -> output < 1")
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*PLUGIN, "-p", "no:cacheprovider", *args)


def has_in_order(text: str, *pieces: str) -> bool:
    """Each piece occurs in ``text`` after the one before (plain substrings: ids hold "[" and "*")."""
    at = 0
    for piece in pieces:
        at = text.find(piece, at)
        if at < 0:
            return False
        at += len(piece)
    return True


def test_claims_toml_items_pass_and_fail_with_the_claim_message(pytester):
    pytester.makefile(".toml", claims=TOML)
    result = run(pytester, "-v")
    result.assert_outcomes(passed=2, failed=1)
    assert has_in_order(result.stdout.str(),
                        "claims.toml::toy::present(a) & present(b) -> output >= 2.5 PASSED",
                        "claims.toml::toy::output <= 2 PASSED",
                        "claims.toml::toy::no_effect(b, 1/2) FAILED",
                        "claims.toml: subjects.toy.claims[2]\n",
                        "claim 'no_effect(b, 1/2)': expected HOLDS, got FAILS\n",
                        "counterexample mask 0: present {}; absent {a, b}\n",
                        "mask_with: mask 2: present {b}; absent {a}\n"), result.stdout.str()
    assert "evidence bundles written" not in result.stdout.str()  # no --symlogic-bundles: nothing written
    assert not list(pytester.path.rglob("*.zip"))


def test_claims_yaml_items_and_ids(pytester):
    pytest.importorskip("yaml")
    pytester.makefile(".yaml", claims_model=YAML)
    result = run(pytester, "-v")
    result.assert_outcomes(passed=2, failed=1)
    assert "claims_model.yaml::toy::b barely matters FAILED" in result.stdout.str()


def test_yaml_without_pyyaml_is_a_clear_collection_error(pytester, monkeypatch):
    pytester.makefile(".yml", claims=YAML)
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml now raises ImportError
    result = run(pytester)
    result.assert_outcomes(errors=1)
    assert has_in_order(result.stdout.str(), "claims.yml: (file): a YAML claims file needs PyYAML",
                        "Fix: pip install pyyaml")


@pytest.mark.parametrize("body, expected", [
    (TOML.replace('expect = "fails"', 'expect = "maybe"'),
     ("claims.toml: subjects.toy.claims[1].expect: is 'maybe'", "Fix: write one of holds, fails, undecided")),
    (TOML.replace('claim = "no_effect', 'cliam = "no_effect'),
     ("claims.toml: subjects.toy.claims[2].cliam: unknown key (did you mean 'claim'?)", "Fix: use only claim, expect")),
    (TOML.replace("output <= 2", "output <= = 2"),
     ("subjects.toy.claims[1].claim: the claim does not parse", "^", "Fix: correct it")),
    (TOML.replace("values = [0.0, 1.0, 1.0, 3.0]", 'bundle = "nowhere.zip"'),
     ("subjects.toy.bundle: there is no file 'nowhere.zip' next to the claims file", "Fix: give the path")),
    (TOML.replace('names = ["a", "b"]', 'table = "t.npy"'),
     ("subjects.toy: a subject needs exactly one of bundle, table, values, factory; it has table and values",)),
    ("[subjects.toy\n", ("claims.toml: (file): not valid TOML", "Fix: correct the syntax")),
    ('[subjects.toy]\nvalues = [0.0, 1.0]\n', ("subjects.toy.claims: a subject needs a non-empty list of claims",)),
    ('[subjects.toy]\nfactory = "no_colon"\nclaims = ["output >= 0"]\n',
     ("subjects.toy.factory: 'no_colon' is not of the form module:function",)),
], ids=["expect", "unknown-key", "syntax", "missing-bundle", "two-sources", "toml", "no-claims", "factory"])
def test_malformed_claims_file_names_file_key_and_fix(pytester, body, expected):
    pytester.makefile(".toml", claims=body)
    result = run(pytester)
    result.assert_outcomes(errors=1)
    assert has_in_order(result.stdout.str(), "ERROR collecting claims.toml", *expected), result.stdout.str()


def test_only_matching_files_are_collected_and_the_ini_option_changes_the_pattern(pytester):
    pytester.makefile(".toml", checks=TOML)
    pytester.makefile(".toml", pyproject='[project]\nname = "x"\n')
    run(pytester).assert_outcomes()  # nothing collected
    pytester.makeini("[pytest]\nsymlogic_claims_files = checks*.toml\n")
    run(pytester).assert_outcomes(passed=2, failed=1)


def test_table_bundle_and_factory_subjects(pytester):
    rec = sl.Record.from_table([0.0, 1.0, 1.0, 3.0], ["a", "b"])
    lm = sl.LogicModel.from_terms(["a", "b"], 0.0, [("and", ["a"], 1.0), ("and", ["b"], 1.0), ("and", ["a", "b"], 1.0)])
    np.save(pytester.path / "v.npy", rec.values, allow_pickle=False)
    (pytester.path / "v.json").write_text(json.dumps({"values": rec.values.tolist(), "names": ["a", "b"]}))
    sl.evidence(lm, rec).save(pytester.path / "ev.zip")
    pytester.makepyfile(helpers="""
        import symlogic as sl
        def model_and_record():
            rec = sl.Record.from_table([0.0, 1.0, 1.0, 3.0], ["a", "b"])
            # AND(a, b) is 1/2 short: the model is within ε = 1/2 of the record, not closer
            terms = [("and", ["a", "b"], 0.5), ("and", ["a"], 1.0), ("and", ["b"], 1.0)]
            lm = sl.LogicModel.from_terms(["a", "b"], 0.0, terms)
            return lm, rec
    """)
    pytester.makefile(".toml", claims="""
        [subjects.npy]
        table = "v.npy"
        names = ["a", "b"]
        claims = ["interaction(a, b) >= 1"]

        [subjects.json]
        table = "v.json"
        claims = [{ claim = "output <= 2", expect = "fails", counterexample = 3 }]

        [subjects.bundle]
        bundle = "ev.zip"
        on = "model"
        claims = ["interaction(a, b) >= 1", { claim = "absent(a) -> output <= 1", on = "record" }]

        [subjects.factory]
        factory = "helpers.py:model_and_record"
        claims = ["interaction(a, b) >= 1", { claim = "output >= 0", epsilon = "0.25" }]
    """)
    result = run(pytester, "-v")
    result.assert_outcomes(passed=5, failed=1)
    # the model is within 0 of the record, not 1/2 away: the ε given cannot be proven, and the test says so
    assert has_in_order(result.stdout.str(), "claims.toml::factory::output >= 0 FAILED",
                        "cannot be carried by the model", "within ε (asked: '0.25'): FAILS",
                        "max error 0.5 vs ε = 0.25", "worst mask 3: present {a, b}; absent {}"), result.stdout.str()


def test_broken_factory_fails_each_of_its_claims(pytester):
    pytester.makepyfile(helpers="def make():\n    return 42\n")
    pytester.makefile(".toml", claims='[subjects.s]\nfactory = "helpers.py:make"\n'
                                      'claims = ["output >= 0", "output <= 9"]\n')
    result = run(pytester)
    result.assert_outcomes(failed=2)
    # Each claim's failure section names the broken factory (the short summary may repeat it: pytest
    # prints summary messages in full when CI is set, so only the sections are counted).
    failures = result.stdout.str().split("short test summary info")[0]
    assert failures.count("subjects.s.factory: the factory returned a int") == 2, result.stdout.str()


def _properties(xml: Path) -> dict[str, list[tuple[str, str]]]:
    out = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        out[case.get("name")] = [(p.get("name"), p.get("value")) for p in case.iter("property")]
    return out


def test_bundles_are_written_loadable_and_their_hashes_are_in_the_junit_xml(pytester):
    pytester.makepyfile(test_model=TEST_FILE)
    pytester.makefile(".toml", claims=TOML)
    result = run(pytester, "--symlogic-bundles=evidence", "--junitxml=report.xml")
    result.assert_outcomes(passed=4, failed=2)
    result.stdout.fnmatch_lines(["symlogic: 7 evidence bundles written to *evidence"])
    bundles = sorted((pytester.path / "evidence").glob("*.zip"))
    assert len(bundles) == 7
    props = _properties(pytester.path / "report.xml")
    reported = {}
    for name, pairs in props.items():
        paths = [v for k, v in pairs if k == "symlogic_bundle"]
        hashes = [v for k, v in pairs if k == "symlogic_sha256"]
        assert len(paths) == len(hashes) == len([k for k, _ in pairs if k == "symlogic_check"]) >= 1, name
        reported.update(zip(paths, hashes))
    assert sorted(Path(p) for p in reported) == bundles
    for path, sha in reported.items():
        assert file_sha256(path) == sha
        assert Evidence.load(path).recheck().ok
    assert ("symlogic_status", "fails") in props["test_fails"]
    assert ("symlogic_check", "ε-equivalence at ε = 0.0") in props["test_explains"]
    names = sorted(p.name for p in bundles)
    assert any(n.startswith("test_model.py_test_claims-") for n in names)
    assert any(n.startswith("claims.toml_toy_no_effect_b_1_2-") for n in names)
    # the same run again writes the same file names
    run(pytester, "--symlogic-bundles=evidence")
    assert sorted(p.name for p in (pytester.path / "evidence").glob("*.zip")) == names


def test_junit_properties_without_bundles(pytester):
    pytester.makepyfile(test_model=TEST_FILE)
    run(pytester, "--junitxml=report.xml").assert_outcomes(passed=2, failed=1)
    props = _properties(pytester.path / "report.xml")
    assert props["test_claims"] == [("symlogic_check", "output >= 0"), ("symlogic_status", "holds"),
                                    ("symlogic_check", "interaction(a, b) >= 1"), ("symlogic_status", "holds")]
    assert not list(pytester.path.rglob("*.zip"))


def test_json_report_metadata(pytester):
    pytest.importorskip("pytest_jsonreport")
    pytester.makepyfile(test_model=TEST_FILE)
    result = run(pytester, "--json-report", "--json-report-file=report.json", "--symlogic-bundles=b")
    result.assert_outcomes(passed=2, failed=1)
    tests = {t["nodeid"]: t for t in json.loads((pytester.path / "report.json").read_text())["tests"]}
    meta = tests["test_model.py::test_claims"]["metadata"]["symlogic"]
    assert [(m["check"], m["status"]) for m in meta] == [("output >= 0", "holds"), ("interaction(a, b) >= 1", "holds")]
    for m in meta:
        assert file_sha256(m["bundle"]) == m["sha256"]
    assert tests["test_model.py::test_fails"]["metadata"]["symlogic"][0]["status"] == "fails"


def test_plugin_import_is_cheap():
    code = ("import sys, symlogic.testing.plugin, symlogic.testing; "
            "print(sorted(m for m in ('torch', 'z3', 'sympy', 'numpy', 'yaml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
