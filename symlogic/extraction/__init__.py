"""Step 2 of the pipeline: sparse AND-OR interactions of a record (docs/theory.md §3).

``extract(rec, method="exact")`` solves the convex L1 problem to a certified duality gap;
``method="reference"`` runs the published SGD schedule for reproducing papers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import InputError
from ..params import finite_number, flag, positive_int, positive_seconds
from ..record import Record
from ..transforms import or_sum, subset_sum
from .result import Concept, Extraction, OrderProfile, noise_box

__all__ = ["extract", "Extraction", "Concept", "OrderProfile"]

METHODS = ("exact", "reference")
#: The loosest gap tolerance for which "optimal" is reported (a relative gap of 1 %).
MAX_TOL = 1e-2


def _fold_singletons(v: np.ndarray, and_: np.ndarray, or_: np.ndarray, q: np.ndarray, zeta: float | None,
                     count_empty: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """AND and OR over one variable are the same atom: keep such coefficients on the AND side.

    |a + o| ≤ |a| + |o|, so the objective never grows. With ``zeta`` given (exact method) q is
    recomputed from the folded arrays and the fold is kept only when |q| ≤ ζ still holds exactly
    as computed, so the returned split stays feasible. A sum a + o beyond the largest float stays
    split; a split whose numbers are not all finite is refused (:class:`InputError`).
    """
    n = v.shape[0].bit_length() - 1
    singles = np.left_shift(1, np.arange(n))
    a, o = and_.copy(), or_.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        folded = a[singles] + o[singles]
        fold = singles[np.isfinite(folded)]
        a[fold] += o[fold]
        o[fold] = 0.0
        if zeta is not None:
            q_new = subset_sum(a, check_finite=False) + or_sum(o, check_finite=False) - v
            if not float(np.max(np.abs(q_new))) <= zeta:  # NaN, inf or outside the box
                a, o, q_new = and_, or_, q
            q = q_new
        objective = float(np.sum(np.abs(a[0 if count_empty else 1:])) + np.sum(np.abs(o)))
    if not (np.isfinite(objective) and np.isfinite(a).all() and np.isfinite(o).all() and np.isfinite(q).all()):
        big = float(np.abs(v).max(initial=0.0))
        k = int(np.frexp(big)[1])
        raise InputError(f"the AND-OR split of this table (max|v| = {big:.4g}) overflows float64 (its L1 norm is "
                         f"{objective:.4g}); rescale the outputs by a power of two, e.g. numpy.ldexp(values, -{k}) "
                         f"(exact: a power of two changes no mantissa bit)")
    return a, o, q, objective


def extract(
    rec: Record,
    method: str = "exact",
    q_bound: float = 0.04,
    *,
    count_empty: bool = True,
    tol: float = 1e-6,
    lr: float = 1e-5,
    niter: int = 20000,
    device: Any = None,
    time_limit: float | None = None,
    solver: str = "auto",
    progress: bool | None = None,
    dtype: str = "float64",
) -> Extraction:
    """Sparse AND and OR interactions whose universal matching reproduces v + q, |q| ≤ ζ.

    Args:
        rec: the recorded table.
        method: "exact" (certified optimum of Σ|I_and| + Σ|I_or|, gap ≤ ``tol``) or "reference"
            (SGD with momentum 0.9, lr decaying log-linearly from ``lr`` to ``lr/10`` over ``niter``).
        q_bound: ζ = q_bound·|v(N) − v(∅)| bounds the noise term q (0.04 in the reference papers).
        count_empty: count |I(∅)| in the objective (the reference convention).
        device: torch device for the heavy operators (default: CUDA when present, else CPU).
        time_limit: seconds for the exact solver; on time-out the result is still feasible and its
            certified gap honest, but ``settings["status"]`` says it stopped early.
        solver: the exact method's algorithm: "auto", "factored" (one sparse LP, n ≤ 10 by
            default), "generate" (row and column generation priced with the butterflies: sparse
            optima) or "ipm" (interior point on all masks with a dense 2^n × 2^n Cholesky: dense
            optima of real networks; 16·4^n bytes). "auto" starts with generation and switches
            to "ipm" when its first stage shows a dense table, or when it runs past half the
            interior point's estimated time (``symlogic.extraction.exact``).
        dtype: the reference method's step precision, "float64" (default) or "float32" (the
            published code's); the result is float64 and feasible either way.
    """
    if not isinstance(rec, Record):
        rec = Record.from_table(rec)
    if method not in METHODS:
        raise InputError(f"method must be one of {METHODS}, got {method!r}")
    if not (q_bound >= 0 and np.isfinite(q_bound)):
        raise InputError(f"q_bound must be a finite number ≥ 0, got {q_bound!r}")
    count_empty = flag(count_empty, "count_empty")
    # "optimal" must mean something: a re-check refuses the status above this tolerance.
    tol = finite_number(tol, "tol", 0.0, MAX_TOL)
    if time_limit is not None:
        time_limit = positive_seconds(time_limit, "time_limit", none_means="no limit")
    if method == "reference":
        lr = finite_number(lr, "lr", 0.0, math.inf, low_open=True)
        niter = positive_int(niter, "niter", "it is the number of SGD steps")
    v = rec.values
    zeta = noise_box(v, q_bound)
    if not np.isfinite(zeta):
        raise InputError(f"the noise box ζ = q_bound·|v(N) − v(∅)| = {q_bound}·|{float(v[-1]):.4g} − "
                         f"{float(v[0]):.4g}| overflows float64; use a smaller q_bound or rescale the outputs "
                         f"by a power of two (numpy.ldexp(values, -k) is exact)")
    if method == "reference":
        from .reference import reference_sgd

        sol = reference_sgd(v, zeta, lr=lr, niter=niter, dtype=dtype, device=device, progress=progress)
        if not np.isfinite(sol.reference_loss):
            raise InputError(f"the reference loss Σ|I_and| + Σ|I_or| of this table (max|v| = "
                             f"{float(np.abs(v).max()):.4g}) overflows float64; rescale the outputs by a power "
                             "of two (numpy.ldexp(values, -k) is exact)")
        settings = {"lr": lr, "niter": niter, "momentum": 0.9, "dtype": dtype, "seconds": sol.seconds,
                    "reference_loss": sol.reference_loss, "solver": "reference SGD"}
        a, o, q, objective = _fold_singletons(v, sol.and_, sol.or_, sol.q, None, True)
        return Extraction(record=rec, and_=a, or_=o, q=q, objective=objective,
                          lower_bound=None, gap=None, certificate=None, method=method, q_bound=q_bound,
                          count_empty=True, settings=settings)
    if dtype != "float64":
        raise InputError(f"dtype applies to method='reference' only; the exact method runs in float64, got {dtype!r}")
    from .exact import solve_exact

    sol = solve_exact(v, zeta, count_empty=count_empty, tol=tol, device=device, time_limit=time_limit,
                      progress=progress, method=solver)
    settings = {"tol": tol, "status": sol.status, "iterations": sol.iterations, "seconds": sol.seconds,
                "solver": sol.solver, "rounds": sol.rounds, "support": sol.support}
    a, o, q, objective = _fold_singletons(v, sol.and_, sol.or_, sol.q, zeta, count_empty)
    return Extraction(record=rec, and_=a, or_=o, q=q, objective=objective,
                      lower_bound=sol.lower_bound, gap=objective - sol.lower_bound, certificate=sol.y, method=method,
                      q_bound=q_bound, count_empty=count_empty, settings=settings)
