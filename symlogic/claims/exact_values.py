"""Exact arithmetic for the claim checks: float64 where it is provably right, Fractions elsewhere.

Recorded outputs and model coefficients are float64, hence dyadic rationals; a claim's thresholds
are decimals read as exact fractions (docs/theory.md §4). :class:`Vals` compares them without
rounding: vectorised in float64 away from the threshold, exactly (int64 numerators or Fractions)
where the float error bound cannot decide.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

__all__ = [
    "Vals",
    "compare",
    "compare_array",
    "to_float",
    "exact_signed_sum",
    "set_classes",
    "exact_class_sum",
    "int_class_sum",
    "submasks",
    "popcount",
    "minimal_mask",
    "minimal_position",
]


def compare(x: Fraction, op: str, c: Fraction) -> bool:
    """``x OP c`` for one of ">=", "<=", ">", "<"."""
    return {">=": x >= c, "<=": x <= c, ">": x > c, "<": x < c}[op]


def compare_array(x: np.ndarray, op: str, c: float) -> np.ndarray:
    return {">=": x >= c, "<=": x <= c, ">": x > c, "<": x < c}[op]


def to_float(fr: Fraction) -> float:
    """The nearest float, ±inf beyond float64's range."""
    try:
        return float(fr)
    except OverflowError:
        return math.inf if fr > 0 else -math.inf


