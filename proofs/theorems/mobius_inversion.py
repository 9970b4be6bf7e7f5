"""Möbius inversion and universal matching for AND, for OR and for the AND-OR split (docs/theory.md §2.1, §2.2, §2.4).

Statement, for every table v over n variables (v, γ, q symbolic: one SymPy symbol per mask):

1. AND: I = M v satisfies v(T) = Σ_{S⊆T} I(S) for every mask T, and the values transform is its
   two-sided inverse (Z M v = v and M Z x = x).
2. OR: I = I_or(v) (§2.2) satisfies v(T) = I(∅) + Σ_{S≠∅, S∩T≠∅} I(S) for every T, and the OR
   values transform is its two-sided inverse.
3. AND-OR: for an arbitrary split v_and = ½(v + q) + γ, v_or = ½(v + q) − γ (γ, q symbolic, §3.1),
   with I_and of v_and and I_or of v_or, every mask is matched,
   v(T) + q(T) = I_and(∅) + I_or(∅) + Σ_{∅≠S⊆T} I_and(S) + Σ_{S∩T≠∅} I_or(S),
   and at T = N all interactions add up: Σ_S I_and(S) + Σ_S I_or(S) = v(N) + q(N) (q = 0: §2.4).

Checked: each identity is expanded by SymPy and must be 0 for n = 0 … 5 (a check for those sizes,
not a proof for all n; the general argument is in docs/theorems/mobius_inversion.md), for the
definitions of docs/theory.md and for the package's butterflies (``symlogic.transforms``) read as
exact matrices. A formula under test can be injected: ``check(and_transform=wrong)`` checks only it.
"""

from __future__ import annotations

import sympy

from . import _common as common
from ._common import Result, Table, Transform, lift, require_zero, run_check, set_text, size_limit, submasks, symbols, total
from ._common import label as label_of

NAME = "mobius_inversion"
TITLE = "Möbius inversion and universal matching (AND, OR, AND-OR with any split γ)"
DOC = "docs/theorems/mobius_inversion.md"
MAX_N = 5


def _package() -> dict[str, Transform]:
    from symlogic import transforms as tr

    return {
        "and_transform": lift(tr.and_interactions, "symlogic.transforms.and_interactions"),
        "and_values": lift(tr.and_values, "symlogic.transforms.and_values"),
        "or_transform": lift(tr.or_interactions, "symlogic.transforms.or_interactions"),
        "or_values": lift(tr.or_values, "symlogic.transforms.or_values"),
    }


def _and_fired(i: Table, t: int) -> object:
    """Σ_{S⊆T} I(S): the AND terms that fire on T (the constant included)."""
    return total(i[s] for s in submasks(t))


def _or_fired(i: Table, t: int, n: int) -> object:
    """I(∅) + Σ_{S≠∅, S∩T≠∅} I(S): the constant and the OR terms that fire on T."""
    return total([i[0], *(i[s] for s in range(1, 1 << n) if s & t)])


def _check_and(n: int, forward: Transform, inverse: Transform) -> None:
    v = symbols("v", n)
    i = forward(v, n)
    name = label_of(forward)
    for t in range(1 << n):
        require_zero(_and_fired(i, t) - v[t], "AND matching v(T) = Σ_{S⊆T} I_and(S)", name, f"n = {n}, T = {set_text(t)}")
    pair = f"{label_of(inverse)} ∘ {name}"
    for t, (back, x) in enumerate(zip(inverse(i, n), v)):
        require_zero(back - x, "AND inversion (values of the interactions)", pair, f"n = {n}, T = {set_text(t)}")
    for s, (again, x) in enumerate(zip(forward(inverse(v, n), n), v)):
        require_zero(again - x, "AND inversion (interactions of the values)", f"{name} ∘ {label_of(inverse)}",
                     f"n = {n}, S = {set_text(s)}")


def _check_or(n: int, forward: Transform, inverse: Transform) -> None:
    v = symbols("v", n)
    i = forward(v, n)
    name = label_of(forward)
    for t in range(1 << n):
        require_zero(_or_fired(i, t, n) - v[t], "OR matching v(T) = I_or(∅) + Σ_{S∩T≠∅} I_or(S)", name,
                     f"n = {n}, T = {set_text(t)}")
    for t, (back, x) in enumerate(zip(inverse(i, n), v)):
        require_zero(back - x, "OR inversion (values of the interactions)", f"{label_of(inverse)} ∘ {name}",
                     f"n = {n}, T = {set_text(t)}")
    for s, (again, x) in enumerate(zip(forward(inverse(v, n), n), v)):
        require_zero(again - x, "OR inversion (interactions of the values)", f"{name} ∘ {label_of(inverse)}",
                     f"n = {n}, S = {set_text(s)}")


def _check_split(n: int, and_t: Transform, or_t: Transform) -> None:
    v, g, q = symbols("v", n), symbols("g", n), symbols("q", n)
    half = sympy.Rational(1, 2)
    v_and = [half * (v[t] + q[t]) + g[t] for t in range(1 << n)]
    v_or = [half * (v[t] + q[t]) - g[t] for t in range(1 << n)]
    i_and, i_or = and_t(v_and, n), or_t(v_or, n)
    pair = f"{label_of(and_t)} + {label_of(or_t)}"
    for t in range(1 << n):
        fired = total([i_and[0], i_or[0], *(i_and[s] for s in submasks(t) if s),
                       *(i_or[s] for s in range(1, 1 << n) if s & t)])
        require_zero(fired - v[t] - q[t], "AND-OR universal matching for any split γ", pair, f"n = {n}, T = {set_text(t)}")
    full = (1 << n) - 1
    require_zero(total([*i_and, *i_or]) - v[full] - q[full], "AND-OR sum Σ I_and + Σ I_or = v(N) + q(N)", pair,
                 f"n = {n}")


def check(*, and_transform: Transform | None = None, and_values: Transform | None = None,
          or_transform: Transform | None = None, or_values: Transform | None = None, max_n: int = MAX_N) -> Result:
    """Check the statement for n = 0 … ``max_n``; smallest n first, so a counterexample is minimal in n.

    Args:
        and_transform, and_values, or_transform, or_values: formulas under test, each
            ``(table, n) -> table`` over any element type. When none is given, the definitions of
            docs/theory.md and the package's butterflies are checked; an injected formula replaces
            both candidates of its slot (the other slots keep the definitions).
        max_n: the largest number of variables (0 … 7).

    Returns:
        A :class:`~proofs.theorems._common.Result`; a counterexample names the part, the formula,
        n, the mask and the residual.
    """
    max_n = size_limit(max_n, "max_n", 0, 7)
    injected = {"and_transform": and_transform, "and_values": and_values, "or_transform": or_transform,
                "or_values": or_values}
    use_package = all(f is None for f in injected.values())
    covers = (f"SymPy identities over symbolic v, γ, q for n = 0…{max_n}"
              + (" (definitions and symlogic.transforms)" if use_package else " (injected formulas)"))

    def body() -> None:
        defs: dict[str, Transform] = {"and_transform": common.mobius, "and_values": common.zeta,
                                      "or_transform": common.or_transform, "or_values": common.or_values}
        defs.update({k: f for k, f in injected.items() if f is not None})
        sets: list[dict[str, Transform]] = [defs]
        if use_package:
            sets.append(_package())
        for n in range(max_n + 1):
            for fs in sets:
                _check_and(n, fs["and_transform"], fs["and_values"])
                _check_or(n, fs["or_transform"], fs["or_values"])
                _check_split(n, fs["and_transform"], fs["or_transform"])

    return run_check(NAME, covers, body)
