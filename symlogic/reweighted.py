"""Reweighted L1 over a pool of atoms: supports that reach a target error with few atoms
(docs/theory.md §4.6).

Within a pool of atoms A (AND or OR over sets of variables) the L1 program at a fixed error t,

    min Σ_j w_j·|c_j|   s.t.   |bias + Σ_j c_j·g_j(T) − v(T)| ≤ t   for every mask T,

has a sparse optimum, and re-solving it with weights w_j = 1/(|c_j| + δ) from the previous
optimum (Candès, Wakin & Boyd 2008, "Enhancing sparsity by reweighted ℓ1 minimization") drives
small coefficients to zero while every round still meets the target: each round's support is a
formula within t. The rounds differ only in their costs, so one HiGHS model is kept and re-solved
warm; masks enter by row generation as in :class:`symlogic.minimax.MinimaxLP` (a round is
accepted only when no mask leaves the band).

The table is held at unit scale (a power of two, exact), like the minimax LP.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np

from .errors import InputError
from .minimax import Atom, atom_column, canonical_atom, unit_exponent

__all__ = ["reweighted_supports", "DELTA"]

#: δ of the weights 1/(|c| + δ), as a share of the round's largest |c|: small enough to push small
#: coefficients to zero, large enough that a coefficient near zero is not locked out (measured on
#: the benchmark tables, 0.02 … 0.2 give the same sizes within a term or two).
DELTA = 0.05
_ROWS_PER_ROUND = 48
_MAX_ROUNDS = 200


def _support(coef: np.ndarray) -> np.ndarray:
    """Indices of the coefficients that are not zero up to the LP's tolerance (relative 1e-7)."""
    big = float(np.abs(coef).max(initial=0.0))
    return np.flatnonzero(np.abs(coef) > 1e-7 * big) if big > 0 else np.zeros(0, dtype=np.int64)


def reweighted_supports(values: np.ndarray, target: float, pool: Sequence[Atom], *, rounds: int = 5,
                        delta: float = DELTA, start: Sequence[float] | None = None, rows: np.ndarray | None = None,
                        deadline: float | None = None) -> list[tuple[Atom, ...]]:
    """The support of each reweighted-L1 round (module docstring), in pool order.

    Args:
        values: the table, 2^n float64 values indexed by mask.
        target: the error t every round must meet on every mask (absolute).
        pool: the atoms the formula may use (canonical, no repeats).
        rounds: rounds of the L1 program.
        delta: δ of the weights, as a share of the round's largest |coefficient|.
        start: coefficients (one per pool atom) the first round's weights come from; without them
            the first round has unit weights. Unit weights make many optima tie (symmetric atoms
            cost the same), so the first vertex jumps when the table moves by 1e-9; weights from a
            unique starting point (the least-norm L1 split) keep every round a function of the table.
        rows: masks to start with (e.g. a minimax fit's active rows).
        deadline: ``time.perf_counter()`` value after which no new round starts.

    Returns:
        One tuple of atoms per finished round (empty when the pool cannot reach ``target``).
    """
    import highspy

    from .extraction._master import _quiet_stdout

    v = np.asarray(values, dtype=np.float64).ravel()
    atoms = [canonical_atom(k, m) for k, m in pool]
    if len(set(atoms)) != len(atoms):
        raise InputError("reweighted_supports: the pool repeats an atom")
    if not (math.isfinite(target) and target >= 0):
        raise InputError(f"reweighted_supports: the target must be a finite number >= 0, got {target!r}")
    if not atoms:
        return []
    e = unit_exponent(v)
    vs, t = np.ldexp(v, -e), math.ldexp(float(target), -e)
    N, k = v.shape[0], len(atoms)
    masks = np.arange(N, dtype=np.int64)
    G = np.column_stack([atom_column(a, masks) for a in atoms]) if k else np.zeros((N, 0))
    with _quiet_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("primal_feasibility_tolerance", 1e-10)
    h.setOptionValue("dual_feasibility_tolerance", 1e-10)
    h.setOptionValue("presolve", "off")  # re-solved warm after each change of costs
    inf = highspy.kHighsInf
    none_i, none_v = np.zeros(0, dtype=np.int32), np.zeros(0)
    h.addCol(0.0, -inf, inf, 0, none_i, none_v)  # bias
    for _ in range(2 * k):  # c⁺_j then c⁻_j, j = 0 … k−1
        h.addCol(1.0, 0.0, inf, 0, none_i, none_v)
    held = np.zeros(0, dtype=np.int64)

    def add(new: np.ndarray) -> np.ndarray:
        new = np.setdiff1d(np.asarray(new, dtype=np.int64), held)
        if new.size:
            fires = [np.flatnonzero(G[m]) for m in new]
            idx = [np.concatenate([[0], 1 + f, 1 + k + f]) for f in fires]
            val = [np.concatenate([[1.0], np.ones(f.size), -np.ones(f.size)]) for f in fires]
            starts = np.cumsum([0] + [i.size for i in idx[:-1]]).astype(np.int32)
            h.addRows(new.size, vs[new] - t, vs[new] + t, int(sum(i.size for i in idx)), starts,
                      np.concatenate(idx).astype(np.int32), np.concatenate(val))
        return np.concatenate([held, new])

    seed = [0, N - 1, int(np.argmax(vs)), int(np.argmin(vs))]
    held = add(np.unique(np.concatenate([seed, [] if rows is None else np.asarray(rows).ravel()]).astype(np.int64)))
    out: list[tuple[Atom, ...]] = []
    weights = np.ones(k) if start is None else _weights(np.asarray(start, dtype=np.float64), delta)
    for r in range(rounds):
        if r and deadline is not None and time.perf_counter() > deadline:
            break
        if r or start is not None:
            cols = np.arange(1, 2 * k + 1, dtype=np.int32)
            h.changeColsCost(cols.size, cols, np.concatenate([weights, weights]))
        for _ in range(_MAX_ROUNDS):
            h.run()
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return out  # the pool cannot reach the target (infeasible)
            x = np.asarray(h.getSolution().col_value, dtype=np.float64)
            coef = x[1:k + 1] - x[k + 1:]
            excess = np.abs(x[0] + G @ coef - vs) - t
            bad = np.flatnonzero(excess > 1e-10)
            if bad.size == 0:
                break
            held = add(bad[np.argsort(-excess[bad], kind="stable")[:_ROWS_PER_ROUND]])
        else:
            return out
        out.append(tuple(atoms[j] for j in _support(coef)))
        if not np.any(coef):
            break
        weights = _weights(coef, delta)
    return out


def _weights(coef: np.ndarray, delta: float) -> np.ndarray:
    """1/(|c| + δ·max|c|): the reweighting of Candès et al. (unit weights for an all-zero c)."""
    big = float(np.abs(coef).max(initial=0.0))
    return 1.0 / (np.abs(coef) + delta * big) if big > 0 else np.ones(coef.shape)
