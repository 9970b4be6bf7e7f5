"""The float-to-rational conversions of the proof layer are exact, and rounding up never goes below
(docs/theory.md §4.2, docs/verification.md, proofs/soundness.md §1 and §7).

Statement, for every finite float64 x and every rational r that the code converts:

1. ``x.hex()`` denotes exactly the value of x, and ``float.fromhex`` gives back x bit for bit
   (±0 included): how logic models store coefficients;
2. ``Fraction(x)``, ``x.as_integer_ratio()``, ``symlogic.smt.exact_ratio`` and
   ``symlogic.exact_error.exact_bound`` give the exact value of x (a dyadic rational p/2^k);
3. the ``p/q`` text a verdict stores (``verify._frac_str``) reads back (``_parse_fraction``) as
   the same rational, and a decimal string ε ("0.1") is read by ``exact_bound`` as the exact decimal;
4. Z3 receives the exact value: ``symlogic.smt.rational`` (``RealVal("p/q")``) and the SMT-LIB text
   of ``symlogic.smt.smt_number`` (``(/ p.0 q.0)``) are the numeral p/q, never a decimal rounding;
5. ``symlogic.exact_error.float_upper`` rounds up: float_upper(r) ≥ r, and it is the smallest such
   float (the float below it is < r); beyond the largest float it is +inf;
6. the exact engine's integers (``exact_error._to_ints`` at ``_min_exponent``) are x·2^{−e} exactly.

Checked: structurally and exhaustively over about 12,700 edge floats — ±0, every power of two
2^e for e = −1074 … 1023 with its neighbours one ulp above and below (so every binade, the
subnormals, the smallest and largest floats), and decimal-looking values (0.1, 1/3, π …), both
signs — against an independent decoder of the IEEE 754 bits; rounding up over about 63,000
rationals at and around them (±2^−1100, midpoints, thirds of an ulp). No random sampling. This
covers every exponent but not every mantissa: the argument for all floats is in
docs/theorems/float_exactness.md. ``check(to_fraction=…, round_up=…, z3_numeral=…)`` tests an
injected conversion instead.
"""

from __future__ import annotations

import math
import re
import struct
import sys
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import z3

from ._common import Counterexample, Refuted, Result, as_fraction, fraction_text, run_check
from ._common import label as label_of

NAME = "float_exactness"
TITLE = "Exact float ↔ rational conversions (hex, Fraction, p/q, Z3) and rounding up of ε"
DOC = "docs/theorems/float_exactness.md"

_TINY = Fraction(1, 1 << 1100)  # far below the smallest subnormal 2^-1074


def exact_value(x: float) -> Fraction:
    """The value of a finite float64 from its bits: (−1)^s · m · 2^(e − 1075) (m with the hidden bit)."""
    bits = struct.unpack("<Q", struct.pack("<d", x))[0]
    exponent, mantissa = (bits >> 52) & 0x7FF, bits & ((1 << 52) - 1)
    if exponent == 0x7FF:
        raise ValueError(f"{x!r} is not finite")
    if exponent == 0:
        power = -1074
    else:
        mantissa |= 1 << 52
        power = exponent - 1075
    value = Fraction(mantissa << power) if power >= 0 else Fraction(mantissa, 1 << -power)
    return -value if bits >> 63 else value


def _bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


_HEX = re.compile(r"^(-?)0x([01])\.([0-9a-f]+)p([+-]\d+)$")


def hex_value(text: str) -> Fraction:
    """The rational a ``float.hex()`` string denotes, parsed independently of Python's float."""
    match = _HEX.match(text)
    if not match:
        raise ValueError(f"not a float.hex() string: {text!r}")
    sign, lead, digits, power = match.groups()
    value = (Fraction(int(lead, 16)) + Fraction(int(digits, 16), 16 ** len(digits))) * Fraction(2) ** int(power)
    return -value if sign else value


