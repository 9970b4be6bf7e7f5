"""The whole pipeline in one call: record → extract → logic model → verify / check → evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .defaults import Q_BOUND, TAU
from .evidence import Evidence, evidence
from .extraction import extract
from .record import Record

__all__ = ["explain"]


def explain(
    rec: Record,
    *,
    method: str = "exact",
    q_bound: float = Q_BOUND,
    tau: float = TAU,
    top_k: int | None = None,
    refit: str | None = "minimax",
    claims: Sequence[Any] = (),
    epsilon: float | None = None,
    time_limit: float | None = None,
    device: Any = None,
    progress: bool | None = None,
    **options: Any,
) -> Evidence:
    """Extract certified interactions from ``rec``, build and prove the logic model, check claims.

    ``method`` is any name in :data:`symlogic.extraction.SOLVERS`; ``options`` go to that solver
    with ``time_limit``, ``device`` and ``progress`` (see :func:`symlogic.extraction.extract`).
    The logic model keeps the salient concepts (τ·max|I|, or the ``top_k`` largest) and, with
    ``refit="minimax"`` (default), re-optimises their coefficients to minimise the max error.
    """
    ex = extract(rec, method=method, q_bound=q_bound, time_limit=time_limit, device=device, progress=progress,
                 **options)
    lm = ex.logic_model(tau=tau, top_k=top_k, refit=refit)
    return evidence(lm, rec, ex, claims=claims, epsilon=epsilon, progress=progress)
