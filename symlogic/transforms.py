"""Set-function transforms as O(n·2^n) butterflies (docs/theory.md §2, §3).

Every function here takes a table whose *last* axis has length 2^n, indexed by a mask whose bit i
is variable i, and returns a new table of the same shape and kind: numpy in, numpy out; torch in,
torch out on the same device. Leading axes are batch axes (several samples or models at once).
No 2^n × 2^n matrix is ever built.

A CPU tensor runs the numpy kernel on a zero-copy view of it and comes back as a tensor of the same
dtype: torch's n in-place passes each go through its thread pool, which stalls when the cores are
busy (then 10–100× slower than numpy: ``benchmarks/bench_transforms.py --stat worst``), while the
single-threaded numpy passes take the same time whatever the load. The results are bit-identical
(the same IEEE additions in the same order). GPU tensors, and tensors that need autograd, keep the
torch path.

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

A sum over 2^n entries can overflow where every entry is finite (n = 4 and values near 1e308).
With ``check_finite=True`` (the default) a result holding NaN or ±inf is refused with an
:class:`~symlogic.errors.InputError` that says whether the input already held one or the sums
overflowed, and how to rescale; ``check_finite=False`` returns the IEEE result as is (for solver
loops that check their own numbers, and for callers that decide overflowed entries exactly).
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from typing import Any, TypeVar

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


#: CPU tensor dtypes the numpy kernel handles with the same semantics (integers and bools become
#: float64 either way; float16/bfloat16 and complex stay on the torch path).
_NUMPY_DTYPES = frozenset({torch.float64, torch.float32, torch.int64, torch.int32, torch.int16, torch.int8,
                           torch.uint8, torch.bool})


def _numpy_view(x: object) -> np.ndarray | None:
    """A zero-copy numpy view of a CPU tensor the numpy kernel can take, else None (keep torch)."""
    if not isinstance(x, torch.Tensor) or x.device.type != "cpu" or x.layout != torch.strided:
        return None
    if x.dtype not in _NUMPY_DTYPES or (x.requires_grad and torch.is_grad_enabled()):
        return None
    try:
        return x.detach().resolve_neg().numpy()
    except (RuntimeError, TypeError):  # functorch wrappers, exotic subclasses: the torch path handles them
        return None


def _cpu_fast_path(func: Callable[..., Table]) -> Callable[..., Table]:
    """Run ``func`` on numpy for a CPU tensor (see the module docstring) and return a tensor."""

    table = next(iter(inspect.signature(func).parameters))  # the table's parameter name

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Table:
        view = _numpy_view(args[0] if args else kwargs.get(table))
        if view is None:
            return func(*args, **kwargs)
        if args:
            args = (view, *args[1:])
        else:
            kwargs[table] = view
        return torch.from_numpy(np.ascontiguousarray(func(*args, **kwargs)))

    return wrapper


def _all_finite(x: Table) -> bool:
    """Whether every entry of a float table is finite: one sum (finite sum ⇒ finite entries),
    and an entry-wise pass only when that sum is not finite (it may just have overflowed)."""
    if isinstance(x, torch.Tensor):
        if not x.is_floating_point():
            return True
        return bool(torch.isfinite(x.sum())) or bool(torch.isfinite(x).all())
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.floating):
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(arr.sum())) or bool(np.isfinite(arr).all())


def _largest(x: Table) -> float:
    """max|x| as a Python float (for messages)."""
    if isinstance(x, torch.Tensor):
        return float(x.detach().abs().max()) if x.numel() else 0.0
    arr = np.asarray(x)
    return float(np.abs(arr).max()) if arr.size else 0.0


def require_finite(out: Table, x: Table, what: str, n: int | None = None) -> Table:
    """``out`` if it is all finite; else an :class:`InputError` on whether the input ``x`` held
    NaN/inf already or the sums (over up to 2^n entries; n from ``out`` by default) overflowed,
    with the power of two to divide by."""
    if _all_finite(out):
        return out
    if not _all_finite(x):
        raise InputError(f"{what}: the table holds NaN or infinite entries; pass finite numbers")
    if isinstance(out, torch.Tensor):
        dtype, top = str(out.dtype).removeprefix("torch."), float(torch.finfo(out.dtype).max)
    else:
        dtype, top = str(out.dtype), float(np.finfo(out.dtype).max)
    big = _largest(x)
    k = math.frexp(big)[1] if big > 0 else 0
    n = int(out.shape[-1]).bit_length() - 1 if n is None else n
    raise InputError(
        f"{what}: sums over up to 2^{n} entries of a table whose largest magnitude is {big:.4g} overflow "
        f"{dtype} (largest {top:.4g}); rescale the table by a power of two, e.g. numpy.ldexp(table, -{k}) "
        f"(exact: a power of two changes no mantissa bit), and scale the result back by 2^{k}"
    )


def _working_copy(x: Table) -> tuple[Table, int]:
    """A float copy of ``x`` to transform in place, and n. Integers become float64."""
    if isinstance(x, torch.Tensor):
        y = x.clone() if x.is_floating_point() else x.to(torch.float64)
    else:
        arr = np.asarray(x)
        if arr.dtype == object:
            raise InputError("tables must hold numbers; got an object array")
        y = arr.astype(np.float64 if not np.issubdtype(arr.dtype, np.floating) else arr.dtype, order="C", copy=True)
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


#: numpy runs a pass over many tiny inner blocks (2, 4, 8 entries for bits 1, 2, 3) slowly; there the
#: table is viewed as complex numbers (two reals each, whose addition is exactly the two real ones) and
#: each column of the block is one long strided loop: about twice as fast overall, the same bits.
_PAIRED_BITS = 3
_PAIRS = {np.dtype(np.float64): np.complex128, np.dtype(np.float32): np.complex64}


def _butterfly_inplace(y: Table, n: int, *, upward: bool, sign: int) -> Table:
    """:func:`_butterfly` on a table we own (modified and returned). Overflow gives ±inf quietly:
    the public functions decide what to do with it (``check_finite``)."""
    lead = tuple(y.shape[:-1])
    paired = (isinstance(y, np.ndarray) and y.dtype in _PAIRS and y.flags.c_contiguous and y.shape[-1] % 2 == 0
              and n > 1)
    pairs = y.view(_PAIRS[y.dtype]) if paired else None
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(n):
            if pairs is not None and 1 <= i <= _PAIRED_BITS:
                view = pairs.reshape(lead + (1 << (n - 1 - i), 2, 1 << (i - 1)))
                blocks = [(view[..., 0, j], view[..., 1, j]) for j in range(1 << (i - 1))]
            else:
                view = y.reshape(lead + (1 << (n - 1 - i), 2, 1 << i))
                blocks = [(view[..., 0, :], view[..., 1, :])]
            for lo, hi in blocks:
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


def _checked(out: Table, x: Table, what: str, check_finite: bool) -> Table:
    """``out``, refused by :func:`require_finite` when ``check_finite`` and it is not all finite."""
    return require_finite(out, x, what) if check_finite else out


@_cpu_fast_path
def subset_sum(x: Table, *, check_finite: bool = True) -> Table:
    """Zeta transform (Zx)(T) = Σ_{S⊆T} x(S): from AND coefficients to values."""
    return _checked(_butterfly(x, upward=True, sign=+1), x, "subset_sum", check_finite)


@_cpu_fast_path
def mobius(x: Table, *, check_finite: bool = True) -> Table:
    """Möbius transform (Mx)(S) = Σ_{T⊆S} (−1)^{|S|−|T|} x(T): inverse of :func:`subset_sum`."""
    return _checked(_butterfly(x, upward=True, sign=-1), x, "the Möbius transform", check_finite)


@_cpu_fast_path
def superset_sum(y: Table, *, check_finite: bool = True) -> Table:
    """(Zᵀy)(S) = Σ_{T⊇S} y(T): the transpose of :func:`subset_sum` (the dual's AND operator)."""
    return _checked(_butterfly(y, upward=False, sign=+1), y, "superset_sum", check_finite)


@_cpu_fast_path
def superset_mobius(y: Table, *, check_finite: bool = True) -> Table:
    """Inverse of :func:`superset_sum`."""
    return _checked(_butterfly(y, upward=False, sign=-1), y, "superset_mobius", check_finite)


def reverse_masks(x: Table) -> Table:
    """Swap present and masked: index T ↦ (2^n − 1) XOR T, i.e. the last axis reversed."""
    if isinstance(x, torch.Tensor):
        return x.flip(-1)
    return np.asarray(x)[..., ::-1]


@_cpu_fast_path
def and_interactions(values: Table, *, check_finite: bool = True) -> Table:
    """AND (Harsanyi) interactions I_and(S) = Σ_{T⊆S} (−1)^{|S|−|T|} v(T) (docs/theory.md §2)."""
    return _checked(_butterfly(values, upward=True, sign=-1), values, "the AND interactions", check_finite)


@_cpu_fast_path
def and_values(interactions: Table, *, check_finite: bool = True) -> Table:
    """Inverse of :func:`and_interactions`: v(T) = Σ_{S⊆T} I_and(S)."""
    return _checked(_butterfly(interactions, upward=True, sign=+1), interactions, "and_values", check_finite)


@_cpu_fast_path
def or_interactions(values: Table, *, check_finite: bool = True) -> Table:
    """OR interactions: I_or(S) = −(M u_rev)(S) for S ≠ ∅ and I_or(∅) = u(∅) (docs/theory.md §2).

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
    return _checked(out, values, "the OR interactions", check_finite)


@_cpu_fast_path
def or_values(interactions: Table, *, check_finite: bool = True) -> Table:
    """Inverse of :func:`or_interactions`: u(T) = I(∅) + Σ_{S≠∅, S∩T≠∅} I(S)."""
    table, _ = _working_copy(interactions)
    with np.errstate(over="ignore", invalid="ignore"):
        out = or_sum(table, check_finite=False) + table[..., :1]
    return _checked(out, interactions, "or_values", check_finite)


@_cpu_fast_path
def or_sum(o: Table, *, check_finite: bool = True) -> Table:
    """(Oo)(T) = Σ_{S≠∅, S∩T≠∅} o(S); the ∅ entry of ``o`` is ignored.

    Uses OR_S(T) = 1 − 1[S ⊆ N∖T]: (Oo)(T) = Z(o')(N) − Z(o')(N∖T) with o' = o, o'(∅) = 0.
    """
    z, n = _working_copy(o)
    z[..., 0] = 0
    z = _butterfly_inplace(z, n, upward=True, sign=+1)
    with np.errstate(over="ignore", invalid="ignore"):
        out = z[..., -1:] - reverse_masks(z)
    if not check_finite or _all_finite(out):
        return out
    used = o[..., 1:] if isinstance(o, torch.Tensor) else np.asarray(o)[..., 1:]  # the ∅ entry is ignored
    return require_finite(out, used, "or_sum")


@_cpu_fast_path
def or_sum_transpose(y: Table, *, check_finite: bool = True) -> Table:
    """(Oᵀy)(S) = Σ_{T: T∩S≠∅} y(T) for S ≠ ∅, and 0 at ∅: the dual's OR operator.

    Σ_{T∩S≠∅} y(T) = Σ_T y(T) − Σ_{T⊆N∖S} y(T) = total − (Zy)(N∖S).
    """
    z = _butterfly(y, upward=True, sign=+1)
    with np.errstate(over="ignore", invalid="ignore"):
        out = z[..., -1:] - reverse_masks(z)
    out[..., 0] = 0
    return _checked(out, y, "or_sum_transpose", check_finite)
