"""A proof at a vacuous ε is never shown as a plain success: summary, CLI and report say it is weak,
and the front that names the size reaching the target travels in the bundle (docs/theory.md §4.6)."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

import symlogic as sl
from symlogic.cli import main
from symlogic.defaults import WEAK
from symlogic.evidence import Evidence
from symlogic.weak import is_weak, weak_advice


@pytest.fixture(scope="module")
def rec() -> sl.Record:
    v = np.random.default_rng(0).normal(size=64) * 0.5 + 3 * ((np.arange(64) & 5) == 5) - 2 * ((np.arange(64) & 18) != 0)
    return sl.Record.from_table(v, [f"x{i}" for i in range(6)])


@pytest.fixture(scope="module")
def vacuous(rec: sl.Record) -> sl.LogicModel:
    """f ≡ the midpoint of the outputs: proven, at ε = half the range."""
    mid = (float(rec.values.max()) + float(rec.values.min())) / 2
    return sl.LogicModel.from_terms(rec.names, mid, [])


def test_is_weak_threshold() -> None:
    assert is_weak(WEAK * 1.01) and not is_weak(WEAK) and not is_weak(None)
    assert "reaches 5 % has 7 terms" in weak_advice(0.3, front={"terms": [0, 7], "relative_epsilon": [0.5, 0.04]})
    assert "symlogic.sparsest(rec, 0.05)" in weak_advice(0.3)


def test_vacuous_verdict_is_weak_in_str_and_summary(rec: sl.Record, vacuous: sl.LogicModel) -> None:
    v = sl.verify(vacuous, rec)
    assert v.holds and v.weak and v.relative_epsilon == pytest.approx(0.5, rel=1e-12)
    assert "WEAK" in str(v)
    lines = sl.evidence(vacuous, rec).summary_lines()
    text = "\n".join(lines)
    assert "PROVEN, but WEAK" in text and "50 % of the output range" in text and "weak explanation" in text
    assert not any(re.search(r"ε-equivalence: PROVEN on", line) for line in lines)


def test_a_faithful_formula_is_not_weak(rec: sl.Record) -> None:
    lm = sl.sparsest(rec, 0.04)
    ev = sl.evidence(lm, rec)
    assert not ev.verdict.weak and ev.verdict.relative_epsilon <= 0.04
    assert any("ε-equivalence: PROVEN on" in line for line in ev.summary_lines())


def test_report_calls_it_weak(rec: sl.Record, vacuous: sl.LogicModel, tmp_path: Path) -> None:
    html = Path(sl.evidence(vacuous, rec).to_html(tmp_path / "r.html")).read_text(encoding="utf-8")
    summary = re.search(r'<p id="summary" class="(\w+)"><span class="badge">([^<]+)</span>', html)
    assert summary and summary.group(1) == "weak" and summary.group(2) == "PROVEN · WEAK"
    assert 'class="verdict weak"' in html and "A weak explanation" in html


def test_cli_verify_says_weak_and_explain_epsilon_uses_the_front(rec: sl.Record, vacuous: sl.LogicModel,
                                                                  tmp_path: Path, capsys) -> None:
    weak_zip = sl.evidence(vacuous, rec).save(tmp_path / "weak.zip")
    assert main(["-q", "verify", weak_zip]) == 0
    out = capsys.readouterr().out
    assert "50 % of the output range" in out and "A weak explanation" in out

    np.save(tmp_path / "t.npy", rec.values)
    code = main(["-q", "extract", str(tmp_path / "t.npy"), "--epsilon", "0.05", "-o", str(tmp_path / "o")])
    out = capsys.readouterr().out
    assert code == 0 and "size vs error" in out and "WEAK" not in out
    ev = Evidence.load(tmp_path / "o" / "evidence.zip")
    assert ev.front is not None and ev.verdict.relative_epsilon <= 0.05
    assert len(ev.logic_model) == ev.front.at(0.05).terms
    assert ev.recheck().ok
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert 'id="front"' in html


def test_a_bundle_whose_front_lies_is_refused_or_fails_recheck(rec: sl.Record, tmp_path: Path) -> None:
    front = sl.pareto(rec, targets=(0.1,), max_terms=12)
    lm = front.points[-1].model
    path = sl.evidence(lm, rec, front=front).save(tmp_path / "b.zip")
    assert Evidence.load(path).recheck().ok

    def rewrite(edit) -> Path:
        out = tmp_path / f"edited{len(list(tmp_path.iterdir()))}.zip"
        with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w") as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename == "manifest.json":
                    m = json.loads(data)
                    edit(m)
                    data = json.dumps(m).encode()
                zout.writestr(item, data)
        return out

    def claim_smaller(m: dict) -> None:  # a point states a tighter bound than it has
        p = m["pareto"]["points"][-1]
        p["epsilon"] = p["epsilon"] / 2
        p["epsilon_exact"] = f"{p['epsilon']!r}"

    report = Evidence.load(rewrite(claim_smaller)).recheck()
    assert not report.ok and any(i.name == "size-vs-error front" and not i.ok for i in report.items)

    def swap(m: dict) -> None:
        pts = m["pareto"]["points"]
        pts[0], pts[1] = pts[1], pts[0]

    with pytest.raises(sl.BundleError):
        Evidence.load(rewrite(swap))

    def rename(m: dict) -> None:
        m["pareto"]["points"][1]["model"]["names"] = ["z" + x for x in m["pareto"]["points"][1]["model"]["names"]]

    with pytest.raises(sl.BundleError):
        Evidence.load(rewrite(rename))
