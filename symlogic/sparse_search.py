"""Searches for a formula with few terms and max error ≤ a target (docs/theory.md §4.6).

Finding the fewest atoms whose minimax fit reaches a target is a cardinality problem (NP-hard in
general); these are the candidate searches :func:`symlogic.sparsest` combines, each a pure function
of the table returning minimax fits (:mod:`symlogic.minimax`):

- :func:`forward`: greedy forward selection. Start from the bias alone; score every atom by the
  fit's dual price and by its correlation with the residual (two butterflies each), try the
  ``lookahead`` best of each in the master LP and keep the one that lowers its optimum most;
  repeat until the target is reached. Every step is a point of the
  error-vs-size path.
- :func:`l1_support`: the certified L1 split with the noise box opened to the target
  (ζ = target): its support already reaches the target, and the larger ζ, the sparser it is.
- :func:`prune`: backward elimination: drop atoms while the refit on the rest still reaches the
  target, trying first the atom whose removal costs least.

Ties are broken by a fixed order on atoms (:func:`atom_key`: lower order first, AND before OR,
smaller mask), and errors within ``TIE`` (relative) of each other count as equal, so that tables
equal to within float noise take the same choices.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from .minimax import Atom, MinimaxFit, MinimaxLP, canonical_atom, evaluate_atoms, fit_minimax, prices
from .transforms import or_sum_transpose, superset_sum

__all__ = ["atom_key", "forward", "l1_support", "prune", "TIE"]

#: Relative difference of two max errors below which they count as a tie (broken by atom_key).
TIE = 1e-7


def atom_key(atom: Atom) -> tuple[int, int, int]:
    """The fixed order that breaks ties: order (number of variables), AND before OR, mask."""
    kind, mask = atom
    return (int(mask).bit_count(), 0 if kind == "and" else 1, int(mask))


def _top_atoms(p_and: np.ndarray, p_or: np.ndarray, have: set[Atom], k: int) -> list[Atom]:
    """The ``k`` atoms with the largest score not in ``have`` (ties: atom_key); scores ≤ 0 never."""
    half = p_and.shape[0]
    scores = np.round(np.concatenate([p_and, p_or]), 12)  # equal up to rounding noise counts as equal
    order = np.lexsort((np.arange(scores.size), -scores))[: k + len(have) + 1]
    found = []
    for idx in order:
        if scores[idx] <= 0:
            break
        atom = ("and", int(idx)) if idx < half else ("or", int(idx - half))
        if atom not in have:
            found.append((-scores[idx], atom_key(atom), atom))
    return [a for *_, a in sorted(found)[:k]]


def correlations(residual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|corr(g_S, r)| for every AND and OR atom S: how well the atom alone lines up with the residual.

    Σ_T g_S(T)·r(T) is (Zᵀr)(S) for AND and (Oᵀr)(S) for OR (two butterflies); centring and
    dividing by the atom's spread sqrt(c·(1 − c/N)), c = how many masks it fires on, makes atoms
    of every order comparable.
    """
    r = np.asarray(residual, dtype=np.float64)
    N = r.shape[0]
    r = r - r.mean()
    idx = np.arange(N)
    order = np.bitwise_count(idx.astype(np.uint64)).astype(np.int64)
    n = int(N).bit_length() - 1
    c_and = np.ldexp(1.0, n - order)
    c_or = N - c_and
    with np.errstate(divide="ignore", invalid="ignore"):
        s_and = np.abs(superset_sum(r, check_finite=False)) / np.sqrt(c_and * (1 - c_and / N))
        s_or = np.abs(or_sum_transpose(r, check_finite=False)) / np.sqrt(c_or * (1 - c_or / N))
    s_and[0] = s_or[0] = 0.0
    s_or[(idx & (idx - 1)) == 0] = 0.0
    return np.nan_to_num(s_and), np.nan_to_num(s_or)


def _candidates(fit: MinimaxFit, k: int, residual: np.ndarray) -> list[Atom]:
    """Atoms to try next: the ``k`` best by dual price and the ``k`` best by correlation with the
    residual. Early on the dual sits on two or three masks and prices many atoms equally (every
    atom that tells the extreme masks apart); the correlation sees the whole table."""
    have = set(fit.atoms)
    by_price = _top_atoms(*prices(fit.dual), have, k)
    by_corr = _top_atoms(*correlations(residual), have, k)
    return list(dict.fromkeys(by_price + by_corr))


