"""The claim language's grammar: a recursive-descent parser over the tokens of :mod:`.lexer` into
the node tree of :mod:`.nodes`.

Grammar (``?`` optional, ``*`` repeated; keywords are case-sensitive)::

    claim       := conclusion | condition ARROW conclusion
    ARROW       := "->" | "=>" | "→"
    condition   := disjunct (OR disjunct)*            OR  := "|" | "||" | "or" | "∨"
    disjunct    := unary (AND unary)*                 AND := "&" | "&&" | "and" | "∧"
    unary       := NOT unary | atom                   NOT := "not" | "!" | "~" | "¬"
    atom        := "present" "(" name ")" | "absent" "(" name ")" | "(" condition ")"
                 | "true" | name                      (a bare name means present(name))
    conclusion  := "output" CMP number
                 | "no_effect" "(" name "," number ")"
                 | "max_order" "(" integer ")"
                 | "interaction" index? "(" name ("," name)* ")" CMP number
    index       := "[" index_name ("," "order" "=" integer)? "]"
    CMP         := ">=" | "<=" | ">" | "<" | "≥" | "≤"
    name        := identifier | "double-quoted" | 'single-quoted' | `backquoted`
    number      := ("+" | "-")? decimal ("/" decimal)?   (decimal: ASCII digits, optional point and
                                                        exponent; read as an exact Fraction, e.g. 0.1 or 1/3)

Only ``output`` and ``no_effect`` conclusions take a condition. ``interaction[k-SII, order=2](a, b)``
names an index with exact weights (:data:`symlogic.indices.weights.LINEAR_INDICES`: AND, OR, SII,
BII, k-SII, STII, FSII, FBII, Co-Möbius, by name or alias); without brackets it is the AND
interaction. ``order=k`` (k ≥ 1) is required by the indices that depend on it (k-SII, STII, FSII,
FBII) and refused by the others. Numbers are read as exact fractions, never through a float, so
``0.1`` means exactly 1/10 (:func:`.lexer.exact_decimal`). Variable names are resolved against a
record's or model's names by :func:`resolve` (:mod:`.names`). Each atom and conclusion keyword has
one rule in :data:`ATOM_RULES` / :data:`CONCLUSION_RULES`: a new predicate is one node class plus
one rule.

Limits (each refused with a :class:`ClaimSyntaxError`, so that parsing and the later exact checks
stay fast on untrusted text): a claim has at most :data:`MAX_CLAIM_LENGTH` characters and
:data:`MAX_DEPTH` nested ``(`` / ``not``; a number has at most :data:`MAX_DIGITS` significant
digits and a magnitude within 10^±:data:`MAX_EXPONENT` (float64 spans about 1e-324 … 1e308, and
the exact decimal of any float64 has at most 767 significant digits); ``max_order(k)`` takes at
most :data:`MAX_ORDER_DIGITS` digits (the limits live in :mod:`.lexer`).

The tokenizer, the limits and :func:`resolve` are importable from here as well as from their
own modules.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from ..errors import ClaimSyntaxError, InputError
from ..indices.weights import linear_index
from .conclusions import InteractionBound, MaxOrder, NoEffect, OutputBound
from .lexer import (
    COMPARISONS,
    MAX_CLAIM_LENGTH,
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_EXPONENT,
    MAX_ORDER_DIGITS,
    NUMBER_BOUND,
    Token,
    describe_token,
    exact_decimal,
    tokenize,
)
from .names import UnknownNameError, resolve
from .nodes import (
    KEYWORDS,
    Absent,
    And,
    Claim,
    Conclusion,
    Condition,
    Not,
    Or,
    Present,
    TrueCond,
    conclusion_class,
)

__all__ = [
    "UnknownNameError",
    "parse_claim",
    "resolve",
    "tokenize",
    "Token",
    "ATOM_RULES",
    "CONCLUSION_RULES",
    "COMPARISONS",
    "MAX_CLAIM_LENGTH",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "MAX_ORDER_DIGITS",
]

# Tokens that may make up an unquoted multi-word name such as ``mean radius`` or ``s1-s2``.
_WORDISH = ("ident", "number", "-", "+", "/")
_QUOTE_HINT = " (quote names with spaces or odd characters: \"my var\" or `my var`)"


# ---- parser ---------------------------------------------------------------------------------


class _Parser:
    """Recursive descent over the token list; every error names what was expected and where."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def enter(self, tok: Token) -> None:
        """One more level of '(' or 'not'; refuses nesting deeper than :data:`MAX_DEPTH`."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ClaimSyntaxError(
                f"the condition nests '(' and 'not' more than {MAX_DEPTH} levels deep; flatten it "
                "(a & b & c needs no parentheses, not not x is x)",
                self.text,
                tok.position,
            )

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "eof":
            self.i += 1
        return tok

    def fail(self, expected: str, tok: Token | None = None) -> ClaimSyntaxError:
        tok = tok or self.tok
        return ClaimSyntaxError(f"expected {expected}, found {describe_token(tok)}", self.text, tok.position)

    def expect(self, kind: str, expected: str) -> Token:
        if self.tok.kind != kind:
            raise self.fail(expected)
        return self.advance()

    def is_word(self, *words: str) -> bool:
        return self.tok.kind == "ident" and self.tok.text in words

    def is_conclusion(self) -> bool:
        return self.tok.kind == "ident" and self.tok.text in CONCLUSION_RULES

    # claim := conclusion | condition "->" conclusion
    def claim(self) -> Claim:
        if self.tok.kind == "eof":
            raise self.fail("a claim such as 'present(x0) -> output >= 1' or 'max_order(2)'")
        if self.is_conclusion():
            conclusion = self.conclusion(conditioned=False)
            condition: Condition = TrueCond()
        else:
            condition = self.condition()
            if self.tok.kind != "->":
                raise self.fail("'&', '|' or '->' followed by a conclusion (output, no_effect, …)")
            self.advance()
            conclusion = self.conclusion(conditioned=True)
        if self.tok.kind != "eof":
            raise self.fail("the end of the claim")
        return Claim(condition, conclusion, self.text)

    def condition(self) -> Condition:
        args = [self.conjunction()]
        while self.tok.kind == "|" or self.is_word("or"):
            self.advance()
            args.append(self.conjunction())
        return args[0] if len(args) == 1 else Or(tuple(args))

    def conjunction(self) -> Condition:
        args = [self.unary()]
        while self.tok.kind == "&" or self.is_word("and"):
            self.advance()
            args.append(self.unary())
        return args[0] if len(args) == 1 else And(tuple(args))

    def unary(self) -> Condition:
        tok = self.tok
        if tok.kind == "!" or self.is_word("not"):
            self.enter(tok)
            self.advance()
            inner = self.unary()
            self.depth -= 1
            return Not(inner)
        return self.atom()

    def atom(self) -> Condition:
        tok = self.tok
        if tok.kind == "(":
            self.enter(tok)
            self.advance()
            inner = self.condition()
            self.expect(")", "')' to close the '(' at character %d" % tok.position)
            self.depth -= 1
            return inner
        if tok.kind == "ident" and tok.text in ATOM_RULES:
            self.advance()
            return ATOM_RULES[tok.text](self, tok)
        if self.is_conclusion():
            raise self.fail(f"a condition before '->' ({tok.text} is a conclusion and goes after '->')")
        if tok.kind == "ident" and tok.text in KEYWORDS:
            raise self.fail("a condition: present(name), absent(name), not …, ( … ) or a variable name")
        if tok.kind in ("ident", "quoted"):
            self.advance()
            if self.tok.kind == "(":
                raise ClaimSyntaxError(
                    f"unknown function {tok.text!r}; conditions use present(name), absent(name), and conclusions "
                    "output, no_effect(name, tol), max_order(k), interaction(a, b, …)",
                    self.text,
                    tok.position,
                )
            if tok.kind == "ident" and self.tok.kind == "ident" and self.tok.text not in KEYWORDS:
                raise self.unquoted(tok, "present({})", keywords_end=True)
            return Present(tok.text, tok.position)
        raise self.fail("a condition: present(name), absent(name), not …, ( … ) or a variable name")

    def unquoted(self, start: Token, form: str, keywords_end: bool = False) -> ClaimSyntaxError:
        """The error for a name written in several unquoted words: suggest backticks."""
        j = self.i
        while self.tokens[j].kind in _WORDISH and not (keywords_end and self.tokens[j].text in KEYWORDS):
            j += 1
        raw = self.text[start.position:self.tokens[j].position].rstrip()
        return ClaimSyntaxError(
            f"{raw!r} is not one name; to name a variable with spaces or odd characters, quote it in backticks: "
            + form.format(f"`{raw}`"),
            self.text,
            start.position,
        )

    def name(self, expected: str, form: str = "{}") -> tuple[str, int]:
        """A variable name; several unquoted words (``mean radius``) get a hint to use backticks."""
        tok = self.tok
        if tok.kind not in ("ident", "quoted"):
            raise self.fail(expected + _QUOTE_HINT)
        self.advance()
        if tok.kind == "ident" and self.tok.kind == "ident":
            raise self.unquoted(tok, form)
        return tok.text, tok.position

    def literal(self, tok: Token) -> tuple[str, int]:
        """``(name)`` after present / absent."""
        self.expect("(", f"'(' after {tok.text}")
        name = self.name(f"a variable name inside {tok.text}(…)", tok.text + "({})")
        self.expect(")", f"')' after the variable name in {tok.text}(…)")
        return name

    def number(self, expected: str) -> tuple[Fraction, str]:
        sign = ""
        start = self.tok
        if self.tok.kind in ("+", "-"):
            sign = self.advance().text
        tok = self.tok
        if tok.kind != "number":
            raise self.fail(expected, start if sign else tok)
        self.advance()
        text = sign + tok.text
        value = exact_decimal(tok, self.text)
        if sign == "-":
            value = -value
        if self.tok.kind == "/":  # an exact ratio such as 1/3
            self.advance()
            den = self.tok
            if den.kind != "number":
                raise self.fail("a number after '/' in a ratio such as 1/3")
            self.advance()
            divisor = exact_decimal(den, self.text)
            if divisor == 0:
                raise ClaimSyntaxError("division by zero in a ratio", self.text, den.position)
            value /= divisor
            text = f"{text}/{den.text}"
            if value != 0 and not 1 / NUMBER_BOUND <= abs(value) <= NUMBER_BOUND:
                raise ClaimSyntaxError(
                    f"the ratio {text[:80]} lies outside 1e-{MAX_EXPONENT} … 1e{MAX_EXPONENT} in magnitude "
                    "(float64 spans about 1e-324 … 1e308)",
                    self.text,
                    start.position,
                )
        return value, text

    def comparison(self) -> str:
        tok = self.tok
        if tok.kind in COMPARISONS:
            self.advance()
            return tok.kind
        if tok.kind == "=":
            raise ClaimSyntaxError("unexpected character '='; compare with '>=', '<=', '>' or '<'", self.text,
                                   tok.position)
        raise self.fail("a comparison '>=', '<=', '>' or '<'")

    def conclusion(self, conditioned: bool) -> Conclusion:
        tok = self.tok
        if not self.is_conclusion():
            raise self.fail("a conclusion: output OP number, no_effect(name, tol), max_order(k) or interaction(a, …) OP number")
        self.advance()
        cls = conclusion_class(tok.text)
        if conditioned and cls is not None and not cls.conditioned:
            raise ClaimSyntaxError(
                f"{tok.text}(…) takes no condition (it is about the whole table); remove the part before '->'",
                self.text,
                tok.position,
            )
        return CONCLUSION_RULES[tok.text](self, tok)

    # ---- one rule per conclusion ----------------------------------------------------------------
    def output(self, tok: Token) -> OutputBound:
        op = self.comparison()
        value, text = self.number(f"a number after 'output {op}'")
        return OutputBound(op, value, text)

    def no_effect(self, tok: Token) -> NoEffect:
        self.expect("(", f"'(' after {tok.text}")
        name, pos = self.name("a variable name as the first argument of no_effect(name, tol)", "no_effect({}, …)")
        self.expect(",", "',' and a tolerance: no_effect(name, tol)")
        tol_tok = self.tok
        tol, text = self.number("a tolerance (a number ≥ 0) as the second argument of no_effect(name, tol)")
        if tol < 0:
            raise ClaimSyntaxError(f"the tolerance of no_effect must be ≥ 0, got {text}", self.text, tol_tok.position)
        self.expect(")", "')' to close no_effect(name, tol)")
        return NoEffect(name, tol, text, pos)

    def max_order(self, tok: Token) -> MaxOrder:
        self.expect("(", f"'(' after {tok.text}")
        k_tok = self.tok
        if k_tok.kind != "number" or not k_tok.text.isdigit():
            raise self.fail("a whole number k ≥ 0 in max_order(k)")
        k_digits = k_tok.text.lstrip("0") or "0"
        if len(k_digits) > MAX_ORDER_DIGITS:
            raise ClaimSyntaxError(
                f"max_order(k) takes k with at most {MAX_ORDER_DIGITS} digits (k counts variables), "
                f"got {len(k_digits)} digits",
                self.text,
                k_tok.position,
            )
        self.advance()
        self.expect(")", "')' to close max_order(k)")
        return MaxOrder(int(k_digits))

    def index(self) -> tuple[str, int | None]:
        """``[name]`` or ``[name, order=k]`` after ``interaction``: the index's canonical name and k."""
        self.advance()  # the "["
        start = self.tok
        if start.kind == "quoted":
            raw = self.advance().text
        else:
            parts = []
            while self.tok.kind in ("ident", "number", "-", "+"):
                parts.append(self.advance())
            if not parts:
                raise self.fail("an index name such as SII or k-SII in interaction[…]")
            raw = self.text[parts[0].position:parts[-1].position + len(parts[-1].text)]
        try:
            spec = linear_index(raw)
        except InputError as exc:
            raise ClaimSyntaxError(str(exc), self.text, start.position) from None
        order: int | None = None
        order_tok = self.tok
        if self.tok.kind == ",":
            self.advance()
            order_tok = self.tok
            if not self.is_word("order"):
                raise self.fail(f"'order=k' after the index name, e.g. interaction[{spec.name}, order=2](a, b)")
            self.advance()
            self.expect("=", "'=' in order=k")
            k_tok = self.tok
            if k_tok.kind != "number" or not k_tok.text.isdigit():
                raise self.fail("a whole number k ≥ 1 in order=k")
            digits = k_tok.text.lstrip("0") or "0"
            if len(digits) > MAX_ORDER_DIGITS or digits == "0":
                raise ClaimSyntaxError(f"order=k takes a whole number k ≥ 1 with at most {MAX_ORDER_DIGITS} digits "
                                       f"(k is the largest set size of the index), got {k_tok.text[:40]}",
                                       self.text, k_tok.position)
            self.advance()
            order = int(digits)
        self.expect("]", "']' to close interaction[…]" if order is not None else "',' and order=k, or ']'")
        if spec.uses_order and order is None:
            raise ClaimSyntaxError(f"{spec.name} depends on its order k; write interaction[{spec.name}, order=k](…), "
                                   "e.g. order=2", self.text, start.position)
        if not spec.uses_order and order is not None:
            raise ClaimSyntaxError(f"{spec.name} does not depend on an order; write interaction[{spec.name}](…) "
                                   f"without ', order={order}'", self.text, order_tok.position)
        return spec.name, order

    def interaction(self, tok: Token) -> InteractionBound:
        index, order = self.index() if self.tok.kind == "[" else ("AND", None)
        self.expect("(", f"'(' or '[' after {tok.text}")
        names: list[str] = []
        positions: list[int] = []
        while True:
            name, pos = self.name("a variable name in interaction(a, b, …)", "interaction(…, {}, …)")
            if name in names:
                raise ClaimSyntaxError(f"variable {name!r} appears twice in interaction(…)", self.text, pos)
            names.append(name)
            positions.append(pos)
            if self.tok.kind == ",":
                self.advance()
                continue
            self.expect(")", "',' or ')' in interaction(a, b, …)")
            break
        op = self.comparison()
        value, text = self.number(f"a number after 'interaction(…) {op}'")
        return InteractionBound(tuple(names), op, value, text, tuple(positions), index=index, order=order)


