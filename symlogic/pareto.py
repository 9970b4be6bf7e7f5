"""The front of (number of terms, proven ε): how much readability each bit of faithfulness costs
(docs/theory.md §4.6).

:func:`pareto` collects candidate formulas — every step of the greedy forward path, and the
:func:`~symlogic.sparsest.sparsest` search at each of a few targets — keeps for each size the one
with the smallest error, drops the dominated ones (more terms and no smaller error) and the path's
points within ``RESOLUTION`` of the last one kept (a picture needs no more), and proves
each survivor at its own tight ε (:func:`symlogic.verify`). :meth:`Pareto.at` picks the smallest
formula that reaches a target; :meth:`Pareto.plot` draws terms against ε / output range.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError, ResourceError
from .logic import LogicModel
from .sparsest import LOOKAHEAD
from .params import flag, json_field, positive_int, positive_seconds

if TYPE_CHECKING:
    from .figures.canvas import Figure
    from .record import Record

__all__ = ["Pareto", "ParetoPoint", "pareto", "proven_point", "DEFAULT_TARGETS"]

#: The relative targets :func:`pareto` searches at (shares of the output range).
DEFAULT_TARGETS: tuple[float, ...] = (0.1, 0.05, 0.02)
#: Points of the forward path closer than this (share of the range) to the last one kept are left out.
RESOLUTION = 0.002


@dataclass(frozen=True)
class ParetoPoint:
    """One formula of the front: its size, its proven bound (float, rounded up; and exact p/q),
    that bound as a share of the output range, the verdict's status and the model itself."""

    terms: int
    epsilon: float
    epsilon_exact: str
    relative_epsilon: float | None
    status: str
    model: LogicModel

    def to_dict(self) -> dict[str, Any]:
        return {"terms": self.terms, "epsilon": self.epsilon, "epsilon_exact": self.epsilon_exact,
                "relative_epsilon": self.relative_epsilon, "status": self.status, "model": self.model.to_dict()}

    @classmethod
    def from_dict(cls, data: Any) -> "ParetoPoint":
        """Inverse of :meth:`to_dict` (fields type-checked: a bundle may hold it)."""
        if not isinstance(data, dict):
            raise InputError(f"a Pareto point is an object, got {type(data).__name__}")
        model = LogicModel.from_dict(json_field(data, "model", (dict,), "pareto point"))
        rel = json_field(data, "relative_epsilon", (int, float, type(None)), "pareto point", None)
        return cls(terms=json_field(data, "terms", (int,), "pareto point"),
                   epsilon=float(json_field(data, "epsilon", (int, float), "pareto point")),
                   epsilon_exact=json_field(data, "epsilon_exact", (str,), "pareto point"),
                   relative_epsilon=None if rel is None else float(rel),
                   status=json_field(data, "status", (str,), "pareto point"), model=model)


