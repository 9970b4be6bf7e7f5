"""The mechanical lemma checks in proofs/ pass, and the checker can fail."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import z3

SPEC = importlib.util.spec_from_file_location("check_lemmas", Path(__file__).resolve().parents[1] / "proofs" / "check_lemmas.py")
lemmas = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(lemmas)


def test_every_lemma_is_proved():
    assert lemmas.main() == 0


def test_a_false_lemma_is_not_proved():
    v, f, v2, f2, eps, tol = z3.Reals("v f v2 f2 eps tol")
    close = z3.And(v - f <= eps, f - v <= eps, v2 - f2 <= eps, f2 - v2 <= eps)
    # no_effect with margin ε instead of 2ε is false.
    wrong = z3.Implies(z3.And(close, f2 - f <= tol - eps, f - f2 <= tol - eps), z3.And(v2 - v <= tol, v - v2 <= tol))
    assert not lemmas._prove(wrong)
