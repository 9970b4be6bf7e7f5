"""The certified LP solver for the sparse AND-OR split and its routes (docs/theory.md §3).

Primal:  min Σ_S |a_S| + Σ_{S≠∅} |o_S|   s.t.  Za + Oo = v + q,  ‖q‖∞ ≤ ζ
         (``count_empty=False`` drops |a_∅|; a_∅ is then fixed to v(∅) + q_∅ by the row T = ∅).
Dual:    max y·v − ζ‖y‖₁   s.t.  ‖Zᵀy‖∞ ≤ 1, ‖Oᵀy‖∞ ≤ 1   (without the ∅ entry of Zᵀy when the
         empty set is not counted; see :func:`dual_bound` for how a non-zero Σy is then paid for).

Weak duality makes every returned number checkable: the primal (a, o) is re-checked on all 2^n
masks with the O(n·2^n) butterflies, and the dual y is scaled into feasibility so that
y·v − ζ‖y‖₁ is a *proven* lower bound; their difference is the certified gap.

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
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import InputError, ResourceError
from ..progress import Progress
from ..record import available_bytes
from ..transforms import mobius, n_from_length, or_interactions, or_sum, or_sum_transpose, superset_sum
from ._canonical import SLACK, TIE_BREAK, CanonicalResult, canonical_split
from ._factored import solve_factored
from ._generation import Seed, generate
from ._ipm import ipm_memory, ipm_seconds, polish, solve_ipm, support
from .split import box_violation, primal_objective, residual

__all__ = ["ExactSolution", "solve_exact", "dual_bound", "primal_objective", "residual", "gap_scale", "ROUTES"]

EPS = float(np.finfo(np.float64).eps)  # 2^-52, twice the unit round-off: conservative below
FACTORED_MAX_N = 10  # measured: factored beats generation on dense (MLP) tables up to n = 10
UNIT_RANGE = (2.0 ** -4, 2.0 ** 4)  # tables with max|v| outside this are solved rescaled
TINY = 2.0 ** -1074  # the smallest subnormal: the absolute rounding of a result that underflows
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
# certificates


def _as_vector(x: object, name: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().to("cpu", torch.float64).numpy()
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise InputError(f"{name} must be one-dimensional (one entry per mask), got shape {arr.shape}")
    n_from_length(arr.shape[0])
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} contains NaN or infinite entries; pass finite outputs")
    return arr


def dual_bound(y: object, v: object, zeta: float, count_empty: bool = True) -> tuple[float, float]:
    """Proven lower bound on the optimum from any y: (bound, scale), bound = ŷ·v − ζ‖ŷ‖₁ with ŷ = y/scale.

    scale = max(1, ‖Dᵀy‖∞ + (2n+4)·eps·‖y‖₁) with D = [Z, O] and ‖Dᵀy‖∞ computed in float64 by the
    butterflies: each entry of Zᵀy (and of Oᵀy = Σy − (Zy)(N∖S)) is a sum over a tree of depth n
    (plus one subtraction), so its rounding error is at most (2n+2)·eps·‖y‖₁; the extra 2·eps·‖y‖₁
    covers rounding in ŷ = y/scale. Hence ‖Dᵀŷ‖∞ ≤ 1 holds exactly, not only in floats. The value
    is summed with math.fsum and lowered by 4·eps·(Σ|ŷv| + ζ‖ŷ‖₁) for the rounded products.

    With ``count_empty=False`` the constraint on (Zᵀy)(∅) = Σy is an equality; instead of
    projecting, the bound pays |Σŷ|·(|v(∅)| + ζ), valid because every feasible split has
    a_∅ = v(∅) + q_∅ (row T = ∅), so Σ_{S≠∅}|a_S| + ‖o‖₁ ≥ ŷ·(v + q) − (Σŷ)·a_∅.

    The value is computed with v and ζ rescaled by a power of two to unit size and scaled back
    rounding down, so a table near the float limits neither overflows (1e308·ŷ) nor underflows
    (subnormal products); beyond the largest float the bound is the largest float.
    """
    yv = _as_vector(y, "y")
    vv = _as_vector(v, "v")
    if yv.shape != vv.shape:
        raise InputError(f"y has {yv.shape[0]} entries but v has {vv.shape[0]}; both need one per mask")
    zeta = float(zeta)
    if not zeta >= 0:
        raise InputError(f"zeta must be >= 0, got {zeta}")
    n = n_from_length(yv.shape[0])
    l1 = math.fsum(np.abs(yv))
    zt = np.abs(superset_sum(yv, check_finite=False))
    if not count_empty:
        zt[0] = 0.0
    D = max(float(zt.max()), float(np.abs(or_sum_transpose(yv, check_finite=False)).max()))
    if not math.isfinite(D):
        raise InputError("the certificate y is too large: its sums ‖Dᵀy‖ overflow float64")
    scale = max(1.0, D + (2 * n + 4) * EPS * l1)
    ys = yv / scale
    # v and ζ are read at unit scale (times 2^-e): the products and sums then neither overflow nor
    # underflow, and the value is scaled back by 2^e rounding down (:func:`_ldexp_down`).
    e = _unit_exponent(max(float(np.abs(vv).max(initial=0.0)), zeta))
    vs, zs = np.ldexp(vv, -e), math.ldexp(zeta, -e)
    sy = math.fsum(np.abs(ys))
    # Entries of v (or ζ) far below max|v| can lose bits when scaled down, each by ≤ TINY/2; and a
    # product that underflows is off by ≤ TINY/2 absolutely, which the relative 4·eps misses.
    lost = 0.0
    if e > 0 and (math.ldexp(zs, e) != zeta or not np.array_equal(np.ldexp(vs, e), vv)):
        lost = (sy + 1) * TINY
    prods = ys * vs
    zterm = zs * sy
    under = np.count_nonzero((np.abs(prods) < sys.float_info.min) & (ys != 0) & (vs != 0))
    under += int(abs(zterm) < sys.float_info.min and zs != 0 and sy != 0)
    value = math.fsum(prods) - zterm
    value -= 4 * EPS * (math.fsum(np.abs(prods)) + zterm) + under * TINY + lost
    if not count_empty:
        s = math.fsum(ys)
        value -= abs(s) * (abs(vs[0]) + zs) * (1 + 4 * EPS)
    return _ldexp_down(value, e), scale


def _unit_exponent(big: float) -> int:
    """e with max|v|·2^-e near 1 (0 when ``big`` is 0 or within UNIT_RANGE): the power of two by
    which tables are read at unit scale. Exact in floats unless something under- or overflows."""
    if big == 0 or UNIT_RANGE[0] <= big <= UNIT_RANGE[1]:
        return 0
    return round(math.log2(big))


def _ldexp_down(x: float, e: int) -> float:
    """A float ≤ x·2^e, equal to it when that is representable: a lower bound stays one after
    scaling back (a subnormal result is rounded down; beyond the largest float, the largest float,
    or −inf below the most negative)."""
    if e == 0:
        return x
    try:
        r = math.ldexp(x, e)
    except OverflowError:
        return sys.float_info.max if x > 0 else -math.inf
    if math.isinf(r):
        return sys.float_info.max if x > 0 else -math.inf
    return r if math.ldexp(r, -e) <= x else math.nextafter(r, -math.inf)


def gap_scale(objective: float, v: np.ndarray) -> float:
    """What a gap is measured against: |objective|, or 1e-2·max|v| where the objective is smaller
    (an objective of ~0 is judged absolutely, at the table's own scale). A fixed floor such as
    max(1, |objective|) would call a 0.4% gap optimal on a table whose values are ~1e-6. The floor,
    the smallest normal float, only keeps it positive: a table of 1e-305 is judged relatively too."""
    return max(abs(objective), 1e-2 * float(np.abs(v).max(initial=0.0)), sys.float_info.min)


def _certificate(y: np.ndarray, v: np.ndarray, zeta: float, count_empty: bool) -> tuple[np.ndarray, float]:
    """y scaled so that :func:`dual_bound` accepts it as is (scale 1), and its bound.

    Scaling once by the scale of :func:`dual_bound` leaves the rounding allowance just above 1, so
    the scaled y is shrunk by a further 1e-12 until a re-check needs no scaling.
    """
    ys = np.asarray(y, dtype=np.float64)
    for _ in range(4):
        bound, scale = dual_bound(ys, v, zeta, count_empty)
        if scale == 1.0:
            return ys, bound
        ys = ys / (scale * (1 + 1e-12))
    return ys, dual_bound(ys, v, zeta, count_empty)[0]


# ---------------------------------------------------------------------------------------------
# tables near the float limits


def _overflow_error(v: np.ndarray, why: str) -> InputError:
    """The refusal for a table whose split does not fit in float64, with the rescaling that fixes it."""
    big = float(np.abs(v).max(initial=0.0))
    k = math.frexp(big)[1] if big > 0 else 0
    return InputError(
        f"this table (max|v| = {big:.4g}) cannot be split in float64: {why} (largest float "
        f"{sys.float_info.max:.4g}); rescale the outputs by a power of two, e.g. numpy.ldexp(values, -{k}) "
        f"(exact: a power of two changes no mantissa bit), and read the interactions in units of 2^{k}"
    )


def _size(l1: float, e: int) -> str:
    """l1·2^e as a power of ten, for messages (the product itself may not be a float)."""
    return f"10^{math.log10(l1) + e * math.log10(2.0):.1f}" if 0 < l1 < math.inf else f"{l1:g}"


# ---------------------------------------------------------------------------------------------
# making the primal exactly feasible


def _rounding(a: np.ndarray, o: np.ndarray, v: np.ndarray) -> float:
    """The rounding level of the check Za + Oo − v (n-stage butterflies) for this split."""
    return 4 * (n_from_length(v.shape[0]) + 2) * EPS * (primal_objective(a, o) + float(np.abs(v).max()))


def _snap(x: np.ndarray, unit: float) -> np.ndarray:
    """x rounded to multiples of ``unit`` (a power of two): exact sums for dyadic data."""
    return np.round(x / unit) * unit


def _finish_primal(a: np.ndarray, o: np.ndarray, v: np.ndarray, zeta: float,
                   count_empty: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Among a few exact re-checks of the solver's (a, o), the cheapest feasible one.

    Candidates: as returned; with LP noise (|x| ≤ 1e-12·max|x|) set to 0; snapped to a dyadic grid
    (exact for integer-like tables, where ζ = 0 needs exact sums); and, if none of them passes,
    the repair a = M(v + clip(q, ±(ζ − δ)) − Oo), which meets the box up to rounding δ.
    """
    o = o.copy()
    o[0] = 0.0
    scale = max(float(np.abs(v).max()), zeta, float(np.abs(a).max(initial=0.0)), float(np.abs(o).max(initial=0.0)), TINY)
    big = max(float(np.abs(a).max(initial=0.0)), float(np.abs(o).max(initial=0.0)))
    clean_a = np.where(np.abs(a) <= 1e-12 * big, 0.0, a)
    clean_o = np.where(np.abs(o) <= 1e-12 * big, 0.0, o)
    unit = math.ldexp(1.0, max(math.floor(math.log2(scale)) - 40, -1074))  # ≥ the smallest subnormal
    cands = [(a, o), (clean_a, clean_o), (_snap(clean_a, unit), _snap(clean_o, unit))]
    best: tuple[float, float, np.ndarray, np.ndarray, np.ndarray] | None = None
    for ca, co in cands:
        q = residual(ca, co, v)
        viol = box_violation(q, zeta)
        obj = primal_objective(ca, co, count_empty)
        key = (viol, obj)
        if best is None or key < best[:2]:
            best = (viol, obj, ca, co, q)
    assert best is not None
    if best[0] == 0.0:
        return best[2], best[3], best[4]
    # Repair: solve Za = v + q' − Oo exactly for a clipped q' just inside the box; the margin δ
    # absorbs the rounding of M and Z (each an n-stage tree), doubled until the check passes.
    ca, co = best[2], best[3]
    q = best[4]
    delta = _rounding(ca, co, v)
    oo = or_sum(co, check_finite=False)
    for _ in range(12):
        margin = min(delta, zeta)
        target = np.clip(q, -(zeta - margin), zeta - margin)
        with np.errstate(over="ignore", invalid="ignore"):  # an overflowed repair fails its check
            ra = mobius(v + target - oo, check_finite=False)
        # M of a nearly-sparse table leaves rounding noise on every atom: drop it when the
        # re-check still passes, so that the support stays the solver's
        rbig = float(np.abs(ra).max(initial=0.0))
        for cand in (np.where(np.abs(ra) <= 1e-12 * rbig, 0.0, ra), ra):
            rq = residual(cand, co, v)
            viol = box_violation(rq, zeta)
            if viol == 0.0:
                break
        ra = cand
        if viol < best[0] or (viol == best[0] and primal_objective(ra, co, count_empty) < best[1]):
            best = (viol, primal_objective(ra, co, count_empty), ra, co, rq)
        if viol == 0.0 or margin >= zeta:
            break
        delta *= 4
    return best[2], best[3], best[4]


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
            viol == 0.0 or zeta <= _rounding(a, o, v) and viol <= _rounding(a, o, v)):
        # e.g. ζ = 0: the master met its rows only to 1e-12 and the exact finish did better, or
        # (ζ below the rounding of the check itself, non-dyadic data) as close as floats allow,
        # which is what the factored route reports as optimal too (see ExactSolution.violation)
        status = "optimal"
    return objective, viol, status


