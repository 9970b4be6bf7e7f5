"""What every theorem check shares: results, subsets, the operators of docs/theory.md §2.3 written
from their definitions, the package's butterflies read as exact matrices, and Z3 helpers.

A *table* is a sequence over the 2^n masks (index = mask, bit i = variable i, docs/theory.md §1.2)
of SymPy expressions, Fractions, ints or Z3 terms. The definitions below are plain sums over
subsets, written once for any such element type, so that the same formula is checked symbolically
(SymPy), over the reals (Z3) and re-evaluated exactly (Fractions). They cost O(3^n) or O(4^n): they
are references for small n, never kernels.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

import sympy
import z3

from symlogic.errors import InputError
from symlogic.masks import mask_bits

Table = Sequence[Any]
#: A transform under test: (table, n) → table (or, for attributions, one value per variable).
Transform = Callable[[Table, int], list]

__all__ = [
    "Table", "Transform", "Counterexample", "Result", "Refuted", "run_check", "label", "named",
    "popcount", "submasks", "set_text", "total", "absolute", "symbols", "size_limit",
    "mobius", "zeta", "superset_sum", "or_transform", "or_values", "or_sum", "or_sum_transpose",
    "complement", "lift", "require_zero", "describe", "z3_prove", "require_proved", "as_fraction", "fraction_text",
]


# ---- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counterexample:
    """Where a statement failed: the part of the theorem, the formula under test, the smallest
    size and mask (or values) at which it breaks, and the offending residual or model."""

    part: str
    formula: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.part} fails for {self.formula} at {self.where}: {self.detail}"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Result:
    """The outcome of one theorem check: ``holds`` only when every part checked.

    Attributes:
        name: the theorem's module name.
        holds: True when every part of the statement checked, False on a counterexample, a
            solver answer other than "unsat", or an error while checking (a check that cannot
            run proves nothing).
        covers: what was checked, and for which sizes.
        seconds: wall time of the check.
        counterexample: the first failure found (smallest size first), if any.
        error: the exception text when the check itself could not run.
    """

    name: str
    holds: bool
    covers: str
    seconds: float
    counterexample: Counterexample | None = None
    error: str | None = None

    def line(self) -> str:
        """One line for ``python -m proofs``: status, name, time, scope (and why it failed)."""
        status = "checked" if self.holds else "FAILED"
        text = f"[{status}] {self.name:<17} {self.seconds:6.2f} s  {self.covers}"
        if self.counterexample is not None:
            text += f"\n          counterexample: {self.counterexample}"
        if self.error is not None:
            text += f"\n          error while checking: {self.error}"
        return text

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["counterexample"] = self.counterexample.to_dict() if self.counterexample else None
        return out


class Refuted(Exception):
    """Raised inside a check at the first failure; :func:`run_check` turns it into a Result."""

    def __init__(self, counterexample: Counterexample) -> None:
        super().__init__(str(counterexample))
        self.counterexample = counterexample


def run_check(name: str, covers: str, body: Callable[[], None]) -> Result:
    """Run ``body``; a :class:`Refuted` or any other exception makes the result fail (never hold)."""
    start = time.perf_counter()
    try:
        body()
    except Refuted as exc:
        return Result(name, False, covers, time.perf_counter() - start, counterexample=exc.counterexample)
    except Exception as exc:  # noqa: BLE001 - a check that cannot run must fail, whatever broke
        return Result(name, False, covers, time.perf_counter() - start, error=f"{type(exc).__name__}: {exc}")
    return Result(name, True, covers, time.perf_counter() - start)


def label(formula: Callable[..., Any]) -> str:
    """The name a formula under test is reported by (``named`` sets it; else its qualified name)."""
    return getattr(formula, "label", None) or getattr(formula, "__qualname__", None) or repr(formula)


def named(text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: report the formula as ``text``."""

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        func.label = text  # type: ignore[attr-defined]
        return func

    return wrap


