"""Step 2 of the pipeline: sparse AND-OR interactions of a record (docs/theory.md §3).

``extract(rec, method=...)`` runs one of the registered solvers (:data:`SOLVERS`): "exact" solves
the convex L1 problem to a certified duality gap (:mod:`.certified`); "reference" runs the
published SGD schedule for reproducing papers (:mod:`.reference`). Every solver returns a
:class:`Split` (:mod:`.split`), from which the :class:`Extraction` is built (:mod:`.result`).

Modules: ``solvers`` (the registry and the built-ins; light), ``split`` (the split, its objective
and checks), ``certified`` (the certified LP solver and its routes "factored", "generate", "ipm"
in ``_factored``, ``_generation`` with ``_master``, ``_ipm``; the tie-break in ``_canonical`` with
``_canonical_qp``; the exact finish in ``_finish``), ``dual`` (the dual certificate: ``dual_bound``,
``gap_scale``), ``reference`` (the SGD), ``result``.
Importing this package loads no solver and no torch: the CLI lists the methods at once.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import numpy as np

from ..defaults import Q_BOUND
from ..errors import InputError
from ..params import flag
from .solvers import (MAX_TOL, SOLVERS, Option, Solver, SolverResult, get_solver, register_solver, resolve,
                      unregister_solver)

if TYPE_CHECKING:
    from ..record import Record
    from .result import Concept, Extraction, OrderProfile
    from .split import Split

__all__ = ["extract", "Extraction", "Concept", "OrderProfile", "Split", "Solver", "SolverResult", "Option",
           "SOLVERS", "register_solver", "unregister_solver", "MAX_TOL"]

# name -> submodule that defines it, imported on first use (they load torch)
_LAZY = {"Extraction": "result", "Concept": "result", "OrderProfile": "result", "Split": "split"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def extract(rec: "Record | Any", method: str = "exact", q_bound: float = Q_BOUND, *, count_empty: bool = True,
            **options: Any) -> "Extraction":
    """Sparse AND and OR interactions whose universal matching reproduces v + q, |q| ≤ ζ.

    Args:
        rec: the recorded table (a :class:`~symlogic.record.Record`, or 2^n numbers).
        method: a name in :data:`SOLVERS`: "exact" (certified optimum of Σ|I_and| + Σ|I_or|, gap ≤
            ``tol``) or "reference" (the published SGD), or a solver added by :func:`register_solver`.
        q_bound: ζ = q_bound·|v(N) − v(∅)| bounds the noise term q (0.04 in the reference papers).
        count_empty: count |I(∅)| in the objective (the reference convention).
        options: the solver's own (``SOLVERS[method].options``, checked there). "exact": ``tol``
            (1e-6), ``time_limit`` (seconds; on time-out the result is still feasible and its gap
            certified, ``settings["status"]`` says it stopped early), ``solver`` (the route "auto",
            "factored", "generate" or "ipm"), ``device``, ``progress``. "reference": ``lr``
            (1e-5), ``niter`` (20000), ``dtype`` ("float64" or the published "float32"), ``device``,
            ``progress``. An option of another registered method is checked and ignored; an
            unknown one raises :class:`InputError` naming the allowed ones and the closest match.

    Examples:
        >>> ex = extract([0.0, 1.0, 1.0, 1.0], q_bound=0.0)  # v = OR(x0, x1) on ∅, {x0}, {x1}, {x0, x1}
        >>> ex.status, ex.objective, [str(c) for c in ex.salient()]
        ('optimal', 1.0, ['OR(x0, x1) = +1'])
        >>> extract([0.0, 1.0, 1.0, 1.0], solver="ipn")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        symlogic.errors.InputError: solver must be one of ('auto', 'factored', 'generate', 'ipm'), got 'ipn'; did you mean 'ipm'?
    """
    from ..record import Record
    from .result import Extraction
    from .split import noise_box

    if not isinstance(rec, Record):
        rec = Record.from_table(rec)
    get_solver(method)
    if not (q_bound >= 0 and np.isfinite(q_bound)):
        raise InputError(f"q_bound must be a finite number ≥ 0, got {q_bound!r}")
    count_empty = flag(count_empty, "count_empty")
    solver, opts = resolve(method, options)
    v = rec.values
    zeta = noise_box(v, q_bound)
    if not np.isfinite(zeta):
        raise InputError(f"the noise box ζ = q_bound·|v(N) − v(∅)| = {q_bound}·|{float(v[-1]):.4g} − "
                         f"{float(v[0]):.4g}| overflows float64; use a smaller q_bound or rescale the outputs "
                         f"by a power of two (numpy.ldexp(values, -k) is exact)")
    result = solver.solve(v, zeta, count_empty=count_empty, **opts)
    return Extraction.from_result(rec, result, method=solver.name, q_bound=q_bound)
