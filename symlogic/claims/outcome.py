"""One subject's answer to a claim, and the exact deciders shared by the record and enumeration routes.

A :class:`Table` is a list of masks with their exact values (:class:`~.exact_values.Vals`); the
deciders find the tightest value and, when the claim fails, the counterexample with the fewest
present variables (ties: the smallest mask integer), named in the subject's variable names.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..results import EngineReport
from .exact_values import Vals, compare, minimal_position, to_float

if TYPE_CHECKING:
    from .nodes import Condition

__all__ = [
    "Outcome",
    "Table",
    "SENSE",
    "SYM",
    "VIOLATION",
    "fmt",
    "fmt_threshold",
    "fraction_str",
    "mask_info",
    "exact_fields",
    "present_phrase",
    "where",
    "vacuous",
    "output_outcome",
    "output_failure",
    "effect_values",
    "effect_outcome",
    "effect_holds",
    "effect_failure",
    "interaction_outcome",
]

#: The extreme that decides ``value OP c``.
SENSE = {">=": "min", ">": "min", "<=": "max", "<": "max"}
SYM = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}
#: The comparison that breaks ``value OP c``.
VIOLATION = {">=": "<", ">": "<=", "<=": ">", "<": ">="}
_VACUOUS = "no mask satisfies the condition; the claim holds vacuously"


@dataclass(frozen=True)
class Outcome:
    """One subject's answer before it is wrapped into a :class:`~.result.ClaimResult`."""

    status: str
    explanation: str
    counterexample: dict[str, Any] | None = None
    values: dict[str, Any] = field(default_factory=dict)
    engines: tuple[EngineReport, ...] = ()
    route: str = ""


def vacuous() -> Outcome:
    return Outcome("holds", _VACUOUS, values={})


# ---- formatting ----------------------------------------------------------------------------


def fraction_str(fr: Fraction) -> str:
    return f"{fr.numerator}/{fr.denominator}"


def fmt(fr: Fraction) -> str:
    """A readable value: the nearest float, plus the exact p/q when the float is not exact."""
    f = to_float(fr)
    if not math.isfinite(f):
        return f"{f!r} (beyond float64; exactly {fraction_str(fr)})"
    return repr(f) if Fraction(f) == fr else f"{f!r} (exactly {fraction_str(fr)})"


def fmt_threshold(c: Fraction) -> str:
    return fmt(c) if c.denominator & (c.denominator - 1) == 0 else f"{to_float(c)!r} (exactly {fraction_str(c)})"


def mask_info(mask: int, names: Sequence[str]) -> dict[str, Any]:
    present = [names[i] for i in range(len(names)) if (mask >> i) & 1]
    absent = [names[i] for i in range(len(names)) if not (mask >> i) & 1]
    return {"mask": int(mask), "present": present, "absent": absent}


def exact_fields(prefix: str, value: Fraction) -> dict[str, Any]:
    return {prefix: to_float(value), f"{prefix}_exact": fraction_str(value)}


def where(cond: "Condition", n: int) -> str:
    return f"over all 2^{n} masks" if cond.trivial else "under the condition"


def present_phrase(mask: int, names: Sequence[str]) -> str:
    present = [names[i] for i in range(len(names)) if (mask >> i) & 1]
    return "{" + ", ".join(present) + "}"


# ---- deciders on tables ----------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """Outputs on a list of masks: ``masks[k]`` in the subject's own index space (its popcount and
    order are the full mask's), ``vals`` the exact values, ``full(k)`` the full mask integer."""

    masks: np.ndarray
    vals: Vals
    full: Callable[[int], int]


def output_outcome(
    table: Table, admitted: np.ndarray, op: str, c: Fraction, cond: "Condition", n: int, names: Sequence[str], what: str
) -> Outcome:
    """``output OP c`` on the admitted masks of ``table`` (exact)."""
    idx = np.flatnonzero(admitted)
    if idx.size == 0:
        return vacuous()
    sense = SENSE[op]
    sub = table.vals.take(idx)
    ext = sub.extreme(sense)
    values = {f"{sense}_output": to_float(ext), "threshold": to_float(c)}
    if compare(ext, op, c):
        return Outcome("holds", f"{sense} {what} {where(cond, n)} is {fmt(ext)} {SYM[op]} {fmt_threshold(c)}", values=values)
    bad = idx[~sub.decide(op, c)]
    best = minimal_position(table.masks, bad)
    return output_failure(table.full(best), table.vals.at(best), ext, op, c, cond, n, names, what, values)


