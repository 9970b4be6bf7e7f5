"""Soundness of the untrusted-input edges: claim parsing limits, SymPy/LaTeX export of names, and
the checks on logic-model coefficients, masks and dict forms."""

from __future__ import annotations

import json
import keyword
import re
import time
import unicodedata
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symlogic.claims import check
from symlogic.claims.parse import (
    MAX_CLAIM_LENGTH,
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_EXPONENT,
    MaxOrder,
    parse_claim,
)
from symlogic.errors import ClaimSyntaxError, InputError
from symlogic.export.latex import to_latex
from symlogic.export.symbolic import from_sympy, sanitize_names
from symlogic.logic import LogicModel, Term

# ---- 1. claim parser limits --------------------------------------------------------------------


def _syntax_error(text: Any) -> ClaimSyntaxError:
    with pytest.raises(ClaimSyntaxError) as info:
        parse_claim(text)
    assert 0 <= info.value.position <= len(text)
    return info.value


def test_huge_max_order_is_a_positioned_syntax_error() -> None:
    err = _syntax_error("max_order(" + "9" * 5000 + ")")
    assert err.position == len("max_order(") and "digits" in str(err)
    assert parse_claim("max_order(0003)").conclusion == MaxOrder(3)


def test_deep_nesting_is_a_syntax_error_not_a_recursion_error() -> None:
    err = _syntax_error("!" * 5000 + "a -> output >= 1")
    assert str(MAX_DEPTH) in str(err) and err.position == MAX_DEPTH
    _syntax_error("(" * 5000 + "a" + ")" * 5000 + " -> output >= 1")
    ok = "(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH + " -> output >= 1"
    assert parse_claim(ok).condition == parse_claim("a -> output >= 1").condition
    err = _syntax_error("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1) + " -> output >= 1")
    assert err.position == MAX_DEPTH
    err = _syntax_error("not " * (MAX_DEPTH + 1) + "a -> output >= 1")
    assert "levels deep" in str(err)


def test_overlong_claim_is_refused() -> None:
    err = _syntax_error("a | " * MAX_CLAIM_LENGTH + "a -> output >= 0")
    assert err.position == MAX_CLAIM_LENGTH and str(MAX_CLAIM_LENGTH) in str(err)


def test_tiny_exponent_is_refused_at_once_not_after_minutes_of_checking() -> None:
    start = time.perf_counter()
    err = _syntax_error("output >= 1e-100000000")
    assert time.perf_counter() - start < 1.0
    assert err.position == len("output >= ") and f"1e-{MAX_EXPONENT}" in str(err)
    for text in ("output >= 1e" + "9" * 5000, "output >= 1e401", "output >= 1e-401", "output <= 1.1e401",
                 "output >= 1" + "0" * 401, "output >= 0." + "0" * 400 + "1",
                 "no_effect(a, 1e-999999)", "interaction(a, b) >= 1e500"):
        _syntax_error(text)


def test_number_limits_keep_every_float64_writable() -> None:
    # The exact decimal of the smallest subnormal has 751 significant digits; it must still parse.
    tiny = 5e-324
    text = f"output >= {Decimal(tiny):f}"
    assert parse_claim(text).conclusion.value == Fraction(tiny)
    assert parse_claim("output >= 1e-400").conclusion.value == Fraction(1, 10**400)
    assert parse_claim("output <= 1e400").conclusion.value == 10**400
    assert parse_claim("output >= 0e99999999999").conclusion.value == 0
    many = "1." + "1" * (MAX_DIGITS - 1)
    assert parse_claim("output >= " + many).conclusion.value == Fraction(int("1" * MAX_DIGITS), 10 ** (MAX_DIGITS - 1))
    assert "significant digits" in str(_syntax_error("output >= " + many + "1"))
    assert "1e799" in str(_syntax_error("output >= " + "1" * MAX_DIGITS))
    assert parse_claim("output >= -1.5e-3/2").conclusion.value == Fraction(-3, 4000)


def test_checks_stay_fast_at_the_number_limits() -> None:
    lm = LogicModel.from_terms(["a", "b"], 0.1, [("and", ["a"], 0.2)])
    start = time.perf_counter()
    assert check("output >= -1e-400", lm).holds
    assert check("output <= 9." + "9" * (MAX_DIGITS - 1) + "e400", lm).holds
    assert check("a -> output >= 1/3" + "0" * 300, lm).holds
    assert time.perf_counter() - start < 60.0


@pytest.mark.parametrize("text", ["output >= 1/0", "output >= 1/0.0", "output >= 2/0e5", "a -> no_effect(b, 1/00)",
                                  "interaction(a) >= -0/0"])
def test_zero_denominator_is_a_syntax_error(text: str) -> None:
    assert "division by zero" in str(_syntax_error(text))


def test_ratio_out_of_range_is_refused() -> None:
    assert "ratio" in str(_syntax_error("output >= 1e300/1e-300"))
    assert parse_claim("output >= 1e200/1e-200").conclusion.value == 10**400


def test_non_ascii_digits_are_not_numbers() -> None:
    _syntax_error("output >= \u0663")  # ARABIC-INDIC DIGIT THREE
    _syntax_error("max_order(\u0663)")


@pytest.mark.parametrize("value", [None, 5, b"output >= 1", ["output >= 1"]])
def test_non_string_claim_is_an_input_error(value: Any) -> None:
    with pytest.raises(InputError, match="string"):
        parse_claim(value)


_PIECES = st.sampled_from(list("()!~&|-><=/,.+eE0123456789 \"'`\\\u0663") + [
    "present", "absent", "not", "and", "or", "true", "output", "no_effect", "max_order", "interaction",
    "->", "≥", "¬", "x", "y", "1e-999", "9" * 50])


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.lists(_PIECES, max_size=40).map("".join)))
def test_parse_claim_raises_only_claim_syntax_errors(text: str) -> None:
    try:
        claim = parse_claim(text)
    except ClaimSyntaxError as err:
        assert 0 <= err.position <= len(text)
        return
    assert parse_claim(str(claim)) == claim


