"""The text of a failed assertion: the claim, the status, the counterexample in names, exact values.

A failure should be read once and understood, as hypothesis's falsifying examples are: what was
expected, what came out, the smallest mask that breaks it with its present and absent variables,
every exact value involved, the formula and the ε it was proven at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..claims import ClaimResult
    from ..logic import LogicModel
    from ..verify import Verdict

__all__ = ["mask_line", "counterexample_lines", "formula_line", "verdict_lines", "claim_message", "explains_message"]

#: Longest formula shown in a message (a 400-term model is cut, with the count of what was left out).
MAX_FORMULA_CHARS = 1500
_INDENT = "  "


def _names(names: Sequence[str]) -> str:
    return "{" + ", ".join(names) + "}"


def mask_line(mask: int, names: Sequence[str]) -> str:
    """``mask 5: present {a, c}; absent {b}``."""
    present = [x for i, x in enumerate(names) if (mask >> i) & 1]
    absent = [x for i, x in enumerate(names) if not (mask >> i) & 1]
    return f"mask {mask}: present {_names(present)}; absent {_names(absent)}"


def _same(value: Any, exact: Any) -> bool:
    """Is the decimal shown for ``value`` exactly the rational ``exact`` ("p/q")? Then the exact form
    adds nothing; the float 0.1 is not 1/10, so beside a threshold of 1/10 its exact form is shown."""
    try:
        return isinstance(value, float) and Fraction(repr(value)) == Fraction(str(exact))
    except (ValueError, ZeroDivisionError, OverflowError):
        return False


def _num(value: Any, exact: Any) -> str:
    """A number as shown, with its exact p/q beside it when the decimal is not exactly that."""
    shown = value if isinstance(value, str) else repr(value)
    return shown + ("" if not exact or _same(value, exact) else f" (exactly {exact})")


def _value(data: Mapping[str, Any], key: str) -> str:
    return f"{key} = {_num(data[key], data.get(f'{key}_exact'))}"


def counterexample_lines(cex: Mapping[str, Any], names: Sequence[str]) -> list[str]:
    """The counterexample's mask in names, then every value it carries (exact forms beside floats)."""
    lines = [f"counterexample {mask_line(int(cex['mask']), names)}"]
    for key in cex:
        if key in ("mask", "present", "absent") or key.endswith("_exact"):
            continue
        if key.startswith("mask") and isinstance(cex[key], int):
            lines.append(f"{_INDENT}{key}: {mask_line(cex[key], names)}")
        else:
            lines.append(f"{_INDENT}{_value(cex, key)}")
    return lines


def formula_line(lm: "LogicModel | None") -> str:
    """``formula: f = …`` (cut beyond :data:`MAX_FORMULA_CHARS`), or that there is none."""
    if lm is None:
        return "formula: none (the claim was checked on the recorded outputs)"
    text = str(lm)
    if len(text) > MAX_FORMULA_CHARS:
        text = text[:MAX_FORMULA_CHARS] + f" … ({len(text) - MAX_FORMULA_CHARS} more characters, {len(lm)} terms)"
    return f"formula: {text}"


def verdict_lines(verdict: "Verdict") -> list[str]:
    """The ε verdict as ``str(verdict)`` words it (a weak ε said plainly), with its exact bound."""
    lines = str(verdict).splitlines()
    lines[0] += f"; ε exactly {verdict.epsilon_exact or repr(verdict.epsilon)}"
    return lines


def _values_line(values: Mapping[str, Any]) -> str:
    return "values: " + ", ".join(f"{k} = {v!r}" for k, v in values.items()) if values else "values: none"


def claim_message(res: "ClaimResult", *, expect: str, names: Sequence[str], subject: str, on: str,
                  lm: "LogicModel | None", verdict: "Verdict | None", epsilon: Any = None,
                  expected_mask: int | None = None, bundle: str | None = None) -> str:
    """The message of :class:`~symlogic.testing.ClaimFailed`."""
    got = res.status.upper()
    if res.status == expect and expected_mask is not None:
        head = f"claim {res.claim!r} fails as expected, but not at the expected counterexample"
    else:
        head = f"claim {res.claim!r}: expected {expect.upper()}, got {got}"
    what = ("the recorded outputs" if on == "record" else
            "the network, through the logic model" if verdict is not None else "the logic model")
    lines = [head, f"status: {res.status}; asked of {what} (route: {res.route}; subject: {subject})"]
    if expected_mask is not None:
        lines.append(f"expected counterexample {mask_line(expected_mask, names)}")
    if res.counterexample:
        lines += counterexample_lines(res.counterexample, names)
    elif res.status == "fails":
        lines.append("counterexample: none reported")
    lines.append(_values_line(res.values))
    lines.append(f"why: {res.explanation}")
    if res.status in ("undecided", "unknown") and expect == "holds":
        lines.append(f"an {res.status} claim never passes as holding; pass record= (or check on='record') to decide "
                     "it on the recorded outputs, or raise time_limit when a solver ran out of time")
    lines.append(formula_line(lm))
    if verdict is not None:
        lines += ["ε: " + line for line in verdict_lines(verdict)[:1]] + verdict_lines(verdict)[1:]
    elif epsilon is not None:
        lines.append(f"ε: {epsilon!r} (given, not proven here)")
    if bundle:
        lines.append(f"evidence bundle: {bundle}")
    return "\n".join(lines)


def explains_message(verdict: "Verdict", *, names: Sequence[str], lm: "LogicModel", epsilon: Any,
                     relative: bool, weak_text: str | None, bundle: str | None = None) -> str:
    """The message of :class:`~symlogic.testing.ExplanationFailed`."""
    asked = f"{epsilon!r} of the output range" if relative else repr(epsilon)
    if verdict.holds:
        head = f"the formula is within ε but the proof is weak (ε asked: {asked})"
    else:
        head = f"the formula does not explain the record within ε (asked: {asked}): {verdict.status.upper()}"
    rel = verdict.relative_epsilon
    share = f"{100 * rel:.3g} % of the output range {verdict.output_range!r}" if rel is not None else "output range 0"
    lines = [head,
             f"max error {_num(verdict.max_error, verdict.max_error_exact)} vs ε = "
             f"{_num(verdict.epsilon, verdict.epsilon_exact)}; relative ε = {share}",
             f"worst {mask_line(verdict.max_error_mask, names)}"]
    cex = verdict.counterexample
    if cex is not None:
        v = Fraction(cex["recorded"])
        lines.append(f"{_INDENT}recorded v = {_num(cex['recorded'], f'{v.numerator}/{v.denominator}')}, "
                     f"formula f = {_num(cex['model'], cex['model_exact'])}, "
                     f"|f − v| = {_num(cex['error'], cex['error_exact'])}, "
                     f"over ε by {_num(cex['excess'], cex['excess_exact'])}")
    if not verdict.holds:
        lines.append(f"masks over ε: {verdict.violations}; engines: "
                     + ", ".join(f"{e.name}: {e.detail}" for e in verdict.engines))
        lines.append(f"why: {verdict.explanation}")
    if weak_text:
        lines.append(weak_text)
    lines.append(formula_line(lm))
    if bundle:
        lines.append(f"evidence bundle: {bundle}")
    return "\n".join(lines)
