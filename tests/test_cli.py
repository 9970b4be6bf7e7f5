"""Every CLI command on a small bundle: exit codes, outputs, one-line errors on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import sympy

from symlogic.cli import main
from symlogic.evidence import Evidence

FACTORY = textwrap.dedent(
    """
    import torch

    def make():
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
        x = torch.tensor([1.0, -0.5, 0.8, 1.2, -1.0])
        return model, x, torch.zeros(5), ["a", "b", "c", "d", "e"]

    def broken():
        return 42
    """
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    (d / "toy_factory.py").write_text(FACTORY)
    return d


@pytest.fixture(scope="module")
def bundle(workdir) -> Path:
    import os

    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        code = main(["-q", "explain", "--model", "toy_factory:make", "-o", "out", "--claim", "output <= 100",
                     "--claim", "no_effect(a, 0.0001)"])
    finally:
        os.chdir(cwd)
    assert code == 0
    return workdir / "out" / "evidence.zip"


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_writes_a_bundle_and_report(bundle):
    ev = Evidence.load(bundle)
    assert ev.record.names == ("a", "b", "c", "d", "e") and ev.verdict.holds
    assert [c.holds for c in ev.claims] == [True, False]
    html = (bundle.parent / "report.html").read_text(encoding="utf-8")
    assert len(html) > 10_000
    assert '<p id="extraction">exact extraction: L1 = ' in html and ", optimal)" in html


def test_verify_exit_codes(bundle, tmp_path, capsys):
    code, out, _ = run(["verify", str(bundle)], capsys)
    assert code == 0 and "ALL RE-CHECKED" in out and "[ok] ε-equivalence" in out
    # Altered table: exit 1 with a clear line.
    with zipfile.ZipFile(bundle) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    data = bytearray(members["values.npy"])
    data[-1] ^= 1
    members["values.npy"] = bytes(data)
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        for n, d in members.items():
            zf.writestr(n, d)
    code, _, err = run(["verify", str(bad)], capsys)
    assert code == 1 and "altered" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    # A claim result changed in the manifest: the re-check fails.
    with zipfile.ZipFile(bundle) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    man = json.loads(members["manifest.json"])
    man["claims"][0]["holds"] = False
    members["manifest.json"] = json.dumps(man).encode()
    with zipfile.ZipFile(bad, "w") as zf:
        for n, d in members.items():
            zf.writestr(n, d)
    code, out, err = run(["verify", str(bad)], capsys)
    # exit 1 either way: a self-contradicting result (holds with status "fails") is refused on load
    assert code == 1 and ("RE-CHECK FAILED" in out or ("altered" in err and "claim" in err))


def test_unusable_input_exits_2_with_one_line(tmp_path, capsys):
    code, _, err = run(["verify", str(tmp_path / "missing.zip")], capsys)
    assert code == 2 and "no such file" in err and len(err.strip().splitlines()) == 1
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    code, _, err = run(["verify", str(junk)], capsys)
    assert code == 2 and "not a valid symlogic evidence bundle" in err and "Traceback" not in err


def test_check_on_record_and_model(bundle, capsys):
    code, out, _ = run(["check", str(bundle), "output <= 100"], capsys)
    assert code == 0 and out.startswith("HOLDS")
    code, out, _ = run(["check", str(bundle), "present(a) -> output >= 100"], capsys)
    assert code == 1 and "counterexample" in out
    code, out, _ = run(["check", str(bundle), "output <= 100", "--on", "model", "--json"], capsys)
    assert code == 0 and json.loads(out)["holds"] is True


def test_bad_claims_give_positioned_errors(bundle, capsys):
    code, _, err = run(["check", str(bundle), "present(a) & -> output >= 1"], capsys)
    assert code == 2 and "character" in err and "Traceback" not in err
    code, _, err = run(["check", str(bundle), "present(zzz) -> output >= 1"], capsys)
    assert code == 2 and "zzz" in err


def test_export_every_format(bundle, tmp_path, capsys):
    ev = Evidence.load(bundle)
    code, out, _ = run(["export", str(bundle), "--format", "sympy"], capsys)
    assert code == 0
    expr = sympy.sympify(out.strip(), locals={s.name: s for s in ev.logic_model.symbols.values()})
    assert sympy.simplify(expr - ev.logic_model.to_sympy()) == 0
    code, out, _ = run(["export", str(bundle), "--format", "latex"], capsys)
    assert code == 0 and out.startswith("f = ")
    code, out, _ = run(["export", str(bundle), "--format", "json"], capsys)
    assert code == 0 and len(json.loads(out)["terms"]) == len(ev.logic_model.terms)
    code, out, _ = run(["export", str(bundle), "--format", "dot"], capsys)
    assert code == 0 and out.lstrip().startswith(("digraph", "strict digraph"))
    code, out, _ = run(["export", str(bundle), "--format", "mermaid"], capsys)
    assert code == 0 and "flowchart" in out or "graph" in out
    target = tmp_path / "g.graphml"
    code, _, _ = run(["export", str(bundle), "--format", "graphml", "-o", str(target)], capsys)
    assert code == 0 and nx.read_graphml(target).number_of_nodes() == 5 + len(ev.logic_model.concepts) + 1
    code, _, err = run(["export", str(bundle), "--format", "graphml"], capsys)
    assert code == 2 and "-o" in err


def test_graph_and_report(bundle, tmp_path, capsys):
    code, _, _ = run(["graph", str(bundle), "-o", str(tmp_path / "g.svg")], capsys)
    assert code == 0 and (tmp_path / "g.svg").read_text().lstrip().startswith("<?xml")
    code, _, err = run(["graph", str(bundle), "-o", str(tmp_path / "g.gif")], capsys)
    assert code == 2 and ".svg or .png" in err
    code, _, _ = run(["report", str(bundle), "-o", str(tmp_path / "r.html")], capsys)
    html = (tmp_path / "r.html").read_text()
    assert code == 0 and 'id="formula"' in html and "http://" not in html.replace("http://www.w3.org", "")


def test_extract_from_a_table(tmp_path, capsys):
    masks = np.arange(16)
    values = ((masks & 3) == 3).astype(float) + 0.5 * ((masks & 12) != 0)
    np.save(tmp_path / "t.npy", values)
    code, out, _ = run(["-q", "extract", str(tmp_path / "t.npy"), "--names", "p,q,r,s", "-o", str(tmp_path / "o")], capsys)
    assert code == 0 and "AND(p, q)" in out and "OR(r, s)" in out
    np.save(tmp_path / "bad.npy", np.arange(5.0))
    code, _, err = run(["extract", str(tmp_path / "bad.npy"), "-o", str(tmp_path / "o2")], capsys)
    assert code == 2 and "power" in err or "2^n" in err
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    code, _, err = run(["extract", str(tmp_path / "obj.npy"), "-o", str(tmp_path / "o3")], capsys)
    assert code == 2 and "pickle" in err.lower() or "plain numeric" in err


def test_wrong_factories(workdir, capsys, monkeypatch):
    monkeypatch.chdir(workdir)
    code, _, err = run(["explain", "--model", "toy_factory"], capsys)
    assert code == 2 and "MODULE:FACTORY" in err
    code, _, err = run(["explain", "--model", "no_such_module:make"], capsys)
    assert code == 2 and "cannot import" in err
    code, _, err = run(["explain", "--model", "toy_factory:nothing"], capsys)
    assert code == 2 and "no callable" in err
    code, _, err = run(["explain", "--model", "toy_factory:broken"], capsys)
    assert code == 2 and "must return" in err


def test_debug_shows_the_traceback(tmp_path, capsys):
    code, _, err = run(["--debug", "verify", str(tmp_path / "missing.zip")], capsys)
    assert code == 2 and "Traceback" in err


def test_every_command_has_help():
    for cmd in ("demo", "explain", "extract", "verify", "check", "export", "graph", "report"):
        res = subprocess.run([sys.executable, "-m", "symlogic", cmd, "--help"], capture_output=True, text=True, timeout=60)
        assert res.returncode == 0 and "usage: symlogic" in res.stdout


def test_demo_end_to_end_small(tmp_path, capsys):
    code, out, _ = run(["-q", "demo", "-o", str(tmp_path / "demo"), "--features", "6"], capsys)
    assert code == 0
    assert "PROVEN" in out and "HOLDS" in out and "REFUTED" in out
    for name in ("evidence.zip", "graph.png", "graph.svg", "report.html"):
        assert (tmp_path / "demo" / name).stat().st_size > 1000
    assert Evidence.load(tmp_path / "demo" / "evidence.zip").recheck().ok


def test_help_lists_the_exit_codes(capsys):
    from symlogic.cli import build_parser

    text = build_parser().format_help()
    assert "exit codes:" in text and all(f"\n  {code}  " in text for code in (0, 1, 2, 3))