def _single_kind_splits(v: np.ndarray, zeta: float,
                        count_empty: bool) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The all-AND split (a = M v) and the all-OR split (o = I_or(v), its constant in a_∅), made
    exact by :func:`_finish_primal`: O(n·2^n) fallbacks for a run that stopped early. On dense
    tables they can beat an unfinished generation by far (measured, n = 14: L1 189 all-OR
    against 585 from generation at 60 s; the certified bound was near 20)."""
    N = v.shape[0]
    or_ = or_interactions(v, check_finite=False)
    a_or = np.zeros(N)
    a_or[0] = or_[0]
    and_ = mobius(v, check_finite=False)
    # near the float limits a single-kind split may overflow where the solver's did not: none then
    splits = {"+all-and": (and_, np.zeros(N)), "+all-or": (a_or, or_)}
    return {name: _finish_primal(a, o, v, zeta, count_empty) for name, (a, o) in splits.items()
            if np.isfinite(a).all() and np.isfinite(o).all() and math.isfinite(primal_objective(a, o))}


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
        fa, fo, fq = _finish_primal(a, o, v, zeta, count_empty)
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
    ga, go, gq = _finish_primal(ga, go, v, zeta, count_empty)
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
        ga, go, _ = _finish_primal(a, o, v, zeta, count_empty)
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
    vv = _as_vector(v, "v")
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
    e = _unit_exponent(float(np.abs(vv).max()))
    vs, zs = np.ldexp(vv, -e), math.ldexp(zeta, -e)
    # Solve for a box shrunk by a hair so that HiGHS's residuals (feasibility tolerance 1e-9, in
    # practice ~1e-12) keep the returned split inside the true box; otherwise the dense repair in
    # _finish_primal would be needed, which spreads rounding over every atom. Costs ≤ margin·‖y‖₁.
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
            a, o, q = _finish_primal(a, o, vv, zeta, count_empty)
        else:
            q = np.full(N, math.inf)
        y_cert, bound = _certificate(y, vv, zeta, count_empty)
        objective, viol, final = _assess(status, a, o, q, vv, zeta, bound, tol, count_empty)
        if first is not None and (viol > 0 or final != "optimal"):
            # the tie-break's split failed its re-check (it should not): the route's split instead
            fa, fo = np.ldexp(first[0], e), np.ldexp(first[1], e)
            if np.isfinite(fa).all() and np.isfinite(fo).all():
                fa, fo, fq = _finish_primal(fa, fo, vv, zeta, count_empty)
                f_objective, f_viol, f_final = _assess(status, fa, fo, fq, vv, zeta, bound, tol, count_empty)
                if (f_viol, f_final != "optimal") < (viol, final != "optimal"):
                    a, o, q, objective, viol, final = fa, fo, fq, f_objective, f_viol, f_final
                    tie_break, kappa = "none: the tie-break's split failed its re-check", None
        if final != "optimal":  # an unfinished run: a single-kind split may still be better
            for name, (ca, co, cq) in _single_kind_splits(vv, zeta, count_empty).items():
                c_objective, c_viol, c_final = _assess(status, ca, co, cq, vv, zeta, bound, tol, count_empty)
                if c_viol <= viol and c_objective < objective:
                    a, o, q, objective, viol, final = ca, co, cq, c_objective, c_viol, c_final
                    solver = solver.split("+all-")[0] + name
    if not (np.isfinite(q).all() and math.isfinite(objective)):
        raise _overflow_error(vv, f"the split found has an L1 norm of about {_size(l1, e)} (every split needs at least "
                                  f"{max(bound, 0.0):.4g}), so its interactions or the sums that check them overflow")
    status, gap = final, objective - bound
    support = int(np.count_nonzero(a) + np.count_nonzero(o))
    return ExactSolution(
        and_=a, or_=o, q=q, y=y_cert, objective=objective, lower_bound=bound, gap=gap, status=status,
        iterations=iters, seconds=time.perf_counter() - start, solver=solver, rounds=rounds,
        support=support, violation=viol, count_empty=count_empty, zeta=zeta, tie_break=tie_break, kappa=kappa,
    )
