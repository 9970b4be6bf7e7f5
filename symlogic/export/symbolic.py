"""The logic model as a SymPy expression, and back (docs/verification.md §9).

Two forms:

- ``form="logic"`` (default): ``b + Σ c·Piecewise((1, And(x_i, …)), (0, True))`` (``Or`` for OR
  terms). Substituting True/False for every symbol gives exactly the number ``evaluate`` gives,
  and ``sympy.lambdify`` turns it into a numpy function of boolean arrays.
- ``form="polynomial"``: 0/1 variables, AND_S = ∏ x_i and OR_S = 1 − ∏ (1 − x_i).

Coefficients are exact rationals by default (a float64 is a dyadic rational; ``sympy.Rational(x)``
keeps its exact value, unlike ``nsimplify``, which rounds 0.1 to 1/10).

>>> from symlogic.logic import LogicModel
>>> lm = LogicModel.from_terms(["a", "b", "c"], 0.5, [("and", ["a", "b"], 1.5), ("or", ["b", "c"], -0.25)])
>>> expr = to_sympy(lm)
>>> expr
3*Piecewise((1, a & b), (0, True))/2 - Piecewise((1, b | c), (0, True))/4 + 1/2
>>> from_sympy(expr, lm.names) == lm
True
>>> sympy.expand(to_sympy(lm, form="polynomial"))  # 0/1 variables
3*a*b/2 + b*c/4 - b/4 - c/4 + 1/2
"""

from __future__ import annotations

import keyword
import math
import unicodedata
from collections.abc import Sequence
from typing import Any

import sympy

from ..errors import InputError
from ..logic import LogicModel, Term

__all__ = ["sanitize_names", "symbols_for", "to_sympy", "from_sympy"]


_RESERVED = frozenset({"True", "False", "None"})


def _identifier(name: str) -> str:
    """``name`` as a Python identifier that NFKC normalisation (which Python applies to identifiers,
    e.g. in ``lambdify``'s generated code) leaves alone: NFKC first, then every character that is
    not an identifier character becomes '_'; a leading digit, keyword or empty result gets ``v_``."""
    s = unicodedata.normalize("NFKC", str(name))
    s = "".join(ch if ("a" + ch).isidentifier() else "_" for ch in s)
    if unicodedata.normalize("NFKC", s) != s:  # rare: dropping a character changed the normal form
        s = "".join(ch if ch.isascii() else "_" for ch in s)
    if not s or not s.isidentifier() or keyword.iskeyword(s) or s in _RESERVED:
        s = "v_" + s
    return s


def sanitize_names(names: Sequence[str]) -> tuple[str, ...]:
    """Identifier versions of the names, one-to-one, so no two variables share a symbol.

    A name that is already a clean identifier keeps itself; every other name gets its sanitised
    form, or, when that is taken by another name, the first free ``<form>_1``, ``<form>_2``, …
    (checked against every name's result, so a suffixed form never collides either). Clean names
    map to themselves, which makes the function idempotent: ``from_sympy`` reads symbols back by it.

    >>> sanitize_names(["not", "good", "my var", "2nd", "my_var"])
    ('v_not', 'good', 'my_var_1', 'v_2nd', 'my_var')
    """
    names = [str(x) for x in names]
    if len(set(names)) != len(names):
        raise InputError("variable names must be distinct to get distinct symbols")
    forms = [_identifier(x) for x in names]
    taken = {x for x, f in zip(names, forms) if x == f}
    out: list[str] = []
    for name, form in zip(names, forms):
        if name == form:
            out.append(form)
            continue
        s, k = form, 0
        while s in taken:
            k += 1
            s = f"{form}_{k}"
        taken.add(s)
        out.append(s)
    return tuple(out)


def symbols_for(names: Sequence[str]) -> dict[str, sympy.Symbol]:
    """Variable name → SymPy Symbol named by :func:`sanitize_names` (``lm.symbols``)."""
    return {name: sympy.Symbol(s) for name, s in zip(names, sanitize_names(names))}


def _number(value: float, exact: bool) -> sympy.Expr:
    return sympy.Rational(value) if exact else sympy.Float(value, precision=53)


