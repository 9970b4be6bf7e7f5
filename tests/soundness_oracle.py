"""An independent exact oracle, adversarial generators and a bundle-mutation harness for symlogic.

The promise under test: *the verifier never says "holds" when a violation exists*, and an evidence
bundle that re-checks ``ok`` states nothing false. Everything that decides truth here is computed
from Python ints and :class:`fractions.Fraction` only (no numpy arithmetic, no symlogic code), so
a bug in symlogic's float fast paths, rounding bounds, Z3 encodings or bundle loader cannot hide
itself by being repeated in the oracle. numpy appears only to read and write ``.npy`` members.

Used by ``tests/test_soundness_properties.py`` (small, time-bounded) and by
``benchmarks/fuzz_soundness.py`` (large); both import this one module, nothing is duplicated.

Sections:

1. exact numbers: ε of any accepted type as the rational it denotes, float rounding helpers;
2. the exact model f(T) = b + Σ a_S·[S ⊆ T] + Σ o_S·[S ∩ T ≠ ∅] and its max error;
3. claims: a small AST of our own, its text, and its truth on an exact table (documented semantics
   of :mod:`symlogic.claims`, minimal counterexamples included);
4. adversarial generators (tables, models, ε, claims) driven by a :class:`random.Random`;
5. judges: compare a :class:`~symlogic.verify.Verdict` or :class:`~symlogic.claims.ClaimResult`
   with the oracle and name every discrepancy;
6. evidence bundles: honest bundles, their manifest and array mutations (re-hashed, so hashes do
   not save the loader), a classification of every manifest field, an oracle check of every
   statement a bundle makes, and a guarded runner;
7. denial-of-service probes, each run in a subprocess under a wall-clock limit.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import math
import os
import random
import re
import signal
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable, Iterator

# =============================================================================================
# 1. exact numbers
# =============================================================================================

MAX_FLOAT = sys.float_info.max
TINY = 5e-324  # the smallest subnormal


def to_exact(eps: Any) -> Fraction:
    """The exact rational an ε denotes: a float its dyadic value, a ``Fraction`` itself, an int,
    a ``Decimal`` or a decimal string ("0.1") the exact decimal (1/10, not the float 0.1).

    This is the documented meaning of ``verify(..., epsilon=...)``; bools are not numbers here.
    Raises ValueError for anything that is not a finite number ≥ 0.
    """
    if isinstance(eps, bool):
        raise ValueError("a bool is not a bound")
    if isinstance(eps, str):
        value = Fraction(eps.strip())
    elif isinstance(eps, Decimal):
        if not eps.is_finite():
            raise ValueError("not finite")
        value = Fraction(eps)
    elif isinstance(eps, (int, Fraction)):
        value = Fraction(eps)
    elif isinstance(eps, float):
        if not math.isfinite(eps):
            raise ValueError("not finite")
        value = Fraction(eps)
    else:
        raise ValueError(f"unsupported type {type(eps).__name__}")
    if value < 0:
        raise ValueError("negative")
    return value


def float_nearest(x: Fraction) -> float:
    """Round to nearest float64 (±inf beyond the range): what symlogic shows as a display float."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def float_upper(x: Fraction) -> float:
    """The smallest float64 ≥ x (inf beyond the largest float)."""
    f = float_nearest(x)
    if math.isinf(f):
        return f if f > 0 else -MAX_FLOAT
    return f if Fraction(f) >= x else math.nextafter(f, math.inf)


def float_lower(x: Fraction) -> float:
    """The largest float64 ≤ x (−inf below the most negative float)."""
    return -float_upper(-x)


def parse_pq(text: Any) -> Fraction:
    """A "p/q" (or "p") string written by symlogic as an exact Fraction."""
    p, _, q = str(text).partition("/")
    return Fraction(int(p), int(q or 1))


def exact_decimal(x: Fraction) -> str | None:
    """The finite decimal expansion of ``x`` (None when its denominator has a prime other than 2, 5)."""
    d = x.denominator
    a = b = 0
    while d % 2 == 0:
        d //= 2
        a += 1
    while d % 5 == 0:
        d //= 5
        b += 1
    if d != 1:
        return None
    k = max(a, b)
    num = abs(x.numerator) * 10**k // x.denominator
    digits = str(num).rjust(k + 1, "0")
    text = digits if k == 0 else digits[:-k] + "." + digits[-k:]
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return ("-" if x < 0 else "") + text


def significant_digits(text: str) -> int:
    return len(text.replace("-", "").replace(".", "").strip("0"))


def popcount(m: int) -> int:
    return bin(m).count("1")


def minimal_mask(masks: list[int]) -> int:
    """The documented counterexample order: fewest present variables, then the smallest integer."""
    return min(masks, key=lambda m: (popcount(m), m))


def bits_of(mask: int) -> list[int]:
    return [i for i in range(mask.bit_length()) if (mask >> i) & 1]


# =============================================================================================
# 2. the exact model
# =============================================================================================


@dataclass(frozen=True)
class ExactModel:
    """f(T) = Σ over terms: bias always, AND when S ⊆ T, OR when S ∩ T ≠ ∅ (exact coefficients)."""

    n: int
    terms: tuple[tuple[str, int, Fraction], ...]

    @classmethod
    def from_logic_model(cls, lm: Any) -> "ExactModel":
        """Read a LogicModel's own term list (its single source of truth) as exact rationals."""
        return cls(len(lm.names), tuple((t.kind, int(t.mask), Fraction(float(t.coefficient))) for t in lm.terms))

    @classmethod
    def from_manifest(cls, lm_dict: dict[str, Any]) -> "ExactModel":
        """Read the manifest's terms the way the format defines them: kind, mask and the hex coefficient."""
        n = len(lm_dict["names"])
        return cls(n, tuple((str(t["kind"]), int(t["mask"]), Fraction(float.fromhex(t["coefficient_hex"])))
                            for t in lm_dict["terms"]))

    def fires(self, kind: str, s: int, t: int) -> bool:
        if kind == "bias":
            return True
        if kind == "and":
            return t & s == s
        if kind == "or":
            return t & s != 0
        raise ValueError(kind)

    def f(self, t: int) -> Fraction:
        return sum((c for kind, s, c in self.terms if self.fires(kind, s, t)), Fraction(0))

    def table(self) -> list[Fraction]:
        return [self.f(t) for t in range(1 << self.n)]

    @property
    def support_mask(self) -> int:
        out = 0
        for kind, s, c in self.terms:
            if kind != "bias" and c != 0:
                out |= s
        return out

    @property
    def max_order(self) -> int:
        return max((popcount(s) for kind, s, c in self.terms if kind != "bias" and c != 0), default=0)


def exact_table(values: Any) -> list[Fraction]:
    """Recorded float64 outputs as exact rationals (``values`` may be a numpy array or a list)."""
    seq = values.tolist() if hasattr(values, "tolist") else list(values)
    return [Fraction(float(x)) for x in seq]


@dataclass(frozen=True)
class ErrorProfile:
    """Exact |v(T) − f(T)| for every mask, its maximum and the masks that reach it."""

    errors: tuple[Fraction, ...]
    max_error: Fraction
    argmax: frozenset[int]

    def count_above(self, eps: Fraction) -> int:
        return sum(1 for e in self.errors if e > eps)


_CACHE: dict[Any, Any] = {}


def _cached(key: Any, make: Callable[[], Any]) -> Any:
    """A small memo for the bundle fuzzer, which asks the same exact questions thousands of times."""
    if key not in _CACHE:
        if len(_CACHE) > 20000:
            _CACHE.clear()
        _CACHE[key] = make()
    return _CACHE[key]


def error_profile(model: ExactModel, values: list[Fraction]) -> ErrorProfile:
    return _cached(("err", model, tuple(values)), lambda: _error_profile(model, values))


def _error_profile(model: ExactModel, values: list[Fraction]) -> ErrorProfile:
    f = model.table()
    errs = tuple(abs(v - y) for v, y in zip(values, f))
    top = max(errs)
    return ErrorProfile(errs, top, frozenset(t for t, e in enumerate(errs) if e == top))


def mobius(table: list[Fraction]) -> list[Fraction]:
    """All Harsanyi (AND) interactions I(S) = Σ_{T⊆S} (−1)^{|S|−|T|} v(T), exactly."""
    out = list(table)
    n = len(table).bit_length() - 1
    for i in range(n):
        b = 1 << i
        for t in range(len(out)):
            if t & b:
                out[t] -= out[t ^ b]
    return out


def interaction(table: list[Fraction], s: int) -> Fraction:
    """I(S) by its definition (not the fast transform): Σ_{T⊆S} (−1)^{|S|−|T|} v(T)."""
    total = Fraction(0)
    sub = s
    while True:
        total += table[sub] if (popcount(s) - popcount(sub)) % 2 == 0 else -table[sub]
        if sub == 0:
            break
        sub = (sub - 1) & s
    return total


# =============================================================================================
# 3. claims
# =============================================================================================

OPS = (">=", "<=", ">", "<")
_IDENT = re.compile(r"[^\W\d][\w.]*")
_KEYWORDS = frozenset({"present", "absent", "not", "and", "or", "true", "output", "no_effect", "max_order",
                       "interaction"})
#: Salience of ``max_order`` on a record, as documented in symlogic.claims: |I(S)| ≥ max|I|/20.
SALIENCE = Fraction(1, 20)


def cmp(x: Fraction, op: str, c: Fraction) -> bool:
    return {">=": x >= c, "<=": x <= c, ">": x > c, "<": x < c}[op]


# A condition is a tuple: ("true",), ("present", i), ("absent", i), ("not", c), ("and", (c, …)), ("or", (c, …)).
Cond = tuple


def cond_holds(c: Cond, t: int) -> bool:
    tag = c[0]
    if tag == "true":
        return True
    if tag == "present":
        return bool((t >> c[1]) & 1)
    if tag == "absent":
        return not (t >> c[1]) & 1
    if tag == "not":
        return not cond_holds(c[1], t)
    if tag == "and":
        return all(cond_holds(a, t) for a in c[1])
    if tag == "or":
        return any(cond_holds(a, t) for a in c[1])
    raise ValueError(tag)


def cond_vars(c: Cond) -> set[int]:
    tag = c[0]
    if tag in ("present", "absent"):
        return {c[1]}
    if tag == "not":
        return cond_vars(c[1])
    if tag in ("and", "or"):
        out: set[int] = set()
        for a in c[1]:
            out |= cond_vars(a)
        return out
    return set()


def quote_name(name: str) -> str:
    """A variable name as the claim language writes it (bare identifier, else quoted)."""
    if _IDENT.fullmatch(name) and name not in _KEYWORDS:
        return name
    if "`" not in name:
        return f"`{name}`"
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def cond_text(c: Cond, names: list[str]) -> str:
    tag = c[0]
    if tag == "true":
        return "true"
    if tag == "present":
        return f"present({quote_name(names[c[1]])})"
    if tag == "absent":
        return f"absent({quote_name(names[c[1]])})"
    if tag == "not":
        return f"not ({cond_text(c[1], names)})"
    joiner = " & " if tag == "and" else " | "
    return joiner.join(f"({cond_text(a, names)})" for a in c[1])


@dataclass(frozen=True)
class OClaim:
    """One claim: ``kind`` is "output", "no_effect", "interaction" or "max_order".

    ``value`` is the exact number the claim's text denotes (threshold, tolerance); ``var`` the
    no_effect variable; ``vars`` the interaction set; ``k`` the max_order bound; ``number`` the
    text used for the number (so that 0.1 means 1/10, as the grammar reads it).
    """

    kind: str
    cond: Cond = ("true",)
    op: str = ">="
    value: Fraction = Fraction(0)
    number: str = "0"
    var: int = 0
    vars: tuple[int, ...] = ()
    k: int = 0

    def text(self, names: list[str]) -> str:
        if self.kind == "output":
            body = f"output {self.op} {self.number}"
        elif self.kind == "no_effect":
            body = f"no_effect({quote_name(names[self.var])}, {self.number})"
        elif self.kind == "interaction":
            return f"interaction({', '.join(quote_name(names[i]) for i in self.vars)}) {self.op} {self.number}"
        else:
            return f"max_order({self.k})"
        return body if self.cond == ("true",) else f"{cond_text(self.cond, names)} -> {body}"


