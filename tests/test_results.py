"""The one result shape: status, engines (EngineReport), seconds, to_dict/from_dict round trips."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

import symlogic as sl
from symlogic.errors import InputError
from symlogic.figures.report import render_report
from symlogic.results import EngineReport, Result, status_word


def _verdicts() -> list[sl.Verdict]:
    rec = sl.Record.from_table([0.0, 0.1, 0.2, 0.35], names=["a", "b"])
    lm = sl.LogicModel.from_terms(rec.names, 0.0, [("and", ["a"], 0.1), ("and", ["b"], 0.2)])
    return [sl.verify(lm, rec), sl.verify(lm, rec, 0.0), sl.verify(lm, rec, Fraction(1, 10))]


def test_a_verdict_round_trips_through_json() -> None:
    for v in _verdicts():
        back = sl.Verdict.from_dict(json.loads(json.dumps(v.to_dict())))
        assert back == v and back.status == v.status and isinstance(v, Result)
        assert all(isinstance(e, EngineReport) for e in back.engines)


def test_verdict_status_and_engine_reports() -> None:
    holds, fails, _ = _verdicts()
    assert holds.status == "holds" and [e.outcome for e in holds.engines] == ["holds", "holds"]
    assert fails.status == "fails" and {e.name: e.outcome for e in fails.engines} == {"z3": "fails", "exact": "fails"}
    assert fails.engine_results == {"z3": "sat", "exact": "fails"}
    assert holds.relative_epsilon == pytest.approx(float(Fraction(holds.max_error_exact)) / 0.35)


@pytest.mark.parametrize("edit", [
    lambda d: d.pop("holds"), lambda d: d.update(holds="yes"), lambda d: d.update(engines=[{"name": "z3"}]),
    lambda d: d.update(epsilon_exact="1/0"), lambda d: d.update(model_sha256="x"), lambda d: d.update(support=[True]),
    lambda d: d.update(status="fails"), lambda d: d.update(status=1),
])
def test_a_malformed_verdict_dict_is_an_input_error(edit) -> None:  # type: ignore[no-untyped-def]
    d = _verdicts()[0].to_dict()
    edit(d)
    with pytest.raises(InputError):
        sl.Verdict.from_dict(d)


def test_engine_reports_round_trip_and_refuse_unknown_outcomes() -> None:
    e = EngineReport("z3", "holds", 0.5, "unsat")
    assert EngineReport.from_dict(e.to_dict()) == e
    with pytest.raises(InputError):
        EngineReport("z3", "unsat")


def test_a_refuted_claim_is_shown_as_refuted_not_as_a_failure() -> None:
    assert status_word("fails", "claim") == "REFUTED" and status_word("fails") == "FAILS"
    lm = sl.LogicModel.from_terms(["a"], 0.0, [("and", ["a"], 1.0)])
    html = render_report(title="t", formula_text="f", formula_latex="f", lm=lm, verdicts=[{"name": "v", "holds": True}],
                         claims=[{"claim": "output >= 0.5", "holds": False, "status": "fails"},
                                 {"claim": "output >= 0", "holds": False, "status": "undecided"}],
                         provenance={})
    assert 'class="claim refuted"' in html and "REFUTED" in html and 'class="claim fail"' not in html
    assert 'class="claim unknown"' in html and "UNDECIDED" in html
    assert "1 refuted, 1 undecided" in html


def test_a_refit_result_has_the_result_shape_and_round_trips() -> None:
    from symlogic.refit import RefitResult, refit_minimax

    rec = sl.Record.from_table([0.0, 0.1, 0.2, 0.35], names=["a", "b"])
    lm = sl.LogicModel.from_terms(rec.names, 0.0, [("and", ["a"], 0.1), ("and", ["b"], 0.2)])
    res = refit_minimax(lm, rec)
    assert isinstance(res, Result) and res.status in ("refitted", "kept") and res.engines[0].name == "highs"
    back = RefitResult.from_dict(json.loads(json.dumps(res.to_dict())))
    assert back.model == res.model and back.epsilon == res.epsilon and back.status == res.status
    with pytest.raises(InputError):
        RefitResult.from_dict({"refitted": "yes"})


def test_a_verdict_at_the_largest_accepted_bound_round_trips_and_its_bundle_loads(tmp_path) -> None:
    # exact_bound accepts 4096-bit bounds; their p/q text is longer than the reader's old limits
    # (2,400 characters in Verdict.from_dict, 1,200 in the bundle reader), so such a bundle was unreadable.
    rec = sl.Record.from_table([0.0, 0.1], names=["a"])
    lm = sl.LogicModel.from_terms(["a"], 0.0, [])
    eps = Fraction(2**4095 + 1, 2**4095 - 1)
    v = sl.verify(lm, rec, eps)
    assert v.holds and len(v.epsilon_exact) > 2400 and sl.Verdict.from_dict(v.to_dict()) == v
    sl.evidence(lm, rec, epsilon=eps).save(tmp_path / "e.zip")
    back = sl.Evidence.load(tmp_path / "e.zip")
    assert back.epsilon == eps and back.recheck().ok
