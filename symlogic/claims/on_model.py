"""Route "model: …": the claim is about the logic model f itself.

Threshold claims (``output``, ``no_effect``) run two engines: Z3 (one ``Optimize`` call for the
tightest value, an exact comparison, and a MaxSAT call for the minimal witness; encoding in
:mod:`symlogic.smt`) and, when the variables that matter (the model's support and the claim's
variables) number at most ``enumerate_limit``, exact enumeration of every assignment of them.
The claim holds only when every engine says so; a Z3 timeout is "unknown", never "holds"; every
witness is re-evaluated exactly outside Z3. Each conclusion node decides itself
(:meth:`~.nodes.Conclusion.on_model`) with the helpers here.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..results import EngineReport
from .exact_values import Vals
from .outcome import Outcome, Table

if TYPE_CHECKING:
    from ..logic import LogicModel
    from ..smt import Z3Model
    from .nodes import Claim, Condition, Conclusion

__all__ = [
    "ModelOptions",
    "Enumeration",
    "Z3Query",
    "check_model",
    "threshold_engines",
    "combine",
    "model_interaction",
    "model_index_value",
    "model_index_by_enumeration",
    "model_values",
]


@dataclass(frozen=True)
class ModelOptions:
    """How a model claim is decided: seconds per Z3 call, the engines, the enumeration limit."""

    timeout: float = 10.0
    engines: str | Sequence[str] = "auto"
    enumerate_limit: int = 20


def check_model(claim: "Claim", lm: "LogicModel", bit: dict[str, int], options: ModelOptions) -> Outcome:
    """The claim about f itself."""
    return claim.on_model(lm, bit, options)


def relevant(lm: "LogicModel", bit: dict[str, int]) -> list[int]:
    """The variables that can matter: the model's support and the claim's own."""
    rel = lm.support_mask
    for x in bit.values():
        rel |= 1 << x
    return [i for i in range(lm.n) if (rel >> i) & 1]


def compressed(lm: "LogicModel", rel: list[int]) -> "LogicModel":
    """The same model over the relevant variables only (bit k = variable rel[k])."""
    from ..logic import LogicModel, Term

    pos = {v: k for k, v in enumerate(rel)}

    def squeeze(mask: int) -> int:
        return sum(1 << pos[i] for i in range(mask.bit_length()) if (mask >> i) & 1)

    terms = [Term(t.kind, squeeze(t.mask), t.coefficient) for t in lm.terms]
    return LogicModel(names=tuple(lm.names[i] for i in rel), terms=tuple(terms))


def deposit(k: int, rel: list[int]) -> int:
    """The full mask of compressed mask ``k``."""
    return sum(1 << rel[j] for j in range(len(rel)) if (k >> j) & 1)


def model_values(small: "LogicModel", masks: np.ndarray) -> Vals:
    """f on the given (compressed) masks: exact int64 numerators over the coefficients' common
    power-of-two denominator when they fit, else float64 with the recursive-summation bound γ_m·Σ|c|."""
    approx = small.evaluate(masks)
    total = sum(abs(t.coefficient) for t in small.terms)
    err = (len(small.terms) + 2) * 2.0**-52 * total
    exact_at = lambda k: small.evaluate_exact(int(masks[k]))  # noqa: E731
    den = max(t.exact.denominator for t in small.terms)
    nums = [int(t.exact * den) for t in small.terms]
    if sum(abs(x) for x in nums) >= 2**62:
        return Vals(approx, err, exact_at)
    num = np.zeros(masks.shape, dtype=np.int64)
    for t, x in zip(small.terms, nums):
        num += np.where(t.fires(masks), np.int64(x), np.int64(0))
    return Vals(approx, err, exact_at, num, den)


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


def model_index_value(lm: "LogicModel", smask: int, index: str, order: int | None) -> Fraction:
    """Exact value at S of a linear index of f (docs/theory.md §2.6), from its terms: I(S) =
    Σ_{U⊇S} c(|S|, |U|) m_f(U), and f's dividends are c at S = R for an AND term R (the bias: R = ∅)
    and −c·(−1)^{|U|} on every ∅ ≠ U ⊆ R for an OR term R."""
    from ..indices.weights import mobius_weights, or_term_weight

    s, n = bin(smask).count("1"), lm.n
    row = mobius_weights(index, n, order)[s]
    total = Fraction(0)
    for t in lm.terms:
        if t.mask & smask != smask:
            continue  # only terms over supersets of S reach I(S)
        r = bin(t.mask).count("1")
        if t.kind in ("bias", "and"):
            total += row[r] * t.exact
        elif t.kind == "or":
            total += or_term_weight(index, s, r, n, order) * t.exact
    return total


#: Most variables for which an index claim on a model is also decided by summing w_S(T)·f(T) over
#: every mask (the second engine; 2^n exact values).
INDEX_ENUMERATION_LIMIT = 16


def model_index_by_enumeration(lm: "LogicModel", smask: int, index: str, order: int | None) -> Fraction:
    """The same value as :func:`model_index_value`, by its value form Σ_T w_S(T)·f(T) over all 2^n
    masks (f exact: int64 numerators when they fit, else Fractions)."""
    from ..indices.weights import value_weights
    from .exact_values import int_class_sum, set_classes

    n = lm.n
    weights = value_weights(index, bin(smask).count("1"), n, order)
    vals = model_values(lm, np.arange(1 << n, dtype=np.int64))
    if vals.num is not None:
        return int_class_sum(vals.num, vals.den, smask, weights)
    classes = set_classes(n, smask)
    return sum((w * sum((vals.exact_at(int(k)) for k in classes[c]), Fraction(0))
                for c, w in weights.items() if c in classes), Fraction(0))


@dataclass(frozen=True)
class Enumeration:
    """Every assignment of the relevant variables ``rel`` (the others absent) as compressed masks:
    ``small`` is f over them, ``bit`` maps the claim's names to compressed bits."""

    lm: "LogicModel"
    small: "LogicModel"
    rel: list[int]
    bit: dict[str, int]
    condition: "Condition"

    @property
    def masks(self) -> np.ndarray:
        return np.arange(1 << len(self.rel), dtype=np.int64)

    def table(self, masks: np.ndarray, at: np.ndarray | None = None) -> Table:
        """f at ``at`` (default: ``masks``), ordered for counterexamples by ``masks``."""
        at = masks if at is None else at
        return Table(masks, model_values(self.small, at), lambda k: deposit(int(at[k]), self.rel))


