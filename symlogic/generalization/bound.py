"""The joint loss of generalizable interactions, its dual norm and a proven lower bound (docs/theory.md §3.8).

For m members (models or samples on one variable layout) with AND coefficients a^(i) and OR
coefficients o^(i), every atom j (an AND set or an OR set) pays

    f(x_j) = (1 − α)·max_i |x_j^(i)| + α·Σ_i |x_j^(i)|

(Chen et al., ICLR 2024, Eq. 6), a norm on R^m. Its dual norm is

    g(u) = max_{k=1..m} (sum of the k largest |u_i|) / (1 − α + k·α),

so any y = (y^(1), …, y^(m)) with g((Dᵀy^(1))_j, …, (Dᵀy^(m))_j) ≤ 1 for every atom j gives the
lower bound Σ_i (y^(i)·v^(i) − ζ_i‖y^(i)‖₁) on the joint loss of every feasible split (weak
duality). :func:`joint_dual_bound` scales any y into that set, with allowances for the float64
rounding of the butterflies, and sums the members' bounds with
:func:`symlogic.extraction.certified.dual_bound`, which already makes each one rigorous.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..errors import InputError
from ..transforms import n_from_length, or_sum_transpose, superset_sum

__all__ = ["joint_loss", "dual_norm", "dual_norms", "joint_dual_bound", "check_alpha"]

EPS = float(np.finfo(np.float64).eps)


def check_alpha(alpha: float) -> float:
    """``alpha`` as a float in [0, 1], else :class:`InputError`."""
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating, np.integer)) \
            or not 0.0 <= float(alpha) <= 1.0:
        raise InputError(f"alpha weighs the sum against the maximum over members and must lie in [0, 1] "
                         f"(0.1 in Chen et al.), got {alpha!r}")
    return float(alpha)


def _stack(tables: Sequence[np.ndarray] | np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(tables, dtype=np.float64)
    if arr.ndim != 2:
        raise InputError(f"{what} must be m tables of 2^n entries (shape [m, 2^n]), got shape {arr.shape}")
    n_from_length(arr.shape[1])
    return arr


def joint_loss(ands: Sequence[np.ndarray] | np.ndarray, ors: Sequence[np.ndarray] | np.ndarray, alpha: float,
               count_empty: bool = True) -> float:
    """Σ_j [(1 − α)·max_i |x_j^(i)| + α·Σ_i |x_j^(i)|] over the AND and the OR atoms (docs/theory.md §3.8).

    ``ands`` and ``ors`` are [m, 2^n] (row i: member i, index = set S); the OR ∅ entry is not an
    atom and is ignored, the AND ∅ entry (the constant) only counts with ``count_empty``. Summed
    with ``math.fsum``; inf where the exact sum is beyond the largest float.

    Examples:
        One shared atom of value 1 in both members and one atom of value 2 in member 0 only:

        >>> import numpy as np
        >>> a = np.array([[0.0, 1.0, 2.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
        >>> joint_loss(a, np.zeros((2, 4)), alpha=0.1)  # 0.9·(1 + 2) + 0.1·(1 + 1 + 2)
        3.1
    """
    alpha = check_alpha(alpha)
    a = np.abs(_stack(ands, "ands"))
    o = np.abs(_stack(ors, "ors"))
    if a.shape != o.shape:
        raise InputError(f"ands and ors must have the same shape, got {a.shape} and {o.shape}")
    start = 0 if count_empty else 1
    parts = [a[:, start:], o[:, 1:]]
    try:
        return math.fsum((1 - alpha) * float(math.fsum(p.max(axis=0))) + alpha * math.fsum(p.ravel()) for p in parts)
    except OverflowError:
        return math.inf


def dual_norms(u: np.ndarray, alpha: float) -> np.ndarray:
    """g of every column of ``u`` ([m, K]: member × atom), the dual norm of f (module docstring).

    The unit ball of f has as vertices the vectors with k non-zero entries of equal magnitude
    1/(1 − α + kα), so g(u) = max_k (Σ of the k largest |u_i|)/(1 − α + kα). With m = 1 it is |u|;
    with α = 0 it is ‖u‖₁, with α = 1 it is ‖u‖∞.

    >>> dual_norms(np.array([[3.0, 0.5], [1.0, 0.5]]), alpha=0.5).tolist()  # k = 1: 3/1 ; k = 2: 1/1.5
    [3.0, 0.6666666666666666]
    """
    alpha = check_alpha(alpha)
    u = np.abs(np.asarray(u, dtype=np.float64))
    if u.ndim != 2:
        raise InputError(f"u must be [m, K] (members × atoms), got shape {u.shape}")
    m = u.shape[0]
    top = np.cumsum(-np.sort(-u, axis=0), axis=0)  # row k−1: the sum of the k largest
    denom = (1.0 - alpha) + alpha * np.arange(1, m + 1, dtype=np.float64)
    return (top / denom[:, None]).max(axis=0, initial=0.0)


def dual_norm(u: Sequence[float] | np.ndarray, alpha: float) -> float:
    """g(u) for one atom's vector u of length m (:func:`dual_norms`)."""
    return float(dual_norms(np.asarray(u, dtype=np.float64).reshape(-1, 1), alpha)[0])


def _prices(ys: np.ndarray, count_empty: bool) -> np.ndarray:
    """[m, 2·2^n]: (Zᵀy^(i), Oᵀy^(i)) for every member, in float64 (the AND ∅ price left out
    without ``count_empty``: that atom is not in the loss, it is paid for in the bound instead)."""
    zt = superset_sum(ys, check_finite=False)
    if not count_empty:
        zt[:, 0] = 0.0
    ot = or_sum_transpose(ys, check_finite=False)
    return np.concatenate([zt, ot], axis=1)


def joint_dual_bound(ys: Sequence[np.ndarray] | np.ndarray, vs: Sequence[np.ndarray] | np.ndarray,
                     zetas: Sequence[float], alpha: float, count_empty: bool = True) -> tuple[float, float]:
    """A proven lower bound on the joint loss from any y: (bound, scale) (docs/theory.md §3.8).

    Every member's y^(i) is divided by one common ``scale`` = max(1, G′), where G′ bounds
    max_j g((Dᵀy)_j) from above with the rounding of the butterflies (each price is off by at most
    (2n + 2)·eps·‖y^(i)‖₁, and g grows by at most Σ_i of those) and of the sort and sums (a
    relative (m + 4)·eps), and a further 6·eps·Σ_i‖y^(i)‖₁ covers the rounding of y/scale and leaves
    a margin. The scaled y is then dual feasible in exact arithmetic, and each member's
    y^(i)·v^(i) − ζ_i‖y^(i)‖₁ is bounded from below rigorously by
    :func:`symlogic.extraction.certified.dual_bound`. That may shrink a member's y further by a
    factor ≥ 1: exactly, g only decreases when one member's prices shrink, and the rounding of
    that division (at most eps/2·‖y^(i)‖₁ per price) stays within the margin, so the whole stays
    feasible. The members' bounds are summed with fsum and rounded down.

    With ``count_empty=False`` the constant is not in the loss and each member pays
    |Σŷ^(i)|·(|v^(i)(∅)| + ζ_i) instead, as in the single bound (docs/theory.md §3.3).

    Args:
        ys: [m, 2^n] dual vectors (any values: they are scaled).
        vs: [m, 2^n] the members' tables.
        zetas: the members' noise boxes ζ_i.
        alpha: the weight of the sum in the loss.
        count_empty: whether the constant is part of the loss.
    """
    from ..extraction.certified import dual_bound

    alpha = check_alpha(alpha)
    y = _stack(ys, "ys")
    v = _stack(vs, "vs")
    if y.shape != v.shape:
        raise InputError(f"ys has shape {y.shape} but vs has {v.shape}; pass one y per member and mask")
    if not (np.isfinite(y).all() and np.isfinite(v).all()):
        raise InputError("ys and vs must be finite")
    z = np.asarray(zetas, dtype=np.float64).reshape(-1)
    if z.shape[0] != y.shape[0] or not (np.isfinite(z).all() and (z >= 0).all()):
        raise InputError(f"zetas must be {y.shape[0]} finite numbers ≥ 0 (one per member), got {list(z)}")
    m, N = y.shape
    n = n_from_length(N)
    l1 = np.array([math.fsum(np.abs(row)) for row in y])
    prices = _prices(y, count_empty)
    if not np.isfinite(prices).all():
        raise InputError("the certificate y is too large: its sums Dᵀy overflow float64")
    G = float(dual_norms(prices, alpha).max(initial=0.0))
    slack = (2 * n + 8) * EPS * math.fsum(l1)
    scale = max(1.0, G * (1.0 + (m + 4) * EPS) + slack)
    ys_hat = y / scale
    parts = [dual_bound(ys_hat[i], v[i], float(z[i]), count_empty)[0] for i in range(m)]
    total = math.fsum(parts)
    total -= 2 * EPS * math.fsum(abs(p) for p in parts)  # the rounding of the one final float
    return total, scale
