"""The whole pipeline in one call: record → extract → logic model (salient concepts, or the sparsest
proven formula for a target) → verify / check → evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .defaults import Q_BOUND, TAU
from .errors import InputError
from .evidence import Evidence, evidence
from .extraction import extract
from .logic import LogicModel
from .params import finite_number
from .pareto import Pareto, pareto, proven_point
from .record import Record
from .sparsest import sparsest

__all__ = ["explain", "sparse_choice"]


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
    target: float | None = None,
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

    With ``target`` (a share of the output range, e.g. 0.05) the model is instead the smallest
    formula of the proven size-vs-error front (:func:`symlogic.pareto`) whose ε reaches the target
    (:func:`symlogic.sparsest` when the front stops short of it); the front goes into the evidence.
    """
    ex = extract(rec, method=method, q_bound=q_bound, time_limit=time_limit, device=device, progress=progress,
                 **options)
    if target is None:
        lm = ex.logic_model(tau=tau, top_k=top_k, refit=refit)
        return evidence(lm, rec, ex, claims=claims, epsilon=epsilon, progress=progress)
    front, lm = sparse_choice(rec, target, time_limit=time_limit)
    return evidence(lm, rec, ex, claims=claims, epsilon=epsilon, progress=progress, front=front)


def sparse_choice(rec: Record, target: float, *, time_limit: float | None = None) -> tuple[Pareto, LogicModel]:
    """The proven front of ``rec`` and its smallest formula with ε ≤ ``target`` of the output range."""
    from .pareto import DEFAULT_TARGETS

    t = finite_number(target, "target", 0.0, 1.0, low_open=True)
    if t >= 1:
        raise InputError(f"target is a share of the output range in (0, 1), got {target!r}")
    front = pareto(rec, targets=sorted(set(DEFAULT_TARGETS) | {t}), time_limit=time_limit)
    try:
        model = front.at(t).model
    except InputError:  # the front stops at its max_terms: search on without a cap, and add the answer
        model = sparsest(rec, t, time_limit=time_limit)
        front = front.with_point(proven_point(model, rec))
    return front, LogicModel(model.names, model.terms, meta=dict(model.meta, target_relative=t))
