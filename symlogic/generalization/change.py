"""Exact attribution of a change of output to concepts (docs/theory.md §3.8, §5.4).

Two extractions of the same input and variables (two models, two checkpoints) each satisfy
v(T) + q(T) = Σ_{S⊆T} a_S + Σ_{S∩T≠∅} o_S on every mask. Their difference decomposes the change
Δv(T) = v_b(T) − v_a(T) on every mask T into one term per concept and one noise term:

    Δv(T) = Σ_S Δa_S·1[S ⊆ T] + Σ_{S≠∅} Δo_S·1[S ∩ T ≠ ∅] − Δq(T),

where Δa = a_b − a_a, Δo = o_b − o_a and q is each split's exact residual Za + Oo − v (the
stored float q up to rounding; |Δq| ≤ ζ_a + ζ_b). Exact in rational arithmetic:
:meth:`ChangeAttribution.reconstruct` with ``exact=True`` computes every term from the float64
arrays as exact rationals (Python integers over a common power of two, the butterflies run on
them) and returns Δv exactly; ``exact=False`` is the float64 version (equal to rounding).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..masks import mask_names
from ..salience import DEFAULT_TAU, check_tau
from ..transforms import or_sum, subset_sum

if TYPE_CHECKING:
    from ..extraction.result import Extraction

__all__ = ["attribute_change", "ChangeAttribution", "ConceptChange", "exact_split_values"]

#: What a concept did between the two extractions (salient at τ in each or not).
KINDS_OF_CHANGE = ("gained", "lost", "kept")


@dataclass(frozen=True)
class ConceptChange:
    """One atom (``kind`` "and"/"or" over ``mask``) before and after.

    ``change`` is "gained" (salient after only), "lost" (before only), "kept" (in both) or "" (in
    neither, at the τ of the attribution). Its contribution to Δv on a mask T is
    ``delta``·1[atom fires on T]; on the full input every atom fires, so it is ``delta`` itself.
    """

    kind: str
    mask: int
    names: tuple[str, ...]
    before: float
    after: float
    change: str = ""

    @property
    def delta(self) -> float:
        """after − before, rounded to float64 (:attr:`delta_exact` is exact)."""
        return self.after - self.before

    @property
    def delta_exact(self) -> Fraction:
        return Fraction(self.after) - Fraction(self.before)

    @property
    def order(self) -> int:
        return int(self.mask).bit_count()

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.mask)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "mask": self.mask, "names": list(self.names), "before": self.before,
                "after": self.after, "change": self.change}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ConceptChange":
        return cls(kind=str(data["kind"]), mask=int(data["mask"]), names=tuple(data.get("names") or ()),
                   before=float(data["before"]), after=float(data["after"]), change=str(data.get("change", "")))

    def __str__(self) -> str:
        tag = f" [{self.change}]" if self.change else ""
        what = "constant" if self.kind == "and" and self.mask == 0 else f"{self.kind.upper()}({', '.join(self.names)})"
        return f"{what}: {self.before:+.4g} → {self.after:+.4g} (Δ {self.delta:+.4g}){tag}"


def exact_split_values(and_: np.ndarray, or_: np.ndarray, exponent: int) -> np.ndarray:
    """Σ_{S⊆T} a_S + Σ_{S∩T≠∅} o_S on every mask T, exactly, as Python integers in units of
    2^exponent (object array; ``exponent`` at most every entry's lowest bit). The butterflies of
    :mod:`symlogic.transforms` run on the integers, so nothing is rounded."""
    from ..exact_error import _to_ints
    from ..transforms import _butterfly_inplace, n_from_length

    n = n_from_length(and_.shape[0])
    a = _to_ints(and_, exponent)
    o = _to_ints(or_, exponent)
    o[0] = 0
    za = _butterfly_inplace(a, n, upward=True, sign=+1)
    zo = _butterfly_inplace(o, n, upward=True, sign=+1)
    return za + (zo[-1] - zo[::-1])  # (Oo)(T) = (Zo)(N) − (Zo)(N∖T)


@dataclass(frozen=True)
class ChangeAttribution:
    """Δv = v_b − v_a of two extractions on one layout, attributed to concepts on every mask.

    Attributes:
        before, after: the two extractions (``attribute_change(before, after)``).
        tau: the salience threshold that decides gained / lost / kept (docs/theory.md §3.6).
    """

    before: "Extraction"
    after: "Extraction"
    tau: float = DEFAULT_TAU

    @property
    def n(self) -> int:
        return self.before.n

    @property
    def names(self) -> tuple[str, ...]:
        return self.before.record.names

    @property
    def delta_and(self) -> np.ndarray:
        """Δa = a_b − a_a (float64, rounded; the exact values are the differences of the two arrays)."""
        return self.after.and_ - self.before.and_

    @property
    def delta_or(self) -> np.ndarray:
        return self.after.or_ - self.before.or_

    @property
    def delta_v(self) -> np.ndarray:
        """v_b(T) − v_a(T) on every mask, in float64."""
        return self.after.record.values - self.before.record.values

    @property
    def noise(self) -> np.ndarray:
        """−Δq = q_a − q_b from the stored noise terms: the part of Δv no concept carries (float64;
        |−Δq| ≤ ζ_a + ζ_b)."""
        return self.before.q - self.after.q

    @property
    def full_change(self) -> float:
        """Δv(N): the change of the output on the full input."""
        return float(self.after.record.values[-1] - self.before.record.values[-1])

    # -- per concept --------------------------------------------------------------------------

    def _salient(self) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
        from .metrics import concept_dict

        return set(concept_dict(self.before, self.tau)), set(concept_dict(self.after, self.tau))

    def changes(self, *, include_constant: bool = False) -> list[ConceptChange]:
        """Every atom whose coefficient changed, or that is salient before or after, sorted by
        decreasing |Δ|, ties by kind then mask. The constant (AND ∅) only with ``include_constant``."""
        was, now = self._salient()
        out: list[ConceptChange] = []
        for kind, old, new in (("and", self.before.and_, self.after.and_), ("or", self.before.or_, self.after.or_)):
            idx = set(np.flatnonzero(old != new).tolist()) | {m for k, m in was | now if k == kind}
            for m in sorted(idx):
                if m == 0 and not (kind == "and" and include_constant):
                    continue
                key = (kind, m)
                change = "kept" if key in was and key in now else "gained" if key in now else "lost" if key in was else ""
                out.append(ConceptChange(kind, m, mask_names(m, self.names), float(old[m]), float(new[m]), change))
        out.sort(key=lambda c: (-abs(c.delta), c.kind, c.mask))
        return out

    @property
    def gained(self) -> list[ConceptChange]:
        """Concepts salient after but not before."""
        return [c for c in self.changes() if c.change == "gained"]

    @property
    def lost(self) -> list[ConceptChange]:
        """Concepts salient before but not after."""
        return [c for c in self.changes() if c.change == "lost"]

    @property
    def kept(self) -> list[ConceptChange]:
        """Concepts salient in both."""
        return [c for c in self.changes() if c.change == "kept"]

    def drivers(self, top: int | None = None, *, include_constant: bool = True) -> list[tuple[ConceptChange, float]]:
        """The concepts that account for the change on the full input, ranked: (change, share)
        with share = Δ / Δv(N) (every atom fires on N, so its contribution there is its Δ; the
        shares of all atoms, the constant and the noise term −Δq(N) add up to 1). Sorted by
        decreasing contribution in the direction of the change (those that drove it first, those
        that held it back last); ``top`` keeps the first ones, ``include_constant=False`` leaves
        the constant (AND ∅) out of the ranking."""
        total = self.full_change
        sign = 1.0 if total >= 0 else -1.0
        rows = [(c, c.delta / total if total != 0 else math.nan)
                for c in self.changes(include_constant=include_constant)]
        rows.sort(key=lambda r: (-sign * r[0].delta, r[0].kind, r[0].mask))
        return rows if top is None else rows[:top]

    def contribution(self, kind: str, mask: int) -> np.ndarray:
        """The contribution of one atom on every mask T: Δx_S·1[atom fires on T] (float64)."""
        if kind not in ("and", "or"):
            raise InputError(f"kind is 'and' or 'or', got {kind!r}")
        N = 1 << self.n
        if isinstance(mask, bool) or not isinstance(mask, (int, np.integer)) or not 0 <= int(mask) < N:
            raise InputError(f"mask must be an integer 0 … {N - 1}, got {mask!r}")
        T = np.arange(N)
        S = int(mask)
        if kind == "and":
            return np.where((S & ~T) == 0, self.delta_and[S], 0.0)
        return np.where((S & T) != 0, self.delta_or[S], 0.0)

    # -- exactness ----------------------------------------------------------------------------

    def reconstruct(self, masks: Sequence[int] | np.ndarray | None = None, *, exact: bool = True) -> Any:
        """Δv on ``masks`` (default: all) from the concepts' terms and the noise term.

        ``exact=True`` (default): a list of :class:`~fractions.Fraction`, Σ_S Δa_S·1[S ⊆ T] +
        Σ_S Δo_S·1[S ∩ T ≠ ∅] − Δq(T) with every term exact (q is each split's exact residual), which
        equals ``Fraction(v_b[T]) − Fraction(v_a[T])`` exactly. ``exact=False``: the same sum in
        float64 with the stored q (a numpy array, equal to :attr:`delta_v` up to rounding).
        """
        from ..exact_error import _min_exponent

        N = 1 << self.n
        idx = np.arange(N) if masks is None else np.asarray(masks, dtype=np.int64).reshape(-1)
        if idx.size and (idx.min() < 0 or idx.max() >= N):
            raise InputError(f"masks must lie in 0 … {N - 1}")
        if not exact:
            terms = subset_sum(self.delta_and) + or_sum(self.delta_or) + self.noise
            return terms[idx]
        b, a = self.before, self.after
        e = _min_exponent(b.and_, b.or_, b.record.values, a.and_, a.or_, a.record.values)
        from ..exact_error import _to_ints

        # Δ(Za + Oo) from the difference of the integer tables (the sum of every concept's term),
        # then −Δq with q the exact residual of each split: Za + Oo − v.
        concepts = (exact_split_values(a.and_, a.or_, e) - exact_split_values(b.and_, b.or_, e))
        q_after = exact_split_values(a.and_, a.or_, e) - _to_ints(a.record.values, e)
        q_before = exact_split_values(b.and_, b.or_, e) - _to_ints(b.record.values, e)
        total = concepts - (q_after - q_before)
        unit = Fraction(2) ** e
        return [Fraction(int(total[t])) * unit for t in idx.tolist()]

    def summary(self, top: int = 5) -> str:
        """A few lines: Δv(N), gained / lost / kept counts, the strongest drivers."""
        lines = [f"Δv(N) = {self.full_change:+.6g} (v: {self.before.record.values[-1]:.6g} → "
                 f"{self.after.record.values[-1]:.6g}); concepts at τ = {self.tau:g}: {len(self.gained)} gained, "
                 f"{len(self.lost)} lost, {len(self.kept)} kept; noise −Δq(N) = {float(self.noise[-1]):+.3g}"]
        for c, share in self.drivers(top):
            lines.append(f"  {c}  ({share:+.1%} of the change)" if math.isfinite(share) else f"  {c}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly: Δv(N), the τ, and every changed or salient atom (the extractions are left
        out: pass them back to :meth:`from_dict`)."""
        return {"tau": self.tau, "full_change": self.full_change, "n": self.n, "names": list(self.names),
                "changes": [c.to_dict() for c in self.changes(include_constant=True)]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], before: "Extraction", after: "Extraction") -> "ChangeAttribution":
        """The attribution :meth:`to_dict` described, for the two extractions it was made of;
        refused when the stored atoms do not match them."""
        out = attribute_change(before, after, tau=float(data.get("tau", DEFAULT_TAU)))
        stored = [ConceptChange.from_dict(c) for c in data.get("changes", [])]
        if stored != out.changes(include_constant=True):
            raise InputError("the stored attribution does not match these two extractions; pass the extractions "
                             "it was computed from")
        return out


def attribute_change(ex_a: "Extraction", ex_b: "Extraction", tau: float = DEFAULT_TAU) -> ChangeAttribution:
    """Attribute the change from ``ex_a`` to ``ex_b`` (two models or checkpoints, one input) to concepts.

    Δv(T) = v_b(T) − v_a(T) is written on every mask as one term per atom (its coefficient's
    difference, where the atom fires) plus the noise term −Δq, exactly (docs/theory.md §3.8):
    see :class:`ChangeAttribution` (``gained`` / ``lost`` / ``kept`` by salience at ``tau``,
    ``drivers()`` on the full input, ``reconstruct()``).

    Raises:
        InputError: different n or variable names, different output definitions, or inputs whose
            recorded fingerprints differ (then the masked samples are not the same).

    Examples:
        >>> import symlogic as sl
        >>> a = sl.extract([0.0, 1.0, 0.0, 1.0], q_bound=0.0)      # v = x0
        >>> b = sl.extract([0.0, 1.0, 0.0, 3.0], q_bound=0.0)      # v = x0 + 2·x0x1
        >>> ch = attribute_change(a, b)
        >>> [str(c) for c in ch.gained]
        ['AND(x0, x1): +0 → +2 (Δ +2) [gained]']
        >>> [str(x) for x in ch.reconstruct()]
        ['0', '0', '0', '2']
    """
    from ..extraction.result import Extraction

    for name, ex in (("ex_a", ex_a), ("ex_b", ex_b)):
        if not isinstance(ex, Extraction):
            raise InputError(f"{name} must be an Extraction (from extract or a member of extract_joint), "
                             f"got {type(ex).__name__}")
    tau = check_tau(tau)
    ra, rb = ex_a.record, ex_b.record
    if ra.n != rb.n or ra.names != rb.names:
        raise InputError(f"the two extractions are on different variables ({list(ra.names)} and {list(rb.names)}); "
                         "a change is attributed on one input and one variable layout")
    if ra.output != rb.output:
        raise InputError(f"the two records hold different outputs ({ra.output!r} and {rb.output!r}); record both "
                         "with the same output definition")
    if ra.input_fingerprint and rb.input_fingerprint and ra.input_fingerprint != rb.input_fingerprint:
        raise InputError("the two records were made from different inputs or baselines (their input fingerprints "
                         "differ); a change of output is attributed on one input")
    return ChangeAttribution(before=ex_a, after=ex_b, tau=tau)