def _int_bound(c: Fraction, op: str) -> int:
    """The integer k with (x OP c ⇔ x OP' k) for integers x: ceil for >=/<, floor for >/<=."""
    fl = c.numerator // c.denominator
    ce = -((-c.numerator) // c.denominator)
    return ce if op in (">=", "<") else fl


@dataclass(frozen=True)
class Vals:
    """Exact rational values given as float64 approximations with an error bound (|value − approx| ≤ err),
    a function for the exact value at an index, and, when available, exact integer numerators
    ``num`` over a common denominator ``den`` (then everything is decided in int64)."""

    approx: np.ndarray
    err: np.ndarray | float
    exact_at: Callable[[int], Fraction]
    num: np.ndarray | None = None
    den: int = 1

    def at(self, k: int) -> Fraction:
        if self.num is not None:
            return Fraction(int(self.num[k]), self.den)
        return self.exact_at(k)

    def take(self, idx: np.ndarray) -> "Vals":
        err = self.err if np.ndim(self.err) == 0 else np.asarray(self.err)[idx]
        num = None if self.num is None else self.num[idx]
        return Vals(self.approx[idx], err, lambda k: self.exact_at(int(idx[k])), num, self.den)

    def minus(self, other: "Vals") -> "Vals":
        """self − other, entry by entry (both over the same index space)."""
        with np.errstate(over="ignore", invalid="ignore"):  # overflowed entries fall to the exact path
            d = self.approx - other.approx
            err = np.abs(d) * 2.0**-52 + self.err + other.err
        num = None
        if self.num is not None and other.num is not None and self.den == other.den:
            num = self.num - other.num
        return Vals(d, err, lambda k: self.exact_at(k) - other.exact_at(k), num, self.den)

    def decide(self, op: str, c: Fraction) -> np.ndarray:
        """Exact truth of ``value OP c`` per entry.

        Vectorised in float64 away from c; entries within the error margin of c (including every
        value equal to it and every case where float(c) is not c) are decided with exact values.
        """
        if self.num is not None:
            k = max(min(_int_bound(c * self.den, op), 2**63 - 1), -(2**63) + 1)
            return compare_array(self.num, op, k)  # type: ignore[arg-type]
        cf = to_float(c)
        out = compare_array(self.approx, op, cf)
        if math.isinf(cf):
            return out
        margin = (np.asarray(self.err, dtype=np.float64) + abs(cf) * 2.0**-52 + 2.0**-1060) * (1 + 2.0**-40)
        with np.errstate(invalid="ignore", over="ignore"):
            border = ~(np.abs(self.approx - cf) > margin)
        for idx in np.flatnonzero(border):
            out[idx] = compare(self.exact_at(int(idx)), op, c)
        return out

    def extreme(self, sense: str) -> Fraction:
        """The exact min or max."""
        if self.num is not None:
            k = int(np.argmin(self.num) if sense == "min" else np.argmax(self.num))
            return self.at(k)
        a = self.approx if sense == "min" else -self.approx
        e = np.broadcast_to(np.asarray(self.err, dtype=np.float64), a.shape)
        if not np.any(e):
            return self.exact_at(int(np.argmin(a)))
        with np.errstate(over="ignore", invalid="ignore"):
            bound = float(np.min(a + e))
            # Near float64's limit a ± e overflows (inf − inf = NaN): every entry is then a
            # candidate and the exact values decide.
            if not math.isfinite(bound):
                cand = np.arange(a.shape[0])
            else:
                cand = np.flatnonzero(~(a - e > bound + abs(bound) * 2.0**-40 + 2.0**-1060))
        values = [self.exact_at(int(i)) for i in cand]
        return min(values) if sense == "min" else max(values)


def exact_signed_sum(x: np.ndarray, sign: np.ndarray | None = None) -> Fraction:
    """Σ sign·x exactly for float64 ``x`` (integer mantissas grouped by exponent; vectorised).

    Each float is m·2^e with |m| < 2^53; mantissas are split into 26-bit halves so the per-exponent
    int64 sums cannot overflow for up to 2^36 terms.

    Examples:
        >>> import numpy as np
        >>> exact_signed_sum(np.array([0.1, 0.2]))  # the floats' exact sum, not 0.30000000000000004
        Fraction(10808639105689191, 36028797018963968)
    """
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return Fraction(0)
    mant, exp = np.frexp(x)
    m = (mant * 2.0**53).astype(np.int64)
    e = exp.astype(np.int64) - 53
    if sign is not None:
        m = m * np.asarray(sign, dtype=np.int64)
    order = np.argsort(e, kind="stable")
    e_s, m_s = e[order], m[order]
    uniq, starts = np.unique(e_s, return_index=True)
    hi = np.add.reduceat(m_s >> 26, starts)
    lo = np.add.reduceat(m_s & ((1 << 26) - 1), starts)
    emin = int(uniq[0])
    total = 0
    for ei, h, l in zip(uniq.tolist(), hi.tolist(), lo.tolist()):
        total += ((int(h) << 26) + int(l)) << (ei - emin)
    return Fraction(total) * (Fraction(2) ** emin)


def set_classes(n: int, smask: int) -> dict[tuple[int, int], np.ndarray]:
    """The masks T of n variables grouped by (|T∩S|, |T∖S|) for S = ``smask``: the classes on which a
    linear index's value weight is constant (docs/theory.md §2.6). One sort, no loop over 2^n."""
    masks = np.arange(1 << n, dtype=np.int64)
    inside, outside = popcount(masks & smask), popcount(masks & ~np.int64(smask))
    key = inside * (n + 1) + outside
    order = np.argsort(key, kind="stable")
    uniq, starts = np.unique(key[order], return_index=True)
    bounds = np.append(starts, masks.size)
    return {(int(k) // (n + 1), int(k) % (n + 1)): order[bounds[t]:bounds[t + 1]] for t, k in enumerate(uniq.tolist())}


def exact_class_sum(values: np.ndarray, smask: int, weights: Mapping[tuple[int, int], Fraction]) -> Fraction:
    """Σ_T W(|T∩S|, |T∖S|)·v(T) exactly, for a float64 table v over all 2^n masks and value weights
    W (class → Fraction; absent classes weigh 0): each class summed exactly, then weighted.

    Examples:
        >>> import numpy as np
        >>> exact_class_sum(np.array([0.5, 1.0, 2.0, 4.0]), 1, {(1, 0): Fraction(1), (0, 0): Fraction(-1)})
        Fraction(1, 2)
    """
    values = np.asarray(values, dtype=np.float64)
    n = int(values.shape[-1]).bit_length() - 1
    classes = set_classes(n, smask)
    return sum((w * exact_signed_sum(values[classes[c]]) for c, w in weights.items() if c in classes), Fraction(0))


def _int_sum(x: np.ndarray) -> int:
    """Σ x exactly for int64 entries of magnitude < 2^62 (halves of 31 bits, so no int64 sum overflows)."""
    x = np.asarray(x, dtype=np.int64)
    lo = x & ((1 << 31) - 1)
    return (int(np.sum(x >> 31)) << 31) + int(np.sum(lo))


def int_class_sum(num: np.ndarray, den: int, smask: int, weights: Mapping[tuple[int, int], Fraction]) -> Fraction:
    """:func:`exact_class_sum` for values given as int64 numerators ``num`` (all 2^n masks, < 2^62 in
    magnitude, at most 2^31 masks) over one denominator ``den``."""
    n = int(num.shape[-1]).bit_length() - 1
    classes = set_classes(n, smask)
    total = sum((w * _int_sum(num[classes[c]]) for c, w in weights.items() if c in classes), Fraction(0))
    return total / den


def submasks(mask: int) -> tuple[np.ndarray, np.ndarray]:
    """All T ⊆ mask as int64 and the Möbius signs (−1)^{|S|−|T|}."""
    set_bits = [i for i in range(mask.bit_length()) if (mask >> i) & 1]
    j = np.arange(1 << len(set_bits), dtype=np.int64)
    subs = np.zeros_like(j)
    for k, b in enumerate(set_bits):
        subs |= ((j >> k) & 1) << b
    pc = np.bitwise_count(j.astype(np.uint64)).astype(np.int64)
    sign = np.where((len(set_bits) - pc) % 2 == 0, 1, -1).astype(np.int64)
    return subs, sign


def popcount(masks: np.ndarray) -> np.ndarray:
    return np.bitwise_count(masks.astype(np.uint64)).astype(np.int64)


def minimal_mask(masks: np.ndarray) -> int:
    """The mask with the fewest set bits, ties: the smallest integer."""
    order = np.lexsort((masks, popcount(masks)))
    return int(masks[order[0]])


def minimal_position(masks: np.ndarray, positions: np.ndarray) -> int:
    """Among ``positions``, the one whose mask has the fewest set bits (ties: smallest integer)."""
    sub = masks[positions]
    order = np.lexsort((sub, popcount(sub)))
    return int(positions[order[0]])
