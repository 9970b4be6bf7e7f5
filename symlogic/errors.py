"""Error types. Every error says what went wrong, with the value, and what to do instead."""

from __future__ import annotations

from typing import Any


def short_repr(value: Any, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters: an error message quotes what it got, briefly."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class SymlogicError(Exception):
    """Base class of every error symlogic raises on purpose."""


class InputError(SymlogicError, ValueError):
    """The caller passed something symlogic cannot use (wrong shape, NaN, bad names, ...)."""


class ResourceError(SymlogicError, MemoryError):
    """The requested work does not fit in memory or in the time allowed; the message says how much
    it needs and what to change."""


class ClaimSyntaxError(SymlogicError, ValueError):
    """A claim does not parse; ``position`` is the offending character's index."""

    def __init__(self, message: str, text: str, position: int) -> None:
        pointer = text + "\n" + " " * position + "^"
        super().__init__(f"{message} at character {position}:\n{pointer}")
        self.text = text
        self.position = position


class BundleError(SymlogicError):
    """An evidence bundle is unreadable, altered, or of an unknown format version."""
