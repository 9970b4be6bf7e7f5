"""Exact weights of the linear interaction indices (docs/theory.md §2.6), in rational arithmetic.

Every index here is a weighted sum of the Möbius (Harsanyi) dividends m over supersets, with a
weight that depends only on the sizes |S| = s and |U| = u and on the order k:

    I(S) = Σ_{U⊇S} c(s, |U|) m(U)                                        (Möbius form)
         = Σ_T w_S(T) v(T),   w_S(T) = W(|T∩S|, |T∖S|)                     (value form)

:func:`mobius_weights` gives the table c as exact fractions (the float kernel of
:mod:`symlogic.indices.weighted_mobius` rounds it once), :func:`value_weights` the value form
W(i, j), and :func:`abs_weight_sum` Σ_T |w_S(T)|, the factor of ε in a claim's margin. Nothing here
needs numpy or torch: the claim parser and the exact claim checks use it as it is.
"""

from __future__ import annotations

import difflib
import functools
import math
import operator
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from ..errors import InputError, short_repr

__all__ = [
    "LinearIndex",
    "LINEAR_INDICES",
    "PEER_INDICES",
    "name_key",
    "linear_index",
    "effective_order",
    "bernoulli",
    "mobius_weights",
    "value_weights",
    "abs_weight_sum",
    "or_term_weight",
]

Coefficient = Callable[[int, int, int], Fraction]  # c(s, u, k) for u ≥ s


@dataclass(frozen=True)
class LinearIndex:
    """One per-set index that is a weighted superset sum of the Möbius dividends.

    Attributes:
        name: canonical name (the registry's, and what a claim prints).
        aliases: other names (matched like the registry's: case, punctuation and accents ignored).
        uses_order: whether the values depend on the order k (k-SII, STII, FSII, FBII).
        coefficient: c(s, u, k), the weight of m(U) in I(S) for |S| = s ≤ u = |U|.
        description: one line.
        reference: the paper that defines it and the docs/theory.md section.
        empty: what the ∅ entry holds.
    """

    name: str
    aliases: tuple[str, ...]
    uses_order: bool
    coefficient: Coefficient
    description: str
    reference: str
    empty: str


def name_key(name: str) -> str:
    """Lookup form of an index name: accents dropped, case folded, only letters and digits kept."""
    plain = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in plain.casefold() if ch.isalnum())


@functools.lru_cache(maxsize=64)
def bernoulli(m: int) -> tuple[Fraction, ...]:
    """B_0 … B_m exactly, with B_1 = −1/2 (Σ_{j=0}^{d} C(d+1, j) B_j = 0 for d ≥ 1)."""
    out = [Fraction(1)]
    for d in range(1, m + 1):
        out.append(-sum((math.comb(d + 1, j) * out[j] for j in range(d)), Fraction(0)) / (d + 1))
    return tuple(out)


def _diag(s: int, u: int) -> Fraction:
    return Fraction(int(u == s))


# ---- c(s, u, k) of each index (u ≥ s); derivations in docs/theory.md §2.6 ----------------------


def _and(s: int, u: int, k: int) -> Fraction:
    return _diag(s, u)


def _or(s: int, u: int, k: int) -> Fraction:
    # I_or(S) = (−1)^{|S|+1} Σ_{U⊇S} m(U) for S ≠ ∅ (the co-Möbius transform with a sign), I_or(∅) = v(∅)
    return _diag(0, u) if s == 0 else Fraction(-1 if s % 2 == 0 else 1)


def _sii(s: int, u: int, k: int) -> Fraction:
    return Fraction(1, u - s + 1)


def _bii(s: int, u: int, k: int) -> Fraction:
    return Fraction(1, 1 << (u - s))


def _co_mobius(s: int, u: int, k: int) -> Fraction:
    return _diag(0, u) if s == 0 else Fraction(1)


def _k_sii(s: int, u: int, k: int) -> Fraction:
    if s == 0:
        return _diag(0, u)
    if s > k:
        return Fraction(0)
    d, b = u - s, bernoulli(k)
    # Σ_{j=0}^{min(k−s, d)} C(d, j) B_j / (d − j + 1) = (1/(d+1)) Σ_j C(d+1, j) B_j; [d = 0] when d ≤ k − s
    return sum((math.comb(d + 1, j) * b[j] for j in range(min(k - s, d) + 1)), Fraction(0)) / (d + 1)


def _stii(s: int, u: int, k: int) -> Fraction:
    if s < k:
        return _diag(s, u)
    if s > k:
        return Fraction(0)
    return Fraction(1, math.comb(u, k))


def _fsii(s: int, u: int, k: int) -> Fraction:
    if s == 0:
        return _diag(0, u)
    if s > k:
        return Fraction(0)
    if u <= k:
        return _diag(s, u)
    sign = -1 if (k - s) % 2 else 1
    return sign * Fraction(s, k + s) * math.comb(k, s) * Fraction(math.comb(u - 1, k), math.comb(u + k - 1, k + s))


