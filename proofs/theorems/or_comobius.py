"""OR interactions as a reversed, negated AND transform, and their relation to the co-Möbius transform
(docs/theory.md §2.2, §2.6).

Statement, for every table u over n variables (symbolic), with c(T) = N∖T, M the Möbius transform
and u*(T) = u(N) − u(N∖T) the dual game:

1. Reversed and negated: I_or(S) = −(M(u∘c))(S) for S ≠ ∅ and I_or(∅) = u(∅); the package's
   ``reverse_masks`` is u ↦ u∘c (index T ↦ (2^n − 1) XOR T).
2. Co-Möbius (Grabisch 2016): m̌(S) = Σ_{B⊆S} (−1)^{|B|} u(N∖B) equals the derivative form
   Δ_S u(N∖S) = Σ_{L⊆S} (−1)^{|S|−|L|} u((N∖S) ∪ L) (shapiq's "Co-Moebius") and the superset sums
   of the dividends, m̌(S) = Σ_{U⊇S} (M u)(U) = (Zᵀ M u)(S); it is inverted by
   u(T) = Σ_{B⊆N∖T} (−1)^{|B|} m̌(B).
3. The relation: I_or(S) = (−1)^{|S|+1} m̌(S) for S ≠ ∅, and I_or(S) = (M u*)(S) for S ≠ ∅ (the OR
   interactions are the Harsanyi dividends of the dual game).

Checked: SymPy identities over a symbolic table for n = 0 … 5 (a check for those sizes; the general
argument is in docs/theorems/or_comobius.md), for the definitions and for the package's
``or_interactions`` (and ``symlogic.indices.co_mobius`` where that module exists; its ∅ entry is
u(∅) by the index convention of docs/theory.md §2.6). ``check(or_transform=…, co_mobius=…)`` tests
an injected formula instead.
"""

from __future__ import annotations

import importlib.util

from . import _common as common
from ._common import (Result, Table, Transform, complement, lift, require_zero, run_check, set_text, size_limit,
                      submasks, symbols, total)
from ._common import label as label_of

NAME = "or_comobius"
TITLE = "OR = reversed, negated AND transform; relation to the co-Möbius transform"
DOC = "docs/theorems/or_comobius.md"
MAX_N = 5


def _sign(k: int) -> int:
    return -1 if k & 1 else 1


@common.named("co-Möbius (Grabisch's definition, docs/theory.md §2.6)")
def co_mobius_definition(u: Table, n: int) -> list:
    """m̌(S) = Σ_{B⊆S} (−1)^{|B|} u(N∖B)."""
    full = (1 << n) - 1
    return [total(_sign(common.popcount(b)) * u[full ^ b] for b in submasks(s)) for s in range(1 << n)]


@common.named("co-Möbius (derivative form Δ_S u(N∖S), shapiq's Co-Moebius)")
def co_mobius_derivative(u: Table, n: int) -> list:
    """Δ_S u(N∖S) = Σ_{L⊆S} (−1)^{|S|−|L|} u((N∖S) ∪ L)."""
    full = (1 << n) - 1
    return [total(_sign(common.popcount(s) - common.popcount(low)) * u[(full ^ s) | low] for low in submasks(s))
            for s in range(1 << n)]


def _package_or() -> Transform:
    from symlogic.transforms import or_interactions

    return lift(or_interactions, "symlogic.transforms.or_interactions")


def _package_reverse() -> Transform:
    from symlogic.transforms import reverse_masks

    return lift(reverse_masks, "symlogic.transforms.reverse_masks")


def _package_co_mobius() -> Transform:
    """The package's co-Möbius index of a table (``symlogic.indices``, docs/theory.md §2.6)."""
    from symlogic.indices import co_mobius
    from symlogic.transforms import and_interactions

    return lift(lambda x: co_mobius(and_interactions(x)), "symlogic.indices.co_mobius")


