"""The VNN-COMP-style soundness score (benchmarks/bench_soundness_score.py), run small.

symlogic must score ~200 planted cases without one wrong verdict; a verifier that compares in
float64 with a tolerance must be caught (−100 per wrong verdict). The cases' exact reference is
checked on closed forms and against symlogic's own butterflies and exact model evaluation.
"""

from __future__ import annotations

import random
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_soundness_score as bench  # noqa: E402
import soundness_cases as sc  # noqa: E402

from symlogic import LogicModel, and_interactions  # noqa: E402


@pytest.fixture(scope="module")
def cases() -> list[sc.Case]:
    return sc.generate_cases(200, seed=11)


@pytest.fixture(scope="module")
def symlogic_score(cases) -> bench.Score:
    return bench.score(cases, bench.SymlogicEngine())


def test_symlogic_gives_no_wrong_verdict_and_a_positive_score(cases, symlogic_score):
    t = symlogic_score.total
    assert t.cases == len(cases) == 200
    assert t.wrong == 0, "\n".join(f"{a!r}: {c.describe()}" for c, a in symlogic_score.wrong)
    assert t.escaped == 0, "\n".join(f"{a}: {c.describe()}" for c, a in symlogic_score.escaped)
    assert t.points == 10 * t.correct > 0
    # "undecided" is fair only where the ε margin alone must carry a claim; everything else is decided.
    margin = sum(c.route == "margin" for c in cases)
    assert t.unknown <= margin
    assert {"verify/ulp-past", "verify/eps-ulp-below", "bundle/epsilon", "bundle/claim", "record/output"} <= set(
        symlogic_score.by_category)


def test_the_cases_hold_both_answers_in_every_hard_category(cases):
    expected = {(c.category, c.expected) for c in cases}
    for category in ("record/output", "record/no_effect", "record/interaction", "bundle/epsilon"):
        assert {(category, "holds"), (category, "fails")} <= expected
    assert all(c.expected == "fails" for c in cases if c.category in ("verify/ulp-past", "verify/eps-ulp-below"))
    assert all(c.expected == "holds" for c in cases if c.category in ("verify/at-eps", "verify/ulp-inside"))


def test_a_float_tolerance_verifier_is_penalised(cases):
    res = bench.score(cases, bench.FloatToleranceEngine())
    t = res.total
    assert t.wrong > 0 and t.points == 10 * t.correct - 100 * t.wrong < 0
    assert res.by_category["verify/ulp-past"].wrong == res.by_category["verify/ulp-past"].cases
    assert all(answer == "holds" and case.expected == "fails" for case, answer in res.wrong
               if case.category.startswith("verify/"))


class _Always:
    """An engine that says one thing whatever it is asked, or raises."""

    def __init__(self, answer: str | Exception) -> None:
        self.name, self._answer = f"always {answer!r}", answer

    def answer(self, case: sc.Case, workdir: str) -> str:
        if isinstance(self._answer, Exception):
            raise self._answer
        return self._answer


def test_the_points_follow_the_vnn_comp_scheme(cases):
    fails = sum(c.expected == "fails" for c in cases)
    holds = _Always("holds")
    assert bench.score(cases, holds).total.points == 10 * (len(cases) - fails) - 100 * fails
    assert bench.score(cases, _Always("undecided")).total.points == 0
    from symlogic import InputError

    refused = bench.score(cases[:5], _Always(InputError("no"))).total
    escaped = bench.score(cases[:5], _Always(ZeroDivisionError("bug"))).total
    assert (refused.unknown, refused.escaped, refused.points) == (5, 0, 0)
    assert (escaped.escaped, escaped.points) == (5, 0)
    assert [bench.outcome_of("holds", a) for a in ("holds", "fails", "unknown", "undecided")] == [
        "correct", "wrong", "unknown", "unknown"]


def test_main_exits_1_on_a_wrong_verdict(capsys):
    assert bench.main(["--cases", "12", "--seed", "2", "--engine", "float-tolerance", "--show", "1"]) == 1
    out = capsys.readouterr().out
    assert "TOTAL" in out and "wrong verdicts" in out and "WRONG VERDICT" in out


# ---- the exact reference, on closed forms and against symlogic's own kernels ------------------
def test_reference_closed_forms():
    # f = 1 + 2·AND(x0, x1) − OR(x1, x2) on 3 variables
    f = sc.exact_table(3, [("bias", 0, 1), ("and", 0b011, 2), ("or", 0b110, -1)])
    assert f == [1, 1, 0, 2, 0, 0, 0, 2]
    assert sc.max_error(f, [1.0, 1.5, 0.0, 2.0, 0.0, -0.25, 0.0, 2.0]) == (Fraction(1, 2), 1)
    spec = sc.ClaimSpec("interaction", ">=", Fraction(2), "2", subset=0b011)
    assert sc._interaction(f, 0b011) == 2 and spec.decide(f)  # I({x0, x1}) of AND(x0, x1)·2 is 2
    assert not sc.ClaimSpec("interaction", ">", Fraction(2), "2", subset=0b011).decide(f)
    no_effect = sc.ClaimSpec("no_effect", "<=", Fraction(1), "1", cond=((1, False),), var=0)
    assert no_effect.text(["a", "b", "c"]) == "absent(b) -> no_effect(a, 1)" and no_effect.decide(f)
    assert sc.neighbour(Fraction(1), True) == Fraction(np.nextafter(1.0, 2.0))
    assert sc.neighbour(Fraction(1, 3), False) == Fraction(float(Fraction(1, 3))) < Fraction(1, 3)


@given(st.integers(1, 5), st.data())
def test_reference_interactions_match_the_butterfly(n, data):
    u = data.draw(st.lists(st.integers(-64, 64), min_size=1 << n, max_size=1 << n))
    table = [x / 16 for x in u]
    fast = and_interactions(np.array(table))
    assert all(sc._interaction(table, s) == Fraction(float(fast[s])) for s in range(1 << n))


@given(st.integers(0, 2**31))
def test_reference_model_tables_match_exact_evaluation(seed):
    inst = sc.planted_instance(random.Random(seed), 0)
    lm = LogicModel.from_terms(inst.names, inst.model[0][2], list(inst.model[1:]))
    assert inst.model_table() == [lm.evaluate_exact(m) for m in range(1 << inst.n)]
    # the planted worst mask is the only one at the noise's edge: nudging it one ulp out moves E
    e, worst = sc.max_error(inst.model_table(), inst.values)
    e2, _ = sc.max_error(inst.model_table(), inst.nudged(worst, inst.model_table()[worst]).values)
    assert e2 > e