@dataclass(frozen=True)
class Truth:
    """The oracle's answer: does the claim hold, and if not the documented counterexample mask
    (fewest present variables, then smallest integer); ``value`` is the decisive exact number
    (the extreme output, the largest change, the interaction, the highest salient order)."""

    holds: bool
    cex: int | None
    value: Fraction | int | None = None
    violating: frozenset[int] = frozenset()


def claim_truth(claim: OClaim, table: list[Fraction]) -> Truth:
    """Memoised :func:`claim_truth_uncached`."""
    return _cached(("claim", claim, tuple(table)), lambda: claim_truth_uncached(claim, table))


def claim_truth_uncached(claim: OClaim, table: list[Fraction]) -> Truth:
    """Truth of a claim on an exact table of outputs (a record's values or a model's f), following
    the documented semantics of symlogic.claims:

    - ``cond -> output OP c``: v(T) OP c on every mask T where ``cond`` holds;
    - ``cond -> no_effect(x, tol)``: |v(T ∪ {x}) − v(T)| ≤ tol for every T ∌ x where ``cond`` holds
      (the counterexample is that T, without x);
    - ``interaction(S) OP c``: I(S) = Σ_{T⊆S} (−1)^{|S|−|T|} v(T) OP c (counterexample: S);
    - ``max_order(k)`` on a record: no salient S (I(S) ≠ 0 and |I(S)| ≥ max_{S≠∅}|I(S)|/20) has |S| > k.
    """
    size = len(table)
    if claim.kind == "output":
        admitted = [t for t in range(size) if cond_holds(claim.cond, t)]
        bad = [t for t in admitted if not cmp(table[t], claim.op, claim.value)]
        ext = None
        if admitted:
            vals = [table[t] for t in admitted]
            ext = min(vals) if claim.op in (">=", ">") else max(vals)
        return Truth(not bad, minimal_mask(bad) if bad else None, ext, frozenset(bad))
    if claim.kind == "no_effect":
        b = 1 << claim.var
        admitted = [t for t in range(size) if not t & b and cond_holds(claim.cond, t)]
        diffs = {t: table[t | b] - table[t] for t in admitted}
        bad = [t for t in admitted if abs(diffs[t]) > claim.value]
        worst = max((abs(d) for d in diffs.values()), default=None)
        return Truth(not bad, minimal_mask(bad) if bad else None, worst, frozenset(bad))
    if claim.kind == "interaction":
        s = sum(1 << i for i in claim.vars)
        value = interaction(table, s)
        ok = cmp(value, claim.op, claim.value)
        return Truth(ok, None if ok else s, value, frozenset() if ok else frozenset({s}))
    if claim.kind == "max_order":
        inter = mobius(table)
        top = max((abs(x) for x in inter[1:]), default=Fraction(0))
        if top == 0:
            return Truth(True, None, 0)
        tau = SALIENCE * top
        salient = [s for s in range(1, size) if inter[s] != 0 and abs(inter[s]) >= tau]
        order = max((popcount(s) for s in salient), default=0)
        bad = [s for s in salient if popcount(s) > claim.k]
        return Truth(not bad, minimal_mask(bad) if bad else None, order, frozenset(bad))
    raise ValueError(claim.kind)


def model_claim_truth(claim: OClaim, model: ExactModel) -> Truth:
    """Truth of a claim about the model f itself (``check(claim, lm)`` without ε).

    As documented, ``max_order`` on a model reads the term list: every term is a concept, the
    counterexample is the smallest term of too high an order. The rest is :func:`claim_truth` on f.
    """
    if claim.kind == "max_order":
        bad = [s for kind, s, c in model.terms if kind != "bias" and c != 0 and popcount(s) > claim.k]
        return Truth(not bad, minimal_mask(bad) if bad else None, model.max_order, frozenset(bad))
    return claim_truth(claim, model.table())


# =============================================================================================
# 4. adversarial generators
# =============================================================================================

#: Floats that break naive code: ties, non-dyadic decimals, ±0, subnormals, the ends of the range.
SPECIAL_FLOATS = (
    0.0, -0.0, 0.1, -0.1, 0.2, 0.3, 0.7, 1 / 3, 0.5, 1.0, -1.0, 2.0, 1.5, 3.0, 10.0, 100.0,
    1e-300, -1e-300, 1e300, -1e300, TINY, -TINY, 2 * TINY, 2.2250738585072014e-308, 1e-320,
    2.0**53, 2.0**53 + 2, 1e16, 1e-16, 2.0**-60, 1 - 2.0**-53, 1 + 2.0**-52, 0.1 + 0.2,
    1e308, -1e308, MAX_FLOAT / 4,
)
#: Mild values: what most tables hold (keeps many cases away from overflow so errors stay finite).
MILD_FLOATS = (0.0, 0.1, 0.2, 0.25, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, -0.5, -1.0, 1 / 3, 0.1 + 0.2, 3.0)


def ulps(x: float, k: int) -> float:
    """x moved by k float steps (stops at ±max)."""
    for _ in range(abs(k)):
        nx = math.nextafter(x, math.inf if k > 0 else -math.inf)
        if math.isinf(nx):
            break
        x = nx
    return x


def random_float(rng: random.Random, scale: str = "mixed") -> float:
    """A float drawn to be awkward: special values, their ±1–2 ulp neighbours, short decimals."""
    r = rng.random()
    if scale == "mild" or (scale == "mixed" and r < 0.55):
        x = rng.choice(MILD_FLOATS)
        if rng.random() < 0.3:
            x = ulps(x, rng.choice((-2, -1, 1, 2)))
        return x
    if r < 0.8:
        x = rng.choice(SPECIAL_FLOATS)
        if rng.random() < 0.3:
            x = ulps(x, rng.choice((-1, 1)))
        return x
    if r < 0.9:
        return float(f"{rng.randint(-999, 999)}e{rng.randint(-3, 2)}")  # non-dyadic decimals
    return rng.uniform(-2, 2)


def random_names(rng: random.Random, n: int) -> list[str]:
    """Plain names most of the time; sometimes names that need quoting (keywords, spaces, dots)."""
    if rng.random() < 0.8:
        return [f"x{i}" for i in range(n)]
    pool = ["and", "not", "output", "my var", "a.b", "é", "x-y", "true", "'q'", "z"]
    rng.shuffle(pool)
    return pool[:n]


@dataclass(frozen=True)
class ModelSpec:
    """A model as passed to ``LogicModel.from_terms``: names, bias and (kind, variable names, coefficient)."""

    names: tuple[str, ...]
    bias: float
    terms: tuple[tuple[str, tuple[str, ...], float], ...]

    def build(self) -> Any:
        from symlogic import LogicModel

        return LogicModel.from_terms(list(self.names), self.bias, [(k, list(v), c) for k, v, c in self.terms])


def random_model(rng: random.Random, names: list[str], scale: str = "mixed") -> ModelSpec:
    n = len(names)
    terms = []
    used: set[tuple[str, int]] = set()
    for _ in range(rng.randint(0, min(6, 2 * n + 1)) if n else 0):
        mask = rng.randint(1, (1 << n) - 1)
        kind = rng.choice(("and", "or"))
        if popcount(mask) == 1:
            kind = "and"  # a one-variable OR is stored as an AND: keep the spec what the model holds
        if (kind, mask) in used:
            continue  # duplicates are merged (rounded) by LogicModel; keep the spec exact
        used.add((kind, mask))
        c = random_float(rng, scale)
        if c == 0:
            continue
        terms.append((kind, tuple(names[i] for i in bits_of(mask)), c))
    return ModelSpec(tuple(names), random_float(rng, scale), tuple(terms))


def random_table(rng: random.Random, n: int, model: ExactModel | None = None, scale: str = "mixed") -> list[float]:
    """2^n finite floats: noise around a model's f (nearest float ± ulps, ± a decimal, a target
    error), special values, and ties (copies of other entries)."""
    size = 1 << n
    f = model.table() if model is not None else None
    out: list[float] = []
    for t in range(size):
        r = rng.random()
        if f is not None and r < 0.6:
            y = float_nearest(f[t])
            if math.isinf(y):
                y = math.copysign(MAX_FLOAT, y)
            pick = rng.random()
            if pick < 0.3:
                x = y
            elif pick < 0.6:
                x = ulps(y, rng.choice((-3, -1, 1, 3)))
            elif pick < 0.85:
                x = y + rng.choice((0.1, -0.1, 0.5, 1e-300, TINY, -TINY, 0.3, 2.0**-40))
            else:
                x = ulps(y + rng.choice((0.1, 0.5, -0.25)), rng.choice((-1, 1)))
        elif out and r < 0.75:
            x = rng.choice(out)  # ties
        else:
            x = random_float(rng, scale)
        if not math.isfinite(x):
            x = math.copysign(MAX_FLOAT, x)
        out.append(x)
    return out


@dataclass(frozen=True)
class EpsCase:
    """An ε to pass to verify, the exact value it denotes, and how it was made."""

    value: Any
    exact: Fraction
    label: str


def epsilon_variants(err: Fraction, rng: random.Random | None = None) -> list[EpsCase]:
    """ε at, just above and just below the exact max error ``err``, in every accepted type.

    Includes: the exact Fraction (must hold); ±2^-1100 (hold / fail); the float nearest to err and
    its ±1 ulp neighbours; the exact decimal as ``Decimal`` and ``str`` (dyadic rationals have
    finite decimals); 17-digit decimal strings that round across err; short decimals such as "0.1"
    whose float is not themselves; an int when err is one.
    """
    out: list[EpsCase] = [EpsCase(err, err, "fraction=E")]
    tiny = Fraction(1, 2**1100)
    out.append(EpsCase(err + tiny, err + tiny, "fraction=E+2^-1100"))
    if err > 0:
        out.append(EpsCase(err - tiny, err - tiny, "fraction=E-2^-1100"))
    near = float_nearest(err)
    if math.isfinite(near):
        for k, lab in ((0, "float≈E"), (1, "float=E+ulp"), (-1, "float=E-ulp")):
            x = ulps(near, k) if k else near
            if x >= 0:
                out.append(EpsCase(x, Fraction(x), lab))
        up = float_upper(err)
        out.append(EpsCase(up, Fraction(up), "float=upper(E)"))
        low = float_lower(err)
        if low >= 0:
            out.append(EpsCase(low, Fraction(low), "float=lower(E)"))
        short = repr(near)
        if "e" not in short.lower() or abs(int(short.lower().split("e")[1])) <= 300:
            out.append(EpsCase(short, Fraction(short), "str=repr(float(E))"))
            out.append(EpsCase(Decimal(short), Fraction(short), "decimal=repr(float(E))"))
        for digits in (17, 3):
            s = f"{near:.{digits}g}"
            if "inf" not in s and "nan" not in s:
                out.append(EpsCase(s, Fraction(s), f"str={digits}g"))
    dec = exact_decimal(err)
    if dec is not None and significant_digits(dec) <= 700 and len(dec) <= 1500:
        if len(dec) <= 400:  # symlogic documents a length limit on bound strings (not on Decimals)
            out.append(EpsCase(dec, err, "str=exact decimal"))
        out.append(EpsCase(Decimal(dec), err, "decimal=exact"))
    if err.denominator == 1:
        out.append(EpsCase(int(err), err, "int=E"))
    for case in out:  # every label's exact value is what the documented reading gives
        assert to_exact(case.value) == case.exact, case
    return out


def _number_text(x: Fraction, rng: random.Random) -> tuple[str, Fraction]:
    """Text for a claim threshold near ``x`` and the exact value that text denotes: the exact
    decimal, a p/q ratio, or the short repr of the nearest float (which denotes a decimal)."""
    style = rng.random()
    dec = exact_decimal(x)
    if style < 0.45 and dec is not None and significant_digits(dec) <= 700 and _magnitude_ok(x):
        return dec, x
    if style < 0.7 and x.denominator == 1 and len(str(abs(x.numerator))) <= 700:
        return str(x.numerator), x
    if style < 0.7 and len(str(abs(x.numerator))) <= 380 and len(str(x.denominator)) <= 380:
        return f"{x.numerator}/{x.denominator}", x  # each part a number the grammar reads (< 1e400)
    f = float_nearest(x)
    if not math.isfinite(f):
        f = math.copysign(MAX_FLOAT, f)
    text = repr(f)
    return text, Fraction(text)


