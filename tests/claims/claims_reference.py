"""Shared helpers of the claims tests: a brute-force reference (plain loops over all masks, with
Fractions, independent of symlogic.claims' own code), hypothesis strategies, and builders."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from symlogic.claims import (
    Absent,
    And,
    Claim,
    InteractionBound,
    MaxOrder,
    NoEffect,
    Not,
    Or,
    OutputBound,
    Present,
    TrueCond,
)
from symlogic.logic import LogicModel
from symlogic.record import Record

# ---- brute-force reference ---------------------------------------------------------------------


def _cond(c, mask: int, index: dict[str, int]) -> bool:
    if isinstance(c, TrueCond):
        return True
    if isinstance(c, Present):
        return bool(mask >> index[c.name] & 1)
    if isinstance(c, Absent):
        return not mask >> index[c.name] & 1
    if isinstance(c, Not):
        return not _cond(c.arg, mask, index)
    if isinstance(c, And):
        return all(_cond(a, mask, index) for a in c.args)
    return any(_cond(a, mask, index) for a in c.args)


def _cmp(x: Fraction, op: str, c: Fraction) -> bool:
    return {">=": x >= c, "<=": x <= c, ">": x > c, "<": x < c}[op]


def _key(mask: int) -> tuple[int, int]:
    return (bin(mask).count("1"), mask)


def _mobius(value, s: int) -> Fraction:
    total = Fraction(0)
    t = s
    while True:
        total += (-1) ** (bin(s).count("1") - bin(t).count("1")) * value(t)
        if t == 0:
            return total
        t = (t - 1) & s


def brute(claim: Claim, value, names, model: LogicModel | None = None) -> tuple[bool, int | None]:
    """(holds, minimal counterexample mask) by plain loops over all masks, with Fractions."""
    n = len(names)
    index = {x: i for i, x in enumerate(names)}
    c = claim.conclusion
    if isinstance(c, OutputBound):
        bad = [m for m in range(1 << n) if _cond(claim.condition, m, index) and not _cmp(value(m), c.op, c.value)]
    elif isinstance(c, NoEffect):
        i = index[c.name]
        bad = [
            m for m in range(1 << n)
            if not m >> i & 1 and _cond(claim.condition, m, index) and abs(value(m | 1 << i) - value(m)) > c.tol
        ]
    elif isinstance(c, InteractionBound):
        s = sum(1 << index[x] for x in c.names)
        return _cmp(_mobius(value, s), c.op, c.value), (None if _cmp(_mobius(value, s), c.op, c.value) else s)
    else:
        assert isinstance(c, MaxOrder)
        if model is not None:
            bad = [t.mask for t in model.concepts if t.order > c.k]
        else:
            inter = {s: _mobius(value, s) for s in range(1, 1 << n)}
            top = max((abs(v) for v in inter.values()), default=Fraction(0))
            bad = [s for s, v in inter.items() if v != 0 and abs(v) >= top / 20 and bin(s).count("1") > c.k]
    return (not bad), (min(bad, key=_key) if bad else None)


def rec_value(rec: Record):
    return lambda m: Fraction(float(rec.values[m]))


def _random_model(rng: random.Random, names: list[str], terms: int) -> LogicModel:
    return LogicModel.from_terms(
        names, 0.5, [(rng.choice(["and", "or"]), rng.sample(names, rng.randint(1, 4)), rng.randint(-2000, 2000) / 1024) for _ in range(terms)]
    )


def _noisy(lm: LogicModel, delta: float, seed: int = 0) -> tuple[Record, Fraction]:
    rng = np.random.default_rng(seed)
    values = lm.table() + rng.uniform(-delta, delta, size=1 << lm.n)
    exact = max(abs(Fraction(float(values[m])) - lm.evaluate_exact(m)) for m in range(1 << lm.n))
    eps = float(exact)
    if Fraction(eps) < exact:  # a bound must round up
        eps = float(np.nextafter(eps, np.inf))
    return Record.from_table(values, lm.names), Fraction(eps)


_NAMES = ["a", "b", "c", "d"]
_VALUES = st.sampled_from([0.0, 0.1, 0.2, 0.3, 0.1 + 0.2, -0.5, 1.0, 0.75, -1.25, 2.0 / 3.0])
_THRESHOLDS = st.sampled_from(["0", "0.1", "0.2", "0.3", "0.30000000000000004", "-0.5", "1", "0.75", "-1.25", "0.6666666666666666", "0.5", "2.5e-1"])


def _conditions(n: int) -> st.SearchStrategy:
    leaf = st.one_of(
        st.sampled_from(_NAMES[:n]).map(Present), st.sampled_from(_NAMES[:n]).map(Absent), st.just(TrueCond())
    )
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            inner.map(Not),
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
        ),
        max_leaves=4,
    )


@st.composite
def _claims(draw: st.DrawFn, n: int, max_order: bool = True) -> Claim:
    kind = draw(st.sampled_from(["output", "no_effect", "interaction"] + (["max_order"] if max_order else [])))
    text = draw(_THRESHOLDS)
    op = draw(st.sampled_from([">=", "<=", ">", "<"]))
    if kind == "output":
        return Claim(draw(_conditions(n)), OutputBound(op, Fraction(text), text))
    if kind == "no_effect":
        name = draw(st.sampled_from(_NAMES[:n]))
        cond = draw(_conditions(n).filter(lambda c: name not in str(c)))
        tol = abs(Fraction(text))
        return Claim(cond, NoEffect(name, tol))
    if kind == "interaction":
        names = draw(st.lists(st.sampled_from(_NAMES[:n]), min_size=1, max_size=n, unique=True))
        return Claim(TrueCond(), InteractionBound(tuple(names), op, Fraction(text), text))
    return Claim(TrueCond(), MaxOrder(draw(st.integers(0, n))))


_FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_COEFS = st.sampled_from([0.1, 0.2, -0.3, 0.5, -1.0, 0.25, 2.0 / 3.0, 1.5])


@st.composite
def _models(draw: st.DrawFn, n: int) -> LogicModel:
    terms = draw(
        st.lists(
            st.tuples(st.sampled_from(["and", "or"]), st.lists(st.sampled_from(_NAMES[:n]), min_size=1, max_size=n, unique=True), _COEFS),
            max_size=4,
            unique_by=lambda t: (t[0], frozenset(t[1])),
        )
    )
    return LogicModel.from_terms(_NAMES[:n], draw(_COEFS), terms)
