"""The salience rule, in one place (docs/theory.md §3.6).

A set S is a salient concept when its interaction is large against the largest one:
|I(S)| ≥ τ·max_{S'≠∅} |I(S')|, the maximum taken over AND and OR interactions together. A zero
interaction is never salient (so τ = 0 keeps exactly the non-zero ones), and ∅ is not a concept:
I(∅) is the constant term, never a concept and never part of the maximum. Tables are float arrays
of length 2^n indexed by mask. ``DEFAULT_TAU`` is :data:`symlogic.defaults.TAU`.

>>> import numpy as np
>>> and_ = np.array([5.0, 2.0, 0.0, 0.05])  # I(∅) = 5 is the constant, not a concept
>>> or_ = np.array([0.0, 0.0, -1.0, 0.0])
>>> salience_threshold(and_, or_, tau=0.05)
0.1
>>> [m.tolist() for m in salient_masks(and_, or_)]
[[1], [2]]
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from .defaults import SALIENCE, TAU
from .errors import InputError

__all__ = ["DEFAULT_TAU", "check_tau", "peak", "salience_threshold", "is_salient", "salient_sets",
           "salient_masks", "order_profile"]

#: The default τ: a concept is salient when |I(S)| ≥ 5 % of the largest |I|.
DEFAULT_TAU: float = TAU


def check_tau(tau: float) -> float:
    """``tau`` when it is a fraction in [0, 1], else :class:`InputError`."""
    if not 0 <= tau <= 1:
        raise InputError(f"tau is a fraction of the largest interaction, in [0, 1]; got {tau}")
    return tau


def _table(values: Any, what: str) -> np.ndarray:
    """``values`` as a float64 table of 2^n entries, else :class:`InputError`."""
    table = np.asarray(values, dtype=np.float64).ravel()
    n = int(table.size).bit_length() - 1
    if table.size != 1 << n:
        raise InputError(f"the {what!r} interaction table has length {table.size}, not a power of two "
                         "(2^n entries, index = mask)")
    return table


def peak(and_: Any, or_: Any = None) -> float:
    """max_{S≠∅} |I(S)| over the AND table and the OR table (0 when every set is empty or zero).

    >>> peak([9.0, 1.0, -3.0, 2.0], [0.0, 0.5, 0.0, -4.0])
    4.0
    """
    tables = [np.asarray(t, dtype=np.float64).ravel() for t in (and_, or_) if t is not None]
    return max((float(np.max(np.abs(t[1:]), initial=0.0)) for t in tables), default=0.0)


def salience_threshold(and_: Any, or_: Any = None, tau: float = DEFAULT_TAU) -> float:
    """The cut τ·max_{S≠∅} |I(S)|, AND and OR together; ``tau`` must lie in [0, 1].

    >>> salience_threshold([9.0, 1.0, -3.0, 2.0], [0.0, 0.5, 0.0, -4.0], tau=0.25)
    1.0
    """
    return check_tau(tau) * peak(and_, or_)


def exact_threshold(peak_value: Fraction, tau: Fraction = SALIENCE) -> Fraction:
    """τ·max|I| in exact arithmetic, for the claims that decide salience exactly (``max_order`` on
    a record): the same rule as :func:`salience_threshold`, with τ = ``defaults.SALIENCE``."""
    return Fraction(tau) * Fraction(peak_value)


def is_salient(values: Any, cut: float) -> np.ndarray:
    """Elementwise: |I| ≥ ``cut`` and I ≠ 0 (for a list of coefficients; see :func:`salient_sets`).

    >>> is_salient([0.0, 0.5, -2.0], 0.0).tolist()
    [False, True, True]
    """
    v = np.asarray(values, dtype=np.float64)
    return (np.abs(v) >= cut) & (v != 0)


def salient_sets(table: Any, cut: float) -> np.ndarray:
    """Over a full table (index = mask): which sets S ≠ ∅ have |I(S)| ≥ ``cut`` and I(S) ≠ 0.

    >>> salient_sets([3.0, 0.0, 1.0, -1.0], 1.0).tolist()
    [False, False, True, True]
    """
    keep = is_salient(np.asarray(table, dtype=np.float64).ravel(), cut)
    if keep.size:
        keep[0] = False
    return keep


def salient_masks(and_: Any, or_: Any, tau: float = DEFAULT_TAU) -> tuple[np.ndarray, np.ndarray]:
    """The salient AND sets and the salient OR sets as increasing int64 mask arrays.

    >>> [m.tolist() for m in salient_masks([1.0, 4.0, 0.1, 1.0], [0.0, 0.0, 0.0, -2.0], tau=0.25)]
    [[1, 3], [3]]
    """
    cut = salience_threshold(and_, or_, tau)
    return (np.flatnonzero(salient_sets(and_, cut)).astype(np.int64),
            np.flatnonzero(salient_sets(or_, cut)).astype(np.int64))


def order_profile(and_: Any, or_: Any = None, tau: float = DEFAULT_TAU, *,
                  cut: float | None = None) -> dict[str, dict[str, np.ndarray]]:
    """Per order k = 0 … n: how many salient AND / OR concepts, and their summed |I|.

    ``cut`` replaces the relative rule by an absolute threshold. Entry 0 is always 0 (∅ is not a
    concept); it is kept so that index = order.

    >>> p = order_profile([1.0, 2.0, 0.0, 1.0], [0.0, 0.0, 0.0, -4.0])
    >>> p["and"]["count"].tolist(), p["or"]["strength"].tolist()
    ([0, 1, 1], [0.0, 0.0, 4.0])
    """
    a = _table(and_, "and")
    o = np.zeros_like(a) if or_ is None else _table(or_, "or")
    if o.size != a.size:
        raise InputError(f"the AND and OR tables must have the same length, got {a.size} and {o.size}")
    if cut is None:
        cut = salience_threshold(a, o, tau)
    n = int(a.size).bit_length() - 1
    orders = np.bitwise_count(np.arange(a.size, dtype=np.uint64)).astype(np.int64)
    out: dict[str, dict[str, np.ndarray]] = {}
    for kind, table in (("and", a), ("or", o)):
        keep = salient_sets(table, cut)
        out[kind] = {"count": np.bincount(orders[keep], minlength=n + 1).astype(np.int64),
                     "strength": np.bincount(orders[keep], weights=np.abs(table[keep]), minlength=n + 1)}
    return out
