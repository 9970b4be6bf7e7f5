"""Independent references for the generalization tests: tables from formulas and a dense joint LP.

The dense LP is written from the definitions (1[S ⊆ T] and 1[S ∩ T ≠ ∅] entry by entry, |x| through
s ≥ ±x, the max through t ≥ s), not from the package's factored model, for n ≤ 4 and m ≤ 3.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog


def table(n: int, f: Callable[[np.ndarray], float]) -> np.ndarray:
    """v(T) = f(x_T), x_T[i] = 1 iff bit i of T is set (input all ones, baseline 0)."""
    bits = (np.arange(1 << n)[:, None] >> np.arange(n)) & 1
    return np.array([float(f(row)) for row in bits])


def atom_matrix(n: int) -> np.ndarray:
    """Rows T; columns: AND atoms 1[S ⊆ T] for every S, then OR atoms 1[S ∩ T ≠ ∅] for S ≠ ∅."""
    N = 1 << n
    D = np.zeros((N, 2 * N - 1))
    for T in range(N):
        for S in range(N):
            D[T, S] = float(S & T == S)
            if S:
                D[T, N + S - 1] = float(S & T != 0)
    return D


def dense_joint_optimum(vs: np.ndarray, zetas: np.ndarray, alpha: float, count_empty: bool = True) -> float:
    """min Σ_j [(1 − α)·t_j + α·Σ_i s_ij] s.t. D x^(i) − q^(i) = v^(i), |q^(i)| ≤ ζ_i, s ≥ ±x, t ≥ s."""
    m, N = vs.shape
    D = atom_matrix(N.bit_length() - 1)
    k = D.shape[1]
    # columns: x (m·k, free), q (m·N, box), s (m·k ≥ 0), t (k ≥ 0)
    nx, nq, ns = m * k, m * N, m * k
    ncol = nx + nq + ns + k
    c = np.zeros(ncol)
    c[nx + nq: nx + nq + ns] = alpha
    c[nx + nq + ns:] = 1 - alpha
    if not count_empty:  # the constant (AND ∅, column 0 of each member) is free
        for i in range(m):
            c[nx + nq + i * k] = 0.0
        c[nx + nq + ns] = 0.0
    eq_rows, eq_b = [], []
    for i in range(m):
        block = np.zeros((N, ncol))
        block[:, i * k:(i + 1) * k] = D
        block[:, nx + i * N: nx + (i + 1) * N] = -np.eye(N)
        eq_rows.append(block)
        eq_b.append(vs[i])
    ub_rows = []
    for i in range(m):
        for j in range(k):
            for sign in (1.0, -1.0):  # sign·x_ij − s_ij ≤ 0
                r = np.zeros(ncol)
                r[i * k + j] = sign
                r[nx + nq + i * k + j] = -1.0
                ub_rows.append(r)
            r = np.zeros(ncol)  # s_ij − t_j ≤ 0
            r[nx + nq + i * k + j] = 1.0
            r[nx + nq + ns + j] = -1.0
            ub_rows.append(r)
    bounds = [(None, None)] * nx + [(-z, z) for z in zetas for _ in range(N)] + [(0, None)] * (ns + k)
    res = linprog(c, A_ub=sp.csr_matrix(np.array(ub_rows)), b_ub=np.zeros(len(ub_rows)),
                  A_eq=sp.csr_matrix(np.vstack(eq_rows)), b_eq=np.concatenate(eq_b), bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return float(res.fun)
