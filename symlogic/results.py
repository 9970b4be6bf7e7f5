"""The one result shape every pipeline step returns.

Each step's result is a frozen dataclass with a ``status`` (a small Literal per step), the
``engines`` that decided it (one :class:`EngineReport` each), the wall time in ``seconds``, and
``to_dict()`` / ``from_dict()`` that round-trip through JSON. Readers (the report, the CLI, the
evidence bundle) look at ``status``: a refuted claim is a correct answer, not a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from .errors import InputError

__all__ = [
    "EngineReport",
    "Result",
    "VerdictStatus",
    "ClaimStatus",
    "ExtractionStatus",
    "OUTCOMES",
    "status_word",
    "solver_seconds",
    "solver_engine",
]

#: verify: proven within ε, a violating mask exists, or not decided (a timeout, disagreeing engines).
VerdictStatus = Literal["holds", "fails", "unknown"]
#: check: proven, refuted ("fails": a checked counterexample exists; shown as REFUTED), or not
#: decided (an ε margin too small to carry a model claim to the network, a timeout). "fails" is
#: kept as the stored word so that bundles written before this module still re-check.
ClaimStatus = Literal["holds", "fails", "undecided", "unknown"]
#: extract: certified optimal within its tolerance, stopped by the time limit, not converged, or
#: "unverified" (a solver without a certificate, such as the reference SGD).
ExtractionStatus = Literal["optimal", "time_limit", "not_converged", "round_limit", "unverified"]

#: What one engine may conclude.
OUTCOMES = ("holds", "fails", "unknown")


@dataclass(frozen=True)
class EngineReport:
    """What one engine concluded about one question, and how long it took.

    Attributes:
        name: the engine ("z3", "exact", "enumeration", "exhaustive", "highs", ...).
        outcome: "holds", "fails" or "unknown" (a solver's own word such as "unsat" goes in ``detail``).
        seconds: wall time of this engine.
        detail: one line a person can read (what was checked, the solver's answer).
    """

    name: str
    outcome: str
    seconds: float = 0.0
    detail: str = ""

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise InputError(f"an engine's outcome is one of {OUTCOMES}, got {self.outcome!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "outcome": self.outcome, "seconds": self.seconds, "detail": self.detail}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EngineReport":
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            raise InputError(f"an engine report is an object with a name, got {data!r:.100}")
        seconds = data.get("seconds", 0.0)
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise InputError(f"an engine report's seconds must be a number, got {seconds!r:.40}")
        return cls(name=data["name"], outcome=str(data.get("outcome")), seconds=float(seconds),
                   detail=str(data.get("detail", "")))


@runtime_checkable
class Result(Protocol):
    """What every step's result offers (``Verdict``, ``ClaimResult``, ``Extraction``, ...)."""

    status: str
    engines: tuple[EngineReport, ...]
    seconds: float

    def to_dict(self) -> dict[str, Any]: ...

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Result": ...


#: How each status is shown to a person.
_WORDS: dict[str, str] = {
    "holds": "HOLDS",
    "fails": "FAILS",
    "undecided": "UNDECIDED",
    "unknown": "UNKNOWN",
    "optimal": "OPTIMAL",
    "time_limit": "TIME LIMIT",
    "not_converged": "NOT CONVERGED",
    "round_limit": "ROUND LIMIT",
    "unverified": "UNVERIFIED",
}


def status_word(status: str, kind: str = "verdict") -> str:
    """The word a summary, the CLI or the report shows for a status.

    A claim that fails is REFUTED: a correct finding with a counterexample, not an error.
    """
    if kind == "claim" and status == "fails":
        return "REFUTED"
    return _WORDS.get(status, status.upper())


def solver_seconds(settings: dict[str, Any]) -> float:
    """A solver's wall time from its ``settings["seconds"]`` (0 where none, or no number, is stated)."""
    s = settings.get("seconds")
    return float(s) if isinstance(s, (int, float)) and not isinstance(s, bool) else 0.0


def solver_engine(name: str, status: str, settings: dict[str, Any], route: str) -> EngineReport:
    """The one engine report of an extraction: "holds" when certified optimal, else "unknown",
    with the solver's route (``settings["solver"]``, else ``route``) as its detail."""
    outcome = "holds" if status == "optimal" else "unknown"
    return EngineReport(name=name, outcome=outcome, seconds=solver_seconds(settings),
                        detail=str(settings.get("solver", route)))
