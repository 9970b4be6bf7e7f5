"""Step 3 of the pipeline: the AND-OR logic model f(T) = b + Σ a_S·AND_S(T) + Σ o_S·OR_S(T) (THEORY §4).

The term list is the single source of truth: numpy evaluation, SymPy, LaTeX, Z3 and the graph are
all generated from it. AND_S(T) = 1 when every variable of S is present in T; OR_S(T) = 1 when any is.
Coefficients are float64 and, being dyadic rationals, are treated as exact numbers everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError
from .masks import check_names, mask_bits, mask_names

if TYPE_CHECKING:
    import networkx
    import sympy

    from .record import Record

__all__ = ["Term", "LogicModel", "KINDS"]

KINDS = ("bias", "and", "or")


@dataclass(frozen=True)
class Term:
    """One term of a logic model: ``coefficient`` times AND/OR over the variables in ``mask``.

    ``kind`` is "and", "or", or "bias" (mask 0, always on).
    """

    kind: str
    mask: int
    coefficient: float
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"term kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "bias" and self.mask != 0:
            raise InputError("the bias term has mask 0")
        if self.kind != "bias" and self.mask <= 0:
            raise InputError(f"an {self.kind.upper()} term needs at least one variable (mask > 0), got mask {self.mask}")
        c = float(self.coefficient)
        if not math.isfinite(c):
            raise InputError(f"term coefficients must be finite, got {self.coefficient!r}")
        object.__setattr__(self, "coefficient", c)
        object.__setattr__(self, "mask", int(self.mask))

    @property
    def order(self) -> int:
        """Number of variables in the term (0 for the bias)."""
        return int(self.mask).bit_count()

    @property
    def exact(self) -> Fraction:
        """The coefficient as the exact rational it is."""
        return Fraction(self.coefficient)

    def fires(self, masks: np.ndarray) -> np.ndarray:
        """Boolean array: does this term fire on each mask?"""
        masks = np.asarray(masks, dtype=np.int64)
        if self.kind == "bias":
            return np.ones(masks.shape, dtype=bool)
        if self.kind == "and":
            return (masks & self.mask) == self.mask
        return (masks & self.mask) != 0

    def fires_on(self, mask: int) -> bool:
        if self.kind == "bias":
            return True
        if self.kind == "and":
            return (mask & self.mask) == self.mask
        return (mask & self.mask) != 0

    def label(self) -> str:
        """Readable form, e.g. ``AND(not, good)``."""
        if self.kind == "bias":
            return "1"
        return f"{self.kind.upper()}({', '.join(self.names)})"

    def to_dict(self) -> dict[str, Any]:
        """JSON form with the coefficient as float, hex float (exact) and p/q."""
        fr = self.exact
        return {
            "kind": self.kind,
            "mask": self.mask,
            "variables": list(self.names),
            "coefficient": self.coefficient,
            "coefficient_hex": self.coefficient.hex(),
            "coefficient_exact": f"{fr.numerator}/{fr.denominator}",
        }


@dataclass(frozen=True)
class LogicModel:
    """f(T) = bias + Σ AND/OR terms over n named variables.

    Attributes:
        names: the variable names (bit i of a mask = ``names[i]``).
        terms: bias first, then AND terms, then OR terms, each group by decreasing |coefficient|.
        meta: where the model came from (extraction settings, refit, salience threshold, ...).
    """

    names: tuple[str, ...]
    terms: tuple[Term, ...]
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        names = check_names(self.names, len(tuple(self.names)))
        full = (1 << len(names)) - 1
        # AND and OR over one variable are the same function: keep such terms as AND terms.
        canon = [Term("and", t.mask, t.coefficient) if t.kind == "or" and t.order == 1 else t for t in self.terms]
        parts: dict[tuple[str, int], list[float]] = {}
        for t in canon:
            if t.mask & ~full:
                raise InputError(f"term {t.label()} (mask {t.mask}) uses variables beyond the model's {len(names)}")
            parts.setdefault((t.kind, t.mask), []).append(t.coefficient)
        # Duplicates merge into one term whose coefficient is their correctly rounded sum.
        merged = {key: math.fsum(cs) for key, cs in parts.items()}
        bias = merged.pop(("bias", 0), 0.0)
        ordered = [Term("bias", 0, bias)]
        for kind in ("and", "or"):
            group = [(m, c) for (k, m), c in merged.items() if k == kind and c != 0.0]
            group.sort(key=lambda mc: (-abs(mc[1]), mc[0]))
            ordered += [Term(kind, m, c, mask_names(m, names)) for m, c in group]
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "terms", tuple(ordered))

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def from_terms(cls, names: Sequence[str], bias: float, terms: Iterable[tuple[str, int | Sequence[str], float]],
                   meta: dict[str, Any] | None = None) -> "LogicModel":
        """Build from ``(kind, mask or variable names, coefficient)`` triples."""
        names = tuple(names)
        index = {x: i for i, x in enumerate(names)}
        built = [Term("bias", 0, bias)]
        for kind, where, coef in terms:
            if isinstance(where, (int, np.integer)):
                mask = int(where)
            else:
                missing = [x for x in where if x not in index]
                if missing:
                    raise InputError(f"unknown variables {missing}; the model's variables are {list(names)}")
                mask = sum(1 << index[x] for x in set(where))
            built.append(Term(kind, mask, coef))
        return cls(names=names, terms=tuple(built), meta=dict(meta or {}))

    @classmethod
    def from_sympy(cls, expr: "sympy.Expr", names: Sequence[str] | None = None) -> "LogicModel":
        """Read back an expression made by :meth:`to_sympy` (see :mod:`symlogic.symbolic`)."""
        from .symbolic import from_sympy

        return from_sympy(expr, names)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LogicModel":
        """Inverse of :meth:`to_dict`; coefficients are read from their exact hex form."""
        names = tuple(data["names"])
        terms = [Term(t["kind"], int(t["mask"]), float.fromhex(t["coefficient_hex"])) for t in data["terms"]]
        return cls(names=names, terms=tuple(terms), meta=dict(data.get("meta", {})))

    def to_dict(self) -> dict[str, Any]:
        return {"names": list(self.names), "terms": [t.to_dict() for t in self.terms], "meta": self.meta}

    # ---- structure ----------------------------------------------------------------------
    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def bias(self) -> float:
        return self.terms[0].coefficient

    @property
    def concepts(self) -> tuple[Term, ...]:
        """The AND and OR terms (everything but the bias)."""
        return self.terms[1:]

    @property
    def support_mask(self) -> int:
        """The variables some term mentions: f depends on these alone."""
        out = 0
        for t in self.concepts:
            out |= t.mask
        return out

    @property
    def support(self) -> tuple[int, ...]:
        return mask_bits(self.support_mask)

    @property
    def max_order(self) -> int:
        return max((t.order for t in self.concepts), default=0)

    def __len__(self) -> int:
        return len(self.concepts)

    # ---- evaluation ---------------------------------------------------------------------
    def evaluate(self, masks: Any) -> np.ndarray:
        """f on an int array of masks (float64; the float sum, see :meth:`evaluate_exact` for exact)."""
        masks = np.asarray(masks, dtype=np.int64)
        if masks.size and (masks.min() < 0 or masks.max() >= (1 << self.n)):
            raise InputError(f"masks must lie in 0 … 2^{self.n} − 1")
        out = np.full(masks.shape, self.bias, dtype=np.float64)
        for t in self.concepts:
            out += np.where(t.fires(masks), t.coefficient, 0.0)
        return out

    def evaluate_exact(self, mask: int) -> Fraction:
        """f on one mask as an exact rational."""
        return sum((t.exact for t in self.terms if t.fires_on(int(mask))), Fraction(0))

    def table(self) -> np.ndarray:
        """f on all 2^n masks (float64)."""
        return self.evaluate(np.arange(1 << self.n, dtype=np.int64))

    def error(self, rec: "Record") -> tuple[float, int]:
        """Exact max_T |v(T) − f(T)| over all masks (rounded up to float64) and a mask where it is reached."""
        from .exact import max_error

        worst = max_error(self, rec.values)
        return worst.as_float_upper(), worst.mask

    # ---- renderings (all generated from the term list) ------------------------------------
    @property
    def symbols(self) -> dict[str, "sympy.Symbol"]:
        """Variable name → SymPy Symbol (names sanitised into identifiers where needed)."""
        from .symbolic import symbols_for

        return symbols_for(self.names)

    def to_sympy(self, exact: bool = True, form: str = "logic") -> "sympy.Expr":
        """A real SymPy expression; see :func:`symlogic.symbolic.to_sympy`."""
        from .symbolic import to_sympy

        return to_sympy(self, exact=exact, form=form)

    def to_latex(self) -> str:
        from .symbolic import to_latex

        return to_latex(self)

    def to_networkx(self, **kwargs: Any) -> "networkx.DiGraph":
        from .graph import to_networkx

        return to_networkx(self, **kwargs)

    def __str__(self) -> str:
        parts = [f"{self.bias:.6g}"]
        for t in self.concepts:
            sign = "-" if t.coefficient < 0 else "+"
            parts.append(f"{sign} {abs(t.coefficient):.6g}·{t.label()}")
        return "f = " + " ".join(parts)