def _magnitude_ok(x: Fraction) -> bool:
    """Numbers the claim grammar documents as readable: 0, or magnitude within 1e-400 … 1e400."""
    if x == 0:
        return True
    a = abs(x)
    return Fraction(1, 10**390) < a < 10**390


def _threshold_near(anchor: Fraction, rng: random.Random) -> tuple[str, Fraction]:
    """A threshold text at the anchor, one float ulp or 2^-1100 to either side, or a short decimal."""
    r = rng.random()
    f = float_nearest(anchor)
    if not math.isfinite(f):
        f = math.copysign(MAX_FLOAT, f)
    if r < 0.3:
        x = anchor
    elif r < 0.55:
        x = Fraction(ulps(f, rng.choice((-1, 1))))
    elif r < 0.7:
        x = anchor + rng.choice((-1, 1)) * Fraction(1, 2**1100)
    elif r < 0.85:
        x = Fraction(f)
    else:
        text = f"{f:.{rng.choice((1, 2, 17))}g}"
        return text, Fraction(text)
    return _number_text(x, rng)


def random_condition(rng: random.Random, n: int, avoid: int | None = None, depth: int = 0) -> Cond:
    allowed = [i for i in range(n) if i != avoid]
    r = rng.random()
    if not allowed or r < 0.25:
        return ("true",)
    if depth >= 2 or r < 0.6:
        return (rng.choice(("present", "absent")), rng.choice(allowed))
    if r < 0.7:
        return ("not", random_condition(rng, n, avoid, depth + 1))
    parts = tuple(random_condition(rng, n, avoid, depth + 1) for _ in range(rng.randint(2, 3)))
    return (rng.choice(("and", "or")), parts)


def random_claim(rng: random.Random, table: list[Fraction], kinds: tuple[str, ...] = ("output", "no_effect",
                 "interaction", "max_order")) -> OClaim:
    """A claim whose threshold sits on, or one step beside, the value that decides it."""
    n = len(table).bit_length() - 1
    kind = rng.choice(kinds)
    if kind in ("no_effect",) and n == 0:
        kind = "output"
    if kind == "output":
        cond = random_condition(rng, n)
        op = rng.choice(OPS)
        admitted = [t for t in range(len(table)) if cond_holds(cond, t)] or [0]
        anchor = (min if op in (">=", ">") else max)(table[t] for t in admitted)
        if rng.random() < 0.2:
            anchor = table[rng.choice(admitted)]
        text, value = _threshold_near(anchor, rng)
        return OClaim("output", cond, op, value, text)
    if kind == "no_effect":
        var = rng.randrange(n)
        cond = random_condition(rng, n, avoid=var)
        probe = claim_truth(OClaim("no_effect", cond, value=Fraction(0), var=var), table)
        anchor = probe.value if probe.value is not None else Fraction(0)
        text, value = _threshold_near(anchor, rng)
        if value < 0:
            text, value = "0", Fraction(0)
        return OClaim("no_effect", cond, value=value, number=text, var=var)
    if kind == "interaction" and n > 0:
        k = rng.randint(1, n)
        vs = tuple(sorted(rng.sample(range(n), k)))
        anchor = interaction(table, sum(1 << i for i in vs))
        op = rng.choice(OPS)
        text, value = _threshold_near(anchor, rng)
        return OClaim("interaction", op=op, value=value, number=text, vars=vs)
    return OClaim("max_order", k=rng.randint(0, max(n, 0)))


# =============================================================================================
# 5. judges
# =============================================================================================


@dataclass
class Problem:
    """One discrepancy between symlogic and the oracle; ``kind`` is what the counters count."""

    kind: str  # false_hold | false_fail | bad_counterexample | wrong_value | unknown | escaped
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


def judge_verdict(verdict: Any, model: ExactModel, values: list[Fraction], eps: Fraction | None) -> list[Problem]:
    """Compare a Verdict with the oracle. ``eps`` is the exact bound asked for (None: tightest).

    Checks: holds == (max error ≤ ε); the exact max error, its float upper bound and its mask;
    the exact violation count; a reported counterexample violates ε exactly and states its error
    exactly; a failing verdict with a real violation names one.
    """
    out: list[Problem] = []
    prof = error_profile(model, values)
    E = prof.max_error
    if eps is None:
        used = Fraction(verdict.epsilon) if math.isfinite(verdict.epsilon) else None
        if not verdict.holds:
            out.append(Problem("false_fail", f"the tightest ε does not hold (max error {E})"))
        if used is not None and used < E:
            out.append(Problem("false_hold", f"tightest ε {verdict.epsilon!r} is below the max error {E}"))
        eps_used = used
    else:
        truth = E <= eps
        if verdict.holds and not truth:
            out.append(Problem("false_hold", f"holds at ε = {eps} but max error = {E} (> ε by {E - eps})"))
        if not verdict.holds and truth:
            out.append(Problem("false_fail", f"fails at ε = {eps} but max error = {E} ≤ ε "
                                             f"(engines {getattr(verdict, 'engines', None)})"))
        eps_used = eps
        shown = getattr(verdict, "epsilon", None)
        if isinstance(shown, float) and math.isfinite(shown) and Fraction(shown) < eps:
            out.append(Problem("wrong_value", f"verdict.epsilon {shown!r} is below the bound checked {eps}"))
    try:
        stated = parse_pq(verdict.max_error_exact)
    except (ValueError, ZeroDivisionError):
        stated = None
    if stated != E:
        out.append(Problem("wrong_value", f"max_error_exact {verdict.max_error_exact!r} ≠ {E}"))
    if verdict.max_error != float_upper(E):
        out.append(Problem("wrong_value", f"max_error {verdict.max_error!r} is not the smallest float ≥ {E}"))
    if verdict.max_error_mask not in prof.argmax:
        out.append(Problem("wrong_value", f"max_error_mask {verdict.max_error_mask} does not reach the max error"))
    if eps_used is not None:
        count = prof.count_above(eps_used)
        if verdict.violations != count:
            out.append(Problem("wrong_value", f"violations = {verdict.violations}, exact count {count}"))
        cex = verdict.counterexample
        if cex is not None:
            m = cex.get("mask")
            if not isinstance(m, int) or not 0 <= m < len(values) or prof.errors[m] <= eps_used:
                out.append(Problem("bad_counterexample", f"counterexample mask {m} does not violate ε = {eps_used}"))
            elif parse_pq(cex.get("error_exact", "0")) != prof.errors[m]:
                out.append(Problem("bad_counterexample", f"counterexample error {cex.get('error_exact')} ≠ {prof.errors[m]}"))
        if verdict.holds and cex is not None:
            out.append(Problem("bad_counterexample", "a verdict that holds names a counterexample"))
        if not verdict.holds and count > 0 and cex is None:
            out.append(Problem("bad_counterexample", f"{count} masks violate but no counterexample is given"))
    return out


def judge_claim(result: Any, truth: Truth, table: list[Fraction], claim: OClaim, *, subject: str,
                decided: bool = True) -> list[Problem]:
    """Compare a ClaimResult with the oracle's truth.

    ``decided``: the route must decide (record route: exhaustive and exact, so "unknown" or
    "undecided" is itself a problem). A failing result must name the documented minimal
    counterexample, and that mask must really violate.
    """
    out: list[Problem] = []
    status = getattr(result, "status", None)
    if result.holds != (status == "holds"):
        out.append(Problem("wrong_value", f"holds = {result.holds} but status = {status!r}"))
    if result.holds and not truth.holds:
        out.append(Problem("false_hold", f"{subject}: holds, but mask {truth.cex} violates it"))
        return out
    if status == "fails" and truth.holds:
        out.append(Problem("false_fail", f"{subject}: fails, but the claim holds on every mask"))
        return out
    if status not in ("holds", "fails"):
        if decided:
            out.append(Problem("unknown", f"{subject}: status {status!r} on a route that must decide"))
        return out
    if status == "holds" and not truth.holds:
        out.append(Problem("false_hold", f"{subject}: status holds but mask {truth.cex} violates"))
    if status == "fails":
        cex = result.counterexample or {}
        m = cex.get("mask")
        if m not in truth.violating:
            out.append(Problem("bad_counterexample", f"{subject}: counterexample mask {m} does not violate the claim"))
        elif m != truth.cex:
            out.append(Problem("bad_counterexample", f"{subject}: counterexample {m} is not the documented minimal one {truth.cex}"))
        elif claim.kind == "output" and "output_exact" in cex and parse_pq(cex["output_exact"]) != table[m]:
            out.append(Problem("bad_counterexample", f"{subject}: counterexample output {cex['output_exact']} ≠ {table[m]}"))
    return out


def judge_network_claim(result: Any, record_truth: Truth, *, record_given: bool) -> list[Problem]:
    """A claim about the network via the model and a proven ε: "holds" must be true of the record;
    "fails" must be false of it with a counterexample that violates on the record; with the record
    at hand the status must be decided."""
    out: list[Problem] = []
    status = result.status
    if status == "holds" and not record_truth.holds:
        out.append(Problem("false_hold", f"network claim holds but the record violates it at mask {record_truth.cex}"))
    if status == "fails":
        m = (result.counterexample or {}).get("mask")
        if record_truth.holds:
            out.append(Problem("false_fail", "network claim fails but the record satisfies it"))
        elif m not in record_truth.violating:
            out.append(Problem("bad_counterexample", f"network counterexample {m} does not violate on the record"))
    if record_given and status not in ("holds", "fails"):
        out.append(Problem("unknown", f"with record= the status must be decided, got {status!r}"))
    return out


# ---- record cases: one random table and model, judged end to end --------------------------


def eps_source(eps: Any) -> str:
    """Python source that rebuilds ``eps`` exactly (for reproducers)."""
    if isinstance(eps, bool):
        return repr(eps)
    if isinstance(eps, Fraction):
        return f"Fraction({eps.numerator}, {eps.denominator})"
    if isinstance(eps, Decimal):
        return f"Decimal({str(eps)!r})"
    if isinstance(eps, float):
        return f"float.fromhex({eps.hex()!r})"
    return repr(eps)


@dataclass(frozen=True)
class RecordCase:
    """A table of floats, its variable names and a model spec: one adversarial verification problem."""

    names: tuple[str, ...]
    spec: ModelSpec
    values: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.names)

    def record(self) -> Any:
        import symlogic as sl

        return sl.Record.from_table(list(self.values), names=list(self.names))

    def model(self) -> Any:
        return self.spec.build()

    def exact_model(self) -> ExactModel:
        """The oracle's model, built from the spec (not from symlogic's LogicModel)."""
        index = {x: i for i, x in enumerate(self.names)}
        terms = [("bias", 0, Fraction(self.spec.bias))]
        for kind, vs, c in self.spec.terms:
            terms.append((kind, sum(1 << index[x] for x in vs), Fraction(c)))
        return ExactModel(self.n, tuple(terms))

    def exact_values(self) -> list[Fraction]:
        return [Fraction(x) for x in self.values]

    def source(self) -> str:
        """Python source that rebuilds the record ``rec`` and the model ``lm`` bit for bit."""
        terms = ", ".join(f"({k!r}, {list(v)!r}, float.fromhex({c.hex()!r}))" for k, v, c in self.spec.terms)
        vals = ", ".join(f"float.fromhex({x.hex()!r})" for x in self.values)
        return (
            "import symlogic as sl\nfrom fractions import Fraction\nfrom decimal import Decimal\n"
            f"rec = sl.Record.from_table([{vals}], names={list(self.names)!r})\n"
            f"lm = sl.LogicModel.from_terms({list(self.names)!r}, float.fromhex({self.spec.bias.hex()!r}), [{terms}])\n"
        )