@dataclass(frozen=True)
class Pareto:
    """The front: points by increasing number of terms and strictly decreasing proven ε.

    ``output_range`` is max v − min v of the record, the unit of the relative ε.
    """

    points: tuple[ParetoPoint, ...]
    output_range: float
    seconds: float = 0.0

    def at(self, epsilon: float, *, relative: bool = True) -> ParetoPoint:
        """The smallest formula of the front whose proven ε is ≤ ``epsilon`` (a share of the output
        range when ``relative``). Raises InputError when no point reaches it."""
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not (epsilon >= 0):
            raise InputError(f"epsilon must be a number ≥ 0, got {epsilon!r}")
        bound = float(epsilon) * self.output_range if relative else float(epsilon)
        for p in self.points:
            if p.epsilon <= bound:
                return p
        best = self.points[-1] if self.points else None
        tightest = "" if best is None else (f"; the tightest point has {best.terms} terms at ε = {best.epsilon:.4g}"
                                            + (f" ({100 * best.relative_epsilon:.2f} % of the range)"
                                               if best.relative_epsilon is not None else ""))
        raise InputError(f"no formula of the front reaches ε = {bound:.4g}{tightest}; run pareto with a smaller "
                         "target (targets=...) and a larger max_terms, or symlogic.sparsest(rec, epsilon)")

    def with_point(self, point: ParetoPoint) -> "Pareto":
        """The front with ``point`` added (and the points it dominates dropped; unchanged when it is dominated)."""
        pts = sorted([*self.points, point], key=lambda p: (p.terms, p.epsilon))
        kept: list[ParetoPoint] = []
        for p in pts:
            if not kept or (p.epsilon < kept[-1].epsilon and p.terms > kept[-1].terms):
                kept.append(p)
        return Pareto(points=tuple(kept), output_range=self.output_range, seconds=self.seconds)

    def plot(self, path: Any = None, *, target: float | None = None, chosen: int | None = None, **kwargs: Any) -> "Figure":
        """Terms against proven ε / output range (:func:`symlogic.figures.plots.plot_pareto`)."""
        from .figures.plots import plot_pareto

        rel = [p.relative_epsilon if p.relative_epsilon is not None else math.nan for p in self.points]
        return plot_pareto([p.terms for p in self.points], rel, path, target=target, chosen=chosen, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {"output_range": self.output_range, "seconds": self.seconds, "points": [p.to_dict() for p in self.points]}

    @classmethod
    def from_dict(cls, data: Any) -> "Pareto":
        """Inverse of :meth:`to_dict`; the points must form a front (sizes up, ε strictly down)."""
        if not isinstance(data, dict):
            raise InputError(f"a Pareto front is an object, got {type(data).__name__}")
        points = json_field(data, "points", (list,), "pareto")
        front = cls(points=tuple(ParetoPoint.from_dict(p) for p in points),
                    output_range=float(json_field(data, "output_range", (int, float), "pareto")),
                    seconds=float(json_field(data, "seconds", (int, float), "pareto", 0.0)))
        problem = front.problem()
        if problem:
            raise InputError(f"not a Pareto front: {problem}")
        return front

    def problem(self) -> str:
        """Why the points are not a front ('' when they are): each point's size must be its model's
        number of terms, sizes must increase and proven ε strictly decrease."""
        for p in self.points:
            if p.terms != len(p.model):
                return f"a point states {p.terms} terms but its model has {len(p.model)}"
        for a, b in zip(self.points, self.points[1:]):
            if not (a.terms < b.terms and a.epsilon > b.epsilon):
                return f"the point with {b.terms} terms (ε = {b.epsilon:.6g}) does not improve on {a.terms} terms (ε = {a.epsilon:.6g})"
        return ""

    def __str__(self) -> str:
        rows = [f"{'terms':>5}  {'proven ε':>12}  {'ε / range':>9}"]
        for p in self.points:
            rel = "" if p.relative_epsilon is None else f"{100 * p.relative_epsilon:8.2f}%"
            rows.append(f"{p.terms:5d}  {p.epsilon:12.6g}  {rel:>9}")
        return "\n".join(rows)


def _front(candidates: list[tuple[int, float, Any, bool]], step: float) -> list[tuple[int, float, Any, bool]]:
    """Per size the smallest error, then only the points no smaller formula matches; a point that
    is not a search's answer (flag False) must also improve on the last one kept by ``step``."""
    best: dict[int, tuple[int, float, Any, bool]] = {}
    for k, err, fit, key in candidates:  # smaller error first; at equal error a search's answer
        if k not in best or err < best[k][1] or (err == best[k][1] and key):
            best[k] = (k, err, fit, key)
    out: list[tuple[int, float, Any, bool]] = []
    for k in sorted(best):
        _, err, _, key = best[k]
        if not out or err < out[-1][1] - (0.0 if key else step):
            out.append(best[k])
    return out


def proven_point(lm: LogicModel, rec: "Record", *, prove: bool = True) -> ParetoPoint:
    """``lm`` as a point of the front: proven at its own tight ε (verify, or the exact engine alone)."""
    from .exact_error import max_error
    from .verify import verify

    spread = float(np.max(rec.values)) - float(np.min(rec.values))
    if prove:
        verdict = verify(lm, rec)
        eps, exact, status = verdict.epsilon, verdict.epsilon_exact, verdict.status
    else:
        worst = max_error(lm, rec.values)
        eps, status = worst.as_float_upper(), "exact only"
        exact = f"{Fraction(eps).numerator}/{Fraction(eps).denominator}"
    return ParetoPoint(terms=len(lm), epsilon=eps, epsilon_exact=exact,
                       relative_epsilon=eps / spread if spread > 0 else None, status=status, model=lm)


def pareto(rec: "Record", *, targets: Sequence[float] = DEFAULT_TARGETS, max_terms: int = 48, lookahead: int = LOOKAHEAD,
           prove: bool = True, time_limit: float | None = None) -> Pareto:
    """The front of (number of terms, proven ε) for ``rec`` (module docstring).

    Args:
        rec: the recorded table.
        targets: relative targets (shares of the output range) at which :func:`sparsest`'s search
            runs; the forward path runs down to the smallest of them.
        max_terms: no formula of the front has more terms.
        lookahead: atoms refitted per forward step.
        prove: prove every point with :func:`symlogic.verify` (default); without it, the exact
            engine alone bounds each point and its status says "exact only".
        time_limit: seconds for the searches (the proofs have verify's own limit).

    Examples:
        >>> import numpy as np, symlogic as sl
        >>> rec = sl.Record.from_table(np.array([0.0, 1.0, 2.0, 4.0]), names=["a", "b"])
        >>> front = sl.pareto(rec)
        >>> [(p.terms, p.relative_epsilon) for p in front.points]
        [(0, 0.5), (1, 0.375), (2, 0.0625), (3, 0.0)]
        >>> front.at(0.2).terms
        2
    """
    from .sparse_search import forward
    from .sparsest import MARGIN, model_of_fit, search

    start = time.perf_counter()
    max_terms = positive_int(max_terms, "max_terms", "it caps the size of the front's formulas")
    lookahead = positive_int(lookahead, "lookahead", "it is how many atoms each forward step refits")
    prove = flag(prove, "prove")
    deadline = None if time_limit is None else start + positive_seconds(time_limit, "time_limit")
    rels = sorted({float(t) for t in targets}, reverse=True)
    if not rels or any(not (0 < t < 1) for t in rels):
        raise InputError(f"targets are shares of the output range in (0, 1), got {list(targets)!r}")
    v = np.asarray(rec.values, dtype=np.float64)
    spread = float(v.max()) - float(v.min())
    candidates = [(len(f.atoms), f.error, f, False) for f in
                  forward(v, rels[-1] * spread, lookahead=lookahead, max_terms=max_terms, deadline=deadline)]
    if spread > 0:
        for t in rels:
            try:
                fit = search(v, t * spread * (1 - MARGIN), lookahead=lookahead, max_terms=max_terms, deadline=deadline)
            except ResourceError:
                continue  # not within max_terms: the path's points stand for it
            candidates.append((len(fit.atoms), fit.error, fit, True))
    points = [proven_point(model_of_fit(fit, rec.names, {"source": "pareto"}), rec, prove=prove)
              for _, _, fit, _ in _front(candidates, RESOLUTION * spread)]
    # Rounding the proven bounds up can make two neighbours equal: keep the smaller formula.
    kept: list[ParetoPoint] = []
    for p in sorted(points, key=lambda p: p.terms):
        if not kept or p.epsilon < kept[-1].epsilon:
            kept.append(p)
    return Pareto(points=tuple(kept), output_range=spread, seconds=time.perf_counter() - start)
