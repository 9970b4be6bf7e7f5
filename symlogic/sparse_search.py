"""Searches for a formula with few terms and max error ≤ a target (docs/theory.md §4.6).

Finding the fewest atoms whose minimax fit reaches a target is a cardinality problem (NP-hard in
general); these are the candidate searches :func:`symlogic.sparsest` combines, each a pure function
of the table returning minimax fits (:mod:`symlogic.minimax`):

- :func:`forward`: greedy forward selection. Start from the bias alone; price every atom with the
  fit's dual (two butterflies), refit the ``lookahead`` best-priced atoms and keep the one whose fit
  has the smallest max error; repeat until the target is reached. Every step is a point of the
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
from collections.abc import Callable, Sequence

import numpy as np

from .minimax import Atom, MinimaxFit, MinimaxLP, canonical_atom, fit_minimax, prices

__all__ = ["atom_key", "forward", "l1_support", "prune", "TIE"]

#: Relative difference of two max errors below which they count as a tie (broken by atom_key).
TIE = 1e-7


def atom_key(atom: Atom) -> tuple[int, int, int]:
    """The fixed order that breaks ties: order (number of variables), AND before OR, mask."""
    kind, mask = atom
    return (int(mask).bit_count(), 0 if kind == "and" else 1, int(mask))


def _better(a: MinimaxFit, b: MinimaxFit | None, scale: float, key_a: tuple, key_b: tuple) -> bool:
    """Is fit ``a`` better than ``b``: a smaller error beyond the tie band, or a tie and a smaller key."""
    if b is None:
        return True
    band = TIE * scale
    if a.error < b.error - band:
        return True
    if a.error > b.error + band:
        return False
    return key_a < key_b


def _candidates(fit: MinimaxFit, k: int) -> list[Atom]:
    """The ``k`` best-priced atoms not in ``fit`` (ties by atom_key)."""
    p_and, p_or = prices(fit.dual)
    have = set(fit.atoms)
    scores = np.concatenate([p_and, p_or])
    top = max(k + len(have) + 1, 4 * k)
    order = np.argsort(-scores, kind="stable")[:top]
    found: list[Atom] = []
    for idx in order:
        if scores[idx] <= 0:
            break
        half = p_and.shape[0]
        atom = ("and", int(idx)) if idx < half else ("or", int(idx - half))
        if atom not in have:
            found.append(atom)
    found.sort(key=lambda a: (-round(float(scores[a[1] if a[0] == "and" else a[1] + p_and.shape[0]]), 12),
                              atom_key(a)))
    return found[:k]


def forward(values: np.ndarray, target: float, *, lookahead: int = 6, max_terms: int = 200,
            deadline: float | None = None, on_step: Callable[[MinimaxFit], None] | None = None) -> list[MinimaxFit]:
    """Greedy forward selection (module docstring): the path of fits, from the bias alone to the
    first fit with error ≤ ``target`` (or ``max_terms`` atoms, or the deadline)."""
    v = np.asarray(values, dtype=np.float64)
    scale = float(np.abs(v).max(initial=0.0)) or 1.0
    lp = MinimaxLP(v)
    fit = lp.fit()
    path = [fit]
    while fit.error > target and len(fit.atoms) < max_terms:
        if deadline is not None and time.perf_counter() > deadline:
            break
        # Each candidate is scored by the master's optimum with it (a lower bound on its fit's
        # error, one warm re-solve); the winner is then fitted over all masks.
        best_bound, best_atom = math.inf, None
        band = TIE * scale
        for atom in _candidates(fit, lookahead):
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


def l1_support(values: np.ndarray, target: float, *, time_limit: float | None = None) -> MinimaxFit:
    """The minimax fit on the support of the certified L1 split with ζ = ``target``."""
    from .extraction.certified import solve_exact

    v = np.asarray(values, dtype=np.float64)
    sol = solve_exact(v, target, time_limit=time_limit, progress=False)
    atoms = {canonical_atom("and", int(m)) for m in np.flatnonzero(sol.and_) if m}
    atoms |= {canonical_atom("or", int(m)) for m in np.flatnonzero(sol.or_) if m}
    return fit_minimax(v, sorted(atoms, key=atom_key))


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


def support_of(fits: Sequence[MinimaxFit]) -> list[int]:
    """Number of atoms of each fit (for reports)."""
    return [len(f.atoms) for f in fits]
