"""The one encoding of a :class:`~symlogic.logic.LogicModel` for Z3 (docs/verification.md §2.1, §8.2).

f = b + Σ c_t·[term t fires] is built once, by :func:`encode_model`, over a small backend: SMT-LIB
text for :mod:`symlogic.verify` (a ``define-fun`` over Booleans, parsed once per chunk of rows) and
z3py terms for the claims (:class:`Z3Model`). Every number is the exact rational p/q of
``float.as_integer_ratio()``, never decimal text: ``z3.RealVal(0.1)`` would mean 1/10, not the
float 0.1. Each :class:`Z3Model` owns its Z3 context (nothing global, safe from several threads);
every Z3 call has a timeout, and a timeout is reported as "unknown".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np

if TYPE_CHECKING:
    import z3

    from .logic import LogicModel

__all__ = [
    "exact_ratio",
    "bits",
    "encode_model",
    "encode_effect",
    "smt_number",
    "model_define_fun",
    "table_chunk_script",
    "rational",
    "Z3Model",
    "OptimumResult",
    "WitnessResult",
]

T = TypeVar("T")


def exact_ratio(x: float | Fraction | int) -> tuple[int, int]:
    """(p, q) with x = p/q exactly and q > 0; a float is the dyadic rational it is."""
    if isinstance(x, float):
        return x.as_integer_ratio()
    fr = Fraction(x)
    return fr.numerator, fr.denominator


def bits(mask: int) -> list[int]:
    """The indices of the set bits of ``mask``, ascending."""
    return [i for i in range(mask.bit_length()) if (mask >> i) & 1]


class Backend(Generic[T]):
    """How one target language writes numbers, variables, connectives, ``ite`` and sums."""

    def number(self, p: int, q: int) -> T:
        raise NotImplementedError

    def literal(self, i: int) -> T:
        raise NotImplementedError

    def all_of(self, xs: list[T]) -> T:
        raise NotImplementedError

    def any_of(self, xs: list[T]) -> T:
        raise NotImplementedError

    def negate(self, x: T) -> T:
        raise NotImplementedError

    def true(self) -> T:
        raise NotImplementedError

    def ite(self, cond: T, value: T) -> T:
        """``value`` where ``cond`` holds, else 0."""
        raise NotImplementedError

    def total(self, xs: list[T]) -> T:
        raise NotImplementedError


def encode_model(lm: "LogicModel", backend: Backend[T]) -> T:
    """f as a term: the bias plus one ``ite`` per concept (AND or OR of its variables)."""
    parts = [backend.number(*exact_ratio(lm.bias))]
    for t in lm.concepts:
        lits = [backend.literal(i) for i in bits(t.mask)]
        fires = backend.all_of(lits) if t.kind == "and" else backend.any_of(lits)
        parts.append(backend.ite(fires, backend.number(*exact_ratio(t.coefficient))))
    return backend.total(parts)


def encode_effect(lm: "LogicModel", i: int, backend: Backend[T]) -> T:
    """Δ_i(T) = f(T ∪ {i}) − f(T) for T ∌ i, over the other variables.

    An AND term containing i contributes c·AND(rest); an OR term containing i contributes
    c·NOT OR(rest); terms without i cancel.
    """
    parts = [backend.number(0, 1)]
    for t in lm.concepts:
        if not (t.mask >> i) & 1:
            continue
        rest = [backend.literal(j) for j in bits(t.mask & ~(1 << i))]
        if not rest:
            fires = backend.true()
        elif t.kind == "and":
            fires = backend.all_of(rest)
        else:
            fires = backend.negate(backend.any_of(rest))
        parts.append(backend.ite(fires, backend.number(*exact_ratio(t.coefficient))))
    return backend.total(parts)


# ---- SMT-LIB text (verify) ------------------------------------------------------------------


def smt_number(x: float | Fraction) -> str:
    """The exact value of a float (or Fraction) as an SMT-LIB real term."""
    p, q = exact_ratio(x)
    body = f"{abs(p)}.0" if q == 1 else f"(/ {abs(p)}.0 {q}.0)"
    return f"(- {body})" if p < 0 else body


class _Text(Backend[str]):
    def __init__(self, support: tuple[int, ...]) -> None:
        self.pos = {bit: j for j, bit in enumerate(support)}

    def number(self, p: int, q: int) -> str:
        return smt_number(Fraction(p, q))

    def literal(self, i: int) -> str:
        return f"b{self.pos[i]}"

    def all_of(self, xs: list[str]) -> str:
        return xs[0] if len(xs) == 1 else f"(and {' '.join(xs)})"

    def any_of(self, xs: list[str]) -> str:
        return xs[0] if len(xs) == 1 else f"(or {' '.join(xs)})"

    def negate(self, x: str) -> str:
        return f"(not {x})"

    def true(self) -> str:
        return "true"

    def ite(self, cond: str, value: str) -> str:
        return f"(ite {cond} {value} 0.0)"

    def total(self, xs: list[str]) -> str:
        return xs[0] if len(xs) == 1 else f"(+ {' '.join(xs)})"


def model_define_fun(lm: "LogicModel", support: tuple[int, ...]) -> str:
    """``(define-fun f ((b0 Bool) …) Real …)`` over the support variables, one ite per term."""
    args = " ".join(f"(b{j} Bool)" for j in range(len(support)))
    return f"(define-fun f ({args}) Real {encode_model(lm, _Text(support))})"


def table_chunk_script(define_f: str, k: int, rows: np.ndarray, vmin: np.ndarray, vmax: np.ndarray,
                       epsilon: float | Fraction) -> str:
    """A script that is satisfiable iff some row g has vmax_g − f(g) > ε or f(g) − vmin_g > ε.

    ``rows`` are group indices (bit j = support variable j present); ``r`` names the violating row.
    The table check is linear in its rows: each chunk is one ground disjunction
    ``(or (and (= r k) (violates row k)) …)``.
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


