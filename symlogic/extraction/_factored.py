"""The whole LP of :mod:`symlogic.extraction.certified` (docs/theory.md §3) in one sparse HiGHS call.

min Σ|a_S| + Σ_{S≠∅}|o_S|  s.t.  Za + Oo − q = v, |q| ≤ ζ, written *sparsely*
(:func:`solve_factored`): the zeta transform Z is factored into its n butterfly stages, each stage
a new free variable for the half of the entries that change (x_{k+1}(T) = x_k(T) + x_k(T∖{k}) for
k ∈ T), so Z costs n·2^(n−1) variables and equality rows instead of 3^n non-zeros; O reuses a
second factored zeta: (Oo)(T) = Z(o)(N) − Z(o)(N∖T). Exact and fast for n ≤ ~10; beyond that the
butterfly graph makes HiGHS's factorisations slow and :mod:`._generation` takes over.

The row duals of the final equality rows are y: scipy reports ``eqlin.marginals`` =
∂(optimal value)/∂b_eq, and the optimal value as a function of v is max_y y·v − ζ‖y‖₁, so the
marginals are y with the sign convention of docs/theory.md §3 (checked by the tests: the bound they give
matches the primal optimum).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

__all__ = ["LPResult", "solve_factored", "HIGHS_OPTIONS"]

# Tight tolerances: the certificate is re-checked afterwards, but a tight LP makes the gap ~1e-9.
HIGHS_OPTIONS = {"primal_feasibility_tolerance": 1e-9, "dual_feasibility_tolerance": 1e-9}


@dataclass
class LPResult:
    """Primal AND/OR coefficients (length 2^n each), the dual y over all masks, and bookkeeping."""

    and_: np.ndarray | None
    or_: np.ndarray | None
    y: np.ndarray | None
    objective: float
    iterations: int
    ok: bool
    message: str


def _options(time_limit: float | None) -> dict[str, object]:
    opts: dict[str, object] = dict(HIGHS_OPTIONS)
    if time_limit is not None:
        opts["time_limit"] = max(float(time_limit), 0.01)
    return opts


def _factored_zeta(cur_c: np.ndarray, cur_v: np.ndarray, n: int, col0: int, row0: int,
                   trip: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> tuple[int, int]:
    """Append the n butterfly stages of Z to the triplet list; update ``cur`` (N × 2 terms) in place.

    ``cur_c[T], cur_v[T]`` are the columns and coefficients of the linear expression that equals
    x_k(T) at the current stage (two terms for the initial x⁺ − x⁻ split, one afterwards).
    """
    N = cur_c.shape[0]
    masks = np.arange(N)
    for k in range(n):
        hi = masks[(masks >> k) & 1 == 1]
        lo = hi ^ (1 << k)
        m = hi.shape[0]
        rows = row0 + np.arange(m)
        new = col0 + np.arange(m)
        trip.append((rows, new, np.ones(m)))
        for src in (hi, lo):
            for j in range(cur_c.shape[1]):
                trip.append((rows, cur_c[src, j], -cur_v[src, j]))
        cur_c[hi, 0], cur_v[hi, 0] = new, 1.0
        cur_c[hi, 1:], cur_v[hi, 1:] = 0, 0.0
        col0 += m
        row0 += m
    return col0, row0


def solve_factored(v: np.ndarray, zeta: float, *, count_empty: bool = True,
                   time_limit: float | None = None, method: str = "highs-ipm") -> LPResult:
    """The full LP with factored Z and O (module docstring), one HiGHS call.

    Columns: a⁺, a⁻ (2^n each), o⁺, o⁻ (S ≠ ∅), q ∈ [−ζ, ζ], then the free stage variables.
    """
    N = v.shape[0]
    n = N.bit_length() - 1
    ap, am = np.arange(N), N + np.arange(N)
    op, om = 2 * N + np.arange(N), 3 * N + np.arange(N)  # o⁺_∅, o⁻_∅ are fixed to 0 by bounds
    qc = 4 * N + np.arange(N)
    col, row = 5 * N, 0
    trip: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    cur_a = np.stack([ap, am], 1)
    cur_o = np.stack([op, om], 1)
    sign = np.tile([1.0, -1.0], (N, 1))
    za_v = sign.copy()
    zo_v = sign.copy()
    zo_v[0] = 0.0  # o(∅) does not enter O
    col, row = _factored_zeta(cur_a, za_v, n, col, row, trip)
    col, row = _factored_zeta(cur_o, zo_v, n, col, row, trip)
    masks = np.arange(N)
    final = row + masks
    # row T:  Z(a)(T) + Z(o)(N) − Z(o)(N∖T) − q_T = v_T   (at T = ∅ the two Z(o) terms cancel)
    for j in range(2):
        trip.append((final, cur_a[masks, j], za_v[masks, j]))
        trip.append((final, np.full(N, cur_o[N - 1, j]), np.full(N, zo_v[N - 1, j])))
        trip.append((final, cur_o[(N - 1) ^ masks, j], -zo_v[(N - 1) ^ masks, j]))
    trip.append((final, qc, -np.ones(N)))
    m_rows = row + N
    r = np.concatenate([t[0] for t in trip])
    c = np.concatenate([t[1] for t in trip])
    d = np.concatenate([t[2] for t in trip])
    keep = d != 0
    A = sp.csr_matrix((d[keep], (r[keep], c[keep])), shape=(m_rows, col))
    A.sum_duplicates()
    A.eliminate_zeros()
    b = np.zeros(m_rows)
    b[row:] = v
    cost = np.zeros(col)
    cost[: 4 * N] = 1.0
    if not count_empty:
        cost[[0, N]] = 0.0
    lb = np.zeros(col)
    ub = np.full(col, np.inf)
    lb[qc], ub[qc] = -zeta, zeta
    lb[5 * N:] = -np.inf
    ub[[op[0], om[0]]] = 0.0
    res = linprog(cost, A_eq=A, b_eq=b, bounds=np.stack([lb, ub], 1), method=method,
                  options=_options(time_limit))
    if res.x is None or res.status not in (0, 1):
        return LPResult(None, None, None, float("nan"), int(getattr(res, "nit", 0) or 0), False, str(res.message))
    x = res.x
    a = x[ap] - x[am]
    o = x[op] - x[om]
    o[0] = 0.0
    y = np.asarray(res.eqlin.marginals[row:], dtype=np.float64)
    return LPResult(a, o, y, float(res.fun), int(res.nit or 0), res.status == 0, str(res.message))
