"""An AND-OR split of a table and the numbers every method is judged by (docs/theory.md §3).

A split (a, o, q) of v writes each output as v(T) + q(T) = Σ_{S⊆T} a_S + Σ_{S∩T≠∅} o_S with
o_∅ = 0 and |q| ≤ ζ. Its objective Σ|a| + Σ|o|, its matching check and its box violation are
defined here once: the solvers, :class:`~symlogic.extraction.result.Extraction` and the evidence
re-check all call these functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..transforms import or_sum, subset_sum

__all__ = ["Split", "noise_box", "primal_objective", "residual", "box_violation"]


def noise_box(values: np.ndarray, q_bound: float) -> float:
    """ζ = q_bound·|v(N) − v(∅)|; where the difference itself overflows (outputs of both signs near
    the largest float) it is taken at half scale, exact, so that ζ is finite whenever it fits."""
    d = abs(float(values[-1]) - float(values[0]))
    if np.isfinite(d):
        return q_bound * d
    return 2.0 * (q_bound * abs(float(values[-1]) / 2 - float(values[0]) / 2))


def primal_objective(and_: np.ndarray, or_: np.ndarray, count_empty: bool = True) -> float:
    """Σ_S|a_S| + Σ_{S≠∅}|o_S| (|a_∅| left out unless ``count_empty``), summed exactly (fsum);
    inf where the exact sum is beyond the largest float."""
    start = 0 if count_empty else 1
    try:
        return math.fsum(np.abs(and_[start:])) + math.fsum(np.abs(or_[1:]))
    except OverflowError:
        return math.inf


def residual(and_: np.ndarray, or_: np.ndarray, v: np.ndarray) -> np.ndarray:
    """q = Za + Oo − v, computed in float64 with the butterflies (±inf/NaN where that overflows)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return subset_sum(and_, check_finite=False) + or_sum(or_, check_finite=False) - v


def box_violation(q: np.ndarray, zeta: float) -> float:
    """How far q leaves the box: max(0, max|q| − ζ); inf where q is not finite."""
    worst = float(np.abs(q).max(initial=0.0))
    return max(0.0, worst - zeta) if math.isfinite(worst) else math.inf


@dataclass(frozen=True)
class Split:
    """AND coefficients ``and_``, OR coefficients ``or_`` (``or_[0] == 0``) and noise ``q``, float64
    arrays of length 2^n indexed by mask, for the box |q| ≤ ``zeta``; ``count_empty`` says whether
    |a_∅| is part of the objective (the reference convention: yes).

    Examples:
        v = 1 + 2·[a] + 3·[a and b] − 1·[a or b] on the masks ∅, {a}, {b}, {a, b}:

        >>> import numpy as np
        >>> s = Split(np.array([1.0, 2, 0, 3]), np.array([0.0, 0, 0, -1]), np.zeros(4), zeta=0.0)
        >>> s.objective, Split(s.and_, s.or_, s.q, 0.0, count_empty=False).objective
        (7.0, 6.0)
        >>> s.reconstruct()
        array([1., 2., 0., 5.])
        >>> s.matching_error(np.array([1.0, 2, 0, 5])), s.violation()
        (0.0, 0.0)
    """

    and_: np.ndarray
    or_: np.ndarray
    q: np.ndarray
    zeta: float
    count_empty: bool = True

    @property
    def n(self) -> int:
        return int(self.and_.shape[0]).bit_length() - 1

    @property
    def objective(self) -> float:
        """Σ|and_| + Σ|or_| (|and_[∅]| only when ``count_empty``): :func:`primal_objective`."""
        return primal_objective(self.and_, self.or_, self.count_empty)

    def reconstruct(self) -> np.ndarray:
        """Σ_{S⊆T} and_[S] + Σ_{S∩T≠∅} or_[S] on every mask T (equals v + q for a split of v)."""
        return subset_sum(self.and_) + or_sum(self.or_)

    def matching_error(self, v: np.ndarray) -> float:
        """max_T |reconstruct(T) − v(T) − q(T)| in float64: 0 up to rounding for a split of ``v``."""
        return float(np.max(np.abs(self.reconstruct() - v - self.q)))

    def violation(self) -> float:
        """max(0, max|q| − ζ): 0 for a feasible split (:func:`box_violation`)."""
        return box_violation(self.q, self.zeta)

    def fold_singletons(self, v: np.ndarray, *, recompute_q: bool) -> "Split":
        """AND and OR over one variable are the same atom: keep such coefficients on the AND side.

        |a + o| ≤ |a| + |o|, so the objective never grows. With ``recompute_q`` (certified
        solvers, whose q is the computed residual) q is recomputed from the folded arrays and the
        fold kept only when |q| ≤ ζ still holds exactly as computed, so the split stays feasible;
        otherwise q is kept. A sum a + o beyond the largest float stays split; a split whose
        numbers are not all finite is refused (:class:`InputError`, with the rescaling that fixes it).
        """
        n = v.shape[0].bit_length() - 1
        singles = np.left_shift(1, np.arange(n))
        a, o, q = self.and_.copy(), self.or_.copy(), self.q
        with np.errstate(over="ignore", invalid="ignore"):
            folded = a[singles] + o[singles]
            fold = singles[np.isfinite(folded)]
            a[fold] += o[fold]
            o[fold] = 0.0
            if recompute_q:
                q = residual(a, o, v)
                if not float(np.max(np.abs(q))) <= self.zeta:  # NaN, inf or outside the box
                    a, o, q = self.and_, self.or_, self.q
        out = Split(a, o, q, self.zeta, self.count_empty)
        objective = out.objective
        if not (np.isfinite(objective) and np.isfinite(a).all() and np.isfinite(o).all() and np.isfinite(q).all()):
            big = float(np.abs(v).max(initial=0.0))
            k = int(np.frexp(big)[1])
            raise InputError(f"the AND-OR split of this table (max|v| = {big:.4g}) overflows float64 (its L1 norm is "
                             f"{objective:.4g}); rescale the outputs by a power of two, e.g. numpy.ldexp(values, -{k}) "
                             f"(exact: a power of two changes no mantissa bit)")
        return out
