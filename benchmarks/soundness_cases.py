"""Planted AND/OR ground truths with hidden counterexamples, decided by an exact reference.

Each instance is a random sparse AND-OR function t (docs/theory.md §4.1: a bias plus AND and OR
terms, coefficients on a dyadic grid so every float64 below is exact) and a recorded table
v = t + η, where the noise η stays within 7/16 of a grid unit on every mask but one: the *hidden*
mask, where |η| is 8/16. The logic model under test is t itself, t with one coefficient perturbed,
or t with one term dropped. Cases ask for verdicts whose truth sits exactly at a boundary:

- ε-equivalence (docs/theory.md §4.2): ε at the exact max error E (holds); ε one ulp below E; the
  worst mask's output nudged one ulp further from f (math.nextafter), so E grows by a hair (fails)
  or one ulp towards f (holds); ε a decimal close to E whose exact value decides.
- claims (docs/theory.md §4.5), true or false by one ulp: output thresholds at the extreme output
  of the admitted masks, ``no_effect`` tolerances at the largest change, interaction thresholds at
  the exact AND interaction; thresholds written as p/q, exact decimals or shortest float reprs
  (whose exact decimal value is what counts).

The expected verdict comes from this module's own brute force over Fractions, which imports no
symlogic code. ``generate_cases(count, seed)`` is deterministic.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Context, Decimal
from fractions import Fraction
from typing import Any

__all__ = ["Instance", "ClaimSpec", "Case", "generate_cases", "planted_instance", "instance_cases", "exact_table",
           "max_error", "ROUTES"]

#: Where a case is decided: verify, check on the record / on the model / on the network through a
#: proven ε with the record as the fallback ("network") or without it ("margin": "undecided" is then
#: a fair answer), or an evidence bundle (save, load, re-check).
ROUTES = ("verify", "record", "model", "network", "margin", "bundle")
#: Exact power-of-two scalings of an instance: unit scale, far below 1 and far above.
SCALES = (Fraction(1), Fraction(1), Fraction(1), Fraction(1, 2**40), Fraction(2**30))
_OPS = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, "<": lambda a, b: a < b}


# ---- the exact reference (Fractions, brute force) ---------------------------------------------
def _fires(kind: str, mask: int, t: int) -> bool:
    if kind == "bias":
        return True
    return (t & mask) == mask if kind == "and" else (t & mask) != 0


def exact_table(n: int, terms: Sequence[tuple[str, int, Any]]) -> list[Fraction]:
    """f(T) = Σ of the terms that fire on T, for every mask T, as exact rationals."""
    return [sum((Fraction(c) for kind, m, c in terms if _fires(kind, m, t)), Fraction(0)) for t in range(1 << n)]


def max_error(f: Sequence[Fraction], values: Sequence[float]) -> tuple[Fraction, int]:
    """max_T |f(T) − v(T)| exactly, and the smallest mask reaching it."""
    errs = [abs(Fraction(v) - ft) for ft, v in zip(f, values)]
    worst = max(errs)
    return worst, errs.index(worst)


def _admits(cond: tuple[tuple[int, bool], ...], t: int) -> bool:
    return all(bool(t >> i & 1) == present for i, present in cond)


def _interaction(u: Sequence[Fraction], subset: int) -> Fraction:
    """I(S) = Σ_{T⊆S} (−1)^{|S|−|T|} u(T): the AND (Harsanyi) interaction of S (docs/theory.md §2.1)."""
    total, t = Fraction(0), subset
    while True:
        sign = -1 if bin(subset & ~t).count("1") % 2 else 1
        total += sign * Fraction(u[t])
        if t == 0:
            return total
        t = (t - 1) & subset


@dataclass(frozen=True)
class ClaimSpec:
    """One claim in structured form; ``threshold`` is the exact value of ``number`` as written."""

    kind: str  # "output" | "no_effect" | "interaction"
    op: str  # ">=", ">", "<=", "<" (no_effect: "<=")
    threshold: Fraction
    number: str
    cond: tuple[tuple[int, bool], ...] = ()
    var: int = -1
    subset: int = 0

    def text(self, names: Sequence[str]) -> str:
        if self.kind == "interaction":
            args = ", ".join(names[i] for i in range(len(names)) if self.subset >> i & 1)
            return f"interaction({args}) {self.op} {self.number}"
        head = " & ".join(f"{'present' if p else 'absent'}({names[i]})" for i, p in self.cond)
        body = f"no_effect({names[self.var]}, {self.number})" if self.kind == "no_effect" else f"output {self.op} {self.number}"
        return f"{head} -> {body}" if head else body

    def decide(self, u: Sequence[Any]) -> bool:
        """Does the claim hold on the table ``u`` (floats or Fractions), exactly?"""
        ok = _OPS[self.op]
        if self.kind == "interaction":
            return ok(_interaction(u, self.subset), self.threshold)
        if self.kind == "output":
            return all(ok(Fraction(u[t]), self.threshold) for t in range(len(u)) if _admits(self.cond, t))
        bit = 1 << self.var
        return all(abs(Fraction(u[t | bit]) - Fraction(u[t])) <= self.threshold
                   for t in range(len(u)) if not t & bit and _admits(self.cond, t))


@dataclass(frozen=True)
class Instance:
    """A recorded table and the logic model under test (bias first), both exact float64s."""

    index: int
    names: tuple[str, ...]
    values: tuple[float, ...]
    model: tuple[tuple[str, int, float], ...]
    variant: str  # "equal", "perturbed" or "dropped": how the model relates to the planted truth
    hidden: int

    @property
    def n(self) -> int:
        return len(self.names)

    def model_table(self) -> list[Fraction]:
        return exact_table(self.n, self.model)

    def nudged(self, mask: int, away_from: Fraction, outward: bool = True) -> "Instance":
        """The instance with v(mask) moved one ulp away from (or towards) ``away_from``."""
        v = self.values[mask]
        up = (Fraction(v) >= away_from) == outward
        values = list(self.values)
        values[mask] = math.nextafter(v, math.inf if up else -math.inf)
        return replace(self, values=tuple(values))


@dataclass(frozen=True)
class Case:
    """One question with a known answer. ``epsilon`` for verify and bundle-ε cases, ``claim`` else;
    ``target`` is the table the claim is about ("record": v, "model": f)."""

    id: str
    category: str
    route: str
    instance: Instance
    expected: str  # "holds" | "fails"
    epsilon: Any = None
    claim: ClaimSpec | None = None
    note: str = ""

    @property
    def claim_text(self) -> str:
        return "" if self.claim is None else self.claim.text(self.instance.names)

    def describe(self) -> str:
        what = f"ε = {self.epsilon!r}" if self.claim is None else f"claim {self.claim_text!r}"
        return (f"case {self.id} [{self.category}] {what}; expected {self.expected}; {self.note}; "
                f"n = {self.instance.n}, model {self.instance.variant}, values {list(self.instance.values)}, "
                f"model terms {list(self.instance.model)}")


# ---- numbers as a claim or a bound may write them ------------------------------------------
def _is_float(x: Fraction) -> bool:
    try:
        return Fraction(float(x)) == x
    except OverflowError:
        return False


def neighbour(x: Fraction, up: bool) -> Fraction:
    """The float next to ``x`` upwards or downwards (strictly beyond x): one ulp for a float."""
    f = float(x)
    if Fraction(f) == x or (Fraction(f) < x) == up:
        f = math.nextafter(f, math.inf if up else -math.inf)
    return Fraction(f)


def _exact_decimal(x: Fraction) -> str:
    """The exact decimal of a dyadic rational (finite), in scientific notation when long."""
    ctx = Context(prec=2000)  # more digits than any float64's exact decimal (767): nothing rounds
    d = ctx.normalize(ctx.divide(Decimal(x.numerator), Decimal(x.denominator)))
    text = format(d, "e") if d != 0 else "0"
    assert Fraction(text) == x, "a dyadic rational has a finite decimal"
    return text


def write_number(x: Fraction, rng: random.Random) -> tuple[str, Fraction]:
    """``x`` as text a claim reads exactly, and the exact value of that text: p/q or the exact
    decimal (the value itself), or the shortest repr of the nearest float (its decimal value,
    which usually differs from x by less than half an ulp: the claim's meaning is what it says)."""
    style = rng.choice(("ratio", "ratio", "decimal", "repr"))
    if style == "repr" and _is_float(x):
        text = repr(float(x))
        return text, Fraction(Decimal(text))
    if style == "decimal" and x.denominator & (x.denominator - 1) == 0:
        text = _exact_decimal(x)
        return text, Fraction(Decimal(text))
    text = f"{x.numerator}" if x.denominator == 1 else f"{x.numerator}/{x.denominator}"
    return text, x


def epsilon_form(e: Fraction, rng: random.Random) -> Any:
    """The bound ``e`` as a float, a Fraction, a "p/q" string or an exact decimal string (all exact)."""
    forms = ["fraction", "ratio"] + (["float", "float", "decimal"] if _is_float(e) else [])
    form = rng.choice(forms)
    if form == "float":
        return float(e)
    if form == "decimal":
        return _exact_decimal(e)
    return e if form == "fraction" else f"{e.numerator}/{e.denominator}"


# ---- planted instances -----------------------------------------------------------------------
def _subset(rng: random.Random, n: int, max_order: int) -> int:
    return sum(1 << i for i in rng.sample(range(n), rng.randint(1, min(max_order, n))))


def _nonzero(rng: random.Random, bound: int) -> int:
    return rng.choice([k for k in range(-bound, bound + 1) if k])


def planted_instance(rng: random.Random, index: int, max_n: int = 6) -> Instance:
    """A random sparse AND-OR truth, its noisy table with one hidden worst mask, and a model."""
    n = rng.randint(2, max_n)
    unit = Fraction(1, 2 ** rng.randint(0, 8)) * rng.choice(SCALES)
    concepts: dict[tuple[str, int], Fraction] = {}
    for kind, count in (("and", rng.randint(1, 3)), ("or", rng.randint(0, 2))):
        for _ in range(count):
            mask = _subset(rng, n, 3)
            concepts[("and" if bin(mask).count("1") == 1 else kind, mask)] = _nonzero(rng, 64) * unit
    bias = rng.randint(-32, 32) * unit
    truth = [("bias", 0, bias)] + [(k, m, c) for (k, m), c in concepts.items()]
    t = exact_table(n, truth)
    grain = unit / 16
    hidden = rng.randrange(1 << n)
    noise = [rng.choice((-8, 8)) * grain if m == hidden else rng.randint(-7, 7) * grain for m in range(1 << n)]
    values = tuple(float(x + e) for x, e in zip(t, noise))
    assert all(Fraction(v) == x + e for v, x, e in zip(values, t, noise)), "planted values must be exact floats"
    keys = list(concepts)
    variant = rng.choice(("equal", "equal", "perturbed", "dropped" if len(keys) > 1 else "perturbed"))
    if variant == "perturbed":
        key = rng.choice(keys)
        concepts[key] += _nonzero(rng, 4) * unit / 8
    elif variant == "dropped":
        del concepts[rng.choice(keys)]
    model = (("bias", 0, float(bias)),) + tuple((k, m, float(c)) for (k, m), c in concepts.items())
    names = tuple(f"x{i}" for i in range(n))
    return Instance(index=index, names=names, values=values, model=model, variant=variant, hidden=hidden)


# ---- the cases of one instance --------------------------------------------------------------
def _word(ok: bool) -> str:
    return "holds" if ok else "fails"


def _verify_cases(inst: Instance, rng: random.Random, new: Any) -> list[Case]:
    f = inst.model_table()
    e, worst = max_error(f, inst.values)
    out = [new("verify/at-eps", "verify", inst, epsilon=epsilon_form(e, rng), note="ε = the exact max error")]
    if e > 0:
        out.append(new("verify/eps-ulp-below", "verify", inst, epsilon=epsilon_form(neighbour(e, False), rng),
                       note="ε one ulp below the exact max error"))
    past = inst.nudged(worst, f[worst], outward=True)
    out.append(new("verify/ulp-past", "verify", past, epsilon=epsilon_form(e, rng),
                   note=f"v(mask {worst}) nudged one ulp away from f: its error passes ε = E by a hair"))
    if e > 0:
        inside = inst.nudged(worst, f[worst], outward=False)
        out.append(new("verify/ulp-inside", "verify", inside, epsilon=epsilon_form(e, rng),
                       note=f"v(mask {worst}) nudged one ulp towards f"))
    digits = rng.randint(1, 17)
    rounding = rng.choice((ROUND_DOWN, ROUND_UP, ROUND_HALF_EVEN))
    text = format(Context(prec=digits, rounding=rounding).plus(Decimal(_exact_decimal(e))), "e")
    out.append(new("verify/decimal-eps", "verify", inst, epsilon=text,
                   note=f"ε = E to {digits} digits ({rounding}): the exact decimal decides"))
    return out


def _condition(rng: random.Random, n: int, avoid: int = -1) -> tuple[tuple[int, bool], ...]:
    free = [i for i in range(n) if i != avoid]
    k = rng.randint(0, min(2, len(free)))
    return tuple((i, rng.random() < 0.5) for i in sorted(rng.sample(free, k)))


def _claim(rng: random.Random, u: Sequence[Any], n: int, kind: str) -> tuple[ClaimSpec, str]:
    """A claim of ``kind`` whose threshold sits at, or one ulp beside, its exact boundary on ``u``."""
    if kind == "output":
        cond = _condition(rng, n)
        seen = [Fraction(u[t]) for t in range(1 << n) if _admits(cond, t)]
        lo, hi = min(seen), max(seen)
        op, x, why = rng.choice([(">=", lo, "at the minimum"), (">", lo, "at the minimum"),
                                 (">=", neighbour(lo, True), "one ulp above the minimum"),
                                 (">", neighbour(lo, False), "one ulp below the minimum"),
                                 ("<=", hi, "at the maximum"), ("<", hi, "at the maximum"),
                                 ("<=", neighbour(hi, False), "one ulp below the maximum"),
                                 ("<", neighbour(hi, True), "one ulp above the maximum")])
        number, exact = write_number(x, rng)
        return ClaimSpec("output", op, exact, number, cond=cond), f"output threshold {why}"
    if kind == "no_effect":
        var = rng.randrange(n)
        cond = _condition(rng, n, avoid=var)
        bit = 1 << var
        delta = max(abs(Fraction(u[t | bit]) - Fraction(u[t])) for t in range(1 << n) if not t & bit and _admits(cond, t))
        x, why = ((neighbour(delta, False), "one ulp below the largest change") if delta > 0 and rng.random() < 0.5
                  else (delta, "at the largest change"))
        number, exact = write_number(x, rng)
        return ClaimSpec("no_effect", "<=", exact, number, cond=cond, var=var), f"no_effect tolerance {why}"
    subset = _subset(rng, n, 3)
    i = _interaction(u, subset)
    op, x, why = rng.choice([(">=", i, "at I(S)"), (">", i, "at I(S)"), ("<=", i, "at I(S)"), ("<", i, "at I(S)"),
                             (">=", neighbour(i, True), "one ulp above I(S)"),
                             ("<=", neighbour(i, False), "one ulp below I(S)")])
    number, exact = write_number(x, rng)
    return ClaimSpec("interaction", op, exact, number, subset=subset), f"interaction threshold {why}"


def _margin_claim(rng: random.Random, inst: Instance, kind: str) -> tuple[ClaimSpec, str] | None:
    """A claim about v whose threshold sits at, or one ulp beside, the edge of what the model f and
    the tightest ε = E prove about v (docs/theory.md §4.5: output ± ε, no_effect tol − 2ε,
    interaction ± 2^|S|·ε). None when E is not a float (the tightest bound would then exceed it)."""
    f, n = inst.model_table(), inst.n
    e, _ = max_error(f, inst.values)
    if not _is_float(e):
        return None
    if kind == "output":
        cond = _condition(rng, n)
        seen = [f[t] for t in range(1 << n) if _admits(cond, t)]
        lo, hi = min(seen) - e, max(seen) + e
        op, x, why = rng.choice([(">=", lo, "at min f − ε"), (">=", neighbour(lo, True), "one ulp above min f − ε"),
                                 ("<=", hi, "at max f + ε"), ("<=", neighbour(hi, False), "one ulp below max f + ε")])
        number, exact = write_number(x, rng)
        return ClaimSpec("output", op, exact, number, cond=cond), f"output threshold {why}"
    if kind == "no_effect":
        var = rng.randrange(n)
        cond = _condition(rng, n, avoid=var)
        bit = 1 << var
        tol = max(abs(f[t | bit] - f[t]) for t in range(1 << n) if not t & bit and _admits(cond, t)) + 2 * e
        x, why = rng.choice([(tol, "at the largest change of f + 2ε"), (neighbour(tol, False), "one ulp below it")])
        number, exact = write_number(x, rng)
        return ClaimSpec("no_effect", "<=", exact, number, cond=cond, var=var), f"no_effect tolerance {why}"
    subset = _subset(rng, n, 3)
    i, room = _interaction(f, subset), 2 ** bin(subset).count("1") * e
    op, x, why = rng.choice([(">=", i - room, "at I_f(S) − 2^|S|·ε"), (">=", neighbour(i - room, True), "one ulp above it"),
                             ("<=", i + room, "at I_f(S) + 2^|S|·ε"), ("<=", neighbour(i + room, False), "one ulp below it")])
    number, exact = write_number(x, rng)
    return ClaimSpec("interaction", op, exact, number, subset=subset), f"interaction threshold {why}"


def _nudge_for(spec: ClaimSpec, inst: Instance) -> tuple[Instance, str]:
    """The table nudged one ulp where the claim's boundary is reached, so that a claim holding
    exactly at it fails on the new table: a hidden counterexample."""
    u, n = inst.values, inst.n
    if spec.kind == "output":
        admitted = [t for t in range(1 << n) if _admits(spec.cond, t)]
        if spec.op in (">=", ">"):
            t = min(admitted, key=lambda m: Fraction(u[m]))
            return inst.nudged(t, Fraction(u[t]) + 1, outward=True), f"v(mask {t}), the minimum, nudged one ulp down"
        t = max(admitted, key=lambda m: Fraction(u[m]))
        return inst.nudged(t, Fraction(u[t]) - 1, outward=True), f"v(mask {t}), the maximum, nudged one ulp up"
    if spec.kind == "no_effect":
        bit = 1 << spec.var
        pairs = [t for t in range(1 << n) if not t & bit and _admits(spec.cond, t)]
        t = max(pairs, key=lambda m: abs(Fraction(u[m | bit]) - Fraction(u[m])))
        return inst.nudged(t | bit, Fraction(u[t]), outward=True), f"v(mask {t | bit}) nudged one ulp away from v(mask {t})"
    up = spec.op in ("<=", "<")  # move I(S) past an upper bound, or below a lower one
    nudged = inst.nudged(spec.subset, Fraction(u[spec.subset]) + (-1 if up else 1), outward=True)
    return nudged, f"v(mask {spec.subset}) nudged one ulp, moving I(S) by as much"


def instance_cases(inst: Instance, rng: random.Random, first_id: int = 0) -> list[Case]:
    """Every case built on one instance: 4–5 verify, 6 record claims and one more on a nudged table
    when its claim held, 1 model claim, 1 network claim and 2 bundles; expected verdicts from the
    exact reference."""
    counter = iter(range(first_id, first_id + 10**6))

    def new(category: str, route: str, instance: Instance, *, epsilon: Any = None, claim: ClaimSpec | None = None,
            note: str = "", target: str = "record") -> Case:
        if claim is None:
            e, _ = max_error(instance.model_table(), instance.values)
            expected = _word(e <= Fraction(epsilon))  # a str is read exactly: "p/q" or a decimal
        else:
            table = instance.model_table() if target == "model" else instance.values
            expected = _word(claim.decide(table))
        return Case(id=f"{inst.index}.{next(counter)}", category=category, route=route, instance=instance,
                    expected=expected, epsilon=epsilon, claim=claim, note=note)

    out = _verify_cases(inst, rng, new)
    n = inst.n
    kinds = ("output", "no_effect", "interaction")
    for kind in kinds:
        for _ in range(2):
            spec, why = _claim(rng, inst.values, n, kind)
            out.append(new(f"record/{kind}", "record", inst, claim=spec, note=why))
    spec, why = _claim(rng, inst.values, n, rng.choice(kinds))
    if spec.decide(inst.values):  # a claim at its boundary: a one-ulp nudge hides a counterexample
        nudged, how = _nudge_for(spec, inst)
        out.append(new("record/hidden-cex", "record", nudged, claim=spec, note=f"{why}; {how}"))
    model_kind = rng.choice(kinds)
    spec, why = _claim(rng, inst.model_table(), n, model_kind)
    out.append(new(f"model/{model_kind}", "model", inst, claim=spec, note=f"about f: {why}", target="model"))
    net_kind = rng.choice(kinds)
    route = rng.choice(("network", "margin"))
    spec_why = _margin_claim(rng, inst, net_kind) or _claim(rng, inst.values, n, net_kind)
    out.append(new(f"{route}/{net_kind}", route, inst, claim=spec_why[0], note=f"about v via the proven ε: {spec_why[1]}"))
    base = [c for c in out if c.category in ("verify/at-eps", "verify/ulp-past")]
    pick = rng.choice(base)
    out.append(new("bundle/epsilon", "bundle", pick.instance, epsilon=pick.epsilon, note=pick.note))
    spec, why = _claim(rng, inst.values, n, rng.choice(kinds))
    out.append(new("bundle/claim", "bundle", inst, claim=spec, note=f"in a bundle: {why}"))
    return out


def generate_cases(count: int, seed: int = 0, max_n: int = 6) -> list[Case]:
    """``count`` cases from planted instances drawn with ``random.Random(seed)``."""
    rng = random.Random(seed)
    cases: list[Case] = []
    index = 0
    while len(cases) < count:
        cases += instance_cases(planted_instance(rng, index, max_n), rng, first_id=0)
        index += 1
    return cases[:count]
