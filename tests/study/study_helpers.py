"""Helpers of the study tests: known tables and studies built from them (no model involved)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from symlogic.pipeline import explain
from symlogic.record import Record
from symlogic.study.study import Study
from symlogic.study.work import evidence_bytes


def table_of(fn, n: int) -> np.ndarray:
    """v(T) = fn(bits of T) on all 2^n masks (baseline 0, input all ones: docs/theory.md §6)."""
    bits = (np.arange(1 << n)[:, None] >> np.arange(n)) & 1
    return np.array([float(fn(b)) for b in bits])


def study_of(tables: Sequence[np.ndarray], names: Sequence[Sequence[str]] | None = None,
             claims: Sequence[str] = ()) -> Study:
    """A study of explained known tables (no model involved)."""
    bundles = []
    for i, t in enumerate(tables):
        rec = Record.from_table(t, names=None if names is None else names[i])
        bundles.append(evidence_bytes(explain(rec, q_bound=0.0, claims=list(claims), progress=False)))
    return Study.from_bundles(bundles, settings={"explain": {"tau": 0.05}})
