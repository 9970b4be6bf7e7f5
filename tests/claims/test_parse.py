"""The claim language (symlogic.claims.parse): tokens, precedence, exact numbers, errors, names."""

from __future__ import annotations

from fractions import Fraction

import pytest

from symlogic.claims import (
    Absent,
    And,
    InteractionBound,
    MaxOrder,
    NoEffect,
    Not,
    Or,
    OutputBound,
    Present,
    TrueCond,
    UnknownNameError,
    check,
    parse_claim,
)
from symlogic.errors import ClaimSyntaxError, InputError
from symlogic.logic import LogicModel
from symlogic.record import Record


@pytest.mark.parametrize(
    "text, condition",
    [
        ("present(a) -> output >= 1", Present("a")),
        ("absent(a) -> output >= 1", Absent("a")),
        ("a -> output >= 1", Present("a")),
        ("not a -> output >= 1", Not(Present("a"))),
        ("!a -> output >= 1", Not(Present("a"))),
        ("~a -> output >= 1", Not(Present("a"))),
        ("¬a -> output >= 1", Not(Present("a"))),
        ("a & b -> output >= 1", And((Present("a"), Present("b")))),
        ("a && b and c ∧ d -> output >= 1", And((Present("a"), Present("b"), Present("c"), Present("d")))),
        ("a | b || c or d ∨ e -> output >= 1", Or(tuple(Present(x) for x in "abcde"))),
        ("a | b & c -> output >= 1", Or((Present("a"), And((Present("b"), Present("c")))))),
        ("(a | b) & c -> output >= 1", And((Or((Present("a"), Present("b"))), Present("c")))),
        ("not (a | b) -> output >= 1", Not(Or((Present("a"), Present("b"))))),
        ("not not a -> output >= 1", Not(Not(Present("a")))),
        ('present("my var") -> output >= 1', Present("my var")),
        ("present(`my var`) -> output >= 1", Present("my var")),
        ("present('odd-name!') -> output >= 1", Present("odd-name!")),
        ('"and" => output >= 1', Present("and")),
        ("true → output >= 1", TrueCond()),
        ("output >= 1", TrueCond()),
    ],
)
def test_conditions_parse(text: str, condition) -> None:
    claim = parse_claim(text)
    assert claim.condition == condition
    assert claim.conclusion == OutputBound(">=", Fraction(1))
    assert parse_claim(str(claim)) == claim  # the canonical form reads back the same


@pytest.mark.parametrize(
    "text, conclusion",
    [
        ("output >= 0.1", OutputBound(">=", Fraction(1, 10))),
        ("output <= -1.5e-3", OutputBound("<=", Fraction(-15, 10000))),
        ("output > +2", OutputBound(">", Fraction(2))),
        ("output < .5", OutputBound("<", Fraction(1, 2))),
        ("output ≥ 1.", OutputBound(">=", Fraction(1))),
        ("output ≤ 2E2", OutputBound("<=", Fraction(200))),
        ("no_effect(a, 0.25)", NoEffect("a", Fraction(1, 4))),
        ("no_effect(`my var`, 0)", NoEffect("my var", Fraction(0))),
        ("max_order(2)", MaxOrder(2)),
        ("interaction(a, b) >= -0.5", InteractionBound(("a", "b"), ">=", Fraction(-1, 2))),
        ("interaction(a) < 3", InteractionBound(("a",), "<", Fraction(3))),
        ("output >= -1/3", OutputBound(">=", Fraction(-1, 3))),
    ],
)
def test_conclusions_parse(text: str, conclusion) -> None:
    claim = parse_claim(text)
    assert claim.conclusion == conclusion
    assert parse_claim(str(claim)) == claim


def test_numbers_are_exact_decimals() -> None:
    c = parse_claim("output >= 0.30000000000000004").conclusion
    assert c.value == Fraction(30000000000000004, 10**17)
    assert c.value != Fraction(0.1 + 0.2)
    assert parse_claim("a -> no_effect(b, 0.1)").conclusion.tol == Fraction(1, 10)


