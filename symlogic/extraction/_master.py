"""Incremental restricted master LP for row-and-column generation, on HiGHS through ``highspy``.

The master is the exact LP of :mod:`symlogic.extraction.certified` restricted to a set R of masks
(rows) and a set of signed atoms (columns), kept alive in one ``highspy.Highs`` object so that
each round *adds* rows and columns and re-solves from the previous basis (dual simplex after new
rows, primal after new columns) instead of starting over.

Formulation (no q variables: the box is a ranged row)::

    min  Σ_j c_j x_j,   x_j ≥ 0   (column j = atom S_j with sign s_j ∈ {+1, −1}; c_j = 1,
                                   0 for the AND atom ∅ when the empty set is not counted)
    σ − Σ_{OR j} s_j x_j = 0                                        (link row, σ free)
    v_T − ζ ≤ Σ_{AND j: S_j ⊆ T} s_j x_j + σ − Σ_{OR j: S_j ∩ T = ∅} s_j x_j ≤ v_T + ζ   (T ∈ R)

σ is Σ o_S, so the T row is (Za + Oo)(T) through OR_S(T) = 1 − 1[S ⊆ N∖T]: an OR atom then
touches the rows that *miss* it (a fraction 2^−|S| of the masks) instead of the rows that hit it
(94% of the entries of the dense matrix at n = 10); AND atoms are sparse the same way. This keeps
the master's matrix sparse, which is what makes the simplex iterations cheap.

The row duals of the T rows are the dual y of docs/theory.md §3 restricted to R (the link row's dual is
Σy); ``Master.solve`` returns them with that sign convention (checked: y·v − ζ‖y‖₁ equals the
master's objective at an optimum).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import numpy as np

import highspy

__all__ = ["Master", "split_values"]


def _coefficients(rows: np.ndarray, atoms: np.ndarray, signs: np.ndarray, N: int) -> np.ndarray:
    """Dense block of the T rows (no σ) for masks ``rows`` × signed atoms: s·1[S ⊆ T] for AND,
    −s·1[S ∩ T = ∅] for OR."""
    T = np.asarray(rows, dtype=np.int64)[:, None]
    A = np.asarray(atoms, dtype=np.int64)[None, :]
    is_and = A < N
    S = np.where(is_and, A, A - N)
    hit = np.where(is_and, (S & ~T) == 0, (S & T) == 0)
    coef = np.where(is_and, 1.0, -1.0) * np.asarray(signs, dtype=np.float64)[None, :]
    return np.where(hit, coef, 0.0)



@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence output written to file descriptor 1 by C++ code (Python's own stdout is flushed first)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # no real stdout (e.g. captured): nothing to silence
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)

class Master:
    """The restricted LP, grown by :meth:`add_rows` / :meth:`add_cols` and re-solved warm.

    HiGHS indices: column 0 is σ, row 0 the link row; row 1 + i is ``self.rows[i]`` and column
    1 + j is the signed atom (``self.atoms[j]``, ``self.signs[j]``).
    """

    def __init__(self, v: np.ndarray, zeta: float, count_empty: bool, *, threads: int | None = None) -> None:
        self.v = v
        self.N = v.shape[0]
        self.zeta = float(zeta)
        self.count_empty = count_empty
        with _quiet_stdout():  # HiGHS prints a banner from C++ when the first instance is made
            h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("primal_feasibility_tolerance", 1e-9)
        h.setOptionValue("dual_feasibility_tolerance", 1e-9)
        if threads is not None:
            h.setOptionValue("threads", int(threads))
        self.h = h
        self.rows = np.zeros(0, dtype=np.int64)
        self.atoms = np.zeros(0, dtype=np.int64)
        self.signs = np.zeros(0, dtype=np.int64)
        inf = highspy.kHighsInf
        # σ (free, cost 0) and the link row σ − Σ s_j x_j = 0
        h.addCol(0.0, -inf, inf, 0, np.zeros(0, np.int32), np.zeros(0))
        h.addRow(0.0, 0.0, 1, np.array([0], np.int32), np.array([1.0]))
        self.iterations = 0

    # -- growing -----------------------------------------------------------------------------

    def has_rows(self, masks: np.ndarray) -> np.ndarray:
        return np.isin(masks, self.rows)

    def add_rows(self, masks: np.ndarray) -> None:
        masks = np.asarray(masks, dtype=np.int64)
        masks = masks[~np.isin(masks, self.rows)]
        if masks.size == 0:
            return
        k = masks.size
        block = _coefficients(masks, self.atoms, self.signs, self.N)
        r, c = np.nonzero(block)
        vals = block[r, c]
        # σ in every row, then the atoms (HiGHS column 1 + j)
        counts = np.bincount(r, minlength=k) + 1
        starts = np.zeros(k, dtype=np.int64)
        starts[1:] = np.cumsum(counts)[:-1]
        idx = np.empty(int(counts.sum()), dtype=np.int32)
        val = np.empty(idx.shape[0])
        idx[starts] = 0
        val[starts] = 1.0
        # positions of the atom entries: after each row's σ, in row order (np.nonzero is row-major)
        offs = np.arange(r.shape[0]) - np.searchsorted(r, r) + 1
        pos = starts[r] + offs
        idx[pos] = (c + 1).astype(np.int32)
        val[pos] = vals
        vr = self.v[masks]
        self.h.addRows(k, vr - self.zeta, vr + self.zeta, idx.shape[0], starts.astype(np.int32), idx, val)
        self.rows = np.concatenate([self.rows, masks])

    def add_cols(self, atoms: np.ndarray, signs: np.ndarray) -> None:
        atoms = np.asarray(atoms, dtype=np.int64)
        signs = np.asarray(signs, dtype=np.int64)
        key_new = atoms * 2 + (signs > 0)
        keep = ~np.isin(key_new, self.atoms * 2 + (self.signs > 0))
        key_new, uniq = np.unique(key_new[keep], return_index=True)
        atoms, signs = atoms[keep][uniq], signs[keep][uniq]
        k = atoms.size
        if k == 0:
            return
        block = _coefficients(self.rows, atoms, signs, self.N).T  # k × |R|
        c, r = np.nonzero(block)
        vals = block[c, r]
        is_or = atoms >= self.N
        counts = np.bincount(c, minlength=k) + is_or  # OR atoms also enter the link row (row 0)
        starts = np.zeros(k, dtype=np.int64)
        starts[1:] = np.cumsum(counts)[:-1]
        idx = np.empty(int(counts.sum()), dtype=np.int32)
        val = np.empty(idx.shape[0])
        first = starts[is_or]
        idx[first] = 0
        val[first] = -signs[is_or].astype(np.float64)
        offs = np.arange(c.shape[0]) - np.searchsorted(c, c) + is_or[c]
        pos = starts[c] + offs
        idx[pos] = (r + 1).astype(np.int32)
        val[pos] = vals
        cost = np.ones(k)
        if not self.count_empty:
            cost[atoms == 0] = 0.0
        self.h.addCols(k, cost, np.zeros(k), np.full(k, highspy.kHighsInf), idx.shape[0],
                       starts.astype(np.int32), idx, val)
        self.atoms = np.concatenate([self.atoms, atoms])
        self.signs = np.concatenate([self.signs, signs])

    def drop(self, row_pos: np.ndarray, col_pos: np.ndarray) -> None:
        """Delete rows ``self.rows[row_pos]`` and columns ``col_pos`` (call only for basic rows and
        non-basic columns, so that the basis stays valid and the next solve stays warm)."""
        row_pos = np.asarray(row_pos, dtype=np.int64)
        col_pos = np.asarray(col_pos, dtype=np.int64)
        if row_pos.size:
            self.h.deleteRows(row_pos.size, (row_pos + 1).astype(np.int32))
            self.rows = np.delete(self.rows, row_pos)
        if col_pos.size:
            self.h.deleteCols(col_pos.size, (col_pos + 1).astype(np.int32))
            self.atoms = np.delete(self.atoms, col_pos)
            self.signs = np.delete(self.signs, col_pos)

    def set_zeta(self, zeta: float) -> None:
        """Move the box of every row to ±zeta (the basis stays dual feasible: a warm dual simplex)."""
        self.zeta = float(zeta)
        k = self.rows.size
        if k:
            vr = self.v[self.rows]
            self.h.changeRowsBounds(k, np.arange(1, k + 1, dtype=np.int32), vr - self.zeta, vr + self.zeta)

    def tighten(self, row_pos: np.ndarray, delta: np.ndarray) -> None:
        """Move the bounds of rows ``self.rows[row_pos]`` inwards by ``delta`` (≥ 0)."""
        row_pos = np.asarray(row_pos, dtype=np.int64)
        if row_pos.size:
            vr = self.v[self.rows[row_pos]]
            d = np.minimum(np.asarray(delta, dtype=np.float64), 0.5 * self.zeta)
            self.h.changeRowsBounds(row_pos.size, (row_pos + 1).astype(np.int32), vr - self.zeta + d, vr + self.zeta - d)

    def set_basis(self, col_basic: np.ndarray, row_side: np.ndarray) -> None:
        """Start the next solve from a guessed basis: the atoms marked in ``col_basic`` basic, the
        rows with ``row_side`` −1 / +1 at their lower / upper bound, the others basic. Passed as an
        *alien* basis: HiGHS completes or repairs it when the count or the rank is off."""
        st = highspy.HighsBasisStatus
        basis = highspy.HighsBasis()
        basis.alien = True
        basis.col_status = [st.kBasic] + [st.kBasic if bb else st.kLower for bb in col_basic]
        basis.row_status = [st.kLower] + [st.kLower if r < 0 else st.kUpper if r > 0 else st.kBasic
                                          for r in row_side]
        self.h.setBasis(basis)

    # -- solving -----------------------------------------------------------------------------

    def solve(self, time_limit: float | None = None) -> tuple[np.ndarray, np.ndarray, bool, str]:
        """Re-solve (warm). Returns (x per signed column, y per row of ``self.rows``, optimal?, status)."""
        h = self.h
        # HiGHS's time limit is on its own clock, which runs on across calls of run()
        h.setOptionValue("time_limit", float("inf") if time_limit is None
                         else h.getRunTime() + max(float(time_limit), 0.01))
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        self.iterations += int(info.simplex_iteration_count)
        ok = status == highspy.HighsModelStatus.kOptimal
        sol = h.getSolution()
        if not sol.value_valid:
            return np.zeros(self.atoms.size), np.zeros(self.rows.size), False, h.modelStatusToString(status)
        x = np.asarray(sol.col_value, dtype=np.float64)[1:]
        y = np.asarray(sol.row_dual, dtype=np.float64)[1:] if sol.dual_valid else np.zeros(self.rows.size)
        return x, y, ok, h.modelStatusToString(status)

    def basis(self) -> tuple[np.ndarray, np.ndarray]:
        """(row is basic, column is basic) for the T rows and the signed-atom columns."""
        b = self.h.getBasis()
        basic = highspy.HighsBasisStatus.kBasic
        rb = np.array([s == basic for s in b.row_status[1:]], dtype=bool)
        cb = np.array([s == basic for s in b.col_status[1:]], dtype=bool)
        return rb, cb

    def values(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(a, o) as full length-N tables from the signed column values."""
        return split_values(self.atoms, self.signs, x, self.N)


def split_values(atoms: np.ndarray, signs: np.ndarray, x: np.ndarray, N: int) -> tuple[np.ndarray, np.ndarray]:
    """(a, o) as full length-N tables from values ``x`` of signed atom columns (``atoms`` < N: AND
    over it, ≥ N: OR over atoms − N)."""
    a = np.zeros(N)
    o = np.zeros(N)
    sx = x * signs
    is_and = atoms < N
    np.add.at(a, atoms[is_and], sx[is_and])
    np.add.at(o, atoms[~is_and] - N, sx[~is_and])
    return a, o