def edge_floats() -> list[float]:
    """±0, every power of two with its one-ulp neighbours, and decimal-looking values; both signs,
    ordered by magnitude (so the first failure is the smallest)."""
    found: dict[int, float] = {}
    base = [0.0, sys.float_info.max, sys.float_info.min, math.ldexp(1.0, -1022) - math.ldexp(1.0, -1074),
            0.1, 0.2, 0.3, 0.7, 1 / 3, 2 / 3, math.pi, math.e, 1e-300, 1e-320, 1e300, 1e22, 1e23, 2.0**53 - 1,
            2.0**53 + 2, 123456789.125, 0.1 + 0.2, 1 - 2.0**-53, 4.9e-324]
    for e in range(-1074, 1024):
        p = math.ldexp(1.0, e)
        base += [p, math.nextafter(p, math.inf), math.nextafter(p, 0.0)]
    for x in base:
        if math.isfinite(x):
            for y in (x, -x):
                found[_bits(y)] = y
    return sorted(found.values(), key=lambda y: (abs(y), math.copysign(1.0, y) < 0))


# ---- the conversions under test --------------------------------------------------------------


def _package_to_fraction() -> list[Callable[[float], Fraction]]:
    from symlogic.exact_error import exact_bound
    from symlogic.smt import exact_ratio

    def via_ratio(x: float) -> Fraction:
        p, q = exact_ratio(x)
        if q <= 0:
            raise ValueError(f"exact_ratio gave a denominator {q} ≤ 0")
        return Fraction(p, q)

    def via_bound(x: float) -> Fraction:
        return exact_bound(x) if x >= 0 else -exact_bound(-x)  # a bound is ≥ 0: read |x|

    via_ratio.label = "symlogic.smt.exact_ratio"  # type: ignore[attr-defined]
    via_bound.label = "symlogic.exact_error.exact_bound"  # type: ignore[attr-defined]
    return [via_ratio, via_bound]


def _python_to_fraction() -> list[Callable[[float], Fraction]]:
    def via_integer_ratio(x: float) -> Fraction:
        return Fraction(*x.as_integer_ratio())

    Fraction_of = Fraction  # noqa: N806 - the constructor itself is a candidate
    via_integer_ratio.label = "float.as_integer_ratio"  # type: ignore[attr-defined]
    return [Fraction_of, via_integer_ratio]


def _package_z3_numerals() -> list[Callable[[Any], z3.ExprRef]]:
    from symlogic.smt import rational

    def via_rational(x: Any) -> z3.ExprRef:
        return rational(x, z3.main_ctx())

    via_rational.label = "symlogic.smt.rational"  # type: ignore[attr-defined]
    return [via_rational]


def _package_round_up() -> Callable[[Fraction], float]:
    from symlogic.exact_error import float_upper

    float_upper.label = "symlogic.exact_error.float_upper"  # type: ignore[attr-defined]
    return float_upper


# ---- the parts -------------------------------------------------------------------------------


def _fail(part: str, formula: str, x: Any, detail: str) -> Refuted:
    where = f"x = {x!r} ({x.hex()})" if isinstance(x, float) else f"r = {fraction_text(x) if isinstance(x, Fraction) else x}"
    return Refuted(Counterexample(part, formula, where, detail))


def _check_hex(xs: list[float]) -> None:
    for x in xs:
        text = x.hex()
        if hex_value(text) != exact_value(x):
            raise _fail("x.hex() denotes x exactly", "float.hex", x, f"{text} reads as {hex_value(text)}")
        if _bits(float.fromhex(text)) != _bits(x):
            raise _fail("float.fromhex(x.hex()) is x bit for bit", "float.fromhex", x, f"gives {float.fromhex(text)!r}")


def _check_to_fraction(xs: list[float], convert: Callable[[float], Fraction]) -> None:
    name = label_of(convert)
    for x in xs:
        got, want = convert(x), exact_value(x)
        if got != want:
            raise _fail("the conversion is the exact value of x", name, x,
                        f"gives {fraction_text(got)}, the bits say {fraction_text(want)}")


