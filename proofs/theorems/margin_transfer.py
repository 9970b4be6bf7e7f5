"""Margin transfer: a claim about the model f with margin ε carries to the recorded outputs v when
|f − v| ≤ ε on every mask (docs/theory.md §4.5, proofs/soundness.md §6).

The rules, as ``symlogic/claims/on_network.py`` applies them through ``Claim.with_margin``: a claim
``… OP c`` about v follows from ``… OP c + k·ε`` about f, and f failing ``… OP c − k·ε`` refutes it,
with k = +1 for ``output >= / >``, −1 for ``output <= / <``; ``no_effect(x, tol)`` needs tolerance
tol − 2ε on f (refuted when f exceeds tol + 2ε); ``interaction(S) OP c`` moves c by 2^{|S|}·ε
toward the stricter side; ``max_order`` has no margin rule.

Statement (each for all reals, Z3): with |v(T) − f(T)| ≤ ε on the masks involved,

1. carry: f satisfies the claim with margin ⇒ v satisfies the claim;
2. refute: f violates the claim with the margin against it ⇒ v violates the claim;
3. tight: with half the margin the carry fails (Z3 finds values), so the rule is the least that works;
4. |I_v(S) − I_f(S)| ≤ 2^{|S|}·ε.

Checked: 1–4 with Z3 over the reals (c, ε, tol and every output symbolic) for the four output
operators, no_effect, and interaction(S) OP c for |S| = 1 … 4 with all four operators. A claim
holds on a set of masks when it holds on each; each mask (or pair, or Möbius sum over the subsets
of S) is one instance of these statements, so they hold for every n. The rule itself is read from
the package (the parsed claim's ``with_margin`` at ε = 1 and ε = 3, which must be affine in ε);
``check(rule=…)`` tests an injected rule ``(kind, op, |S|) -> k`` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import z3

from ._common import (Counterexample, Refuted, Result, popcount, require_proved, run_check, set_text, size_limit,
                      submasks)
from ._common import label as label_of

NAME = "margin_transfer"
TITLE = "Margin transfer: claims on f with margin ε carry to v (output, no_effect 2ε, interaction 2^|S|ε)"
DOC = "docs/theorems/margin_transfer.md"
MAX_SIZE = 4
OPS = (">=", ">", "<=", "<")

#: (kind, op, |S|) → k: the claim on f uses threshold c + k·ε (for no_effect: tolerance tol + k·ε).
Rule = Callable[[str, str, int], Fraction]


def _claim_text(kind: str, op: str, size: int, value: int | str) -> str:
    names = ", ".join(f"x{i}" for i in range(size))
    if kind == "output":
        return f"output {op} {value}"
    if kind == "no_effect":
        return f"no_effect(x0, {value})"
    return f"interaction({names}) {op} {value}"


def _threshold(conclusion: object) -> Fraction:
    return Fraction(getattr(conclusion, "tol")) if hasattr(conclusion, "tol") else Fraction(getattr(conclusion, "value"))


def package_rule(kind: str, op: str, size: int) -> Fraction:
    """k of the package's rule, read from ``parse_claim(text).with_margin(ε)`` at ε = 1 and ε = 3.

    Raises:
        Refuted: when the package's shift is not k·ε for one k (not affine in ε through 0).
    """
    from symlogic.claims.parse import parse_claim

    base = 100
    claim = parse_claim(_claim_text(kind, op, size, base))
    shifts = []
    for eps in (Fraction(1), Fraction(3)):
        moved = claim.with_margin(eps)
        if moved is None:
            raise Refuted(Counterexample("reading the package's rule", "symlogic.claims", _claim_text(kind, op, size, base),
                                         f"with_margin({eps}) gave no claim although the tolerance allows one"))
        shifts.append((_threshold(moved.conclusion) - base) / eps)
    if shifts[0] != shifts[1]:
        raise Refuted(Counterexample("reading the package's rule", "symlogic.claims", _claim_text(kind, op, size, base),
                                     f"the shift per ε is {shifts[0]} at ε = 1 but {shifts[1]} at ε = 3 (not k·ε)"))
    return shifts[0]


package_rule.label = "the package's rule (symlogic.claims, Claim.with_margin)"  # type: ignore[attr-defined]


def _holds(op: str, x: z3.ArithRef, c: z3.ArithRef) -> z3.BoolRef:
    return {">=": x >= c, ">": x > c, "<=": x <= c, "<": x < c}[op]


def _close(pairs: list[tuple[z3.ArithRef, z3.ArithRef]], eps: z3.ArithRef) -> z3.BoolRef:
    return z3.And(eps >= 0, *[z3.And(v - f <= eps, f - v <= eps) for v, f in pairs])


def _pairs(names: list[str]) -> list[tuple[z3.ArithRef, z3.ArithRef]]:
    """(v, f) at each named mask: the recorded output and the model's value there."""
    return [(z3.Real(f"v{x}"), z3.Real(f"f{x}")) for x in names]


