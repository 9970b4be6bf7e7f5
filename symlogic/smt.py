"""SMT-LIB encodings for Z3, with every number as its exact rational (docs/verification.md §2.1).

``z3.RealVal(0.1)`` means 1/10, not the float 0.1: a float is written here as the exact quotient
``(/ p.0 q.0)`` of ``float.as_integer_ratio()``. The table check is linear in its rows: the model f
is a ``define-fun`` over Booleans, and each chunk of rows is one ground disjunction
``(or (and (= r k) (violates row k)) …)`` parsed once with ``Solver.from_string``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .logic import LogicModel

__all__ = ["smt_number", "model_define_fun", "table_chunk_script"]


def smt_number(x: float | Fraction) -> str:
    """The exact value of a float (or Fraction) as an SMT-LIB real term."""
    fr = Fraction(x)
    p, q = abs(fr.numerator), fr.denominator
    body = f"{p}.0" if q == 1 else f"(/ {p}.0 {q}.0)"
    return f"(- {body})" if fr < 0 else body


def model_define_fun(lm: "LogicModel", support: tuple[int, ...]) -> str:
    """``(define-fun f ((b0 Bool) …) Real …)`` over the support variables, one ite per term."""
    pos = {bit: j for j, bit in enumerate(support)}
    args = " ".join(f"(b{j} Bool)" for j in range(len(support)))
    parts = [smt_number(lm.bias)]
    for t in lm.concepts:
        lits = [f"b{pos[i]}" for i in range(lm.n) if (t.mask >> i) & 1]
        cond = lits[0] if len(lits) == 1 else f"({'and' if t.kind == 'and' else 'or'} {' '.join(lits)})"
        parts.append(f"(ite {cond} {smt_number(t.coefficient)} 0.0)")
    body = parts[0] if len(parts) == 1 else f"(+ {' '.join(parts)})"
    return f"(define-fun f ({args}) Real {body})"


def table_chunk_script(define_f: str, k: int, rows: np.ndarray, vmin: np.ndarray, vmax: np.ndarray,
                       epsilon: float | Fraction) -> str:
    """A script that is satisfiable iff some row g has vmax_g − f(g) > ε or f(g) − vmin_g > ε.

    ``rows`` are group indices (bit j = support variable j present); ``r`` names the violating row.
    """
    eps = smt_number(epsilon)
    out = [define_f, "(declare-const r Int)"]
    clauses = []
    for g, lo, hi in zip(rows.tolist(), vmin.tolist(), vmax.tolist()):
        args = " ".join("true" if (g >> j) & 1 else "false" for j in range(k))
        fg = f"(f {args})" if k else "f"
        clauses.append(
            f"(and (= r {g}) (or (> (- {smt_number(hi)} {fg}) {eps}) (> (- {fg} {smt_number(lo)}) {eps})))"
        )
    out.append(f"(assert (or {' '.join(clauses)}))" if len(clauses) > 1 else f"(assert {clauses[0]})")
    return "\n".join(out)
