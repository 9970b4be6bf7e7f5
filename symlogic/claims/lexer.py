"""The claim language's tokens: the tokenizer, exact number reading and the size limits.

:func:`tokenize` splits a claim into :class:`Token` s (names, quoted names, numbers and the
canonical symbols, unicode forms normalised, e.g. ``≥`` to ``>=`` and ``∧`` to ``&``);
:func:`exact_decimal` reads a number token as an exact :class:`~fractions.Fraction`, never through a
float, refusing sizes beyond the limits before any big arithmetic. The grammar over these tokens
is :mod:`.parse`; the limits below are documented there too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ..errors import ClaimSyntaxError
from .nodes import IDENT

__all__ = [
    "Token",
    "tokenize",
    "describe_token",
    "exact_decimal",
    "COMPARISONS",
    "MAX_CLAIM_LENGTH",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "MAX_ORDER_DIGITS",
    "NUMBER_BOUND",
]

#: The comparison operators of the language (unicode forms are normalised to these).
COMPARISONS = (">=", "<=", ">", "<")

_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DECIMAL = re.compile(r"(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?(?:[eE](?P<exp>[+-]?[0-9]+))?")

#: Longest claim text accepted, in characters.
MAX_CLAIM_LENGTH = 10_000
#: Deepest nesting of parentheses and ``not`` accepted (the parser and the checks recurse on it).
MAX_DEPTH = 100
#: Most significant digits in one number (enough for the exact decimal of any float64: 767).
MAX_DIGITS = 800
#: Largest |decimal exponent| of a nonzero number's magnitude (float64 spans about 1e-324 … 1e308).
MAX_EXPONENT = 400
#: Most digits in the k of ``max_order(k)``.
MAX_ORDER_DIGITS = 6
#: 10^MAX_EXPONENT: a nonzero number (or ratio) lies within 1/NUMBER_BOUND … NUMBER_BOUND in magnitude.
NUMBER_BOUND = Fraction(10) ** MAX_EXPONENT
# Longest first; the value is the canonical symbol.
_SYMBOLS = (
    ("->", "->"), ("=>", "->"), ("→", "->"),
    (">=", ">="), ("<=", "<="), ("≥", ">="), ("≤", "<="), (">", ">"), ("<", "<"),
    ("&&", "&"), ("||", "|"), ("&", "&"), ("|", "|"), ("∧", "&"), ("∨", "|"),
    ("!", "!"), ("~", "!"), ("¬", "!"),
    ("(", "("), (")", ")"), (",", ","), ("+", "+"), ("-", "-"), ("/", "/"),
    ("[", "["), ("]", "]"), ("=", "="),  # interaction[k-SII, order=2]; a lone "=" is refused in comparisons
)
_QUOTES = {'"': '"', "'": "'", "`": "`"}


@dataclass(frozen=True)
class Token:
    """``kind`` is "ident", "quoted", "number", "eof", or the canonical symbol itself."""

    kind: str
    text: str
    position: int


def describe_token(tok: Token) -> str:
    """How an error message names the token it found instead of the expected one."""
    if tok.kind == "eof":
        return "the end of the claim"
    if tok.kind == "quoted":
        return f"the quoted name {tok.text!r}"
    return repr(tok.text)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; unknown characters and unclosed quotes raise :class:`ClaimSyntaxError`.

    Examples:
        >>> [t.kind for t in tokenize("present(x0) ∧ x1 → output ≥ 1/3")]
        ['ident', '(', 'ident', ')', '&', 'ident', '->', 'ident', '>=', 'number', '/', 'number', 'eof']
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in _QUOTES:
            close = _QUOTES[ch]
            j, buf = i + 1, []
            while j < n and text[j] != close:
                if text[j] == "\\" and ch != "`" and j + 1 < n:
                    j += 1
                buf.append(text[j])
                j += 1
            if j >= n:
                raise ClaimSyntaxError(f"unclosed quoted name: expected a closing {close}", text, i)
            if not buf:
                raise ClaimSyntaxError("empty quoted name: expected a variable name between the quotes", text, i)
            tokens.append(Token("quoted", "".join(buf), i))
            i = j + 1
            continue
        m = _NUMBER.match(text, i)
        if m:
            tokens.append(Token("number", m.group(), i))
            i = m.end()
            continue
        m = IDENT.match(text, i)
        if m:
            tokens.append(Token("ident", m.group(), i))
            i = m.end()
            continue
        for sym, canon in _SYMBOLS:
            if text.startswith(sym, i):
                tokens.append(Token(canon, sym, i))
                i += len(sym)
                break
        else:
            raise ClaimSyntaxError(
                f"unexpected character {ch!r}; quote variable names with odd characters (\"my var\" or `my var`)",
                text,
                i,
            )
    tokens.append(Token("eof", "", n))
    return tokens


def exact_decimal(tok: Token, text: str) -> Fraction:
    """The exact value of a number token, refusing sizes beyond the limits before any big arithmetic.

    ``Fraction(text)`` would compute 10**exponent first, so ``1e-100000000`` would take minutes
    here and in every later check; this reads the digits and the exponent separately instead.

    Examples:
        >>> exact_decimal(Token("number", "0.1", 0), "0.1")
        Fraction(1, 10)
    """
    m = _DECIMAL.fullmatch(tok.text)
    if m is None:  # the tokenizer only makes numbers _DECIMAL reads; kept as a clean error all the same
        raise ClaimSyntaxError(f"unreadable number {tok.text!r}", text, tok.position)
    digits = (m.group("int") + (m.group("frac") or "")).lstrip("0")
    if not digits:
        return Fraction(0)
    exp_text = m.group("exp") or "0"
    sign = -1 if exp_text[0] == "-" else 1
    exp_digits = exp_text.lstrip("+-").lstrip("0") or "0"
    shown = f"{tok.text[:40]!r}{'…' if len(tok.text) > 40 else ''}"
    if len(exp_digits) > 6:
        raise ClaimSyntaxError(
            f"the exponent of {shown} is out of range: numbers must lie within 1e-{MAX_EXPONENT} … "
            f"1e{MAX_EXPONENT} in magnitude (float64 spans about 1e-324 … 1e308)",
            text,
            tok.position,
        )
    exponent = sign * int(exp_digits) - len(m.group("frac") or "")
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    if len(stripped) > MAX_DIGITS:
        raise ClaimSyntaxError(
            f"a number has {len(stripped)} significant digits; at most {MAX_DIGITS} are accepted (the exact "
            "decimal of any float64 needs at most 767); write a shorter number or a ratio such as 1/3",
            text,
            tok.position,
        )
    magnitude = exponent + len(stripped) - 1  # the decimal exponent in scientific notation
    if abs(magnitude) > MAX_EXPONENT:
        raise ClaimSyntaxError(
            f"{shown} is about 1e{magnitude}: numbers must lie within 1e-{MAX_EXPONENT} … 1e{MAX_EXPONENT} in "
            "magnitude (float64 spans about 1e-324 … 1e308)",
            text,
            tok.position,
        )
    if exponent >= 0:
        return Fraction(int(stripped) * 10**exponent)
    return Fraction(int(stripped), 10**-exponent)
