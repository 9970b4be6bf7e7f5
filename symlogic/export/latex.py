"""The logic model as a LaTeX formula, every variable name escaped so it shows exactly as written.

>>> from symlogic.logic import LogicModel
>>> lm = LogicModel.from_terms(["x0", "malic_acid", "50%"], 0.5, [("and", ["x0", "malic_acid"], 1.5),
...                                                             ("or", ["50%", "x0"], -0.25)])
>>> print(to_latex(lm))
f = 0.5 + 1.5\\,\\mathbb{1}[x_{0} \\wedge \\text{malic\\_acid}] - 0.25\\,\\mathbb{1}[x_{0} \\vee \\text{50\\%}]
"""

from __future__ import annotations

import re

from ..logic import LogicModel

__all__ = ["to_latex", "latex_name"]

_LATEX_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
_LATEX_PLAIN = re.compile(r"[A-Za-z][0-9]*")


def latex_name(name: str) -> str:
    """A variable name as LaTeX math that shows exactly that name.

    A letter with optional digits (``x0``) is set as ``x_{0}``; any other name is set upright in
    ``\\text{…}`` (amsmath) with LaTeX's special characters escaped, so ``malic_acid`` does not
    become malic with subscript acid, ``alpha`` does not become α, and ``a&b`` or ``50%`` cannot
    break the document.

    >>> print(latex_name("x12"), latex_name("alpha"), latex_name("a&b"))
    x_{12} \\text{alpha} \\text{a\\&b}
    """
    if _LATEX_PLAIN.fullmatch(name):
        return name[0] + (f"_{{{name[1:]}}}" if len(name) > 1 else "")
    return rf"\text{{{''.join(_latex_char(ch) for ch in name)}}}"


def _latex_char(ch: str) -> str:
    """One character for LaTeX text mode: specials escaped, whitespace as ties (a blank line would end
    the paragraph), other unprintable characters as their code."""
    if ch in _LATEX_TEXT_ESCAPES:
        return _LATEX_TEXT_ESCAPES[ch]
    if ch.isspace():
        return "~"
    if not ch.isprintable():
        return rf"\textbackslash{{}}u{ord(ch):04x}"
    return ch


def to_latex(lm: LogicModel, digits: int = 6) -> str:
    """A readable LaTeX formula: f = b + c·𝟙[x_a ∧ x_b] + c'·𝟙[x_c ∨ x_d] … (``lm.to_latex()``)."""
    out = f"f = {lm.bias:.{digits}g}"
    for t in lm.concepts:
        op = r" \wedge " if t.kind == "and" else r" \vee "
        body = op.join(latex_name(x) for x in t.names)
        sign = "-" if t.coefficient < 0 else "+"
        out += rf" {sign} {abs(t.coefficient):.{digits}g}\,\mathbb{{1}}[{body}]"
    return out