def size_limit(value: int, what: str, low: int, high: int) -> int:
    """``value`` as an int in [low, high], else an InputError that says the allowed range."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"{what} must be an integer from {low} to {high} (larger sizes take minutes to hours "
                         f"symbolically); got {value!r}")
    return value


# ---- subsets and generic sums ----------------------------------------------------------------


def popcount(mask: int) -> int:
    """|S| for the mask S."""
    return bin(mask).count("1")


def submasks(mask: int) -> Iterator[int]:
    """Every T ⊆ mask, from mask itself down to ∅."""
    sub = mask
    while True:
        yield sub
        if sub == 0:
            return
        sub = (sub - 1) & mask


def set_text(mask: int) -> str:
    """The set of a mask as text: ∅ or {0, 2}."""
    bits = mask_bits(mask)
    return "{" + ", ".join(map(str, bits)) + "}" if bits else "∅"


def total(terms: Iterable[Any]) -> Any:
    """Σ terms for any element type: one Add for SymPy, one Sum for Z3, else the plain sum."""
    items = list(terms)
    if any(isinstance(t, z3.ExprRef) for t in items):
        return z3.Sum([t if isinstance(t, z3.ExprRef) else z3.RealVal(str(Fraction(t))) for t in items])
    if any(isinstance(t, sympy.Basic) for t in items):
        return sympy.Add(*items)
    return sum(items, Fraction(0)) if any(isinstance(t, Fraction) for t in items) else sum(items)


def absolute(x: Any) -> Any:
    """|x| for any element type (an ``If`` for Z3 terms)."""
    if isinstance(x, z3.ExprRef):
        return z3.If(x >= 0, x, -x)
    if isinstance(x, sympy.Basic):
        return sympy.Abs(x)
    return abs(x)


def symbols(prefix: str, n: int) -> list[sympy.Symbol]:
    """One real SymPy symbol per mask: prefix0 … prefix(2^n − 1)."""
    return [sympy.Symbol(f"{prefix}{t}", real=True) for t in range(1 << n)]


def _sign(k: int) -> int:
    return -1 if k & 1 else 1


# ---- the operators of docs/theory.md §2.1–§2.3, from their definitions ---------------------------


@named("Möbius transform (definition, docs/theory.md §2.1)")
def mobius(u: Table, n: int) -> list:
    """(Mu)(S) = Σ_{T⊆S} (−1)^{|S|−|T|} u(T): the AND interactions (Harsanyi dividends)."""
    return [total(_sign(popcount(s) - popcount(t)) * u[t] for t in submasks(s)) for s in range(1 << n)]


@named("zeta transform (definition, docs/theory.md §2.1)")
def zeta(x: Table, n: int) -> list:
    """(Zx)(T) = Σ_{S⊆T} x(S): AND coefficients to values."""
    return [total(x[s] for s in submasks(t)) for t in range(1 << n)]


@named("superset sum Zᵀ (definition, docs/theory.md §2.3)")
def superset_sum(y: Table, n: int) -> list:
    """(Zᵀy)(S) = Σ_{T⊇S} y(T)."""
    full = (1 << n) - 1
    return [total(y[s | r] for r in submasks(full ^ s)) for s in range(1 << n)]


def complement(u: Table, n: int) -> list:
    """u∘c: T ↦ u(N∖T), the table with present and masked swapped (the array reversed)."""
    full = (1 << n) - 1
    return [u[full ^ t] for t in range(1 << n)]


@named("OR transform (definition, docs/theory.md §2.2)")
def or_transform(u: Table, n: int) -> list:
    """I_or(S) = −Σ_{T⊆S} (−1)^{|S|−|T|} u(N∖T) for S ≠ ∅, and I_or(∅) = u(∅)."""
    full = (1 << n) - 1
    out = [u[0]]
    for s in range(1, 1 << n):
        out.append(-total(_sign(popcount(s) - popcount(t)) * u[full ^ t] for t in submasks(s)))
    return out


@named("OR values (definition, docs/theory.md §2.2)")
def or_values(i: Table, n: int) -> list:
    """u(T) = I(∅) + Σ_{S≠∅, S∩T≠∅} I(S): OR interactions back to values."""
    return [total([i[0], *(i[s] for s in range(1, 1 << n) if s & t)]) for t in range(1 << n)]


@named("OR-atom operator O (definition, docs/theory.md §2.3)")
def or_sum(o: Table, n: int) -> list:
    """(Oo)(T) = Σ_{S≠∅, S∩T≠∅} o(S); o(∅) is not an atom and is ignored."""
    return [total([0, *(o[s] for s in range(1, 1 << n) if s & t)]) for t in range(1 << n)]


@named("Oᵀ (definition, docs/theory.md §2.3)")
def or_sum_transpose(y: Table, n: int) -> list:
    """(Oᵀy)(S) = Σ_{T∩S≠∅} y(T) for S ≠ ∅, and 0 at ∅."""
    return [0] + [total(y[t] for t in range(1 << n) if s & t) for s in range(1, 1 << n)]


# ---- the package's transforms as exact linear maps -------------------------------------------


def lift(func: Callable[[Any], Any], text: str) -> Transform:
    """A package transform (numpy in, numpy out) as a formula on any tables, through its matrix.

    The matrix is read from the transform's action on the 2^n unit tables (one batched call):
    for the AND/OR butterflies every entry is an integer of magnitude ≤ 2^n, exact in float64, so
    the matrix is the implementation's exactly. Linearity, which reading a matrix assumes, is then
    confirmed on a few integer tables (exact, far below 2^53) before the matrix is used.
    """
    cache: dict[int, list[list[tuple[int, int]]]] = {}

    def matrix(n: int) -> list[list[tuple[int, int]]]:
        if n not in cache:
            import numpy as np

            size = 1 << n
            out = np.asarray(func(np.eye(size)), dtype=np.float64).reshape(size, -1)  # row t = func(e_t)
            if not np.all(np.isfinite(out)) or not np.all(out == np.round(out)):
                raise Refuted(Counterexample("reading the implementation", text, f"n = {n}",
                                             "its matrix has non-integer entries; expected an integer matrix"))
            rows = [[(t, int(out[t, s])) for t in range(size) if out[t, s] != 0] for s in range(out.shape[1])]
            rng = np.random.default_rng(n)
            for _ in range(3):
                x = rng.integers(-8, 9, size=size)
                got = np.asarray(func(x.astype(np.float64)), dtype=np.float64).reshape(-1)
                want = [sum(c * int(x[t]) for t, c in row) for row in rows]
                if got.tolist() != [float(w) for w in want]:
                    raise Refuted(Counterexample("reading the implementation", text, f"n = {n}, table {x.tolist()}",
                                                 f"gives {got.tolist()}, not the linear map {want} of its unit tables"))
            cache[n] = rows
        return cache[n]

    def formula(u: Table, n: int) -> list:
        return [total([0, *(c * u[t] for t, c in row)]) for row in matrix(n)]

    formula.label = text  # type: ignore[attr-defined]
    return formula


# ---- symbolic identities ---------------------------------------------------------------------


def describe(expr: Any) -> str:
    """A residual, with each indexed symbol read as its set: ``2*v3`` → ``2*v3  [v3 = v({0, 1})]``."""
    text = str(expr)
    names = sorted({str(s) for s in getattr(expr, "free_symbols", ())})
    meaning = []
    for name in names:
        head = name.rstrip("0123456789")
        digits = name[len(head):]
        if digits:
            meaning.append(f"{name} = {head}({set_text(int(digits))})")
    return text + (f"  [{', '.join(meaning[:6])}{', …' if len(meaning) > 6 else ''}]" if meaning else "")


def require_zero(residual: Any, part: str, formula: str, where: str) -> None:
    """Refute unless ``residual`` expands to 0 (the identity holds for every value of its symbols)."""
    value = sympy.expand(residual)
    if value != 0:
        raise Refuted(Counterexample(part, formula, where, f"left − right = {describe(value)}, not 0"))


# ---- Z3 --------------------------------------------------------------------------------------


def fraction_text(x: Fraction | str) -> str:
    """A rational for messages: p/q when short, p/2^k for long dyadics, else ≈ its float and its size."""
    if not isinstance(x, Fraction):
        return str(x)
    p, q = x.numerator, x.denominator
    if len(str(p)) + len(str(q)) <= 40:
        return str(x)
    try:
        approx = f"≈{float(x)!r}"
    except OverflowError:
        approx = "beyond float64"
    if q & (q - 1) == 0:
        return f"{p}/2^{q.bit_length() - 1}" if len(str(p)) <= 40 else f"{approx} (p/2^{q.bit_length() - 1})"
    return f"{approx} (p/q of {len(str(p))} and {len(str(q))} digits)"


def as_fraction(value: z3.ExprRef) -> Fraction | str:
    """A Z3 numeral as a Fraction; an irrational algebraic number as its decimal approximation."""
    if z3.is_rational_value(value):
        return Fraction(value.numerator_as_long(), value.denominator_as_long())
    if z3.is_int_value(value):
        return Fraction(value.as_long())
    if z3.is_algebraic_value(value):
        return value.approx(20).as_decimal(20)
    return str(value)


def z3_prove(claim: z3.BoolRef, hints: Sequence[z3.BoolRef] = (), timeout_ms: int = 20_000
             ) -> tuple[str, dict[str, Fraction | str] | None]:
    """("proved", None) when ¬claim is unsat with the hints; ("refuted", model) when sat;
    ("unknown", None) otherwise. Hints must be valid facts (lemma instances), so they change no
    answer, only how fast it comes. The SMT core is used: its linearisation of products finds
    these proofs in milliseconds where the default nonlinear strategy runs for minutes."""
    solver = z3.Tactic("smt").solver()
    solver.set("timeout", timeout_ms)
    solver.add(*hints)
    solver.add(z3.Not(claim))
    answer = solver.check()
    if answer == z3.unsat:
        return "proved", None
    if answer == z3.sat:
        model = solver.model()
        return "refuted", {d.name(): as_fraction(model[d]) for d in sorted(model.decls(), key=lambda d: d.name())}
    return "unknown", None


def require_proved(claim: z3.BoolRef, part: str, formula: str, where: str, hints: Sequence[z3.BoolRef] = (),
                   recheck: Callable[[dict[str, Fraction | str]], str | None] | None = None) -> None:
    """Refute unless Z3 proves ``claim``; a model is shown (and re-checked exactly when
    ``recheck`` is given: it returns why the model breaks the statement, or None if it does not)."""
    status, model = z3_prove(claim, hints)
    if status == "proved":
        return
    if status == "unknown":
        raise Refuted(Counterexample(part, formula, where, "not proved: Z3 answered unknown (a timeout is never a proof)"))
    assert model is not None
    values = ", ".join(f"{k} = {v}" for k, v in model.items())
    detail = f"Z3 model {values}"
    if recheck is not None:
        why = recheck(model)
        detail += f"; re-checked exactly: {why}" if why else "; NOTE: the model does not re-check exactly"
    raise Refuted(Counterexample(part, formula, where, detail))
