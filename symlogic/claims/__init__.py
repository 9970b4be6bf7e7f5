"""Claims about a network's outputs or a logic model, in a small language, checked exactly.

    >>> from symlogic.claims import check
    >>> from symlogic.record import Record
    >>> check("present(x0) & present(x1) -> output >= 1.0", Record.from_table([0.0, 0.5, 0.5, 2.0])).holds
    True

On a :class:`~symlogic.record.Record` every mask is examined with exact comparisons; on a
:class:`~symlogic.logic.LogicModel` Z3 (plus exact enumeration when few variables matter) decides
the claim about f, and with a proven bound ε on |f − v| the claim about the network follows with
margin. Modules: :mod:`.lexer` (tokens, exact numbers, limits), :mod:`.parse` (the grammar),
:mod:`.names` (resolving names), :mod:`.nodes` and :mod:`.conclusions` (the node
tree, each node with its own semantics), :mod:`.on_record`, :mod:`.on_model`, :mod:`.on_network`
(the routes), :mod:`.api` (:func:`check`) and :mod:`.result` (:class:`ClaimResult`).
"""

from __future__ import annotations

from ..results import EngineReport
from .api import check
from .conclusions import SALIENCE, InteractionBound, MaxOrder, NoEffect, OutputBound
from .exact_values import exact_signed_sum
from .nodes import Absent, And, Claim, Conclusion, Condition, Not, Or, Present, TrueCond, evaluate_condition
from .on_model import model_interaction
from .on_record import RECORD_ROUTE
from .parse import (
    MAX_CLAIM_LENGTH,
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_EXPONENT,
    MAX_ORDER_DIGITS,
    UnknownNameError,
    parse_claim,
    resolve,
)
from .result import ClaimResult

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
    "Condition",
    "Conclusion",
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
    "SALIENCE",
    "RECORD_ROUTE",
    "MAX_CLAIM_LENGTH",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "MAX_ORDER_DIGITS",
]
