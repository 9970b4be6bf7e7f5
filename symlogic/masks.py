"""Masks as integers (bit i = variable i present) and their conversions to names and arrays."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .errors import InputError

__all__ = ["popcount", "mask_bits", "mask_names", "mask_from_names", "default_names", "all_masks"]


def popcount(n: int) -> np.ndarray:
    """|S| for every mask S in 0 … 2^n − 1, as int64."""
    return np.bitwise_count(np.arange(1 << n, dtype=np.uint64)).astype(np.int64)


def all_masks(n: int) -> np.ndarray:
    """Boolean array [2^n, n]: row T, column i is True when variable i is present in T."""
    idx = np.arange(1 << n, dtype=np.int64)
    return ((idx[:, None] >> np.arange(n, dtype=np.int64)) & 1).astype(bool)


def mask_bits(mask: int) -> tuple[int, ...]:
    """The variables present in ``mask``, in increasing order."""
    return tuple(i for i in range(int(mask).bit_length()) if (int(mask) >> i) & 1)


def mask_names(mask: int, names: Sequence[str]) -> tuple[str, ...]:
    """The names of the variables present in ``mask``."""
    return tuple(names[i] for i in mask_bits(mask))


def mask_from_names(present: Iterable[str], names: Sequence[str]) -> int:
    """The mask in which exactly the named variables are present."""
    index = {name: i for i, name in enumerate(names)}
    mask = 0
    for name in present:
        if name not in index:
            raise InputError(f"unknown variable {name!r}; the variables are {list(names)}")
        mask |= 1 << index[name]
    return mask


def default_names(n: int) -> tuple[str, ...]:
    """x0, x1, …: the names used when none are given."""
    return tuple(f"x{i}" for i in range(n))


def check_names(names: Sequence[str] | None, n: int) -> tuple[str, ...]:
    """Validate variable names: n distinct non-empty strings."""
    if names is None:
        return default_names(n)
    names = tuple(str(x) for x in names)
    if len(names) != n:
        raise InputError(f"got {len(names)} variable names for n = {n} variables; pass exactly {n}")
    if any(not x for x in names):
        raise InputError("variable names must be non-empty strings")
    if len(set(names)) != n:
        dup = sorted({x for x in names if names.count(x) > 1})
        raise InputError(f"variable names must be distinct; repeated: {dup}")
    return names
