"""Planted sparse AND / OR games and brute-force references for the screening tests.

Independent of symlogic's screening code: terms are evaluated with plain numpy ``all`` / ``any``,
the Möbius expansion of an OR term is written out from its definition.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

Term = tuple[str, tuple[int, ...], float]


def planted_terms(n: int, k: int, *, max_order: int = 4, seed: int = 0, or_share: float = 0.5,
                  disjoint: bool = False) -> list[Term]:
    """``k`` terms (kind, sorted indices, coefficient) of order 1 … max_order over ``n`` candidates,
    coefficients ±[0.5, 2]; with ``disjoint`` no two terms share a candidate (kinds then unique)."""
    rng = np.random.default_rng(seed)
    terms: list[Term] = []
    used: set[int] = set()
    seen: set[tuple[int, ...]] = set()
    while len(terms) < k:
        order = int(rng.integers(1, max_order + 1))
        pool = np.array(sorted(set(range(n)) - used)) if disjoint else np.arange(n)
        if pool.size < order:
            raise ValueError("not enough candidates left for disjoint terms")
        support = tuple(sorted(int(i) for i in rng.choice(pool, size=order, replace=False)))
        if support in seen:
            continue
        seen.add(support)
        kind = "or" if order > 1 and rng.random() < or_share else "and"
        coef = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.0))
        terms.append((kind, support, coef))
        if disjoint:
            used.update(support)
    return terms


def game(terms: list[Term], bias: float = 0.0) -> Callable[[np.ndarray], np.ndarray]:
    """f(masks) = bias + Σ c·AND_S or c·OR_S, on bool masks [q, n]."""

    def f(masks: np.ndarray) -> np.ndarray:
        masks = np.asarray(masks, dtype=bool)
        out = np.full(masks.shape[0], bias)
        for kind, support, coef in terms:
            cols = masks[:, list(support)]
            out += coef * (cols.all(axis=1) if kind == "and" else cols.any(axis=1))
        return out

    return f


def noisy(f: Callable[[np.ndarray], np.ndarray], sigma: float, seed: int = 1) -> Callable[[np.ndarray], np.ndarray]:
    """``f`` plus independent Gaussian noise of standard deviation ``sigma`` on every answer."""
    rng = np.random.default_rng(seed)
    return lambda masks: f(masks) + sigma * rng.standard_normal(np.asarray(masks).shape[0])


def mobius(terms: list[Term]) -> dict[frozenset[int], float]:
    """The Möbius (AND-basis) coefficients: OR_S = Σ_{∅≠R⊆S} (−1)^{|R|+1} AND_R."""
    out: dict[frozenset[int], float] = {}
    for kind, support, coef in terms:
        subsets = [support] if kind == "and" else [r for size in range(1, len(support) + 1)
                                                    for r in itertools.combinations(support, size)]
        for r in subsets:
            sign = 1.0 if kind == "and" else (-1.0) ** (len(r) + 1)
            out[frozenset(r)] = out.get(frozenset(r), 0.0) + sign * coef
    return {s: c for s, c in out.items() if abs(c) > 1e-12}


def table(f: Callable[[np.ndarray], np.ndarray], n: int) -> np.ndarray:
    """f on all 2^n masks, indexed by the int mask (bit i = candidate i)."""
    idx = np.arange(1 << n, dtype=np.int64)
    return f(((idx[:, None] >> np.arange(n)) & 1).astype(bool))