@pytest.mark.parametrize(
    "text, position, phrase",
    [
        ("", 0, "expected a claim"),
        ("present(a -> output >= 1", 10, "expected ')'"),
        ("output = 1", 7, "unexpected character '='"),
        ("present(a) output >= 1", 11, "'->'"),
        ("output >= ", 10, "expected a number"),
        ("output 1", 7, "expected a comparison"),
        ("max_order(1.5)", 10, "whole number"),
        ("a -> max_order(2)", 5, "takes no condition"),
        ("a -> interaction(a, b) > 0", 5, "takes no condition"),
        ("no_effect(a, -1)", 13, "must be ≥ 0"),
        ("no_effect(a)", 11, "expected ','"),
        ("interaction(a, a) > 0", 15, "appears twice"),
        ('present("a) -> output > 0', 8, "unclosed"),
        ("presnt(a) -> output > 0", 0, "unknown function 'presnt'"),
        ("a & -> output > 0", 4, "expected a condition"),
        ("output >= 1 junk", 12, "expected the end of the claim"),
        ("output -> output > 1", 7, "expected a comparison"),
        ("(a | b -> output > 1", 7, "')' to close"),
        ("present() -> output > 1", 8, "expected a variable name"),
        ("output > 1 & a", 11, "expected the end"),
        ("and -> output > 1", 0, "expected a condition"),
        ("a -> output >= 1e", 16, "expected the end"),
        ("output >= 1/", 12, "after '/'"),
        ("output >= 1/0", 12, "division by zero"),
    ],
)
def test_parse_errors_point_at_the_offending_character(text: str, position: int, phrase: str) -> None:
    with pytest.raises(ClaimSyntaxError) as info:
        parse_claim(text)
    assert info.value.position == position, str(info.value)
    assert phrase in str(info.value)
    assert "^" in str(info.value)


def test_unknown_names_list_the_valid_ones(rec5: Record, lm4: LogicModel) -> None:
    for target in (rec5, lm4):
        with pytest.raises(UnknownNameError) as info:
            check("present(a) & present(zz) -> output >= 0", target)
        assert isinstance(info.value, InputError) and isinstance(info.value, ClaimSyntaxError)
        assert info.value.position == 21  # the "zz"
        assert "'zz'" in str(info.value) and "'a'" in str(info.value) and "'b'" in str(info.value)
    with pytest.raises(UnknownNameError):
        check("interaction(a, q) > 0", rec5)
    with pytest.raises(UnknownNameError):
        check("no_effect(q, 1)", lm4)


def test_no_effect_condition_must_not_mention_its_variable(rec5: Record) -> None:
    with pytest.raises(ClaimSyntaxError, match="mentions 'a' itself"):
        check("present(a) -> no_effect(a, 1)", rec5)


# ---- friendlier errors: unquoted multi-word names, the closest valid name ------------------------


@pytest.mark.parametrize(
    "text, position, suggestion",
    [
        ("present(mean radius) -> output >= 1", 8, "present(`mean radius`)"),
        ("absent(mean  radius 2) -> output >= 1", 7, "absent(`mean  radius 2`)"),
        ("a & mean radius -> output >= 1", 4, "present(`mean radius`)"),
        ("mean radius -> output >= 1", 0, "present(`mean radius`)"),
        ("no_effect(mean radius, 0.1)", 10, "no_effect(`mean radius`, …)"),
        ("interaction(a, mean radius) > 0", 15, "`mean radius`"),
    ],
)
def test_unquoted_multi_word_names_suggest_backticks(text: str, position: int, suggestion: str) -> None:
    with pytest.raises(ClaimSyntaxError) as info:
        parse_claim(text)
    assert info.value.position == position, str(info.value)
    assert "backticks" in str(info.value) and suggestion in str(info.value)
    fixed = text.replace("mean  radius 2", "`mean  radius 2`").replace("mean radius", "`mean radius`")
    assert parse_claim(fixed).names()  # the suggested form parses


def test_unknown_names_suggest_the_closest_valid_name() -> None:
    rec = Record.from_table([0.0] * 8, ["mean radius", "mean texture", "worst area"])
    with pytest.raises(UnknownNameError) as info:
        check("present(`mean radus`) -> output >= 0", rec)
    assert "did you mean 'mean radius'?" in str(info.value) and "'worst area'" in str(info.value)
    assert info.value.position == 8
    with pytest.raises(UnknownNameError, match="did you mean 'worst area'"):
        check("interaction(`Worst Area`) > 0", rec)
    with pytest.raises(UnknownNameError) as info:
        check("no_effect(zzz, 1)", rec)
    assert "did you mean" not in str(info.value) and "'mean texture'" in str(info.value)
