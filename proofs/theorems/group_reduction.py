"""Lemma A, the support-group reduction: within a group of masks on which f has one value, only the
group's largest and smallest recorded outputs matter (docs/theory.md §4.3, proofs/soundness.md §2).

Statement: for reals v_1 … v_k, f and ε, with vmax and vmin the largest and smallest v_i (each is
one of the v_i, as floating-point max and min return one of their arguments),

    |v_i − f| ≤ ε for every i   ⇔   vmax − f ≤ ε  and  f − vmin ≤ ε,

and so max_i |v_i − f| = max(vmax − f, f − vmin). The package's ``exact_error.group_table``
computes vmax and vmin per group of the support.

Checked: the equivalence and the max formula by Z3 over the reals for groups of k = 1 … 6 values
(max and min written as chains of selections, as in the code); for every n ≤ 4 and every support
U ⊆ N, ``group_table`` on a table of distinct integers against the groups enumerated directly.
The lemma for larger k is the same argument (docs/theorems/group_reduction.md); a group of 2^{n−|U|}
masks is an instance. ``check(reduction=…)`` tests an injected reduction ``(vmax, vmin, f, ε) -> Bool``.
"""

from __future__ import annotations

from collections.abc import Callable

import z3

from ._common import Counterexample, Refuted, Result, named, require_proved, run_check, set_text, size_limit
from ._common import label as label_of

NAME = "group_reduction"
TITLE = "Lemma A: a group's error is decided by its largest and smallest recorded output"
DOC = "docs/theorems/group_reduction.md"
MAX_SIZE = 6

#: (vmax, vmin, f, ε) → the condition that should be equivalent to "every |v_i − f| ≤ ε".
Reduction = Callable[[z3.ArithRef, z3.ArithRef, z3.ArithRef, z3.ArithRef], z3.BoolRef]


@named("vmax − f ≤ ε ∧ f − vmin ≤ ε (docs/theory.md §4.3)")
def extremes(vmax: z3.ArithRef, vmin: z3.ArithRef, f: z3.ArithRef, eps: z3.ArithRef) -> z3.BoolRef:
    """The reduced condition the exact engine and Z3 check per group."""
    return z3.And(vmax - f <= eps, f - vmin <= eps)


def _check_lemma(size: int, reduction: Reduction) -> None:
    v = [z3.Real(f"v{i}") for i in range(size)]
    f, eps = z3.Reals("f eps")
    vmax, vmin = v[0], v[0]
    for x in v[1:]:
        vmax = z3.If(x > vmax, x, vmax)
        vmin = z3.If(x < vmin, x, vmin)
    each = z3.And(*[z3.And(x - f <= eps, f - x <= eps) for x in v])
    where = f"a group of {size} recorded outputs"
    require_proved(each == reduction(vmax, vmin, f, eps), "every |v_i − f| ≤ ε ⇔ the reduced condition",
                   label_of(reduction), where)
    worst = z3.Real("worst")
    is_max = z3.And(*[z3.And(x - f <= worst, f - x <= worst) for x in v],
                    z3.Or(*[z3.Or(x - f == worst, f - x == worst) for x in v]))
    top = z3.If(vmax - f >= f - vmin, vmax - f, f - vmin)
    require_proved(z3.Implies(is_max, worst == top), "max_i |v_i − f| = max(vmax − f, f − vmin)", "the max formula",
                   where)


def _check_group_table(max_n: int) -> None:
    """``group_table`` against enumeration, every support U of every n ≤ max_n."""
    import numpy as np

    from symlogic.exact_error import group_table

    for n in range(max_n + 1):
        size = 1 << n
        values = np.array([(t * 37 + 11) % size - size / 2 for t in range(size)], dtype=np.float64)  # distinct
        for umask in range(size):
            support = tuple(i for i in range(n) if umask >> i & 1)
            got = group_table(values, support)
            for g, gmask in enumerate(np.asarray(got.masks).tolist()):
                members = [t for t in range(size) if t & umask == gmask]
                want_max, want_min = max(values[members]), min(values[members])
                ok = (got.vmax[g] == want_max and got.vmin[g] == want_min and int(got.argmax[g]) in members
                      and int(got.argmin[g]) in members and values[int(got.argmax[g])] == want_max
                      and values[int(got.argmin[g])] == want_min)
                if not ok:
                    raise Refuted(Counterexample(
                        "group_table gives each group's extremes", "symlogic.exact_error.group_table",
                        f"n = {n}, support {set_text(umask)}, group {set_text(gmask)}",
                        f"vmax/vmin {got.vmax[g]!r}/{got.vmin[g]!r} at masks {int(got.argmax[g])}/{int(got.argmin[g])}, "
                        f"enumeration: {want_max!r}/{want_min!r}"))


def check(*, reduction: Reduction | None = None, max_size: int = MAX_SIZE) -> Result:
    """Check Lemma A for groups of 1 … ``max_size`` values (and the package's grouping for n ≤ 4).

    Args:
        reduction: the reduced condition under test; by default :func:`extremes`.
        max_size: the largest group size given to Z3 (1 … 8).
    """
    max_size = size_limit(max_size, "max_size", 1, 8)
    the_reduction = reduction or extremes
    covers = (f"Z3 over the reals for groups of 1…{max_size} outputs"
              + (" (injected reduction)" if reduction else "; group_table against enumeration for n ≤ 4"))

    def body() -> None:
        for size in range(1, max_size + 1):
            _check_lemma(size, the_reduction)
        if reduction is None:
            _check_group_table(4)

    return run_check(NAME, covers, body)
