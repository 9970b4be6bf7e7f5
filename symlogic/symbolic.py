"""SymPy and LaTeX renderings of a logic model, generated from its term list (VERIFICATION.md).

Two SymPy forms:

- ``form="logic"`` (default): ``b + Σ c·Piecewise((1, And(x_i, …)), (0, True))`` (``Or`` for OR
  terms). Substituting True/False for every symbol gives exactly the number ``evaluate`` gives,
  and ``sympy.lambdify`` turns it into a numpy function of boolean arrays.
- ``form="polynomial"``: 0/1 variables, AND_S = ∏ x_i and OR_S = 1 − ∏ (1 − x_i).

Coefficients are exact rationals by default (a float64 is a dyadic rational; ``sympy.Rational(x)``
keeps its exact value, unlike ``nsimplify``, which rounds 0.1 to 1/10).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sympy

from .errors import InputError

if TYPE_CHECKING:
    from .logic import LogicModel

__all__ = ["sanitize_names", "symbols_for", "to_sympy", "from_sympy", "to_latex"]


def sanitize_names(names: Sequence[str]) -> tuple[str, ...]:
    """Identifier versions of the names: invalid characters become '_', clashes get a suffix."""
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        s = re.sub(r"\W", "_", name)
        if not s or s[0].isdigit() or keyword.iskeyword(s) or s in {"True", "False", "None"}:
            s = "v_" + s
        base, k = s, 1
        while s in seen:
            k += 1
            s = f"{base}_{k}"
        seen.add(s)
        out.append(s)
    return tuple(out)


def symbols_for(names: Sequence[str]) -> dict[str, sympy.Symbol]:
    """Variable name → SymPy Symbol named by :func:`sanitize_names`."""
    return {name: sympy.Symbol(s) for name, s in zip(names, sanitize_names(names))}


def _number(value: float, exact: bool) -> sympy.Expr:
    return sympy.Rational(value) if exact else sympy.Float(value, precision=53)


def to_sympy(lm: "LogicModel", exact: bool = True, form: str = "logic") -> sympy.Expr:
    """The model as a SymPy expression over the symbols of ``lm.symbols``."""
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
    """A SymPy number as the float64 it stands for; a rational that no float64 equals is an error."""
    value = float(x)
    if x.is_Rational and sympy.Rational(value) != x:
        raise InputError(f"coefficient {x} is not exactly a float64 number; symlogic models hold float64 coefficients")
    return value


def from_sympy(expr: sympy.Expr, names: Sequence[str] | None = None) -> "LogicModel":
    """Read a logic-form expression (as made by :func:`to_sympy`) back into a :class:`LogicModel`.

    ``names`` are the original variable names (their sanitised forms must match the symbols); by
    default the symbols' names, in sorted order, are the variables.
    """
    from .logic import LogicModel, Term

    expr = sympy.sympify(expr)
    if names is None:
        names = sorted(s.name for s in expr.free_symbols)
    names = tuple(names)
    index = {s: i for i, s in enumerate(sanitize_names(names))}
    bias = 0.0
    terms: list[Term] = []
    for arg in sympy.Add.make_args(expr):
        if arg.is_number:
            bias += _float(arg)
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
    return LogicModel(names=names, terms=(Term("bias", 0, bias), *terms))


def _latex_name(name: str) -> str:
    return sympy.latex(sympy.Symbol(name))


def to_latex(lm: "LogicModel", digits: int = 6) -> str:
    """A readable LaTeX formula: f = b + c·𝟙[x_a ∧ x_b] + c'·𝟙[x_c ∨ x_d] …"""
    out = f"f = {lm.bias:.{digits}g}"
    for t in lm.concepts:
        op = r" \wedge " if t.kind == "and" else r" \vee "
        body = op.join(_latex_name(x) for x in t.names)
        sign = "-" if t.coefficient < 0 else "+"
        out += rf" {sign} {abs(t.coefficient):.{digits}g}\,\mathbb{{1}}[{body}]"
    return out
