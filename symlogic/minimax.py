"""The minimax fit of a formula on a fixed set of atoms, over all 2^n masks, by row generation
(docs/theory.md §4.4, §4.6).

Given atoms A (AND or OR over a set of variables; the bias always included), the coefficients that
minimise max_T |v(T) − f(T)| solve the LP

    min t   s.t.   −t ≤ Σ_j c_j·g_j(T) − v(T) ≤ t   for every mask T,

with 2·2^n rows and |A| + 2 columns. Most rows are slack at the optimum, so the LP is solved on a
small set of masks R and every mask is then checked with one pass over the table: masks whose error
exceeds the master's t are added and the master is re-solved (row generation, an exchange method).
It stops when no mask leaves the band, so the master's optimum is the optimum over all masks.

The LP's dual on R, spread over all masks (y = λ⁺ − λ⁻, zero off R), prices atoms that are not in
the formula: adding atom S with a small coefficient changes the optimum at rate |Σ_T y(T)·g_S(T)|,
i.e. |(Zᵀy)(S)| for AND and |(Oᵀy)(S)| for OR — two butterflies price all 2·2^n atoms at once
(:func:`prices`).

The fit runs on the table scaled by a power of two to max|v| in [1/2, 1) (exact in binary floating
point; HiGHS's tolerances are absolute) and its coefficients are scaled back. Its ``error`` is the
float64 max error; the exact error and the proof are :mod:`symlogic.exact_error` and
:func:`symlogic.verify`'s job.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import InputError
from .transforms import n_from_length, or_sum_transpose, superset_sum

__all__ = ["Atom", "MinimaxFit", "MinimaxLP", "fit_minimax", "canonical_coefficients", "atom_column", "evaluate_atoms", "prices", "canonical_atom"]

#: An atom: ("and" | "or", mask). AND and OR over one variable are the same function; singletons are "and".
Atom = tuple[str, int]

_ROWS_PER_ROUND = 24  # masks added per generation round (the most violated ones)
_MAX_ROUNDS = 200


def canonical_atom(kind: str, mask: int) -> Atom:
    """The one name of an atom: OR over a single variable is written as AND over it."""
    if kind not in ("and", "or") or mask <= 0:
        raise InputError(f"an atom is ('and' | 'or', mask > 0), got ({kind!r}, {mask!r})")
    return ("and", mask) if kind == "or" and mask & (mask - 1) == 0 else (kind, int(mask))


def atom_column(atom: Atom, masks: np.ndarray) -> np.ndarray:
    """g_S(T) ∈ {0, 1} on each mask T: AND fires when S ⊆ T, OR when S ∩ T ≠ ∅."""
    kind, s = atom
    if kind == "and":
        return ((masks & s) == s).astype(np.float64)
    return ((masks & s) != 0).astype(np.float64)


def evaluate_atoms(atoms: Sequence[Atom], bias: float, coef: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """f(T) = bias + Σ_j coef_j·g_j(T) on each mask (float64, in the order the atoms are given)."""
    out = np.full(masks.shape, float(bias))
    for atom, c in zip(atoms, coef):
        if c != 0.0:
            out += c * atom_column(atom, masks)
    return out


@dataclass(frozen=True)
class MinimaxFit:
    """The minimax coefficients of ``atoms`` on a table.

    Attributes:
        atoms: the atoms, in the order of ``coef``.
        bias: the constant term.
        coef: one coefficient per atom (float64).
        error: max_T |v(T) − f(T)| in float64 over all masks (the proof is :func:`symlogic.verify`'s).
        dual: y = λ⁺ − λ⁻ on all masks (zero off the generated rows), at the table's own scale
            divided by nothing: only its direction matters for :func:`prices`.
        rows: the masks whose constraint holds the optimum (non-zero dual): a warm start for a
            neighbouring fit.
    """

    atoms: tuple[Atom, ...]
    bias: float
    coef: np.ndarray
    error: float
    dual: np.ndarray
    rows: np.ndarray


def unit_exponent(values: np.ndarray) -> int:
    """e with max|values|·2^-e in [1/2, 1): the power of two that brings an LP to unit scale."""
    big = float(np.abs(values).max(initial=0.0))
    return math.frexp(big)[1] if big > 0 else 0


class MinimaxLP:
    """The minimax LP kept alive in one HiGHS object, re-solved warm as it changes.

    Columns: 0 is t (cost 1, t ≥ 0), 1 the bias, 2 + j atom j (all free). Each mask T in the
    master gives two rows, f(T) − t ≤ v(T) and f(T) + t ≥ v(T). Atoms are appended
    (:meth:`push`), dropped from the end (:meth:`pop`) or switched off by fixing them at 0
    (:meth:`switch`); the basis survives each change, so a trial atom costs a few simplex steps.
    The table is held at unit scale (module docstring); :meth:`fit` answers at the table's scale.
    """

    def __init__(self, values: np.ndarray, atoms: Sequence[Atom] = (), *, rows: np.ndarray | None = None,
                 tol: float = 1e-10) -> None:
        import highspy

        from .extraction._master import _quiet_stdout

        v = np.asarray(values, dtype=np.float64).ravel()
        self.n = n_from_length(v.shape[0])
        self.e = unit_exponent(v)
        self.values = v
        self.v = np.ldexp(v, -self.e)
        self.tol = tol
        self.all_masks = np.arange(v.shape[0], dtype=np.int64)
        with _quiet_stdout():
            h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("primal_feasibility_tolerance", 1e-10)
        h.setOptionValue("dual_feasibility_tolerance", 1e-10)
        h.setOptionValue("presolve", "off")  # warm starts: a presolved model would lose the basis
        # A pushed column leaves the basis primal feasible: primal simplex re-solves in a few steps
        # (measured: forward selection 2.3× faster than with the default dual simplex).
        h.setOptionValue("simplex_strategy", 4)
        self.h = h
        self._highspy = highspy
        self._saved: list = []
        self._optimal = highspy.HighsModelStatus.kOptimal
        self._inf = highspy.kHighsInf
        none_i, none_v = np.zeros(0, dtype=np.int32), np.zeros(0)
        h.addCol(1.0, 0.0, self._inf, 0, none_i, none_v)  # t
        h.addCol(0.0, -self._inf, self._inf, 0, none_i, none_v)  # bias
        self.atoms: list[Atom] = []
        self.off: set[int] = set()
        self.masks = np.zeros(0, dtype=np.int64)
        for a in atoms:
            self.push(a)
        self.add_masks(_initial_rows(self.v, rows))

    # -- changing the LP --------------------------------------------------------------------
    def add_masks(self, masks: np.ndarray) -> None:
        """Add the two rows of each mask not yet in the master."""
        masks = np.setdiff1d(np.asarray(masks, dtype=np.int64), self.masks)
        if masks.size == 0:
            return
        fires = np.zeros((masks.size, 2 + len(self.atoms)))
        fires[:, 1] = 1.0
        for j, a in enumerate(self.atoms):
            fires[:, 2 + j] = atom_column(a, masks)
        lo, hi, starts, idx, val = [], [], [], [], []
        pos = 0
        for i, m in enumerate(masks):
            cols = np.flatnonzero(fires[i])
            for sign, bounds in ((-1.0, (-self._inf, self.v[m])), (1.0, (self.v[m], self._inf))):
                starts.append(pos)
                idx.append(np.concatenate([[0], cols]))
                val.append(np.concatenate([[sign], np.ones(cols.size)]))
                lo.append(bounds[0])
                hi.append(bounds[1])
                pos += cols.size + 1
        index = np.concatenate(idx).astype(np.int32)
        self.h.addRows(2 * masks.size, np.array(lo), np.array(hi), index.size, np.array(starts, dtype=np.int32),
                       index, np.concatenate(val))
        self.masks = np.concatenate([self.masks, masks])

    def push(self, atom: Atom) -> None:
        """Append an atom (a free column); :meth:`pop` takes it off again and restores the basis."""
        atom = canonical_atom(*atom)
        basis = self.h.getBasis()
        self._saved = [(basis, self.h.getNumRow(), len(self.atoms))] if basis.valid else []
        if atom in self.atoms:
            raise InputError(f"fit_minimax: the atom {atom} is repeated (AND and OR over one variable are one atom)")
        if atom[1] >> self.n:
            raise InputError(f"fit_minimax: an atom uses a variable beyond the table's n = {self.n}")
        fires = np.flatnonzero(atom_column(atom, self.masks))
        rows = np.sort(np.concatenate([2 * fires, 2 * fires + 1])).astype(np.int32)
        self.h.addCol(0.0, -self._inf, self._inf, rows.size, rows, np.ones(rows.size))
        self.atoms.append(atom)

    def pop(self) -> None:
        """Remove the last atom; the basis is put back to the last one without it (warm restart)."""
        j = len(self.atoms) - 1
        saved = self._saved.pop() if self._saved else None
        self.h.deleteCols(1, np.array([2 + j], dtype=np.int32))
        self.atoms.pop()
        self.off.discard(j)
        if saved is not None and saved[2] == len(self.atoms):
            basis, rows, _ = saved
            extra = self.h.getNumRow() - rows  # rows added since: their slacks are basic
            fresh = self._highspy.HighsBasis()
            fresh.col_status = list(basis.col_status)
            fresh.row_status = list(basis.row_status) + [self._highspy.HighsBasisStatus.kBasic] * extra
            fresh.valid = True
            self.h.setBasis(fresh)

    def switch(self, j: int, on: bool) -> None:
        """Switch atom j off (its coefficient fixed at 0) or back on."""
        if on:
            self.h.changeColBounds(2 + j, -self._inf, self._inf)
            self.off.discard(j)
        else:
            self.h.changeColBounds(2 + j, 0.0, 0.0)
            self.off.add(j)

    # -- solving ------------------------------------------------------------------------------
    def _solve(self) -> np.ndarray:
        self.h.run()
        if self.h.getModelStatus() != self._optimal:
            raise InputError("fit_minimax: the LP solver reported no optimum (HiGHS); this is a bug, please report it")
        return np.asarray(self.h.getSolution().col_value, dtype=np.float64)

    def bound(self) -> float:
        """The master's optimum on the masks it holds: a lower bound on the minimax error over all
        masks (no row generation; one warm re-solve), at the table's scale."""
        return math.ldexp(float(self._solve()[0]), self.e)

    def fit(self) -> MinimaxFit:
        """The minimax fit of the atoms that are on, over all masks (row generation)."""
        for _ in range(_MAX_ROUNDS):
            x = self._solve()
            resid = np.abs(evaluate_atoms(self.atoms, x[1], x[2:], self.all_masks) - self.v)
            excess = resid - x[0]
            bad = np.flatnonzero(excess > self.tol)
            if bad.size == 0:
                break
            self.add_masks(bad[np.argsort(-excess[bad], kind="stable")[:_ROWS_PER_ROUND]])
        dual = np.asarray(self.h.getSolution().row_dual, dtype=np.float64)
        y = np.zeros(self.v.shape[0])
        y[self.masks] = dual[0::2] + dual[1::2]
        on = [j for j in range(len(self.atoms)) if j not in self.off]
        with np.errstate(over="ignore", under="ignore"):
            coef = np.ldexp(x[1:], self.e)
        active = self.masks[(dual[0::2] != 0) | (dual[1::2] != 0)]
        # The error of the last check, scaled back: scaling by a power of two is exact, so this is
        # the table-scale error (atoms switched off have coefficient 0 and add nothing there).
        return MinimaxFit(atoms=tuple(self.atoms[j] for j in on), bias=float(coef[0]), coef=coef[1:][on],
                          error=math.ldexp(float(resid.max()), self.e), dual=y, rows=active)


def _initial_rows(v: np.ndarray, extra: np.ndarray | None) -> np.ndarray:
    full = v.shape[0] - 1
    seed = [0, full, int(np.argmax(v)), int(np.argmin(v))]
    if extra is not None:
        seed += [int(m) for m in np.asarray(extra).ravel()]
    return np.unique(np.asarray(seed, dtype=np.int64))


def fit_minimax(values: np.ndarray, atoms: Sequence[Atom], *, rows: np.ndarray | None = None,
                tol: float = 1e-10) -> MinimaxFit:
    """Minimax coefficients of ``atoms`` (plus a bias) on the table ``values`` (module docstring).

    Args:
        values: the recorded table, 2^n float64 values indexed by mask.
        atoms: ("and" | "or", mask) pairs; repeated atoms are refused.
        rows: masks to start the master with (e.g. a neighbouring fit's ``rows``).
        tol: a mask is added when its error exceeds the master's t by more than ``tol``·max|v|.

    Raises:
        InputError: bad atoms, or the LP solver reports no optimum.
    """
    return MinimaxLP(values, atoms, rows=rows, tol=tol).fit()


def prices(dual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|(Zᵀy)(S)| and |(Oᵀy)(S)| for every mask S: how fast each atom would lower the minimax error.

    Entry 0 of both (the bias) and the OR singletons (the same functions as AND singletons) are 0.
    """
    y = np.asarray(dual, dtype=np.float64)
    p_and = np.abs(superset_sum(y, check_finite=False))
    p_or = np.abs(or_sum_transpose(y, check_finite=False))
    p_and[0] = 0.0
    p_or[0] = 0.0
    idx = np.arange(y.shape[0])
    p_or[(idx & (idx - 1)) == 0] = 0.0
    return p_and, p_or


def canonical_coefficients(values: np.ndarray, atoms: Sequence[Atom], epsilon: float, *,
                           rows: np.ndarray | None = None, tol: float = 1e-12) -> tuple[float, np.ndarray]:
    """One coefficient vector per (table, atoms, ε): the bias and coefficients closest to the
    table in mean square, ‖F c − v‖² over all masks (plus a ridge of 1e-9 relative so that
    linearly dependent atoms still have one answer), among those with |F c − v| ≤ ε on every mask.

    The minimax optimum is often a whole face of coefficient vectors and the LP returns one of its
    vertices, which jumps when the table moves by 1e-9; this strictly convex program has a single
    answer that moves continuously with the table (docs/theory.md §4.6). Row generation as in
    :class:`MinimaxLP`; ``epsilon`` must be at least the minimax error of ``atoms``.

    Returns:
        (bias, coefficients) at the table's scale.
    """
    import highspy

    from .extraction._master import _quiet_stdout

    v = np.asarray(values, dtype=np.float64).ravel()
    e = unit_exponent(v)
    vs, eps = np.ldexp(v, -e), math.ldexp(float(epsilon), -e)
    masks = np.arange(v.shape[0], dtype=np.int64)
    atoms = tuple(canonical_atom(k, m) for k, m in atoms)
    full = np.column_stack([np.ones(v.shape[0])] + [atom_column(a, masks) for a in atoms])
    k = full.shape[1]
    gram = full.T @ full
    ridge = 1e-9 * float(np.trace(gram)) / k
    hess = 2.0 * (gram + ridge * np.eye(k))
    lin = -2.0 * (full.T @ vs)
    with _quiet_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("primal_feasibility_tolerance", 1e-10)
    h.setOptionValue("dual_feasibility_tolerance", 1e-10)
    inf = highspy.kHighsInf
    for j in range(k):
        h.addCol(float(lin[j]), -inf, inf, 0, np.zeros(0, dtype=np.int32), np.zeros(0))
    lower = np.tril(hess)  # HiGHS takes the lower triangle, column-wise
    start = np.zeros(k + 1, dtype=np.int32)
    index, value = [], []
    for j in range(k):
        col = np.arange(j, k)
        index += col.tolist()
        value += lower[j:, j].tolist()
        start[j + 1] = len(index)
    h.passHessian(k, len(index), highspy.HessianFormat.kTriangular.value, start[:-1], np.array(index, dtype=np.int32),
                  np.array(value))
    held = np.zeros(0, dtype=np.int64)

    def add(new: np.ndarray) -> np.ndarray:
        new = np.setdiff1d(new, held)
        if new.size:
            block = full[new]
            nz = [np.flatnonzero(r) for r in block]
            starts = np.cumsum([0] + [x.size for x in nz[:-1]]).astype(np.int32)
            h.addRows(new.size, vs[new] - eps, vs[new] + eps, int(sum(x.size for x in nz)), starts,
                      np.concatenate(nz).astype(np.int32), np.ones(int(sum(x.size for x in nz))))
        return np.concatenate([held, new])

    held = add(_initial_rows(vs, rows))
    x = np.zeros(k)
    for _ in range(_MAX_ROUNDS):
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise InputError("canonical_coefficients: the QP solver reported no optimum; is epsilon below the minimax "
                             "error of these atoms?")
        x = np.asarray(h.getSolution().col_value, dtype=np.float64)
        excess = np.abs(full @ x - vs) - eps
        bad = np.flatnonzero(excess > tol)
        if bad.size == 0:
            break
        held = add(bad[np.argsort(-excess[bad], kind="stable")[:_ROWS_PER_ROUND]])
    with np.errstate(over="ignore", under="ignore"):
        coef = np.ldexp(x, e)
    return float(coef[0]), coef[1:]
