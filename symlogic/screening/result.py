"""The result of screening: a sparse AND-OR model over N candidates, its faithfulness and ranking.

:class:`Screening` is what :func:`symlogic.screen` returns: the terms it recovered (each a
:class:`ScreeningTerm`), a bias, how many queries it used, its R² on held-out random masks and the
candidates ranked by importance. ``predict`` evaluates the model on any masks; ``to_dict`` /
``from_dict`` round-trip it through JSON (docs/theory.md §7).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch

from ..errors import InputError
from ..masks import check_names
from ..params import json_field
from .hierarchy import LevelInfo

__all__ = ["ScreeningTerm", "Screening", "SCREENING_FORMAT", "r2_score"]

#: Version of :meth:`Screening.to_dict`'s layout.
SCREENING_FORMAT = 1

Kind = Literal["and", "or"]


@dataclass(frozen=True)
class ScreeningTerm:
    """One recovered interaction: ``coefficient``·AND(variables) or ``coefficient``·OR(variables).

    Attributes:
        kind: "and" (all of the variables present) or "or" (any of them present).
        indices: the candidates' indices, increasing.
        variables: their names.
        coefficient: the least-squares coefficient on every kept query.
        stderr: its standard error (None when not estimated).
    """

    kind: Kind
    indices: tuple[int, ...]
    variables: tuple[str, ...]
    coefficient: float
    stderr: float | None = None

    @property
    def order(self) -> int:
        """The number of variables |S|."""
        return len(self.indices)

    @property
    def mask(self) -> int:
        """The term's set as an int mask (bit i = candidate i), as everywhere in symlogic."""
        return sum(1 << i for i in self.indices)

    def values(self, masks: np.ndarray | torch.Tensor) -> np.ndarray | torch.Tensor:
        """AND_S or OR_S on bool masks [q, N] (numpy in, numpy out; torch in, torch out on its device)."""
        cols = masks[:, list(self.indices)]
        hit = cols.all(1) if self.kind == "and" else cols.any(1)
        return hit.to(torch.float64) if isinstance(hit, torch.Tensor) else hit.astype(np.float64)

    def __str__(self) -> str:
        return f"{self.coefficient:+.6g}·{self.kind.upper()}({', '.join(self.variables)})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly fields (floats round-trip exactly through JSON)."""
        return {"kind": self.kind, "indices": list(self.indices), "variables": list(self.variables),
                "coefficient": self.coefficient, "stderr": self.stderr}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ScreeningTerm":
        """Inverse of :meth:`to_dict`, checking every field."""
        kind = json_field(d, "kind", (str,), "term")
        if kind not in ("and", "or"):
            raise InputError(f"term.kind must be 'and' or 'or', got {kind!r}")
        idx = json_field(d, "indices", (list,), "term")
        names = json_field(d, "variables", (list,), "term")
        if not idx or len(idx) != len(names) or any(isinstance(i, bool) or not isinstance(i, int) for i in idx):
            raise InputError("term.indices must be a non-empty list of ints, one per name in term.variables")
        stderr = json_field(d, "stderr", (int, float, type(None)), "term", None)
        return cls(kind, tuple(idx), tuple(str(x) for x in names), float(json_field(d, "coefficient", (int, float), "term")),
                   None if stderr is None else float(stderr))


def r2_score(y: np.ndarray, pred: np.ndarray) -> float:
    """1 − Σ(y − ŷ)² / Σ(y − ȳ)²; a constant y gives 1.0 when matched to rounding (1e-9 relative),
    else 0.0 (never NaN)."""
    sse = float(np.sum((y - pred) ** 2))
    sst = float(np.sum((y - y.mean()) ** 2)) if y.size else 0.0
    if sst == 0.0:
        return 1.0 if np.allclose(pred, y, rtol=1e-9, atol=1e-12) else 0.0
    return 1.0 - sse / sst