def random_record_case(rng: random.Random, max_n: int = 5) -> RecordCase:
    """n in 0 … max_n (mostly 1 … 4), awkward names sometimes, mild or extreme magnitudes, and a
    table that sits on, beside (±ulps) or a decimal away from the model's exact values."""
    n = rng.choice([0] + [1, 2, 3, 4] * 3 + list(range(1, max_n + 1)))
    n = min(n, max_n)
    names = random_names(rng, n)
    scale = "mild" if rng.random() < 0.6 else "mixed"
    spec = random_model(rng, names, scale)
    case = RecordCase(tuple(names), spec, ())
    values = random_table(rng, n, case.exact_model() if rng.random() < 0.8 else None, scale)
    return RecordCase(tuple(names), spec, tuple(values))


@dataclass
class Finding:
    """A problem with the code that reproduces it."""

    problem: Problem
    reproducer: str

    def __str__(self) -> str:
        return f"{self.problem}\n--- reproducer ---\n{self.reproducer}"


def model_matches_spec(case: RecordCase, lm: Any) -> list[Finding]:
    """LogicModel.from_terms must hold exactly the spec's terms (no duplicates in the spec, so no merging)."""
    want = {(k, m, c) for k, m, c in case.exact_model().terms if c != 0 or k == "bias"}
    have = {(k, m, c) for k, m, c in ExactModel.from_logic_model(lm).terms if c != 0 or k == "bias"}
    want = {t for t in want if not (t[0] == "bias" and t[2] == 0)}
    have = {t for t in have if not (t[0] == "bias" and t[2] == 0)}
    if want == have:
        return []
    return [Finding(Problem("wrong_value", f"LogicModel terms {sorted(have)} ≠ spec {sorted(want)}"), case.source())]


def model_exceeds_float(model: ExactModel, values: list[Fraction]) -> bool:
    """Is the exact max error beyond the largest float (so no float ε can bound it)?"""
    return error_profile(model, values).max_error > Fraction(MAX_FLOAT)


def check_verify(case: RecordCase, eps_cases: list[EpsCase], *, include_tightest: bool = True,
                 timeout: float = 60.0) -> tuple[int, list[Finding]]:
    """Run verify for every ε (and the tightest), judge each verdict; returns (calls, findings)."""
    from symlogic import verify
    from symlogic.errors import SymlogicError

    lm, rec = case.model(), case.record()
    model, values = case.exact_model(), case.exact_values()
    findings = model_matches_spec(case, lm)
    calls = 0
    todo: list[EpsCase | None] = list(eps_cases) + ([None] if include_tightest else [])
    for ec in todo:
        calls += 1
        call = "sl.verify(lm, rec)" if ec is None else f"sl.verify(lm, rec, {eps_source(ec.value)})"
        try:
            verdict = verify(lm, rec, None if ec is None else ec.value, time_limit=timeout)
        except SymlogicError as exc:
            if ec is None and model_exceeds_float(model, values):
                continue  # the tightest bound is beyond every float: refusing to name one is fair
            findings.append(Finding(Problem("refused", f"{call} [{ec.label if ec else 'tightest'}] raised "
                                                       f"{type(exc).__name__}: {str(exc)[:200]}"), case.source() + call))
            continue
        except Exception as exc:  # noqa: BLE001 - an escaped exception is a finding
            findings.append(Finding(Problem("escaped", f"{call} raised {type(exc).__name__}: {exc}"), case.source() + call))
            continue
        for p in judge_verdict(verdict, model, values, None if ec is None else ec.exact):
            p.message = f"[ε {ec.label if ec else 'tightest'}] {p.message}"
            findings.append(Finding(p, case.source() + f"v = {call}\nprint(v.holds, v.max_error_exact)"))
    return calls, findings


def check_record_claims(case: RecordCase, claims: list[OClaim]) -> tuple[int, list[Finding]]:
    """check(claim, rec) for each claim, judged against the oracle on the recorded table."""
    from symlogic.claims import check
    from symlogic.errors import SymlogicError

    rec, table = case.record(), case.exact_values()
    findings: list[Finding] = []
    for c in claims:
        text = c.text(list(case.names))
        call = f"sl.check({text!r}, rec)"
        try:
            res = check(text, rec)
        except SymlogicError as exc:
            findings.append(Finding(Problem("refused", f"{call}: {type(exc).__name__}: {str(exc)[:200]}"), case.source() + call))
            continue
        except Exception as exc:  # noqa: BLE001
            findings.append(Finding(Problem("escaped", f"{call}: {type(exc).__name__}: {exc}"), case.source() + call))
            continue
        for p in judge_claim(res, claim_truth(c, table), table, c, subject=text, decided=True):
            findings.append(Finding(p, case.source() + f"r = {call}\nprint(r.status, r.counterexample)"))
    return len(claims), findings


def check_model_claims(case: RecordCase, claims: list[OClaim], timeout: float = 20.0) -> tuple[int, list[Finding]]:
    """check(claim, lm) about f itself (Z3 + enumeration), judged against the oracle on f."""
    from symlogic.claims import check
    from symlogic.errors import SymlogicError

    lm, model = case.model(), case.exact_model()
    findings: list[Finding] = []
    for c in claims:
        text = c.text(list(case.names))
        call = f"sl.check({text!r}, lm)"
        try:
            res = check(text, lm, time_limit=timeout)
        except SymlogicError as exc:
            findings.append(Finding(Problem("refused", f"{call}: {type(exc).__name__}: {str(exc)[:200]}"), case.source() + call))
            continue
        except Exception as exc:  # noqa: BLE001
            findings.append(Finding(Problem("escaped", f"{call}: {type(exc).__name__}: {exc}"), case.source() + call))
            continue
        truth = model_claim_truth(c, model)
        for p in judge_claim(res, truth, model.table(), c, subject=f"model: {text}", decided=False):
            findings.append(Finding(p, case.source() + f"r = {call}\nprint(r.status, r.counterexample)"))
    return len(claims), findings


def check_network_claims(case: RecordCase, claims: list[OClaim], timeout: float = 20.0) -> tuple[int, list[Finding]]:
    """Claims about the network through the model and a proven ε: with the verdict of
    verify(lm, rec), and with the exact max error as a Fraction; with and without record=."""
    from symlogic import verify
    from symlogic.claims import check
    from symlogic.errors import SymlogicError

    lm, rec, table = case.model(), case.record(), case.exact_values()
    findings: list[Finding] = []
    calls = 0
    try:
        verdict = verify(lm, rec, time_limit=60.0)
    except Exception:  # noqa: BLE001 - verify's own failures are judged by check_verify
        return 0, []
    if not verdict.holds:
        return 0, []
    E = error_profile(case.exact_model(), table).max_error
    for c in claims:
        text = c.text(list(case.names))
        truth = claim_truth(c, table)
        for eps, eps_src in ((verdict, "sl.verify(lm, rec)"), (E, eps_source(E))):
            for with_record in (False, True):
                calls += 1
                extra = ", record=rec" if with_record else ""
                call = f"sl.check({text!r}, lm, epsilon={eps_src}{extra})"
                try:
                    res = check(text, lm, epsilon=eps, record=rec if with_record else None, time_limit=timeout)
                except SymlogicError as exc:
                    findings.append(Finding(Problem("refused", f"{call}: {type(exc).__name__}: {str(exc)[:200]}"),
                                            case.source() + call))
                    continue
                except Exception as exc:  # noqa: BLE001
                    findings.append(Finding(Problem("escaped", f"{call}: {type(exc).__name__}: {exc}"), case.source() + call))
                    continue
                for p in judge_network_claim(res, truth, record_given=with_record):
                    p.message = f"{call}: {p.message}"
                    findings.append(Finding(p, case.source() + f"r = {call}\nprint(r.status, r.route)"))
    return calls, findings


# =============================================================================================
# 6. evidence bundles
# =============================================================================================

def npy_bytes(values: list[float]) -> bytes:
    """A one-dimensional float64 .npy (numpy is used for the file format only)."""
    import numpy as np

    buf = io.BytesIO()
    np.save(buf, np.asarray(values, dtype=np.float64), allow_pickle=False)
    return buf.getvalue()


def npy_floats(data: bytes) -> list[float]:
    import numpy as np

    return np.load(io.BytesIO(data), allow_pickle=False).astype(np.float64).tolist()


def values_sha256(values: list[float]) -> str:
    """Record.fingerprint recomputed without numpy: SHA-256 of the little-endian float64 bytes."""
    return hashlib.sha256(struct.pack(f"<{len(values)}d", *values)).hexdigest()


@dataclass
class BundleCase:
    """An honest bundle: its manifest, its members (raw bytes) and the AST of every claim text."""

    name: str
    manifest: dict[str, Any]
    members: dict[str, bytes]
    claims: dict[str, OClaim]
    n: int

    def arrays(self) -> dict[str, list[float]]:
        return {k.removesuffix(".npy"): npy_floats(v) for k, v in self.members.items()}


