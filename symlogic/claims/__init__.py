"""Claims about a network's outputs or a logic model, in a small language, checked exactly.

    >>> from symlogic.claims import check                                       # doctest: +SKIP
    >>> check("present(x0) & present(x1) -> output >= 1.0", record).holds         # doctest: +SKIP

On a :class:`~symlogic.record.Record` every mask is examined with exact comparisons; on a
:class:`~symlogic.logic.LogicModel` Z3 (plus exact enumeration when few variables matter) decides
the claim about f, and with a proven bound ε on |f − v| the claim about the network follows with
margin. See :mod:`symlogic.claims.grammar` for the language and :mod:`symlogic.claims.check` for
the routes.
"""

from __future__ import annotations

from .check import ClaimResult, EngineReport, check, evaluate_condition, exact_signed_sum, model_interaction
from .grammar import (
    Absent,
    And,
    Claim,
    InteractionBound,
    MaxOrder,
    NoEffect,
    Not,
    Or,
    OutputBound,
    Present,
    TrueCond,
    UnknownNameError,
    parse_claim,
    resolve,
)

__all__ = [
    "check",
    "ClaimResult",
    "EngineReport",
    "parse_claim",
    "resolve",
    "evaluate_condition",
    "exact_signed_sum",
    "model_interaction",
    "Claim",
    "Present",
    "Absent",
    "Not",
    "And",
    "Or",
    "TrueCond",
    "OutputBound",
    "NoEffect",
    "MaxOrder",
    "InteractionBound",
    "UnknownNameError",
]
