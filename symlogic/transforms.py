"""Set-function transforms as O(n·2^n) butterflies (THEORY §2, §3).

Every function here takes a table whose *last* axis has length 2^n, indexed by a mask whose bit i
is variable i, and returns a new table of the same shape and kind: numpy in, numpy out; torch in,
torch out on the same device. Leading axes are batch axes (several samples or models at once).
No 2^n × 2^n matrix is ever built.

Definitions (T, S ⊆ N = {0, …, n−1}):

- ``subset_sum``   (zeta):          (Zx)(T) = Σ_{S⊆T} x(S)
- ``mobius``       (its inverse):   (Mx)(S) = Σ_{T⊆S} (−1)^{|S|−|T|} x(T)
- ``superset_sum`` (Zᵀ):            (Zᵀy)(S) = Σ_{T⊇S} y(T)
- ``superset_mobius`` ((Zᵀ)⁻¹)
- ``and_interactions`` = Möbius (Harsanyi dividends); ``and_values`` is its inverse.
- ``or_interactions``: I_or(S) = −Σ_{T⊆S} (−1)^{|S|−|T|} u(N∖T) for S ≠ ∅ and I_or(∅) = u(∅),
  so that u(T) = I_or(∅) + Σ_{S≠∅, S∩T≠∅} I_or(S); ``or_values`` is its inverse.
- ``or_sum`` (O) and ``or_sum_transpose`` (Oᵀ): the OR-atom operator of the sparse split,
  (Oo)(T) = Σ_{S≠∅, S∩T≠∅} o(S) and (Oᵀy)(S) = Σ_{T∩S≠∅} y(T), with (Oᵀy)(∅) = 0.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch

from .errors import InputError

Table = TypeVar("Table", np.ndarray, torch.Tensor)

__all__ = [
    "n_from_length",
    "subset_sum",
    "mobius",
    "superset_sum",
    "superset_mobius",
    "and_interactions",
    "and_values",
    "or_interactions",
    "or_values",
    "or_sum",
    "or_sum_transpose",
    "reverse_masks",
]


def n_from_length(length: int) -> int:
    """Number of variables n of a table of length 2^n; a clear error for any other length."""
    if length < 1 or length & (length - 1):
        raise InputError(
            f"a table over n variables has length 2^n, but this one has length {length}; "
            "pass one output per mask (index = mask with bit i = variable i)"
        )
    return length.bit_length() - 1


def _working_copy(x: Table) -> tuple[Table, int]:
    """A float copy of ``x`` to transform in place, and n. Integers become float64."""
    if isinstance(x, torch.Tensor):
        y = x.clone() if x.is_floating_point() else x.to(torch.float64)
    else:
        arr = np.asarray(x)
        if arr.dtype == object:
            raise InputError("tables must hold numbers; got an object array")
        y = arr.astype(np.float64 if not np.issubdtype(arr.dtype, np.floating) else arr.dtype, copy=True)
    if y.ndim == 0:
        raise InputError("a table must be at least one-dimensional (last axis: the 2^n masks)")
    return y, n_from_length(int(y.shape[-1]))


def _butterfly(x: Table, *, upward: bool, sign: int) -> Table:
    """Apply one pass per bit: for each pair (T without i, T with i) update one side from the other.

    ``upward``: the entry with bit i set receives the one without (subset direction);
    otherwise the entry without bit i receives the one with it (superset direction).
    """
    y, n = _working_copy(x)
    return _butterfly_inplace(y, n, upward=upward, sign=sign)


def _butterfly_inplace(y: Table, n: int, *, upward: bool, sign: int) -> Table:
    """:func:`_butterfly` on a table we own (modified and returned)."""
    lead = tuple(y.shape[:-1])
    for i in range(n):
        view = y.reshape(lead + (1 << (n - 1 - i), 2, 1 << i))
        lo, hi = view[..., 0, :], view[..., 1, :]
        if upward:
            if sign > 0:
                hi += lo
            else:
                hi -= lo
        elif sign > 0:
            lo += hi
        else:
            lo -= hi
    return y


def subset_sum(x: Table) -> Table:
    """Zeta transform (Zx)(T) = Σ_{S⊆T} x(S): from AND coefficients to values."""
    return _butterfly(x, upward=True, sign=+1)


def mobius(x: Table) -> Table:
    """Möbius transform (Mx)(S) = Σ_{T⊆S} (−1)^{|S|−|T|} x(T): inverse of :func:`subset_sum`."""
    return _butterfly(x, upward=True, sign=-1)


def superset_sum(y: Table) -> Table:
    """(Zᵀy)(S) = Σ_{T⊇S} y(T): the transpose of :func:`subset_sum` (the dual's AND operator)."""
    return _butterfly(y, upward=False, sign=+1)


def superset_mobius(y: Table) -> Table:
    """Inverse of :func:`superset_sum`."""
    return _butterfly(y, upward=False, sign=-1)


def reverse_masks(x: Table) -> Table:
    """Swap present and masked: index T ↦ (2^n − 1) XOR T, i.e. the last axis reversed."""
    if isinstance(x, torch.Tensor):
        return x.flip(-1)
    return np.asarray(x)[..., ::-1]


def and_interactions(values: Table) -> Table:
    """AND (Harsanyi) interactions I_and(S) = Σ_{T⊆S} (−1)^{|S|−|T|} v(T) (THEORY §2)."""
    return mobius(values)


def and_values(interactions: Table) -> Table:
    """Inverse of :func:`and_interactions`: v(T) = Σ_{S⊆T} I_and(S)."""
    return subset_sum(interactions)


def or_interactions(values: Table) -> Table:
    """OR interactions: I_or(S) = −(M u_rev)(S) for S ≠ ∅ and I_or(∅) = u(∅) (THEORY §2).

    With this convention u(T) = I_or(∅) + Σ_{S≠∅, S∩T≠∅} I_or(S) for every mask T: OR terms fire
    when any of their variables is present, and the ∅ entry is the constant.
    """
    # One copy: the reversed table, transformed and negated in place.
    out, n = _working_copy(reverse_masks(values))
    first = out[..., -1].clone() if isinstance(out, torch.Tensor) else out[..., -1].copy()  # u(∅) = reversed u at N
    out = _butterfly_inplace(out, n, upward=True, sign=-1)
    if isinstance(out, torch.Tensor):
        out.neg_()
    else:
        np.negative(out, out=out)
    out[..., 0] = first
    return out


def or_values(interactions: Table) -> Table:
    """Inverse of :func:`or_interactions`: u(T) = I(∅) + Σ_{S≠∅, S∩T≠∅} I(S)."""
    table, _ = _working_copy(interactions)
    return or_sum(table) + table[..., :1]


def or_sum(o: Table) -> Table:
    """(Oo)(T) = Σ_{S≠∅, S∩T≠∅} o(S); the ∅ entry of ``o`` is ignored.

    Uses OR_S(T) = 1 − 1[S ⊆ N∖T]: (Oo)(T) = Z(o')(N) − Z(o')(N∖T) with o' = o, o'(∅) = 0.
    """
    z, _ = _working_copy(o)
    z[..., 0] = 0
    z = subset_sum(z)
    return z[..., -1:] - reverse_masks(z)


def or_sum_transpose(y: Table) -> Table:
    """(Oᵀy)(S) = Σ_{T: T∩S≠∅} y(T) for S ≠ ∅, and 0 at ∅: the dual's OR operator.

    Σ_{T∩S≠∅} y(T) = Σ_T y(T) − Σ_{T⊆N∖S} y(T) = total − (Zy)(N∖S).
    """
    z = subset_sum(y)
    total = z[..., -1:]
    out = total - reverse_masks(z)
    out[..., 0] = 0
    return out
