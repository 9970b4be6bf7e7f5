"""Checks for numeric parameters shared by the entry points.

A parameter that silently switches work off (a negative chunk size that checks no rows, a timeout
that rounds to Z3's "no limit") would turn a proof into a proof of nothing, so every entry point
validates its numbers here and says what it expected.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .errors import InputError

__all__ = ["positive_int", "nonnegative_int", "positive_seconds", "finite_number", "flag", "time_limit_of", "json_field"]


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


def positive_seconds(value: Any, what: str = "timeout", *, none_means: str = "") -> float:
    """``value`` as a finite number of seconds > 0 (0 or a negative number would do no work)."""
    hint = f"; pass None for {none_means}" if none_means else "; 0 or less would leave no time to decide anything"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{what} must be a number of seconds > 0, got {value!r}{hint}")
    seconds = float(value)
    if not (math.isfinite(seconds) and seconds > 0):
        raise InputError(f"{what} must be a finite number of seconds > 0, got {value!r}{hint}")
    return seconds


def finite_number(value: Any, what: str, low: float, high: float = math.inf, *, low_open: bool = False) -> float:
    """``value`` as a finite float in [low, high] ((low, high] with ``low_open``); bools refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{what} must be a number, got {value!r}")
    x = float(value)
    inside = math.isfinite(x) and (x > low if low_open else x >= low) and x <= high
    if not inside:
        span = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if math.isinf(high) else ']'}"
        raise InputError(f"{what} must be a number in {span}, got {value!r}")
    return x


def flag(value: Any, what: str) -> bool:
    """``value`` as a bool; a string such as "no" is refused rather than read as True."""
    if not isinstance(value, (bool, np.bool_)):
        raise InputError(f"{what} must be True or False, got {value!r}")
    return bool(value)


def time_limit_of(time_limit: Any, timeout: Any, what: str) -> Any:
    """``time_limit``, or the deprecated ``timeout`` it replaced (one name for time limits across
    the package); giving both is an error."""
    if timeout is None:
        return time_limit
    if time_limit is not None:
        raise InputError(f"{what}: pass time_limit only (timeout is its old name)")
    warnings.warn(f"{what}(timeout=...) is deprecated; use time_limit=...", DeprecationWarning, stacklevel=3)
    return timeout


def json_field(obj: dict[str, Any], key: str, kinds: tuple[type, ...], where: str, default: Any = ...) -> Any:
    """``obj[key]`` from untrusted JSON, checked to be one of ``kinds`` (a bool is never an int or a
    float here); ``default`` when the key is absent, else an error naming ``where.key``."""
    if key not in obj:
        if default is ...:
            raise InputError(f"{where} lacks the field {key!r}")
        return default
    value = obj[key]
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        got = repr(value) if isinstance(value, bool) else type(value).__name__
        raise InputError(f"{where}.{key} must be {' or '.join(k.__name__ for k in kinds)}, got {got:.60}")
    return value
