"""``check()``: parse a claim, resolve its names, and send it down the right route.

Routes (``ClaimResult.route``): :mod:`.on_record` (exhaustive, exact), :mod:`.on_model` (Z3 +
enumeration) and :mod:`.on_network` (the ε margin, docs/theory.md §4).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..params import nonnegative_int, positive_seconds, time_limit_of
from .nodes import Claim
from .on_model import ModelOptions, check_model
from .on_network import check_network, confirm_epsilon, epsilon_of, verified_epsilon
from .on_record import check_record
from .parse import parse_claim, resolve
from .result import ClaimResult

if TYPE_CHECKING:
    from ..logic import LogicModel
    from ..record import Record

__all__ = ["check"]


def _split_target(target: Any, record: Any) -> tuple["Record | None", "LogicModel | None"]:
    from ..logic import LogicModel
    from ..record import Record

    lm: LogicModel | None = None
    rec: Record | None = None
    if isinstance(target, LogicModel):
        lm = target
    elif isinstance(target, Record):
        rec = target
    elif isinstance(getattr(target, "model", None), LogicModel):  # an extraction result
        lm = target.model
        if isinstance(getattr(target, "record", None), Record) and record is None:
            rec = target.record
    else:
        raise InputError(f"check() takes a Record or a LogicModel, got {type(target).__name__}")
    if record is not None:
        if not isinstance(record, Record):
            raise InputError(f"record= must be a Record, got {type(record).__name__}")
        if rec is None:
            rec = record
    if rec is not None and lm is not None and tuple(rec.names) != tuple(lm.names):
        raise InputError(f"the record's variables {list(rec.names)} differ from the model's {list(lm.names)}")
    return rec, lm


#: Default seconds for one Z3 call of a claim check.
Z3_CALL_SECONDS = 10.0


def check(
    claim: str | Claim,
    target: Any,
    epsilon: Any = None,
    *,
    record: "Record | None" = None,
    time_limit: float | None = None,
    engines: str | Sequence[str] = "auto",
    enumerate_limit: int = 20,
    timeout: float | None = None,
) -> ClaimResult:
    """Check a claim on a record (exact, exhaustive) or on a logic model (Z3 + enumeration).

    Args:
        claim: claim text (see :mod:`symlogic.claims.parse`) or a parsed :class:`Claim`.
        target: a :class:`~symlogic.record.Record` or a :class:`~symlogic.logic.LogicModel`.
        epsilon: with a model, a bound |f − v| ≤ ε on every mask (a number, or a verdict of
            :func:`symlogic.verify.verify` that holds): the claim is then about the *network* and
            is proven from the model with margin (docs/theory.md §4).
        record: with a model, the record: ε is computed by :func:`symlogic.verify.verify` when
            not given, and a claim the margin cannot carry is decided on the record exactly.
        time_limit: seconds per Z3 call (default 10); running out gives ``status="unknown"``, never
            "holds". ``timeout`` is its deprecated old name.
        engines: "auto" (Z3, plus enumeration when at most ``enumerate_limit`` variables matter),
            or a selection of ("z3", "enumerate").
        enumerate_limit: the most relevant variables enumerated exactly (2^k assignments).

    Returns:
        A :class:`ClaimResult`.

    Raises:
        ClaimSyntaxError: the claim does not parse (the position points at the offending character).
        UnknownNameError: the claim names a variable the target lacks (suggests the closest, lists all).

    Examples:
        >>> from symlogic.record import Record
        >>> from symlogic.logic import LogicModel
        >>> rec = Record.from_table([0.0, 1.0, 1.0, 3.0], ["a", "b"])
        >>> check("present(a) & present(b) -> output >= 2.5", rec).holds
        True
        >>> check("no_effect(a, 1)", rec).counterexample["present"]  # adding a to {b} moves 1 → 3
        ['b']
        >>> lm = LogicModel.from_terms(["a", "b"], 0.0, [("and", ["a", "b"], 3.0)])
        >>> check("interaction(a, b) >= 3", lm).route
        'model: exact Möbius of the terms'
        >>> check("absent(a) -> output <= 0", lm).engines[0].name
        'z3'
    """
    start = time.perf_counter()
    options = ModelOptions(
        timeout=positive_seconds(Z3_CALL_SECONDS if (limit := time_limit_of(time_limit, timeout, "check")) is None
                                 else limit, "time_limit"),
        engines=engines,
        enumerate_limit=nonnegative_int(enumerate_limit, "enumerate_limit", "it is how many variables may be enumerated"),
    )
    parsed = claim if isinstance(claim, Claim) else parse_claim(claim)
    rec, lm = _split_target(target, record)
    names = (lm if lm is not None else rec).names  # type: ignore[union-attr]
    bit = resolve(parsed, names)
    notes: list[str] = []

    if lm is None:
        assert rec is not None
        out = check_record(parsed, rec, bit)
        if epsilon is not None:
            notes.append("(epsilon was ignored: a record is checked exactly, with no model in between.)")
    else:
        eps = epsilon_of(epsilon, lm, rec)
        if eps is not None and rec is not None:
            confirm_epsilon(lm, rec, eps[0])
        if eps is None and rec is not None:
            eps = verified_epsilon(lm, rec, notes)
        if eps is None and rec is None:
            out = check_model(parsed, lm, bit, options)
        elif eps is None:
            assert rec is not None
            out = check_record(parsed, rec, bit)
        else:
            out = check_network(parsed, lm, rec, bit, eps, options)
    if notes:
        out = replace(out, explanation=out.explanation + " " + " ".join(notes))
    return ClaimResult(
        claim=str(parsed),
        holds=out.status == "holds",
        status=out.status,
        counterexample=out.counterexample if out.status == "fails" else None,
        values=out.values,
        explanation=out.explanation,
        route=out.route,
        engines=out.engines,
        seconds=time.perf_counter() - start,
        parsed=parsed,
    )
