"""Minimax refit on a fixed support and the error-vs-size curve (docs/theory.md §4).

On a fixed set of terms, the bias and coefficients that minimise max_T |v(T) − f(T)| solve a small
LP. Since f depends only on its support U, the LP needs one pair of rows per support group
(vmax_g − f_g ≤ t and f_g − vmin_g ≤ t: exact per-group extremes, see :mod:`symlogic.exact_error`).
The reported ε is always the exact max error of the refitted float64 model, not the LP's value.

HiGHS's tolerances are absolute (feasibility 1e-7) and it reads |b| ≥ 1e20 as infinite, so the LP
is solved on the table rescaled by a power of two 2^-e to max|v| in [1/2, 1) and the coefficients
are scaled back by 2^e: exact in binary floating point, so a table times 2^k gets the same
coefficients times 2^k (as the exact extraction does). The LP's answer is then off its optimum by
at most its tolerance relative to max|v|, which can still exceed the input model's error where
that one is already (near) exact, e.g. on subnormal tables; the refit keeps the input's
coefficients when their exact max error is smaller (``RefitResult.refitted``), so a refit is never
worse than none.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError
from .exact_error import group_table, max_error
from .logic import LogicModel, Term
from .masks import mask_bits
from .minimax import unit_exponent
from .results import EngineReport

if TYPE_CHECKING:
    from .extraction import Extraction
    from .record import Record

__all__ = ["RefitResult", "refit_minimax", "ErrorCurve", "error_curve"]

#: Above this many support groups the dense LP gets slow; say so instead of hanging.
MAX_REFIT_GROUPS = 1 << 17


@dataclass(frozen=True)
class RefitResult:
    """The refitted model and its exact max error over all masks (float64, rounded up).

    ``refitted`` is False when the input's coefficients were kept because the LP's were not better
    (smaller exact max error) or did not fit in float64; ``model.meta["refit_kept"]`` says why.
    """

    model: LogicModel
    epsilon: float
    refitted: bool = True
    engines: tuple[EngineReport, ...] = ()
    seconds: float = 0.0

    @property
    def status(self) -> str:
        """"refitted" (the LP's coefficients) or "kept" (the input's were no worse; see ``model.meta``)."""
        return "refitted" if self.refitted else "kept"

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "model": self.model.to_dict(), "epsilon": self.epsilon,
                "refitted": self.refitted, "engines": [e.to_dict() for e in self.engines], "seconds": self.seconds}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RefitResult":
        """Inverse of :meth:`to_dict`. Raises InputError on a malformed dict."""
        if not isinstance(data, dict) or not isinstance(data.get("refitted"), bool):
            raise InputError(f"a refit result is an object with a model, epsilon and refitted, got {data!r:.80}")
        epsilon, seconds = data.get("epsilon"), data.get("seconds", 0.0)
        if any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in (epsilon, seconds)):
            raise InputError("a refit result's epsilon and seconds must be numbers")
        engines = data.get("engines", [])
        if not isinstance(engines, list):
            raise InputError("a refit result's engines must be a list")
        return cls(model=LogicModel.from_dict(data.get("model")), epsilon=float(epsilon), refitted=data["refitted"],
                   engines=tuple(EngineReport.from_dict(e) for e in engines), seconds=float(seconds))


def _solve_lp(fires: np.ndarray, vmax: np.ndarray, vmin: np.ndarray) -> np.ndarray | None:
    """Minimax coefficients (column j of ``fires``: term j on each group) for groups with extremes
    vmax/vmin at unit scale; None when HiGHS does not report an optimum."""
    from scipy.optimize import linprog  # heavy import, only when a refit is asked for

    rows, cols = fires.shape
    ones = np.ones((rows, 1))
    a_ub = np.vstack([np.hstack([-fires, -ones]), np.hstack([fires, -ones])])
    b_ub = np.concatenate([-vmax, vmin])
    c = np.zeros(cols + 1)
    c[-1] = 1.0
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=[(None, None)] * (cols + 1), method="highs")
    if res.status != 0 or res.x is None or not np.all(np.isfinite(res.x)):
        return None
    return np.asarray(res.x[:-1], dtype=np.float64)


def refit_minimax(lm: LogicModel, rec: "Record") -> RefitResult:
    """Coefficients on ``lm``'s support that minimise the max error over all 2^n masks.

    The LP runs at unit scale (module docstring); of the LP's model and ``lm`` itself, the one
    with the smaller exact max error is returned (ties: the LP's).
    """
    start = time.perf_counter()
    support = mask_bits(lm.support_mask)
    if (1 << len(support)) > MAX_REFIT_GROUPS:
        raise InputError(f"the model's terms mention {len(support)} variables: the minimax LP would have "
                         f"2·2^{len(support)} rows; keep fewer concepts (top_k) or refit=None")
    g = group_table(rec.values, support)
    terms = lm.terms
    # Column j: term j fires on group g (the bias always does).
    fires = np.stack([t.fires(g.masks).astype(np.float64) for t in terms], axis=1)
    e = unit_exponent(np.concatenate([g.vmax, g.vmin]))
    with np.errstate(under="ignore"):  # entries far below max|v| may round to subnormals: harmless
        coef = _solve_lp(fires, np.ldexp(g.vmax, -e), np.ldexp(g.vmin, -e))
    meta = dict(lm.meta, refit="minimax")
    original = max_error(lm, rec.values)
    why = "the minimax LP did not report an optimum"
    if coef is not None:
        with np.errstate(over="ignore", under="ignore"):
            coef = np.ldexp(coef, e)
        why = "the LP's coefficients overflow float64 at the table's scale"
        if np.all(np.isfinite(coef)):
            new_terms = tuple(Term(t.kind, t.mask, float(cj)) for t, cj in zip(terms, coef))
            model = LogicModel(names=lm.names, terms=new_terms, meta=meta)
            err = max_error(model, rec.values)
            if err.value <= original.value:
                return RefitResult(model=model, epsilon=err.as_float_upper(), seconds=time.perf_counter() - start,
                                   engines=(EngineReport("highs", "holds", time.perf_counter() - start,
                                                         "minimax LP optimal; exact max error checked"),))
            why = (f"the extracted coefficients' exact max error {float(original.value):.6g} is below the LP's "
                   f"{float(err.value):.6g} (the LP solver's tolerance)")
    kept = LogicModel(names=lm.names, terms=lm.terms, meta=dict(meta, refit_kept=why))
    return RefitResult(model=kept, epsilon=original.as_float_upper(), refitted=False, seconds=time.perf_counter() - start,
                       engines=(EngineReport("highs", "unknown", time.perf_counter() - start, why),))


@dataclass(frozen=True)
class ErrorCurve:
    """Tightest ε for the top-k concepts, k = 0 … K: as extracted and after a minimax refit."""

    k: np.ndarray
    epsilon: np.ndarray
    epsilon_refit: np.ndarray


def error_curve(ex: "Extraction", max_k: int = 20, refit: bool = True) -> ErrorCurve:
    """Exact max error of the logic model of the top-k concepts for k = 0 … ``max_k``.

    ``epsilon_refit`` comes from :func:`refit_minimax` (solved at unit scale, like the extraction),
    so ``epsilon_refit[k] ≤ epsilon[k]`` for every k and the curve scales with the table.
    """
    ks = np.arange(0, max(0, int(max_k)) + 1)
    eps, eps_refit = [], []
    for k in ks:
        lm = ex.logic_model(top_k=int(k))
        eps.append(max_error(lm, ex.record.values).as_float_upper())
        eps_refit.append(refit_minimax(lm, ex.record).epsilon if refit else np.nan)
    return ErrorCurve(k=ks, epsilon=np.array(eps), epsilon_refit=np.array(eps_refit))
