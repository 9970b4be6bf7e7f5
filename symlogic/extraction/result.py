"""The result of extraction: AND and OR interactions that reproduce v + q exactly, and their concepts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..masks import mask_names, popcount
from ..transforms import or_sum, subset_sum

if TYPE_CHECKING:
    from ..logic import LogicModel
    from ..record import Record

__all__ = ["Concept", "Extraction", "OrderProfile", "noise_box"]


def noise_box(values: np.ndarray, q_bound: float) -> float:
    """ζ = q_bound·|v(N) − v(∅)|; where the difference itself overflows (outputs of both signs near
    the largest float) it is taken at half scale, exact, so that ζ is finite whenever it fits."""
    d = abs(float(values[-1]) - float(values[0]))
    if np.isfinite(d):
        return q_bound * d
    return 2.0 * (q_bound * abs(float(values[-1]) / 2 - float(values[0]) / 2))


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
        method: "exact" or "reference"; settings: everything that produced it.
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

    def reconstruct(self) -> np.ndarray:
        """Σ_{S⊆T} and_[S] + Σ_{S∩T≠∅} or_[S] on every mask (should equal v + q)."""
        return subset_sum(self.and_) + or_sum(self.or_)

    def matching_error(self) -> float:
        """max_T |reconstruct(T) − v(T) − q(T)| in float64 (rounding only)."""
        return float(np.max(np.abs(self.reconstruct() - self.record.values - self.q)))

    def threshold(self, tau: float = 0.05) -> float:
        """τ·max|I| over AND and OR interactions of non-empty sets (the constant is not a concept)."""
        if not 0 <= tau <= 1:
            raise InputError(f"tau is a fraction of the largest interaction, in [0, 1]; got {tau}")
        peak = max(float(np.max(np.abs(self.and_[1:]), initial=0.0)), float(np.max(np.abs(self.or_[1:]), initial=0.0)))
        return tau * peak

    def salient(self, tau: float = 0.05, top_k: int | None = None) -> list[Concept]:
        """Salient concepts: |I(S)| ≥ τ·max|I| (AND and OR together), or the ``top_k`` largest.

        Sorted by decreasing |value|, ties by kind then mask. Zero interactions are never salient.
        """
        names = self.record.names
        cands: list[tuple[float, str, int, float]] = []
        for kind, arr in (("and", self.and_), ("or", self.or_)):
            if top_k is None:
                cut = self.threshold(tau)
                idx = np.flatnonzero((np.abs(arr) >= cut) & (arr != 0))
            else:
                idx = np.flatnonzero(arr != 0)
            idx = idx[idx != 0]
            cands += [(-abs(float(arr[i])), kind, int(i), float(arr[i])) for i in idx]
        cands.sort()
        if top_k is not None:
            if top_k < 0:
                raise InputError(f"top_k must be ≥ 0, got {top_k}")
            cands = cands[:top_k]
        return [Concept(kind, m, mask_names(m, names), val) for _, kind, m, val in cands]

    def order_profile(self, tau: float = 0.05) -> OrderProfile:
        """Counts and strength (Σ|I|) of salient concepts per order."""
        n = self.n
        size = popcount(n)
        cut = self.threshold(tau)
        out = {}
        for kind, arr in (("and", self.and_), ("or", self.or_)):
            sal = (np.abs(arr) >= cut) & (arr != 0)
            sal[0] = False
            out[kind + "_count"] = np.bincount(size[sal], minlength=n + 1)[1:]
            out[kind + "_strength"] = np.bincount(size[sal], weights=np.abs(arr[sal]), minlength=n + 1)[1:]
        return OrderProfile(orders=np.arange(1, n + 1), **out)

    def logic_model(self, tau: float = 0.05, top_k: int | None = None, refit: str | None = None) -> "LogicModel":
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
