"""Fixtures for the stdlib re-checker ``proofs/recheck.py``: the module itself, imported by path (it
is a script, not part of the package), and honest bundles of every kind the pipeline writes."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import symlogic as sl

ROOT = Path(__file__).resolve().parents[2]
RECHECK = ROOT / "proofs" / "recheck.py"


def load_recheck() -> ModuleType:
    """``proofs/recheck.py`` as a module (registered first: its dataclass needs its module)."""
    name = "symlogic_proofs_recheck"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, RECHECK)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def rk() -> ModuleType:
    return load_recheck()


def structured_table(n: int, seed: int, scale: float = 1.0) -> list[float]:
    """An AND-OR table with a little non-dyadic noise (AND of the first two, OR of the last two)."""
    rng = np.random.default_rng(seed)
    out = []
    for t in range(1 << n):
        b = [(t >> i) & 1 for i in range(n)]
        x = 1.5 * b[0] * b[1] + 0.8 * max(b[-2], b[-1]) - 0.3 * b[0]
        out.append(scale * (x + round(float(rng.uniform(-0.01, 0.01)), 3)))
    return out


#: One claim of every conclusion kind, holding and failing, on the 4-variable table of the "full"
#: bundle (names a, b, `my var`, d), and model claims for each route of docs/claims.md.
RECORD_CLAIMS = [
    "a & b -> output >= 1", "output >= 0", "not a | `my var` -> output < 2.5", "absent(a) -> output <= 0",
    "no_effect(b, 0.02)", "a -> no_effect(b, 1/3)", "`my var` & !`my var` -> no_effect(d, 0)",
    "interaction(a, b) >= 1.4", "interaction(a, b, d) > 0", "max_order(2)", "max_order(1)", "max_order(0)",
    "a ∧ ¬b → output ≥ 0.1", "a && b => output ≤ 3", "present(\"my var\") || absent(d) -> output > -1e-3",
]
MODEL_CLAIMS = [
    ("output >= -5", "model"), ("a & b -> output >= 1.2", "model"), ("output <= 0", "model"),
    ("no_effect(d, 10)", "model"), ("no_effect(d, 0.01)", "model"), ("interaction(a, b) >= 1", "model"),
    ("interaction(a, b) <= 1", "model"), ("max_order(2)", "model"),
]


@pytest.fixture(scope="session")
def built_bundles(tmp_path_factory) -> dict[str, Path]:
    """Honest bundles: with and without an extraction, with a front, with claims of every kind on
    the record and the model, a refitted top-k model of a count_empty=False split, the reference
    (uncertified) method, a model whose error needs a fraction ε, and the stored v1 test bundle."""
    d = tmp_path_factory.mktemp("recheck-bundles")
    out: dict[str, Path] = {}

    def save(name: str, ev: sl.Evidence) -> None:
        out[name] = Path(ev.save(d / f"{name}.zip"))

    rec = sl.Record.from_table(structured_table(4, 3), names=["a", "b", "my var", "d"], output="log-odds")
    ex = sl.extract(rec)
    front = sl.pareto(rec)
    save("full", sl.evidence(front.at(0.05).model, rec, ex, claims=RECORD_CLAIMS + MODEL_CLAIMS, front=front))
    save("salient", sl.evidence(ex.logic_model(tau=0.1), rec, ex, claims=["output >= -1", ("output <= 0", "model")]))
    rec3 = sl.Record.from_table(structured_table(3, 5, 1e-3), names=["x", "y", "z"])
    ex3 = sl.extract(rec3, count_empty=False)
    save("topk-refit", sl.evidence(ex3.logic_model(top_k=2, refit="minimax"), rec3, ex3,
                                   claims=["x -> output >= 0", ("no_effect(z, 1)", "model")]))
    exr = sl.extract(rec3, method="reference", niter=300)
    save("reference", sl.evidence(exr.logic_model(tau=0.2), rec3, exr, claims=["max_order(1)"]))
    lm = sl.LogicModel.from_terms(["p", "q"], 0.25, [("and", ["p", "q"], 1.0), ("or", ["p", "q"], 0.5)])
    rec2 = sl.Record.from_table([0.25, 0.75, 0.8, 1.7], names=["p", "q"])
    save("no-extraction", sl.evidence(lm, rec2, claims=["p & q -> output > 1.7", "output >= 0.25",
                                                        ("interaction(p, q) >= 0.5", "model")]))
    save("given-epsilon", sl.evidence(lm, rec2, epsilon="1/5", claims=[("p -> output <= 2", "model")]))
    shutil.copy(ROOT / "tests" / "data" / "evidence_v1.zip", d / "v1.zip")
    out["v1"] = d / "v1.zip"
    return out
