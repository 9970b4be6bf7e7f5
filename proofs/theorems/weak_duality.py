"""Weak duality for the sparse AND-OR program: every dual-feasible y bounds the objective from below
(docs/theory.md §3.2, §3.3), so a reported gap objective − bound is a proof.

The programs, with Z, O, Zᵀ, Oᵀ the operators of docs/theory.md §2.3 and c_∅ = 1 when the
constant is paid for (``count_empty``), 0 otherwise:

    (P)  minimise Σ_S c_S|a_S| + Σ_{S≠∅}|o_S|  subject to  Za + Oo = v + q,  |q(T)| ≤ ζ;
    (D)  y with |(Zᵀy)(S)| ≤ 1 for every S (S ≠ ∅ when c_∅ = 0) and |(Oᵀy)(S)| ≤ 1 for S ≠ ∅,
         bound(y) = y·v − ζ‖y‖₁, minus |Σy|·(|v(∅)| + ζ) when c_∅ = 0.

Statement: bound(y) ≤ the objective of every feasible (a, o, q), for every dual-feasible y.

Checked:

1. the identity the one-line proof rests on, y·(Za + Oo − q) = (Zᵀy)·a + (Oᵀy)·o − y·q with
   (Oᵀy)(∅) = 0, as a SymPy identity over symbolic y, a, o, q for n = 0 … 5, for the definitions
   and for the package's butterflies (so Zᵀ, Oᵀ in the code are the transposes of Z, O);
2. the three scalar inequalities the proof sums (|x| ≤ 1 ⇒ x·a ≤ |a|; |q| ≤ ζ ⇒ −y·q ≤ ζ|y|;
   |q| ≤ ζ ⇒ s·(w + q) ≤ |s|·(|w| + ζ)) and the scaling ŷ = y/max(1, ‖Dᵀy‖∞), by Z3 for all reals;
3. the whole implication, both conventions, by Z3 over the reals with every one of y, a, o, q, ζ
   symbolic, for n = 1 … 3 (Z3 is handed instances of the inequalities of 2, which are valid, so
   they change no answer; without them it does not finish at n = 2);
4. ``symlogic.extraction.certified.dual_bound`` on 240 structured float tables (n = 1 … 3, both
   conventions, entries from ±1e-300 to ±1e300): the ŷ it scales to is exactly feasible and its
   float bound is at most the exact bound(ŷ) (exact rationals throughout).

For n > 3 the statement is the summed argument of docs/theorems/weak_duality.md, whose pieces are
1 (n ≤ 5) and 2 (all reals); 3 and 4 are checks, not proofs, for larger tables.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import z3

from . import _common as common
from ._common import (Counterexample, Refuted, Result, Table, Transform, absolute, lift, named, require_proved,
                      require_zero, run_check, size_limit, symbols, total)

NAME = "weak_duality"
TITLE = "Weak duality of the sparse AND-OR program (the certified gap is a proof)"
DOC = "docs/theorems/weak_duality.md"
MAX_N = 5
MAX_N_Z3 = 3

#: (y, v, ζ, n, count_empty) → the lower bound a dual y certifies.
Bound = Callable[[Table, Table, Any, int, bool], Any]
#: (y, v, ζ, count_empty) → (float bound, scale) as ``dual_bound`` returns them.
FloatBound = Callable[[Any, Any, float, bool], tuple[float, float]]


@dataclass(frozen=True)
class Operators:
    """Z, O and the two operators the dual is written with (docs/theory.md §2.3)."""

    label: str
    zeta: Transform
    or_sum: Transform
    superset_sum: Transform
    or_sum_transpose: Transform


DEFINITIONS = Operators("the definitions of docs/theory.md §2.3", common.zeta, common.or_sum, common.superset_sum,
                        common.or_sum_transpose)


def package_operators() -> Operators:
    """The package's butterflies as exact matrices."""
    from symlogic import transforms as tr

    return Operators("symlogic.transforms", lift(tr.subset_sum, "subset_sum"), lift(tr.or_sum, "or_sum"),
                     lift(tr.superset_sum, "superset_sum"), lift(tr.or_sum_transpose, "or_sum_transpose"))


