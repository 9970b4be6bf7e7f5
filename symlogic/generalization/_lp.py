"""The joint LP of generalizable interactions in one sparse HiGHS model (docs/theory.md §3.8).

Per member i (table v^(i), box ζ_i): columns a⁺, a⁻, o⁺, o⁻ ≥ 0 (o^±_∅ fixed to 0) and the free
stage variables of two factored zeta transforms (Z a and Z o, n·2^(n−1) each: the butterfly stages
of :func:`symlogic.extraction._factored._factored_zeta`), so no dense 2^n × 2^n block is built.
One ranged row per mask T,

    v^(i)(T) − ζ_i ≤ (Z a)(T) + (Z o)(N) − (Z o)(N∖T) ≤ v^(i)(T) + ζ_i,

holds universal matching with the noise box (q^(i) = Za + Oo − v is implicit); its row dual is
y^(i)(T), the certificate's sign convention (∂ optimum/∂v). Shared columns t_j ≥ 0, one per atom
(AND sets, then OR sets), with the epigraph rows t_j − x⁺_ij − x⁻_ij ≥ 0 for every member: the
loss is (1 − α)·Σ t_j + α·Σ_ij (x⁺_ij + x⁻_ij). At an optimum t_j = max_i |x_ij|.

HiGHS (highspy) runs its interior point with crossover: the basic solution's duals are the
certificate, which :func:`symlogic.generalization.bound.joint_dual_bound` re-checks anyway.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["JointLPResult", "solve_joint_lp"]


@dataclass
class JointLPResult:
    """The solver's (a, o) per member ([m, 2^n] each, None when it returned no primal), its duals y
    of the matching rows ([m, 2^n], None without), and bookkeeping."""

    and_: np.ndarray | None
    or_: np.ndarray | None
    y: np.ndarray | None
    ok: bool
    message: str
    iterations: int
    seconds: float


def _build(vs: np.ndarray, zetas: np.ndarray, alpha: float, count_empty: bool
           ) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """The model as (A, cost, col_lower, col_upper, row_lower, row_upper, matching rows per member)."""
    from ..extraction._factored import _factored_zeta

    m, N = vs.shape
    n = N.bit_length() - 1
    masks = np.arange(N)
    inf = np.inf
    trip: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    cost: list[np.ndarray] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    rlo: list[np.ndarray] = []
    rhi: list[np.ndarray] = []
    # member atom columns first (4N per member), then t (2N), then the stage columns
    col = 4 * N * m + 2 * N
    row = 0
    matching: list[np.ndarray] = []
    signs = np.tile([1.0, -1.0], (N, 1))
    for i in range(m):
        base = 4 * N * i
        ap, am, op, om = (base + k * N + masks for k in range(4))
        c = np.full(4 * N, alpha)
        if not count_empty:
            c[[0, N]] = 0.0  # a⁺_∅, a⁻_∅: the constant is free
        cost.append(c)
        lo.append(np.zeros(4 * N))
        up = np.full(4 * N, inf)
        up[[2 * N, 3 * N]] = 0.0  # o^±_∅ is not an atom
        hi.append(up)
        cur_a = np.stack([ap, am], 1)
        cur_o = np.stack([op, om], 1)
        za_v = signs.copy()
        zo_v = signs.copy()
        zo_v[0] = 0.0
        stage0 = row
        col, row = _factored_zeta(cur_a, za_v, n, col, row, trip)
        col, row = _factored_zeta(cur_o, zo_v, n, col, row, trip)
        rlo.append(np.zeros(row - stage0))
        rhi.append(np.zeros(row - stage0))
        final = row + masks
        for j in range(2):
            trip.append((final, cur_a[masks, j], za_v[masks, j]))
            trip.append((final, np.full(N, cur_o[N - 1, j]), np.full(N, zo_v[N - 1, j])))
            trip.append((final, cur_o[(N - 1) ^ masks, j], -zo_v[(N - 1) ^ masks, j]))
        rlo.append(vs[i] - zetas[i])
        rhi.append(vs[i] + zetas[i])
        matching.append(final)
        row += N
    # epigraph rows: t_j − x⁺_ij − x⁻_ij ≥ 0 (AND atoms j < N, OR atoms j ≥ N)
    t_col = 4 * N * m
    atoms = np.arange(2 * N)
    keep = atoms != N  # OR ∅ is no atom
    if not count_empty:
        keep &= atoms != 0
    atoms = atoms[keep]
    for i in range(m):
        base = 4 * N * i
        plus = np.where(atoms < N, base + atoms, base + 2 * N + (atoms - N))
        minus = plus + N
        rows = row + np.arange(atoms.size)
        trip.append((rows, t_col + atoms, np.ones(atoms.size)))
        trip.append((rows, plus, -np.ones(atoms.size)))
        trip.append((rows, minus, -np.ones(atoms.size)))
        rlo.append(np.zeros(atoms.size))
        rhi.append(np.full(atoms.size, inf))
        row += atoms.size
    t_cost = np.full(2 * N, 1.0 - alpha)
    t_up = np.full(2 * N, inf)
    t_up[N] = 0.0
    if not count_empty:
        t_cost[0], t_up[0] = 0.0, 0.0
    cost.append(t_cost)
    lo.append(np.zeros(2 * N))
    hi.append(t_up)
    n_stage = col - (4 * N * m + 2 * N)
    cost.append(np.zeros(n_stage))
    lo.append(np.full(n_stage, -inf))
    hi.append(np.full(n_stage, inf))
    r = np.concatenate([t[0] for t in trip])
    c = np.concatenate([t[1] for t in trip])
    d = np.concatenate([t[2] for t in trip])
    nz = d != 0
    A = sp.csc_matrix((d[nz], (r[nz], c[nz])), shape=(row, col))
    A.sum_duplicates()
    A.eliminate_zeros()
    return (A, np.concatenate(cost), np.concatenate(lo), np.concatenate(hi), np.concatenate(rlo),
            np.concatenate(rhi), matching)


def solve_joint_lp(vs: np.ndarray, zetas: np.ndarray, alpha: float, count_empty: bool = True,
                   time_limit: float | None = None) -> JointLPResult:
    """Solve the joint LP (module docstring) for the [m, 2^n] tables ``vs`` and boxes ``zetas``."""
    import highspy

    from ..extraction._master import _quiet_stdout

    start = time.perf_counter()
    m, N = vs.shape
    A, cost, lo, hi, rlo, rhi, matching = _build(vs, zetas, alpha, count_empty)
    with _quiet_stdout():  # HiGHS prints a banner from C++ when the first instance is made
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "on")
    h.setOptionValue("primal_feasibility_tolerance", 1e-9)
    h.setOptionValue("dual_feasibility_tolerance", 1e-9)
    if time_limit is not None:
        h.setOptionValue("time_limit", max(float(time_limit), 0.01))
    lp = highspy.HighsLp()
    lp.num_col_ = A.shape[1]
    lp.num_row_ = A.shape[0]
    lp.col_cost_ = cost
    lp.col_lower_ = lo
    lp.col_upper_ = hi
    lp.row_lower_ = rlo
    lp.row_upper_ = rhi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    message = h.modelStatusToString(status)
    info = h.getInfo()
    iterations = int(info.ipm_iteration_count) + int(max(info.simplex_iteration_count, 0))
    ok = status == highspy.HighsModelStatus.kOptimal
    sol = h.getSolution()
    seconds = time.perf_counter() - start
    if not sol.value_valid:
        return JointLPResult(None, None, None, False, message, iterations, seconds)
    x = np.asarray(sol.col_value, dtype=np.float64)
    blocks = x[: 4 * N * m].reshape(m, 4, N)
    a = blocks[:, 0] - blocks[:, 1]
    o = blocks[:, 2] - blocks[:, 3]
    o[:, 0] = 0.0
    y = None
    if sol.dual_valid:
        duals = np.asarray(sol.row_dual, dtype=np.float64)
        y = np.stack([duals[rows] for rows in matching])
    return JointLPResult(a, o, y, ok, message, iterations, seconds)