def write_bundle(path: str, manifest: Any, members: dict[str, bytes]) -> None:
    """Write a zip as symlogic does (manifest first); the manifest is dumped as given, NaN included.
    Members are stored uncompressed (the loader accepts both; this is only faster)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, indent=1, allow_nan=True))
        for name, data in members.items():
            zf.writestr(name, data)


def read_bundle(path: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        members = {n: zf.read(n) for n in zf.namelist() if n != "manifest.json"}
    return manifest, members


def _structured_record(n: int, rng: random.Random, scale: float) -> list[float]:
    """An AND-OR table with a little non-dyadic noise (so extraction has something to find)."""
    out = []
    for t in range(1 << n):
        b = [(t >> i) & 1 for i in range(n)]
        x = 1.5 * b[0] * b[1 % n] + 0.8 * max(b[min(2, n - 1)], b[n - 1]) - 0.3 * b[0]
        out.append(scale * (x + round(rng.uniform(-0.01, 0.01), 3)))
    return out


def build_bundle_cases(directory: str, seed: int = 0, count: int = 4) -> list[BundleCase]:
    """Honest bundles of n = 3 … 5 variables: exact extraction (one with a tolerance too tight
    for the solver, so its status is not "optimal"), a logic model, record claims that hold and
    that fail of every kind, and a claim on the model carried to the network."""
    import symlogic as sl

    rng = random.Random(seed)
    cases = []
    for j in range(count):
        n = 3 + j % 3
        names = random_names(rng, n) if j % 2 else [f"f{i}" for i in range(n)]
        scale = (1.0, 1e-3, 1e3, 0.1)[j % 4]
        rec = sl.Record.from_table(_structured_record(n, rng, scale), names=names, output="log-odds", baseline="zero")
        tight = j % 4 == 2
        ex = sl.extract(rec, method="exact", tol=1e-15 if tight else 1e-6, time_limit=30)
        lm = ex.logic_model(tau=0.1)
        table = exact_table(rec.values)
        asts: dict[str, OClaim] = {}
        texts: list[Any] = []
        for kind in ("output", "output", "no_effect", "interaction", "max_order"):
            for want in (True, False):
                for _ in range(40):
                    c = random_claim(rng, table, (kind,))
                    if claim_truth(c, table).holds == want:
                        break
                t = c.text(names)
                if t not in asts:
                    asts[t] = c
                    texts.append(t)
        if j == 0:  # a claim on the model carried to the network (Z3: slow, so in one bundle only)
            model_claim = OClaim("output", ("true",), "<=", Fraction(1000), "1000")
            asts[model_claim.text(names)] = model_claim
            texts.append((model_claim.text(names), "model"))
        ev = sl.evidence(lm, rec, ex, claims=texts)
        path = os.path.join(directory, f"honest{j}.zip")
        ev.save(path)
        manifest, members = read_bundle(path)
        cases.append(BundleCase(f"n{n}-case{j}{'-tight' if tight else ''}", manifest, members, asts, n))
    return cases


# ---- field classification -------------------------------------------------------------------

#: Fields whose change states nothing false about the data, the model or any result, and why.
COSMETIC_FIELDS: dict[str, str] = {
    "created": "when the file was written: a fact about the file, not about the data or a result",
    "symlogic_version": "which release wrote it: informational (format_version, which is checked, says how to read it)",
    "verdict.seconds": "wall-clock timing: differs on every run, no re-check can reproduce it",
    "verdict.engine_seconds.*": "wall-clock timing per engine",
    "claims[].seconds": "wall-clock timing of a claim check",
    "claims[].engines[].seconds": "wall-clock timing of one engine",
    "extraction.settings.seconds": "wall-clock timing of the solver",
    "logic_model.terms (order)": "a model is a sum: its term order is canonicalised on load and carries no meaning",
    "claims (order)": "a list of independent claims: their order carries no meaning",
    "sets written as lists (order)": "terms[].variables, claims[].engines, verdict.support, counterexample "
                                     "present/absent: sets or independent reports, whose order says nothing",
    "* (unknown key added)": "a key the format does not define is ignored by every reader and states nothing",
}

#: Fields a bundle states but cannot prove: the re-check recomputes results from the bundle's own
#: data and the hashes do not authenticate the writer, so provenance is only as good as its writer.
#: Changes here are counted separately (``accepted_provenance``), not as lies.
PROVENANCE_FIELDS: dict[str, str] = {
    "record.output": "how the scalar was defined by the network's owner",
    "record.baseline": "what replaced masked inputs",
    "record.model_fingerprint": "which network made the table (the network is not in the bundle)",
    "record.input_fingerprint": "which input made the table (the input is not in the bundle)",
    "record.meta.*": "recording details (batch size, device, …)",
    "extraction.settings.iterations": "solver log: iterations (re-running the solver is not a re-check)",
    "extraction.settings.rounds": "solver log: generation rounds",
    "extraction.settings.solver": "solver log: which route produced the split",
    "extraction.settings.support": "solver log: the support size before singletons were folded",
    "extraction.settings.tie_break": "solver log: which tie-break picked the split among the optimal ones "
                                     "(docs/theory.md §3.7); the split itself is re-checked whatever it says",
    "extraction.settings.kappa": "solver log: the tie-break's slack κ; the certified gap, which is re-checked, "
                                 "already includes whatever it cost",
    "extraction.method": "which algorithm produced the split; the certificate, when present, is checked "
                         "whatever the method says",
    "extraction.settings.status": "judged by the oracle: 'optimal' must be backed by gap ≤ tol·scale (documented "
                                  "in symlogic.extraction.certified); another status says less, not something false",
    "extraction.settings.tol": "the solver's setting; the oracle checks the status 'optimal' against it, so a "
                               "changed tolerance counts as a lie exactly when it makes that status false",
    "logic_model.meta.*": "how the model was cut from the extraction (source, τ, top_k, refit); the oracle "
                          "checks that the model is the salient set at the stated τ, so a changed τ counts "
                          "as a lie exactly when the model is not that set",
    "names (consistent rename)": "renaming a variable everywhere changes which input feature a bit is "
                                 "called; only the network's owner can know the true names",
}


def path_key(path: tuple[Any, ...]) -> str:
    """A path with list indices folded to ``[]``: ("claims", 3, "seconds") → "claims[].seconds"."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += "[]"
        else:
            out += ("." if out else "") + str(p)
    return out


#: Lists whose order carries no meaning (sums, sets, independent reports): reordering is cosmetic.
_UNORDERED = ("logic_model.terms", "logic_model.terms[].variables", "claims", "claims[].engines", "verdict.support")


def classify(path: tuple[Any, ...], op: str) -> str:
    """"cosmetic", "provenance", "omission" or "semantic" for a change ``op`` at ``path``.

    ``op`` is "set" (a leaf changed), "drop" (a key or list item removed), "add" (unknown key),
    "reorder", "dup" (a list item repeated) or "rename" (a consistent rename). Dropping a claim or
    an optional key makes the bundle say less, not something false: "omission" (counted apart).
    Everything not listed as cosmetic or provenance is semantic.
    """
    key = path_key(path)
    if op == "add":
        return "cosmetic"
    if op == "rename":
        return "provenance"
    if op == "reorder" and (key in _UNORDERED or key.rsplit(".", 1)[-1] in ("present", "absent")):
        return "cosmetic"
    if op == "dup" and key == "claims":
        return "omission"
    for pattern in COSMETIC_FIELDS:
        if _match(pattern, key):
            return "cosmetic"
    for pattern in PROVENANCE_FIELDS:
        if _match(pattern, key):
            return "provenance"
    if op == "drop":
        return "omission"
    return "semantic"


def _match(pattern: str, key: str) -> bool:
    if " (" in pattern:
        return False
    if pattern.endswith(".*"):
        return key == pattern[:-2] or key.startswith(pattern[:-1])
    return key == pattern


# ---- mutations ------------------------------------------------------------------------------


@dataclass
class Mutation:
    """One change to an honest bundle.

    ``kind``: "value" (same JSON type, different meaning), "type" (another JSON type: a robustness
    probe), "claim" (a claim text rewritten: a lie only when the oracle finds the stored result
    false for the new text, e.g. not when the new claim is vacuous too), or "array" (a member array
    rewritten, re-hashed: a lie only when the oracle finds a false statement). ``apply`` returns the new manifest
    and members; ``claims`` replaces the claim ASTs when a claim text was rewritten.
    """

    label: str
    path: tuple[Any, ...]
    op: str
    kind: str
    klass: str
    apply: Callable[[dict[str, Any], dict[str, bytes]], tuple[Any, dict[str, bytes]]]
    claims: dict[str, OClaim] | None = None
    value: Any = None  # the new value of a "set", for reports and filters


def _get(obj: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        obj = obj[p]
    return obj


def _setter(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any], dict[str, bytes]], tuple[Any, dict[str, bytes]]]:
    def apply(man: dict[str, Any], members: dict[str, bytes]) -> tuple[Any, dict[str, bytes]]:
        man = copy.deepcopy(man)
        parent = _get(man, path[:-1])
        parent[path[-1]] = copy.deepcopy(value)
        return man, members
    return apply


def _dropper(path: tuple[Any, ...]) -> Callable[[dict[str, Any], dict[str, bytes]], tuple[Any, dict[str, bytes]]]:
    def apply(man: dict[str, Any], members: dict[str, bytes]) -> tuple[Any, dict[str, bytes]]:
        man = copy.deepcopy(man)
        parent = _get(man, path[:-1])
        del parent[path[-1]]
        return man, members
    return apply


