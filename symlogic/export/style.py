"""Colours and number format shared by the text exporters (DOT, Mermaid) and the pictures."""

from __future__ import annotations

__all__ = ["AND_COLOR", "OR_COLOR", "VAR_COLOR", "POS_EDGE", "NEG_EDGE", "signed"]

AND_COLOR = "#1f5fa8"  # blue: all of the variables
OR_COLOR = "#e07b10"  # orange: any of the variables
VAR_COLOR = "#eeeeee"
POS_EDGE = "#2a7d2a"
NEG_EDGE = "#b22222"


def signed(x: float) -> str:
    """A coefficient as shown on graphs: sign always, four significant digits.

    >>> signed(1.5), signed(-0.000123456)
    ('+1.5', '-0.0001235')
    """
    return f"{x:+.4g}"
