"""Minimax refit on a fixed support and the error-vs-size curve (THEORY §4).

On a fixed set of terms, the bias and coefficients that minimise max_T |v(T) − f(T)| solve a small
LP. Since f depends only on its support U, the LP needs one pair of rows per support group
(vmax_g − f_g ≤ t and f_g − vmin_g ≤ t: exact per-group extremes, see :mod:`symlogic.exact`).
The reported ε is always the exact max error of the refitted float64 model, not the LP's value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .errors import InputError
from .exact import group_table, max_error
from .logic import LogicModel, Term
from .masks import mask_bits

if TYPE_CHECKING:
    from .extraction import Extraction
    from .record import Record

__all__ = ["RefitResult", "refit_minimax", "ErrorCurve", "error_curve"]

#: Above this many support groups the dense LP gets slow; say so instead of hanging.
MAX_REFIT_GROUPS = 1 << 17


@dataclass(frozen=True)
class RefitResult:
    """The refitted model and its exact max error over all masks (float64, rounded up)."""

    model: LogicModel
    epsilon: float


def refit_minimax(lm: LogicModel, rec: "Record") -> RefitResult:
    """Coefficients on ``lm``'s support that minimise the max error over all 2^n masks."""
    from scipy.optimize import linprog  # heavy import, only when a refit is asked for

    support = mask_bits(lm.support_mask)
    if (1 << len(support)) > MAX_REFIT_GROUPS:
        raise InputError(f"the model's terms mention {len(support)} variables: the minimax LP would have "
                         f"2·2^{len(support)} rows; keep fewer concepts (top_k) or refit=None")
    g = group_table(rec.values, support)
    terms = lm.terms
    # Column j: term j fires on group g (the bias always does); last column: t.
    fires = np.stack([t.fires(g.masks).astype(np.float64) for t in terms], axis=1)
    rows = g.masks.shape[0]
    ones = np.ones((rows, 1))
    a_ub = np.vstack([np.hstack([-fires, -ones]), np.hstack([fires, -ones])])
    b_ub = np.concatenate([-g.vmax, g.vmin])
    c = np.zeros(len(terms) + 1)
    c[-1] = 1.0
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=[(None, None)] * (len(terms) + 1), method="highs")
    if res.status != 0:
        raise RuntimeError(f"the minimax LP did not solve: {res.message}")
    coef = res.x[:-1]
    new_terms = tuple(Term(t.kind, t.mask, float(cj)) for t, cj in zip(terms, coef))
    meta = dict(lm.meta, refit="minimax")
    model = LogicModel(names=lm.names, terms=new_terms, meta=meta)
    return RefitResult(model=model, epsilon=max_error(model, rec.values).as_float_upper())


@dataclass(frozen=True)
class ErrorCurve:
    """Tightest ε for the top-k concepts, k = 0 … K: as extracted and after a minimax refit."""

    k: np.ndarray
    epsilon: np.ndarray
    epsilon_refit: np.ndarray


def error_curve(ex: "Extraction", max_k: int = 20, refit: bool = True) -> ErrorCurve:
    """Exact max error of the logic model of the top-k concepts for k = 0 … ``max_k``."""
    ks = np.arange(0, max(0, int(max_k)) + 1)
    eps, eps_refit = [], []
    for k in ks:
        lm = ex.logic_model(top_k=int(k))
        eps.append(max_error(lm, ex.record.values).as_float_upper())
        eps_refit.append(refit_minimax(lm, ex.record).epsilon if refit else np.nan)
    return ErrorCurve(k=ks, epsilon=np.array(eps), epsilon_refit=np.array(eps_refit))