def _leaves(obj: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every node of the JSON tree with its path (containers too, before their children)."""
    yield path, obj
    if isinstance(obj, dict):
        for k in list(obj):
            yield from _leaves(obj[k], path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _leaves(v, path + (i,))


_HEX_FLOAT = re.compile(r"^-?0x[0-9a-f]\.[0-9a-f]*p[+-]\d+$")
_PQ = re.compile(r"^-?\d+/\d+$")
_SHA = re.compile(r"^[0-9a-f]{64}$")
_STATUS_SWAP = {"holds": "fails", "fails": "holds", "undecided": "holds", "unknown": "holds", "unsat": "sat",
                "sat": "unsat", "optimal": "not_converged", "not_converged": "optimal", "time_limit": "optimal",
                "round_limit": "optimal", "and": "or", "or": "and", "record": "model", "model": "record",
                "exact": "reference", "reference": "exact"}


def _same(a: Any, b: Any) -> bool:
    """JSON equality that tells 1 from True and NaN from everything (a change must change the value)."""
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _value_variants(value: Any, path: tuple[Any, ...], names: list[str]) -> list[Any]:
    """Same-type changes of a leaf: ±1, ±ulp, ×2, sign, 0, NaN/inf for numbers; flipped bools;
    status words swapped, p/q and hex numbers nudged, hashes flipped, other variable names."""
    out: list[Any] = []
    if isinstance(value, bool):
        out = [not value]
    elif isinstance(value, int):
        out = [value + 1, value - 1, -value, 0, 1, 2 * value + 1]
    elif isinstance(value, float):
        out = [math.nextafter(value, math.inf), math.nextafter(value, -math.inf), value * 2, -value, 0.0,
               value + 1.0, 0.1, math.nan, math.inf]
    elif isinstance(value, str):
        if value in _STATUS_SWAP:
            out.append(_STATUS_SWAP[value])
        if _PQ.match(value):
            p, q = value.split("/")
            out += [f"{int(p) + 1}/{q}", f"{p}/{int(q) * 2}", f"{-int(p)}/{q}"]
        if _HEX_FLOAT.match(value):
            x = float.fromhex(value)
            out += [math.nextafter(x, math.inf).hex(), (-x).hex() if x else (1.0).hex()]
        if _SHA.match(value):
            out.append(value[:-1] + ("0" if value[-1] != "0" else "1"))
        if value in names:
            out += [x for x in names if x != value][:2]
        out += [value + " (edited)", re.sub(r"\d", lambda m: str((int(m.group()) + 1) % 10), value, count=1), ""]
    elif value is None:
        out = [0.0, "", 1]
    return [v for v in out if not _same(v, value)]


def _type_variants(value: Any) -> list[Any]:
    """Values of another JSON type (robustness: the loader must answer with a SymlogicError)."""
    if isinstance(value, bool):
        return [1, "true", None]
    if isinstance(value, (int, float)):
        return [str(value), None, [value], True]
    if isinstance(value, str):
        return [0, None, [value], {"x": value}]
    if isinstance(value, list):
        return [{}, "x", None, 0]
    if isinstance(value, dict):
        return [[], "x", None, 0]
    if value is None:
        return [[], {}]
    return []


def _claim_text_variants(claim: OClaim, names: list[str], n: int, rng: random.Random) -> list[tuple[str, OClaim, bool]]:
    """Rewrites of a claim: (text, AST, changes the meaning?). Thresholds moved by one ulp or
    2^-1100, operators flipped, strict/non-strict swapped, variables swapped, and one rewrite with
    the same meaning (another spelling of the number) that must not count as a change."""
    out: list[tuple[str, OClaim, bool]] = []
    if claim.kind in ("output", "no_effect", "interaction"):
        f = float_nearest(claim.value)
        cands = []
        if math.isfinite(f):
            cands += [Fraction(ulps(f, 1)), Fraction(ulps(f, -1))]
        cands += [claim.value + Fraction(1, 2**1100), claim.value - Fraction(1, 2**1100)]
        for x in cands:
            if claim.kind == "no_effect" and x < 0:
                continue
            text, val = _number_text(x, rng)
            new = OClaim(claim.kind, claim.cond, claim.op, val, text, claim.var, claim.vars, claim.k)
            out.append((new.text(names), new, val != claim.value))
        same_text = f"{claim.value.numerator}/{claim.value.denominator}"
        if len(str(abs(claim.value.numerator))) <= 380 and len(str(claim.value.denominator)) <= 380 \
                and same_text != claim.number:
            new = OClaim(claim.kind, claim.cond, claim.op, claim.value, same_text, claim.var, claim.vars, claim.k)
            out.append((new.text(names), new, False))
    if claim.kind in ("output", "interaction"):
        flip = {">=": ">", ">": ">=", "<=": "<", "<": "<="}
        for op in (flip[claim.op], {">=": "<=", "<=": ">=", ">": "<", "<": ">"}[claim.op]):
            new = OClaim(claim.kind, claim.cond, op, claim.value, claim.number, claim.var, claim.vars, claim.k)
            out.append((new.text(names), new, True))
    if claim.kind == "no_effect" and n > 1:
        other = (claim.var + 1) % n
        if other not in cond_vars(claim.cond):
            new = OClaim("no_effect", claim.cond, claim.op, claim.value, claim.number, other)
            out.append((new.text(names), new, True))
    if claim.kind == "max_order":
        for k in (claim.k + 1, claim.k - 1):
            if k >= 0:
                out.append((OClaim("max_order", k=k).text(names), OClaim("max_order", k=k), True))
    if claim.kind == "interaction" and n > len(claim.vars):
        extra = next(i for i in range(n) if i not in claim.vars)
        new = OClaim("interaction", op=claim.op, value=claim.value, number=claim.number,
                     vars=tuple(sorted(claim.vars + (extra,))))
        out.append((new.text(names), new, True))
    if claim.kind in ("output", "no_effect") and claim.cond != ("true",):
        new = OClaim(claim.kind, ("not", claim.cond), claim.op, claim.value, claim.number, claim.var)
        out.append((new.text(names), new, True))
    return out


def _rehash_arrays(man: dict[str, Any], members: dict[str, bytes], arrays: dict[str, list[float] | None]) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Replace member arrays and every hash that covers them (member SHA-256, values_sha256)."""
    man = copy.deepcopy(man)
    members = dict(members)
    for key, arr in arrays.items():
        name = f"{key}.npy"
        if arr is None:
            members.pop(name, None)
            man["members"].pop(name, None)
            continue
        members[name] = npy_bytes(arr)
        man["members"][name] = hashlib.sha256(members[name]).hexdigest()
        if key == "values":
            man["record"]["values_sha256"] = values_sha256(arr)
    return man, members


def manifest_mutations(case: BundleCase, rng: random.Random) -> list[Mutation]:
    """Every manifest node changed one at a time (values and types), plus targeted changes:
    swapped variable names in terms[].variables, a consistent rename, claim texts rewritten,
    claims dropped, duplicated and reordered, unknown keys added."""
    man = case.manifest
    names = list(man["record"]["names"])
    out: list[Mutation] = []
    for path, value in _leaves(man):
        if not path:
            continue
        key = path_key(path)
        if key == "members" or key.startswith("members."):
            continue  # hashes are tampering, covered by the loader's own tests; arrays are re-hashed below
        if len(path) == 3 and path[0] == "claims" and path[2] == "claim":
            c = case.claims.get(value)
            if c is not None:
                for text, ast, changed in _claim_text_variants(c, names, case.n, rng):
                    if text == value:
                        continue
                    claims = dict(case.claims)
                    claims[text] = ast
                    out.append(Mutation(f"{key} := {text!r}", path, "set", "claim",
                                        "semantic" if changed else "cosmetic", _setter(path, text), claims))
            continue
        if isinstance(value, dict):
            for k in list(value):
                out.append(Mutation(f"drop {key}.{k}", path + (k,), "drop", "value", classify(path + (k,), "drop"),
                                    _dropper(path + (k,))))
            out.append(Mutation(f"add {key}.zz_unknown", path + ("zz_unknown",), "add", "value", "cosmetic",
                                _setter(path + ("zz_unknown",), 1)))
        elif isinstance(value, list) and value:
            if key == "claims":
                for i in range(len(value)):
                    out.append(Mutation(f"drop claims[{i}]", path + (i,), "drop", "value", "omission", _dropper(path + (i,))))
                out.append(Mutation("dup claims[0]", path, "dup", "value", "omission", _setter(path, value + value[:1])))
                out.append(Mutation("reverse claims", path, "reorder", "value", "cosmetic", _setter(path, value[::-1])))
            else:
                out.append(Mutation(f"drop {key}[-1]", path + (len(value) - 1,), "drop", "value",
                                    "semantic" if classify(path, "set") == "semantic" else classify(path, "set"),
                                    _dropper(path + (len(value) - 1,))))
                if len(value) > 1 and not _same(value[0], value[1]):
                    swapped = [value[1], value[0]] + value[2:]
                    out.append(Mutation(f"swap {key}[0:2]", path, "reorder", "value", classify(path, "reorder"),
                                        _setter(path, swapped)))
        else:
            for v in _value_variants(value, path, names):
                out.append(Mutation(f"{key} := {v!r}"[:200], path, "set", "value", classify(path, "set"), _setter(path, v),
                                    value=v))
        for v in _type_variants(value):
            out.append(Mutation(f"{key} := {type(v).__name__} {v!r}"[:200], path, "set", "type", classify(path, "set"),
                                _setter(path, v), value=v))
    # terms[].variables swapped for other variables of the same count (the mask is untouched)
    for i, term in enumerate(man["logic_model"]["terms"]):
        vs = term.get("variables") or []
        if vs and len(vs) < len(names):
            others = [x for x in names if x not in vs][: len(vs)]
            if len(others) == len(vs):
                path = ("logic_model", "terms", i, "variables")
                out.append(Mutation(f"terms[{i}].variables := {others}", path, "set", "value", "semantic", _setter(path, others)))
    # a consistent rename of one variable everywhere (names, terms, claims, counterexamples)
    if names:
        old, new = names[0], names[0] + "_renamed"

        def rename(m: dict[str, Any], members: dict[str, bytes]) -> tuple[Any, dict[str, bytes]]:
            text = json.dumps(m)
            text = text.replace(json.dumps(old), json.dumps(new))
            return json.loads(text), members
        out.append(Mutation(f"rename {old!r} everywhere", ("record", "names"), "rename", "value", "provenance", rename))
    return out


def array_mutations(case: BundleCase, rng: random.Random) -> list[Mutation]:
    """Member arrays rewritten and re-hashed (member SHA-256 and values_sha256 updated, so the
    hashes cannot catch them): one entry ±ulp, replaced by 0.1, doubled, zeroed, two entries
    swapped, whole arrays scaled; a certificate scaled; an AND/OR singleton split that keeps
    every reconstruction but raises the L1 (objective and gap updated, status left "optimal")."""
    arrays = case.arrays()
    out: list[Mutation] = []
    for key, arr in arrays.items():
        size = len(arr)
        picks = sorted({0, size - 1, rng.randrange(size), rng.randrange(size)})
        for t in picks:
            for how in ("+ulp", "-ulp", "=0.1", "*2", "=0", "+1"):
                new = list(arr)
                x = new[t]
                new[t] = {"+ulp": math.nextafter(x, math.inf), "-ulp": math.nextafter(x, -math.inf), "=0.1": 0.1,
                          "*2": 2 * x, "=0": 0.0, "+1": x + 1.0}[how]
                if _same(new[t], x) or not math.isfinite(new[t]):
                    continue
                out.append(_array_mutation(f"{key}[{t}] {how}", key, new))
        if size > 1 and arr[0] != arr[-1]:
            new = list(arr)
            new[0], new[-1] = new[-1], new[0]
            out.append(_array_mutation(f"{key} swap first/last", key, new))
        for factor in (2.0, 0.5, 1 + 2.0**-52):
            new = [x * factor for x in arr]
            if new != arr:
                out.append(_array_mutation(f"{key} *{factor!r}", key, new))
    if "and" in arrays and "or" in arrays and case.manifest.get("extraction"):
        out += _split_forgeries(case, arrays)
    return out


def _array_mutation(label: str, key: str, arr: list[float]) -> Mutation:
    def apply(man: dict[str, Any], members: dict[str, bytes]) -> tuple[Any, dict[str, bytes]]:
        return _rehash_arrays(man, members, {key: arr})
    return Mutation(label, (f"{key}.npy",), "set", "array", "array", apply)


def _split_forgeries(case: BundleCase, arrays: dict[str, list[float]]) -> list[Mutation]:
    """AND({i}) and OR({i}) are the same function: moving δ from one to the other keeps every
    reconstruction (hence q and the matching) but adds up to 2|δ| to the L1. With the objective,
    gap and nonzero counts rewritten to match, only the status "optimal" is then false."""
    out = []
    ex = case.manifest["extraction"]
    tol = float((ex.get("settings") or {}).get("tol", 1e-6))
    vmax = max(abs(x) for x in arrays["values"])
    scale = max(abs(ex["objective"]), 1e-2 * vmax, 1e-300)
    for i in range(case.n):
        for mult in (10.0, 1e4):
            delta = mult * tol * scale
            a, o = list(arrays["and"]), list(arrays["or"])
            a[1 << i] += delta
            o[1 << i] -= delta
            count_empty = bool(ex.get("count_empty", True))
            objective = math.fsum(abs(x) for x in a[0 if count_empty else 1:]) + math.fsum(abs(x) for x in o[1:])

            def apply(man: dict[str, Any], members: dict[str, bytes], a=a, o=o, objective=objective) -> tuple[Any, dict[str, bytes]]:
                man, members = _rehash_arrays(man, members, {"and": a, "or": o})
                e = man["extraction"]
                e["objective"] = objective
                if e.get("lower_bound") is not None:
                    e["gap"] = objective - e["lower_bound"]
                e["nonzero_and"] = sum(1 for x in a if x != 0)
                e["nonzero_or"] = sum(1 for x in o if x != 0)
                return man, members
            out.append(Mutation(f"forge split: AND/OR {{{i}}} ±{delta:.3g}, status kept", ("and.npy", "or.npy"), "set",
                                "array", "array", apply))
    return out


# ---- the oracle's reading of a bundle -------------------------------------------------------


def bundle_falsehoods(manifest: Any, members: dict[str, bytes], claims: dict[str, OClaim]) -> list[str]:
    """Every statement of the bundle that the oracle finds false (an empty list: nothing false found).

    Checked, exactly: the record's n and fingerprint; each term's three coefficient forms and its
    variable names; the verdict (holds ⇔ max error ≤ ε, exact max error, its float, its mask, the
    violation count, the counterexample, the support, the engines of a verdict that holds); each
    claim with a known AST (holds, status, minimal counterexample, the decisive values); the
    extraction (ζ, |q| ≤ ζ, universal matching, objective, nonzero counts, max|q|, matching error,
    the lower bound against the certificate, gap and "optimal" against the stated tolerance).
    A statement the oracle cannot read (wrong types, missing keys) is reported as false too.
    """
    try:
        return _bundle_falsehoods(manifest, members, claims)
    except Exception as exc:  # noqa: BLE001 - a manifest the oracle cannot read states nothing checkable
        return [f"unreadable by the oracle: {type(exc).__name__}: {exc}"]


def _bundle_falsehoods(man: dict[str, Any], members: dict[str, bytes], claims: dict[str, OClaim]) -> list[str]:
    bad: list[str] = []
    arrays = {k.removesuffix(".npy"): npy_floats(v) for k, v in members.items()}
    vals_f = arrays["values"]
    size = len(vals_f)
    n = size.bit_length() - 1
    values = [Fraction(x) for x in vals_f]
    rec = man["record"]
    names = list(rec["names"])
    if "n" in rec and (rec["n"] != n or type(rec["n"]) is not int):
        bad.append(f"record.n = {rec.get('n')!r}, the table has n = {n}")
    if rec.get("values_sha256") != values_sha256(vals_f):
        bad.append("record.values_sha256 is not the table's fingerprint")
    lmd = man["logic_model"]
    if list(lmd["names"]) != names:
        bad.append("logic_model.names differ from record.names")
    for t in lmd["terms"]:
        exact = Fraction(float.fromhex(t["coefficient_hex"]))
        if parse_pq(t["coefficient_exact"]) != exact or Fraction(t["coefficient"]) != exact:
            bad.append(f"term {t['kind']} {t['mask']}: coefficient forms disagree")
        want = [names[i] for i in bits_of(int(t["mask"]))]
        if list(t.get("variables", [])) != want:
            bad.append(f"term {t['kind']} mask {t['mask']}: variables {t.get('variables')} ≠ {want}")
    model = ExactModel.from_manifest(lmd)
    bad += _verdict_falsehoods(man["verdict"], model, values)
    table = values
    for c in man.get("claims") or []:
        text = c.get("claim")
        ast = claims.get(text)
        if ast is None:
            continue
        if c.get("target", "record") == "record":
            bad += _claim_falsehoods(c, ast, table, text)
        else:
            truth = claim_truth(ast, table)
            status = c.get("status")
            if c.get("holds") != (status == "holds"):
                bad.append(f"claim {text!r}: holds and status disagree")
            if status == "holds" and not truth.holds or status == "fails" and truth.holds:
                bad.append(f"claim {text!r} on the model: status {status} but the record says {truth.holds}")
            if status == "fails" and (c.get("counterexample") or {}).get("mask") not in truth.violating:
                bad.append(f"claim {text!r} on the model: its counterexample does not violate on the record")
    if man.get("extraction") is not None:
        bad += _extraction_falsehoods(man["extraction"], arrays, values, n)
        bad += _salient_falsehoods(lmd, arrays)
    return bad


def _salient_falsehoods(lmd: dict[str, Any], arrays: dict[str, list[float]]) -> list[str]:
    """A model whose meta says "the concepts of the extraction salient at τ" (no refit, no top_k)
    must be exactly those: bias = and[∅], one term per non-zero |I(S)| ≥ τ·max_{S≠∅}|I(S)|."""
    meta = lmd.get("meta") or {}
    if meta.get("refit") is not None or meta.get("top_k") is not None or "tau" not in meta:
        return []
    a, o = arrays["and"], arrays["or"]
    tau = meta["tau"]
    if type(tau) not in (int, float) or not 0 <= tau <= 1:
        return [f"logic_model.meta.tau = {tau!r} is not a fraction in [0, 1]"]
    peak = max([abs(x) for x in a[1:]] + [abs(x) for x in o[1:]] + [0.0])
    cut = tau * peak
    want: dict[tuple[str, int], list[float]] = {}
    for kind, arr in (("and", a), ("or", o)):
        for s in range(1, len(arr)):
            if arr[s] != 0 and abs(arr[s]) >= cut:
                k = "and" if kind == "or" and popcount(s) == 1 else kind
                want.setdefault((k, s), []).append(arr[s])
    want_terms = {key: math.fsum(cs) for key, cs in want.items() if math.fsum(cs) != 0}
    have = {(str(t["kind"]), int(t["mask"])): float.fromhex(t["coefficient_hex"])
            for t in lmd["terms"] if t["kind"] != "bias"}
    bias = [float.fromhex(t["coefficient_hex"]) for t in lmd["terms"] if t["kind"] == "bias"]

    def close(x: float, y: float) -> bool:  # a few ulps: an array nudged within rounding is the same split
        return abs(Fraction(x) - Fraction(y)) <= abs(Fraction(y)) * Fraction(1, 2**48)

    bad = []
    if set(have) != set(want_terms) or not all(close(have[k], want_terms[k]) for k in have):
        bad.append(f"the model is not the set of concepts salient at τ = {tau!r}")
    if len(bias) != 1 or not close(bias[0], a[0]):
        bad.append("the model's bias is not the extraction's constant and[∅]")
    return bad


def _verdict_falsehoods(v: dict[str, Any], model: ExactModel, values: list[Fraction]) -> list[str]:
    bad = []
    prof = error_profile(model, values)
    E = prof.max_error
    eps = parse_pq(v["epsilon_exact"]) if v.get("epsilon_exact") else Fraction(v["epsilon"])
    if v.get("epsilon_exact") and Fraction(v["epsilon"]) < eps:
        bad.append("verdict.epsilon is below its exact value")
    unknown = "unknown" in (v.get("engines") or {}).values()
    if v["holds"] is not (E <= eps) and not (unknown and v["holds"] is False):
        bad.append(f"verdict.holds = {v['holds']!r} but max error {E} {'≤' if E <= eps else '>'} ε {eps}")
    if parse_pq(v["max_error_exact"]) != E:
        bad.append("verdict.max_error_exact is not the exact max error")
    if v["max_error"] != float_upper(E):
        bad.append("verdict.max_error is not the exact max error rounded up")
    if v["max_error_mask"] not in prof.argmax:
        bad.append("verdict.max_error_mask does not reach the max error")
    if v["violations"] != prof.count_above(eps):
        bad.append(f"verdict.violations = {v['violations']!r}, exact count {prof.count_above(eps)}")
    cex = v.get("counterexample")
    if v["holds"] and cex is not None:
        bad.append("a verdict that holds names a counterexample")
    if cex is not None:
        m = cex["mask"]
        f = model.f(m)
        if type(m) is not int or prof.errors[m] <= eps:
            bad.append("verdict counterexample does not violate ε")
        if parse_pq(cex["error_exact"]) != prof.errors[m] or parse_pq(cex["model_exact"]) != f:
            bad.append("verdict counterexample states wrong exact values")
        if float.fromhex(cex["recorded_hex"]) != float(values[m]) or cex["recorded"] != float(values[m]):
            bad.append("verdict counterexample states a wrong recorded output")
        if cex.get("violates") is not True:
            bad.append("verdict counterexample says it does not violate")
    elif not v["holds"] and prof.count_above(eps) > 0:
        bad.append("a failing verdict names no counterexample")
    if list(v.get("support", [])) != bits_of(model.support_mask):
        bad.append(f"verdict.support {v.get('support')} ≠ {bits_of(model.support_mask)}")
    if v["holds"] and v.get("engines") != {"z3": "unsat", "exact": "holds"}:
        bad.append(f"a verdict that holds shows engines {v.get('engines')}")
    if v["holds"] and v.get("rows_checked") != 1 << popcount(model.support_mask):
        bad.append(f"verdict.rows_checked = {v.get('rows_checked')}, the reduced table has {1 << popcount(model.support_mask)} rows")
    return bad


def _claim_falsehoods(c: dict[str, Any], ast: OClaim, table: list[Fraction], text: str) -> list[str]:
    bad = []
    truth = claim_truth(ast, table)
    status = c.get("status")
    if c.get("holds") is not truth.holds:
        bad.append(f"claim {text!r}: holds = {c.get('holds')!r}, the oracle says {truth.holds}")
    if status != ("holds" if truth.holds else "fails"):
        bad.append(f"claim {text!r}: status {status!r}")
    cex = c.get("counterexample")
    if truth.holds:
        if cex is not None:
            bad.append(f"claim {text!r} holds but names a counterexample")
        return bad
    if not isinstance(cex, dict) or cex.get("mask") != truth.cex:
        bad.append(f"claim {text!r}: counterexample {cex and cex.get('mask')!r} is not the minimal one {truth.cex}")
        return bad
    m = truth.cex
    names_present = [x for x in cex.get("present", [])]
    if len(names_present) != popcount(m):
        bad.append(f"claim {text!r}: counterexample lists {names_present} as present")
    vals = c.get("values") or {}
    if ast.kind == "output":
        if parse_pq(cex.get("output_exact")) != table[m] or cex.get("output") != float_nearest(table[m]):
            bad.append(f"claim {text!r}: counterexample output misstated")
        sense = "min" if ast.op in (">=", ">") else "max"
        if truth.value is not None and vals.get(f"{sense}_output") != float_nearest(truth.value):
            bad.append(f"claim {text!r}: values.{sense}_output misstated")
        if vals.get("threshold") != float_nearest(ast.value):
            bad.append(f"claim {text!r}: values.threshold misstated")
    elif ast.kind == "no_effect":
        b = 1 << ast.var
        if cex.get("mask_with") != m | b or parse_pq(cex.get("difference_exact")) != table[m | b] - table[m]:
            bad.append(f"claim {text!r}: no_effect counterexample misstated")
        if vals.get("max_change") != float_nearest(truth.value):
            bad.append(f"claim {text!r}: values.max_change misstated")
    elif ast.kind == "interaction":
        if parse_pq(cex.get("interaction_exact")) != truth.value or vals.get("interaction") != float_nearest(truth.value):
            bad.append(f"claim {text!r}: interaction value misstated")
    elif ast.kind == "max_order":
        if vals.get("max_salient_order") != truth.value:
            bad.append(f"claim {text!r}: values.max_salient_order misstated")
    return bad


def _extraction_falsehoods(ex: dict[str, Any], arrays: dict[str, list[float]], values: list[Fraction], n: int) -> list[str]:
    bad = []
    size = len(values)
    for key in ("and", "or", "q"):
        if key not in arrays or len(arrays[key]) != size:
            return [f"extraction array {key} is missing or has the wrong length"]
    a = [Fraction(x) for x in arrays["and"]]
    o = [Fraction(x) for x in arrays["or"]]
    q = [Fraction(x) for x in arrays["q"]]
    count_empty = ex.get("count_empty", True)
    q_bound = Fraction(ex["q_bound"])
    zeta_exact = q_bound * abs(values[-1] - values[0])
    zeta_f = Fraction(float(ex["q_bound"]) * abs(float(values[-1]) - float(values[0])))
    if abs(Fraction(ex["zeta"]) - zeta_exact) > zeta_exact * Fraction(1, 2**51):
        bad.append(f"extraction.zeta {ex['zeta']!r} ≠ q_bound·|v(N) − v(∅)| = {float(zeta_exact)!r}")
    zeta = max(zeta_exact, zeta_f)
    if ex.get("nonzero_and") != sum(1 for x in a if x != 0):
        bad.append("extraction.nonzero_and misstated")
    if ex.get("nonzero_or") != sum(1 for x in o if x != 0):
        bad.append("extraction.nonzero_or misstated")
    maxq = max(abs(x) for x in q)
    if Fraction(ex["max_abs_q"]) != maxq:
        bad.append("extraction.max_abs_q misstated")
    l1 = sum(abs(x) for x in (a if count_empty else a[1:])) + sum(abs(x) for x in o[1:])
    if o[0] != 0:
        bad.append("extraction or[∅] is not 0")
    if abs(Fraction(ex["objective"]) - l1) > l1 * Fraction(1, 2**48) + Fraction(1, 2**1000):
        bad.append(f"extraction.objective {ex['objective']!r} ≠ Σ|I| = {float(l1)!r}")
    # universal matching: R(T) = Σ_{S⊆T} a_S + Σ_{S∩T≠∅} o_S must be v(T) + q(T) up to the rounding
    # of the float butterflies, and |q| ≤ ζ up to the same rounding.
    sub = list(a)
    for i in range(n):
        b = 1 << i
        for t in range(size):
            if t & b:
                sub[t] += sub[t ^ b]
    osum = sum(o)
    sup = list(o)  # Σ_{S⊆T} o_S, then OR part = Σo − Σ_{S ⊆ N∖T} o_S
    for i in range(n):
        b = 1 << i
        for t in range(size):
            if t & b:
                sup[t] += sup[t ^ b]
    full = size - 1
    mass = sum(abs(x) for x in a) + sum(abs(x) for x in o)
    vmax = max(abs(x) for x in values)
    slack = (n + 4) * Fraction(1, 2**50) * (mass + vmax + maxq) + Fraction(1, 2**1000)
    worst = Fraction(0)
    for t in range(size):
        r = sub[t] + osum - sup[full ^ t] - values[t] - q[t]
        worst = max(worst, abs(r))
    if worst > slack:
        bad.append(f"universal matching fails: max |Σ I − v − q| = {float(worst):.3g} beyond rounding {float(slack):.3g}")
    if maxq > zeta + slack:
        bad.append(f"|q| = {float(maxq):.6g} exceeds ζ = {float(zeta):.6g}")
    if abs(Fraction(ex["matching_error"]) - worst) > slack:
        bad.append(f"extraction.matching_error {ex['matching_error']!r} misstates the matching error {float(worst):.3g}")
    lb = ex.get("lower_bound")
    cert = arrays.get("certificate")
    if lb is not None:
        if cert is None or len(cert) != size:
            bad.append("a lower bound is stated without a certificate")
        else:
            proven = _certified_bound([Fraction(x) for x in cert], values, zeta, count_empty, n)
            if Fraction(lb) > proven:
                bad.append(f"extraction.lower_bound {lb!r} exceeds what the certificate proves ({float(proven)!r})")
        gap = ex.get("gap")
        if gap is None or abs(Fraction(gap) - (Fraction(ex["objective"]) - Fraction(lb))) > \
                abs(Fraction(ex["objective"]) - Fraction(lb)) * Fraction(1, 2**51) + Fraction(1, 2**1000):
            bad.append(f"extraction.gap {gap!r} ≠ objective − lower_bound")
        settings = ex.get("settings") or {}
        if settings.get("status") == "optimal":
            tol = Fraction(settings.get("tol"))
            scale = max(abs(Fraction(ex["objective"])), Fraction(1, 100) * vmax, Fraction(1e-300))
            if Fraction(ex["objective"]) - Fraction(lb) > tol * scale:
                bad.append(f"status 'optimal' but gap {float(Fraction(ex['objective']) - Fraction(lb)):.3g} > tol·scale {float(tol * scale):.3g}")
    elif ex.get("gap") is not None:
        bad.append("a gap is stated without a lower bound")
    if (ex.get("settings") or {}).get("status") == "optimal" and lb is None:
        bad.append("status 'optimal' without a lower bound")
    return bad


def _certified_bound(y: list[Fraction], values: list[Fraction], zeta: Fraction, count_empty: bool, n: int) -> Fraction:
    """The exact dual bound of a certificate y: scale y into the dual box (|Zᵀy|, |Oᵀy| ≤ 1), then
    ŷ·v − ζ‖ŷ‖₁ (minus |Σŷ|·(|v(∅)| + ζ) when a_∅ is free). Any feasible split has L1 ≥ this."""
    size = len(y)
    up = list(y)  # Σ_{T⊇S} y_T
    for i in range(n):
        b = 1 << i
        for s in range(size):
            if not s & b:
                up[s] += up[s | b]
    total = sum(y)
    down = list(y)  # Σ_{T⊆S} y_T
    for i in range(n):
        b = 1 << i
        for s in range(size):
            if s & b:
                down[s] += down[s ^ b]
    full = size - 1
    cols = [abs(up[s]) for s in range(0 if count_empty else 1, size)]
    cols += [abs(total - down[full ^ s]) for s in range(1, size)]  # Σ_{T∩S≠∅} y_T
    scale = max([Fraction(1)] + cols)
    yh = [x / scale for x in y]
    value = sum(a * b for a, b in zip(yh, values)) - zeta * sum(abs(x) for x in yh)
    if not count_empty:
        value -= abs(sum(yh)) * (abs(values[0]) + zeta)
    return value


# ---- running one mutation -------------------------------------------------------------------


class _Timeout(BaseException):
    """Raised by the alarm: a BaseException, so that no ``except Exception`` in the code under test swallows it."""


@dataclass
class MutationOutcome:
    """What happened to one mutated bundle.

    ``verdict``: "refused" (a SymlogicError on load or re-check), "rejected" (re-check not ok),
    "accepted" (re-check ok), "escaped" (another exception), "timeout".
    ``lie``: the change is a lie (a semantic value change, or the oracle finds a false statement).
    """

    mutation: Mutation
    verdict: str
    seconds: float
    error: str = ""
    falsehoods: list[str] = field(default_factory=list)
    lie: bool = False


def run_mutation(case: BundleCase, mutation: Mutation, path: str, timeout_s: float = 60.0) -> MutationOutcome:
    """Write the mutated bundle, load it and re-check it under a wall-clock alarm (main thread only)."""
    from symlogic.errors import SymlogicError
    from symlogic.evidence import Evidence

    man, members = mutation.apply(case.manifest, case.members)
    write_bundle(path, man, members)
    claims = mutation.claims or case.claims
    falsehoods = bundle_falsehoods(man, members, claims)
    if mutation.op == "drop":  # a missing optional key is an omission; only false statements count
        falsehoods = [f for f in falsehoods if not f.startswith("unreadable")]
    lie = bool(falsehoods) or (mutation.kind == "value" and mutation.klass == "semantic")
    use_alarm = hasattr(signal, "setitimer") and _in_main_thread()
    if use_alarm:
        old = signal.signal(signal.SIGALRM, _raise_timeout)
        signal.setitimer(signal.ITIMER_REAL, timeout_s)
    start = time.perf_counter()
    verdict, error = "accepted", ""
    try:
        report = Evidence.load(path).recheck()
        verdict = "accepted" if report.ok else "rejected"
    except _Timeout:
        verdict, error = "timeout", f"over {timeout_s} s"
    except SymlogicError as exc:
        verdict, error = "refused", f"{type(exc).__name__}: {str(exc)[:200]}"
    except Exception as exc:  # noqa: BLE001 - counted: escaping the library's own error types
        verdict, error = "escaped", f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    return MutationOutcome(mutation, verdict, time.perf_counter() - start, error, falsehoods, lie)


def _raise_timeout(signum: int, frame: Any) -> None:
    raise _Timeout()


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


@dataclass
class BundleTally:
    """Counts over many mutations; ``lies`` and ``escaped`` keep one example per distinct label class."""

    mutations: int = 0
    by_verdict: dict[str, int] = field(default_factory=dict)
    by_class: dict[str, int] = field(default_factory=dict)
    accepted_lies: list[MutationOutcome] = field(default_factory=list)
    accepted_provenance: int = 0
    accepted_omissions: int = 0
    accepted_type_confusions: list[MutationOutcome] = field(default_factory=list)
    escaped: list[MutationOutcome] = field(default_factory=list)
    timeouts: list[MutationOutcome] = field(default_factory=list)
    honest_falsehoods: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, out: MutationOutcome) -> None:
        self.mutations += 1
        self.seconds += out.seconds
        self.by_verdict[out.verdict] = self.by_verdict.get(out.verdict, 0) + 1
        self.by_class[out.mutation.klass] = self.by_class.get(out.mutation.klass, 0) + 1
        if out.verdict == "escaped":
            self.escaped.append(out)
        elif out.verdict == "timeout":
            self.timeouts.append(out)
        elif out.verdict == "accepted":
            m = out.mutation
            if m.kind == "type":
                if m.klass == "semantic":
                    self.accepted_type_confusions.append(out)
            elif out.lie:
                self.accepted_lies.append(out)
            elif m.klass == "provenance":
                self.accepted_provenance += 1
            elif m.klass == "omission":
                self.accepted_omissions += 1

    def lie_groups(self) -> dict[str, MutationOutcome]:
        """One example per changed field (list indices folded), for a short report."""
        out: dict[str, MutationOutcome] = {}
        for o in self.accepted_lies:
            key = path_key(o.mutation.path) if o.mutation.kind != "array" else o.mutation.label.split("[")[0].split(" ")[0]
            out.setdefault(key, o)
        return out

    def escaped_groups(self) -> dict[str, MutationOutcome]:
        out: dict[str, MutationOutcome] = {}
        for o in self.escaped:
            out.setdefault(o.error.split(":")[0] + " @ " + path_key(o.mutation.path), o)
        return out


