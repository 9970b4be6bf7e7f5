"""The claim syntax tree; each node carries its own semantics, as SymPy's ``logic/boolalg.py`` does.

A condition knows the names it mentions (:meth:`Node.names`), its truth on an array of masks
(:meth:`Condition.evaluate`) and on one mask of any width (:meth:`Condition.holds_at`), its Z3
encoding (:meth:`Condition.to_z3`, over the :class:`symlogic.smt.Z3Model` helpers) and its
canonical text (``str``). A conclusion (:mod:`.conclusions`) also knows its ε-margin rule and how
it is decided on a record and on a model. A new predicate is one node class plus one parser rule
(:mod:`.parse`); its ``keyword`` registers it as a reserved word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from ..logic import LogicModel
    from ..record import Record
    from .on_model import ModelOptions
    from .outcome import Outcome

__all__ = [
    "Node",
    "Condition",
    "Conclusion",
    "Present",
    "Absent",
    "Not",
    "And",
    "Or",
    "TrueCond",
    "Claim",
    "KEYWORDS",
    "conclusion_class",
    "evaluate_condition",
    "quote",
]

IDENT = re.compile(r"[^\W\d][\w.]*")
#: Every reserved word of the language, filled in by the node classes' ``keyword``.
KEYWORDS: set[str] = set()
_CONCLUSIONS: dict[str, type["Conclusion"]] = {}


class Node:
    """A node of the claim tree. Subclasses set ``keyword`` to reserve their word."""

    keyword: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        word = cls.__dict__.get("keyword")
        if word:
            KEYWORDS.add(word)

    def name_uses(self) -> tuple[tuple[str, int], ...]:
        """Every variable name this node mentions, with its position in the claim text, in order."""
        return ()

    def names(self) -> tuple[str, ...]:
        """The variable names this node mentions, in order of appearance, without repeats."""
        return tuple(dict.fromkeys(name for name, _ in self.name_uses()))


def conclusion_class(word: str) -> type["Conclusion"] | None:
    """The conclusion node a keyword introduces (None: not a conclusion)."""
    return _CONCLUSIONS.get(word)


def quote(name: str) -> str:
    """``name`` as the language writes it: bare when it is a plain identifier, else quoted."""
    if IDENT.fullmatch(name) and name not in KEYWORDS:
        return name
    if "`" not in name:
        return f"`{name}`"
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def number_text(value: Fraction, text: str) -> str:
    """A number as the claim wrote it, else as an integer or p/q."""
    if text:
        return text
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


# ---- conditions -------------------------------------------------------------------------------


class Condition(Node):
    """A Boolean function of the mask. ``precedence`` orders the connectives when printed."""

    precedence: ClassVar[int] = 4
    #: True only for the condition that holds on every mask.
    trivial: ClassVar[bool] = False

    def evaluate(self, masks: np.ndarray, bit: dict[str, int]) -> np.ndarray:
        """Boolean array: does the condition hold on each int64 mask (``bit``: name → bit position)?"""
        raise NotImplementedError

    def holds_at(self, mask: int, bit: dict[str, int]) -> bool:
        """The condition on one mask given as a Python int (any n, no int64 limit)."""
        raise NotImplementedError

    def to_z3(self, enc: Any, bit: dict[str, int]) -> Any:
        """The condition as a Z3 Bool term of ``enc`` (a :class:`symlogic.smt.Z3Model`)."""
        raise NotImplementedError

    def wrapped(self, parent: int, strict: bool = False) -> str:
        """The text, parenthesised when it binds looser than (or, ``strict``, as loose as) ``parent``."""
        loose = self.precedence < parent if strict else self.precedence <= parent
        return f"({self})" if loose else str(self)


@dataclass(frozen=True)
class Present(Condition):
    """True on masks where the variable ``name`` is present."""

    keyword = "present"
    name: str
    position: int = field(default=0, compare=False)

    def __str__(self) -> str:
        return f"{self.keyword}({quote(self.name)})"

    def name_uses(self) -> tuple[tuple[str, int], ...]:
        return ((self.name, self.position),)

    def evaluate(self, masks: np.ndarray, bit: dict[str, int]) -> np.ndarray:
        return ((np.asarray(masks, dtype=np.int64) >> bit[self.name]) & 1).astype(bool)

    def holds_at(self, mask: int, bit: dict[str, int]) -> bool:
        return bool((mask >> bit[self.name]) & 1)

    def to_z3(self, enc: Any, bit: dict[str, int]) -> Any:
        return enc.var(bit[self.name])


@dataclass(frozen=True)
class Absent(Condition):
    """True on masks where the variable ``name`` is masked."""

    keyword = "absent"
    name: str
    position: int = field(default=0, compare=False)

    def __str__(self) -> str:
        return f"{self.keyword}({quote(self.name)})"

    def name_uses(self) -> tuple[tuple[str, int], ...]:
        return ((self.name, self.position),)

    def evaluate(self, masks: np.ndarray, bit: dict[str, int]) -> np.ndarray:
        return ((np.asarray(masks, dtype=np.int64) >> bit[self.name]) & 1) == 0

    def holds_at(self, mask: int, bit: dict[str, int]) -> bool:
        return not (mask >> bit[self.name]) & 1

    def to_z3(self, enc: Any, bit: dict[str, int]) -> Any:
        return enc.negate(enc.var(bit[self.name]))


@dataclass(frozen=True)
class Not(Condition):
    """Negation."""

    keyword = "not"
    precedence = 3
    arg: Condition

    def __str__(self) -> str:
        return f"not {self.arg.wrapped(self.precedence, strict=True)}"

    def name_uses(self) -> tuple[tuple[str, int], ...]:
        return self.arg.name_uses()

    def evaluate(self, masks: np.ndarray, bit: dict[str, int]) -> np.ndarray:
        return ~self.arg.evaluate(masks, bit)

    def holds_at(self, mask: int, bit: dict[str, int]) -> bool:
        return not self.arg.holds_at(mask, bit)

    def to_z3(self, enc: Any, bit: dict[str, int]) -> Any:
        return enc.negate(self.arg.to_z3(enc, bit))


@dataclass(frozen=True)
class And(Condition):
    """Conjunction of two or more conditions."""

    keyword = "and"
    precedence = 2
    args: tuple[Condition, ...]

    def __str__(self) -> str:
        return " & ".join(a.wrapped(self.precedence) for a in self.args)  # a nested And keeps its parentheses

    def name_uses(self) -> tuple[tuple[str, int], ...]:
        return tuple(u for a in self.args for u in a.name_uses())

    def evaluate(self, masks: np.ndarray, bit: dict[str, int]) -> np.ndarray:
        out = np.ones(np.shape(masks), dtype=bool)
        for a in self.args:
            out &= a.evaluate(masks, bit)
        return out

    def holds_at(self, mask: int, bit: dict[str, int]) -> bool:
        return all(a.holds_at(mask, bit) for a in self.args)

    def to_z3(self, enc: Any, bit: dict[str, int]) -> Any:
        return enc.all_of([a.to_z3(enc, bit) for a in self.args])


@dataclass(frozen=True)
class Or(Condition):
    """Disjunction of two or more conditions."""

    keyword = "or"
    precedence = 1
    args: tuple[Condition, ...]

    def __str__(self) -> str:
        return " | ".join(a.wrapped(self.precedence) for a in self.args)

    def name_uses(self) -> tuple[tuple[str, int], ...]:
        return tuple(u for a in self.args for u in a.name_uses())

    def evaluate(self, masks: np.ndarray, bit: dict[str, int]) -> np.ndarray:
        out = np.zeros(np.shape(masks), dtype=bool)
        for a in self.args:
            out |= a.evaluate(masks, bit)
        return out

    def holds_at(self, mask: int, bit: dict[str, int]) -> bool:
        return any(a.holds_at(mask, bit) for a in self.args)

    def to_z3(self, enc: Any, bit: dict[str, int]) -> Any:
        return enc.any_of([a.to_z3(enc, bit) for a in self.args])


@dataclass(frozen=True)
class TrueCond(Condition):
    """The condition that holds on every mask."""

    keyword = "true"
    trivial = True

    def __str__(self) -> str:
        return self.keyword

    def evaluate(self, masks: np.ndarray, bit: dict[str, int]) -> np.ndarray:
        return np.ones(np.shape(masks), dtype=bool)

    def holds_at(self, mask: int, bit: dict[str, int]) -> bool:
        return True

    def to_z3(self, enc: Any, bit: dict[str, int]) -> Any:
        return enc.true()


def evaluate_condition(cond: Condition, masks: np.ndarray, bit: dict[str, int]) -> np.ndarray:
    """Boolean array: does ``cond`` hold on each mask (``bit`` maps names to bit positions)?"""
    if not isinstance(cond, Condition):
        raise TypeError(f"not a condition: {cond!r}")
    return cond.evaluate(np.asarray(masks, dtype=np.int64), bit)


# ---- conclusions and claims -----------------------------------------------------------------


class Conclusion(Node):
    """What a claim asserts. Subclasses (:mod:`.conclusions`) decide themselves on each subject."""

    #: Whether the conclusion may follow ``condition ->`` (False: it is about the whole table).
    conditioned: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        word = cls.__dict__.get("keyword")
        if word:
            _CONCLUSIONS[word] = cls

    def validate(self, condition: Condition, text: str) -> None:
        """Refuse a condition this conclusion cannot read (a :class:`ClaimSyntaxError` into ``text``)."""

    def with_margin(self, eps: Fraction) -> "Conclusion | None":
        """The conclusion on f that implies this one on v when |f − v| ≤ ε on every mask (None: cannot).

        A negative ε gives the conclusion whose failure on f refutes this one on v.
        """
        raise NotImplementedError

    def no_margin_reason(self, eps: Fraction) -> str:
        """Why :meth:`with_margin` gave None."""
        return f"{self.keyword} has no margin rule"

    def bind(self, n: int) -> "Conclusion":
        """This conclusion about a subject of n variables: itself, unless its meaning or margin
        depends on n (an interaction index's weights, docs/theory.md §2.6)."""
        return self

    def on_record(self, condition: Condition, rec: "Record", bit: dict[str, int]) -> "Outcome":
        """Decide the conclusion on the recorded outputs, exhaustively and exactly."""
        raise NotImplementedError

    def on_model(self, condition: Condition, lm: "LogicModel", bit: dict[str, int], options: "ModelOptions") -> "Outcome":
        """Decide the conclusion about f itself (its ``route`` names the engines)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Claim(Node):
    """A parsed claim: ``condition -> conclusion`` (``condition`` is :class:`TrueCond` when absent)."""

    condition: Condition
    conclusion: Conclusion
    text: str = field(default="", compare=False)

    def __str__(self) -> str:
        if self.condition.trivial:
            return str(self.conclusion)
        return f"{self.condition} -> {self.conclusion}"

    def name_uses(self) -> tuple[tuple[str, int], ...]:
        return self.condition.name_uses() + self.conclusion.name_uses()

    def validate(self) -> None:
        """Refuse a condition the conclusion cannot read (e.g. ``x -> no_effect(x, …)``)."""
        self.conclusion.validate(self.condition, self.text or str(self))

    def bind(self, n: int) -> "Claim":
        """The claim about a subject of n variables (see :meth:`Conclusion.bind`)."""
        bound = self.conclusion.bind(n)
        return self if bound is self.conclusion else replace(self, conclusion=bound)

    def with_margin(self, eps: Fraction) -> "Claim | None":
        """The claim on f that implies this claim on v when |f − v| ≤ ε everywhere (docs/theory.md §4)."""
        margin = self.conclusion.with_margin(eps)
        return None if margin is None else replace(self, conclusion=margin)

    def on_record(self, rec: "Record", bit: dict[str, int]) -> "Outcome":
        return self.conclusion.on_record(self.condition, rec, bit)

    def on_model(self, lm: "LogicModel", bit: dict[str, int], options: "ModelOptions") -> "Outcome":
        return self.conclusion.on_model(self.condition, lm, bit, options)
