"""The conclusion nodes: what a claim asserts, each with its own margin rule and deciding code.

- :class:`OutputBound` ``output OP c``: v(T) OP c on every admitted mask.
- :class:`NoEffect` ``no_effect(x, tol)``: |v(T ∪ {x}) − v(T)| ≤ tol on every admitted T ∌ x.
- :class:`MaxOrder` ``max_order(k)``: no salient concept has more than k variables.
- :class:`InteractionBound` ``interaction(a, …) OP c``: the AND (Harsanyi) interaction I(S), or
  ``interaction[k-SII, order=2](a, …) OP c``: another index with exact weights (docs/theory.md §2.6).

ε margins (docs/theory.md §4): with |f − v| ≤ ε on every mask, an output threshold moves by ε, a
no_effect tolerance shrinks by 2ε, and an interaction threshold moves by 2^{|S|}·ε (I(S) sums
2^{|S|} outputs with signs ±1), for another index by ε·Σ_T |w_S(T)| (its value form Σ_T w_S(T) v(T),
docs/theory.md §2.6); max_order has no margin rule.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from ..defaults import SALIENCE as DEFAULT_SALIENCE
from ..errors import ClaimSyntaxError, InputError
from ..indices.weights import abs_weight_sum, value_weights
from ..salience import exact_threshold
from ..results import EngineReport
from .exact_values import Vals, compare, exact_class_sum, exact_signed_sum, minimal_mask, popcount, submasks, to_float
from .nodes import Condition, Conclusion, number_text, quote
from .on_model import (
    INDEX_ENUMERATION_LIMIT,
    Enumeration,
    ModelOptions,
    Z3Query,
    combine,
    model_index_by_enumeration,
    model_index_value,
    model_interaction,
    threshold_engines,
)
from .on_record import all_masks, record_table
from .outcome import (
    SENSE,
    SYM,
    VIOLATION,
    Outcome,
    effect_failure,
    effect_holds,
    effect_outcome,
    effect_values,
    exact_fields,
    fmt,
    fmt_threshold,
    interaction_outcome,
    mask_info,
    output_failure,
    output_outcome,
    vacuous,
    where,
)

if TYPE_CHECKING:
    from ..logic import LogicModel
    from ..record import Record

__all__ = ["OutputBound", "NoEffect", "MaxOrder", "InteractionBound", "SALIENCE"]

#: Salience threshold of ``max_order`` on a record: |I(S)| ≥ SALIENCE · max_{S≠∅} |I(S)| (docs/theory.md §3).
SALIENCE = DEFAULT_SALIENCE


class Names(tuple):  # type: ignore[type-arg]
    """The variables of ``interaction(…)``: a tuple, also callable as :meth:`Node.names` is."""

    def __call__(self) -> tuple[str, ...]:
        return tuple(self)


def _toward(op: str, m: Fraction) -> Fraction:
    """The shift that makes ``x OP c`` stricter by m: up for lower bounds, down for upper bounds."""
    return m if op in (">=", ">") else -m


@dataclass(frozen=True)
class OutputBound(Conclusion):
    """``output OP value``: v(T) OP value on every mask the condition admits."""

    keyword = "output"
    op: str
    value: Fraction
    text: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.keyword} {self.op} {number_text(self.value, self.text)}"

    def with_margin(self, eps: Fraction) -> "OutputBound":
        return OutputBound(self.op, self.value + _toward(self.op, eps))

    def on_record(self, condition: Condition, rec: "Record", bit: dict[str, int]) -> Outcome:
        masks = all_masks(rec)
        admitted = condition.evaluate(masks, bit)
        return output_outcome(record_table(rec, masks), admitted, self.op, self.value, condition, rec.n, rec.names, "output")

    def on_model(self, condition: Condition, lm: "LogicModel", bit: dict[str, int], options: ModelOptions) -> Outcome:
        return threshold_engines(self, condition, lm, bit, options)

    def on_enumeration(self, e: Enumeration) -> Outcome:
        masks = e.masks
        admitted = e.condition.evaluate(masks, e.bit)
        return output_outcome(e.table(masks), admitted, self.op, self.value, e.condition, e.lm.n, e.lm.names, "f")

    def on_z3(self, q: Z3Query) -> Outcome:
        """One Optimize call for the tightest value, an exact comparison, a MaxSAT call for the witness."""
        lm, enc, cond, c = q.lm, q.enc, q.condition, self.value
        sense = SENSE[self.op]
        opt = enc.optimize(enc.f, sense, [q.cond])
        if opt.status == "unsat":
            return vacuous()
        if opt.status != "sat":
            return q.unknown(opt.reason or "timeout")
        assert opt.value is not None and opt.mask is not None
        if lm.evaluate_exact(opt.mask) != opt.value or not cond.holds_at(opt.mask, q.bit):
            return q.unknown(f"its optimum {opt.value} does not re-evaluate exactly at mask {opt.mask}")
        values = {f"{sense}_output": to_float(opt.value), "threshold": to_float(c)}
        if compare(opt.value, self.op, c):
            return Outcome("holds", f"{sense} f {where(cond, lm.n)} is {fmt(opt.value)} {SYM[self.op]} {fmt_threshold(c)}",
                           values=values)
        wit = enc.minimal_witness([q.cond, enc.compare(enc.f, VIOLATION[self.op], c)], q.rel)
        if wit.status != "sat" or wit.mask is None:
            return q.unknown(f"the minimal counterexample query: {wit.reason or wit.status}")
        v = lm.evaluate_exact(wit.mask)
        if compare(v, self.op, c) or not cond.holds_at(wit.mask, q.bit):
            return q.unknown(f"its witness {wit.mask} does not re-evaluate as a counterexample")
        return output_failure(wit.mask, v, opt.value, self.op, c, cond, lm.n, lm.names, "f", values)


@dataclass(frozen=True)
class NoEffect(Conclusion):
    """``no_effect(name, tol)``: |v(T∪{i}) − v(T)| ≤ tol for every admitted T ∌ i."""

    keyword = "no_effect"
    name: str
    tol: Fraction
    text: str = field(default="", compare=False)
    position: int = field(default=0, compare=False)

    def __str__(self) -> str:
        return f"{self.keyword}({quote(self.name)}, {number_text(self.tol, self.text)})"

    def name_uses(self) -> tuple[tuple[str, int], ...]:
        return ((self.name, self.position),)

    def validate(self, condition: Condition, text: str) -> None:
        """The condition is read on masks without the variable, so it must not mention it."""
        if self.name in condition.names():
            raise ClaimSyntaxError(
                f"the condition of no_effect({self.name}, …) mentions {self.name!r} itself; it is read on the masks "
                f"without {self.name!r}, so leave {self.name!r} out of the condition",
                text,
                self.position,
            )

    def with_margin(self, eps: Fraction) -> "NoEffect | None":
        tol = self.tol - 2 * eps
        return None if tol < 0 else replace(self, tol=tol, text="")

    def no_margin_reason(self, eps: Fraction) -> str:
        return f"the tolerance is smaller than 2ε = {fmt(2 * eps)}"

    def on_record(self, condition: Condition, rec: "Record", bit: dict[str, int]) -> Outcome:
        i = bit[self.name]
        masks = all_masks(rec)
        base = masks[((masks >> i) & 1) == 0]
        admitted = condition.evaluate(base, bit)
        return effect_outcome(record_table(rec, base), record_table(rec, base, base | (1 << i)), admitted, self.tol,
                              self.name, condition, rec.n, rec.names, "output")

    def on_model(self, condition: Condition, lm: "LogicModel", bit: dict[str, int], options: ModelOptions) -> Outcome:
        return threshold_engines(self, condition, lm, bit, options)

    def on_enumeration(self, e: Enumeration) -> Outcome:
        ci = e.bit[self.name]
        masks = e.masks
        base = masks[((masks >> ci) & 1) == 0]
        admitted = e.condition.evaluate(base, e.bit)
        return effect_outcome(e.table(base), e.table(base, base | (1 << ci)), admitted, self.tol, self.name,
                              e.condition, e.lm.n, e.lm.names, "f")

    def on_z3(self, q: Z3Query) -> Outcome:
        """max and min of Δ_i by two Optimize calls, an exact comparison, a MaxSAT call for the witness."""
        lm, enc, cond = q.lm, q.enc, q.condition
        i = q.bit[self.name]
        delta = enc.effect(i)
        base = [q.cond, enc.negate(enc.var(i))]
        hi = enc.optimize(delta, "max", base)
        if hi.status == "unsat":
            return vacuous()
        lo = enc.optimize(delta, "min", base)
        if hi.status != "sat" or lo.status != "sat":
            return q.unknown(hi.reason or lo.reason or "timeout")

        def exact_delta(mask: int) -> Fraction:
            return lm.evaluate_exact(mask | (1 << i)) - lm.evaluate_exact(mask & ~(1 << i))

        for o in (hi, lo):
            assert o.mask is not None
            if exact_delta(o.mask) != o.value or (o.mask >> i) & 1:
                return q.unknown(f"its optimum {o.value} does not re-evaluate exactly at mask {o.mask}")
        assert hi.value is not None and lo.value is not None
        worst = max(hi.value, -lo.value)
        values = effect_values(hi.value, lo.value, self.tol)
        if worst <= self.tol:
            return effect_holds(worst, self.tol, self.name, cond, lm.n, "f", values)
        viol = enc.any_of([enc.compare(delta, ">", self.tol), enc.compare(delta, "<", -self.tol)])
        wit = enc.minimal_witness(base + [viol], [j for j in q.rel if j != i])
        if wit.status != "sat" or wit.mask is None:
            return q.unknown(f"the minimal counterexample query: {wit.reason or wit.status}")
        mask = wit.mask
        v0, v1 = lm.evaluate_exact(mask), lm.evaluate_exact(mask | (1 << i))
        if abs(v1 - v0) <= self.tol or (mask >> i) & 1 or not cond.holds_at(mask, q.bit):
            return q.unknown(f"its witness {mask} does not re-evaluate as a counterexample")
        return effect_failure(mask, mask | (1 << i), v0, v1, worst, self.tol, self.name, lm.names, "f", values)


@dataclass(frozen=True)
class MaxOrder(Conclusion):
    """``max_order(k)``: no salient concept has more than k variables."""

    keyword = "max_order"
    conditioned = False
    k: int

    def __str__(self) -> str:
        return f"{self.keyword}({self.k})"

    def with_margin(self, eps: Fraction) -> None:
        return None

    def no_margin_reason(self, eps: Fraction) -> str:
        return "max_order is about the salient interactions of the network, which the model's margin does not determine"

    def on_model(self, condition: Condition, lm: "LogicModel", bit: dict[str, int], options: ModelOptions) -> Outcome:
        """Every term of a model counts as a concept: read the orders off the term list."""
        start = time.perf_counter()
        top = lm.max_order
        values = {"max_salient_order": top}
        if top <= self.k:
            out = Outcome("holds", f"the model's highest term order is {top} ≤ {self.k} (every term of a model counts "
                          "as a concept)", values=values)
        else:
            s = min((t.mask for t in lm.concepts if t.order > self.k), key=lambda m: (bin(m).count("1"), m))
            term = next(t for t in lm.concepts if t.mask == s and t.order > self.k)
            cex = {**mask_info(s, lm.names), "order": term.order, "kind": term.kind, **exact_fields("coefficient", term.exact)}
            out = Outcome("fails", f"the model has the term {term.label()} of order {term.order} > {self.k} (the smallest "
                          f"such term; highest order {top})", counterexample=cex, values=values)
        report = EngineReport("terms", out.status, time.perf_counter() - start, "read from the term list")
        return replace(out, engines=(report,), route="model: terms")

    def on_record(self, condition: Condition, rec: "Record", bit: dict[str, int]) -> Outcome:
        """No AND interaction of order > k is salient: |I(S)| ≥ SALIENCE·max_{S≠∅}|I(S)| (and I(S) ≠ 0).

        I is the Möbius transform in float64 with the error bound γ_n·Σ_{T⊆S}|v(T)| (one rounding per
        butterfly level); sets whose salience is in doubt are recomputed exactly.
        """
        from ..transforms import and_interactions, subset_sum

        n, names, k = rec.n, rec.names, self.k
        if n == 0:
            return Outcome("holds", "there are no variables, hence no concepts", values={"max_salient_order": 0})
        values = rec.values
        # Salience is scale-free, so the float pass runs on the table times 2^−shift, small enough
        # that no sum of 2^n entries overflows; values that underflow on the way cost at most
        # 2^−1074 each, added to the error bound. Exact values are of the table itself, rescaled.
        peak = float(np.max(np.abs(values), initial=0.0))
        shift = max(0, int(np.frexp(peak)[1]) - (1000 - n)) if peak > 0 else 0
        scaled = np.ldexp(values, -shift) if shift else values
        approx = np.asarray(and_interactions(scaled), dtype=np.float64)
        err = np.asarray(subset_sum(np.abs(scaled)), dtype=np.float64) * ((n + 2) * 2.0**-52) + (2.0**(n - 1073) if shift else 0.0)
        masks = all_masks(rec)
        order = popcount(masks)
        cache: dict[int, Fraction] = {}
        unit = Fraction(2) ** shift

        def exact(s: int) -> Fraction:
            """I(S) of the table itself, exactly."""
            if s not in cache:
                subs, sign = submasks(s)
                cache[s] = exact_signed_sum(values[subs], sign)
            return cache[s]

        nz = masks[1:]
        mag = Vals(np.abs(approx[1:]), err[1:], lambda j: abs(exact(int(nz[j]))) / unit)
        m_top = mag.extreme("max")
        tau = exact_threshold(m_top, SALIENCE)
        if m_top == 0:
            return Outcome("holds", "every interaction of a non-empty set is 0: no concept is salient", values={"max_salient_order": 0})
        sal_masks = nz[mag.decide(">=", tau)]
        top_order = int(order[sal_masks].max()) if sal_masks.size else 0
        tau, m_top = tau * unit, m_top * unit  # back to the table's own scale for the reader
        values_out = {"max_salient_order": top_order, "tau": to_float(tau), "max_abs_interaction": to_float(m_top),
                      "salient": int(sal_masks.size)}
        tail = f"(τ = {float(SALIENCE):g}·max|I| = {fmt(tau)}, {sal_masks.size} salient sets of {values.shape[0] - 1})"
        if top_order <= k:
            return Outcome("holds", f"the highest order of a salient AND interaction is {top_order} ≤ {k} {tail}", values=values_out)
        bad = sal_masks[order[sal_masks] > k]
        s = minimal_mask(bad)
        v = exact(s)
        cex = {**mask_info(s, names), "order": int(order[s]), **exact_fields("interaction", v), "tau": fmt(tau)}
        return Outcome(
            "fails",
            f"I({', '.join(rec.present(s))}) = {fmt(v)} is salient and of order {int(order[s])} > {k} "
            f"(the smallest such set; {int(bad.size)} salient sets have order > {k}; highest order {top_order}) {tail}",
            counterexample=cex,
            values={**values_out, "interaction": to_float(v)},
        )


@dataclass(frozen=True)
class InteractionBound(Conclusion):
    """``interaction(a, b, …) OP value``: the AND (Harsanyi) interaction I(S) of that set; with
    ``interaction[index, order=k](…)`` the value of another linear index (docs/theory.md §2.6).

    ``index`` is a canonical name of :data:`symlogic.indices.weights.LINEAR_INDICES`, ``order`` its
    k (None for the indices without one), ``n`` the subject's number of variables once bound
    (:meth:`bind`): the weights of an index other than AND depend on it.
    """

    keyword = "interaction"
    conditioned = False
    names: tuple[str, ...] = field()  # type: ignore[assignment]  # a Names: the tuple, also callable as names()
    op: str
    value: Fraction
    text: str = field(default="", compare=False)
    positions: tuple[int, ...] = field(default=(), compare=False)
    index: str = "AND"
    order: int | None = None
    n: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", Names(self.names))

    @property
    def head(self) -> str:
        """``interaction`` or ``interaction[index, order=k]``."""
        if self.index == "AND":
            return self.keyword
        return f"{self.keyword}[{self.index}" + ("" if self.order is None else f", order={self.order}") + "]"

    def __str__(self) -> str:
        return f"{self.head}({', '.join(quote(x) for x in self.names)}) {self.op} {number_text(self.value, self.text)}"

    def name_uses(self) -> tuple[tuple[str, int], ...]:
        return tuple(zip(self.names, self.positions or (0,) * len(self.names)))

    def bind(self, n: int) -> "InteractionBound":
        return self if self.index == "AND" or self.n == n else replace(self, n=n)

    def margin_factor(self) -> Fraction:
        """Σ_T |w_S(T)|: |I_f(S) − I_v(S)| ≤ ε·this when |f − v| ≤ ε on every mask (2^{|S|} for AND)."""
        if self.index == "AND":
            return Fraction(1 << len(self.names))
        if self.n is None:
            raise InputError(f"the margin of {self.head}(…) depends on the number of variables; bind the claim to "
                             "its subject first (claim.bind(n))")
        return abs_weight_sum(self.index, len(self.names), self.n, self.order)

    def with_margin(self, eps: Fraction) -> "InteractionBound":
        return replace(self, value=self.value + _toward(self.op, eps * self.margin_factor()), text="")

    def _set(self, bit: dict[str, int]) -> int:
        return sum(1 << bit[x] for x in self.names)

    def _outcome(self, value: Fraction, smask: int, names: tuple[str, ...] | list[str], what: str) -> Outcome:
        if self.index == "AND":
            return interaction_outcome(value, smask, self.op, self.value, names, what)
        label = f"{self.index}({', '.join(names[i] for i in range(len(names)) if (smask >> i) & 1)})" + (
            "" if self.order is None else f" at order {self.order}")
        values = {"interaction": to_float(value), "threshold": to_float(self.value)}
        said = f"{label} of the {what} is {fmt(value)}"
        if compare(value, self.op, self.value):
            return Outcome("holds", f"{said} {SYM[self.op]} {fmt_threshold(self.value)}", values=values)
        cex = {**mask_info(smask, names), **exact_fields("interaction", value), "threshold": fmt_threshold(self.value)}
        return Outcome("fails", f"{said}, which is not {SYM[self.op]} {fmt_threshold(self.value)}", counterexample=cex,
                       values=values)

    def on_record(self, condition: Condition, rec: "Record", bit: dict[str, int]) -> Outcome:
        smask = self._set(bit)
        if self.index == "AND":
            subs, sign = submasks(smask)
            value = exact_signed_sum(rec.values[subs], sign)
        else:  # Σ_T w_S(T)·v(T), each class of equal weight summed exactly
            value = exact_class_sum(rec.values, smask, value_weights(self.index, len(self.names), rec.n, self.order))
        return self._outcome(value, smask, rec.names, "recorded output")

    def on_model(self, condition: Condition, lm: "LogicModel", bit: dict[str, int], options: ModelOptions) -> Outcome:
        """The index of the terms' dividends, and a second engine: for AND (|S| ≤ 12) the signed sum
        of f over the subsets of S, for another index (n ≤ 16) Σ_T w_S(T)·f(T) over every mask."""
        start = time.perf_counter()
        smask = self._set(bit)
        if self.index == "AND":
            value = model_interaction(lm, smask)
            first = "mobius-formula"
        else:
            value = model_index_value(lm, smask, self.index, self.order)
            first = "weights-of-terms"
        results = [(first, self._outcome(value, smask, lm.names, "model"), time.perf_counter() - start)]
        start = time.perf_counter()
        if self.index == "AND" and len(self.names) <= 12:
            subs, sign = submasks(smask)
            brute = sum((int(s) * lm.evaluate_exact(int(m)) for m, s in zip(subs, sign)), Fraction(0))
            results.append(("enumeration", self._outcome(brute, smask, lm.names, "model"), time.perf_counter() - start))
        elif self.index != "AND" and lm.n <= INDEX_ENUMERATION_LIMIT:
            brute = model_index_by_enumeration(lm, smask, self.index, self.order)
            results.append(("enumeration", self._outcome(brute, smask, lm.names, "model"), time.perf_counter() - start))
        route = "model: exact Möbius of the terms" if self.index == "AND" else "model: exact weights of the terms"
        return replace(combine(results), route=route)