# =============================================================================================
# 7. denial-of-service probes
# =============================================================================================

_PROBE_PRELUDE = """
import json, resource, sys, time
t0 = time.perf_counter()
import symlogic as sl
from symlogic.errors import SymlogicError
IMPORT_SECONDS = time.perf_counter() - t0

def guarded(name, run):
    t1 = time.perf_counter()
    try:
        outcome, detail = run()
    except SymlogicError as exc:
        outcome, detail = "refused", f"{type(exc).__name__}: {exc}"
    except Exception as exc:
        outcome, detail = "escaped", f"{type(exc).__name__}: {exc}"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"name": name, "outcome": outcome, "detail": str(detail)[:300],
                      "seconds": time.perf_counter() - t1, "max_rss_kib": rss}), flush=True)
"""


@dataclass
class ProbeResult:
    """A probe's outcome: "refused" (a SymlogicError), "answered" (a result), "not ok" (a re-check
    that failed), "escaped" (another exception or a crash), "timeout" (killed at the wall-clock
    limit) or "not run" (an earlier probe in the same interpreter hung).
    ``seconds`` is the probe's own work (interpreter start-up and imports excluded)."""

    name: str
    outcome: str
    seconds: float
    detail: str = ""
    max_rss_mib: float = 0.0


def _run_probes(probes: list[tuple[str, str]], limit_s: float) -> list[ProbeResult]:
    """Run probes (name, body defining ``run()``) one after another in a fresh interpreter, killed
    at ``limit_s``: a hang or a memory blow-up cannot take the harness with it."""
    script = _PROBE_PRELUDE
    for name, body in probes:
        script += textwrap.dedent(body) + f"\nguarded({name!r}, run)\n"
    start = time.perf_counter()
    timed_out = False
    import symlogic

    # The child imports the symlogic this process imported (not whatever its working directory holds).
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(symlogic.__file__)))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=limit_s,
                              cwd=tempfile.gettempdir(), env=env)
        stdout, stderr = proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        timed_out = True
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        stderr = ""
    done = {}
    for line in stdout.splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            done[d["name"]] = ProbeResult(d["name"], d["outcome"], d["seconds"], d["detail"], d["max_rss_kib"] / 1024)
    out = []
    for name, _ in probes:
        if name in done:
            out.append(done[name])
        elif timed_out:
            out.append(ProbeResult(name, "timeout", time.perf_counter() - start, f"killed after {limit_s} s"))
            timed_out = False  # only the probe that was running hung; the rest never ran
        elif any(r.outcome == "timeout" for r in out):
            out.append(ProbeResult(name, "not run", 0.0, "an earlier probe in the same interpreter hung"))
        else:
            out.append(ProbeResult(name, "escaped", time.perf_counter() - start, (stderr or stdout)[-400:] or "no output"))
    return out