@named("bound y·v − ζ‖y‖₁ (− |Σy|·(|v(∅)| + ζ) with ∅ free), docs/theory.md §3.3")
def dual_objective(y: Table, v: Table, zeta: Any, n: int, count_empty: bool) -> Any:
    """The lower bound of docs/theory.md §3.3 for a dual-feasible y."""
    value = total(y[t] * v[t] for t in range(1 << n)) - zeta * total(absolute(y[t]) for t in range(1 << n))
    if not count_empty:
        value = value - absolute(total(y)) * (absolute(v[0]) + zeta)
    return value


# ---- 1. the identity -------------------------------------------------------------------------


def _check_identity(n: int, ops: Operators) -> None:
    y, a, o, q = symbols("y", n), symbols("a", n), symbols("o", n), symbols("q", n)
    za, oo, zty, oty = ops.zeta(a, n), ops.or_sum(o, n), ops.superset_sum(y, n), ops.or_sum_transpose(y, n)
    where = f"n = {n}"
    require_zero(oty[0], "(Oᵀy)(∅) = 0 (no OR atom over ∅)", ops.label, where)
    left = total(y[t] * (za[t] + oo[t] - q[t]) for t in range(1 << n))
    right = total([*(zty[s] * a[s] for s in range(1 << n)), *(oty[s] * o[s] for s in range(1 << n)),
                   *(-y[t] * q[t] for t in range(1 << n))])
    require_zero(left - right, "y·(Za + Oo − q) = (Zᵀy)·a + (Oᵀy)·o − y·q", ops.label, where)


# ---- 2. the scalar lemmas --------------------------------------------------------------------


def _abs(x: z3.ArithRef) -> z3.ArithRef:
    return z3.If(x >= 0, x, -x)


def lemma_unit(x: Any, a: Any) -> z3.BoolRef:
    """|x| ≤ 1 ⇒ x·a ≤ |a|."""
    return z3.Implies(_abs(x) <= 1, x * a <= _abs(a))


def lemma_box(y: Any, q: Any, zeta: Any) -> z3.BoolRef:
    """|q| ≤ ζ ⇒ −y·q ≤ ζ·|y|."""
    return z3.Implies(_abs(q) <= zeta, -y * q <= zeta * _abs(y))


def lemma_constant(s: Any, w: Any, q: Any, zeta: Any) -> z3.BoolRef:
    """|q| ≤ ζ ⇒ s·(w + q) ≤ |s|·(|w| + ζ): the constant's price when ∅ is not paid for."""
    return z3.Implies(_abs(q) <= zeta, s * (w + q) <= _abs(s) * (_abs(w) + zeta))


def _check_lemmas() -> None:
    x, a, y, q, zeta, s, w = z3.Reals("x a y q zeta s w")
    require_proved(lemma_unit(x, a), "lemma |x| ≤ 1 ⇒ x·a ≤ |a|", "Z3 (all reals)", "scalars")
    require_proved(lemma_box(y, q, zeta), "lemma |q| ≤ ζ ⇒ −y·q ≤ ζ|y|", "Z3 (all reals)", "scalars")
    require_proved(lemma_constant(s, w, q, zeta), "lemma |q| ≤ ζ ⇒ s·(w + q) ≤ |s|(|w| + ζ)", "Z3 (all reals)",
                   "scalars")
    d = z3.Reals("d0 d1 d2")
    top = z3.Real("top")
    scale = z3.If(top >= 1, top, z3.RealVal(1))
    is_max = z3.And(*[_abs(x_) <= top for x_ in d], z3.Or(*[_abs(x_) == top for x_ in d]))
    require_proved(z3.Implies(is_max, z3.And(*[_abs(x_ / scale) <= 1 for x_ in d])),
                   "scaling ŷ = y / max(1, ‖Dᵀy‖∞) is feasible", "Z3 (all reals)", "three entries of Dᵀy")


# ---- 3. the implication, end to end ----------------------------------------------------------