# ---- 2. SymPy and LaTeX export ----------------------------------------------------------------


def test_sanitised_names_do_not_steal_a_clean_name() -> None:
    names = ["x y", "x_y"]
    syms = sanitize_names(names)
    assert syms[1] == "x_y" and syms[0] != "x_y" and len(set(syms)) == 2
    lm = LogicModel.from_terms(names, 0.0, [("and", ["x y"], 1.0), ("and", ["x_y"], 2.0)])
    expr = lm.to_sympy()
    x_y = sympy.Symbol("x_y")
    other = sympy.Symbol(syms[0])
    # The symbol printed as x_y carries the coefficient of the variable named x_y.
    assert expr.subs({x_y: True, other: False}) == 2
    assert expr.subs({x_y: False, other: True}) == 1
    assert LogicModel.from_sympy(expr, names) == lm
    # A suffixed form never collides with another name either.
    assert len(set(sanitize_names(["x y", "x_y", "x_y_1", "x-y"]))) == 4


def test_lookalike_names_stay_apart_in_lambdify() -> None:
    # Python NFKC-normalises identifiers: 'ﬁ' (a ligature) and 'fi' would be one argument.
    names = ["\ufb01", "fi", "e\u0301", "\u00e9"]
    lm = LogicModel.from_terms(names, 0.0, [("and", [x], float(i + 1)) for i, x in enumerate(names)])
    syms = [lm.symbols[x] for x in names]
    func = sympy.lambdify(syms, lm.to_sympy(), "numpy")
    for i in range(len(names)):
        args = [j == i for j in range(len(names))]
        assert float(func(*args)) == i + 1
    assert LogicModel.from_sympy(lm.to_sympy(), names) == lm


_NAME = st.lists(st.sampled_from(list("ab_ -1é.²") + ["\ufb01", "fi", "e\u0301", "class", "True", "_1"]),
                 min_size=1, max_size=5).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(_NAME, min_size=1, max_size=6, unique=True))