def _check_text(xs: list[float]) -> None:
    from symlogic.verify import _frac_str, _parse_fraction

    for x in xs:
        exact = exact_value(x)
        text = _frac_str(exact)
        if not re.fullmatch(r"-?\d+/\d+", text) or _parse_fraction(text) != exact:
            raise _fail("p/q text reads back exactly", "symlogic.verify._frac_str/_parse_fraction", x, f"text {text!r}")
    from symlogic.exact_error import exact_bound

    for text in ("0.1", "0.3", "0.30000000000000004", "1e-320", "4.9406564584124654e-324", "2.4703282292062327e-324",
                 "1.7976931348623157e308", "1.7976931348623158e308", "1/3", "123456789.123456789", "0"):
        want = Fraction(text) if "/" in text else Fraction(Decimal(text))
        if exact_bound(text) != want:
            raise _fail("a decimal string ε is its exact decimal", "symlogic.exact_error.exact_bound", text,
                        f"gives {exact_bound(text)}, not {want}")


def z3_sample(xs: list[float]) -> list[float]:
    """The floats given to Z3: every power of two (every numerator and denominator size), ±0, and
    every fourth of the rest (Z3 numerals cost ~0.1 ms each; the Python-side parts take all)."""
    return [x for k, x in enumerate(xs) if k % 4 == 0 or abs(exact_value(x).numerator) <= 1
            or exact_value(x).denominator == 1 and abs(exact_value(x).numerator).bit_count() == 1]


def _z3_value(term: z3.ExprRef) -> Fraction | str:
    """The rational a Z3 numeral term denotes (``simplify`` evaluates ``(/ p.0 q.0)``)."""
    value = term if z3.is_rational_value(term) else z3.simplify(term)
    return Fraction(value.as_string()) if z3.is_rational_value(value) else as_fraction(value)


def _check_z3(xs: list[float], numeral: Callable[[Any], z3.ExprRef]) -> None:
    name = label_of(numeral)
    for x in xs:
        got = _z3_value(numeral(x))
        if got != exact_value(x):
            raise _fail("Z3 receives the exact value", name, x,
                        f"the Z3 numeral is {fraction_text(got)}, not {fraction_text(exact_value(x))}")


_SMT = re.compile(r"^(\(- )?(?:(\d+)\.0|\(/ (\d+)\.0 (\d+)\.0\))\)?$")


def _check_smt_text(xs: list[float], sample: list[float]) -> None:
    """Every text is ``p.0``, ``(/ p.0 q.0)`` or its negation with p/q the exact value; Z3 reads the sample so."""
    from symlogic.smt import smt_number

    for x in xs:
        text = smt_number(x)
        match = _SMT.match(text)
        if not match or bool(match.group(1)) != (text.startswith("(- ")):
            raise _fail("SMT-LIB text is p.0 or (/ p.0 q.0)", "symlogic.smt.smt_number", x, f"gives {text!r}")
        p = int(match.group(2) or match.group(3))
        value = Fraction(p, int(match.group(4) or 1)) * (-1 if match.group(1) else 1)
        if value != exact_value(x):
            raise _fail("SMT-LIB text is the exact value", "symlogic.smt.smt_number", x,
                        f"{text} is {fraction_text(value)}, not {fraction_text(exact_value(x))}")
    parsed = z3.parse_smt2_string("".join(f"(assert (= 0.0 {smt_number(x)}))" for x in sample))
    for x, assertion in zip(sample, parsed):
        got = _z3_value(assertion.arg(1))
        if got != exact_value(x):
            raise _fail("Z3 reads the SMT-LIB text as the exact value", "symlogic.smt.smt_number", x,
                        f"{smt_number(x)} parses as {fraction_text(got)}, not {fraction_text(exact_value(x))}")


