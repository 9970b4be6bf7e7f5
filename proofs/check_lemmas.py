"""Mechanical checks of the lemmas in soundness.md (SymPy identities, Z3 proofs over the reals).

Run: ``python proofs/check_lemmas.py``; exits 1 if any lemma fails to check.
"""

from __future__ import annotations

import sys

import sympy
import z3


def _subsets(mask: int):
    sub = mask
    while True:
        yield sub
        if sub == 0:
            return
        sub = (sub - 1) & mask


def universal_matching(n: int = 3) -> bool:
    """v(T) = v(∅) + Σ_{∅≠S⊆T} I_and(S) + Σ_{S∩T≠∅} I_or(S) for symbolic v and any split γ."""
    full = (1 << n) - 1
    v = sympy.symbols(f"v0:{1 << n}")
    g = sympy.symbols(f"g0:{1 << n}")
    v_and = [v[t] / 2 + g[t] for t in range(1 << n)]
    v_or = [v[t] / 2 - g[t] for t in range(1 << n)]
    sign = lambda s, t: (-1) ** (bin(s).count("1") - bin(t).count("1"))  # noqa: E731
    i_and = [sum(sign(s, t) * v_and[t] for t in _subsets(s)) for s in range(1 << n)]
    i_or = [v_or[0]] + [-sum(sign(s, t) * v_or[full ^ t] for t in _subsets(s)) for s in range(1, 1 << n)]
    for t in range(1 << n):
        rhs = i_and[0] + i_or[0] + sum(i_and[s] for s in _subsets(t) if s) + sum(i_or[s] for s in range(1, 1 << n) if s & t)
        if sympy.expand(rhs - v[t]) != 0:
            return False
    return True


def _prove(claim: z3.BoolRef) -> bool:
    s = z3.Solver()
    s.set("timeout", 30_000)
    s.add(z3.Not(claim))
    return s.check() == z3.unsat


def group_reduction(size: int = 4) -> bool:
    """Lemma A: every |v_i − f| ≤ ε ⇔ max v − f ≤ ε ∧ f − min v ≤ ε (max/min as exact selections)."""
    v = z3.Reals(" ".join(f"v{i}" for i in range(size)))
    f, eps = z3.Reals("f eps")
    vmax, vmin = v[0], v[0]
    for x in v[1:]:
        vmax = z3.If(x > vmax, x, vmax)
        vmin = z3.If(x < vmin, x, vmin)
    each = z3.And(*[z3.And(x - f <= eps, f - x <= eps) for x in v])
    return _prove(each == z3.And(vmax - f <= eps, f - vmin <= eps))


def margin_transfer() -> bool:
    """Lemma B: ε-closeness carries thresholds with margin ε and no_effect with margin 2ε."""
    v, f, v2, f2, eps, c, tol = z3.Reals("v f v2 f2 eps c tol")
    close = z3.And(v - f <= eps, f - v <= eps, v2 - f2 <= eps, f2 - v2 <= eps)
    thresholds = [
        z3.Implies(z3.And(close, f >= c + eps), v >= c),
        z3.Implies(z3.And(close, f > c + eps), v > c),
        z3.Implies(z3.And(close, f <= c - eps), v <= c),
        z3.Implies(z3.And(close, f < c - eps), v < c),
        z3.Implies(z3.And(close, f2 - f <= tol - 2 * eps, f - f2 <= tol - 2 * eps), z3.And(v2 - v <= tol, v - v2 <= tol)),
    ]
    return all(_prove(t) for t in thresholds)


def interaction_margin(order: int = 3) -> bool:
    """|I_v(S) − I_f(S)| ≤ 2^|S|·ε when |v − f| ≤ ε on every subset of S."""
    k = 1 << order
    v = z3.Reals(" ".join(f"v{i}" for i in range(k)))
    f = z3.Reals(" ".join(f"f{i}" for i in range(k)))
    eps = z3.Real("eps")
    close = z3.And(*[z3.And(v[t] - f[t] <= eps, f[t] - v[t] <= eps) for t in range(k)])
    sign = lambda t: (-1) ** (order - bin(t).count("1"))  # noqa: E731
    diff = z3.Sum([sign(t) * (v[t] - f[t]) for t in range(k)])
    return _prove(z3.Implies(close, z3.And(diff <= k * eps, -diff <= k * eps)))


def weak_duality() -> bool:
    """y·v − ζ‖y‖₁ ≤ ‖a‖₁ + ‖o‖₁ for n = 1 whenever Za + Oo = v + q, |q| ≤ ζ and y is dual-feasible."""
    a0, a1, o1, q0, q1, y0, y1, z = z3.Reals("a0 a1 o1 q0 q1 y0 y1 z")
    v0 = a0 - q0            # T = ∅: AND ∅ fires, OR {0} does not
    v1 = a0 + a1 + o1 - q1  # T = {0}: everything fires
    absr = lambda x: z3.If(x >= 0, x, -x)  # noqa: E731
    feasible = z3.And(absr(y0 + y1) <= 1, absr(y1) <= 1, absr(q0) <= z, absr(q1) <= z, z >= 0)
    bound = y0 * v0 + y1 * v1 - z * (absr(y0) + absr(y1))
    return _prove(z3.Implies(feasible, bound <= absr(a0) + absr(a1) + absr(o1)))


LEMMAS = {
    "universal matching (n = 3, symbolic)": universal_matching,
    "group reduction (Lemma A)": group_reduction,
    "margin transfer (Lemma B)": margin_transfer,
    "interaction margin 2^|S|·ε (|S| = 3)": interaction_margin,
    "weak duality (n = 1)": weak_duality,
}


def main() -> int:
    ok = True
    for name, check in LEMMAS.items():
        result = check()
        ok &= result
        print(f"[{'proved' if result else 'FAILED'}] {name}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