def output_failure(mask: int, v: Fraction, ext: Fraction, op: str, c: Fraction, cond: "Condition", n: int,
                   names: Sequence[str], what: str, values: dict[str, Any]) -> Outcome:
    """``what`` is ``v`` on the minimal counterexample ``mask``; ``ext`` is the tightest value."""
    cex = {**mask_info(mask, names), **exact_fields("output", v), "threshold": fmt_threshold(c)}
    return Outcome(
        "fails",
        f"{what} is {fmt(v)} on mask {mask} {present_phrase(mask, names)}, which is not {SYM[op]} {fmt_threshold(c)} "
        f"(the counterexample with the fewest present variables: {bin(mask).count('1')} of {n}; "
        f"{SENSE[op]} {what} {where(cond, n)} is {fmt(ext)})",
        counterexample=cex,
        values={**values, "output": to_float(v)},
    )


def effect_values(hi: Fraction, lo: Fraction, tol: Fraction) -> dict[str, Any]:
    worst = max(hi, -lo)
    return {"max_change": to_float(worst), "max_increase": to_float(hi), "max_decrease": to_float(-lo), "tol": to_float(tol)}


def effect_outcome(
    without: Table, with_: Table, admitted: np.ndarray, tol: Fraction, name: str, cond: "Condition", n: int,
    names: Sequence[str], what: str,
) -> Outcome:
    """``no_effect(name, tol)``: |out(T ∪ {i}) − out(T)| ≤ tol on admitted T ∌ i (exact).

    Both tables are indexed alike: entry k of ``without`` is T, entry k of ``with_`` is T ∪ {i}.
    """
    idx = np.flatnonzero(admitted)
    if idx.size == 0:
        return vacuous()
    d = with_.vals.minus(without.vals).take(idx)
    hi, lo = d.extreme("max"), d.extreme("min")
    worst = max(hi, -lo)
    values = effect_values(hi, lo, tol)
    if worst <= tol:
        return effect_holds(worst, tol, name, cond, n, what, values)
    ok = d.decide("<=", tol) & d.decide(">=", -tol)
    best = minimal_position(without.masks, idx[~ok])
    return effect_failure(without.full(best), with_.full(best), without.vals.at(best), with_.vals.at(best), worst,
                          tol, name, names, what, values)


def effect_holds(worst: Fraction, tol: Fraction, name: str, cond: "Condition", n: int, what: str,
                 values: dict[str, Any]) -> Outcome:
    label = f"|{what}(T ∪ {{{name}}}) − {what}(T)|"
    return Outcome("holds", f"max {label} {where(cond, n)} is {fmt(worst)} ≤ {fmt_threshold(tol)}", values=values)


def effect_failure(mask: int, mask_with: int, v0: Fraction, v1: Fraction, worst: Fraction, tol: Fraction, name: str,
                   names: Sequence[str], what: str, values: dict[str, Any]) -> Outcome:
    """Adding ``name`` to ``mask`` moves ``what`` from v0 to v1, by more than ``tol``."""
    label = f"|{what}(T ∪ {{{name}}}) − {what}(T)|"
    cex = {
        **mask_info(mask, names),
        **exact_fields("output", v0),
        "mask_with": mask_with,
        **exact_fields("output_with", v1),
        **exact_fields("difference", v1 - v0),
        "tol": fmt_threshold(tol),
    }
    return Outcome(
        "fails",
        f"adding {name!r} to mask {mask} {present_phrase(mask, names)} changes {what} from {fmt(v0)} to "
        f"{fmt(v1)} (by {fmt(v1 - v0)}), more than {fmt_threshold(tol)} (the counterexample with the fewest "
        f"present variables; max {label} is {fmt(worst)})",
        counterexample=cex,
        values={**values, "output": to_float(v0), "output_with": to_float(v1), "difference": to_float(v1 - v0)},
    )


def interaction_outcome(value: Fraction, smask: int, op: str, c: Fraction, names: Sequence[str], what: str) -> Outcome:
    """``I(S) OP c`` for the exact interaction ``value`` of the set ``smask``."""
    label = "I(" + ", ".join(names[i] for i in range(len(names)) if (smask >> i) & 1) + ")"
    values = {"interaction": to_float(value), "threshold": to_float(c)}
    if compare(value, op, c):
        return Outcome("holds", f"{label} of the {what} is {fmt(value)} {SYM[op]} {fmt_threshold(c)}", values=values)
    cex = {**mask_info(smask, names), **exact_fields("interaction", value), "threshold": fmt_threshold(c)}
    return Outcome(
        "fails", f"{label} of the {what} is {fmt(value)}, which is not {SYM[op]} {fmt_threshold(c)}", counterexample=cex, values=values
    )