def _check_or(n: int, or_t: Transform) -> None:
    u = symbols("u", n)
    got, rev = or_t(u, n), common.mobius(complement(u, n), n)
    name = label_of(or_t)
    require_zero(got[0] - u[0], "I_or(∅) = u(∅)", name, f"n = {n}")
    for s in range(1, 1 << n):
        require_zero(got[s] + rev[s], "I_or(S) = −(M(u∘c))(S), S ≠ ∅", name, f"n = {n}, S = {set_text(s)}")


def _check_co_mobius(n: int, co: Transform, or_ts: list[Transform], empty_is_u0: bool) -> None:
    u = symbols("u", n)
    full = (1 << n) - 1
    name = label_of(co)
    m = co(u, n)
    commonality = common.superset_sum(common.mobius(u, n), n)
    require_zero(m[0] - (u[0] if empty_is_u0 else u[full]), "the ∅ entry (u(∅) for the index, u(N) for the transform)",
                 name, f"n = {n}")
    for s in range(1, 1 << n):
        require_zero(m[s] - commonality[s], "m̌(S) = Σ_{U⊇S} (M u)(U)", name, f"n = {n}, S = {set_text(s)}")
    if not empty_is_u0:
        for t in range(1 << n):
            back = total(_sign(common.popcount(b)) * m[b] for b in submasks(full ^ t))
            require_zero(back - u[t], "inversion u(T) = Σ_{B⊆N∖T} (−1)^{|B|} m̌(B)", name,
                         f"n = {n}, T = {set_text(t)}")
    dual = [u[full] - u[full ^ t] for t in range(1 << n)]
    dividends_of_dual = common.mobius(dual, n)
    for or_t in or_ts:
        i_or = or_t(u, n)
        for s in range(1, 1 << n):
            where = f"n = {n}, S = {set_text(s)}"
            require_zero(i_or[s] - _sign(common.popcount(s) + 1) * m[s], "I_or(S) = (−1)^{|S|+1} m̌(S), S ≠ ∅",
                         f"{label_of(or_t)} and {name}", where)
            require_zero(i_or[s] - dividends_of_dual[s], "I_or(S) = (M u*)(S) with u*(T) = u(N) − u(N∖T), S ≠ ∅",
                         label_of(or_t), where)


def check(*, or_transform: Transform | None = None, co_mobius: Transform | None = None, max_n: int = MAX_N) -> Result:
    """Check the statement for n = 0 … ``max_n`` (smallest n first).

    Args:
        or_transform: an OR transform under test ``(table, n) -> table``; by default the definition
            of docs/theory.md §2.2 and ``symlogic.transforms.or_interactions``.
        co_mobius: a co-Möbius transform under test, with m̌(∅) = u(N) (the transform's own value);
            by default Grabisch's definition and the derivative form (and the package's index).
        max_n: the largest number of variables (0 … 7).
    """
    max_n = size_limit(max_n, "max_n", 0, 7)
    injected = or_transform is not None or co_mobius is not None
    indices = not injected and importlib.util.find_spec("symlogic.indices") is not None
    covers = (f"SymPy identities over a symbolic table for n = 0…{max_n}"
              + (" (injected formulas)" if injected else
                 f" (definitions, symlogic.transforms{', symlogic.indices.co_mobius' if indices else ''})"))

    def body() -> None:
        or_ts = [or_transform] if or_transform is not None else [common.or_transform]
        cos: list[tuple[Transform, bool]] = ([(co_mobius, False)] if co_mobius is not None
                                             else [(co_mobius_definition, False), (co_mobius_derivative, False)])
        reverse = None
        if not injected:
            or_ts.append(_package_or())
            reverse = _package_reverse()
            if indices:
                cos.append((_package_co_mobius(), True))
        for n in range(max_n + 1):
            if reverse is not None:
                u = symbols("u", n)
                for t, (got, want) in enumerate(zip(reverse(u, n), complement(u, n))):
                    require_zero(got - want, "reverse_masks is T ↦ N∖T", label_of(reverse),
                                 f"n = {n}, T = {set_text(t)}")
            for or_t in or_ts:
                _check_or(n, or_t)
            for co, empty_is_u0 in cos:
                _check_co_mobius(n, co, or_ts, empty_is_u0)

    return run_check(NAME, covers, body)