def dos_probes(directory: str, base: BundleCase, *, bomb_mib: int = 256, copies: int = 1000,
               limit_s: float = 60.0, separate: bool = True) -> list[ProbeResult]:
    """Inputs that cost a careless reader minutes or gigabytes; each should be refused quickly.

    - ``claim 1e-100000000``: ``check("output >= 1e-100000000", rec)`` (Fraction() would build 10^10^8);
    - ``bundle claim 1e-100000000``: the same claim text inside a bundle, then load + re-check;
    - ``bundle N claims``: one model claim repeated ``copies`` times, then load + re-check;
    - ``zip bomb member``: certificate.npy replaced by ``bomb_mib`` MiB of zeros that compress to
      almost nothing, listed with its correct SHA-256, then load + re-check.

    ``separate``: one interpreter per probe (the benchmark), or one for all (the quick test).
    """
    probes = [("claim 1e-100000000", """
        def run():
            rec = sl.Record.from_table([0.0, 0.5, 0.25, 1.0], names=["a", "b"])
            r = sl.check("output >= 1e-100000000", rec)
            return ("answered", r.status)
        """)]
    man, members = copy.deepcopy(base.manifest), dict(base.members)
    man["claims"][0]["claim"] = "output >= 1e-100000000"
    p1 = os.path.join(directory, "dos_claim.zip")
    write_bundle(p1, man, members)
    man2 = copy.deepcopy(base.manifest)
    model_claims = [c for c in man2["claims"] if c.get("target") == "model"] or man2["claims"][:1]
    man2["claims"] = [copy.deepcopy(model_claims[0]) for _ in range(copies)]
    p2 = os.path.join(directory, "dos_copies.zip")
    write_bundle(p2, man2, members)
    p3 = os.path.join(directory, "dos_bomb.zip")
    _write_bomb(p3, base, bomb_mib)
    for name, path in (("bundle claim 1e-100000000", p1), (f"bundle {copies} claims", p2),
                       (f"zip bomb member ({bomb_mib} MiB)", p3)):
        probes.append((name, f"""
        def run():
            rep = sl.Evidence.load({path!r}).recheck()
            return ("answered" if rep.ok else "not ok", "ok" if rep.ok else "re-check failed")
        """))
    if separate:
        return [r for probe in probes for r in _run_probes([probe], limit_s)]
    return _run_probes(probes, limit_s)


def _write_bomb(path: str, base: BundleCase, mib: int) -> None:
    """certificate.npy as ``mib`` MiB of float64 zeros, streamed into the zip with its true SHA-256."""
    import numpy as np

    count = (mib << 20) // 8
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (count,)})
    head = header.getvalue()
    chunk = bytes(8 << 20)
    digest = hashlib.sha256(head)
    left = count * 8
    while left:
        step = min(left, len(chunk))
        digest.update(chunk[:step])
        left -= step
    man = copy.deepcopy(base.manifest)
    man["members"]["certificate.npy"] = digest.hexdigest()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(man))
        for name, data in base.members.items():
            if name != "certificate.npy":
                zf.writestr(name, data)
        with zf.open("certificate.npy", "w", force_zip64=True) as fh:
            fh.write(head)
            left = count * 8
            while left:
                step = min(left, len(chunk))
                fh.write(chunk[:step])
                left -= step


def temp_dir() -> str:
    return tempfile.mkdtemp(prefix="symlogic-soundness-")