def to_sympy(lm: LogicModel, exact: bool = True, form: str = "logic") -> sympy.Expr:
    """The model as a SymPy expression over the symbols of :func:`symbols_for` (``lm.to_sympy()``).

    >>> lm = LogicModel.from_terms(["x"], 0.1, [("and", ["x"], 2.0)])
    >>> to_sympy(lm, exact=False)
    2.0*Piecewise((1, x), (0, True)) + 0.1
    """
    if form not in ("logic", "polynomial"):
        raise InputError(f"form must be 'logic' or 'polynomial', got {form!r}")
    sym = symbols_for(lm.names)
    parts: list[sympy.Expr] = [_number(lm.bias, exact)]
    for t in lm.concepts:
        xs = [sym[name] for name in t.names]
        c = _number(t.coefficient, exact)
        if form == "logic":
            cond = sympy.And(*xs) if t.kind == "and" else sympy.Or(*xs)
            parts.append(c * sympy.Piecewise((1, cond), (0, True)))
        elif t.kind == "and":
            parts.append(c * sympy.Mul(*xs))
        else:
            parts.append(c * (1 - sympy.Mul(*[1 - x for x in xs])))
    return sympy.Add(*parts, evaluate=False) if len(parts) > 1 else parts[0]


def _condition_term(cond: Any, index: dict[str, int]) -> tuple[str, int]:
    if isinstance(cond, sympy.Symbol):
        atoms, kind = [cond], "and"
    elif isinstance(cond, (sympy.And, sympy.Or)):
        atoms, kind = list(cond.args), "and" if isinstance(cond, sympy.And) else "or"
    else:
        raise InputError(f"cannot read the condition {cond} as AND/OR over variables")
    mask = 0
    for a in atoms:
        if not isinstance(a, sympy.Symbol) or a.name not in index:
            raise InputError(f"{a} in {cond} is not one of the model's variables {sorted(index)}")
        mask |= 1 << index[a.name]
    return kind, mask


def _float(x: sympy.Expr) -> float:
    """A SymPy number as the float64 it stands for; a number that no float64 equals is an error.

    Only rationals and floats are read (an irrational such as ``sqrt(2)`` or a 50-digit Float
    would otherwise be rounded without notice, and coefficients are treated as exact).
    """
    if not (x.is_number and x.is_extended_real and (x.is_Rational or x.is_Float)):
        raise InputError(f"coefficient {x} is not a real rational or float number; symlogic models hold "
                         "float64 coefficients (write it as sympy.Rational or sympy.Float)")
    try:
        value = float(x)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InputError(f"coefficient {x} has no float64 value ({exc})") from None
    if math.isfinite(value) and sympy.Rational(value) != sympy.Rational(x):
        raise InputError(f"coefficient {x} is not exactly a float64 number; symlogic models hold float64 coefficients")
    return value


def from_sympy(expr: sympy.Expr, names: Sequence[str] | None = None) -> LogicModel:
    """Read a logic-form expression (as made by :func:`to_sympy`) back into a :class:`LogicModel`.

    ``names`` are the original variable names: symbols are matched to them through
    :func:`sanitize_names`, the same one-to-one map :func:`to_sympy` uses, so
    ``from_sympy(to_sympy(lm), lm.names) == lm``. By default the symbols' names, in sorted order,
    are the variables. Strings are refused (``sympify`` would evaluate them as Python code).

    >>> a, b = sympy.symbols("a b")
    >>> print(from_sympy(1 + 2 * sympy.Piecewise((1, a | b), (0, True))))
    f = 1 + 2·OR(a, b)
    """
    if isinstance(expr, (str, bytes)):
        raise InputError("from_sympy takes a SymPy expression (as made by to_sympy), not a string: SymPy "
                         "would evaluate the string as Python code; build the expression with sympy yourself")
    if isinstance(expr, bool) or not isinstance(expr, (sympy.Basic, int, float)):
        raise InputError(f"from_sympy takes a SymPy expression (as made by to_sympy), got {type(expr).__name__}")
    expr = sympy.sympify(expr)
    if names is None:
        names = tuple(sorted(s.name for s in expr.free_symbols))
        index = {s: i for i, s in enumerate(names)}
    else:
        names = tuple(names)
        index = {s: i for i, s in enumerate(sanitize_names(names))}
    bias = sympy.Integer(0)  # summed exactly: several constant parts must add up to one float64
    terms: list[Term] = []
    for arg in sympy.Add.make_args(expr):
        if arg.is_number:
            bias += sympy.Rational(_float(arg))
            continue
        coef, rest = arg.as_coeff_Mul()
        if isinstance(rest, sympy.Piecewise):
            pieces = rest.args
            if len(pieces) != 2 or pieces[1].cond != sympy.true or pieces[1].expr != 0 or not pieces[0].expr.is_number:
                raise InputError(f"expected Piecewise((c, condition), (0, True)), got {rest}")
            coef = coef * pieces[0].expr
            kind, mask = _condition_term(pieces[0].cond, index)
        else:
            raise InputError(f"cannot read the term {arg}: expected c·Piecewise((1, And/Or(...)), (0, True))")
        terms.append(Term(kind, mask, _float(coef)))
    return LogicModel(names=names, terms=(Term("bias", 0, _float(bias)), *terms))