def _check_end_to_end(n: int, ops: Operators, bound: Bound, count_empty: bool) -> None:
    size = 1 << n
    y = list(z3.Reals(" ".join(f"y{t}" for t in range(size))))
    a = list(z3.Reals(" ".join(f"a{s}" for s in range(size))))
    o = [z3.RealVal(0), *z3.Reals(" ".join(f"o{s}" for s in range(1, size)))]
    q = list(z3.Reals(" ".join(f"q{t}" for t in range(size))))
    zeta = z3.Real("zeta")
    za, oo, zty, oty = ops.zeta(a, n), ops.or_sum(o, n), ops.superset_sum(y, n), ops.or_sum_transpose(y, n)
    v = [za[t] + oo[t] - q[t] for t in range(size)]
    paid = range(size) if count_empty else range(1, size)
    dual = [_abs(zty[s]) <= 1 for s in paid] + [_abs(oty[s]) <= 1 for s in range(1, size)]
    primal = [zeta >= 0, *(_abs(q[t]) <= zeta for t in range(size))]
    objective = total([*(_abs(a[s]) for s in paid), *(_abs(o[s]) for s in range(1, size))])
    claim = z3.Implies(z3.And(*dual, *primal), bound(y, v, zeta, n, count_empty) <= objective)
    hints = [lemma_unit(zty[s], a[s]) for s in paid] + [lemma_unit(oty[s], o[s]) for s in range(1, size)]
    hints += [lemma_box(y[t], q[t], zeta) for t in range(size)]
    if not count_empty:
        hints.append(lemma_constant(zty[0], v[0], q[0], zeta))

    def recheck(model: dict[str, Fraction | str]) -> str | None:
        # Only the statement's own variables matter; Z3 may add interpretations of its internal
        # functions (e.g. division by zero), which are not numbers and are ignored here.
        ours = {k: x for k, x in model.items() if k == "zeta" or (k[:1] in "yaoq" and k[1:].isdigit())}
        val = {k: x for k, x in ours.items() if isinstance(x, Fraction)}
        if len(val) != len(ours):
            return None
        get = lambda name: val.get(name, Fraction(0))  # noqa: E731 - unconstrained symbols are 0
        ye, ae = [get(f"y{t}") for t in range(size)], [get(f"a{s}") for s in range(size)]
        oe, qe = [Fraction(0), *(get(f"o{s}") for s in range(1, size))], [get(f"q{t}") for t in range(size)]
        ze = get("zeta")
        za_e, oo_e = ops.zeta(ae, n), ops.or_sum(oe, n)
        ve = [za_e[t] + oo_e[t] - qe[t] for t in range(size)]
        zty_e, oty_e = ops.superset_sum(ye, n), ops.or_sum_transpose(ye, n)
        feasible = (all(abs(zty_e[s]) <= 1 for s in paid) and all(abs(oty_e[s]) <= 1 for s in range(1, size))
                    and ze >= 0 and all(abs(x) <= ze for x in qe))
        b = bound(ye, ve, ze, n, count_empty)
        obj = sum((abs(ae[s]) for s in paid), Fraction(0)) + sum((abs(x) for x in oe[1:]), Fraction(0))
        if feasible and b > obj:
            return f"feasible y and split with bound {b} > objective {obj}"
        return None

    require_proved(claim, f"bound ≤ objective (count_empty={count_empty})", f"{_label(bound)} with {ops.label}",
                   f"n = {n}", hints=hints, recheck=recheck)


def _label(f: Callable[..., Any]) -> str:
    return common.label(f)


# ---- 4. the package's float bound ------------------------------------------------------------