def _fbii(s: int, u: int, k: int) -> Fraction:
    if s > k:
        return Fraction(0)
    if u <= k:
        return _diag(s, u)
    sign = -1 if (k - s) % 2 else 1
    return sign * Fraction(math.comb(u - s - 1, k - s), 1 << (u - s))


_TABLE = (
    LinearIndex("AND", ("Harsanyi", "Möbius", "Moebius"), False, _and,
                "Harsanyi dividends (Möbius transform): I(S) = Σ_{T⊆S} (−1)^{|S|−|T|} v(T); I(∅) = v(∅)",
                "docs/theory.md §2.1", "v(∅)"),
    LinearIndex("OR", (), False, _or,
                "OR interactions: I(S) = −Σ_{T⊆S} (−1)^{|S|−|T|} v(N∖T) for S ≠ ∅, I(∅) = v(∅)",
                "docs/theory.md §2.2", "v(∅)"),
    LinearIndex("SII", ("Shapley interaction", "Shapley interaction index"), False, _sii,
                "Shapley interaction index: I(S) = Σ_{U⊇S} m(U)/(|U|−|S|+1); I(∅) = Σ_U m(U)/(|U|+1)",
                "Grabisch & Roubens 1999; docs/theory.md §2.6",
                "Σ_U m(U)/(|U|+1), the mean over sizes of the mean output"),
    LinearIndex("BII", ("Banzhaf interaction", "Banzhaf interaction index"), False, _bii,
                "Banzhaf interaction index: I(S) = Σ_{U⊇S} m(U)/2^{|U|−|S|}; I(∅) = mean of v over all masks",
                "Grabisch & Roubens 1999; docs/theory.md §2.6", "the mean of v over all 2^n masks"),
    LinearIndex("k-SII", ("k-Shapley", "k-Shapley values", "n-Shapley values"), True, _k_sii,
                "k-Shapley interactions: SII aggregated to order k with Bernoulli numbers; efficient, I(∅) = v(∅)",
                "Bordt & von Luxburg 2023; docs/theory.md §2.6", "v(∅)"),
    LinearIndex("STII", ("Shapley-Taylor", "Shapley-Taylor interaction index"), True, _stii,
                "Shapley-Taylor interactions of order k: m(S) below k, Σ_{U⊇S} m(U)/C(|U|, k) at k; efficient",
                "Sundararajan et al. 2020; docs/theory.md §2.6", "v(∅)"),
    LinearIndex("FSII", ("Faith-Shap", "Faithful Shapley", "Faithful Shapley interaction index"), True, _fsii,
                "Faithful Shapley interactions of order k (Shapley-kernel least squares exact at ∅ and N); efficient",
                "Tsai, Yeh & Ravikumar 2023; docs/theory.md §2.6", "v(∅)"),
    LinearIndex("FBII", ("Faith-Banzhaf", "Faithful Banzhaf", "Faithful Banzhaf interaction index"), True, _fbii,
                "Faithful Banzhaf interactions of order k (uniform least squares over all masks, ∅ its intercept)",
                "Tsai, Yeh & Ravikumar 2023; docs/theory.md §2.6", "the least-squares intercept"),
    LinearIndex("Co-Möbius", ("Co-Moebius",), False, _co_mobius,
                "co-Möbius transform: I(S) = Σ_{U⊇S} m(U) = Σ_{B⊆S} (−1)^{|B|} v(N∖B), S ≠ ∅; I(∅) = v(∅)",
                "Grabisch 2016; docs/theory.md §2.6", "v(∅) (shapiq's convention; the transform itself gives v(N))"),
)

#: Every index with exact weights, canonical name → :class:`LinearIndex` (the ones a claim can name).
LINEAR_INDICES: Mapping[str, LinearIndex] = MappingProxyType({x.name: x for x in _TABLE})
#: The peer indices of the field (shapiq's names), registered by :mod:`symlogic.index_registry`.
PEER_INDICES: tuple[str, ...] = ("SII", "BII", "k-SII", "STII", "FSII", "FBII", "Co-Möbius")
_LOOKUP = {name_key(a): x.name for x in _TABLE for a in (x.name, *x.aliases)}
# Per-variable values are a per-set index on singletons: the hint a claim gets when it names one.
_PER_VARIABLE = {"shapley": "SII", "sv": "SII", "banzhaf": "BII", "bv": "BII"}


