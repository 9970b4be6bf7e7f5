"""Z3 encoding of a :class:`~symlogic.logic.LogicModel` over Booleans (docs/verification.md §8.2).

One Bool per variable (True = present); each term becomes ``If(And(...)/Or(...), c, 0)`` with c the
coefficient's exact rational (``p/q`` numeral, never a decimal string). Threshold claims reduce to
one ``Optimize`` minimise/maximise call followed by an exact comparison of the optimum; the
counterexample with the fewest present variables (ties: smallest mask) is a weighted MaxSAT
query (soft "absent" literals of weight 2^n + 2^i, engine ``wmax``, measured fastest here).
Every call has a timeout; a timeout is reported as "unknown". Each encoding owns its Z3 context:
nothing global, safe to use from several threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import z3

from .grammar import Absent, And, Condition, Not, Or, Present, TrueCond

if TYPE_CHECKING:
    from ..logic import LogicModel

__all__ = ["Z3Model", "OptimumResult", "WitnessResult", "rational"]


def rational(value: Fraction | float | int, ctx: z3.Context) -> z3.ArithRef:
    """An exact Z3 real numeral for ``value`` (floats are taken as the dyadic rationals they are)."""
    fr = Fraction(value)
    return z3.RealVal(f"{fr.numerator}/{fr.denominator}", ctx)


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


class Z3Model:
    """A logic model as Z3 terms, with the queries :func:`symlogic.claims.check` needs.

    Args:
        model: the logic model.
        timeout: seconds per Z3 call.
    """

    def __init__(self, model: "LogicModel", timeout: float = 10.0) -> None:
        self.model = model
        self.n = model.n
        self.timeout_ms = max(1, int(timeout * 1000))
        self.ctx = z3.Context()
        self._bools: dict[int, z3.BoolRef] = {}
        self.f = self.output(self.bools())

    # ---- building ---------------------------------------------------------------------------
    def var(self, i: int) -> z3.BoolRef:
        """The Bool of variable i (created on first use, so n = 1000 costs nothing unused)."""
        b = self._bools.get(i)
        if b is None:
            b = z3.Bool(f"x{i}", self.ctx)
            self._bools[i] = b
        return b

    def bools(self) -> dict[int, Any]:
        """Variable index → its Bool, for every variable some term mentions."""
        return {i: self.var(i) for i in range(self.n) if (self.model.support_mask >> i) & 1}

    def _fires(self, kind: str, mask: int, assign: dict[int, Any]) -> Any:
        lits = [assign[i] if i in assign else self.var(i) for i in range(mask.bit_length()) if (mask >> i) & 1]
        return z3.And(*lits) if kind == "and" else z3.Or(*lits)

    def output(self, assign: dict[int, Any]) -> z3.ArithRef:
        """f as a Z3 real term; ``assign`` maps variable indices to Bool terms or constants."""
        zero = rational(0, self.ctx)
        parts = [rational(self.model.terms[0].exact, self.ctx)]
        for t in self.model.concepts:
            parts.append(z3.If(self._fires(t.kind, t.mask, assign), rational(t.exact, self.ctx), zero))
        return z3.Sum(*parts) if len(parts) > 1 else parts[0]

    def effect(self, i: int) -> z3.ArithRef:
        """Δ_i(T) = f(T ∪ {i}) − f(T) for T ∌ i, as a term over the other variables.

        An AND term containing i contributes c·AND(rest); an OR term containing i contributes
        c·NOT OR(rest); terms without i cancel.
        """
        zero = rational(0, self.ctx)
        parts = [zero]
        for t in self.model.concepts:
            if not (t.mask >> i) & 1:
                continue
            rest = t.mask & ~(1 << i)
            c = rational(t.exact, self.ctx)
            if t.kind == "and":
                cond = self._fires("and", rest, {}) if rest else z3.BoolVal(True, self.ctx)
            else:
                cond = z3.Not(self._fires("or", rest, {})) if rest else z3.BoolVal(True, self.ctx)
            parts.append(z3.If(cond, c, zero))
        return z3.Sum(*parts) if len(parts) > 1 else parts[0]

    def condition(self, cond: Condition, bit: dict[str, int]) -> z3.BoolRef:
        """The claim condition as a Z3 Bool term (``bit`` maps names to variable indices)."""
        if isinstance(cond, TrueCond):
            return z3.BoolVal(True, self.ctx)
        if isinstance(cond, Present):
            return self.var(bit[cond.name])
        if isinstance(cond, Absent):
            return z3.Not(self.var(bit[cond.name]))
        if isinstance(cond, Not):
            return z3.Not(self.condition(cond.arg, bit))
        if isinstance(cond, And):
            return z3.And(*[self.condition(a, bit) for a in cond.args])
        if isinstance(cond, Or):
            return z3.Or(*[self.condition(a, bit) for a in cond.args])
        raise TypeError(f"not a condition: {cond!r}")

    def compare(self, term: z3.ArithRef, op: str, value: Fraction) -> z3.BoolRef:
        """``term OP value`` with an exact rational on the right."""
        c = rational(value, self.ctx)
        return {">=": term >= c, "<=": term <= c, ">": term > c, "<": term < c}[op]

    # ---- queries ----------------------------------------------------------------------------
    def _mask(self, m: z3.ModelRef) -> int:
        mask = 0
        for i, b in self._bools.items():
            if z3.is_true(m.eval(b, model_completion=True)):
                mask |= 1 << i
        return mask

    def optimize(self, objective: z3.ArithRef, sense: str, constraints: list[Any]) -> OptimumResult:
        """min or max of ``objective`` over the masks satisfying ``constraints`` (one Optimize call)."""
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

    def minimal_witness(self, constraints: list[Any], relevant: list[int]) -> WitnessResult:
        """A mask satisfying ``constraints`` with the fewest present variables, ties: smallest int.

        Weighted MaxSAT: the soft literal "x_i absent" weighs 2^n + 2^i, so one more present
        variable always costs more than any choice of lower bits. Variables outside ``relevant``
        are fixed absent (they cannot matter to the constraints).
        """
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