def _structured_cases(seed: int = 2024) -> list[tuple[list[float], list[float], float, bool]]:
    """240 deterministic (y, v, ζ, count_empty): random signs and magnitudes over 600 decades."""
    rng = random.Random(seed)
    mags = [0.0, 1e-300, 2.0**-1074, 1e-8, 0.1, 1 / 3, 0.5, 1.0, 3.0, 1e8, 1e300]
    cases = []
    for k in range(240):
        n = 1 + k % 3
        y = [rng.choice((-1, 1)) * rng.choice(mags) * rng.uniform(0.5, 2) for _ in range(1 << n)]
        v = [rng.choice((-1, 1)) * rng.choice(mags) * rng.uniform(0.5, 2) for _ in range(1 << n)]
        zeta = rng.choice(mags[:-1])
        cases.append((y, v, zeta, bool(k % 2)))
    return cases


def _check_float_bound(dual_bound: FloatBound, name: str) -> None:
    import numpy as np

    for k, (y, v, zeta, count_empty) in enumerate(_structured_cases()):
        n = len(y).bit_length() - 1
        value, scale = dual_bound(np.array(y), np.array(v), zeta, count_empty)
        y_hat = [Fraction(float(np.float64(x) / np.float64(scale))) for x in y]
        ve, ze = [Fraction(x) for x in v], Fraction(zeta)
        zty, oty = common.superset_sum(y_hat, n), common.or_sum_transpose(y_hat, n)
        paid = range(1 << n) if count_empty else range(1, 1 << n)
        where = f"structured case {k}: n = {n}, count_empty = {count_empty}, y = {y}, v = {v}, ζ = {zeta}"
        worst = max([abs(zty[s]) for s in paid] + [abs(oty[s]) for s in range(1, 1 << n)])
        if worst > 1:
            raise Refuted(Counterexample("the scaled ŷ is dual-feasible", name, where,
                                         f"scale {scale!r} leaves max |Dᵀŷ| = {float(worst)!r} > 1"))
        exact = dual_objective(y_hat, ve, ze, n, count_empty)
        if Fraction(value) > exact:
            raise Refuted(Counterexample("the float bound is below the exact bound of ŷ", name, where,
                                         f"returns {value!r}, exact bound(ŷ) = {float(exact)!r} "
                                         f"(excess {float(Fraction(value) - exact):.3g})"))


def check(*, operators: Operators | None = None, bound: Bound | None = None, float_bound: FloatBound | None = None,
          max_n: int = MAX_N, max_n_z3: int = MAX_N_Z3) -> Result:
    """Check parts 1–4 of the statement (smallest n first).

    Args:
        operators: Z, O, Zᵀ, Oᵀ under test; by default the definitions and the package's butterflies.
        bound: the lower bound under test ``(y, v, ζ, n, count_empty) -> value``, over SymPy, Z3 or
            Fraction elements (use ``_common.absolute`` for |·|); by default :func:`dual_objective`.
        float_bound: a float implementation under test with ``dual_bound``'s signature; by default
            ``symlogic.extraction.certified.dual_bound``.
        max_n: the largest n of the identity (0 … 7); max_n_z3: of the Z3 implication (1 … 3).
    """
    max_n = size_limit(max_n, "max_n", 0, 7)
    max_n_z3 = size_limit(max_n_z3, "max_n_z3", 1, 3)
    injected = operators is not None or bound is not None or float_bound is not None
    covers = (f"identity n = 0…{max_n} (SymPy), scalar lemmas (Z3, all reals), bound ≤ objective n = 1…{max_n_z3} "
              "(Z3 over the reals), dual_bound on 240 float tables" + (" (injected formulas)" if injected else ""))
    the_bound = bound or dual_objective

    def body() -> None:
        sets = [operators] if operators is not None else [DEFINITIONS]
        if not injected:
            sets.append(package_operators())
        for n in range(max_n + 1):
            for ops in sets:
                _check_identity(n, ops)
        _check_lemmas()
        for n in range(1, max_n_z3 + 1):
            for ops in sets:
                for count_empty in (True, False):
                    _check_end_to_end(n, ops, the_bound, count_empty)
        if float_bound is not None:
            _check_float_bound(float_bound, _label(float_bound))
        elif not injected:
            from symlogic.extraction.certified import dual_bound

            _check_float_bound(dual_bound, "symlogic.extraction.certified.dual_bound")

    return run_check(NAME, covers, body)