def _rationals(xs: list[float]) -> list[Fraction]:
    """Each edge float's value, ±2^-1100 around it, and a half and a third of the way to the next float."""
    out: list[Fraction] = []
    for x in xs:
        r = exact_value(x)
        out += [r, r + _TINY, r - _TINY]
        nxt = math.nextafter(x, math.inf)
        if math.isfinite(nxt):
            gap = exact_value(nxt) - r
            out += [r + gap / 2, r + gap / 3]
    top = exact_value(sys.float_info.max)
    ulp = top - exact_value(math.nextafter(sys.float_info.max, 0.0))
    return out + [top + ulp / 2, top + ulp, -top - ulp / 2, top * 4]


def _check_round_up(rs: list[Fraction], round_up: Callable[[Fraction], float]) -> None:
    name = label_of(round_up)
    top = exact_value(sys.float_info.max)
    for r in rs:
        up = round_up(r)
        if math.isnan(up):
            raise _fail("rounding up is never below r", name, r, "gives NaN")
        if math.isinf(up):
            if up < 0 or r <= top:
                raise _fail("rounding up is never below r", name, r, f"gives {up!r} for a value within float range")
            continue
        if exact_value(up) < r:
            raise _fail("rounding up is never below r", name, r,
                        f"gives {up!r}, below r by {fraction_text(r - exact_value(up))}")
        below = math.nextafter(up, -math.inf)
        if math.isfinite(below) and exact_value(below) >= r:
            raise _fail("rounding up gives the smallest float ≥ r", name, r, f"gives {up!r} but {below!r} is ≥ r too")


def _check_scaled_ints(xs: list[float]) -> None:
    import numpy as np

    from symlogic.exact_error import _min_exponent, _to_ints

    for start in range(0, len(xs), 64):
        chunk = np.array(xs[start:start + 64], dtype=np.float64)
        e = _min_exponent(chunk)
        ints = _to_ints(chunk, e)
        for x, k in zip(chunk.tolist(), ints.tolist()):
            if Fraction(k) != exact_value(x) * Fraction(2) ** -e:
                raise _fail("the exact engine's integers are x·2^{−e}", "symlogic.exact_error._to_ints", x,
                            f"gives {k} at e = {e}, exact {fraction_text(exact_value(x) * Fraction(2) ** -e)}")


def check(*, to_fraction: Callable[[float], Fraction] | None = None, round_up: Callable[[Fraction], float] | None = None,
          z3_numeral: Callable[[Any], z3.ExprRef] | None = None) -> Result:
    """Check parts 1–6 over the edge floats; an injected conversion replaces the package's in its part.

    Args:
        to_fraction: float → Fraction under test (by default ``Fraction``, ``as_integer_ratio``,
            ``smt.exact_ratio``, ``exact_bound``).
        round_up: Fraction → float under test (by default ``exact_error.float_upper``).
        z3_numeral: float → Z3 numeral under test (by default ``smt.rational``).
    """
    injected = to_fraction is not None or round_up is not None or z3_numeral is not None
    xs = edge_floats()
    sample = z3_sample(xs)
    covers = (f"{len(xs)} edge floats (every binade, subnormals, ±0, max) against their IEEE bits, {len(sample)} of "
              "them through Z3; rounding up around each" + (" (injected conversions)" if injected else ""))

    def body() -> None:
        if not injected:
            _check_hex(xs)
            _check_text(xs)
            _check_smt_text(xs, sample)
            _check_scaled_ints(xs)
        defaults = [] if injected else _python_to_fraction() + _package_to_fraction()
        for convert in [to_fraction] if to_fraction else defaults:
            _check_to_fraction(xs, convert)
        for numeral in [z3_numeral] if z3_numeral else ([] if injected else _package_z3_numerals()):
            _check_z3(sample, numeral)
        if round_up is not None or not injected:
            _check_round_up(_rationals(xs), round_up or _package_round_up())

    return run_check(NAME, covers, body)