def linear_index(name: str) -> LinearIndex:
    """The :class:`LinearIndex` named ``name`` (or an alias); an :class:`InputError` naming the
    ones there are, and the closest, otherwise."""
    if not isinstance(name, str):
        raise InputError(f"an index is named by a string such as 'SII', got {short_repr(name)}")
    key = name_key(name)
    if key in _LOOKUP:
        return LINEAR_INDICES[_LOOKUP[key]]
    known = ", ".join(LINEAR_INDICES)
    if key in _PER_VARIABLE:
        peer = _PER_VARIABLE[key]
        raise InputError(f"{name!r} is a per-variable value, not a per-set index; the value of variable a is "
                         f"interaction[{peer}](a). Indices with exact weights: {known}")
    close = difflib.get_close_matches(key, list(_LOOKUP), n=1, cutoff=0.6)
    hint = f"; did you mean {_LOOKUP[close[0]]!r}?" if close else "."
    raise InputError(f"unknown interaction index {name!r}{hint} Indices with exact weights: {known}")


def effective_order(index: LinearIndex, n: int, order: int | None) -> int:
    """The order k the weights use: n when ``order`` is None or above n; ≥ 1 for an index that uses it."""
    if order is None:
        return n
    try:
        whole = None if isinstance(order, bool) else operator.index(order)  # ints, numpy integers
    except TypeError:
        whole = None
    if whole is None or whole < 0:
        raise InputError(f"order must be None (all sizes) or a whole number ≥ 1, got {short_repr(order)}")
    order = whole
    if index.uses_order and order < 1 and n > 0:
        raise InputError(f"{index.name} needs an order k ≥ 1 (the largest set size it reports), got {order}")
    return min(order, n)


@functools.lru_cache(maxsize=256)
def mobius_weights(name: str, n: int, order: int | None = None) -> tuple[tuple[Fraction, ...], ...]:
    """The table c[s][u] (s, u = 0 … n; 0 where u < s) of the index ``name`` over n variables.

    Examples:
        >>> [str(x) for x in mobius_weights("SII", 2)[1]]
        ['0', '1', '1/2']
        >>> [str(x) for x in mobius_weights("k-SII", 3, 1)[1]]   # order 1: the Shapley value
        ['0', '1', '1/2', '1/3']
    """
    index = linear_index(name)
    k = effective_order(index, n, order)
    return tuple(tuple(index.coefficient(s, u, k) if u >= s else Fraction(0) for u in range(n + 1))
                 for s in range(n + 1))


@functools.lru_cache(maxsize=1024)
def value_weights(name: str, s: int, n: int, order: int | None = None) -> Mapping[tuple[int, int], Fraction]:
    """The value form of I(S) for |S| = s: {(i, j): W} with w_S(T) = W(|T∩S|, |T∖S|), nonzero W only.

    W(i, j) = Σ_{u=s+j}^{n} c(s, u)·C(n−s−j, u−s−j)·(−1)^{u−i−j}, because
    m(U) = Σ_{T⊆U} (−1)^{|U|−|T|} v(T) and the U ⊇ S ∪ T of size u number C(n − |S∪T|, u − |S∪T|).

    Examples:
        >>> dict(value_weights("AND", 1, 2))   # I({a}) = v({a}) − v(∅)
        {(0, 0): Fraction(-1, 1), (1, 0): Fraction(1, 1)}
    """
    if not 0 <= s <= n:
        raise InputError(f"a set of {s} variables does not exist among {n}")
    row = mobius_weights(name, n, order)[s]
    out: dict[tuple[int, int], Fraction] = {}
    for j in range(n - s + 1):
        tail = sum((row[u] * math.comb(n - s - j, u - s - j) * (-1 if u % 2 else 1) for u in range(s + j, n + 1)),
                   Fraction(0))
        for i in range(s + 1):
            w = tail if (i + j) % 2 == 0 else -tail
            if w:
                out[(i, j)] = w
    return MappingProxyType(out)


def abs_weight_sum(name: str, s: int, n: int, order: int | None = None) -> Fraction:
    """Σ_T |w_S(T)| for |S| = s: |I_f(S) − I_v(S)| ≤ ε·this when |f − v| ≤ ε on every mask (tight).

    Examples:
        >>> abs_weight_sum("AND", 2, 5), abs_weight_sum("SII", 2, 5)   # both 2^{|S|}
        (Fraction(4, 1), Fraction(4, 1))
    """
    weights = value_weights(name, s, n, order)
    return sum((math.comb(s, i) * math.comb(n - s, j) * abs(w) for (i, j), w in weights.items()), Fraction(0))


def or_term_weight(name: str, s: int, r: int, n: int, order: int | None = None) -> Fraction:
    """The weight of an OR term over R ⊇ S (|R| = r) in I(S): its dividends are −(−1)^{|U|} on every
    ∅ ≠ U ⊆ R, so the weight is −Σ_{u=max(s,1)}^{r} C(r−s, u−s)(−1)^u c(s, u)."""
    row = mobius_weights(name, n, order)[s]
    return -sum((math.comb(r - s, u - s) * (-1 if u % 2 else 1) * row[u] for u in range(max(s, 1), r + 1)),
                Fraction(0))