# ---- z3py terms (claims) --------------------------------------------------------------------


def rational(value: Fraction | float | int, ctx: "z3.Context") -> "z3.ArithRef":
    """An exact Z3 real numeral for ``value`` (a ``p/q`` numeral, never a decimal string)."""
    import z3

    p, q = exact_ratio(value)
    return z3.RealVal(f"{p}/{q}", ctx)


@dataclass(frozen=True)
class OptimumResult:
    """Outcome of one optimisation: status "sat" (value/mask set), "unsat" (no admitted mask) or "unknown"."""

    status: str
    value: Fraction | None = None
    mask: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class WitnessResult:
    """Outcome of a minimal-witness query: status "sat" (mask set), "unsat" or "unknown"."""

    status: str
    mask: int | None = None
    reason: str = ""


class Z3Model(Backend[Any]):
    """A logic model as z3py terms over one Bool per variable (True = present), with the queries
    the claims need: threshold claims reduce to one ``Optimize`` call plus an exact comparison of
    the optimum; the counterexample with the fewest present variables (ties: smallest mask) is a
    weighted MaxSAT query (engine ``wmax``, measured fastest here).

    Args:
        model: the logic model.
        timeout: seconds per Z3 call.
    """

    def __init__(self, model: "LogicModel", timeout: float = 10.0) -> None:
        import z3

        self.z3 = z3
        self.model = model
        self.n = model.n
        self.timeout_ms = max(1, int(timeout * 1000))
        self.ctx = z3.Context()
        self._bools: dict[int, Any] = {}
        self._zero = rational(0, self.ctx)
        self.f = encode_model(model, self)

    # ---- the backend: building terms ------------------------------------------------------------
    def var(self, i: int) -> "z3.BoolRef":
        """The Bool of variable i (created on first use, so n = 1000 costs nothing unused)."""
        b = self._bools.get(i)
        if b is None:
            b = self.z3.Bool(f"x{i}", self.ctx)
            self._bools[i] = b
        return b

    def number(self, p: int, q: int) -> Any:
        return self._zero if p == 0 else self.z3.RealVal(f"{p}/{q}", self.ctx)

    def literal(self, i: int) -> Any:
        return self.var(i)

    def all_of(self, xs: list[Any]) -> Any:
        return self.z3.And(*xs) if xs else self.true()

    def any_of(self, xs: list[Any]) -> Any:
        return self.z3.Or(*xs) if xs else self.z3.BoolVal(False, self.ctx)

    def negate(self, x: Any) -> Any:
        return self.z3.Not(x)

    def true(self) -> Any:
        return self.z3.BoolVal(True, self.ctx)

    def ite(self, cond: Any, value: Any) -> Any:
        return self.z3.If(cond, value, self._zero)

    def total(self, xs: list[Any]) -> Any:
        return self.z3.Sum(*xs) if len(xs) > 1 else xs[0]

    def effect(self, i: int) -> "z3.ArithRef":
        """Δ_i(T) = f(T ∪ {i}) − f(T) for T ∌ i (see :func:`encode_effect`)."""
        return encode_effect(self.model, i, self)

    def compare(self, term: Any, op: str, value: Fraction) -> "z3.BoolRef":
        """``term OP value`` with an exact rational on the right."""
        c = rational(value, self.ctx)
        return {">=": term >= c, "<=": term <= c, ">": term > c, "<": term < c}[op]

    # ---- queries ----------------------------------------------------------------------------
    def _mask(self, m: Any) -> int:
        mask = 0
        for i, b in self._bools.items():
            if self.z3.is_true(m.eval(b, model_completion=True)):
                mask |= 1 << i
        return mask

    def optimize(self, objective: Any, sense: str, constraints: list[Any]) -> OptimumResult:
        """min or max of ``objective`` over the masks satisfying ``constraints`` (one Optimize call)."""
        z3 = self.z3
        opt = z3.Optimize(ctx=self.ctx)
        opt.set(timeout=self.timeout_ms)
        for c in constraints:
            opt.add(c)
        handle = opt.minimize(objective) if sense == "min" else opt.maximize(objective)
        res = opt.check()
        if res == z3.unsat:
            return OptimumResult("unsat")
        if res != z3.sat:
            return OptimumResult("unknown", reason=str(opt.reason_unknown()))
        value = handle.value()
        if z3.is_int_value(value):  # Z3 may print an integral optimum as an Int numeral
            exact = Fraction(value.as_long())
        elif z3.is_rational_value(value):
            exact = value.as_fraction()
        else:  # e.g. an infinitesimal or unbounded optimum: never guess
            return OptimumResult("unknown", reason=f"Z3 returned a non-rational optimum {value}")
        return OptimumResult("sat", exact, self._mask(opt.model()))

    def minimal_witness(self, constraints: list[Any], relevant: Sequence[int]) -> WitnessResult:
        """A mask satisfying ``constraints`` with the fewest present variables, ties: smallest int.

        Weighted MaxSAT: the soft literal "x_i absent" weighs 2^n + 2^i, so one more present
        variable always costs more than any choice of lower bits. Variables outside ``relevant``
        are fixed absent (they cannot matter to the constraints).
        """
        z3 = self.z3
        opt = z3.Optimize(ctx=self.ctx)
        opt.set(timeout=self.timeout_ms)
        opt.set("maxsat_engine", "wmax")
        for c in constraints:
            opt.add(c)
        for i in list(self._bools):
            if i not in relevant:
                opt.add(z3.Not(self._bools[i]))
        big = 1 << self.n
        for i in relevant:
            opt.add_soft(z3.Not(self.var(i)), big + (1 << i))
        res = opt.check()
        if res == z3.unsat:
            return WitnessResult("unsat")
        if res != z3.sat:
            return WitnessResult("unknown", reason=str(opt.reason_unknown()))
        return WitnessResult("sat", self._mask(opt.model()))