def test_sanitize_names_is_one_to_one_and_idempotent(names: list[str]) -> None:
    out = sanitize_names(names)
    assert len(set(out)) == len(out)
    for name, s in zip(names, out):
        assert s.isidentifier() and not keyword.iskeyword(s) and s not in ("True", "False", "None")
        assert unicodedata.normalize("NFKC", s) == s
        if name.isidentifier() and not keyword.iskeyword(name) and unicodedata.normalize("NFKC", name) == name \
                and name not in ("True", "False", "None"):
            assert s == name  # a clean name keeps itself
    assert sanitize_names(out) == out
    lm = LogicModel.from_terms(names, 0.5, [("and", [x], float(i + 1)) for i, x in enumerate(names)])
    assert LogicModel.from_sympy(lm.to_sympy(), names) == lm


def test_from_sympy_refuses_strings_and_inexact_numbers() -> None:
    with pytest.raises(InputError, match="string"):
        from_sympy("__import__('os').getcwd()")
    a = sympy.Symbol("a")
    for coef in (sympy.sqrt(2), sympy.Float("0.1", 50), sympy.I, sympy.nan, sympy.zoo):
        with pytest.raises(InputError):
            from_sympy(coef * sympy.Piecewise((1, a), (0, True)), ["a"])
    # Several constant parts are summed exactly before becoming the bias.
    half = sympy.Rational(1, 2)
    lm = from_sympy(sympy.Add(half, half, sympy.Piecewise((1, a), (0, True)), evaluate=False), ["a"])
    assert lm.bias == 1.0


def _text_bodies(tex: str) -> list[str]:
    """The bodies of the \\text{…} groups, braces matched (escaped braces skipped)."""
    bodies, i = [], 0
    while (i := tex.find(r"\text{", i)) >= 0:
        j, depth = i + len(r"\text{"), 1
        while depth:
            if tex[j] == "\\":
                j += 2
                continue
            depth += {"{": 1, "}": -1}.get(tex[j], 0)
            j += 1
        bodies.append(tex[i + len(r"\text{"): j - 1])
        i = j
    return bodies


def test_latex_escapes_names() -> None:
    names = ["malic_acid", "a&b", "50%", "#1", "$5", "{x}", "a\\b", "x^2", "~y", "alpha", "two\n\nlines", "x0"]
    lm = LogicModel.from_terms(names, 0.0, [("and", [x], float(i + 1)) for i, x in enumerate(names)])
    tex = to_latex(lm)
    assert r"\text{malic\_acid}" in tex and "malic_{acid}" not in tex
    assert r"\alpha" not in tex and r"\text{alpha}" in tex
    assert "x_{0}" in tex and "\n" not in tex
    assert tex.count("{") - tex.count(r"\{") == tex.count("}") - tex.count(r"\}")
    bodies = _text_bodies(tex)
    assert len(bodies) == len(names) - 1
    for body in bodies:
        # Outside the escape sequences no character is special to TeX.
        rest = re.sub(r"\\(?:[{}$&%#_]|textbackslash\{\}|textasciicircum\{\}|textasciitilde\{\})", "", body)
        assert not set(rest) & set("\\{}$&%#_^"), body
    assert r"\text{a\textbackslash{}b}" in tex and r"\text{x\textasciicircum{}2}" in tex


# ---- 3. coefficients, masks and the dict form ---------------------------------------------------


@pytest.mark.parametrize("value", ["1.5", b"1", True, np.True_, 1 + 0j, np.complex128(1), None, [1.0], np.array(1.5),
                                   Fraction(1, 3), Decimal("0.1"), 2**53 + 1, np.int64(2**53 + 1), 10**400,
                                   float("nan"), float("inf"), Decimal("sNaN"), sympy.sqrt(2)])
def test_coefficients_must_be_exact_real_numbers(value: Any) -> None:
    with pytest.raises(InputError):
        Term("and", 1, value)
    with pytest.raises(InputError):
        LogicModel.from_terms(["a"], value, [])
    with pytest.raises(InputError):
        LogicModel.from_terms(["a"], 0.0, [("and", ["a"], value)])


@pytest.mark.parametrize("value, expected", [(1, 1.0), (np.int32(-3), -3.0), (np.float32(0.1), float(np.float32(0.1))),
                                             (Fraction(3, 4), 0.75), (Decimal("0.5"), 0.5), (2**53, 2.0**53),
                                             (sympy.Rational(1, 2), 0.5), (np.longdouble(0.25), 0.25)])
