"""Shapley and Banzhaf values from AND interactions agree with their own definitions (docs/theory.md §2.5).

Statement, for every table v over n ≥ 1 variables (symbolic) with dividends I = M v:

1. Shapley (1953): φ_i = Σ_{S∋i} I(S)/|S| equals the average over all n! orderings π of the
   marginal contribution v(P ∪ {i}) − v(P), P the variables before i in π; and Σ_i φ_i = v(N) − v(∅).
2. Banzhaf (1965): β_i = Σ_{S∋i} I(S)/2^{|S|−1} equals 2^{1−n} Σ_{T⊆N∖{i}} (v(T ∪ {i}) − v(T)).
3. The package: ``symlogic.shapley_values`` and ``banzhaf_values`` map each unit dividend e_S to
   the correctly rounded float64 of its weight on the variables of S and to 0 elsewhere, so they
   compute the formulas above with each weight rounded once (1/3 is not a float).

Checked: 1 and 2 as SymPy identities, enumerating the orderings and subsets, for n = 1 … 5; 3 for
the same n. A check for those sizes; the general argument is in docs/theorems/semivalues.md.
``check(shapley=…, banzhaf=…)`` tests injected formulas ``(dividends, n) -> [value per variable]``.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import sympy

from ._common import (Counterexample, Refuted, Result, Table, Transform, mobius, named, popcount, require_zero,
                      run_check, set_text, size_limit, symbols, total)
from ._common import label as label_of

NAME = "semivalues"
TITLE = "Shapley and Banzhaf values from AND interactions = their permutation / subset definitions"
DOC = "docs/theorems/semivalues.md"
MAX_N = 5


@named("Shapley from dividends Σ_{S∋i} I(S)/|S| (docs/theory.md §2.5)")
def shapley_from_dividends(i_and: Table, n: int) -> list:
    """φ_i = Σ_{S∋i} I(S)/|S|."""
    return [total([0, *(sympy.Rational(1, popcount(s)) * i_and[s] for s in range(1 << n) if s >> i & 1)])
            for i in range(n)]


@named("Banzhaf from dividends Σ_{S∋i} I(S)/2^{|S|−1} (docs/theory.md §2.5)")
def banzhaf_from_dividends(i_and: Table, n: int) -> list:
    """β_i = Σ_{S∋i} I(S)/2^{|S|−1}."""
    return [total([0, *(sympy.Rational(1, 1 << (popcount(s) - 1)) * i_and[s] for s in range(1 << n) if s >> i & 1)])
            for i in range(n)]


def shapley_by_orderings(v: Table, n: int) -> list:
    """(1/n!) Σ_π (v(P_π(i) ∪ {i}) − v(P_π(i))), every ordering enumerated."""
    sums: list[list] = [[] for _ in range(n)]
    for order in itertools.permutations(range(n)):
        before = 0
        for i in order:
            sums[i].append(v[before | 1 << i] - v[before])
            before |= 1 << i
    return [sympy.Rational(1, math.factorial(n)) * total(terms) for terms in sums]


def banzhaf_by_subsets(v: Table, n: int) -> list:
    """2^{1−n} Σ_{T⊆N∖{i}} (v(T ∪ {i}) − v(T))."""
    return [sympy.Rational(1, 1 << (n - 1)) * total(v[t | 1 << i] - v[t] for t in range(1 << n) if not t >> i & 1)
            for i in range(n)]


def _package_weights(n: int) -> None:
    """The package's attributions of each unit dividend: the correctly rounded weights, exactly."""
    import numpy as np

    from symlogic.attribution import banzhaf_values, shapley_values

    eye = np.eye(1 << n)
    for func, weight in ((shapley_values, lambda k: Fraction(1, k)), (banzhaf_values, lambda k: Fraction(1, 1 << (k - 1)))):
        got = np.asarray(func(eye), dtype=np.float64)
        for s in range(1 << n):
            for i in range(n):
                want = float(weight(popcount(s))) if s >> i & 1 else 0.0
                if got[s, i] != want:
                    raise Refuted(Counterexample(
                        "package weights", f"symlogic.attribution.{func.__name__}",
                        f"n = {n}, unit dividend S = {set_text(s)}, i = {i}",
                        f"gives {got[s, i]!r}, not the correctly rounded weight {want!r}"))


def check(*, shapley: Transform | None = None, banzhaf: Transform | None = None, max_n: int = MAX_N) -> Result:
    """Check the statement for n = 1 … ``max_n`` (smallest n first).

    Args:
        shapley, banzhaf: formulas under test ``(dividends, n) -> [value of variable 0, …]``; by
            default the dividend formulas of docs/theory.md §2.5 (and the package's functions).
        max_n: the largest number of variables (1 … 6; n! orderings are enumerated).
    """
    max_n = size_limit(max_n, "max_n", 1, 6)
    injected = shapley is not None or banzhaf is not None
    covers = (f"SymPy identities over a symbolic table, all n! orderings, for n = 1…{max_n}"
              + (" (injected formulas)" if injected else " (and symlogic.attribution's weights)"))
    phi_f = shapley or shapley_from_dividends
    beta_f = banzhaf or banzhaf_from_dividends

    def body() -> None:
        for n in range(1, max_n + 1):
            v = symbols("v", n)
            i_and = mobius(v, n)
            phi, beta = phi_f(i_and, n), beta_f(i_and, n)
            for i, (got, want) in enumerate(zip(phi, shapley_by_orderings(v, n))):
                require_zero(got - want, "Shapley = average marginal contribution over all orderings", label_of(phi_f),
                             f"n = {n}, variable i = {i}")
            require_zero(total(phi) - v[-1] + v[0], "efficiency Σ_i φ_i = v(N) − v(∅)", label_of(phi_f), f"n = {n}")
            for i, (got, want) in enumerate(zip(beta, banzhaf_by_subsets(v, n))):
                require_zero(got - want, "Banzhaf = mean marginal contribution over subsets", label_of(beta_f),
                             f"n = {n}, variable i = {i}")
            if not injected:
                _package_weights(n)

    return run_check(NAME, covers, body)