#: The parser rule of each atom keyword (after the keyword token has been read).
ATOM_RULES: dict[str, Callable[[_Parser, Token], Condition]] = {
    "present": lambda p, tok: Present(*p.literal(tok)),
    "absent": lambda p, tok: Absent(*p.literal(tok)),
    "true": lambda p, tok: TrueCond(),
}
#: The parser rule of each conclusion keyword (after the keyword token has been read).
CONCLUSION_RULES: dict[str, Callable[[_Parser, Token], Conclusion]] = {
    "output": _Parser.output,
    "no_effect": _Parser.no_effect,
    "max_order": _Parser.max_order,
    "interaction": _Parser.interaction,
}


def parse_claim(text: str) -> Claim:
    """Parse a claim into its node tree.

    Raises:
        ClaimSyntaxError: with ``position`` at the offending character and what was expected there;
            also for claims beyond the size limits (see the module docstring).
        InputError: when ``text`` is not a string.

    Examples:
        >>> str(parse_claim("present(x0) and !x1 -> output >= 1.0"))
        'present(x0) & not present(x1) -> output >= 1.0'
    """
    if not isinstance(text, str):
        raise InputError(f"a claim is a string, got {type(text).__name__}; pass the claim's text, "
                         "e.g. 'present(x0) -> output >= 1'")
    if len(text) > MAX_CLAIM_LENGTH:
        raise ClaimSyntaxError(
            f"the claim has {len(text)} characters; at most {MAX_CLAIM_LENGTH} are accepted (split it into "
            "several claims)",
            text[:MAX_CLAIM_LENGTH],
            MAX_CLAIM_LENGTH,
        )
    return _Parser(text).claim()
