"""Route "model + proven ε = …: network claim": a claim about the network v through the model f.

With |f − v| ≤ ε on every mask (a verdict that holds, or a stated number), a claim about v follows
from the claim on f with margin (docs/theory.md §4); each conclusion node gives its own margin
rule (:meth:`~.nodes.Conclusion.with_margin`). When the margin cannot carry the claim, the claim
is decided on the record when one was passed, refuted through the model when f breaks it by more
than ε, and otherwise *undecided* (not false).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .exact_values import to_float
from .on_model import ModelOptions, check_model
from .on_record import check_record
from .outcome import Outcome, fmt

if TYPE_CHECKING:
    from ..logic import LogicModel
    from ..record import Record
    from .nodes import Claim

__all__ = ["epsilon_of", "confirm_epsilon", "verified_epsilon", "check_network"]


def epsilon_of(epsilon: Any, lm: "LogicModel", rec: "Record | None") -> tuple[Fraction, str] | None:
    """ε as an exact rational and how we know it ("proven" from a verdict, "given" as a number).

    A verdict counts only for the model (and record) it was proven for: a proof about another
    model bounds nothing here. A number is taken as the exact rational it denotes
    (:func:`symlogic.exact_error.exact_bound`): rounding 1/10 to the float 0.1 would move a margin.
    """
    from ..exact_error import exact_bound
    from ..verify import Verdict

    if epsilon is None:
        return None
    if isinstance(epsilon, Verdict):
        if not epsilon.holds:
            raise InputError(
                f"the verdict passed as epsilon does not hold (|f − v| ≤ {epsilon.epsilon!r} fails somewhere), "
                "so it proves nothing; pass a verdict that holds, or check the claim on the record"
            )
        if not epsilon.bound_to(lm, rec):
            what = "model" if not epsilon.bound_to(lm) else "record"
            raise InputError(
                f"the verdict passed as epsilon was proven for another {what} (its {what} SHA-256 differs), so it "
                f"does not bound this {what}'s error; pass verify(model, record) for this model and record"
            )
        return epsilon.epsilon_fraction, "proven"
    if hasattr(epsilon, "holds") and hasattr(epsilon, "epsilon"):
        raise InputError(f"epsilon must be a number or a symlogic Verdict, got a {type(epsilon).__name__}; "
                         "a verdict must come from verify() so that it is bound to its model and record")
    return exact_bound(epsilon, "epsilon"), "given"


def confirm_epsilon(lm: "LogicModel", rec: "Record", eps: Fraction) -> None:
    """With the record at hand, an ε (a number, or a verdict about some other model or record) must
    bound this model's error on this record, else the margin would prove claims false of it."""
    from ..exact_error import max_error

    worst = max_error(lm, rec.values)
    if worst.value > eps:
        raise InputError(
            f"epsilon {fmt(eps)} does not bound this model's error on this record (max |f − v| = {fmt(worst.value)} "
            f"at mask {worst.mask}); pass the verdict of verify(model, record) or a larger epsilon"
        )


def verified_epsilon(lm: "LogicModel", rec: "Record", notes: list[str]) -> tuple[Fraction, str] | None:
    """ε from :func:`symlogic.verify.verify` when that module is there; None otherwise."""
    try:
        from ..verify import verify  # type: ignore[attr-defined]
    except ImportError:
        notes.append("(symlogic.verify is unavailable, so the claim was decided on the record directly.)")
        return None
    verdict = verify(lm, rec)
    if not verdict.holds:
        return None
    return verdict.epsilon_fraction, "proven"


def check_network(claim: "Claim", lm: "LogicModel", rec: "Record | None", bit: dict[str, int],
                  eps: tuple[Fraction, str], options: ModelOptions) -> Outcome:
    """A claim about v from the claim on f with margin ε; else the record, else undecided."""
    value, how = eps
    claim = claim.bind(lm.n)  # an index's margin ε·Σ|w| depends on n (docs/theory.md §2.6)
    eps_text = repr(to_float(value))
    route = f"model + {how} ε = {eps_text}: network claim"
    margin = claim.with_margin(value)
    inner: Outcome | None = None
    if margin is None:
        why = claim.conclusion.no_margin_reason(value)
    else:
        inner = check_model(margin, lm, bit, options)
        if inner.status == "holds":
            return replace(
                inner,
                explanation=f"the model satisfies '{margin}' (the claim with margin ε = {eps_text}): {inner.explanation}; "
                f"since |f − v| ≤ ε on every mask, the network satisfies '{claim}'",
                route=route,
            )
        why = f"the model does not satisfy '{margin}' with margin ε = {eps_text} ({inner.status}: {inner.explanation})"
    if rec is not None:
        out = check_record(claim, rec, bit)
        engines: Sequence[Any] = (inner.engines if inner else ()) + out.engines
        return replace(out, explanation=f"{out.explanation} (decided on the record: {why})", engines=tuple(engines))
    # Refute through the model: if f breaks the claim by more than ε somewhere (the claim with the
    # margin against it fails on f), v breaks the claim itself at that mask (Lemma B, mirrored).
    opposite = claim.with_margin(-value)
    if opposite is not None:
        refute = check_model(opposite, lm, bit, options)
        if refute.status == "fails":
            return replace(
                refute,
                explanation=f"the model violates '{opposite}' (the claim with margin ε = {eps_text} against it): "
                f"{refute.explanation}; since |f − v| ≤ ε on every mask, the network violates '{claim}' at that mask",
                route=route,
            )
    if inner is not None and inner.status == "unknown":
        return replace(inner, explanation=f"unknown: {why}", route=route, counterexample=None)
    return Outcome(
        "undecided",
        f"the network claim is undecided (not false): {why}; pass record= to decide it exactly on the recorded outputs",
        values=inner.values if inner else {},
        engines=inner.engines if inner else (),
        route=route,
    )