@dataclass(frozen=True)
class Screening:
    """A sparse AND-OR model of ``fn`` over N candidates, recovered from a budget of queries.

    f(T) ≈ bias + Σ coefficient·AND_S(T) or OR_S(T) over ``terms``, on masks T ⊆ candidates.

    Attributes:
        names: the N candidates' names.
        bias: the constant term.
        terms: the recovered terms, by order then index.
        queries: queries used (the held-out ones included); at most ``budget``.
        budget: the budget given.
        r2: R² of ``predict`` on ``holdout`` held-out masks (see ``r2_masks``); NaN when none were drawn.
        holdout: how many held-out masks measured ``r2``.
        r2_masks: which masks those were.
        noise: the residual standard deviation of the final fit on all kept queries.
        status: "complete" (no sign of anything missing: the residual is consistent with the noise
            level, or no noise estimate was possible), "residual" (the last pass left more than
            noise: terms of order > max_order, many weak terms, or too little budget for another
            pass), or "budget" (the budget cut the search: some candidate atoms were never tested).
        seed: the seed the design was drawn from.
        max_order: the largest term order searched.
        passes: aliasing passes run.
        levels: what each level of each pass did.
        meta: anything else (settings), JSON-friendly.
    """

    names: tuple[str, ...]
    bias: float
    terms: tuple[ScreeningTerm, ...]
    queries: int
    budget: int
    r2: float
    holdout: int
    r2_masks: str
    noise: float
    status: str
    seed: int
    max_order: int
    passes: int
    levels: tuple[LevelInfo, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_candidates(self) -> int:
        """N."""
        return len(self.names)

    @property
    def importance(self) -> np.ndarray:
        """Each candidate's share of the terms: Σ over the terms that contain it of |coefficient| / order
        (the absolute Shapley value of each term split evenly over its variables), float64 [N]."""
        imp = np.zeros(self.n_candidates)
        for t in self.terms:
            imp[list(t.indices)] += abs(t.coefficient) / t.order
        return imp

    @property
    def ranking(self) -> tuple[str, ...]:
        """All candidates by decreasing importance (ties by index; untouched candidates last)."""
        imp = self.importance
        return tuple(self.names[i] for i in sorted(range(self.n_candidates), key=lambda i: (-imp[i], i)))

    def ranked_indices(self) -> list[int]:
        """The candidates' indices in :attr:`ranking` order."""
        imp = self.importance
        return sorted(range(self.n_candidates), key=lambda i: (-imp[i], i))

    def predict(self, masks: Any) -> np.ndarray | torch.Tensor:
        """The model on bool masks [q, N] (or one mask [N]): numpy float64 [q], or a float64 tensor
        on the masks' device for a tensor."""
        if isinstance(masks, torch.Tensor):
            m = masks.to(torch.bool)
            m = m.reshape(1, -1) if m.ndim == 1 else m
            out: Any = torch.full((m.shape[0],), self.bias, dtype=torch.float64, device=m.device)
        else:
            m = np.asarray(masks)
            if m.dtype != bool:
                raise InputError(f"masks must be boolean (True = present), got dtype {m.dtype}")
            m = m.reshape(1, -1) if m.ndim == 1 else m
            out = np.full(m.shape[0], self.bias)
        if m.ndim != 2 or m.shape[1] != self.n_candidates:
            raise InputError(f"masks must have shape [q, {self.n_candidates}] (one column per candidate), got {tuple(m.shape)}")
        for t in self.terms:
            out = out + t.coefficient * t.values(m)
        return out

    def top(self, k: int) -> tuple[str, ...]:
        """The k most important candidates."""
        return self.ranking[:k]

    def __str__(self) -> str:
        shown = " ".join(str(t) for t in self.terms[:12]) + (f" … (+{len(self.terms) - 12} terms)" if len(self.terms) > 12 else "")
        r2 = "n/a" if math.isnan(self.r2) else f"{self.r2:.4f}"
        return (f"Screening of {self.n_candidates} candidates: {len(self.terms)} terms, {self.queries:,} queries "
                f"(budget {self.budget:,}), R² {r2} on {self.holdout} held-out masks, {self.status}\n"
                f"f = {self.bias:+.6g} {shown}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly; :meth:`from_dict` restores an equal object."""
        return {
            "format": SCREENING_FORMAT, "names": list(self.names), "bias": self.bias,
            "terms": [t.to_dict() for t in self.terms], "queries": self.queries, "budget": self.budget,
            "r2": None if math.isnan(self.r2) else self.r2, "holdout": self.holdout, "r2_masks": self.r2_masks,
            "noise": self.noise, "status": self.status, "seed": self.seed, "max_order": self.max_order,
            "passes": self.passes, "levels": [lv.to_dict() for lv in self.levels], "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Screening":
        """Rebuild from :meth:`to_dict`'s output (checked field by field, never unpickled)."""
        if not isinstance(d, dict):
            raise InputError(f"a screening must be a dict (from Screening.to_dict), got {type(d).__name__}")
        fmt = json_field(d, "format", (int,), "screening")
        if fmt != SCREENING_FORMAT:
            raise InputError(f"screening format {fmt} is not supported (this symlogic reads format {SCREENING_FORMAT})")
        names = check_names([str(x) for x in json_field(d, "names", (list,), "screening")],
                            len(d["names"]))
        terms = tuple(ScreeningTerm.from_dict(t) for t in json_field(d, "terms", (list,), "screening"))
        for t in terms:
            if max(t.indices) >= len(names) or min(t.indices) < 0:
                raise InputError(f"a term uses candidate {max(t.indices)}, but there are {len(names)} candidates")
        r2 = json_field(d, "r2", (int, float, type(None)), "screening")
        return cls(
            names=names, bias=float(json_field(d, "bias", (int, float), "screening")), terms=terms,
            queries=json_field(d, "queries", (int,), "screening"), budget=json_field(d, "budget", (int,), "screening"),
            r2=math.nan if r2 is None else float(r2), holdout=json_field(d, "holdout", (int,), "screening"),
            r2_masks=json_field(d, "r2_masks", (str,), "screening"),
            noise=float(json_field(d, "noise", (int, float), "screening")),
            status=json_field(d, "status", (str,), "screening"), seed=json_field(d, "seed", (int,), "screening"),
            max_order=json_field(d, "max_order", (int,), "screening"), passes=json_field(d, "passes", (int,), "screening"),
            levels=tuple(LevelInfo.from_dict(lv) for lv in json_field(d, "levels", (list,), "screening", [])),
            meta=dict(json_field(d, "meta", (dict,), "screening", {})),
        )


def make_terms(kinds_atoms: Sequence[tuple[str, tuple[int, ...]]], coef: np.ndarray, stderr: np.ndarray,
               names: Sequence[str]) -> tuple[ScreeningTerm, ...]:
    """:class:`ScreeningTerm` objects from (kind, indices) pairs and their fitted coefficients."""
    return tuple(ScreeningTerm(kind, atom, tuple(names[i] for i in atom), float(c), float(s))  # type: ignore[arg-type]
                 for (kind, atom), c, s in zip(kinds_atoms, coef, stderr))
