"""Step 3 of the pipeline: the AND-OR logic model f(T) = b + Σ a_S·AND_S(T) + Σ o_S·OR_S(T) (docs/theory.md §4).

The model is data: the term list is the single source of truth. numpy evaluation (here), SymPy,
LaTeX and the graph (:mod:`symlogic.export`) and Z3 are all generated from it, and this module
imports none of those exporters: its convenience methods reach them through :mod:`symlogic.backends`.
AND_S(T) = 1 when every variable of S is present in T; OR_S(T) = 1 when any is. Coefficients are
float64 and, being dyadic rationals, are treated as exact numbers everywhere.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from .backends import backend
from .errors import InputError, short_repr
from .masks import check_names, mask_bits, mask_names

if TYPE_CHECKING:
    import networkx
    import sympy

    from .record import Record

__all__ = ["Term", "LogicModel", "KINDS"]

KINDS = ("bias", "and", "or")


def real_coefficient(value: Any, what: str = "a coefficient") -> float:
    """``value`` as the float64 that equals it exactly, or :class:`InputError`.

    Coefficients are float64 and treated as exact numbers, so only real numbers that some finite
    float64 equals are accepted: int, float, numpy integer and floating scalars, and Fraction or
    Decimal values that are exactly a float64. Strings, bools, complex numbers, None and values
    a float64 would round (1/3 as a Fraction, 2**53 + 1) are refused rather than converted.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, Decimal)):
        raise InputError(f"{what} must be a real number (int, float or numpy scalar), got {short_repr(value)} "
                         f"of type {type(value).__name__}; convert it yourself, e.g. float(...)")
    try:
        c = float(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InputError(f"{what} {short_repr(value)} has no float64 value ({exc}); pass a finite float") from None
    if not math.isfinite(c):
        raise InputError(f"{what} must be finite, got {short_repr(value)}")
    if isinstance(value, numbers.Integral):
        exact = int(c) == int(value)
    elif isinstance(value, numbers.Rational):
        exact = Fraction(c) == Fraction(int(value.numerator), int(value.denominator))
    else:  # float, numpy floating, Decimal: == against a float is exact for these
        exact = bool(c == value)
    if not exact:
        raise InputError(f"{what} {short_repr(value)} is not exactly a float64 number (the nearest is {c!r}); "
                         "coefficients are float64 and treated as exact: pass float(...) to round it on purpose")
    return c


def _mask(value: Any) -> int:
    """A term's mask as an int; bools, floats and strings are refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InputError(f"a term's mask must be an int (bit i = variable i), got {short_repr(value)} "
                         f"of type {type(value).__name__}")
    return int(value)


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
        if not isinstance(self.kind, str) or self.kind not in KINDS:
            raise InputError(f"term kind must be one of {KINDS}, got {short_repr(self.kind)}")
        mask = _mask(self.mask)
        if self.kind == "bias" and mask != 0:
            raise InputError("the bias term has mask 0")
        if self.kind != "bias" and mask <= 0:
            raise InputError(f"an {self.kind.upper()} term needs at least one variable (mask > 0), got mask {mask}")
        what = "the bias" if self.kind == "bias" else "a term coefficient"
        object.__setattr__(self, "coefficient", real_coefficient(self.coefficient, what))
        object.__setattr__(self, "mask", mask)

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

    Examples:
        >>> lm = LogicModel.from_terms(["not", "good", "movie"], 0.5,
        ...                            [("and", ["not", "good"], -2.0), ("or", ["good", "movie"], 1.25)])
        >>> print(lm)
        f = 0.5 - 2·AND(not, good) + 1.25·OR(good, movie)
        >>> lm.n, len(lm), lm.max_order
        (3, 2, 2)
        >>> lm.evaluate([0b000, 0b010, 0b011]).tolist()  # ∅, {good}, {not, good}
        [0.5, 1.75, -0.25]
        >>> lm.evaluate_exact(0b011)
        Fraction(-1, 4)

        The same model from its terms (a mask: bit i = variable i), and its JSON form:

        >>> same = LogicModel(("not", "good", "movie"), (Term("bias", 0, 0.5), Term("or", 0b110, 1.25),
        ...                                               Term("and", 0b011, -2.0)))
        >>> same == lm, LogicModel.from_dict(lm.to_dict()) == lm
        (True, True)
    """

    names: tuple[str, ...]
    terms: tuple[Term, ...]
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.names, (str, bytes)) or not isinstance(self.names, Iterable):
            raise InputError(f"names must be a list of variable names, got {short_repr(self.names)}")
        if isinstance(self.terms, (str, bytes)) or not isinstance(self.terms, Iterable):
            raise InputError(f"terms must be a list of Term, got {short_repr(self.terms)}")
        terms = tuple(self.terms)
        bad = [t for t in terms if not isinstance(t, Term)]
        if bad:
            raise InputError(f"terms must be Term objects, got {short_repr(bad[0])}; use LogicModel.from_terms for "
                             "(kind, mask or names, coefficient) triples")
        given = tuple(self.names)
        names = check_names(given, len(given))
        full = (1 << len(names)) - 1
        # AND and OR over one variable are the same function: keep such terms as AND terms.
        canon = [Term("and", t.mask, t.coefficient) if t.kind == "or" and t.order == 1 else t for t in terms]
        parts: dict[tuple[str, int], list[float]] = {}
        for t in canon:
            if t.mask & ~full:
                raise InputError(f"term {t.label()} (mask {t.mask}) uses variables beyond the model's {len(names)}")
            parts.setdefault((t.kind, t.mask), []).append(t.coefficient)
        # Duplicates merge into one term whose coefficient is their correctly rounded sum.
        try:
            merged = {key: math.fsum(cs) for key, cs in parts.items()}
        except OverflowError:
            raise InputError("repeated terms add up beyond the float64 range; merge them yourself") from None
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
        if isinstance(names, (str, bytes)) or not isinstance(names, Iterable):
            raise InputError(f"names must be a list of variable names, got {short_repr(names)}")
        names = tuple(names)
        index = {x: i for i, x in enumerate(names)}
        built = [Term("bias", 0, bias)]
        if isinstance(terms, (str, bytes)) or not isinstance(terms, Iterable):
            raise InputError(f"terms must be a list of (kind, mask or names, coefficient) triples, got {short_repr(terms)}")
        for triple in terms:
            if isinstance(triple, (str, bytes)) or not isinstance(triple, Sequence) or len(triple) != 3:
                raise InputError(f"each term is a (kind, mask or names, coefficient) triple, got {short_repr(triple)}")
            kind, where, coef = triple
            if isinstance(where, (bool, np.bool_, str, bytes)) or not isinstance(where, (int, np.integer, Iterable)):
                raise InputError(f"a term's variables are an int mask or a list of names such as ['a', 'b'], "
                                 f"got {short_repr(where)}")
            if isinstance(where, (int, np.integer)):
                mask = int(where)
            else:
                where = list(where)
                if not all(isinstance(x, str) for x in where):
                    raise InputError(f"a term's variables must be names (str), got {short_repr(where)}")
                missing = [x for x in where if x not in index]
                if missing:
                    raise InputError(f"unknown variables {missing}; the model's variables are {list(names)}")
                mask = sum(1 << index[x] for x in set(where))
            built.append(Term(kind, mask, coef))
        if meta is not None and not isinstance(meta, Mapping):
            raise InputError(f"meta must be a dict, got {type(meta).__name__}")
        return cls(names=names, terms=tuple(built), meta=dict(meta or {}))

    @classmethod
    def from_sympy(cls, expr: "sympy.Expr", names: Sequence[str] | None = None) -> "LogicModel":
        """Read back an expression made by :meth:`to_sympy` (:func:`symlogic.export.symbolic.from_sympy`)."""
        return backend("from_sympy")(expr, names)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LogicModel":
        """Inverse of :meth:`to_dict`; coefficients are read from their exact hex form.

        ``data`` may come from an untrusted file (an evidence bundle), so any malformed part
        raises :class:`InputError` naming it, never a KeyError or TypeError.
        """
        if not isinstance(data, dict):
            raise InputError(f"a logic model's dict form is a JSON object, got {type(data).__name__}")
        for key, kind in (("names", list), ("terms", list)):
            if not isinstance(data.get(key), kind):
                raise InputError(f"a logic model's dict needs {key!r} as a list, got {short_repr(data.get(key))}")
        if not all(isinstance(x, str) for x in data["names"]):
            raise InputError("a logic model's 'names' must all be strings")
        meta = data.get("meta", {})
        if meta is None:
            meta = {}
        if not isinstance(meta, dict):
            raise InputError(f"a logic model's 'meta' must be an object, got {type(meta).__name__}")
        terms = []
        for i, t in enumerate(data["terms"]):
            if not isinstance(t, dict):
                raise InputError(f"term {i} of the logic model must be an object, got {short_repr(t)}")
            missing = [k for k in ("kind", "mask", "coefficient_hex") if k not in t]
            if missing:
                raise InputError(f"term {i} of the logic model lacks {missing}")
            hexed = t["coefficient_hex"]
            if not isinstance(hexed, str) or len(hexed) > 64:
                raise InputError(f"term {i}: coefficient_hex must be a hex float string such as '0x1.8p+0', "
                                 f"got {short_repr(hexed)}")
            try:
                coef = float.fromhex(hexed)
            except (ValueError, OverflowError) as exc:
                raise InputError(f"term {i}: coefficient_hex {short_repr(hexed)} is not a finite hex float "
                                 f"({exc})") from None
            terms.append(Term(t["kind"], t["mask"], coef))
        return cls(names=tuple(data["names"]), terms=tuple(terms), meta=dict(meta))

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
        from .exact_error import max_error

        worst = max_error(self, rec.values)
        return worst.as_float_upper(), worst.mask

    # ---- renderings: generated from the term list by symlogic.export, reached through symlogic.backends
    @property
    def symbols(self) -> dict[str, "sympy.Symbol"]:
        """Variable name → SymPy Symbol (names sanitised into identifiers where needed)."""
        return backend("symbols_for")(self.names)

    def to_sympy(self, exact: bool = True, form: str = "logic") -> "sympy.Expr":
        """A real SymPy expression; see :func:`symlogic.export.symbolic.to_sympy`."""
        return backend("to_sympy")(self, exact=exact, form=form)

    def to_latex(self) -> str:
        """A LaTeX formula; see :func:`symlogic.export.latex.to_latex`."""
        return backend("to_latex")(self)

    def to_networkx(self, **kwargs: Any) -> "networkx.DiGraph":
        """The graph variables → concepts → output; see :func:`symlogic.export.graph.to_networkx`."""
        return backend("to_networkx")(self, **kwargs)

    def __str__(self) -> str:
        parts = [f"{self.bias:.6g}"]
        for t in self.concepts:
            sign = "-" if t.coefficient < 0 else "+"
            parts.append(f"{sign} {abs(t.coefficient):.6g}·{t.label()}")
        return "f = " + " ".join(parts)