def test_exact_real_numbers_are_accepted(value: Any, expected: float) -> None:
    t = Term("and", 1, value)
    assert type(t.coefficient) is float and t.coefficient == expected
    assert LogicModel.from_terms(["a"], value, []).bias == expected


@pytest.mark.parametrize("mask", [3.0, "3", True, None, np.float64(1.0)])
def test_masks_must_be_ints(mask: Any) -> None:
    with pytest.raises(InputError, match="mask"):
        Term("and", mask, 1.0)
    assert Term("and", np.int64(3), 1.0).mask == 3


def test_from_terms_refuses_malformed_triples() -> None:
    for terms in ([("and", ["a"])], [("and", "ab", 1.0)], [("and", [0, 1], 1.0)], [("and", True, 1.0)], [5],
                  "and", [("and", ["a"], 1.0, 2.0)], [(["and"], 1, 1.0)]):
        with pytest.raises(InputError):
            LogicModel.from_terms(["a", "b"], 0.0, terms)
    with pytest.raises(InputError):
        LogicModel(names=("a",), terms=(("and", 1, 1.0),))
    with pytest.raises(InputError, match="float64 range"):
        LogicModel.from_terms(["a"], 0.0, [("and", ["a"], 1e308), ("and", 1, 1e308)])


def _good_dict() -> dict[str, Any]:
    lm = LogicModel.from_terms(["a", "b"], 0.5, [("and", ["a", "b"], 1.5), ("or", ["a", "b"], -0.25)])
    return json.loads(json.dumps(lm.to_dict()))


def test_from_dict_refuses_malformed_dicts_with_input_errors() -> None:
    bad: list[Any] = [None, [], "x", {}, {"names": ["a"]}, {"names": "ab", "terms": []}, {"names": [1], "terms": []}]
    for edit in (lambda d: d["terms"][1].pop("kind"), lambda d: d["terms"][1].update(mask="3"),
                 lambda d: d["terms"][1].update(mask=3.0), lambda d: d["terms"][1].update(mask=True),
                 lambda d: d["terms"][1].update(coefficient_hex=1.5),
                 lambda d: d["terms"][1].update(coefficient_hex="zz"),
                 lambda d: d["terms"][1].update(coefficient_hex="inf"), lambda d: d["terms"][1].update(kind=None),
                 lambda d: d["terms"].append([]), lambda d: d.update(meta=[1]), lambda d: d["terms"][1].update(mask=-1),
                 lambda d: d["terms"][1].update(mask=2**70),
                 lambda d: d["terms"][1].update(coefficient_hex="0x1p+99999")):
        d = _good_dict()
        edit(d)
        bad.append(d)
    for d in bad:
        with pytest.raises(InputError):
            LogicModel.from_dict(d)
    assert LogicModel.from_dict(_good_dict()) == LogicModel.from_dict(_good_dict())


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                     lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                     max_leaves=8)


@st.composite
def _mutated_dicts(draw: st.DrawFn) -> Any:
    d = _good_dict()
    for _ in range(draw(st.integers(1, 3))):
        node: Any = d
        for step in draw(st.sampled_from([(), ("terms",), ("terms", 0), ("terms", 1), ("names",)])):
            node = node[step] if isinstance(node, dict) and step in node or isinstance(node, list) and \
                isinstance(step, int) and step < len(node) else None
        if isinstance(node, dict):
            key = draw(st.sampled_from(["names", "terms", "meta", "kind", "mask", "coefficient_hex", *node]))
            if draw(st.booleans()):
                node.pop(key, None)
            else:
                node[key] = draw(_JSON)
        elif isinstance(node, list) and node:
            node[draw(st.integers(0, len(node) - 1))] = draw(_JSON)
    return d


@settings(max_examples=300, deadline=None)
@given(st.one_of(_mutated_dicts(), _JSON))
def test_from_dict_raises_only_input_errors(data: Any) -> None:
    try:
        LogicModel.from_dict(data)
    except InputError:
        pass
