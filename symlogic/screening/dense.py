"""The refinement for dense models: a relaxed Lasso over main effects and pairs (docs/theory.md §7.4).

A real network's output is seldom a few terms: it has many small main effects and pairwise
interactions. When the aliasing passes cannot finish within the budget, the rest of the budget is
spent on uniform masks and the model is chosen by sparse regression instead of significance tests:

1. The features are the atoms the passes found (AND indicators), every candidate's main effect
   and the pairs among the most important candidates, the last two in the parity (Fourier)
   coding φ_S(T) = Π_{i∈S} (2·1[i∈T] − 1), which is orthonormal under uniform masks, so the Lasso
   sees well-conditioned columns.
2. The Lasso path (coordinate descent, scikit-learn) on all rows but a validation fifth drawn from
   the uniform masks (R² is judged on uniform masks); for every penalty on the path the support
   is refitted by least squares (the *relaxed* Lasso, Meinshausen 2007, which removes the
   shrinkage bias) and scored on the validation rows; the smallest support within 2 % of the
   best validation error wins.
3. The support is returned as Möbius atoms: a parity term on S spans the AND atoms of every
   subset of S, so a pair brings its two main effects along.

Pure functions on numpy arrays; the caller refits the atoms on every query.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence

import numpy as np

from .recover import Atom, atom_design, down_set, term_design

__all__ = ["parity_design", "relaxed_lasso", "dense_atoms", "main_ranking", "MAX_PAIRS"]

#: The most pair features offered to the Lasso (the pairs among the top ⌊√(2·MAX_PAIRS)⌋ candidates).
MAX_PAIRS = 4096
#: Penalties on the Lasso path.
N_ALPHAS = 30
#: The share of the rows that scores the supports on the path.
VALIDATION = 0.2
#: A support this much (relative) worse in validation than the best, but smaller, is preferred.
SLACK = 0.02


def parity_design(present: np.ndarray, atoms: Sequence[Atom]) -> np.ndarray:
    """X[r, j] = Π_{i ∈ atoms[j]} (2·present[r, i] − 1) (1 for the empty atom): float64 [m, p]."""
    return term_design(present, [("parity", a) for a in atoms])


def _lstsq_score(x_fit: np.ndarray, y_fit: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
                 cols: np.ndarray) -> float:
    """Validation mean squared error of least squares (with an intercept) on the columns ``cols``."""
    a = np.column_stack([np.ones(x_fit.shape[0]), x_fit[:, cols]])
    coef, *_ = np.linalg.lstsq(a, y_fit, rcond=None)
    pred = coef[0] + x_val[:, cols] @ coef[1:]
    return float(np.mean((y_val - pred) ** 2))


def relaxed_lasso(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, *, n_alphas: int = N_ALPHAS,
                  validation: float = VALIDATION, slack: float = SLACK,
                  pool: np.ndarray | None = None) -> np.ndarray:
    """The columns of ``x`` the relaxed Lasso keeps: the Lasso path on a random ``1 − validation``
    of the rows, each support refitted by least squares and scored on the rest; the smallest
    support whose validation error is within ``slack`` (relative) of the best is kept.

    The validation rows are drawn from ``pool`` (row indices; all rows when None): the rows whose
    distribution the model will be judged on, e.g. the uniform masks when R² is measured on
    uniform masks. Supports that leave fewer than three residual degrees of freedom on the
    fitting rows are not scored (their least squares would interpolate).

    Returns:
        Sorted column indices (possibly empty: the constant alone wins).
    """
    from sklearn.linear_model import lasso_path

    m, p = x.shape
    if m < 10 or p == 0:
        return np.zeros(0, dtype=np.int64)
    pool = np.arange(m) if pool is None else np.asarray(pool, dtype=np.int64)
    n_val = min(max(int(round(validation * m)), 2), pool.size // 2)
    val = np.sort(rng.permutation(pool)[:n_val])
    fit = np.setdiff1d(np.arange(m), val)
    if val.size < 2:
        return np.zeros(0, dtype=np.int64)
    xf, yf = x[fit], y[fit]
    mu, ym = xf.mean(axis=0), yf.mean()
    scale = xf.std(axis=0)
    scale[scale == 0] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings at the smallest penalties
        _, coefs, _ = lasso_path((xf - mu) / scale, yf - ym, n_alphas=n_alphas, eps=1e-3, max_iter=2000)
    scored = [(float(np.mean((y[val] - ym) ** 2)), np.zeros(0, dtype=np.int64))]
    seen: set[bytes] = set()
    for c in coefs.T:
        cols = np.flatnonzero(c)
        key = cols.tobytes()
        if cols.size == 0 or key in seen or cols.size > fit.size - 3:
            continue
        seen.add(key)
        scored.append((_lstsq_score(xf, yf, x[val], y[val], cols), cols))
    best = min(score for score, _ in scored)
    return min((cols for score, cols in scored if score <= best * (1.0 + slack)), key=lambda cols: cols.size)


def main_ranking(masks: np.ndarray, values: np.ndarray, rng: np.random.Generator,
                 pool: np.ndarray | None = None) -> np.ndarray:
    """Candidates by the size of their main effect in a relaxed Lasso on the parity coding (the
    largest first; candidates the Lasso leaves out follow by their least-squares effect)."""
    n = masks.shape[1]
    x = 2.0 * masks - 1.0
    a = np.column_stack([np.ones(masks.shape[0]), x])
    coef, *_ = np.linalg.lstsq(a, values, rcond=None)
    size = np.abs(coef[1:])
    kept = relaxed_lasso(x, values, rng, pool=pool)
    boost = np.zeros(n)
    boost[kept] = 1.0
    return np.lexsort((np.arange(n), -size, -boost))


def dense_atoms(masks: np.ndarray, values: np.ndarray, found: Sequence[Atom], rng: np.random.Generator,
                *, max_pairs: int = MAX_PAIRS, pairs: bool = True, pool: np.ndarray | None = None) -> list[Atom]:
    """Möbius atoms of a dense model chosen by the relaxed Lasso (module docstring).

    Args:
        masks: every query kept, bool [m, n].
        values: their answers.
        found: atoms the aliasing passes resolved (offered as AND indicators).
        rng: the generator of the validation split.
        max_pairs: the most pair features (the pairs among the top candidates by main effect).
        pairs: whether pairs are offered at all (False when max_order is 1).
        pool: the rows the supports are validated on (see :func:`relaxed_lasso`).

    Returns:
        Sorted non-empty atoms: the chosen found atoms, and every subset of each chosen parity term.
    """
    n = masks.shape[1]
    top = 0
    if pairs and n >= 2:
        top = min(n, int(math.floor((1 + math.sqrt(1 + 8 * max_pairs)) / 2)))
        ranked = main_ranking(masks, values, rng, pool=pool)[:top]
    parity = [(i,) for i in range(n)]
    if top >= 2:
        parity += [tuple(sorted(p)) for p in itertools.combinations((int(i) for i in ranked), 2)]
    found = sorted({tuple(a) for a in found if len(a) >= 2}, key=lambda a: (len(a), a))
    x = np.hstack([atom_design(masks, found), parity_design(masks, parity)])
    cols = relaxed_lasso(x, values, rng, pool=pool)
    atoms: set[Atom] = set()
    for j in cols:
        if j < len(found):
            atoms.add(found[j])
        else:
            atoms.update(down_set(parity[j - len(found)]))
    return sorted(atoms, key=lambda a: (len(a), a))
