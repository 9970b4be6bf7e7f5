"""The result of extraction: AND and OR interactions that reproduce v + q exactly, and their concepts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..masks import mask_names
from ..results import EngineReport, solver_engine, solver_seconds
from ..salience import DEFAULT_TAU, order_profile, salience_threshold, salient_sets
from .split import Split, noise_box

if TYPE_CHECKING:
    from ..logic import LogicModel
    from ..record import Record
    from .solvers import SolverResult

__all__ = ["Concept", "Extraction", "OrderProfile", "UNVERIFIED"]

#: The status of an extraction that states none: the reference method (no certificate, no
#: optimality claim) or one built without a solver's status.
UNVERIFIED = "unverified"


@dataclass(frozen=True)
class Concept:
    """One salient interaction: ``kind`` "and"/"or" over the variables ``names`` (bits of ``mask``)."""

    kind: str
    mask: int
    names: tuple[str, ...]
    value: float

    @property
    def order(self) -> int:
        return int(self.mask).bit_count()

    def __str__(self) -> str:
        return f"{self.kind.upper()}({', '.join(self.names)}) = {self.value:+.6g}"


@dataclass(frozen=True)
class OrderProfile:
    """Per order k = 1 … n: how many salient AND/OR concepts, and their summed |value|."""

    orders: np.ndarray
    and_count: np.ndarray
    or_count: np.ndarray
    and_strength: np.ndarray
    or_strength: np.ndarray


@dataclass(frozen=True)
class Extraction:
    """Sparse AND-OR interactions of a record (docs/theory.md §3).

    Universal matching holds by construction: for every mask T,
    ``v(T) + q(T) = Σ_{S⊆T} and_[S] + Σ_{S∩T≠∅} or_[S]``, with ``and_[0]`` the constant and
    ``or_[0] == 0``.

    Attributes:
        record: the record the interactions explain.
        and_, or_: coefficients, float64 arrays of length 2^n (index = set S as a mask).
        q: the noise term, |q| ≤ ``q_bound``·|v(N) − v(∅)|.
        objective: Σ|and_| + Σ|or_| (∅ counted unless ``count_empty`` is False).
        lower_bound: the dual bound y·v − ζ‖y‖₁ of the certificate (None for the reference method).
        gap: objective − lower_bound (None when there is no certificate).
        certificate: the dual vector y (None for the reference method).
        method: the solver's name in :data:`~symlogic.extraction.SOLVERS` ("exact", "reference", ...);
        settings: everything that produced it (for "exact": tol, status, iterations, seconds,
            solver (the route), rounds, support).

    The result protocol (:mod:`symlogic.results`): :attr:`status`, :attr:`engines`,
    :attr:`seconds`, :meth:`to_dict` / :meth:`from_dict`; :meth:`summary` is unchanged (bundles
    store it).
    """

    record: "Record"
    and_: np.ndarray
    or_: np.ndarray
    q: np.ndarray
    objective: float
    lower_bound: float | None
    gap: float | None
    certificate: np.ndarray | None
    method: str
    q_bound: float
    count_empty: bool = True
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def zeta(self) -> float:
        """The q box half-width ζ = q_bound·|v(N) − v(∅)|."""
        return noise_box(self.record.values, self.q_bound)

    @property
    def n(self) -> int:
        return self.record.n

    @property
    def split(self) -> Split:
        """The arrays as a :class:`~symlogic.extraction.split.Split` (its objective is recomputed)."""
        return Split(self.and_, self.or_, self.q, self.zeta, self.count_empty)

    @property
    def status(self) -> str:
        """``settings["status"]`` of a certified solver ("optimal", "time_limit", "not_converged",
        "round_limit"), else "unverified" (the reference method: no certificate, no claim)."""
        status = self.settings.get("status")
        return status if isinstance(status, str) else UNVERIFIED

    @property
    def seconds(self) -> float:
        """The solver's wall time (``settings["seconds"]``; 0 where none is stated)."""
        return solver_seconds(self.settings)

    @property
    def engines(self) -> tuple[EngineReport, ...]:
        """One report: the method, "holds" when certified optimal ("unknown" otherwise), and its route."""
        return (solver_engine(self.method, self.status, self.settings, self.method),)

    def reconstruct(self) -> np.ndarray:
        """Σ_{S⊆T} and_[S] + Σ_{S∩T≠∅} or_[S] on every mask (should equal v + q)."""
        return self.split.reconstruct()

    def matching_error(self) -> float:
        """max_T |reconstruct(T) − v(T) − q(T)| in float64 (rounding only)."""
        return self.split.matching_error(self.record.values)

    def threshold(self, tau: float = DEFAULT_TAU) -> float:
        """τ·max|I| over AND and OR interactions of non-empty sets (the constant is not a concept):
        :func:`symlogic.salience.salience_threshold`."""
        return salience_threshold(self.and_, self.or_, tau)

    def salient(self, tau: float = DEFAULT_TAU, top_k: int | None = None) -> list[Concept]:
        """Salient concepts: |I(S)| ≥ τ·max|I| (AND and OR together, :mod:`symlogic.salience`), or
        the ``top_k`` largest.

        Sorted by decreasing |value|, ties by kind then mask. Zero interactions are never salient.
        """
        names = self.record.names
        cut = 0.0 if top_k is not None else self.threshold(tau)  # top_k: every non-zero one competes
        cands: list[tuple[float, str, int, float]] = []
        for kind, arr in (("and", self.and_), ("or", self.or_)):
            idx = np.flatnonzero(salient_sets(arr, cut))
            cands += [(-abs(float(arr[i])), kind, int(i), float(arr[i])) for i in idx]
        cands.sort()
        if top_k is not None:
            if top_k < 0:
                raise InputError(f"top_k must be ≥ 0, got {top_k}")
            cands = cands[:top_k]
        return [Concept(kind, m, mask_names(m, names), val) for _, kind, m, val in cands]

    def order_profile(self, tau: float = DEFAULT_TAU) -> OrderProfile:
        """Counts and strength (Σ|I|) of salient concepts per order (:func:`symlogic.salience.order_profile`)."""
        prof = order_profile(self.and_, self.or_, tau)
        return OrderProfile(orders=np.arange(1, self.n + 1), and_count=prof["and"]["count"][1:],
                            or_count=prof["or"]["count"][1:], and_strength=prof["and"]["strength"][1:],
                            or_strength=prof["or"]["strength"][1:])

    def logic_model(self, tau: float = DEFAULT_TAU, top_k: int | None = None, refit: str | None = None) -> "LogicModel":
        """The logic model of the salient concepts: bias = and_[∅] plus one term per concept.

        Args:
            tau, top_k: which concepts to keep (see :meth:`salient`).
            refit: None keeps the extracted coefficients; "minimax" re-optimises bias and
                coefficients on the same support to minimise the max error over all masks (an LP).
        """
        from ..logic import LogicModel, Term

        concepts = self.salient(tau=tau, top_k=top_k)
        terms = [Term("bias", 0, float(self.and_[0]))] + [Term(c.kind, c.mask, c.value) for c in concepts]
        meta = {"source": f"extract(method={self.method!r})", "tau": tau, "top_k": top_k, "refit": refit}
        lm = LogicModel(names=self.record.names, terms=tuple(terms), meta=meta)
        if refit is None:
            return lm
        if refit != "minimax":
            raise InputError(f"refit must be None or 'minimax', got {refit!r}")
        from ..refit import refit_minimax

        return refit_minimax(lm, self.record).model

    def summary(self) -> dict[str, Any]:
        """JSON-friendly summary of the extraction and its certificate."""
        return {
            "method": self.method,
            "q_bound": self.q_bound,
            "zeta": self.zeta,
            "count_empty": self.count_empty,
            "objective": self.objective,
            "lower_bound": self.lower_bound,
            "gap": self.gap,
            "max_abs_q": float(np.max(np.abs(self.q))),
            "matching_error": self.matching_error(),
            "nonzero_and": int(np.count_nonzero(self.and_)),
            "nonzero_or": int(np.count_nonzero(self.or_)),
            "settings": self.settings,
        }

    def to_dict(self) -> dict[str, Any]:
        """:meth:`summary` plus ``status`` and ``engines`` (JSON-friendly; the arrays are left out:
        pass them back to :meth:`from_dict`)."""
        return {**self.summary(), "status": self.status, "engines": [e.to_dict() for e in self.engines]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], record: "Record", arrays: Mapping[str, np.ndarray]) -> "Extraction":
        """The extraction that :meth:`to_dict` (or :meth:`summary`) described, with its ``record``
        and ``arrays`` "and", "or", "q" and, when certified, "certificate" (a bundle's names).

        Keys derived from the arrays (zeta, max_abs_q, matching_error, nonzero counts, status,
        engines) are not read: compare ``from_dict(...).to_dict()`` with ``data`` to check them.
        """
        for key in ("method", "q_bound", "objective"):
            if key not in data:
                raise InputError(f"an extraction's dict needs {key!r}; it has {sorted(data)}")
        for key in ("and", "or", "q"):
            if key not in arrays:
                raise InputError(f"an extraction needs the array {key!r}; got {sorted(arrays)}")
        lower, gap = data.get("lower_bound"), data.get("gap")
        return cls(record=record, and_=arrays["and"], or_=arrays["or"], q=arrays["q"],
                   objective=float(data["objective"]), lower_bound=None if lower is None else float(lower),
                   gap=None if gap is None else float(gap), certificate=arrays.get("certificate"),
                   method=str(data["method"]), q_bound=float(data["q_bound"]),
                   count_empty=bool(data.get("count_empty", True)), settings=dict(data.get("settings") or {}))

    @classmethod
    def from_result(cls, record: "Record", result: "SolverResult", *, method: str, q_bound: float) -> "Extraction":
        """The extraction of ``record`` from a solver's result: the split's arrays and objective,
        the certificate and its gap objective − lower_bound, the solver's settings."""
        split = result.split
        objective = split.objective
        lower = result.lower_bound
        return cls(record=record, and_=split.and_, or_=split.or_, q=split.q, objective=objective,
                   lower_bound=lower, gap=None if lower is None else objective - lower,
                   certificate=result.certificate, method=method, q_bound=q_bound,
                   count_empty=split.count_empty, settings=dict(result.settings))
