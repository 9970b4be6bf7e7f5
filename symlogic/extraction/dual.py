"""The dual certificate of the sparse AND-OR split: a proven lower bound from any y (docs/theory.md §3.3).

Dual of the split (P):  max y·v − ζ‖y‖₁  s.t.  ‖Zᵀy‖∞ ≤ 1, ‖Oᵀy‖∞ ≤ 1  (without the ∅ entry of Zᵀy when
the empty set is not counted). :func:`dual_bound` scales any y into feasibility, with allowances
for the float64 rounding of the butterflies, and returns y·v − ζ‖y‖₁ rounded down: by weak
duality a *proven* lower bound on the optimum, whatever solver produced y. :func:`gap_scale` is
what a certified gap is measured against. The solver itself is :mod:`.certified`, which
re-exports both.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import torch

from ..errors import InputError
from ..transforms import n_from_length, or_sum_transpose, superset_sum

__all__ = ["dual_bound", "gap_scale", "EPS", "TINY", "UNIT_RANGE"]

EPS = float(np.finfo(np.float64).eps)  # 2^-52, twice the unit round-off: conservative below
UNIT_RANGE = (2.0 ** -4, 2.0 ** 4)  # tables with max|v| outside this are solved rescaled
TINY = 2.0 ** -1074  # the smallest subnormal: the absolute rounding of a result that underflows


def as_vector(x: object, name: str) -> np.ndarray:
    """``x`` (numpy, list or torch) as a finite float64 vector of length 2^n, else an ``InputError``."""
    if isinstance(x, torch.Tensor):
        x = x.detach().to("cpu", torch.float64).numpy()
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise InputError(f"{name} must be one-dimensional (one entry per mask), got shape {arr.shape}")
    n_from_length(arr.shape[0])
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} contains NaN or infinite entries; pass finite outputs")
    return arr


def dual_bound(y: object, v: object, zeta: float, count_empty: bool = True) -> tuple[float, float]:
    """Proven lower bound on the optimum from any y: (bound, scale), bound = ŷ·v − ζ‖ŷ‖₁ with ŷ = y/scale.

    scale = max(1, ‖Dᵀy‖∞ + (2n+4)·eps·‖y‖₁) with D = [Z, O] and ‖Dᵀy‖∞ computed in float64 by the
    butterflies: each entry of Zᵀy (and of Oᵀy = Σy − (Zy)(N∖S)) is a sum over a tree of depth n
    (plus one subtraction), so its rounding error is at most (2n+2)·eps·‖y‖₁; the extra 2·eps·‖y‖₁
    covers rounding in ŷ = y/scale. Hence ‖Dᵀŷ‖∞ ≤ 1 holds exactly, not only in floats. The value
    is summed with math.fsum and lowered by 4·eps·(Σ|ŷv| + ζ‖ŷ‖₁) for the rounded products.

    With ``count_empty=False`` the constraint on (Zᵀy)(∅) = Σy is an equality; instead of
    projecting, the bound pays |Σŷ|·(|v(∅)| + ζ), valid because every feasible split has
    a_∅ = v(∅) + q_∅ (row T = ∅), so Σ_{S≠∅}|a_S| + ‖o‖₁ ≥ ŷ·(v + q) − (Σŷ)·a_∅.

    The value is computed with v and ζ rescaled by a power of two to unit size and scaled back
    rounding down, so a table near the float limits neither overflows (1e308·ŷ) nor underflows
    (subnormal products); beyond the largest float the bound is the largest float.
    """
    yv = as_vector(y, "y")
    vv = as_vector(v, "v")
    if yv.shape != vv.shape:
        raise InputError(f"y has {yv.shape[0]} entries but v has {vv.shape[0]}; both need one per mask")
    zeta = float(zeta)
    if not zeta >= 0:
        raise InputError(f"zeta must be >= 0, got {zeta}")
    n = n_from_length(yv.shape[0])
    l1 = math.fsum(np.abs(yv))
    zt = np.abs(superset_sum(yv, check_finite=False))
    if not count_empty:
        zt[0] = 0.0
    D = max(float(zt.max()), float(np.abs(or_sum_transpose(yv, check_finite=False)).max()))
    if not math.isfinite(D):
        raise InputError("the certificate y is too large: its sums ‖Dᵀy‖ overflow float64")
    scale = max(1.0, D + (2 * n + 4) * EPS * l1)
    ys = yv / scale
    # v and ζ are read at unit scale (times 2^-e): the products and sums then neither overflow nor
    # underflow, and the value is scaled back by 2^e rounding down (:func:`ldexp_down`).
    e = unit_exponent(max(float(np.abs(vv).max(initial=0.0)), zeta))
    vs, zs = np.ldexp(vv, -e), math.ldexp(zeta, -e)
    sy = math.fsum(np.abs(ys))
    # Entries of v (or ζ) far below max|v| can lose bits when scaled down, each by ≤ TINY/2; and a
    # product that underflows is off by ≤ TINY/2 absolutely, which the relative 4·eps misses.
    lost = 0.0
    if e > 0 and (math.ldexp(zs, e) != zeta or not np.array_equal(np.ldexp(vs, e), vv)):
        lost = (sy + 1) * TINY
    prods = ys * vs
    zterm = zs * sy
    under = np.count_nonzero((np.abs(prods) < sys.float_info.min) & (ys != 0) & (vs != 0))
    under += int(abs(zterm) < sys.float_info.min and zs != 0 and sy != 0)
    value = math.fsum(prods) - zterm
    value -= 4 * EPS * (math.fsum(np.abs(prods)) + zterm) + under * TINY + lost
    if not count_empty:
        s = math.fsum(ys)
        value -= abs(s) * (abs(vs[0]) + zs) * (1 + 4 * EPS)
    return ldexp_down(value, e), scale


def unit_exponent(big: float) -> int:
    """e with max|v|·2^-e near 1 (0 when ``big`` is 0 or within UNIT_RANGE): the power of two by
    which tables are read at unit scale. Exact in floats unless something under- or overflows."""
    if big == 0 or UNIT_RANGE[0] <= big <= UNIT_RANGE[1]:
        return 0
    return round(math.log2(big))


def ldexp_down(x: float, e: int) -> float:
    """A float ≤ x·2^e, equal to it when that is representable: a lower bound stays one after
    scaling back (a subnormal result is rounded down; beyond the largest float, the largest float,
    or −inf below the most negative)."""
    if e == 0:
        return x
    try:
        r = math.ldexp(x, e)
    except OverflowError:
        return sys.float_info.max if x > 0 else -math.inf
    if math.isinf(r):
        return sys.float_info.max if x > 0 else -math.inf
    return r if math.ldexp(r, -e) <= x else math.nextafter(r, -math.inf)


def gap_scale(objective: float, v: np.ndarray) -> float:
    """What a gap is measured against: |objective|, or 1e-2·max|v| where the objective is smaller
    (an objective of ~0 is judged absolutely, at the table's own scale). A fixed floor such as
    max(1, |objective|) would call a 0.4% gap optimal on a table whose values are ~1e-6. The floor,
    the smallest normal float, only keeps it positive: a table of 1e-305 is judged relatively too."""
    return max(abs(objective), 1e-2 * float(np.abs(v).max(initial=0.0)), sys.float_info.min)


def scaled_certificate(y: np.ndarray, v: np.ndarray, zeta: float, count_empty: bool) -> tuple[np.ndarray, float]:
    """y scaled so that :func:`dual_bound` accepts it as is (scale 1), and its bound.

    Scaling once by the scale of :func:`dual_bound` leaves the rounding allowance just above 1, so
    the scaled y is shrunk by a further 1e-12 until a re-check needs no scaling.
    """
    ys = np.asarray(y, dtype=np.float64)
    for _ in range(4):
        bound, scale = dual_bound(ys, v, zeta, count_empty)
        if scale == 1.0:
            return ys, bound
        ys = ys / (scale * (1 + 1e-12))
    return ys, dual_bound(ys, v, zeta, count_empty)[0]