@dataclass(frozen=True)
class Z3Query:
    """The model encoded in Z3 (``enc``) with the claim's condition as the Z3 term ``cond``."""

    lm: "LogicModel"
    enc: "Z3Model"
    condition: "Condition"
    cond: Any
    bit: dict[str, int]
    rel: list[int]

    @staticmethod
    def unknown(why: str) -> Outcome:
        return Outcome("unknown", f"unknown: Z3 gave no answer ({why})")


def threshold_engines(conclusion: "Conclusion", condition: "Condition", lm: "LogicModel", bit: dict[str, int],
                      options: ModelOptions) -> Outcome:
    """Run Z3 (``conclusion.on_z3``) and enumeration (``conclusion.on_enumeration``); they must agree."""
    from ..smt import Z3Model

    rel = relevant(lm, bit)
    engines = options.engines
    wanted = ("z3", "enumerate") if engines == "auto" else tuple([engines] if isinstance(engines, str) else engines)
    bad_names = [e for e in wanted if e not in ("z3", "enumerate")]
    if bad_names or not wanted:
        raise InputError(f"engines must be 'auto' or a selection of ('z3', 'enumerate'), got {engines!r}")
    use_enum = "enumerate" in wanted and len(rel) <= options.enumerate_limit
    if engines != "auto" and "enumerate" in wanted and not use_enum:
        raise InputError(
            f"enumeration needs at most {options.enumerate_limit} relevant variables, but {len(rel)} matter to this "
            "claim; use engines=('z3',) or raise enumerate_limit"
        )
    results: list[tuple[str, Outcome, float]] = []
    if "z3" in wanted:
        start = time.perf_counter()
        enc = Z3Model(lm, timeout=options.timeout)
        query = Z3Query(lm, enc, condition, condition.to_z3(enc, bit), bit, rel)
        results.append(("z3", conclusion.on_z3(query), time.perf_counter() - start))
    if use_enum:
        start = time.perf_counter()
        small = compressed(lm, rel)
        cbit = {name: rel.index(i) for name, i in bit.items()}
        results.append(("enumeration", conclusion.on_enumeration(Enumeration(lm, small, rel, cbit, condition)),
                        time.perf_counter() - start))
    out = combine(results)
    return replace(out, route="model: " + " + ".join(name for name, _, _ in results))


def combine(results: list[tuple[str, Outcome, float]]) -> Outcome:
    """Engines must agree: any checked counterexample fails the claim; holds needs every engine."""
    reports = tuple(EngineReport(name, o.status, sec, o.explanation) for name, o, sec in results)
    statuses = {o.status for _, o, _ in results}
    said = "; ".join(f"{n}: {o.explanation}" for n, o, _ in results)
    if statuses == {"holds"}:
        vals = [o.values for _, o, _ in results]
        if any(v != vals[0] for v in vals[1:]):
            return Outcome("unknown", "unknown: the engines agree the claim holds but report different tightest values: "
                           + said, engines=reports)
        return replace(results[0][1], engines=reports)
    if "fails" in statuses and "holds" in statuses:
        return Outcome("unknown", "unknown: the engines disagree: " + said, engines=reports)
    if "fails" in statuses:
        failing = [o for _, o, _ in results if o.status == "fails"]
        masks = {o.counterexample["mask"] for o in failing if o.counterexample}
        if len(masks) > 1:
            return Outcome("unknown", "unknown: the engines found different minimal counterexamples: " + said,
                           engines=reports)
        return replace(failing[0], engines=reports)
    unknowns = [o for _, o, _ in results if o.status == "unknown"]
    return replace(unknowns[0], engines=reports)
