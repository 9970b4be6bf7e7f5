"""Checks for numeric parameters shared by the entry points.

A parameter that silently switches work off (a negative chunk size that checks no rows, a timeout
that rounds to Z3's "no limit") would turn a proof into a proof of nothing, so every entry point
validates its numbers here and says what it expected.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import InputError

__all__ = ["positive_int", "nonnegative_int", "positive_seconds"]


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def positive_int(value: Any, what: str, why: str = "") -> int:
    """``value`` as an int ≥ 1 (bools and floats refused)."""
    if not _is_int(value) or int(value) < 1:
        raise InputError(f"{what} must be a whole number ≥ 1, got {value!r}" + (f"; {why}" if why else ""))
    return int(value)


def nonnegative_int(value: Any, what: str, why: str = "") -> int:
    """``value`` as an int ≥ 0 (bools and floats refused)."""
    if not _is_int(value) or int(value) < 0:
        raise InputError(f"{what} must be a whole number ≥ 0, got {value!r}" + (f"; {why}" if why else ""))
    return int(value)


def positive_seconds(value: Any, what: str = "timeout") -> float:
    """``value`` as a finite number of seconds > 0; there is no "no limit" value."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{what} must be a number of seconds > 0, got {value!r}")
    seconds = float(value)
    if not (math.isfinite(seconds) and seconds > 0):
        raise InputError(f"{what} must be a finite number of seconds > 0, got {value!r}; "
                         "a proof needs time to run (there is no 'no limit' value)")
    return seconds
