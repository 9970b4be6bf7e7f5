"""ClaimResult (symlogic.claims.result): the package's one result shape, round-tripping through JSON."""

from __future__ import annotations

import json

import pytest

from claims_reference import _noisy
from symlogic.claims import ClaimResult, EngineReport, check
from symlogic.errors import InputError
from symlogic.logic import LogicModel
from symlogic.record import Record
from symlogic.results import EngineReport as OneEngineReport
from symlogic.results import Result
from symlogic.verify import verify


def test_engine_report_is_the_packages_one_type() -> None:
    assert EngineReport is OneEngineReport


def test_from_dict_round_trips_every_route(rec5: Record, lm4: LogicModel) -> None:
    rec, eps = _noisy(lm4, 0.01)
    verdict = verify(lm4, rec, float(eps))
    results = [
        check("output >= -10", rec5),
        check("output >= 0", rec5),
        check("max_order(2)", rec5),
        check("no_effect(a, 1.5)", lm4),
        check("no_effect(a, 1)", lm4),
        check("interaction(a, b) > 1.5", lm4),
        check("max_order(1)", lm4),
        check("present(a) & present(b) & absent(c) -> output >= 1.745", lm4, epsilon=verdict),
        check("present(a) & present(b) & absent(c) -> output >= 1.9", lm4, epsilon=verdict),
    ]
    assert {r.status for r in results} == {"holds", "fails", "undecided"}
    for res in results:
        assert isinstance(res, Result)
        back = ClaimResult.from_dict(json.loads(json.dumps(res.to_dict())))
        assert back == res and back.to_dict() == res.to_dict()
        assert back.parsed == res.parsed


def test_from_dict_ignores_a_bundles_extra_keys_and_refuses_nonsense(rec5: Record) -> None:
    d = {**check("output >= 0", rec5).to_dict(), "target": "record"}
    assert ClaimResult.from_dict(d).status == "fails"
    for bad in ({**d, "status": "maybe"}, {**d, "holds": True}, {**d, "claim": 3}, {**d, "seconds": "1"}, []):
        with pytest.raises(InputError):
            ClaimResult.from_dict(bad)  # type: ignore[arg-type]