def forward(values: np.ndarray, target: float, *, lookahead: int = 6, max_terms: int = 200,
            deadline: float | None = None, on_step: Callable[[MinimaxFit], None] | None = None,
            beyond: float = 1.0, extra: float = 0.25) -> list[MinimaxFit]:
    """Greedy forward selection (module docstring): the path of fits, from the bias alone to the
    first fit with error ≤ ``target`` (or ``max_terms`` atoms, or the deadline).

    With ``beyond`` < 1 the path goes on past the target, to ``beyond``·target, but for at most
    ``extra`` times the number of steps the target took (backward elimination then starts from a
    richer set; the cap keeps dense tables from paying for a long tail).
    """
    v = np.asarray(values, dtype=np.float64)
    scale = float(np.abs(v).max(initial=0.0)) or 1.0
    lp = MinimaxLP(v)
    masks = np.arange(v.shape[0], dtype=np.int64)
    fit = lp.fit()
    path = [fit]
    reached_at: int | None = None
    while len(fit.atoms) < max_terms:
        if fit.error <= target and reached_at is None:
            reached_at = len(path) - 1
        if fit.error <= beyond * target or (reached_at is not None and len(path) - 1 - reached_at >= extra * reached_at):
            break
        if deadline is not None and time.perf_counter() > deadline:
            break
        # Each candidate is scored by the master's optimum with it (a lower bound on its fit's
        # error, one warm re-solve); the winner is then fitted over all masks.
        best_bound, best_atom = math.inf, None
        band = TIE * scale
        residual = v - evaluate_atoms(fit.atoms, fit.bias, fit.coef, masks)
        for atom in _candidates(fit, lookahead, residual):
            lp.push(atom)
            b = lp.bound()
            lp.pop()
            if best_atom is None or b < best_bound - band or (b <= best_bound + band and atom_key(atom) < atom_key(best_atom)):
                best_bound, best_atom = b, atom
        if best_atom is None:
            break
        lp.push(best_atom)
        fit = lp.fit()
        path.append(fit)
        if on_step is not None:
            on_step(fit)
    return path


def l1_support(values: np.ndarray, target: float, *, time_limit: float | None = None) -> tuple[MinimaxFit, dict[Atom, float]]:
    """The minimax fit on the support of the certified L1 split with ζ = ``target``, and the split's
    |coefficient| per atom (AND and OR over one variable summed). The split is the least-norm one of
    the optimal face (docs/theory.md §3.7), so its support is a function of the table."""
    from .extraction.certified import solve_exact

    v = np.asarray(values, dtype=np.float64)
    sol = solve_exact(v, target, time_limit=time_limit, progress=False, canonical=True)
    size: dict[Atom, float] = {}
    for kind, coef in (("and", sol.and_), ("or", sol.or_)):
        for m in np.flatnonzero(coef):
            if m:
                atom = canonical_atom(kind, int(m))
                size[atom] = size.get(atom, 0.0) + abs(float(coef[m]))
    return fit_minimax(v, sorted(size, key=atom_key)), size


def prune(values: np.ndarray, fit: MinimaxFit, target: float, *, deadline: float | None = None) -> MinimaxFit:
    """Backward elimination (module docstring): a fit on a subset of ``fit``'s atoms, still ≤ ``target``.

    A pass scores each atom by the master's optimum without it (a lower bound on the refit's
    error), then drops atoms in order of that score while the refit over all masks stays ≤
    ``target``. Removing atoms never lowers the minimax error, so an atom whose bound is already
    above the target is never tried again.
    """
    v = np.asarray(values, dtype=np.float64)
    scale = float(np.abs(v).max(initial=0.0)) or 1.0
    lp = MinimaxLP(v, fit.atoms, rows=fit.rows)
    current = lp.fit()
    alive = set(range(len(lp.atoms)))  # atoms that may still be dropped
    while alive:
        scores: dict[int, float] = {}  # a lower bound on the error without atom j (the master's optimum)
        for j in sorted(alive):
            if deadline is not None and time.perf_counter() > deadline:
                return current
            lp.switch(j, on=False)
            scores[j] = lp.bound()
            lp.switch(j, on=True)
        alive = {j for j, e in scores.items() if e <= target}
        # lowest score first; scores within the tie band by the fixed order, highest-order atom first
        order = sorted(alive, key=lambda j: (round(scores[j] / (TIE * scale)), tuple(-x for x in atom_key(lp.atoms[j]))))
        dropped = False
        for j in order:
            lp.switch(j, on=False)
            trial = lp.fit()
            if trial.error <= target:
                current, dropped = trial, True
                alive.discard(j)
            else:
                lp.switch(j, on=True)
        if not dropped:
            break
    return current
