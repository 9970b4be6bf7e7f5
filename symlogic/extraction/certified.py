"""The certified LP solver for the sparse AND-OR split and its routes (docs/theory.md §3).

Primal:  min Σ_S |a_S| + Σ_{S≠∅} |o_S|   s.t.  Za + Oo = v + q,  ‖q‖∞ ≤ ζ
         (``count_empty=False`` drops |a_∅|; a_∅ is then fixed to v(∅) + q_∅ by the row T = ∅).
Dual:    max y·v − ζ‖y‖₁   s.t.  ‖Zᵀy‖∞ ≤ 1, ‖Oᵀy‖∞ ≤ 1   (without the ∅ entry of Zᵀy when the
         empty set is not counted; see :func:`dual_bound` for how a non-zero Σy is then paid for).

Weak duality makes every returned number checkable: the primal (a, o) is re-checked on all 2^n
masks with the O(n·2^n) butterflies and made exactly feasible (:mod:`._finish`), and the dual y
is scaled into feasibility so that y·v − ζ‖y‖₁ is a *proven* lower bound (:mod:`.dual`); their
difference is the certified gap. This module is the driver: the routes, the tie-break and the
final assessment; :func:`dual_bound` and :func:`gap_scale` live in :mod:`.dual` and are
importable from here too.

Three routes, chosen by ``method`` (:data:`ROUTES`; the "exact" solver's ``solver`` option):

- "factored": the whole LP with Z and O factored into butterfly stages, one HiGHS call
  (:func:`symlogic.extraction._factored.solve_factored`). Best for n ≤ 10.
- "generate": row-and-column generation. A small master LP on masks R and atoms C; pricing of
  all 2·2^n atoms (Zᵀy, Oᵀy) and the primal residual on all 2^n masks (Za + Oo − v) with the
  butterflies in torch, on the GPU when there is one; violated rows/columns are added, rows whose
  dual is zero and columns that are zero and far from pricing in are dropped (once: a dropped
  entry that comes back is kept, which rules out cycling). Stops when no mask is violated and no
  atom prices in, i.e. the master's (x, y) is optimal for the full LP. The master stays alive in
  one HiGHS object (``highspy``, :mod:`._generation`, solver "generate+highspy") and is re-solved
  warm, its matrix is kept sparse (OR atoms through 1 − 1[S ⊆ N∖T]), and the box is approached by
  continuation (8ζ, 4ζ, 2ζ, ζ). Best when the optimal support is small (planted and sparse tables:
  n = 20 in seconds).
- "ipm": a structured interior-point method on all masks and atoms (:mod:`._ipm`): the
  2^n × 2^n normal matrix is formed from butterflies and factored densely (torch, on the GPU when
  there is one), then the interior solution is polished onto its support. Its cost does not depend
  on the support, which is what dense tables of real networks need (an n = 12 MLP table with 1568
  atoms: 13.5 s on 2 CPU cores where generation did not finish in 120 s; on an H200 the dense
  n = 14 table in 28 s, n = 15 in 20–26 s, n = 16 in 132 s); memory is 16·4^n bytes (n = 16:
  64 GiB, so n = 17 fits no single GPU).
  On degenerate tables (ties, planted functions) its split is a point inside the optimal face,
  with the optimal L1 but more atoms than a vertex has; generation gives the vertex there.

Ties (docs/theory.md §3.7): the L1 optimum is often a whole face, and a route returns whichever
vertex (or interior point) its path reaches, so two tables equal to 1e-9 could give different
formulas. With ``canonical=True`` (the default of the "exact" solver) an optimal route is followed
by :mod:`._canonical`, which returns the least-norm optimal split, a function of the table alone;
``canonical=False`` returns the route's own split.

Every route solves the table rescaled by a power of two to max|v| ~ 1 (exact in floats) and scales
the split back; a table whose split or its check does not fit in float64 then (outputs near the
largest float) is refused with an ``InputError`` that says how to rescale, never returned as inf.

"auto" takes "factored" for n ≤ 10; above, generation, and it switches to "ipm" (if that fits in
half the free memory) when the first stage of generation already needs DENSE_ROWS masks and the
time left allows a good part of the interior point's steps, or when generation has not finished
within half the interior point's estimated time (:func:`_generate_then_ipm`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import InputError, ResourceError
from ..progress import Progress
from ..record import available_bytes
from ..transforms import mobius, n_from_length
from ._canonical import SLACK, TIE_BREAK, CanonicalResult, canonical_split
from ._factored import solve_factored
from ._finish import finish_primal, overflow_error, power_of_ten, rounding_level, single_kind_splits
from ._generation import Seed, generate
from ._ipm import ipm_memory, ipm_seconds, polish, solve_ipm, support
from .dual import EPS, TINY, UNIT_RANGE, as_vector, dual_bound, gap_scale, scaled_certificate, unit_exponent
from .split import box_violation, primal_objective, residual

__all__ = ["ExactSolution", "solve_exact", "dual_bound", "primal_objective", "residual", "gap_scale", "ROUTES",
           "EPS", "TINY", "UNIT_RANGE"]

# The names these helpers had when they were defined here: symlogic.generalization imports them from this module.
_finish_primal, _single_kind_splits = finish_primal, single_kind_splits
_rounding, _unit_exponent = rounding_level, unit_exponent

FACTORED_MAX_N = 10  # measured: factored beats generation on dense (MLP) tables up to n = 10
IPM_MEMORY_SHARE = 0.5  # "auto" uses the interior-point method only within this share of free memory
IPM_SWITCH = 0.5  # "auto": generation gets this share of the interior point's estimated time first,
DENSE_ROWS = 500  # ... or switches after its first stage when that master has this many masks
IPM_EARLY = 0.35  # ... and the time left is at least this share of the interior point's estimate
POLISH_THRESHOLDS = (1e-6, 1e-9)  # the interior point's support: atoms above this share of the largest
ROUTES = ("auto", "factored", "generate", "ipm")  # the ``method`` of solve_exact (module docstring)


@dataclass
class ExactSolution:
    """A primal split, a dual certificate, and the certified gap between them.

    Attributes:
        and_: a, float64 length 2^n (``and_[0]`` = a_∅, the constant).
        or_: o, float64 length 2^n, ``or_[0] == 0``.
        q: subset_sum(and_) + or_sum(or_) − v as computed in float64; max|q| ≤ ζ (see ``violation``).
        y: the dual certificate, already scaled to be feasible (:func:`dual_bound`).
        objective: Σ|a| (without |a_∅| when ``count_empty`` is False) + Σ|o|, from the returned arrays.
        lower_bound: y·v − ζ‖y‖₁ for the returned y, rounded down (:func:`dual_bound`).
        gap: objective − lower_bound (≥ 0 by weak duality).
        status: "optimal" when gap ≤ tol·:func:`gap_scale` (relative to the objective, or to
            1e-2·max|v| where the objective is below that); else "time_limit", "round_limit"
            or "not_converged" (the numbers are still honest).
        iterations: simplex/IPM iterations (summed over rounds for "generate").
        seconds: wall time.  solver: which route produced it; a run that is not optimal ends
            with "+all-and" or "+all-or" when that single-kind split (a = M v, or every atom an OR)
            has a lower L1 than the route's own.
        rounds: generation rounds (1 for "factored").
        support: number of non-zero atoms in (a, o).
        violation: max(0, max|q| − ζ); 0 except when ζ is below the float rounding of the
            butterflies (ζ = 0 with non-dyadic data), where it is of order n·eps·max|v|.
        count_empty, zeta: the convention and box the solution is for.
        tie_break: how one split was chosen among the optimal ones (docs/theory.md §3.7):
            "min-norm" (:mod:`._canonical`: the least-norm point of the optimal face, blended
            over near-ties within ``kappa``), "none" (``canonical=False``: the route's own
            vertex or interior point), or "none: <why>" where the tie-break was asked for but
            not applied (the first stage did not finish, or the tie-break failed or ran out of
            time; the route's split is then returned, certified as usual).
        kappa: κ of the tie-break (its L1 may exceed the optimum by at most κ·L*; the gap includes
            whatever it does), None without one.
    """

    and_: np.ndarray
    or_: np.ndarray
    q: np.ndarray
    y: np.ndarray
    objective: float
    lower_bound: float
    gap: float
    status: str
    iterations: int
    seconds: float
    solver: str
    rounds: int = 1
    support: int = 0
    violation: float = 0.0
    count_empty: bool = True
    zeta: float = 0.0
    tie_break: str = "none"
    kappa: float | None = None


# ---------------------------------------------------------------------------------------------
# judging a finished split against the certificate


def _assess(status: str, a: np.ndarray, o: np.ndarray, q: np.ndarray, v: np.ndarray, zeta: float, bound: float,
            tol: float, count_empty: bool) -> tuple[float, float, str]:
    """(objective, violation, status) of a finished split against the certified ``bound``: a route
    that claims "optimal" outside ``tol`` becomes "not_converged"; one that did not claim it but
    is within ``tol`` and feasible becomes "optimal"."""
    objective = primal_objective(a, o, count_empty)
    viol = box_violation(q, zeta)
    within = math.isfinite(objective) and objective - bound <= tol * gap_scale(objective, v)
    if status == "optimal" and not within:
        status = "not_converged"
    elif status in ("not_converged", "round_limit") and within and (
            viol == 0.0 or zeta <= rounding_level(a, o, v) and viol <= rounding_level(a, o, v)):
        # e.g. ζ = 0: the master met its rows only to 1e-12 and the exact finish did better, or
        # (ζ below the rounding of the check itself, non-dyadic data) as close as floats allow,
        # which is what the factored route reports as optimal too (see ExactSolution.violation)
        status = "optimal"
    return objective, viol, status


# ---------------------------------------------------------------------------------------------
# row-and-column generation


def _default_device(device: object) -> torch.device:
    if device is not None:
        return torch.device(device)
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def _free_memory(device: torch.device) -> int:
    """Bytes free on ``device``: the driver's view for CUDA, the OS's available memory otherwise
    (:func:`symlogic.record.available_bytes`)."""
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    return available_bytes()


def _solve_ipm_route(v: np.ndarray, zeta_solve: float, zeta: float, count_empty: bool, device: torch.device,
                     deadline: float | None, progress: bool | None, bound_fn: Callable[[np.ndarray], float],
                     tol: float, max_rounds: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, str, str]:
    """Interior point, then a polish onto its support; if that is not within ``tol`` of the
    certificate, a simplex crossover (the generation master seeded with the interior solution's
    active masks, support and basis). Returns (a, o, y, iterations, status, solver)."""
    # the bar counts the decades of certified gap closed (1 → 1e-10), which is what the steps buy
    with Progress(10, "exact AND-OR split (interior point)", enabled=progress) as bar:
        def report(it: int, obj: float, bound: float, rp: float) -> None:
            gap = max(abs(obj - bound) / max(1.0, abs(obj)), 1e-10)
            decades = min(10, max(0, int(-math.log10(gap))))
            bar.update(max(0, decades - bar.done), note=f"step {it}, L1 {obj:.6g}, bound {bound:.6g}")

        try:
            res = solve_ipm(v, zeta_solve, count_empty, device, bound_fn, deadline=deadline, report=report)
        except torch.cuda.OutOfMemoryError as err:  # the free memory shrank, or the estimate was short
            n = n_from_length(v.shape[0])
            raise ResourceError(f"the interior point ran out of memory on {device} at n = {n} (it needs about "
                                f"{ipm_memory(n) / 2**30:.1f} GiB); free GPU memory, or use method='generate'") from err
        if res.ok:
            bar.update(max(0, 10 - bar.done))
    # The support is the atoms above a threshold·max: 1e-6 keeps it small, but where the optimal
    # face holds atoms below that (measured, n = 12: atoms of 1e-7·max, whose loss cost a 4e-7
    # gap) 1e-9 keeps them (gap 7e-9); the better of the two is kept. A run stopped by the
    # deadline is short of its face, so 1e-6 drops atoms it still needs (measured, n = 13 at
    # 60 s: L1 41.18 at 1e-6, 40.4832 at 1e-9, bound 40.4790); it corrects fewer masks (the
    # rest goes to the exact repair) so that the polish itself stays within seconds.
    late = res.message == "time limit"
    best = None
    for threshold in POLISH_THRESHOLDS:
        a, o = polish(v, zeta_solve, res, threshold=threshold, max_rows=1000 if late else 4000)
        fa, fo, fq = finish_primal(a, o, v, zeta, count_empty)
        key = (box_violation(fq, zeta) > 0.0, primal_objective(fa, fo, count_empty))
        if best is None or key < best[0]:
            best = key, fa, fo, fq
        if not key[0] and key[1] - res.bound <= 1e-2 * tol * gap_scale(key[1], v):
            break  # well within the tolerance: the smaller support will do
    assert best is not None
    (misfit, objective), fa, fo, fq = best
    fits = not misfit  # else the crossover: it finds exact splits of dyadic data
    if fits and objective - res.bound <= tol * gap_scale(objective, v):
        return fa, fo, res.y, res.iterations, "optimal", "ipm+polish"
    timed_out = late or (deadline is not None and time.perf_counter() >= deadline)
    status = "time_limit" if timed_out else "not_converged"
    if status == "time_limit":  # no time for a crossover: the polished split, still certified
        return fa, fo, res.y, res.iterations, status, "ipm+polish"
    # crossover: seed the simplex master with what the interior point found active
    masks = np.flatnonzero(np.abs(res.y) > 1e-6 * float(np.abs(res.y).max(initial=0.0)))
    x, atoms = support(res)
    seed = Seed(masks, np.where(res.q[masks] < 0, -1, 1), atoms, np.where(x[atoms] < 0, -1, 1))
    ga, go, gy, its, _, gstatus = generate(v, zeta_solve, zeta, count_empty, device, deadline, progress,
                                           max_rounds, bound_fn, seed=seed)
    ga, go, gq = finish_primal(ga, go, v, zeta, count_empty)
    y = gy if bound_fn(gy) > res.bound else res.y
    key = (box_violation(gq, zeta), primal_objective(ga, go, count_empty))
    if key <= (box_violation(fq, zeta), objective):  # fewer violations, then lower L1
        return ga, go, y, res.iterations + its, gstatus, "ipm+crossover"
    return fa, fo, res.y, res.iterations, status, "ipm+polish"


def _generate_then_ipm(v: np.ndarray, zeta_solve: float, zeta: float, count_empty: bool, device: torch.device,
                       deadline: float | None, switch_at: float | None, progress: bool | None,
                       bound_fn: Callable[[np.ndarray], float], tol: float, max_rounds: int
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, str, str]:
    """Generation; if it is still running at ``switch_at`` (a dense table: its master stalls, the
    interior point does not), or its first stage already needed DENSE_ROWS masks and the time left
    is at least IPM_EARLY of the interior point's estimate, the interior-point route, keeping the
    better primal and the better dual of the two. Returns (a, o, y, iterations, rounds, status,
    solver)."""
    gen_deadline = deadline if switch_at is None else min(switch_at, math.inf if deadline is None else deadline)
    # a dense first stage switches at once when the interior point has time for a third of its
    # steps: by then its bound and polished split beat generation's by far (measured, n = 13 at
    # 50 s: L1 40.50 against a bound of 40.47; generation at 60 s: 561 against 28)
    expected = None if switch_at is None else (switch_at - time.perf_counter()) / IPM_SWITCH
    early = switch_at is not None and (deadline is None or IPM_EARLY * expected <= deadline - time.perf_counter())
    a, o, y, iters, rounds, status = generate(v, zeta_solve, zeta, count_empty, device, gen_deadline, progress,
                                              max_rounds, bound_fn, dense_rows=DENSE_ROWS if early else None)
    left = math.inf if deadline is None else deadline - time.perf_counter()
    if status not in ("time_limit", "dense") or switch_at is None or left <= 0:
        return a, o, y, iters, rounds, status, "generate+highspy"
    ia, io, iy, its, status, solver = _solve_ipm_route(v, zeta_solve, zeta, count_empty, device, deadline,
                                                       progress, bound_fn, tol, max_rounds)
    if status == "optimal":
        a, o = ia, io
    else:  # generation's split may be for a wider box of its continuation: compare it made feasible
        ga, go, _ = finish_primal(a, o, v, zeta, count_empty)
        if primal_objective(ia, io, count_empty) <= primal_objective(ga, go, count_empty):
            a, o = ia, io
    if bound_fn(iy) >= bound_fn(y):
        y = iy
    return a, o, y, iters + its, rounds + 1, status, f"generate->{solver}"


# ---------------------------------------------------------------------------------------------
# public entry point


def solve_exact(v: object, zeta: float, *, count_empty: bool = True, tol: float = 1e-6, device: object = None,
                time_limit: float | None = None, progress: bool | None = None, method: str = "auto",
                max_rounds: int = 500, canonical: bool = False) -> ExactSolution:
    """Solve the sparse AND-OR split exactly and certify it (module docstring).

    Args:
        v: the table, length 2^n (numpy, list or torch).
        zeta: the noise box ζ ≥ 0 (docs/theory.md §3.1: ζ = q_bound·|v(N) − v(∅)|).
        count_empty: whether |a_∅| is part of the objective (the reference convention, docs/theory.md §3.2: yes).
        tol: the status is "optimal" when gap ≤ tol·gap_scale(objective, v).
        device: torch device for the butterflies and the interior point's Cholesky (default: CUDA
            when available).
        time_limit: seconds; on expiry the best numbers so far are returned, still certified.
        progress: progress bar on stderr (None: only on a terminal).
        method: "auto" (module docstring), "factored", "generate" or "ipm".
        max_rounds: cap on generation rounds.
        canonical: break ties (off here; on by default in ``extract``'s "exact" solver): return the
            least-norm split of the optimal face (:mod:`._canonical`,
            docs/theory.md §3.7), a function of the table alone, instead of whichever optimal
            vertex the route found. Its L1 may exceed the optimum by at most κ·L* with
            κ = SLACK·tol (in practice by nothing: a tie that persists under small changes of v is
            resolved on the face itself); ``tie_break`` and ``kappa`` of the result say what was done.
    """
    start = time.perf_counter()
    vv = as_vector(v, "v")
    zeta = float(zeta)
    if not (zeta >= 0 and math.isfinite(zeta)):
        raise InputError(f"zeta must be a finite number >= 0, got {zeta}")
    if method not in ROUTES:
        raise InputError(f"method must be 'auto', 'factored', 'generate' or 'ipm', got {method!r}")
    n = n_from_length(vv.shape[0])
    N = vv.shape[0]
    dev = _default_device(device)
    # the free memory decides only for the interior point (asking CUDA starts its context)
    free = _free_memory(dev) if method == "ipm" or (method == "auto" and n > FACTORED_MAX_N) else 0
    if method == "ipm" and ipm_memory(n) > free:
        raise ResourceError(f"method='ipm' needs about {ipm_memory(n) / 2**30:.1f} GiB at n = {n} "
                            f"(a dense 2^n x 2^n matrix and its factor) and {dev} has about "
                            f"{free / 2**30:.1f} GiB free; use method='generate' or a device with more memory")
    switch_at = None
    if method == "auto":
        method = "factored" if n <= FACTORED_MAX_N else "generate"
        if method == "generate" and ipm_memory(n) <= IPM_MEMORY_SHARE * free:
            switch_at = start + IPM_SWITCH * ipm_seconds(n, dev)
    deadline = None if time_limit is None else start + float(time_limit)
    # A table far from unit scale is solved scaled by a power of two 2^-e to max|v| ~ 1 (exact in
    # floats, so the split scales back exactly): solver tolerances are absolute, and a table of
    # size 1e-6 was solved to 1e-5 relative error. The dual y does not change with the scale.
    e = unit_exponent(float(np.abs(vv).max()))
    vs, zs = np.ldexp(vv, -e), math.ldexp(zeta, -e)
    # Solve for a box shrunk by a hair so that HiGHS's residuals (feasibility tolerance 1e-9, in
    # practice ~1e-12) keep the returned split inside the true box; otherwise the dense repair in
    # :func:`._finish.finish_primal` would be needed, which spreads rounding over every atom. Costs ≤ margin·‖y‖₁.
    margin = min(0.5 * zs, 1e-9 * zs + 1e-11 * max(1.0, float(np.abs(vs).max())))
    zeta_solve = zs - margin
    def bound_fn(yy: np.ndarray) -> float:
        return dual_bound(yy, vs, zs, count_empty)[0]

    if method == "factored":
        res = solve_factored(vs, zeta_solve, count_empty=count_empty, time_limit=time_limit)
        a = res.and_ if res.and_ is not None else mobius(vs)
        o = res.or_ if res.or_ is not None else np.zeros(N)
        y = res.y if res.y is not None else np.zeros(N)
        iters, rounds = res.iterations, 1
        status = "optimal" if res.ok else ("time_limit" if time_limit is not None else "not_converged")
        solver = "highs-factored"
    else:
        if method == "ipm":
            a, o, y, iters, status, solver = _solve_ipm_route(vs, zeta_solve, zs, count_empty, dev, deadline,
                                                              progress, bound_fn, tol, max_rounds)
            rounds = 1
        else:
            a, o, y, iters, rounds, status, solver = _generate_then_ipm(
                vs, zeta_solve, zs, count_empty, dev, deadline, switch_at, progress, bound_fn, tol, max_rounds)
    # The tie-break (docs/theory.md §3.7), on an optimum only: the route's split is kept as the
    # fallback, and whichever is returned is re-checked and certified below like any route's.
    tie_break, kappa, first = "none", None, None
    if canonical:
        kappa = SLACK * tol
        if status != "optimal":
            tie_break, kappa = f"none: the first stage stopped ({status})", None
        else:
            try:
                canon = canonical_split(vs, zeta_solve, count_empty, a, o, y, kappa, deadline=deadline)
            except (np.linalg.LinAlgError, MemoryError) as err:  # a dense solve that failed: keep the route's
                canon = CanonicalResult(None, None, None, math.nan, math.nan, 0, 0, 0, 0.0, False,
                                        f"the tie-break failed ({type(err).__name__}: {err})")
            iters += canon.iterations
            if canon.ok and canon.and_ is not None and canon.or_ is not None:
                first = (a, o)
                a, o, tie_break = canon.and_, canon.or_, TIE_BREAK
                if canon.y is not None and bound_fn(canon.y) > bound_fn(y):
                    y = canon.y
            else:
                tie_break, kappa = f"none: {canon.message}", None
    # Scaled back, the split and its check Za + Oo − v must fit in float64. Near the largest float
    # they may not: such a split counts as unfinished (L1 and violation inf), a single-kind split
    # below may still fit, and if none does there is no float64 answer and the error says how to
    # rescale.
    l1 = primal_objective(a, o)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        a, o = np.ldexp(a, e), np.ldexp(o, e)
        if np.isfinite(a).all() and np.isfinite(o).all():
            a, o, q = finish_primal(a, o, vv, zeta, count_empty)
        else:
            q = np.full(N, math.inf)
        y_cert, bound = scaled_certificate(y, vv, zeta, count_empty)
        objective, viol, final = _assess(status, a, o, q, vv, zeta, bound, tol, count_empty)
        if first is not None and (viol > 0 or final != "optimal"):
            # the tie-break's split failed its re-check (it should not): the route's split instead
            fa, fo = np.ldexp(first[0], e), np.ldexp(first[1], e)
            if np.isfinite(fa).all() and np.isfinite(fo).all():
                fa, fo, fq = finish_primal(fa, fo, vv, zeta, count_empty)
                f_objective, f_viol, f_final = _assess(status, fa, fo, fq, vv, zeta, bound, tol, count_empty)
                if (f_viol, f_final != "optimal") < (viol, final != "optimal"):
                    a, o, q, objective, viol, final = fa, fo, fq, f_objective, f_viol, f_final
                    tie_break, kappa = "none: the tie-break's split failed its re-check", None
        if final != "optimal":  # an unfinished run: a single-kind split may still be better
            for name, (ca, co, cq) in single_kind_splits(vv, zeta, count_empty).items():
                c_objective, c_viol, c_final = _assess(status, ca, co, cq, vv, zeta, bound, tol, count_empty)
                if c_viol <= viol and c_objective < objective:
                    a, o, q, objective, viol, final = ca, co, cq, c_objective, c_viol, c_final
                    solver = solver.split("+all-")[0] + name
    if not (np.isfinite(q).all() and math.isfinite(objective)):
        raise overflow_error(vv, f"the split found has an L1 norm of about {power_of_ten(l1, e)} (every split needs at least "
                                  f"{max(bound, 0.0):.4g}), so its interactions or the sums that check them overflow")
    status, gap = final, objective - bound
    support = int(np.count_nonzero(a) + np.count_nonzero(o))
    return ExactSolution(
        and_=a, or_=o, q=q, y=y_cert, objective=objective, lower_bound=bound, gap=gap, status=status,
        iterations=iters, seconds=time.perf_counter() - start, solver=solver, rounds=rounds,
        support=support, violation=viol, count_empty=count_empty, zeta=zeta, tie_break=tie_break, kappa=kappa,
    )
