"""The canonical split: one answer per table where the L1 optimum is not unique (docs/theory.md §3.7).

The sparse split (P) of docs/theory.md §3.2 is an LP, and its optimum is often a whole face (ties:
symmetric variables, an AND and an OR atom that explain the same masks, an additive table whose
box leaves room). A solver returns *some* vertex of that face, and which one can change with a
rounding difference in v. The tie-break here returns one point that depends on the table alone:

    x_ε = argmin  L1(x) + (ε/2)‖x‖²   over the splits x = (a, o) with |Za + Oo − v| ≤ ζ,
    ε = 2κ / L*   (L* the optimum of (P), κ = SLACK·tol).

(With ``count_empty=False`` the constant a_∅ is not part of L1, and its term in the norm is
(a_∅ − v(∅))² = q_∅² ≤ ζ² instead of a_∅², so that a large constant costs nothing.)
The objective is strictly convex, so x_ε is unique: it does not depend on which vertex the first
stage found, on the order of the atoms, or on the solver's path, and a permutation of the
variables that leaves the table unchanged leaves it unchanged (tied alternatives share the
weight). Since ‖x‖² ≤ L1(x)², its L1 exceeds L* by at most κ·L* (the certified gap reported
afterwards includes whatever it is). Two regimes:

- a tie that persists under small changes of v (the usual case: the face moves with v but stays a
  face) is resolved *exactly*: for ε below a threshold that depends only on the LP, x_ε is the
  point of least Euclidean norm of the optimal face itself ("exact regularisation" of LPs,
  Mangasarian & Meyer 1979), with L1 = L*, and it moves continuously with v;
- where a change of v of relative size δ breaks a tie (a breakpoint of the optimum), the faces on
  either side are blended smoothly over δ ≲ κ instead of jumping from one vertex to another.

How it is solved (:func:`canonical_split`), from the first stage's optimum (a, o, y):

1. *LP phase* (HiGHS dual simplex, :class:`_Model`): (P) restricted to the masks that the first
   stage marks active (at the box, or with a dual) and to its support plus the atoms priced
   closest to 1 (|Zᵀy|, |Oᵀy| within CANDIDATE_PRICE, at most max(support, 4n) of them), grown by
   generation until no mask is violated and no atom prices in: L* and an optimal dual y to
   simplex accuracy. Its box is narrower by a hair (margins below), so that its vertex is strictly
   inside the QP's box.
2. *QP phase* (:func:`_qp_phase`, the dense solver in :mod:`._canonical_qp`). With d = c − Dᵀy
   (reduced costs) and each mask's slack t_T ∈ [0, 2ζ] measured from the bound that y_T prices,
   L1(x) = const + dᵀx + Σ|y_T|·t_T identically (for any y), so x_ε minimises
   ½‖x‖² + (dᵀx + Σ|y_T|·t_T)/ε: a least-norm problem whose linear terms are ~0 on the optimal
   face and large off it (well scaled, unlike L1/ε itself). On the restricted masks and atoms (dense, one BLAS thread)
   :func:`._canonical_qp.solve_qp` tries, in turn: a primal-dual active-set method (semismooth
   Newton, one SVD least-squares solve a step) from the LP vertex's active set, which settles in a
   step or two where the face is small, with the KKT conditions holding to rounding ("exact"); a
   Mehrotra interior point (:func:`._canonical_qp.interior`), then the active-set method from its
   active set; where the masks are so dependent that the active-set method cannot settle (the
   multipliers of dependent masks are not unique: additive and planted tables), the least-norm
   solution on the interior point's active set ("projected", feasible to rounding), or the interior
   point itself ("interior", accurate to ~1e-9, then moved onto the box by :func:`_onto_box`, or
   solved again in a box narrower by QP_MARGIN). Masks that the answer violates and atoms whose
   price (of y + εw, w the QP's multipliers) says they would enter are added and it is solved
   again, so the answer solves the problem over all 2^n masks and 2·2^n atoms. Problems beyond
   QP_MAX_MASKS masks (dense tables at n ≥ 12 can have thousands of active masks) are left alone:
   the caller keeps its split and says so.

Coefficients below ZERO·max|x| are then set to 0 and the caller re-checks the split (box,
objective, certified gap) as for any route; if a step fails, the caller keeps the first stage's
split and records that no tie-break was applied, and why.

OR atoms over one variable are the AND atoms over it (the same column): they are left out, so the
norm counts such an atom once.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..transforms import n_from_length, or_sum_transpose, superset_sum
from ._canonical_qp import (DEBUG, GUESS_STEPS, IPM_OK, IPM_STALL, IPM_TOL, POLISH_STEPS, QP, QP_TOL, RCOND,
                            active_set_of, blas_threads, solve_qp)
from ._master import Master, split_values
from .split import primal_objective, residual

__all__ = ["CanonicalResult", "canonical_split", "SLACK", "TIE_BREAK",
           # the QP phase's tolerances, defined in ._canonical_qp since the split and importable from here
           "QP_TOL", "RCOND", "POLISH_STEPS", "GUESS_STEPS", "IPM_TOL", "IPM_STALL", "IPM_OK"]

#: What the result's ``tie_break`` reads when this stage ran.
TIE_BREAK = "min-norm"
#: κ = SLACK·tol: the largest share of L* that the blend may cost (half the certified tolerance).
SLACK = 0.5
#: κ is at least this (tol = 0 would leave ε = 0: no blend at all, the exact face only).
MIN_KAPPA = 1e-12
#: Candidate atoms of the first round: dual price |Dᵀy| ≥ 1 − CANDIDATE_PRICE.
CANDIDATE_PRICE = 1e-6
#: Coefficients below ZERO·max|x| are set to 0 (rounding; far below any salience threshold).
ZERO = 1e-9
PRICE_TOL = 1e-9  # LP phase: an atom prices in when |p| > c + PRICE_TOL
MAX_ROUNDS = 60  # generation rounds of each phase
QP_MAX_MASKS = 3000  # the QP phase is dense: beyond these sizes the tie-break is not applied
QP_MAX_ENTRIES = 12_000_000  # (masks × atoms of its matrix: 96 MB)
EPS = float(np.finfo(np.float64).eps)
# the QP's box is narrower than the caller's by QP_MARGIN, the LP phase's by a further LP_MARGIN
# (times max(1, max|v|), at most a quarter of ζ each): module docstring
QP_MARGIN = 1e-8
LP_MARGIN = 1e-8
# The QP phase's own tolerances (QP_TOL, RCOND, the step counts, IPM_*) are defined in :mod:`._canonical_qp`.


@dataclass
class CanonicalResult:
    """The canonical split (a, o) at the solve's scale, or ``ok`` False with a ``message``.

    ``y`` is the LP phase's dual (full length, zero off its masks): optimal for the full LP when
    that phase converged, a certificate candidate. ``lp_objective`` is L*, ``epsilon`` the weight
    ε of the norm; ``rounds`` counts generation rounds and ``steps`` active-set steps.
    """

    and_: np.ndarray | None
    or_: np.ndarray | None
    y: np.ndarray | None
    lp_objective: float
    epsilon: float
    rounds: int
    steps: int
    iterations: int
    seconds: float
    ok: bool
    message: str


def _coefficients(rows: np.ndarray, atoms: np.ndarray, signs: np.ndarray, N: int) -> np.ndarray:
    """Dense block rows × signed atoms: s·1[S ⊆ T] for AND, s·1[S ∩ T ≠ ∅] for OR (the plain
    incidence; the master's sparse OR form is :mod:`._master`'s)."""
    T = np.asarray(rows, dtype=np.int64)[:, None]
    A = np.asarray(atoms, dtype=np.int64)[None, :]
    is_and = A < N
    S = np.where(is_and, A, A - N)
    sg = np.asarray(signs, dtype=np.float64)[None, :]
    return np.where(np.where(is_and, (S & ~T) == 0, (S & T) != 0), sg, 0.0)


def _costs(atoms: np.ndarray, count_empty: bool) -> np.ndarray:
    c = np.ones(atoms.shape[0])
    if not count_empty:
        c[atoms == 0] = 0.0
    return c


def _prices(y: np.ndarray) -> np.ndarray:
    """Dᵀy on all 2N atoms (AND then OR); the OR singletons (AND atoms too) and ∅ priced 0."""
    N = y.shape[0]
    p_and = superset_sum(y, check_finite=False)
    p_or = or_sum_transpose(y, check_finite=False)
    p_or[0] = 0.0
    p_or[np.left_shift(1, np.arange(n_from_length(N)))] = 0.0
    return np.concatenate([p_and, p_or])


# ---------------------------------------------------------------------------------------------
# phase 1: the LP on a HiGHS model grown by generation


class _Model(Master):
    """The restricted LP of (P): :class:`._master.Master` (columns 0 = σ and 1 + j = signed atom j,
    ``atoms[j]`` < N: AND over it, ≥ N: OR over atoms[j] − N; row 0 the link row, 1 + i mask
    ``rows[i]``), solved against a deadline and trusted only with both primal and dual values."""

    def add_rows(self, masks: np.ndarray) -> None:
        super().add_rows(np.unique(np.asarray(masks, dtype=np.int64)))

    def add_cols(self, atoms: np.ndarray, signs: np.ndarray) -> int:
        """Add the new signed atoms; returns how many were new."""
        before = self.atoms.size
        super().add_cols(atoms, signs)
        return self.atoms.size - before

    def solve_by(self, deadline: float | None) -> tuple[np.ndarray, np.ndarray, bool, str]:
        """(x ≥ 0 per signed column, y per mask row, optimal?, status) within ``deadline``."""
        x, y, ok, status = self.solve(None if deadline is None else max(deadline - time.perf_counter(), 0.01))
        if not (ok and self.h.getSolution().dual_valid):
            return np.zeros(self.atoms.size), np.zeros(self.rows.size), False, status
        return np.maximum(x, 0.0), y, True, "optimal"


def _lp_phase(model: _Model, deadline: float | None) -> tuple[np.ndarray | None, np.ndarray | None, int, str]:
    """Solve, add violated masks and atoms that price in, repeat. Returns (x, full y, rounds, message)."""
    N = model.N
    for rounds in range(1, MAX_ROUNDS + 1):
        x, y_rows, ok, status = model.solve_by(deadline)
        if not ok:
            return None, None, rounds, f"LP phase: HiGHS status {status}"
        y = np.zeros(N)
        y[model.rows] = y_rows
        a, o = split_values(model.atoms, model.signs, x, N)
        r = residual(a, o, model.v)
        bad = np.flatnonzero(np.abs(r) > model.zeta)
        bad = bad[~np.isin(bad, model.rows)]
        price = _prices(y)
        enter = np.flatnonzero(np.abs(price) > _costs(np.arange(2 * N), model.count_empty) + PRICE_TOL)
        enter = enter[enter != N]
        added = model.add_cols(enter, np.where(price[enter] < 0, -1, 1)) if enter.size else 0
        model.add_rows(bad)
        if bad.size == 0 and added == 0:
            return x, y, rounds, "optimal"
        if deadline is not None and time.perf_counter() >= deadline:
            return None, None, rounds, "LP phase: time limit"
    return None, None, MAX_ROUNDS, f"LP phase: no convergence in {MAX_ROUNDS} rounds"


def canonical_split(v: np.ndarray, zeta: float, count_empty: bool, a: np.ndarray, o: np.ndarray,
                    y: np.ndarray, kappa: float, deadline: float | None = None) -> CanonicalResult:
    """x_ε of the module docstring, started from a first-stage optimum (a, o) with dual y; ``v``
    and ``zeta`` as that stage solved them (unit scale, the box shrunk by its margin)."""
    start = time.perf_counter()
    N = v.shape[0]
    n = n_from_length(N)
    kappa = max(float(kappa), MIN_KAPPA)

    def fail(message: str, y_lp: np.ndarray | None = None, lp: float = math.nan, eps: float = math.nan,
             rounds: int = 0, steps: int = 0, iterations: int = 0) -> CanonicalResult:
        return CanonicalResult(None, None, y_lp, lp, eps, rounds, steps, iterations,
                               time.perf_counter() - start, False, message)

    # ---- LP phase: first masks at the box or with a dual, first atoms the support and those priced ~1
    # Margins. A QP solution that only the interior point reached (accurate to ~1e-9, not to
    # rounding) is found again in a box narrower than ``zeta`` by QP_MARGIN, so that it still lies
    # inside ``zeta`` (else the caller's exact repair would spread it over every atom); that costs
    # at most QP_MARGIN·‖y‖₁ of L1. The LP phase works in a box narrower again by more than HiGHS's
    # feasibility tolerance, so that its split is strictly feasible for either QP and the
    # restricted QP has an interior (L* and y serve only as a scale and a change of variables).
    unit = max(1.0, float(np.abs(v).max()))
    narrow = max(zeta - QP_MARGIN * unit, 0.75 * zeta)
    model = _Model(v, max(narrow - LP_MARGIN * unit, 0.5 * zeta), count_empty)
    q = residual(a, o, v)
    ymax = float(np.abs(y).max(initial=0.0))
    rows = np.flatnonzero((np.abs(q) >= zeta * (1 - 1e-6)) | (np.abs(y) > 1e-9 * ymax))
    rows = np.union1d(rows, [0, N - 1])
    yr = np.zeros(N)
    yr[rows] = y[rows]
    singles = np.left_shift(1, np.arange(n))
    a1, o1 = a.copy(), o.copy()
    a1[singles] += o1[singles]
    o1[singles] = 0.0
    o1[0] = 0.0
    # the support, and the atoms priced closest to 1 (at most as many again): the LP phase adds the
    # atoms that price in and the QP phase those of the face that lower the norm, so this is only
    # a start (on planted tables at n = 17, 2·10^5 atoms are priced exactly 1)
    support = np.flatnonzero(np.concatenate([a1, o1]) != 0)
    price0 = np.abs(_prices(yr))
    near = np.flatnonzero(price0 >= 1 - CANDIDATE_PRICE)
    if near.size > max(support.size, 4 * n):
        near = near[np.argsort(-price0[near], kind="stable")[: max(support.size, 4 * n)]]
    cand = np.union1d(np.union1d(support, near), [0])
    cand = cand[cand != N]
    both = np.ones(cand.size, np.int64)
    model.add_rows(rows)
    model.add_cols(np.concatenate([cand, cand]), np.concatenate([both, -both]))
    x, y_lp, rounds, message = _lp_phase(model, deadline)
    if x is None:
        # e.g. the first stage's split meets a mask only to HiGHS's tolerance: give every mask of
        # the model its AND atom (the restricted LP is then always feasible) and try once more
        model.add_cols(np.concatenate([model.rows, model.rows]), np.concatenate([np.ones(model.rows.size, np.int64),
                                                                                 -np.ones(model.rows.size, np.int64)]))
        x, y_lp, more, message = _lp_phase(model, deadline)
        rounds += more
    if x is None or y_lp is None:
        return fail(message, rounds=rounds, iterations=model.iterations)
    la, lo = split_values(model.atoms, model.signs, x, N)
    lp = primal_objective(la, lo, count_empty)
    if not lp > 0:  # v fits in the box around 0: the zero split is the only optimum
        return CanonicalResult(np.zeros(N), np.zeros(N), y_lp, lp, math.inf, rounds, 0, model.iterations,
                               time.perf_counter() - start, True, "optimal")
    eps = 2.0 * kappa / lp

    # ---- QP phase on the LP's masks and atoms, in the caller's box; where only the interior point
    # converged (degenerate tables), once more in the narrower box
    sets = (model.atoms.copy(), model.signs.copy(), model.rows.copy())
    steps = 0
    for zeta_qp in (zeta, narrow):
        out, sets, more_rounds, more_steps, message = _qp_phase(v, zeta_qp, model.zeta, count_empty, sets, x, y_lp, eps,
                                                                deadline)
        rounds, steps = rounds + more_rounds, steps + more_steps
        if out is None:
            return fail(message, y_lp, lp, eps, rounds, steps, model.iterations)
        if message == "interior" and zeta_qp != narrow:
            fixed = _onto_box(v, zeta, out)
            if fixed is not None:
                out, message = fixed, "interior+onto-box"
        if message != "interior" or zeta_qp == narrow:
            return CanonicalResult(out[0], out[1], y_lp, lp, eps, rounds, steps, model.iterations,
                                   time.perf_counter() - start, True, message)
    raise AssertionError("unreachable")  # pragma: no cover


def _onto_box(v: np.ndarray, zeta: float, split: tuple[np.ndarray, np.ndarray], rounds: int = 8
              ) -> tuple[np.ndarray, np.ndarray] | None:
    """An interior-point split that leaves the box by its accuracy (~1e-9) put back: the masks
    outside are moved onto the edge they crossed by the least-norm change of the non-zero atoms,
    repeated with the masks that change pushes out (as :func:`._ipm.polish`). The change is of the
    size of the violation, so the split stays as near the QP's optimum. None where that does not
    give a split inside the box with every atom keeping its sign."""
    N = v.shape[0]
    a, o = split
    x = np.concatenate([a, o])
    atoms = np.flatnonzero(x)
    if atoms.size == 0:
        return None
    signs = np.where(x[atoms] < 0, -1, 1)
    mag = np.abs(x[atoms])
    rows = np.zeros(0, dtype=np.int64)
    side = np.zeros(0)
    # rounding of the check itself is allowed: the caller's box is narrower than the true one by
    # at least 1e-11·max(1, max|v|) (certified.solve_exact)
    slack = 1e-13 * max(1.0, float(np.abs(v).max()))
    for _ in range(rounds):
        ca, co = split_values(atoms, signs, mag, N)
        r = residual(ca, co, v)
        out = np.flatnonzero(np.abs(r) > zeta + slack)
        if out.size == 0:
            return ca, co
        out = out[~np.isin(out, rows)]
        if out.size == 0 or rows.size + out.size > QP_MAX_MASKS:
            return None
        rows = np.concatenate([rows, out])
        side = np.concatenate([side, np.sign(r[out])])
        D = _coefficients(rows, atoms, signs, N)
        with blas_threads():
            delta, *_ = np.linalg.lstsq(D, v[rows] + side * zeta - D @ mag, rcond=None)
        mag = mag + delta
        if mag.min() < 0:
            return None
    return None


def _qp_phase(v: np.ndarray, zeta_qp: float, zeta_lp: float, count_empty: bool,
              sets: tuple[np.ndarray, np.ndarray, np.ndarray], u_start: np.ndarray, y_lp: np.ndarray, eps: float,
              deadline: float | None
              ) -> tuple[tuple[np.ndarray, np.ndarray] | None, tuple[np.ndarray, np.ndarray, np.ndarray], int, int, str]:
    """The QP of :class:`._canonical_qp.QP` on the signed atoms and masks of ``sets``, grown until
    no mask is violated and no atom would enter; ``u_start`` (per signed atom of ``sets``) gives
    the first active set to try. Returns ((a, o) or None, the grown sets, rounds, steps,
    "exact" / "interior" / why it failed)."""
    N = v.shape[0]
    price_y = _prices(y_lp)
    all_cost = _costs(np.arange(2 * N), count_empty)
    atoms, signs, masks = sets
    steps = 0
    how = "exact"
    u_prev = u_start
    for rounds in range(1, MAX_ROUNDS + 1):
        if masks.size > QP_MAX_MASKS or masks.size * atoms.size > QP_MAX_ENTRIES:
            return (None, (atoms, signs, masks), rounds, steps,
                    f"QP phase: too large for the dense tie-break ({masks.size} masks x {atoms.size} atoms)")
        ym = y_lp[masks]
        sigma = np.where(ym < 0, -1.0, 1.0)
        lin = (_costs(atoms, count_empty) - signs * price_y[atoms]) / eps
        if not count_empty:
            # the constant is not paid for; its norm is taken about v(∅): (a_∅ − v(∅))² = q_∅² ≤ ζ²
            lin[atoms == 0] -= signs[atoms == 0] * v[0]
        qp = QP(A=_coefficients(masks, atoms, signs, N), b=v[masks] - sigma * zeta_qp,
                sigma=sigma, p=lin, pi=np.abs(ym) / eps, W=2.0 * zeta_qp)
        start_u = np.concatenate([u_prev, np.zeros(atoms.size - u_prev.size)])
        u, w, how_now, k = solve_qp(qp, active_set_of(qp, start_u, 2.0 * (zeta_qp - zeta_lp)), deadline)
        u_prev = u
        steps += k
        if how_now == "failed":
            return None, (atoms, signs, masks), rounds, steps, "QP phase: the interior point did not converge"
        if how_now == "interior" or (how_now == "projected" and how == "exact"):
            how = how_now
        # masks the split violates; atoms that would enter: the price of y + εw above the cost
        ca, co = split_values(atoms, signs, u, N)
        r = residual(ca, co, v)
        bad = np.flatnonzero(np.abs(r) > zeta_qp)
        bad = bad[~np.isin(bad, masks)]
        wf = np.zeros(N)
        wf[masks] = w
        lam = y_lp + eps * wf
        price = _prices(lam)
        # an atom enters when its value would exceed ZERO·max u, and its price clears the rounding
        # of the butterflies ((2n + 2)·eps·‖λ‖₁, as in dual_bound): noise must not bring atoms in
        n = n_from_length(N)
        tol = max(ZERO * max(float(u.max(initial=0.0)), 1e-300) * eps,
                  (2 * n + 4) * EPS * float(np.abs(lam).sum()))
        have = atoms * 2 + (signs > 0)
        ids = np.arange(2 * N)
        plus = ids[(price - all_cost > tol) & (ids != N) & ~np.isin(2 * ids + 1, have)]
        minus = ids[(-price - all_cost > tol) & (ids != N) & ~np.isin(2 * ids, have)]
        if DEBUG:
            gp = (price - all_cost)[plus] if plus.size else np.zeros(0)
            gm = (-price - all_cost)[minus] if minus.size else np.zeros(0)
            print(f"    qp round {rounds}: {how_now} m,K {qp.A.shape} bad {bad.size} enter +{plus.size} -{minus.size} "
                  f"gains {np.r_[gp, gm].max(initial=0):.2e} tol {tol:.2e} eps {eps:.2e} umax {u.max():.2e} "
                  f"support {np.count_nonzero(u > ZERO * u.max())}")
        if not bad.size and not plus.size and not minus.size:
            big = max(float(np.abs(ca).max()), float(np.abs(co).max()))
            ca[np.abs(ca) <= ZERO * big] = 0.0
            co[np.abs(co) <= ZERO * big] = 0.0
            return (ca, co), (atoms, signs, masks), rounds, steps, how
        if deadline is not None and time.perf_counter() >= deadline:
            return None, (atoms, signs, masks), rounds, steps, "QP phase: time limit"
        atoms = np.concatenate([atoms, plus, minus])
        signs = np.concatenate([signs, np.ones(plus.size, np.int64), -np.ones(minus.size, np.int64)])
        masks = np.concatenate([masks, bad])
    return None, (atoms, signs, masks), MAX_ROUNDS, steps, f"QP phase: no convergence in {MAX_ROUNDS} rounds"
