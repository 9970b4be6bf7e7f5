"""The answer to one claim: :class:`ClaimResult`, in the package's one result shape (:mod:`symlogic.results`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, get_args

from ..errors import ClaimSyntaxError, InputError
from ..results import ClaimStatus, EngineReport
from .nodes import Claim

__all__ = ["ClaimResult", "EngineReport"]

_STATUSES = get_args(ClaimStatus)


@dataclass(frozen=True)
class ClaimResult:
    """The answer to one claim; ``to_dict`` / ``from_dict`` round-trip through JSON.

    Attributes:
        claim: the claim in canonical form.
        holds: True only when the claim is proven on the subject of ``route``.
        status: "holds", "fails" (a checked counterexample exists), "undecided" (the ε margin was
            too small to carry the claim over to the network; not false) or "unknown" (a timeout or
            disagreeing engines).
        counterexample: for a failing claim, the mask with the fewest present variables (ties: the
            smallest integer) with its names and the exact values involved; else None.
        values: the output values involved (floats), e.g. the tightest value of a true claim.
        explanation: one or two sentences a person can read.
        route: what was checked: "record: exhaustive, exact", "model: …" or "model + … ε = …: network claim".
        engines: what each engine said, with timings.
        seconds: wall time of the whole check.
        parsed: the claim's node tree (re-parsed from ``claim`` by :meth:`from_dict`).
        target: in an evidence bundle, what the claim was asked of: "record" or "model" (a model
            claim may still be decided on the record); None for a plain :func:`check`.

    Examples:
        >>> from symlogic.claims import check
        >>> from symlogic.record import Record
        >>> res = check("output <= 2", Record.from_table([0.0, 1.0, 1.0, 3.0], ["a", "b"]))
        >>> res.status, res.counterexample["present"]
        ('fails', ['a', 'b'])
        >>> ClaimResult.from_dict(res.to_dict()) == res
        True
    """

    claim: str
    holds: bool
    status: str
    counterexample: dict[str, Any] | None
    values: dict[str, Any]
    explanation: str
    route: str
    engines: tuple[EngineReport, ...] = ()
    seconds: float = 0.0
    parsed: Claim | None = field(default=None, compare=False, repr=False)
    target: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (exact values appear as "p/q" strings in the counterexample)."""
        return ({} if self.target is None else {"target": self.target}) | {
            "claim": self.claim,
            "holds": self.holds,
            "status": self.status,
            "counterexample": self.counterexample,
            "values": self.values,
            "explanation": self.explanation,
            "route": self.route,
            "engines": [e.to_dict() for e in self.engines],
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ClaimResult":
        """Inverse of :meth:`to_dict` (unknown keys are ignored)."""
        from .parse import parse_claim

        if not isinstance(data, dict) or not isinstance(data.get("claim"), str):
            raise InputError(f"a claim result is an object with the claim's text, got {data!r:.100}")
        status = data.get("status")
        if status not in _STATUSES:
            raise InputError(f"a claim result's status is one of {_STATUSES}, got {status!r:.40}")
        holds = data.get("holds", status == "holds")
        if not isinstance(holds, bool) or holds != (status == "holds"):
            raise InputError(f"a claim result's holds ({holds!r:.20}) must say whether its status {status!r} is 'holds'")
        cex = data.get("counterexample")
        values = data.get("values", {})
        engines = data.get("engines", [])
        seconds = data.get("seconds", 0.0)
        if cex is not None and not isinstance(cex, dict) or not isinstance(values, dict) or not isinstance(engines, list):
            raise InputError("a claim result's counterexample and values are objects and its engines a list")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise InputError(f"a claim result's seconds must be a number, got {seconds!r:.40}")
        target = data.get("target")
        if target not in (None, "record", "model"):
            raise InputError(f"a claim result's target is 'record' or 'model', got {target!r:.40}")
        try:
            parsed: Claim | None = parse_claim(data["claim"])
        except ClaimSyntaxError:
            parsed = None
        return cls(
            claim=data["claim"],
            holds=holds,
            status=status,
            counterexample=cex,
            values=values,
            explanation=str(data.get("explanation", "")),
            route=str(data.get("route", "")),
            engines=tuple(EngineReport.from_dict(e) for e in engines),
            seconds=float(seconds),
            parsed=parsed,
            target=target,
        )
