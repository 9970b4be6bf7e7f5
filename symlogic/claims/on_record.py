"""Route "record: exhaustive, exact": every mask of the recorded table is examined.

Recorded float64 outputs are compared with the claim's decimal thresholds as the exact rationals
they are (vectorised in float64 with an error margin, borderline masks decided with Fractions).
Each conclusion node decides itself (:meth:`~.nodes.Conclusion.on_record`); this module times it,
and gives the nodes the recorded table as exact values.
"""

from __future__ import annotations

import time
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from ..results import EngineReport
from .exact_values import Vals
from .outcome import Outcome, Table

if TYPE_CHECKING:
    from ..record import Record
    from .nodes import Claim

__all__ = ["RECORD_ROUTE", "check_record", "record_values", "record_table", "all_masks"]

RECORD_ROUTE = "record: exhaustive, exact"


def record_values(values: np.ndarray, masks: np.ndarray) -> Vals:
    """Recorded outputs at ``masks``: float64 values are exact, so the error bound is 0."""
    return Vals(values[masks], 0.0, lambda k: Fraction(float(values[int(masks[k])])))


def all_masks(rec: "Record") -> np.ndarray:
    return np.arange(rec.values.shape[0], dtype=np.int64)


def record_table(rec: "Record", masks: np.ndarray, at: np.ndarray | None = None) -> Table:
    """The recorded outputs at ``at`` (default: ``masks``), ordered for counterexamples by ``masks``."""
    at = masks if at is None else at
    return Table(masks, record_values(rec.values, at), lambda k: int(at[k]))


def check_record(claim: "Claim", rec: "Record", bit: dict[str, int]) -> Outcome:
    """Exhaustive, exact check on the recorded table."""
    start = time.perf_counter()
    out = claim.on_record(rec, bit)
    report = EngineReport("exhaustive", out.status, time.perf_counter() - start, f"2^{rec.n} masks, exact")
    return replace(out, engines=(report,), route=RECORD_ROUTE)
