"""Honest verdicts: when a proven ε is too large to mean much, and what to say then (docs/theory.md §4.6).

A proof that the formula is within ε of every recorded output says little when ε is a large share
of the outputs' own range max v − min v: f ≡ (max v + min v)/2 is proven at ε = 50 % of it. Above
``defaults.WEAK`` (5 %) the summary, the CLI and the report call the formula a weak explanation in
plain words and say what size reaches the threshold, never a bare PROVEN.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .defaults import WEAK

__all__ = ["is_weak", "weak_advice"]


def is_weak(relative_epsilon: float | None, weak: float = WEAK) -> bool:
    """Is a proven ε of this share of the output range a weak explanation (None: range unknown or 0)?"""
    return relative_epsilon is not None and relative_epsilon > weak


def weak_advice(relative_epsilon: float, weak: float = WEAK, front: Mapping[str, Any] | None = None) -> str:
    """The plain words for a proof at a weak ε, with the size that reaches ``weak`` when a front
    (``{"terms": [...], "relative_epsilon": [...]}``) says so.

    >>> weak_advice(0.2, front={"terms": [0, 3, 9], "relative_epsilon": [0.5, 0.2, 0.04]}).endswith(
    ...     "The sparsest formula found that reaches 5 % has 9 terms.")
    True
    """
    text = (f"A weak explanation: ε is {100 * relative_epsilon:.3g} % of the output range (more than {100 * weak:g} %), "
            "so this proof says little about the network.")
    if front is not None:
        reach = [k for k, r in zip(front["terms"], front["relative_epsilon"]) if r is not None and r <= weak]
        if reach:
            return text + f" The sparsest formula found that reaches {100 * weak:g} % has {min(reach)} terms."
    return text + f" Find one that reaches it with symlogic.sparsest(rec, {weak:g}) or `symlogic explain --epsilon {weak:g}`."
