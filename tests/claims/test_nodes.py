"""The node tree (symlogic.claims.nodes, .conclusions): every node carries its own semantics."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import z3
from hypothesis import given, settings
from hypothesis import strategies as st

import symlogic.claims as claims_pkg
from claims_reference import _NAMES, _cond, _conditions
from symlogic.claims import (
    Absent,
    And,
    Claim,
    Conclusion,
    Condition,
    InteractionBound,
    MaxOrder,
    NoEffect,
    Not,
    Or,
    OutputBound,
    Present,
    TrueCond,
    check,
    evaluate_condition,
    parse_claim,
)
from symlogic.claims.nodes import KEYWORDS, Node
from symlogic.claims.parse import ATOM_RULES, CONCLUSION_RULES
from symlogic.logic import LogicModel
from symlogic.smt import Z3Model

CONDITIONS = (Present, Absent, Not, And, Or, TrueCond)
CONCLUSIONS = (OutputBound, NoEffect, MaxOrder, InteractionBound)
EPS = Fraction(1, 64)


def test_every_conclusion_class_owns_its_semantics() -> None:
    assert set(Conclusion.__subclasses__()) == set(CONCLUSIONS)
    for cls in CONCLUSIONS:
        for method in ("with_margin", "on_record", "on_model"):
            assert method in vars(cls), (cls.__name__, method)  # not the base class's NotImplementedError
        assert cls.keyword in KEYWORDS and cls.keyword in CONCLUSION_RULES  # one class plus one parser rule


def test_every_condition_class_owns_its_semantics() -> None:
    for cls in CONDITIONS:
        for method in ("evaluate", "holds_at", "to_z3", "__str__"):
            assert method in vars(cls), (cls.__name__, method)
        assert cls.keyword in KEYWORDS
    assert {"present", "absent", "true"} <= set(ATOM_RULES)


@pytest.mark.parametrize(
    "conclusion, margin",
    [
        (OutputBound(">=", Fraction(1)), OutputBound(">=", 1 + EPS)),
        (OutputBound(">", Fraction(1)), OutputBound(">", 1 + EPS)),
        (OutputBound("<=", Fraction(1)), OutputBound("<=", 1 - EPS)),
        (OutputBound("<", Fraction(1)), OutputBound("<", 1 - EPS)),
        (NoEffect("a", Fraction(1, 2)), NoEffect("a", Fraction(1, 2) - 2 * EPS)),
        (NoEffect("a", EPS), None),
        (InteractionBound(("a", "b"), ">=", Fraction(1)), InteractionBound(("a", "b"), ">=", 1 + 4 * EPS)),
        (InteractionBound(("a",), "<", Fraction(1)), InteractionBound(("a",), "<", 1 - 2 * EPS)),
        (MaxOrder(2), None),
    ],
)
def test_with_margin_is_each_conclusions_own_rule(conclusion: Conclusion, margin: Conclusion | None) -> None:
    # docs/theory.md §4: outputs move by ε, no_effect tolerances shrink by 2ε, I(S) moves by 2^{|S|}ε.
    assert conclusion.with_margin(EPS) == margin
    claim = Claim(Present("c"), conclusion) if conclusion.conditioned else Claim(TrueCond(), conclusion)
    carried = claim.with_margin(EPS)
    assert (carried is None) == (margin is None)
    if carried is not None:
        assert carried.condition == claim.condition and carried.conclusion == margin
    else:
        assert conclusion.no_margin_reason(EPS)


@dataclass(frozen=True)
class _Doubled(OutputBound):
    """A test-only conclusion (no keyword of its own) with a stricter margin rule: 2ε."""

    def with_margin(self, eps: Fraction) -> OutputBound:
        return OutputBound(self.op, self.value + (2 * eps if self.op in (">=", ">") else -2 * eps))


@dataclass(frozen=True)
class _NoMargin(OutputBound):
    """A test-only conclusion that cannot be carried to the network."""

    def with_margin(self, eps: Fraction) -> None:
        return None

    def no_margin_reason(self, eps: Fraction) -> str:
        return "this test node refuses every margin"


def test_the_epsilon_route_asks_the_node_for_its_margin(lm4: LogicModel) -> None:
    eps = 1 / 64
    res = check(Claim(TrueCond(), _Doubled(">=", Fraction(-2))), lm4, epsilon=eps)
    assert res.holds and "'output >= -63/32'" in res.explanation  # −2 + 2ε, from the node's own rule
    res = check(Claim(TrueCond(), _NoMargin(">=", Fraction(-100))), lm4, epsilon=eps)
    assert res.status == "undecided" and "this test node refuses every margin" in res.explanation


def test_names_come_from_the_nodes() -> None:
    claim = parse_claim("b & (a | not b) & absent(`my var`) -> no_effect(c, 1)")
    assert claim.condition.names() == ("b", "a", "my var")
    assert claim.conclusion.names() == ("c",)
    assert claim.names() == ("b", "a", "my var", "c")
    inter = parse_claim("interaction(x, y) >= 0").conclusion
    assert inter.names == ("x", "y") and inter.names() == ("x", "y")  # the field stays a tuple
    assert InteractionBound(("x", "y"), ">=", Fraction(0)) == inter
    assert MaxOrder(2).names() == () and TrueCond().names() == ()


def test_printing_follows_precedence() -> None:
    a, b, c = Present("a"), Present("b"), Present("c")
    assert str(Not(And((a, b)))) == "not (present(a) & present(b))"
    assert str(Not(Not(a))) == "not not present(a)"
    assert str(And((Or((a, b)), c))) == "(present(a) | present(b)) & present(c)"
    assert str(Or((And((a, b)), c))) == "present(a) & present(b) | present(c)"
    assert str(And((And((a, b)), c))) == "(present(a) & present(b)) & present(c)"
    assert str(Present("and")) == "present(`and`)" and str(Absent("x y")) == "absent(`x y`)"


@settings(max_examples=100, deadline=None)
@given(_conditions(4))
def test_evaluate_holds_at_and_z3_agree_with_the_reference(cond: Condition) -> None:
    bit = {x: i for i, x in enumerate(_NAMES)}
    masks = np.arange(16, dtype=np.int64)
    truth = [_cond(cond, m, bit) for m in range(16)]
    assert evaluate_condition(cond, masks, bit).tolist() == truth
    assert [cond.holds_at(m, bit) for m in range(16)] == truth
    enc = Z3Model(LogicModel.from_terms(_NAMES, 0.0, []))
    term = cond.to_z3(enc, bit)
    for m in range(16):
        fixed = [(enc.var(i), z3.BoolVal(bool(m >> i & 1), enc.ctx)) for i in range(4)]
        assert z3.is_true(z3.simplify(z3.substitute(term, *fixed))) == truth[m]


def test_no_isinstance_ladders_over_node_types_outside_the_nodes() -> None:
    node_names = {c.__name__ for c in CONDITIONS + CONCLUSIONS}
    package = Path(claims_pkg.__file__).parent
    for path in package.glob("*.py"):
        if path.name in ("nodes.py", "conclusions.py"):
            continue
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "isinstance":
                used = {n.id for n in ast.walk(call.args[1]) if isinstance(n, ast.Name)}
                assert not used & node_names, f"{path.name}:{call.lineno} dispatches on {used & node_names}"


def test_keywords_are_registered_by_the_node_classes() -> None:
    words = {cls.keyword for cls in CONDITIONS + CONCLUSIONS}
    assert words <= KEYWORDS
    assert all(issubclass(cls, Node) for cls in CONDITIONS + CONCLUSIONS + (Claim,))
