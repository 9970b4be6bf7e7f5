"""Least squares on AND / OR atoms: the numeric kernels of screening (docs/theory.md §7).

An atom is a sorted tuple of indices (buckets or candidates); its feature on a mask is
AND_S(T) = 1[S ⊆ T] (the Möbius basis of docs/theory.md §2.1; the empty atom is the constant) or
OR_S(T) = 1[S ∩ T ≠ ∅]. Fits go through the normal equations G = XᵀX, b = Xᵀy, so that the
backward elimination below refits any subset of the atoms from slices of one G. Standard errors
are the usual σ·√diag(G⁻¹), with σ the residual standard deviation or a known noise level.

Pure functions on numpy arrays; no loop runs over masks.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
from scipy import stats

__all__ = ["Fit", "atom_design", "term_design", "normal_equations", "normal_fit", "backward_select",
           "bonferroni_z", "exceeds_noise", "down_set", "addition_gains", "best_addition", "swap_within", "global_fit",
           "as_and_or", "ROW_CHUNK"]

#: Rows of a design built at a time (bounds the temporary [rows, atoms, order] boolean array).
ROW_CHUNK = 8192

Atom = tuple[int, ...]


def atom_design(present: np.ndarray, atoms: Sequence[Atom]) -> np.ndarray:
    """X[r, j] = AND over ``atoms[j]`` of ``present[r]`` (1 for the empty atom): float64 [m, p]."""
    return term_design(present, [("and", a) for a in atoms])


def _block_values(block: np.ndarray, kind: str) -> np.ndarray:
    """A term kind on a block [rows, p, |S|] of presences: AND, OR, or the parity Π(2·x − 1)."""
    if kind == "and":
        return block.all(axis=2)
    if kind == "or":
        return block.any(axis=2)
    return 1.0 - 2.0 * ((~block).sum(axis=2) % 2)


def term_design(present: np.ndarray, terms: Sequence[tuple[str, Atom]]) -> np.ndarray:
    """X[r, j] = AND_S, OR_S or the parity Π_{i∈S}(2·present[r, i] − 1) of ``present[r]`` for
    ``terms[j] = (kind, S)``, kind "and", "or" or "parity" (1 for the empty S): float64 [m, p]."""
    m = present.shape[0]
    x = np.ones((m, len(terms)))
    groups: dict[tuple[str, int], list[int]] = {}
    for j, (kind, atom) in enumerate(terms):
        if atom:
            groups.setdefault((kind, len(atom)), []).append(j)
    for (kind, _), cols in groups.items():
        idx = np.array([terms[j][1] for j in cols], dtype=np.int64)
        for start in range(0, m, ROW_CHUNK):
            block = present[start:start + ROW_CHUNK][:, idx]  # [rows, p_r, r]
            x[start:start + block.shape[0], cols] = _block_values(block, kind)
    return x


def normal_equations(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, int]:
    """(XᵀX, Xᵀy, yᵀy, rows)."""
    return x.T @ x, x.T @ y, float(y @ y), int(x.shape[0])


@dataclass(frozen=True)
class Fit:
    """A least-squares fit on some atoms.

    Attributes:
        idx: which atoms (positions in the caller's list).
        coef: their coefficients.
        stderr: their standard errors (σ·√diag(G⁻¹)).
        resid_std: √(RSS / dof), whatever σ the standard errors used.
        dof: rows − atoms (at least 1).
    """

    idx: np.ndarray
    coef: np.ndarray
    stderr: np.ndarray
    resid_std: float
    dof: int

    @property
    def t(self) -> np.ndarray:
        """|coef| / stderr (inf where the standard error is 0 and the coefficient is not)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.abs(self.coef) / self.stderr
        return np.where(np.isnan(t), 0.0, t)


def _cholesky(g: np.ndarray) -> tuple[np.ndarray, bool]:
    """Cholesky factor of g plus a tiny ridge (1e-12 of its mean diagonal; more when g is singular)."""
    p = g.shape[0]
    scale = max(float(np.trace(g)) / max(p, 1), 1e-300)
    for ridge in (1e-12, 1e-9, 1e-6):
        try:
            return sla.cho_factor(g + ridge * scale * np.eye(p), lower=False, check_finite=False)
        except np.linalg.LinAlgError:
            continue
    raise np.linalg.LinAlgError("the design's Gram matrix is singular")


def normal_fit(g: np.ndarray, b: np.ndarray, yy: float, rows: int, idx: np.ndarray | None = None,
               sigma: float | None = None) -> Fit:
    """Least squares on the atoms ``idx`` from the normal equations (all atoms when None).

    ``sigma`` is a known noise standard deviation for the standard errors (the residual standard
    deviation when that is larger: misfit and collinear atoms stay visible); None uses the residual
    standard deviation.
    """
    idx = np.arange(g.shape[0]) if idx is None else np.asarray(idx, dtype=np.int64)
    gs = g[np.ix_(idx, idx)]
    bs = b[idx]
    factor = _cholesky(gs)
    coef = sla.cho_solve(factor, bs, check_finite=False)
    rss = max(yy - 2.0 * float(coef @ bs) + float(coef @ gs @ coef), 0.0)
    dof = max(rows - idx.size, 1)
    resid = math.sqrt(rss / dof)
    s = resid if sigma is None else max(sigma, resid)  # a known σ never hides misfit or collinearity
    inv, _ = sla.lapack.dpotri(factor[0], lower=False)
    stderr = np.sqrt(np.maximum(np.diag(inv), 0.0)) * s
    return Fit(idx, coef, stderr, resid, dof)


def bonferroni_z(alpha: float, tests: int) -> float:
    """The two-sided z threshold that keeps the chance of any false discovery among ``tests`` below ``alpha``."""
    return float(stats.norm.isf(alpha / (2 * max(tests, 1))))


def exceeds_noise(resid_std: float, dof: int, noise: float | None, noise_dof: int, sigma: float | None,
                  alpha: float, tol_abs: float) -> bool:
    """Whether a fit's residual is larger than noise: an F test at level ``alpha`` against a noise
    estimate with ``noise_dof`` degrees of freedom, or a χ² test against a known ``sigma``.

    A residual at most ``tol_abs`` never exceeds; with σ = 0 any larger one does; with no usable
    estimate (None, or fewer than 20 degrees of freedom) the answer is True: nothing shows the fit
    is enough.
    """
    if resid_std <= tol_abs:
        return False
    if sigma is not None:
        return sigma == 0.0 or resid_std ** 2 / sigma ** 2 > stats.chi2.isf(alpha, dof) / dof
    if noise is None or noise_dof < 20 or noise <= tol_abs:
        return True
    return resid_std ** 2 / noise ** 2 > stats.f.isf(alpha, dof, noise_dof)


def addition_gains(g: np.ndarray, b: np.ndarray, base: np.ndarray, options: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How much adding each option's column to the fit on the atoms ``base`` lowers the residual sum
    of squares, and how much of that column the base leaves unexplained.

    With the fit on ``base`` fixed, adding column k lowers the RSS by num²/den with
    num = b_k − G_kB G_B⁻¹ b_B and den = G_kk − G_kB G_B⁻¹ G_Bk (the squared length of x_k off the
    base's span: a coefficient c on it lowers the RSS by about c²·den). One Cholesky factor for
    every option; a column the base already spans gains 0.

    Returns:
        (gains, den), each [options].
    """
    base = np.asarray(base, dtype=np.int64)
    options = np.asarray(options, dtype=np.int64)
    gbo = g[np.ix_(base, options)]
    if base.size:
        factor = _cholesky(g[np.ix_(base, base)])
        u = sla.cho_solve(factor, b[base], check_finite=False)
        w = sla.cho_solve(factor, gbo, check_finite=False)
        num = b[options] - gbo.T @ u
        den = g[options, options] - np.einsum("ij,ij->j", gbo, w)
    else:
        num, den = b[options], g[options, options]
    den = np.maximum(den, 0.0)
    gains = np.where(den > 1e-9 * np.maximum(g[options, options], 1e-300), num ** 2 / np.maximum(den, 1e-300), 0.0)
    return gains, den


def best_addition(g: np.ndarray, b: np.ndarray, base: np.ndarray, options: np.ndarray) -> int:
    """The option whose column, added to the atoms ``base``, lowers the residual sum of squares most
    (:func:`addition_gains`; ties go to the first).

    Among near-collinear alternatives (the children of one parent) this picks by fit, where
    their t values, each diluted by the others, do not.
    """
    options = np.asarray(options, dtype=np.int64)
    return int(options[int(np.argmax(addition_gains(g, b, base, options)[0]))])


def swap_within(g: np.ndarray, b: np.ndarray, idx: np.ndarray, groups: Sequence[np.ndarray], rounds: int = 3) -> np.ndarray:
    """Replace each kept atom by the sibling in its group that fits best with the other kept atoms.

    Backward elimination drops near-collinear alternatives together and may keep the wrong one;
    a swap by :func:`best_addition` (the atom itself among the options) repairs that. Repeated
    until nothing changes, at most ``rounds`` times.

    Returns:
        The kept atoms, sorted.
    """
    kept = set(int(i) for i in idx)
    for _ in range(rounds):
        changed = False
        for grp in groups:
            for j in [int(i) for i in grp if int(i) in kept]:
                base = np.array(sorted(kept - {j}), dtype=np.int64)
                options = np.array([int(i) for i in grp if int(i) not in kept or int(i) == j], dtype=np.int64)
                best = best_addition(g, b, base, options)
                if best != j:
                    kept.discard(j)
                    kept.add(best)
                    changed = True
        if not changed:
            break
    return np.array(sorted(kept), dtype=np.int64)


def backward_select(g: np.ndarray, b: np.ndarray, yy: float, rows: int, orders: np.ndarray, z: float,
                    tol_abs: float, sigma: float | None = None) -> Fit:
    """Drop insignificant atoms from the highest order down, refitting after each order.

    A Möbius coefficient's standard error grows with the number of its supersets in the fit
    (docs/theory.md §7), so the low orders are tested only after the null high-order atoms left.
    Atom 0 (the constant) always stays; an atom stays when |t| > ``z`` and |coef| > ``tol_abs``.
    """
    idx = np.arange(g.shape[0])
    for order in range(int(orders.max(initial=0)), 0, -1):
        fit = normal_fit(g, b, yy, rows, idx, sigma)
        keep = (orders[idx] != order) | ((fit.t > z) & (np.abs(fit.coef) > tol_abs))
        keep[idx == 0] = True
        idx = idx[keep]
    return normal_fit(g, b, yy, rows, idx, sigma)


def global_fit(masks: np.ndarray, values: np.ndarray, terms: Sequence[tuple[str, Atom]], alpha: float,
               tol_abs: float, sigma: float | None = None, lenient: Collection[tuple[str, Atom]] = (),
               lenient_z: float = 2.0) -> tuple[list[tuple[str, Atom]], Fit]:
    """Fit ``terms`` (the constant ("and", ()) first) on every kept query, drop the insignificant
    ones order by order from the highest, as :func:`backward_select` does (Bonferroni at ``alpha``
    over the terms tested — |t| > ``lenient_z`` for the terms in ``lenient`` — and
    |coef| > ``tol_abs``), refit.

    Returns the kept terms (constant first) and the final fit (``idx`` relative to them).
    """
    g = np.zeros((len(terms), len(terms)))
    b = np.zeros(len(terms))
    for start in range(0, masks.shape[0], ROW_CHUNK):
        x = term_design(masks[start:start + ROW_CHUNK], terms)
        g += x.T @ x
        b += x.T @ values[start:start + ROW_CHUNK]
    yy, rows = float(values @ values), int(values.shape[0])
    z = np.full(len(terms), bonferroni_z(alpha, len(terms) - 1))
    if lenient:
        z[[i for i, term in enumerate(terms) if term in lenient]] = lenient_z
    orders = np.array([len(atom) for _, atom in terms])
    idx = np.arange(len(terms))
    for order in range(int(orders.max(initial=0)), 0, -1):  # as in backward_select: high orders first
        fit = normal_fit(g, b, yy, rows, idx, sigma)
        keep = (orders[idx] != order) | ((fit.t > z[idx]) & (np.abs(fit.coef) > tol_abs))
        keep[idx == 0] = True
        idx = idx[keep]
    final = normal_fit(g, b, yy, rows, idx, sigma)
    kept = [terms[i] for i in idx]
    return kept, Fit(np.arange(idx.size), final.coef, final.stderr, final.resid_std, final.dof)


def down_set(atom: Atom) -> list[Atom]:
    """The non-empty subsets of ``atom``, smallest first: the Möbius atoms of OR_atom (docs/theory.md §2.2)."""
    return [s for r in range(1, len(atom) + 1) for s in itertools.combinations(atom, r)]


def as_and_or(atoms: Sequence[Atom], coef: np.ndarray, stderr: np.ndarray, tol_abs: float,
              z: float = 4.0) -> list[tuple[str, Atom]]:
    """Rewrite a Möbius (AND-basis) expansion with OR terms where that takes fewer terms.

    OR_J = Σ_{∅≠R⊆J} (−1)^{|R|+1} AND_R (docs/theory.md §2.2), so an OR term hides as the whole
    down-set of J with alternating coefficients. Going from the largest atoms down, J becomes
    OR_J with o = (−1)^{|J|+1}·c_J when subtracting o·OR_J's expansion clears at least two more
    atoms than it creates; a coefficient counts as zero when |c| ≤ max(tol_abs, z·stderr).
    The caller refits the coefficients of the returned terms.

    Args:
        atoms: non-empty atoms (sorted index tuples), without the constant.
        coef, stderr: their Möbius coefficients and standard errors.
        tol_abs: the absolute zero tolerance.
        z: how many standard errors count as zero.

    Returns:
        ("and" | "or", atom) pairs; one-element atoms are always "and".
    """
    values = {a: float(c) for a, c in zip(atoms, coef)}
    noise = {a: max(tol_abs, z * float(s)) for a, s in zip(atoms, stderr)}
    ors: list[Atom] = []
    for top in sorted(atoms, key=lambda a: (-len(a), a)):
        if len(top) < 2 or top not in values:
            continue
        o = (-1) ** (len(top) + 1) * values[top]
        before = after = 0
        updated: dict[Atom, float] = {}
        for r in down_set(top):
            old = values.get(r, 0.0)
            new = old - (-1) ** (len(r) + 1) * o
            cut = noise.get(r, tol_abs)
            before += abs(old) > cut
            after += abs(new) > cut
            updated[r] = new
        if before - after >= 2:  # OR_J plus `after` atoms replace `before` atoms
            ors.append(top)
            for r, new in updated.items():
                if abs(new) > noise.get(r, tol_abs):
                    values[r] = new
                    noise.setdefault(r, tol_abs)
                else:
                    values.pop(r, None)
    terms = [("or", a) for a in ors] + [("and", a) for a in values if a not in ors]
    return sorted(terms, key=lambda t: (len(t[1]), t[1], t[0]))
