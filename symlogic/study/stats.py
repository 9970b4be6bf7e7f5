"""Statistics over many samples' interactions: order distributions and sparsity (docs/theory.md §3.6, §5.3).

Pure functions on interaction tables (float arrays of length 2^n, index = mask), one sample at a
time and then over samples; the salience rule is :mod:`symlogic.salience`'s (|I(S)| ≥ τ·max|I|
over AND and OR together, ∅ never a concept). Samples may have different n: a sample has no
concepts of order above its n, and counts as 0 there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ..salience import DEFAULT_TAU, check_tau, order_profile, salience_threshold, salient_sets
from ..transforms import and_interactions

__all__ = ["OrderDistribution", "Sparsity", "order_distribution", "sparsity", "SPARSITY_KINDS"]

#: "and-or": the salient concepts of the sparse AND-OR split; "and": the salient AND (Harsanyi)
#: interactions of the recorded table itself (no split), the count the sparsity papers report.
SPARSITY_KINDS = ("and-or", "and")


def _array(data: Any, what: str, dtype: Any) -> np.ndarray:
    try:
        return np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what} must be a numeric array: {exc}") from None


@dataclass(frozen=True)
class OrderDistribution:
    """Salient concepts per order k = 1 … K (K the largest n) for each of S samples (docs/theory.md §5.3).

    Attributes:
        tau: the salience threshold τ (a share of each sample's largest |I|).
        n: [S] the number of variables of each sample.
        and_count, or_count: [S, K] how many salient AND / OR concepts of order k.
        and_strength, or_strength: [S, K] their summed |I|.
    """

    tau: float
    n: np.ndarray
    and_count: np.ndarray
    or_count: np.ndarray
    and_strength: np.ndarray
    or_strength: np.ndarray

    @property
    def orders(self) -> np.ndarray:
        """1 … K."""
        return np.arange(1, self.and_count.shape[1] + 1)

    @property
    def samples(self) -> int:
        return int(self.n.shape[0])

    @property
    def count(self) -> np.ndarray:
        """[S, K] salient concepts per order, AND and OR together."""
        return self.and_count + self.or_count

    @property
    def strength(self) -> np.ndarray:
        """[S, K] Σ|I| of the salient concepts per order, AND and OR together."""
        return self.and_strength + self.or_strength

    @property
    def share(self) -> np.ndarray:
        """[S, K] each order's part of the sample's total salient strength (rows sum to 1; 0 for a
        sample without concepts): comparable across samples whose outputs differ in scale."""
        total = self.strength.sum(axis=1, keepdims=True)
        return np.divide(self.strength, total, out=np.zeros_like(self.strength), where=total > 0)

    def _table(self, what: str) -> np.ndarray:
        tables = {"strength": self.strength, "count": self.count, "share": self.share,
                  "and_strength": self.and_strength, "or_strength": self.or_strength,
                  "and_count": self.and_count, "or_count": self.or_count}
        if what not in tables:
            raise InputError(f"unknown quantity {what!r}; use one of {sorted(tables)}")
        return np.asarray(tables[what], dtype=np.float64)

    def mean(self, what: str = "strength") -> np.ndarray:
        """[K] the mean over samples of ``what`` ("strength", "count", "share", or "and_"/"or_" + strength/count)."""
        t = self._table(what)
        return t.mean(axis=0) if t.shape[0] else np.zeros(t.shape[1])

    def spread(self, what: str = "strength") -> np.ndarray:
        """[K] the standard deviation over samples (population, ddof = 0) of ``what``."""
        t = self._table(what)
        return t.std(axis=0) if t.shape[0] else np.zeros(t.shape[1])

    def mean_order(self) -> np.ndarray:
        """[S] each sample's strength-weighted mean order Σ_k k·share_k (0 without concepts): one
        number per sample that rises when high-order concepts carry more of the output."""
        return self.share @ self.orders.astype(np.float64)

    def high_order_share(self, k: int) -> np.ndarray:
        """[S] the part of each sample's salient strength carried by concepts of order > ``k``."""
        return self.share[:, k:].sum(axis=1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly: the per-sample tables and their mean and spread."""
        return {"tau": self.tau, "n": self.n.tolist(), "and_count": self.and_count.tolist(),
                "or_count": self.or_count.tolist(), "and_strength": self.and_strength.tolist(),
                "or_strength": self.or_strength.tolist(),
                "mean": {w: self.mean(w).tolist() for w in ("strength", "count", "share")},
                "spread": {w: self.spread(w).tolist() for w in ("strength", "count", "share")}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "OrderDistribution":
        """Inverse of :meth:`to_dict` (the means are derived, not read); InputError when malformed."""
        try:
            tau = float(data["tau"])
            n = _array(data["n"], "n", np.int64).reshape(-1)
            tables = [_array(data[k], k, dt) for k, dt in (("and_count", np.int64), ("or_count", np.int64),
                                                            ("and_strength", np.float64), ("or_strength", np.float64))]
        except (KeyError, TypeError) as exc:
            raise InputError(f"an order distribution needs tau, n and the four tables: {exc}") from None
        k = max((int(x) for x in n), default=0)
        if any(t.shape != (n.shape[0], k) for t in tables):
            raise InputError(f"an order distribution's tables must have shape [samples, max n] = [{n.shape[0]}, {k}]")
        return cls(tau, n, *tables)

    def table(self, what: str = "strength") -> str:
        """A text table: order, mean ± spread of ``what``."""
        mean, spread = self.mean(what), self.spread(what)
        rows = [f"order {k:>2}: {m:10.4g} ± {s:.3g}" for k, m, s in zip(self.orders, mean, spread)]
        return f"{what} per order over {self.samples} samples (τ = {self.tau:g}):\n" + "\n".join(rows)


def order_distribution(tables: Sequence[tuple[Any, Any]], tau: float = DEFAULT_TAU) -> OrderDistribution:
    """The :class:`OrderDistribution` of samples given as (I_and, I_or) pairs of full tables.

    Each sample's counts and strengths are :func:`symlogic.salience.order_profile` at ``tau``
    (its own threshold τ·max|I|); orders above a sample's n are 0.

    >>> d = order_distribution([([0.0, 2.0, 0.0, 1.0], [0.0, 0.0, 0.0, -4.0])], tau=0.05)
    >>> d.and_count.tolist(), d.strength.tolist()
    ([[1, 1]], [[2.0, 5.0]])
    """
    check_tau(tau)
    profiles = [order_profile(a, o, tau) for a, o in tables]
    ns = np.array([len(p["and"]["count"]) - 1 for p in profiles], dtype=np.int64)
    k = int(ns.max(initial=0))

    def stack(kind: str, what: str, dtype: Any) -> np.ndarray:
        out = np.zeros((len(profiles), k), dtype=dtype)
        for i, p in enumerate(profiles):
            row = p[kind][what][1:]
            out[i, :row.shape[0]] = row
        return out

    return OrderDistribution(float(tau), ns, stack("and", "count", np.int64), stack("or", "count", np.int64),
                             stack("and", "strength", np.float64), stack("or", "strength", np.float64))


@dataclass(frozen=True)
class Sparsity:
    """The share of salient concepts among the 2^n subsets, per sample (docs/theory.md §3.6).

    Attributes:
        kind: "and-or" (the sparse split's salient AND and OR concepts) or "and" (the recorded
            table's own salient AND interactions).
        tau: the salience threshold.
        n: [S] variables per sample.
        counts: [S] salient concepts per sample.
    """

    kind: str
    tau: float
    n: np.ndarray
    counts: np.ndarray

    @property
    def per_sample(self) -> np.ndarray:
        """[S] counts / 2^n."""
        return self.counts / np.exp2(self.n.astype(np.float64))

    @property
    def mean(self) -> float:
        """The mean share over samples (NaN for no samples)."""
        return float(self.per_sample.mean()) if self.n.size else float("nan")

    @property
    def spread(self) -> float:
        """The standard deviation of the share over samples (ddof = 0)."""
        return float(self.per_sample.std()) if self.n.size else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "tau": self.tau, "n": self.n.tolist(), "counts": self.counts.tolist(),
                "per_sample": self.per_sample.tolist(), "mean": self.mean if self.n.size else None,
                "spread": self.spread if self.n.size else None}

    def __str__(self) -> str:
        return (f"sparsity ({self.kind}, τ = {self.tau:g}): {100 * self.mean:.3g} % ± {100 * self.spread:.2g} % of the "
                f"2^n subsets are salient concepts, over {self.n.size} samples")


def salient_count(and_: Any, or_: Any = None, tau: float = DEFAULT_TAU) -> int:
    """How many salient concepts (S ≠ ∅) a sample has, AND and OR together."""
    a = np.asarray(and_, dtype=np.float64)
    o = np.zeros_like(a) if or_ is None else np.asarray(or_, dtype=np.float64)
    cut = salience_threshold(a, o, tau)
    return int(salient_sets(a, cut).sum() + salient_sets(o, cut).sum())


def sparsity(samples: Sequence[Any], tau: float = DEFAULT_TAU, kind: str = "and-or") -> Sparsity:
    """The :class:`Sparsity` of samples: (I_and, I_or) pairs for "and-or", recorded tables v for "and".

    >>> s = sparsity([[0.0, 1.0, 1.0, 3.0]], kind="and")  # I_and = (0, 1, 1, 1): three concepts of 4 subsets
    >>> s.counts.tolist(), s.mean
    ([3], 0.75)
    """
    check_tau(tau)
    if kind not in SPARSITY_KINDS:
        raise InputError(f"unknown sparsity kind {kind!r}; use one of {SPARSITY_KINDS}")
    counts, ns = [], []
    for item in samples:
        if kind == "and":
            v = np.asarray(item, dtype=np.float64)
            a, o = and_interactions(v), None
        else:
            a, o = (np.asarray(t, dtype=np.float64) for t in item)
        counts.append(salient_count(a, o, tau))
        ns.append(int(a.shape[0]).bit_length() - 1)
    return Sparsity(kind, float(tau), np.array(ns, dtype=np.int64), np.array(counts, dtype=np.int64))
