"""Checking a claim on a record (exhaustive, exact) or on a logic model (Z3 + exact enumeration).

Routes (``ClaimResult.route``):

- **record: exhaustive, exact** — every mask of the recorded table is examined; float64 outputs
  are compared with the claim's decimal thresholds as the exact rationals they are (vectorised in
  float64 with an error margin, borderline masks decided with Fractions).
- **model: z3 + enumeration** — the claim is about f itself. Z3 reduces a threshold claim to one
  ``Optimize`` call and an exact comparison of the optimum; when the variables that matter (the
  model's support and the condition's variables) number at most ``enumerate_limit``, every
  assignment of them is also enumerated exactly. The claim holds only when every engine says so;
  a Z3 timeout is "unknown", never "holds"; every witness is re-evaluated exactly outside Z3.
- **model + proven ε = …: network claim** — with |f − v| ≤ ε on every mask (a verdict that holds,
  or a stated float), a claim about the network follows from the claim on f with margin
  (docs/theory.md §4): output thresholds move by ε, a no_effect tolerance shrinks by 2ε, an interaction
  threshold moves by 2^{|S|}·ε (I(S) sums 2^{|S|} outputs with signs ±1). When that fails, the
  network claim is *undecided* (not false), unless a record was passed to decide it exactly.

Counterexamples are the admitted masks with the fewest present variables, ties broken by the
smallest mask integer, named in the record's or model's variable names.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..params import nonnegative_int, positive_seconds
from .grammar import (
    Absent,
    And,
    Claim,
    Condition,
    InteractionBound,
    MaxOrder,
    NoEffect,
    Not,
    Or,
    OutputBound,
    Present,
    TrueCond,
    parse_claim,
    resolve,
)

if TYPE_CHECKING:
    from ..logic import LogicModel
    from ..record import Record

__all__ = [
    "check",
    "ClaimResult",
    "EngineReport",
    "evaluate_condition",
    "exact_signed_sum",
    "model_interaction",
    "SALIENCE",
    "RECORD_ROUTE",
]

#: Salience threshold of ``max_order`` on a record: |I(S)| ≥ SALIENCE · max_{S≠∅} |I(S)| (docs/theory.md §3).
SALIENCE = Fraction(1, 20)
RECORD_ROUTE = "record: exhaustive, exact"
_U = 2.0**-53


# ---- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EngineReport:
    """What one engine concluded: ``outcome`` is "holds", "fails" or "unknown"."""

    name: str
    outcome: str
    seconds: float
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "outcome": self.outcome, "seconds": self.seconds, "detail": self.detail}


@dataclass(frozen=True)
class ClaimResult:
    """The answer to one claim.

    Attributes:
        claim: the claim in canonical form.
        holds: True only when the claim is proven on the subject of ``route``.
        status: "holds", "fails" (a checked counterexample exists), "undecided" (the ε margin was
            too small to carry the claim over to the network; not false) or "unknown" (a timeout or
            disagreeing engines).
        counterexample: for a failing claim, the mask with the fewest present variables (ties: the
            smallest integer) with its names and the exact values involved; else None.
        values: the output values involved (floats), e.g. the tightest value of a true claim.
        explanation: one or two sentences a person can read.
        route: what was checked (see the module docstring).
        engines: what each engine said, with timings.
        seconds: wall time of the whole check.
        parsed: the claim's AST.
    """

    claim: str
    holds: bool
    status: str
    counterexample: dict[str, Any] | None
    values: dict[str, Any]
    explanation: str
    route: str
    engines: tuple[EngineReport, ...] = ()
    seconds: float = 0.0
    parsed: Claim | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (exact values appear as "p/q" strings in the counterexample)."""
        return {
            "claim": self.claim,
            "holds": self.holds,
            "status": self.status,
            "counterexample": self.counterexample,
            "values": self.values,
            "explanation": self.explanation,
            "route": self.route,
            "engines": [e.to_dict() for e in self.engines],
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class _Outcome:
    """One subject's answer before it is wrapped into a :class:`ClaimResult`."""

    status: str
    explanation: str
    counterexample: dict[str, Any] | None = None
    values: dict[str, Any] = field(default_factory=dict)
    engines: tuple[EngineReport, ...] = ()
    route: str = ""


# ---- exact helpers ----------------------------------------------------------------------------


def _cmp(x: Fraction, op: str, c: Fraction) -> bool:
    return {">=": x >= c, "<=": x <= c, ">": x > c, "<": x < c}[op]


def _cmp_array(x: np.ndarray, op: str, c: float) -> np.ndarray:
    return {">=": x >= c, "<=": x <= c, ">": x > c, "<": x < c}[op]


def _fraction_str(fr: Fraction) -> str:
    return f"{fr.numerator}/{fr.denominator}"


def _fmt(fr: Fraction) -> str:
    """A readable value: the nearest float, plus the exact p/q when the float is not exact."""
    f = _to_float(fr)
    if not math.isfinite(f):
        return f"{f!r} (beyond float64; exactly {_fraction_str(fr)})"
    return repr(f) if Fraction(f) == fr else f"{f!r} (exactly {_fraction_str(fr)})"


def _to_float(fr: Fraction) -> float:
    try:
        return float(fr)
    except OverflowError:
        return math.inf if fr > 0 else -math.inf


def _int_bound(c: Fraction, op: str) -> int:
    """The integer k with (x OP c ⇔ x OP' k) for integers x: ceil for >=/<, floor for >/<=."""
    fl = c.numerator // c.denominator
    ce = -((-c.numerator) // c.denominator)
    return ce if op in (">=", "<") else fl


@dataclass(frozen=True)
class _Vals:
    """Exact rational values given as float64 approximations with an error bound (|value − approx| ≤ err),
    a function for the exact value at an index, and, when available, exact integer numerators
    ``num`` over a common denominator ``den`` (then everything is decided in int64)."""

    approx: np.ndarray
    err: np.ndarray | float
    exact_at: Callable[[int], Fraction]
    num: np.ndarray | None = None
    den: int = 1

    def at(self, k: int) -> Fraction:
        if self.num is not None:
            return Fraction(int(self.num[k]), self.den)
        return self.exact_at(k)

    def take(self, idx: np.ndarray) -> "_Vals":
        err = self.err if np.ndim(self.err) == 0 else np.asarray(self.err)[idx]
        num = None if self.num is None else self.num[idx]
        return _Vals(self.approx[idx], err, lambda k: self.exact_at(int(idx[k])), num, self.den)

    def minus(self, other: "_Vals") -> "_Vals":
        """self − other, entry by entry (both over the same index space)."""
        with np.errstate(over="ignore", invalid="ignore"):  # overflowed entries fall to the exact path
            d = self.approx - other.approx
            err = np.abs(d) * 2.0**-52 + self.err + other.err
        num = None
        if self.num is not None and other.num is not None and self.den == other.den:
            num = self.num - other.num
        return _Vals(d, err, lambda k: self.exact_at(k) - other.exact_at(k), num, self.den)

    def decide(self, op: str, c: Fraction) -> np.ndarray:
        """Exact truth of ``value OP c`` per entry.

        Vectorised in float64 away from c; entries within the error margin of c (including every
        value equal to it and every case where float(c) is not c) are decided with exact values.
        """
        if self.num is not None:
            k = max(min(_int_bound(c * self.den, op), 2**63 - 1), -(2**63) + 1)
            return _cmp_array(self.num, op, k)  # type: ignore[arg-type]
        cf = _to_float(c)
        out = _cmp_array(self.approx, op, cf)
        if math.isinf(cf):
            return out
        margin = (np.asarray(self.err, dtype=np.float64) + abs(cf) * 2.0**-52 + 2.0**-1060) * (1 + 2.0**-40)
        with np.errstate(invalid="ignore", over="ignore"):
            border = ~(np.abs(self.approx - cf) > margin)
        for idx in np.flatnonzero(border):
            out[idx] = _cmp(self.exact_at(int(idx)), op, c)
        return out

    def extreme(self, sense: str) -> Fraction:
        """The exact min or max."""
        if self.num is not None:
            k = int(np.argmin(self.num) if sense == "min" else np.argmax(self.num))
            return self.at(k)
        a = self.approx if sense == "min" else -self.approx
        e = np.broadcast_to(np.asarray(self.err, dtype=np.float64), a.shape)
        if not np.any(e):
            return self.exact_at(int(np.argmin(a)))
        with np.errstate(over="ignore", invalid="ignore"):
            bound = float(np.min(a + e))
            # Near float64's limit a ± e overflows (inf − inf = NaN): every entry is then a
            # candidate and the exact values decide.
            if not math.isfinite(bound):
                cand = np.arange(a.shape[0])
            else:
                cand = np.flatnonzero(~(a - e > bound + abs(bound) * 2.0**-40 + 2.0**-1060))
        values = [self.exact_at(int(i)) for i in cand]
        return min(values) if sense == "min" else max(values)


def exact_signed_sum(x: np.ndarray, sign: np.ndarray | None = None) -> Fraction:
    """Σ sign·x exactly for float64 ``x`` (integer mantissas grouped by exponent; vectorised).

    Each float is m·2^e with |m| < 2^53; mantissas are split into 26-bit halves so the per-exponent
    int64 sums cannot overflow for up to 2^36 terms.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return Fraction(0)
    mant, exp = np.frexp(x)
    m = (mant * 2.0**53).astype(np.int64)
    e = exp.astype(np.int64) - 53
    if sign is not None:
        m = m * np.asarray(sign, dtype=np.int64)
    order = np.argsort(e, kind="stable")
    e_s, m_s = e[order], m[order]
    uniq, starts = np.unique(e_s, return_index=True)
    hi = np.add.reduceat(m_s >> 26, starts)
    lo = np.add.reduceat(m_s & ((1 << 26) - 1), starts)
    emin = int(uniq[0])
    total = 0
    for ei, h, l in zip(uniq.tolist(), hi.tolist(), lo.tolist()):
        total += ((int(h) << 26) + int(l)) << (ei - emin)
    return Fraction(total) * (Fraction(2) ** emin)


def _submasks(mask: int) -> tuple[np.ndarray, np.ndarray]:
    """All T ⊆ mask as int64 and the Möbius signs (−1)^{|S|−|T|}."""
    bits = [i for i in range(mask.bit_length()) if (mask >> i) & 1]
    j = np.arange(1 << len(bits), dtype=np.int64)
    subs = np.zeros_like(j)
    for k, b in enumerate(bits):
        subs |= ((j >> k) & 1) << b
    pc = np.bitwise_count(j.astype(np.uint64)).astype(np.int64)
    sign = np.where((len(bits) - pc) % 2 == 0, 1, -1).astype(np.int64)
    return subs, sign


def _popcount(masks: np.ndarray) -> np.ndarray:
    return np.bitwise_count(masks.astype(np.uint64)).astype(np.int64)


def _minimal(masks: np.ndarray) -> int:
    """The mask with the fewest set bits, ties: the smallest integer."""
    order = np.lexsort((masks, _popcount(masks)))
    return int(masks[order[0]])


def evaluate_condition(cond: Condition, masks: np.ndarray, bit: dict[str, int]) -> np.ndarray:
    """Boolean array: does ``cond`` hold on each mask (``bit`` maps names to bit positions)?"""
    masks = np.asarray(masks, dtype=np.int64)
    if isinstance(cond, TrueCond):
        return np.ones(masks.shape, dtype=bool)
    if isinstance(cond, Present):
        return ((masks >> bit[cond.name]) & 1).astype(bool)
    if isinstance(cond, Absent):
        return ((masks >> bit[cond.name]) & 1) == 0
    if isinstance(cond, Not):
        return ~evaluate_condition(cond.arg, masks, bit)
    if isinstance(cond, And):
        out = np.ones(masks.shape, dtype=bool)
        for a in cond.args:
            out &= evaluate_condition(a, masks, bit)
        return out
    if isinstance(cond, Or):
        out = np.zeros(masks.shape, dtype=bool)
        for a in cond.args:
            out |= evaluate_condition(a, masks, bit)
        return out
    raise TypeError(f"not a condition: {cond!r}")


def _condition_on(cond: Condition, mask: int, bit: dict[str, int]) -> bool:
    """``cond`` on one mask given as a Python int (any n, no int64 limit)."""
    if isinstance(cond, TrueCond):
        return True
    if isinstance(cond, Present):
        return bool((mask >> bit[cond.name]) & 1)
    if isinstance(cond, Absent):
        return not (mask >> bit[cond.name]) & 1
    if isinstance(cond, Not):
        return not _condition_on(cond.arg, mask, bit)
    if isinstance(cond, And):
        return all(_condition_on(a, mask, bit) for a in cond.args)
    if isinstance(cond, Or):
        return any(_condition_on(a, mask, bit) for a in cond.args)
    raise TypeError(f"not a condition: {cond!r}")


def _mask_info(mask: int, names: Sequence[str]) -> dict[str, Any]:
    present = [names[i] for i in range(len(names)) if (mask >> i) & 1]
    absent = [names[i] for i in range(len(names)) if not (mask >> i) & 1]
    return {"mask": int(mask), "present": present, "absent": absent}


def _exact_fields(prefix: str, value: Fraction) -> dict[str, Any]:
    return {prefix: _to_float(value), f"{prefix}_exact": _fraction_str(value)}


def _where(cond: Condition, n: int) -> str:
    return f"over all 2^{n} masks" if isinstance(cond, TrueCond) else "under the condition"


def _present_phrase(mask: int, names: Sequence[str]) -> str:
    present = [names[i] for i in range(len(names)) if (mask >> i) & 1]
    return "{" + ", ".join(present) + "}"


_SENSE = {">=": "min", ">": "min", "<=": "max", "<": "max"}
_SYM = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}
_VIOLATION = {">=": "<", ">": "<=", "<=": ">", "<": ">="}


# ---- the subject: a table of exact values ----------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """Outputs on a list of masks: ``masks[k]`` in the subject's own index space (its popcount and
    order are the full mask's), ``vals`` the exact values, ``full(k)`` the full mask integer."""

    masks: np.ndarray
    vals: _Vals
    full: Callable[[int], int]


def _minimal_position(masks: np.ndarray, positions: np.ndarray) -> int:
    """Among ``positions``, the one whose mask has the fewest set bits (ties: smallest integer)."""
    sub = masks[positions]
    order = np.lexsort((sub, _popcount(sub)))
    return int(positions[order[0]])


def _output_claim(
    table: _Table, admitted: np.ndarray, op: str, c: Fraction, cond: Condition, n: int, names: Sequence[str], what: str
) -> _Outcome:
    """``output OP c`` on the admitted masks of ``table`` (exact)."""
    idx = np.flatnonzero(admitted)
    if idx.size == 0:
        return _Outcome("holds", "no mask satisfies the condition; the claim holds vacuously", values={})
    sense = _SENSE[op]
    sub = table.vals.take(idx)
    ext = sub.extreme(sense)
    values = {f"{sense}_output": _to_float(ext), "threshold": _to_float(c)}
    if _cmp(ext, op, c):
        return _Outcome(
            "holds", f"{sense} {what} {_where(cond, n)} is {_fmt(ext)} {_SYM[op]} {_fmt_threshold(c)}", values=values
        )
    bad = idx[~sub.decide(op, c)]
    best = _minimal_position(table.masks, bad)
    mask = table.full(best)
    v = table.vals.at(best)
    cex = {**_mask_info(mask, names), **_exact_fields("output", v), "threshold": _fmt_threshold(c)}
    values = {**values, "output": _to_float(v)}
    k = bin(mask).count("1")
    return _Outcome(
        "fails",
        f"{what} is {_fmt(v)} on mask {mask} {_present_phrase(mask, names)}, which is not {_SYM[op]} {_fmt_threshold(c)} "
        f"(the counterexample with the fewest present variables: {k} of {n}; {sense} {what} {_where(cond, n)} "
        f"is {_fmt(ext)})",
        counterexample=cex,
        values=values,
    )


def _fmt_threshold(c: Fraction) -> str:
    return _fmt(c) if c.denominator & (c.denominator - 1) == 0 else f"{_to_float(c)!r} (exactly {_fraction_str(c)})"


def _effect_claim(
    without: _Table, with_: _Table, admitted: np.ndarray, tol: Fraction, name: str, cond: Condition, n: int,
    names: Sequence[str], what: str,
) -> _Outcome:
    """``no_effect(name, tol)``: |out(T ∪ {i}) − out(T)| ≤ tol on admitted T ∌ i (exact).

    Both tables are indexed alike: entry k of ``without`` is T, entry k of ``with_`` is T ∪ {i}.
    """
    idx = np.flatnonzero(admitted)
    if idx.size == 0:
        return _Outcome("holds", "no mask satisfies the condition; the claim holds vacuously", values={})
    d = with_.vals.minus(without.vals).take(idx)
    hi, lo = d.extreme("max"), d.extreme("min")
    worst = max(hi, -lo)
    values = {"max_change": _to_float(worst), "max_increase": _to_float(hi), "max_decrease": _to_float(-lo), "tol": _to_float(tol)}
    label = f"|{what}(T ∪ {{{name}}}) − {what}(T)|"
    if worst <= tol:
        return _Outcome("holds", f"max {label} {_where(cond, n)} is {_fmt(worst)} ≤ {_fmt_threshold(tol)}", values=values)
    ok = d.decide("<=", tol) & d.decide(">=", -tol)
    best = _minimal_position(without.masks, idx[~ok])
    mask, mask_with = without.full(best), with_.full(best)
    v0, v1 = without.vals.at(best), with_.vals.at(best)
    cex = {
        **_mask_info(mask, names),
        **_exact_fields("output", v0),
        "mask_with": mask_with,
        **_exact_fields("output_with", v1),
        **_exact_fields("difference", v1 - v0),
        "tol": _fmt_threshold(tol),
    }
    values = {**values, "output": _to_float(v0), "output_with": _to_float(v1), "difference": _to_float(v1 - v0)}
    return _Outcome(
        "fails",
        f"adding {name!r} to mask {mask} {_present_phrase(mask, names)} changes {what} from {_fmt(v0)} to "
        f"{_fmt(v1)} (by {_fmt(v1 - v0)}), more than {_fmt_threshold(tol)} (the counterexample with the fewest "
        f"present variables; max {label} is {_fmt(worst)})",
        counterexample=cex,
        values=values,
    )


def _interaction_outcome(value: Fraction, smask: int, op: str, c: Fraction, names: Sequence[str], what: str) -> _Outcome:
    label = "I(" + ", ".join(names[i] for i in range(len(names)) if (smask >> i) & 1) + ")"
    values = {"interaction": _to_float(value), "threshold": _to_float(c)}
    if _cmp(value, op, c):
        return _Outcome("holds", f"{label} of the {what} is {_fmt(value)} {_SYM[op]} {_fmt_threshold(c)}", values=values)
    cex = {**_mask_info(smask, names), **_exact_fields("interaction", value), "threshold": _fmt_threshold(c)}
    return _Outcome(
        "fails", f"{label} of the {what} is {_fmt(value)}, which is not {_SYM[op]} {_fmt_threshold(c)}", counterexample=cex, values=values
    )


# ---- record route -----------------------------------------------------------------------------


def _record_vals(values: np.ndarray, masks: np.ndarray) -> _Vals:
    """Recorded outputs at ``masks``: float64 values are exact, so the error bound is 0."""
    return _Vals(values[masks], 0.0, lambda k: Fraction(float(values[int(masks[k])])))


def _check_record(claim: Claim, rec: "Record", bit: dict[str, int]) -> _Outcome:
    """Exhaustive, exact check on the recorded table."""
    n, names, values = rec.n, rec.names, rec.values
    c = claim.conclusion
    allm = np.arange(values.shape[0], dtype=np.int64)
    start = time.perf_counter()
    if isinstance(c, OutputBound):
        table = _Table(allm, _record_vals(values, allm), lambda k: int(k))
        admitted = evaluate_condition(claim.condition, allm, bit)
        out = _output_claim(table, admitted, c.op, c.value, claim.condition, n, names, "output")
    elif isinstance(c, NoEffect):
        i = bit[c.name]
        base = allm[((allm >> i) & 1) == 0]
        up = base | (1 << i)
        without = _Table(base, _record_vals(values, base), lambda k: int(base[k]))
        with_ = _Table(base, _record_vals(values, up), lambda k: int(up[k]))
        admitted = evaluate_condition(claim.condition, base, bit)
        out = _effect_claim(without, with_, admitted, c.tol, c.name, claim.condition, n, names, "output")
    elif isinstance(c, InteractionBound):
        smask = sum(1 << bit[x] for x in c.names)
        subs, sign = _submasks(smask)
        value = exact_signed_sum(values[subs], sign)
        out = _interaction_outcome(value, smask, c.op, c.value, names, "recorded output")
    elif isinstance(c, MaxOrder):
        out = _record_max_order(rec, c.k)
    else:  # pragma: no cover - the parser makes no other conclusions
        raise TypeError(f"unknown conclusion {c!r}")
    report = EngineReport("exhaustive", out.status, time.perf_counter() - start, f"2^{n} masks, exact")
    return replace(out, engines=(report,), route=RECORD_ROUTE)


def _record_max_order(rec: "Record", k: int) -> _Outcome:
    """No AND interaction of order > k is salient: |I(S)| ≥ SALIENCE·max_{S≠∅}|I(S)| (and I(S) ≠ 0).

    I is the Möbius transform in float64 with the error bound γ_n·Σ_{T⊆S}|v(T)| (one rounding per
    butterfly level); sets whose salience is in doubt are recomputed exactly.
    """
    from ..transforms import and_interactions, subset_sum

    n, names = rec.n, rec.names
    if n == 0:
        return _Outcome("holds", "there are no variables, hence no concepts", values={"max_salient_order": 0})
    values = rec.values
    # Salience is scale-free, so the float pass runs on the table times 2^−shift, small enough
    # that no sum of 2^n entries overflows; values that underflow on the way cost at most
    # 2^−1074 each, added to the error bound. Exact values are of the table itself, rescaled.
    peak = float(np.max(np.abs(values), initial=0.0))
    shift = max(0, int(np.frexp(peak)[1]) - (1000 - n)) if peak > 0 else 0
    scaled = np.ldexp(values, -shift) if shift else values
    approx = np.asarray(and_interactions(scaled), dtype=np.float64)
    err = np.asarray(subset_sum(np.abs(scaled)), dtype=np.float64) * ((n + 2) * 2.0**-52) + (2.0**(n - 1073) if shift else 0.0)
    masks = np.arange(values.shape[0], dtype=np.int64)
    order = _popcount(masks)
    cache: dict[int, Fraction] = {}
    unit = Fraction(2) ** shift

    def exact(s: int) -> Fraction:
        """I(S) of the table itself, exactly."""
        if s not in cache:
            subs, sign = _submasks(s)
            cache[s] = exact_signed_sum(values[subs], sign)
        return cache[s]

    nz = masks[1:]
    mag = _Vals(np.abs(approx[1:]), err[1:], lambda j: abs(exact(int(nz[j]))) / unit)
    m_top = mag.extreme("max")
    tau = SALIENCE * m_top
    if m_top == 0:
        return _Outcome("holds", "every interaction of a non-empty set is 0: no concept is salient", values={"max_salient_order": 0})
    sal_masks = nz[mag.decide(">=", tau)]
    top_order = int(order[sal_masks].max()) if sal_masks.size else 0
    tau, m_top = tau * unit, m_top * unit  # back to the table's own scale for the reader
    values_out = {"max_salient_order": top_order, "tau": _to_float(tau), "max_abs_interaction": _to_float(m_top), "salient": int(sal_masks.size)}
    tail = f"(τ = 0.05·max|I| = {_fmt(tau)}, {sal_masks.size} salient sets of {values.shape[0] - 1})"
    if top_order <= k:
        return _Outcome("holds", f"the highest order of a salient AND interaction is {top_order} ≤ {k} {tail}", values=values_out)
    bad = sal_masks[order[sal_masks] > k]
    s = _minimal(bad)
    v = exact(s)
    cex = {**_mask_info(s, names), "order": int(order[s]), **_exact_fields("interaction", v), "tau": _fmt(tau)}
    return _Outcome(
        "fails",
        f"I({', '.join(rec.present(s))}) = {_fmt(v)} is salient and of order {int(order[s])} > {k} "
        f"(the smallest such set; {int(bad.size)} salient sets have order > {k}; highest order {top_order}) {tail}",
        counterexample=cex,
        values={**values_out, "interaction": _to_float(v)},
    )


# ---- model route ------------------------------------------------------------------------------


def _relevant(lm: "LogicModel", claim: Claim, bit: dict[str, int]) -> list[int]:
    """The variables that can matter: the model's support, the condition's and the claim's own."""
    rel = lm.support_mask
    for x in bit.values():
        rel |= 1 << x
    return [i for i in range(lm.n) if (rel >> i) & 1]


def _compressed(lm: "LogicModel", rel: list[int]) -> "LogicModel":
    """The same model over the relevant variables only (bit k = variable rel[k])."""
    from ..logic import LogicModel, Term

    pos = {v: k for k, v in enumerate(rel)}

    def squeeze(mask: int) -> int:
        return sum(1 << pos[i] for i in range(mask.bit_length()) if (mask >> i) & 1)

    terms = [Term(t.kind, squeeze(t.mask), t.coefficient) for t in lm.terms]
    return LogicModel(names=tuple(lm.names[i] for i in rel), terms=tuple(terms))


def _deposit(k: int, rel: list[int]) -> int:
    return sum(1 << rel[j] for j in range(len(rel)) if (k >> j) & 1)


def _model_vals(small: "LogicModel", masks: np.ndarray) -> _Vals:
    """f on the given (compressed) masks: exact int64 numerators over the coefficients' common
    power-of-two denominator when they fit, else float64 with the recursive-summation bound γ_m·Σ|c|."""
    approx = small.evaluate(masks)
    total = sum(abs(t.coefficient) for t in small.terms)
    err = (len(small.terms) + 2) * 2.0**-52 * total
    exact_at = lambda k: small.evaluate_exact(int(masks[k]))  # noqa: E731
    den = max(t.exact.denominator for t in small.terms)
    nums = [int(t.exact * den) for t in small.terms]
    if sum(abs(x) for x in nums) >= 2**62:
        return _Vals(approx, err, exact_at)
    num = np.zeros(masks.shape, dtype=np.int64)
    for t, x in zip(small.terms, nums):
        num += np.where(t.fires(masks), np.int64(x), np.int64(0))
    return _Vals(approx, err, exact_at, num, den)


def _enumerate_model(claim: Claim, lm: "LogicModel", bit: dict[str, int], rel: list[int]) -> _Outcome:
    """Exact enumeration of every assignment of the relevant variables (the others absent)."""
    small = _compressed(lm, rel)
    cbit = {name: rel.index(i) for name, i in bit.items()}
    allm = np.arange(1 << len(rel), dtype=np.int64)
    c = claim.conclusion
    if isinstance(c, OutputBound):
        table = _Table(allm, _model_vals(small, allm), lambda k: _deposit(int(k), rel))
        admitted = evaluate_condition(claim.condition, allm, cbit)
        return _output_claim(table, admitted, c.op, c.value, claim.condition, lm.n, lm.names, "f")
    assert isinstance(c, NoEffect)
    ci = cbit[c.name]
    base = allm[((allm >> ci) & 1) == 0]
    up = base | (1 << ci)
    without = _Table(base, _model_vals(small, base), lambda k: _deposit(int(base[k]), rel))
    with_ = _Table(base, _model_vals(small, up), lambda k: _deposit(int(up[k]), rel))
    admitted = evaluate_condition(claim.condition, base, cbit)
    return _effect_claim(without, with_, admitted, c.tol, c.name, claim.condition, lm.n, lm.names, "f")


def _z3_model(claim: Claim, lm: "LogicModel", bit: dict[str, int], rel: list[int], timeout: float) -> _Outcome:
    """One Optimize call for the tightest value, an exact comparison, and a MaxSAT call for the witness."""
    import z3

    from .z3model import Z3Model

    enc = Z3Model(lm, timeout=timeout)
    cond = enc.condition(claim.condition, bit)
    c = claim.conclusion
    names, n = lm.names, lm.n

    def unknown(why: str) -> _Outcome:
        return _Outcome("unknown", f"unknown: Z3 gave no answer ({why})")

    if isinstance(c, OutputBound):
        sense = _SENSE[c.op]
        opt = enc.optimize(enc.f, sense, [cond])
        if opt.status == "unsat":
            return _Outcome("holds", "no mask satisfies the condition; the claim holds vacuously")
        if opt.status != "sat":
            return unknown(opt.reason or "timeout")
        assert opt.value is not None and opt.mask is not None
        if lm.evaluate_exact(opt.mask) != opt.value or not _condition_on(claim.condition, opt.mask, bit):
            return unknown(f"its optimum {opt.value} does not re-evaluate exactly at mask {opt.mask}")
        values = {f"{sense}_output": _to_float(opt.value), "threshold": _to_float(c.value)}
        if _cmp(opt.value, c.op, c.value):
            return _Outcome("holds", f"{sense} f {_where(claim.condition, n)} is {_fmt(opt.value)} {_SYM[c.op]} {_fmt_threshold(c.value)}", values=values)
        wit = enc.minimal_witness([cond, enc.compare(enc.f, _VIOLATION[c.op], c.value)], rel)
        if wit.status != "sat" or wit.mask is None:
            return unknown(f"the minimal counterexample query: {wit.reason or wit.status}")
        v = lm.evaluate_exact(wit.mask)
        if _cmp(v, c.op, c.value) or not _condition_on(claim.condition, wit.mask, bit):
            return unknown(f"its witness {wit.mask} does not re-evaluate as a counterexample")
        cex = {**_mask_info(wit.mask, names), **_exact_fields("output", v), "threshold": _fmt_threshold(c.value)}
        return _Outcome(
            "fails",
            f"f is {_fmt(v)} on mask {wit.mask} {_present_phrase(wit.mask, names)}, which is not {_SYM[c.op]} "
            f"{_fmt_threshold(c.value)} (the counterexample with the fewest present variables: "
            f"{bin(wit.mask).count('1')} of {n}; {sense} f {_where(claim.condition, n)} is {_fmt(opt.value)})",
            counterexample=cex,
            values={**values, "output": _to_float(v)},
        )
    assert isinstance(c, NoEffect)
    i = bit[c.name]
    delta = enc.effect(i)
    base = [cond, z3.Not(enc.var(i))]
    hi = enc.optimize(delta, "max", base)
    if hi.status == "unsat":
        return _Outcome("holds", "no mask satisfies the condition; the claim holds vacuously")
    lo = enc.optimize(delta, "min", base)
    if hi.status != "sat" or lo.status != "sat":
        return unknown(hi.reason or lo.reason or "timeout")

    def exact_delta(mask: int) -> Fraction:
        return lm.evaluate_exact(mask | (1 << i)) - lm.evaluate_exact(mask & ~(1 << i))

    for o in (hi, lo):
        assert o.mask is not None
        if exact_delta(o.mask) != o.value or (o.mask >> i) & 1:
            return unknown(f"its optimum {o.value} does not re-evaluate exactly at mask {o.mask}")
    assert hi.value is not None and lo.value is not None
    worst = max(hi.value, -lo.value)
    values = {"max_change": _to_float(worst), "max_increase": _to_float(hi.value), "max_decrease": _to_float(-lo.value), "tol": _to_float(c.tol)}
    label = f"|f(T ∪ {{{c.name}}}) − f(T)|"
    if worst <= c.tol:
        return _Outcome("holds", f"max {label} {_where(claim.condition, n)} is {_fmt(worst)} ≤ {_fmt_threshold(c.tol)}", values=values)
    viol = z3.Or(enc.compare(delta, ">", c.tol), enc.compare(delta, "<", -c.tol))
    wit = enc.minimal_witness(base + [viol], [j for j in rel if j != i])
    if wit.status != "sat" or wit.mask is None:
        return unknown(f"the minimal counterexample query: {wit.reason or wit.status}")
    mask = wit.mask
    v0, v1 = lm.evaluate_exact(mask), lm.evaluate_exact(mask | (1 << i))
    if abs(v1 - v0) <= c.tol or (mask >> i) & 1 or not _condition_on(claim.condition, mask, bit):
        return unknown(f"its witness {mask} does not re-evaluate as a counterexample")
    cex = {
        **_mask_info(mask, names),
        **_exact_fields("output", v0),
        "mask_with": mask | (1 << i),
        **_exact_fields("output_with", v1),
        **_exact_fields("difference", v1 - v0),
        "tol": _fmt_threshold(c.tol),
    }
    return _Outcome(
        "fails",
        f"adding {c.name!r} to mask {mask} {_present_phrase(mask, names)} changes f from {_fmt(v0)} to {_fmt(v1)} "
        f"(by {_fmt(v1 - v0)}), more than {_fmt_threshold(c.tol)} (the counterexample with the fewest present "
        f"variables; max {label} is {_fmt(worst)})",
        counterexample=cex,
        values={**values, "output": _to_float(v0), "output_with": _to_float(v1), "difference": _to_float(v1 - v0)},
    )


def model_interaction(lm: "LogicModel", smask: int) -> Fraction:
    """Exact AND interaction of f at S: AND term R gives c·[S = R] (bias: S = ∅);
    OR term R gives −c·(−1)^{|S|}·[∅ ≠ S ⊆ R] (the Möbius transform of 1 − [T ∩ R = ∅])."""
    total = Fraction(0)
    parity = -1 if bin(smask).count("1") % 2 else 1
    for t in lm.terms:
        if t.kind in ("bias", "and") and t.mask == smask:
            total += t.exact
        elif t.kind == "or" and smask and smask & ~t.mask == 0:
            total -= parity * t.exact
    return total


def _combine(results: list[tuple[str, _Outcome, float]]) -> _Outcome:
    """Engines must agree: any checked counterexample fails the claim; holds needs every engine."""
    reports = tuple(EngineReport(name, o.status, sec, o.explanation) for name, o, sec in results)
    statuses = {o.status for _, o, _ in results}
    if statuses == {"holds"}:
        vals = [o.values for _, o, _ in results]
        if any(v != vals[0] for v in vals[1:]):
            return _Outcome("unknown", "unknown: the engines agree the claim holds but report different tightest values: "
                            + "; ".join(f"{n}: {o.explanation}" for n, o, _ in results), engines=reports)
        return replace(results[0][1], engines=reports)
    if "fails" in statuses and "holds" in statuses:
        return _Outcome("unknown", "unknown: the engines disagree: " + "; ".join(f"{n}: {o.explanation}" for n, o, _ in results), engines=reports)
    if "fails" in statuses:
        failing = [o for _, o, _ in results if o.status == "fails"]
        masks = {o.counterexample["mask"] for o in failing if o.counterexample}
        if len(masks) > 1:
            return _Outcome("unknown", "unknown: the engines found different minimal counterexamples: "
                            + "; ".join(f"{n}: {o.explanation}" for n, o, _ in results), engines=reports)
        return replace(failing[0], engines=reports)
    unknowns = [o for _, o, _ in results if o.status == "unknown"]
    return replace(unknowns[0], engines=reports)


def _check_model(
    claim: Claim, lm: "LogicModel", bit: dict[str, int], timeout: float, engines: str | Sequence[str], enumerate_limit: int
) -> _Outcome:
    """The claim about f itself."""
    c = claim.conclusion
    if isinstance(c, InteractionBound):
        start = time.perf_counter()
        smask = sum(1 << bit[x] for x in c.names)
        value = model_interaction(lm, smask)
        results = [("mobius-formula", _interaction_outcome(value, smask, c.op, c.value, lm.names, "model"), time.perf_counter() - start)]
        if len(c.names) <= 12:
            start = time.perf_counter()
            subs, sign = _submasks(smask)
            brute = sum((int(s) * lm.evaluate_exact(int(m)) for m, s in zip(subs, sign)), Fraction(0))
            results.append(("enumeration", _interaction_outcome(brute, smask, c.op, c.value, lm.names, "model"), time.perf_counter() - start))
        out = _combine(results)
        return replace(out, route="model: exact Möbius of the terms")
    if isinstance(c, MaxOrder):
        start = time.perf_counter()
        top = lm.max_order
        values = {"max_salient_order": top}
        if top <= c.k:
            out = _Outcome("holds", f"the model's highest term order is {top} ≤ {c.k} (every term of a model counts as a concept)", values=values)
        else:
            bad = np.array([t.mask for t in lm.concepts if t.order > c.k], dtype=object)
            s = min((int(m) for m in bad), key=lambda m: (bin(m).count("1"), m))
            term = next(t for t in lm.concepts if t.mask == s and t.order > c.k)
            cex = {**_mask_info(s, lm.names), "order": term.order, "kind": term.kind, **_exact_fields("coefficient", term.exact)}
            out = _Outcome("fails", f"the model has the term {term.label()} of order {term.order} > {c.k} (the smallest such term; highest order {top})",
                           counterexample=cex, values=values)
        report = EngineReport("terms", out.status, time.perf_counter() - start, "read from the term list")
        return replace(out, engines=(report,), route="model: terms")
    rel = _relevant(lm, claim, bit)
    wanted = ("z3", "enumerate") if engines == "auto" else tuple([engines] if isinstance(engines, str) else engines)
    bad_names = [e for e in wanted if e not in ("z3", "enumerate")]
    if bad_names or not wanted:
        raise InputError(f"engines must be 'auto' or a selection of ('z3', 'enumerate'), got {engines!r}")
    use_enum = "enumerate" in wanted and len(rel) <= enumerate_limit
    if engines != "auto" and "enumerate" in wanted and not use_enum:
        raise InputError(
            f"enumeration needs at most {enumerate_limit} relevant variables, but {len(rel)} matter to this claim; "
            "use engines=('z3',) or raise enumerate_limit"
        )
    results: list[tuple[str, _Outcome, float]] = []
    if "z3" in wanted:
        start = time.perf_counter()
        results.append(("z3", _z3_model(claim, lm, bit, rel, timeout), time.perf_counter() - start))
    if use_enum:
        start = time.perf_counter()
        results.append(("enumeration", _enumerate_model(claim, lm, bit, rel), time.perf_counter() - start))
    out = _combine(results)
    route = "model: " + " + ".join("enumeration" if name == "enumeration" else "z3" for name, _, _ in results)
    return replace(out, route=route)


# ---- the ε route -----------------------------------------------------------------------------


def _with_margin(claim: Claim, eps: Fraction) -> Claim | None:
    """The claim on f that implies the claim on v when |f − v| ≤ ε everywhere (None: cannot)."""
    c = claim.conclusion
    if isinstance(c, OutputBound):
        shift = eps if c.op in (">=", ">") else -eps
        return replace(claim, conclusion=OutputBound(c.op, c.value + shift))
    if isinstance(c, NoEffect):
        tol = c.tol - 2 * eps
        return None if tol < 0 else replace(claim, conclusion=replace(c, tol=tol, text=""))
    if isinstance(c, InteractionBound):
        m = eps * (1 << len(c.names))
        return replace(claim, conclusion=replace(c, value=c.value + (m if c.op in (">=", ">") else -m), text=""))
    return None


def _epsilon_of(epsilon: Any, lm: "LogicModel", rec: "Record | None") -> tuple[Fraction, str] | None:
    """ε as an exact rational and how we know it ("proven" from a verdict, "given" as a number).

    A verdict counts only for the model (and record) it was proven for: a proof about another
    model bounds nothing here. A number is taken as the exact rational it denotes
    (:func:`symlogic.exact.exact_bound`): rounding 1/10 to the float 0.1 would move a margin.
    """
    from ..exact import exact_bound
    from ..verify import Verdict

    if epsilon is None:
        return None
    if isinstance(epsilon, Verdict):
        if not epsilon.holds:
            raise InputError(
                f"the verdict passed as epsilon does not hold (|f − v| ≤ {epsilon.epsilon!r} fails somewhere), "
                "so it proves nothing; pass a verdict that holds, or check the claim on the record"
            )
        if not epsilon.bound_to(lm, rec):
            what = "model" if not epsilon.bound_to(lm) else "record"
            raise InputError(
                f"the verdict passed as epsilon was proven for another {what} (its {what} SHA-256 differs), so it "
                f"does not bound this {what}'s error; pass verify(model, record) for this model and record"
            )
        return epsilon.epsilon_fraction, "proven"
    if hasattr(epsilon, "holds") and hasattr(epsilon, "epsilon"):
        raise InputError(f"epsilon must be a number or a symlogic Verdict, got a {type(epsilon).__name__}; "
                         "a verdict must come from verify() so that it is bound to its model and record")
    return exact_bound(epsilon, "epsilon"), "given"


def _split_target(target: Any, record: Any) -> tuple["Record | None", "LogicModel | None"]:
    from ..logic import LogicModel
    from ..record import Record

    lm: LogicModel | None = None
    rec: Record | None = None
    if isinstance(target, LogicModel):
        lm = target
    elif isinstance(target, Record):
        rec = target
    elif isinstance(getattr(target, "model", None), LogicModel):  # an extraction result
        lm = target.model
        if isinstance(getattr(target, "record", None), Record) and record is None:
            rec = target.record
    else:
        raise InputError(f"check() takes a Record or a LogicModel, got {type(target).__name__}")
    if record is not None:
        if not isinstance(record, Record):
            raise InputError(f"record= must be a Record, got {type(record).__name__}")
        if rec is None:
            rec = record
    if rec is not None and lm is not None and tuple(rec.names) != tuple(lm.names):
        raise InputError(f"the record's variables {list(rec.names)} differ from the model's {list(lm.names)}")
    return rec, lm


def check(
    claim: str | Claim,
    target: Any,
    epsilon: Any = None,
    *,
    record: "Record | None" = None,
    timeout: float = 10.0,
    engines: str | Sequence[str] = "auto",
    enumerate_limit: int = 20,
) -> ClaimResult:
    """Check a claim on a record (exact, exhaustive) or on a logic model (Z3 + enumeration).

    Args:
        claim: claim text (see :mod:`symlogic.claims.grammar`) or a parsed :class:`Claim`.
        target: a :class:`~symlogic.record.Record` or a :class:`~symlogic.logic.LogicModel`.
        epsilon: with a model, a bound |f − v| ≤ ε on every mask (a float, or a verdict with
            ``.holds`` and ``.epsilon``): the claim is then about the *network* and is proven
            from the model with margin (docs/theory.md §4).
        record: with a model, the record: ε is computed by :func:`symlogic.verify.verify` when
            not given, and a claim the margin cannot carry is decided on the record exactly.
        timeout: seconds per Z3 call; a timeout gives ``status="unknown"``, never "holds".
        engines: "auto" (Z3, plus enumeration when at most ``enumerate_limit`` variables matter),
            or a selection of ("z3", "enumerate").
        enumerate_limit: the most relevant variables enumerated exactly (2^k assignments).

    Returns:
        A :class:`ClaimResult`.

    Raises:
        ClaimSyntaxError: the claim does not parse (the position points at the offending character).
        UnknownNameError: the claim names a variable the target lacks (lists the valid names).

    Example:
        >>> rec = Record.from_table([0.0, 1.0, 1.0, 3.0], ["a", "b"])      # doctest: +SKIP
        >>> check("present(a) & present(b) -> output >= 2.5", rec).holds    # doctest: +SKIP
        True
    """
    start = time.perf_counter()
    timeout = positive_seconds(timeout, "timeout")
    enumerate_limit = nonnegative_int(enumerate_limit, "enumerate_limit", "it is how many variables may be enumerated")
    parsed = claim if isinstance(claim, Claim) else parse_claim(claim)
    rec, lm = _split_target(target, record)
    names = (lm if lm is not None else rec).names  # type: ignore[union-attr]
    bit = resolve(parsed, names)
    notes: list[str] = []

    if lm is None:
        assert rec is not None
        out = _check_record(parsed, rec, bit)
        if epsilon is not None:
            notes.append("(epsilon was ignored: a record is checked exactly, with no model in between.)")
    else:
        eps = _epsilon_of(epsilon, lm, rec)
        if eps is not None and rec is not None:
            _confirm_epsilon(lm, rec, eps[0])
        if eps is None and rec is not None:
            eps = _verified_epsilon(lm, rec, notes)
        if eps is None and rec is None:
            out = _check_model(parsed, lm, bit, timeout, engines, enumerate_limit)
        elif eps is None:
            assert rec is not None
            out = _check_record(parsed, rec, bit)
        else:
            out = _network_claim(parsed, lm, rec, bit, eps, timeout, engines, enumerate_limit)
    if notes:
        out = replace(out, explanation=out.explanation + " " + " ".join(notes))
    return ClaimResult(
        claim=str(parsed),
        holds=out.status == "holds",
        status=out.status,
        counterexample=out.counterexample if out.status == "fails" else None,
        values=out.values,
        explanation=out.explanation,
        route=out.route,
        engines=out.engines,
        seconds=time.perf_counter() - start,
        parsed=parsed,
    )


def _confirm_epsilon(lm: "LogicModel", rec: "Record", eps: Fraction) -> None:
    """With the record at hand, an ε (a number, or a verdict about some other model or record) must
    bound this model's error on this record, else the margin would prove claims false of it."""
    from ..exact import max_error

    worst = max_error(lm, rec.values)
    if worst.value > eps:
        raise InputError(
            f"epsilon {_fmt(eps)} does not bound this model's error on this record (max |f − v| = {_fmt(worst.value)} "
            f"at mask {worst.mask}); pass the verdict of verify(model, record) or a larger epsilon"
        )


def _verified_epsilon(lm: "LogicModel", rec: "Record", notes: list[str]) -> tuple[Fraction, str] | None:
    """ε from :func:`symlogic.verify.verify` when that module is there; None otherwise."""
    try:
        from ..verify import verify  # type: ignore[attr-defined]
    except ImportError:
        notes.append("(symlogic.verify is unavailable, so the claim was decided on the record directly.)")
        return None
    verdict = verify(lm, rec)
    if not verdict.holds:
        return None
    return verdict.epsilon_fraction, "proven"


def _network_claim(
    claim: Claim, lm: "LogicModel", rec: "Record | None", bit: dict[str, int], eps: tuple[Fraction, str],
    timeout: float, engines: str | Sequence[str], enumerate_limit: int,
) -> _Outcome:
    """A claim about v from the claim on f with margin ε; else the record, else undecided."""
    value, how = eps
    eps_text = repr(_to_float(value))
    route = f"model + {how} ε = {eps_text}: network claim"
    margin = _with_margin(claim, value)
    if margin is None:
        why = (
            f"the tolerance is smaller than 2ε = {_fmt(2 * value)}"
            if isinstance(claim.conclusion, NoEffect)
            else "max_order is about the salient interactions of the network, which the model's margin does not determine"
        )
        inner = None
    else:
        inner = _check_model(margin, lm, bit, timeout, engines, enumerate_limit)
        if inner.status == "holds":
            return replace(
                inner,
                explanation=f"the model satisfies '{margin}' (the claim with margin ε = {eps_text}): {inner.explanation}; "
                f"since |f − v| ≤ ε on every mask, the network satisfies '{claim}'",
                route=route,
            )
        why = f"the model does not satisfy '{margin}' with margin ε = {eps_text} ({inner.status}: {inner.explanation})"
    if rec is not None:
        out = _check_record(claim, rec, bit)
        engines_all = (inner.engines if inner else ()) + out.engines
        return replace(out, explanation=f"{out.explanation} (decided on the record: {why})", engines=engines_all)
    # Refute through the model: if f breaks the claim by more than ε somewhere (the claim with the
    # margin against it fails on f), v breaks the claim itself at that mask (Lemma B, mirrored).
    opposite = _with_margin(claim, -value)
    if opposite is not None:
        refute = _check_model(opposite, lm, bit, timeout, engines, enumerate_limit)
        if refute.status == "fails":
            return replace(
                refute,
                explanation=f"the model violates '{opposite}' (the claim with margin ε = {eps_text} against it): "
                f"{refute.explanation}; since |f − v| ≤ ε on every mask, the network violates '{claim}' at that mask",
                route=route,
            )
    if inner is not None and inner.status == "unknown":
        return replace(inner, explanation=f"unknown: {why}", route=route, counterexample=None)
    return _Outcome(
        "undecided",
        f"the network claim is undecided (not false): {why}; pass record= to decide it exactly on the recorded outputs",
        values=inner.values if inner else {},
        engines=inner.engines if inner else (),
        route=route,
    )
