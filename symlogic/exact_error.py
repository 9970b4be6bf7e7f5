"""The exact engine of the proof layer: exact max error and violations of a logic model against a record.

Every float64 is a dyadic rational, so |v(T) − f(T)| has an exact value. We compute it fast and
exactly: a float64 pass with a rigorous per-mask rounding bound δ decides every mask whose error is
clearly above or below the threshold; only the few within δ of it are recomputed with Python
integers over a common power-of-two denominator (no rounding at all). (docs/verification.md §10.2, first row
of the timing table.)

Two sound reductions, each exact (docs/theory.md §4):
- f depends only on the variables its terms mention (the support U), so masks that agree on U
  share one value f_g;
- float max/min are exact, so within a group only its largest and smallest recorded outputs can
  reach the largest error: |v − f_g| ≤ ε for all members ⇔ vmax_g − f_g ≤ ε and f_g − vmin_g ≤ ε.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from .masks import mask_bits

if TYPE_CHECKING:
    from .logic import LogicModel

__all__ = ["Groups", "group_table", "ExactError", "Violation", "max_error", "violations", "float_upper",
           "exact_bound", "MAX_BOUND_BITS", "MAX_FRACTION_CHARS"]

_U = 2.0**-53  # unit roundoff of float64
#: Text bounds longer than this are refused: Fraction("1e-100000000") alone is a 100-MB integer.
_MAX_BOUND_TEXT = 400
#: Exact bounds whose numerator or denominator exceed this many bits are refused (2^4096 ≫ any
#: float64, whose exact value needs at most 1,100 bits).
MAX_BOUND_BITS = 4096
#: The longest "p/q" text of an accepted bound: what a verdict writes and a reader must accept.
MAX_FRACTION_CHARS = 2 * len(str(2**MAX_BOUND_BITS)) + 2


def exact_bound(value: object, what: str = "epsilon") -> Fraction:
    """A non-negative bound as the exact rational it denotes, whatever type it came as.

    A float is its exact dyadic value; a ``Fraction`` stays itself; a ``Decimal`` or a decimal
    string ("0.1") is the exact decimal (1/10, not the float 0.1); numpy real scalars are their
    exact value. Rounding any of these to a float first would let a verifier accept an error of
    0.1000000000000000055 against a bound of exactly 1/10.

    Raises:
        InputError: bool, complex, non-numeric, NaN, infinite, negative, or absurdly long values.
    """
    from decimal import Decimal

    from .errors import InputError

    def refuse(why: str) -> InputError:
        return InputError(f"{what} must be a finite number ≥ 0 (float, int, Fraction, Decimal or a decimal "
                          f"string such as '0.1'); got {value!r}: {why}")

    if isinstance(value, (bool, np.bool_)):
        raise refuse("a bool is not a bound")
    if isinstance(value, (complex, np.complexfloating)):
        raise refuse("complex numbers have no order")
    try:
        if isinstance(value, str):
            text = value.strip()
            if len(text) > _MAX_BOUND_TEXT:
                raise refuse(f"longer than {_MAX_BOUND_TEXT} characters")
            mantissa, _, exponent = text.lower().partition("e")
            if exponent and abs(int(exponent)) > 400:
                raise refuse("its decimal exponent is beyond ±400, far outside float64's range")
            exact = Fraction(text)
        elif isinstance(value, Decimal):
            if not value.is_finite():
                raise refuse("not finite")
            if abs(value.adjusted()) > 400:
                raise refuse("its decimal exponent is beyond ±400, far outside float64's range")
            exact = Fraction(value)
        elif isinstance(value, (Fraction, int, np.integer)):
            exact = Fraction(int(value)) if isinstance(value, np.integer) else Fraction(value)
        elif isinstance(value, (float, np.floating)):
            if not math.isfinite(float(value)):
                raise refuse("not finite")
            exact = Fraction(float(value))  # float16/32/64 values are all exact in float64
        else:
            raise refuse(f"{type(value).__name__} is not a number type symlogic reads exactly")
    except InputError:
        raise
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        raise refuse(str(exc) or type(exc).__name__) from None
    if exact < 0:
        raise refuse("negative")
    if max(exact.numerator.bit_length(), exact.denominator.bit_length()) > MAX_BOUND_BITS:
        raise refuse(f"its exact value needs more than {MAX_BOUND_BITS} bits")
    return exact


def float_upper(x: Fraction) -> float:
    """The smallest float64 ≥ x (infinity beyond the largest float)."""
    try:
        f = float(x)
    except OverflowError:
        return math.inf if x > 0 else -sys.float_info.max
    return f if Fraction(f) >= x else math.nextafter(f, math.inf)


def _min_exponent(*arrays: np.ndarray) -> int:
    """The most negative binary exponent of the denominators of the given floats (≤ 0)."""
    e = 0
    for arr in arrays:
        a = np.asarray(arr, dtype=np.float64).reshape(-1)
        a = a[a != 0]
        if a.size:
            _, exp = np.frexp(a)
            # x = m·2^exp with m in [0.5, 1) of 53 bits: the lowest set bit is ≥ 2^(exp − 53).
            e = min(e, int(exp.min()) - 53)
    return e


def _to_ints(values: np.ndarray, exponent: int) -> np.ndarray:
    """Exact scaled integers x·2^(−exponent) as an object array (exponent ≤ every value's lowest bit)."""
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    out = np.empty(arr.shape, dtype=object)
    for k, x in enumerate(arr.tolist()):
        p, q = x.as_integer_ratio()
        out[k] = p * ((1 << -exponent) // q)
    return out.reshape(np.shape(values))


@dataclass(frozen=True)
class Groups:
    """The recorded table reduced to the model's support U (k variables, 2^k groups).

    ``masks[g]`` is the mask of group g (only bits of U set); ``vmin``/``vmax`` the extreme
    recorded outputs over the group's 2^(n−k) masks and ``argmin``/``argmax`` masks where they are.
    """

    support: tuple[int, ...]
    masks: np.ndarray
    vmin: np.ndarray
    vmax: np.ndarray
    argmin: np.ndarray
    argmax: np.ndarray


def group_table(values: np.ndarray, support: tuple[int, ...]) -> Groups:
    """Per-group extremes of ``values`` over the variables outside ``support`` (exact: float max/min)."""
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[0].bit_length() - 1
    k = len(support)
    rest = [i for i in range(n) if i not in support]
    # Axis j of the C-order reshape is bit n−1−j. Put support bits last (highest support bit first)
    # so that the flattened group index is the compressed mask over U.
    axis = {i: n - 1 - i for i in range(n)}
    order = [axis[i] for i in rest] + [axis[i] for i in reversed(support)]
    cube = values.reshape((2,) * n).transpose(order).reshape(1 << len(rest), 1 << k)
    idx_cube = np.arange(1 << n, dtype=np.int64).reshape((2,) * n).transpose(order).reshape(1 << len(rest), 1 << k)
    amin, amax = cube.argmin(axis=0), cube.argmax(axis=0)
    cols = np.arange(1 << k)
    gm = np.zeros(1 << k, dtype=np.int64)
    for j, bit in enumerate(support):
        gm |= ((cols >> j) & 1) << bit
    return Groups(support=tuple(support), masks=gm, vmin=cube[amin, cols], vmax=cube[amax, cols],
                  argmin=idx_cube[amin, cols], argmax=idx_cube[amax, cols])


def _rounding_bound(lm: "LogicModel", *magnitudes: np.ndarray) -> np.ndarray:
    """A rigorous bound on |float error − exact error| for float f (sequential sum of K terms) minus v."""
    k = len(lm.terms)
    total = sum(abs(t.coefficient) for t in lm.terms)
    mag = sum(np.abs(m) for m in magnitudes)
    # γ_K·Σ|c| for the sum (Higham), then one subtraction: u·(|f| + |v|); 2x slack for safety.
    return 2.0 * ((k + 2) * _U * (total + mag) + 1e-300)


def _exact_f_ints(lm: "LogicModel", masks: np.ndarray, exponent: int) -> np.ndarray:
    """f on ``masks`` as exact scaled integers (object array)."""
    out = np.zeros(masks.shape, dtype=object)  # Python ints: no overflow, no rounding
    for t, c in zip(lm.terms, _to_ints(np.array([t.coefficient for t in lm.terms]), exponent)):
        fires = t.fires(masks)
        out[fires] = out[fires] + c
    return out


@dataclass(frozen=True)
class ExactError:
    """The exact max_T |v(T) − f(T)| and a mask T where it is reached."""

    value: Fraction
    mask: int

    def as_float_upper(self) -> float:
        return float_upper(self.value)


def max_error(lm: "LogicModel", values: np.ndarray) -> ExactError:
    """Exact max_T |v(T) − f(T)| over all 2^n masks, via the support groups."""
    g = group_table(values, mask_bits(lm.support_mask))
    # Near float64's limit the float pass overflows to inf/NaN; such groups become candidates and
    # are decided in integers below, so the overflow is expected, not an error.
    with np.errstate(invalid="ignore", over="ignore"):
        f = lm.evaluate(g.masks)
        hi, lo = g.vmax - f, f - g.vmin
        err = np.maximum(hi, lo)
        delta = _rounding_bound(lm, f, g.vmax, g.vmin)
        # Complement of "surely below the top", so overflowed (inf/NaN) groups are always candidates.
        top = int(np.argmax(np.where(np.isnan(err), np.inf, err)))
        cand = np.flatnonzero(~(err + delta < err[top] - delta[top]))
    exponent = _min_exponent(np.array([t.coefficient for t in lm.terms]), g.vmax[cand], g.vmin[cand])
    f_int = _exact_f_ints(lm, g.masks[cand], exponent)
    hi_int = _to_ints(g.vmax[cand], exponent) - f_int
    lo_int = f_int - _to_ints(g.vmin[cand], exponent)
    best_val, best_mask = None, -1
    for j in range(cand.size):
        for val, mask in ((hi_int[j], g.argmax[cand[j]]), (lo_int[j], g.argmin[cand[j]])):
            if best_val is None or val > best_val or (val == best_val and mask < best_mask):
                best_val, best_mask = val, int(mask)
    return ExactError(value=Fraction(best_val) / Fraction(2) ** (-exponent), mask=best_mask)


@dataclass(frozen=True)
class Violation:
    """A mask where |v − f| > ε, with exact values (excess = |v − f| − ε)."""

    mask: int
    error: Fraction
    excess: Fraction


def violations(lm: "LogicModel", values: np.ndarray, epsilon: float | Fraction) -> tuple[int, list[Violation]]:
    """All masks with exact |v(T) − f(T)| > ε: their count and the worst 10, by excess then mask.

    Float pass over all masks with the per-mask rounding bound; exact integer recheck of the
    masks within the bound of ε.
    """
    values = np.asarray(values, dtype=np.float64)
    eps = Fraction(epsilon)
    # Any float near ε serves the float pass (the margin below covers its rounding); the largest
    # finite float stands in for a bound beyond float64, so the margin stays finite.
    eps_f = min(float_upper(eps), sys.float_info.max)
    masks = np.arange(values.shape[0], dtype=np.int64)
    with np.errstate(invalid="ignore", over="ignore"):  # overflowed masks are border: decided exactly
        f = lm.evaluate(masks)
        err = np.abs(values - f)
        delta = _rounding_bound(lm, f, values) + abs(eps_f) * _U * 2
    # Decided by the float only when clearly above (sure) or clearly below ε; everything else,
    # NaN/inf included, is border. (Two separately rounded tests, err − δ > ε and |err − ε| ≤ δ,
    # can both be false for a true violation, so the border is defined as their complement.)
    with np.errstate(invalid="ignore", over="ignore"):
        above = err - delta > eps_f
        below = err + delta < eps_f
    sure = np.flatnonzero(above)
    border = np.flatnonzero(~above & ~below)
    checked: list[Violation] = []
    look = np.concatenate([border, sure[np.argsort(-(err[sure]), kind="stable")[:10]]]) if sure.size else border
    if look.size:
        exponent = _min_exponent(np.array([t.coefficient for t in lm.terms]), values[look])
        f_int = _exact_f_ints(lm, look, exponent)
        v_int = _to_ints(values[look], exponent)
        scale = Fraction(2) ** (-exponent)
        eps_scaled = eps * scale
        for j, m in enumerate(look.tolist()):
            d = abs(v_int[j] - f_int[j])
            if d > eps_scaled:
                checked.append(Violation(mask=m, error=Fraction(d) / scale, excess=Fraction(d) / scale - eps))
    border_set = set(border.tolist())
    count = int(sure.size) + sum(1 for v in checked if v.mask in border_set)
    uniq = {v.mask: v for v in checked}
    worst = sorted(uniq.values(), key=lambda v: (-v.excess, v.mask))[:10]
    return count, worst
