"""``python -m proofs`` (and the old ``proofs/check_lemmas.py``) check every theorem, report one line
each, exit 1 when one fails, and never load proofs/recheck.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import z3

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # proofs/ is a top-level package of the repository, not of the installed symlogic
    sys.path.insert(0, str(ROOT))

from proofs.__main__ import main  # noqa: E402
from proofs.theorems import THEOREMS, _common  # noqa: E402


def _run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_python_m_proofs_checks_every_theorem(tmp_path):
    out = _run("-m", "proofs", "--json", str(tmp_path / "results.json"))
    assert out.returncode == 0, out.stdout + out.stderr
    lines = [line for line in out.stdout.splitlines() if line.startswith("[")]
    assert len(lines) == len(THEOREMS) and all(line.startswith("[checked]") for line in lines)
    assert all(name in out.stdout for name in THEOREMS)
    assert f"{len(THEOREMS)} of {len(THEOREMS)} theorems checked" in out.stdout
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in results] == list(THEOREMS)
    assert all(r["holds"] and r["counterexample"] is None and r["seconds"] >= 0 for r in results)


def test_the_old_entry_point_runs_the_same_checks():
    out = _run("proofs/check_lemmas.py", "--only", "group_reduction,margin_transfer")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "[checked] group_reduction" in out.stdout and "[checked] margin_transfer" in out.stdout
    assert "2 of 2 theorems checked" in out.stdout


def test_a_failing_theorem_exits_1_with_its_counterexample(monkeypatch, capsys):
    from proofs.theorems import group_reduction

    real = group_reduction.check
    monkeypatch.setattr(group_reduction, "check", lambda: real(reduction=lambda vmax, vmin, f, eps: vmax - f <= eps))
    assert main(["--only", "group_reduction"]) == 1
    text = capsys.readouterr().out
    assert "[FAILED] group_reduction" in text and "counterexample:" in text and "FAILED: group_reduction" in text


def test_unknown_theorem_names_are_refused_with_the_list(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--only", "mobius"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "no theorem named 'mobius'" in err and "mobius_inversion" in err


def test_list_names_every_theorem_and_its_page(capsys):
    assert main(["--list"]) == 0
    text = capsys.readouterr().out
    for name in THEOREMS:
        assert f"docs/theorems/{name}.md" in text
        assert (ROOT / "docs" / "theorems" / f"{name}.md").is_file()


def test_running_the_proofs_never_imports_recheck():
    code = ("import sys; from proofs.__main__ import main; main(['--list']); "
            "import proofs.theorems; [proofs.theorems.load(n) for n in proofs.theorems.THEOREMS]; "
            "print('proofs.recheck' in sys.modules)")
    out = _run("-c", code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_a_false_lemma_is_not_proved():
    v, f, v2, f2, eps, tol = z3.Reals("v f v2 f2 eps tol")
    close = z3.And(v - f <= eps, f - v <= eps, v2 - f2 <= eps, f2 - v2 <= eps)
    # no_effect with margin ε instead of 2ε is false; Z3 gives values that break it.
    wrong = z3.Implies(z3.And(close, f2 - f <= tol - eps, f - f2 <= tol - eps), z3.And(v2 - v <= tol, v - v2 <= tol))
    status, model = _common.z3_prove(wrong)
    assert status == "refuted" and set(model) >= {"v", "f", "v2", "f2", "eps", "tol"}