def _thresholds(kind: str, op: str, size: int, rule: Rule, name: str) -> None:
    """Carry, refute and tightness of a threshold claim (output: one mask; interaction: the 2^size subsets)."""
    k = Fraction(rule(kind, op, size))
    c, eps = z3.Real("c"), z3.Real("eps")
    if kind == "output":
        pairs = _pairs(["(T)"])
        value_v, value_f = pairs[0]
    else:
        pairs = _pairs([set_text(t) for t in range(1 << size)])  # v{0, 1} = v at the mask {0, 1} ⊆ S
        full = (1 << size) - 1
        sign = {t: -1 if (size - popcount(t)) & 1 else 1 for t in submasks(full)}
        value_v = z3.Sum([sign[t] * pairs[t][0] for t in sign])
        value_f = z3.Sum([sign[t] * pairs[t][1] for t in sign])
    close = _close(pairs, eps)
    kq = z3.RealVal(f"{k.numerator}/{k.denominator}")
    where = f"claim {_claim_text(kind, op, size, 'c')}, k = {k}"
    require_proved(z3.Implies(z3.And(close, _holds(op, value_f, c + kq * eps)), _holds(op, value_v, c)),
                   "carry: f OP c + kε ⇒ v OP c", name, where)
    require_proved(z3.Implies(z3.And(close, z3.Not(_holds(op, value_f, c - kq * eps))), z3.Not(_holds(op, value_v, c))),
                   "refute: f fails OP c − kε ⇒ v fails OP c", name, where)
    half = kq / 2
    solver = z3.Solver()
    solver.set("timeout", 20_000)  # unknown counts as failure below, never as tight
    solver.add(close, _holds(op, value_f, c + half * eps), z3.Not(_holds(op, value_v, c)))
    if solver.check() != z3.sat:
        raise Refuted(Counterexample("tight: half the margin does not carry", name, where,
                                     "Z3 found no counterexample with margin kε/2, so the rule is not the least margin"))
    if kind == "interaction":
        diff = value_v - value_f
        bound = (1 << size) * eps
        require_proved(z3.Implies(close, z3.And(diff <= bound, -diff <= bound)), "|I_v(S) − I_f(S)| ≤ 2^{|S|}·ε",
                       "the Möbius sum", f"|S| = {size}")


def _no_effect(rule: Rule, name: str) -> None:
    k = Fraction(rule("no_effect", "<=", 1))
    tol, eps = z3.Real("tol"), z3.Real("eps")
    pairs = _pairs(["(T)", "(T+x)"])
    (v1, f1), (v2, f2) = pairs
    close = _close(pairs, eps)
    kq = z3.RealVal(f"{k.numerator}/{k.denominator}")
    where = f"claim no_effect(x0, tol), k = {k}"

    def within(a: z3.ArithRef, b: z3.ArithRef, t: z3.ArithRef) -> z3.BoolRef:
        return z3.And(a - b <= t, b - a <= t)

    require_proved(z3.Implies(z3.And(close, within(f2, f1, tol + kq * eps)), within(v2, v1, tol)),
                   "carry: |Δf| ≤ tol + kε ⇒ |Δv| ≤ tol", name, where)
    require_proved(z3.Implies(z3.And(close, z3.Not(within(f2, f1, tol - kq * eps))), z3.Not(within(v2, v1, tol))),
                   "refute: |Δf| > tol − kε ⇒ |Δv| > tol", name, where)
    solver = z3.Solver()
    solver.set("timeout", 20_000)  # unknown counts as failure below, never as tight
    solver.add(close, tol >= 0, within(f2, f1, tol + kq / 2 * eps), z3.Not(within(v2, v1, tol)))
    if solver.check() != z3.sat:
        raise Refuted(Counterexample("tight: half the margin does not carry", name, where,
                                     "Z3 found no counterexample with margin kε/2, so the rule is not the least margin"))


def _package_max_order() -> None:
    from symlogic.claims.parse import parse_claim

    if parse_claim("max_order(2)").with_margin(Fraction(1)) is not None:
        raise Refuted(Counterexample("max_order has no margin rule", "symlogic.claims", "claim max_order(2)",
                                     "with_margin gave a claim; salience of the network is not carried by ε"))


def check(*, rule: Rule | None = None, max_size: int = MAX_SIZE) -> Result:
    """Check carry, refutation and tightness of every margin rule (interactions up to ``max_size`` variables).

    Args:
        rule: the rule under test ``(kind, op, size) -> k`` with kind "output", "no_effect" or
            "interaction"; by default the package's (:func:`package_rule`).
        max_size: the largest |S| of interaction claims (1 … 6).
    """
    max_size = size_limit(max_size, "max_size", 1, 6)
    the_rule = rule or package_rule
    name = label_of(the_rule)
    covers = (f"Z3 over the reals: output ×4 ops, no_effect, interaction |S| = 1…{max_size} ×4 ops "
              f"(carry, refute, tight), for {'an injected rule' if rule else 'the package rule'}")

    def body() -> None:
        for op in OPS:
            _thresholds("output", op, 0, the_rule, name)
        _no_effect(the_rule, name)
        for size in range(1, max_size + 1):
            for op in OPS:
                _thresholds("interaction", op, size, the_rule, name)
        if rule is None:
            _package_max_order()

    return run_check(NAME, covers, body)
