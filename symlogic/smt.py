"""The one encoding of a :class:`~symlogic.logic.LogicModel` for Z3 (docs/verification.md §2.1, §8.2).

f = b + Σ c_t·[term t fires] is built once, by :func:`encode_model`, over a small backend: SMT-LIB
text for :mod:`symlogic.verify` (a ``define-fun`` over Booleans, parsed once per chunk of rows) and
z3py terms for the claims (:class:`Z3Model`). Each term is written by one function
(``_encode_term``), also for the blocked table encoding of :mod:`symlogic.verify`
(:func:`term_blocks`, :func:`blocks_define_funs`, :func:`blocks_identity_script`,
:func:`table_blocks_chunk_script`; why it is sound: the docstring of :mod:`symlogic.verify`).
Every number is the exact rational p/q of ``float.as_integer_ratio()`` (or, in the blocked table
encoding, the exact integer v·2^s), never decimal text: ``z3.RealVal(0.1)`` would mean 1/10, not
the float 0.1. Each :class:`Z3Model` owns its Z3 context (nothing global, safe from several threads);
every Z3 call has a timeout, and a timeout is reported as "unknown".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np

if TYPE_CHECKING:
    import z3

    from .logic import LogicModel, Term

__all__ = [
    "exact_ratio",
    "bits",
    "encode_model",
    "encode_effect",
    "smt_number",
    "model_define_fun",
    "table_chunk_script",
    "TermBlock",
    "term_blocks",
    "blocks_define_funs",
    "blocks_identity_script",
    "table_blocks_chunk_script",
    "rational",
    "Z3Model",
    "OptimumResult",
    "WitnessResult",
]

T = TypeVar("T")


def exact_ratio(x: float | Fraction | int) -> tuple[int, int]:
    """(p, q) with x = p/q exactly and q > 0; a float is the dyadic rational it is."""
    if isinstance(x, float):
        return x.as_integer_ratio()
    fr = Fraction(x)
    return fr.numerator, fr.denominator


def bits(mask: int) -> list[int]:
    """The indices of the set bits of ``mask``, ascending."""
    return [i for i in range(mask.bit_length()) if (mask >> i) & 1]


class Backend(Generic[T]):
    """How one target language writes numbers, variables, connectives, ``ite`` and sums."""

    def number(self, p: int, q: int) -> T:
        raise NotImplementedError

    def literal(self, i: int) -> T:
        raise NotImplementedError

    def all_of(self, xs: list[T]) -> T:
        raise NotImplementedError

    def any_of(self, xs: list[T]) -> T:
        raise NotImplementedError

    def negate(self, x: T) -> T:
        raise NotImplementedError

    def true(self) -> T:
        raise NotImplementedError

    def ite(self, cond: T, value: T) -> T:
        """``value`` where ``cond`` holds, else 0."""
        raise NotImplementedError

    def total(self, xs: list[T]) -> T:
        raise NotImplementedError


def _encode_term(t: "Term", backend: Backend[T]) -> T:
    """One concept as ``ite(AND/OR of its variables, c, 0)``: the single place a term is written."""
    lits = [backend.literal(i) for i in bits(t.mask)]
    fires = backend.all_of(lits) if t.kind == "and" else backend.any_of(lits)
    return backend.ite(fires, backend.number(*exact_ratio(t.coefficient)))


def encode_model(lm: "LogicModel", backend: Backend[T]) -> T:
    """f as a term: the bias plus one ``ite`` per concept (AND or OR of its variables)."""
    parts = [backend.number(*exact_ratio(lm.bias))]
    for t in lm.concepts:
        parts.append(_encode_term(t, backend))
    return backend.total(parts)


def encode_effect(lm: "LogicModel", i: int, backend: Backend[T]) -> T:
    """Δ_i(T) = f(T ∪ {i}) − f(T) for T ∌ i, over the other variables.

    An AND term containing i contributes c·AND(rest); an OR term containing i contributes
    c·NOT OR(rest); terms without i cancel.
    """
    parts = [backend.number(0, 1)]
    for t in lm.concepts:
        if not (t.mask >> i) & 1:
            continue
        rest = [backend.literal(j) for j in bits(t.mask & ~(1 << i))]
        if not rest:
            fires = backend.true()
        elif t.kind == "and":
            fires = backend.all_of(rest)
        else:
            fires = backend.negate(backend.any_of(rest))
        parts.append(backend.ite(fires, backend.number(*exact_ratio(t.coefficient))))
    return backend.total(parts)


# ---- SMT-LIB text (verify) ------------------------------------------------------------------


def smt_number(x: float | Fraction) -> str:
    """The exact value of a float (or Fraction) as an SMT-LIB real term."""
    p, q = exact_ratio(x)
    body = f"{abs(p)}.0" if q == 1 else f"(/ {abs(p)}.0 {q}.0)"
    return f"(- {body})" if p < 0 else body


class _Text(Backend[str]):
    def __init__(self, support: tuple[int, ...]) -> None:
        self.pos = {bit: j for j, bit in enumerate(support)}

    def number(self, p: int, q: int) -> str:
        return smt_number(Fraction(p, q))

    def literal(self, i: int) -> str:
        return f"b{self.pos[i]}"

    def all_of(self, xs: list[str]) -> str:
        return xs[0] if len(xs) == 1 else f"(and {' '.join(xs)})"

    def any_of(self, xs: list[str]) -> str:
        return xs[0] if len(xs) == 1 else f"(or {' '.join(xs)})"

    def negate(self, x: str) -> str:
        return f"(not {x})"

    def true(self) -> str:
        return "true"

    def ite(self, cond: str, value: str) -> str:
        return f"(ite {cond} {value} 0.0)"

    def total(self, xs: list[str]) -> str:
        return xs[0] if len(xs) == 1 else f"(+ {' '.join(xs)})"


def model_define_fun(lm: "LogicModel", support: tuple[int, ...]) -> str:
    """``(define-fun f ((b0 Bool) …) Real …)`` over the support variables, one ite per term."""
    args = " ".join(f"(b{j} Bool)" for j in range(len(support)))
    return f"(define-fun f ({args}) Real {encode_model(lm, _Text(support))})"


def table_chunk_script(define_f: str, k: int, rows: np.ndarray, vmin: np.ndarray, vmax: np.ndarray,
                       epsilon: float | Fraction) -> str:
    """A script that is satisfiable iff some row g has vmax_g − f(g) > ε or f(g) − vmin_g > ε.

    ``rows`` are group indices (bit j = support variable j present); ``r`` names the violating row.
    The table check is linear in its rows: each chunk is one ground disjunction
    ``(or (and (= r k) (violates row k)) …)``.
    """
    eps = smt_number(epsilon)
    out = [define_f, "(declare-const r Int)"]
    clauses = []
    for g, lo, hi in zip(rows.tolist(), vmin.tolist(), vmax.tolist()):
        args = " ".join("true" if (g >> j) & 1 else "false" for j in range(k))
        fg = f"(f {args})" if k else "f"
        clauses.append(
            f"(and (= r {g}) (or (> (- {smt_number(hi)} {fg}) {eps}) (> (- {fg} {smt_number(lo)}) {eps})))"
        )
    out.append(f"(assert (or {' '.join(clauses)}))" if len(clauses) > 1 else f"(assert {clauses[0]})")
    return "\n".join(out)


# ---- SMT-LIB text, blocked (verify's table encoding) ------------------------------------------
#
# The per-row script above makes Z3 expand f (every term) once per row: about 0.2 ms a row, 600 s at
# 2^20 rows. The blocked encoding asks Z3 the same question with the work shared between rows:
#
# - the concepts are partitioned into blocks B_0 … B_{J−1}; block j is a ``define-fun F_j`` over the
#   support variables its terms read (block 0 also carries the bias), each term written exactly as
#   in :func:`model_define_fun`. One ground query per model proves f ≡ F_0 + … + F_{J−1} for all
#   assignments (:func:`blocks_identity_script`), so the split is Z3's fact, not Python's;
# - in a chunk of rows, each block is applied once per distinct assignment of its own variables
#   (a ``let``-bound constant: Z3 evaluates it once) and each row adds its J constants;
# - all numbers of a chunk are integers in units of 2^−s (s: the largest binary exponent any value
#   of the chunk or coefficient needs), so Z3 compares integers, not fractions p/2^k: the row's
#   recorded v is written as the integer v·2^s (exact: v is dyadic), ε and the blocks are scaled
#   by Z3 itself (``(* D …)``, D = 2^s).
#
# The assertion is satisfiable exactly when some row violates ε, as in :func:`table_chunk_script`
# (which stays the reference encoding, and names the row when a blocked chunk is satisfiable).


@dataclass(frozen=True)
class TermBlock:
    """Concepts of a model that the blocked encoding evaluates together (see :func:`term_blocks`).

    ``positions``: the support positions (bit j of a group index = support variable j) its terms
    read, ascending; ``terms``: the concepts; ``bias``: whether the model's bias is added here
    (exactly one block carries it).
    """

    positions: tuple[int, ...]
    terms: tuple["Term", ...]
    bias: bool = False


def _support_mask(t: "Term", pos: dict[int, int]) -> int:
    return sum(1 << pos[i] for i in bits(t.mask))


def _partition(items: list[tuple[int, int]], low: int, limit: int) -> list[list[Any]]:
    """First-fit: each term (widest part in the varying bits first) joins the block whose varying
    variables grow least and stay within ``limit``; terms reading no varying bit share block 0."""
    blocks: list[list[Any]] = [[0, []]]  # [mask over support positions, term indices]
    for idx, m in sorted(items, key=lambda im: (-(im[1] & low).bit_count(), im[1], im[0])):
        if not m & low:
            blocks[0][0] |= m
            blocks[0][1].append(idx)
            continue
        choice = None
        for b in blocks[1:]:
            grown = ((b[0] | m) & low).bit_count()
            if grown <= limit:
                extra = grown - (b[0] & low).bit_count()
                if choice is None or extra < choice[0]:
                    choice = (extra, b)
                    if extra == 0:
                        break
        if choice is None:
            blocks.append([m, [idx]])
        else:
            choice[1][0] |= m
            choice[1][1].append(idx)
    return blocks


def term_blocks(lm: "LogicModel", support: tuple[int, ...], vary_bits: int) -> tuple[TermBlock, ...]:
    """A partition of ``lm``'s concepts into blocks for :func:`table_blocks_chunk_script`.

    ``vary_bits``: how many low support positions vary inside one chunk of rows (a chunk of 2^m
    aligned rows fixes the others). A block is evaluated once per distinct assignment of its
    variables in a chunk, and each row adds one constant per block, so the split trades blocks
    (work per row) against the varying variables per block (work per chunk); a cost model fitted
    to Z3's timings picks the limit on varying variables per block. Any partition gives the same f
    (and Z3 checks that it does, :func:`blocks_identity_script`): the choice only affects speed.
    """
    pos = {bit: j for j, bit in enumerate(support)}
    concepts = list(lm.concepts)
    items = [(i, _support_mask(t, pos)) for i, t in enumerate(concepts)]
    vary_bits = max(0, min(int(vary_bits), len(support)))
    low, rows = (1 << vary_bits) - 1, 1 << vary_bits
    best: tuple[float, list[list[Any]]] | None = None
    for limit in range(vary_bits + 1):
        blocks = _partition(items, low, limit)
        # Measured costs in Z3 (µs): a row ≈ 12 + 0.35 per block; a block value ≈ 1 + 1.6 per term.
        cost = rows * (12.0 + 0.35 * len(blocks)) + sum(
            min(1 << (b[0] & low).bit_count(), rows) * (1.0 + 1.6 * len(b[1])) for b in blocks)
        if best is None or cost < best[0]:
            best = (cost, blocks)
    assert best is not None
    return tuple(TermBlock(positions=tuple(bits(m)), terms=tuple(concepts[i] for i in sorted(idx)), bias=(j == 0))
                 for j, (m, idx) in enumerate(best[1]))


def _block_app(j: int, block: TermBlock, args: list[str]) -> str:
    return f"(F{j} {' '.join(args)})" if block.positions else f"F{j}"


def blocks_define_funs(lm: "LogicModel", support: tuple[int, ...], blocks: Sequence[TermBlock]) -> str:
    """One ``(define-fun F_j ((b_p Bool) …) Real …)`` per block, over the positions it reads.

    Terms are written by the same code as :func:`model_define_fun` (argument b_p is support
    variable p there too), so :func:`blocks_identity_script` compares like with like.
    """
    text = _Text(support)
    out = []
    for j, block in enumerate(blocks):
        parts = ([text.number(*exact_ratio(lm.bias))] if block.bias else []) + [_encode_term(t, text) for t in block.terms]
        body = text.total(parts) if parts else "0.0"
        args = " ".join(f"(b{p} Bool)" for p in block.positions)
        out.append(f"(define-fun F{j} ({args}) Real {body})")
    return "\n".join(out)


def blocks_identity_script(define_f: str, define_blocks: str, k: int, blocks: Sequence[TermBlock]) -> str:
    """Unsatisfiable exactly when f(b) = Σ_j F_j(b) for every assignment b of the k support variables.

    ``define_f`` is :func:`model_define_fun`'s text, ``define_blocks`` :func:`blocks_define_funs`'s.
    """
    decls = [f"(declare-const b{j} Bool)" for j in range(k)]
    f_app = f"(f {' '.join(f'b{j}' for j in range(k))})" if k else "f"
    apps = [_block_app(j, b, [f"b{p}" for p in b.positions]) for j, b in enumerate(blocks)]
    total = apps[0] if len(apps) == 1 else f"(+ {' '.join(apps)})"
    return "\n".join([define_f, define_blocks, *decls, f"(assert (not (= {f_app} {total})))"])


def _scale_bits(values: np.ndarray) -> int:
    """The least s ≥ 0 with every value·2^s an integer (values finite float64)."""
    a = np.abs(np.asarray(values, dtype=np.float64).reshape(-1))
    a = a[a != 0]
    if not a.size:
        return 0
    mant, exp = np.frexp(a)  # a = mant·2^exp, mant in [0.5, 1): a = m·2^(exp − 53), m a 53-bit integer
    m = (mant * 2.0**53).astype(np.int64)
    tz = np.log2((m & -m).astype(np.float64)).astype(np.int64)  # trailing zero bits of m (exact: a power of 2)
    return max(0, int(np.max(53 - exp.astype(np.int64) - tz)))


def _scaled_ints(values: np.ndarray, s: int) -> list[int] | None:
    """value·2^s for each value, exactly, or None when one of them is not an integer."""
    a = np.asarray(values, dtype=np.float64).reshape(-1)
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = np.ldexp(a, s)  # exact: scaling by a power of two, no rounding while finite and ≥ 1
    if np.all(np.isfinite(scaled)) and np.all(scaled == np.floor(scaled)):
        return [int(x) for x in scaled.tolist()]  # int() of an integral float is exact
    out = []
    for x in a.tolist():  # beyond float64's range after scaling: exact Python integers
        p, q = x.as_integer_ratio()
        if (1 << s) % q:
            return None
        out.append(p * ((1 << s) // q))
    return out


def _real(x: int) -> str:
    return f"{x}.0" if x >= 0 else f"(- {-x}.0)"


def _code(j: int) -> str:
    """A short lowercase name for block j's constants (a, b, …, z, ba, …)."""
    out = ""
    while True:
        out = chr(97 + j % 26) + out
        j //= 26
        if not j:
            return out


def table_blocks_chunk_script(define_blocks: str, blocks: Sequence[TermBlock], rows: np.ndarray, vmin: np.ndarray,
                              vmax: np.ndarray, epsilon: float | Fraction, scale_bits: int = 0) -> str:
    """A script satisfiable iff some row g has vmax_g − f(g) > ε or f(g) − vmin_g > ε (as
    :func:`table_chunk_script`), with f = Σ_j F_j (:func:`blocks_define_funs`).

    ``rows`` are group indices (bit j = support variable j present); ``scale_bits``: a lower bound
    for s, e.g. the exponent the coefficients need, so that the block values are integers too.
    Every number is exact: v·2^s is an integer for every v of the chunk (s is raised until it is).
    """
    rows = np.asarray(rows, dtype=np.int64).reshape(-1)
    vmin = np.asarray(vmin, dtype=np.float64).reshape(-1)
    vmax = np.asarray(vmax, dtype=np.float64).reshape(-1)
    if not rows.size:
        return "(assert false)"
    s = max(int(scale_bits), _scale_bits(vmin), _scale_bits(vmax))
    lo, hi = _scaled_ints(vmin, s), _scaled_ints(vmax, s)
    if lo is None or hi is None:  # cannot happen for finite floats; stay exact if it ever does
        s = max(s, *(x.as_integer_ratio()[1].bit_length() - 1 for x in np.concatenate([vmin, vmax]).tolist()))
        lo, hi = _scaled_ints(vmin, s), _scaled_ints(vmax, s)
        assert lo is not None and hi is not None
    binds: list[str] = []
    refs = np.empty((rows.size, len(blocks)), dtype=object)
    for j, block in enumerate(blocks):
        pattern = np.zeros(rows.size, dtype=np.int64)
        for i, p in enumerate(block.positions):
            pattern |= ((rows >> p) & 1) << i
        distinct, inverse = np.unique(pattern, return_inverse=True)
        code = _code(j)
        for q, pat in enumerate(distinct.tolist()):
            args = ["true" if (pat >> i) & 1 else "false" for i in range(len(block.positions))]
            binds.append(f"({code}{q} (* D {_block_app(j, block, args)}))")
        refs[:, j] = np.array([f" {code}{q}" for q in range(distinct.size)], dtype=object)[inverse.reshape(-1)]
    # Row g is within ε iff, with F = D·f(g) (the sum of its block constants) and V = D·v,
    # −D·ε ≤ F − V ≤ D·ε when vmin = vmax, else Vmax − D·ε ≤ F ≤ Vmin + D·ε. The script asserts
    # that not every row is.
    plus = "(+" if len(blocks) > 1 else "(+ 0.0"
    heads, tails = [], []
    for a, b in zip(lo, hi):
        if a == b:
            heads.append(f"(<= N {plus}")
            tails.append(f" {_real(-a)}) E)")
        else:
            heads.append(f"(<= (- {_real(b)} E) {plus}")
            tails.append(f") (+ {_real(a)} E))")
    table = np.empty((rows.size, len(blocks) + 2), dtype=object)
    table[:, 0] = heads
    table[:, 1:-1] = refs
    table[:, -1] = tails
    body = "".join(table.reshape(-1).tolist())
    within = f"(and {body})" if rows.size > 1 else body
    return "\n".join([
        define_blocks,
        f"(define-fun D () Real {1 << s}.0)",
        f"(assert (let ((E (* D {smt_number(Fraction(epsilon))}))) (let ((N (- E)) {' '.join(binds)}) (not {within}))))",
    ])


# ---- z3py terms (claims) --------------------------------------------------------------------


def rational(value: Fraction | float | int, ctx: "z3.Context") -> "z3.ArithRef":
    """An exact Z3 real numeral for ``value`` (a ``p/q`` numeral, never a decimal string)."""
    import z3

    p, q = exact_ratio(value)
    return z3.RealVal(f"{p}/{q}", ctx)


@dataclass(frozen=True)
class OptimumResult:
    """Outcome of one optimisation: status "sat" (value/mask set), "unsat" (no admitted mask) or "unknown"."""

    status: str
    value: Fraction | None = None
    mask: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class WitnessResult:
    """Outcome of a minimal-witness query: status "sat" (mask set), "unsat" or "unknown"."""

    status: str
    mask: int | None = None
    reason: str = ""


class Z3Model(Backend[Any]):
    """A logic model as z3py terms over one Bool per variable (True = present), with the queries
    the claims need: threshold claims reduce to one ``Optimize`` call plus an exact comparison of
    the optimum; the counterexample with the fewest present variables (ties: smallest mask) is a
    weighted MaxSAT query (engine ``wmax``, measured fastest here).

    Args:
        model: the logic model.
        timeout: seconds per Z3 call.
    """

    def __init__(self, model: "LogicModel", timeout: float = 10.0) -> None:
        import z3

        self.z3 = z3
        self.model = model
        self.n = model.n
        self.timeout_ms = max(1, int(timeout * 1000))
        self.ctx = z3.Context()
        self._bools: dict[int, Any] = {}
        self._zero = rational(0, self.ctx)
        self.f = encode_model(model, self)

    # ---- the backend: building terms ------------------------------------------------------------
    def var(self, i: int) -> "z3.BoolRef":
        """The Bool of variable i (created on first use, so n = 1000 costs nothing unused)."""
        b = self._bools.get(i)
        if b is None:
            b = self.z3.Bool(f"x{i}", self.ctx)
            self._bools[i] = b
        return b

    def number(self, p: int, q: int) -> Any:
        return self._zero if p == 0 else self.z3.RealVal(f"{p}/{q}", self.ctx)

    def literal(self, i: int) -> Any:
        return self.var(i)

    def all_of(self, xs: list[Any]) -> Any:
        return self.z3.And(*xs) if xs else self.true()

    def any_of(self, xs: list[Any]) -> Any:
        return self.z3.Or(*xs) if xs else self.z3.BoolVal(False, self.ctx)

    def negate(self, x: Any) -> Any:
        return self.z3.Not(x)

    def true(self) -> Any:
        return self.z3.BoolVal(True, self.ctx)

    def ite(self, cond: Any, value: Any) -> Any:
        return self.z3.If(cond, value, self._zero)

    def total(self, xs: list[Any]) -> Any:
        return self.z3.Sum(*xs) if len(xs) > 1 else xs[0]

    def effect(self, i: int) -> "z3.ArithRef":
        """Δ_i(T) = f(T ∪ {i}) − f(T) for T ∌ i (see :func:`encode_effect`)."""
        return encode_effect(self.model, i, self)

    def compare(self, term: Any, op: str, value: Fraction) -> "z3.BoolRef":
        """``term OP value`` with an exact rational on the right."""
        c = rational(value, self.ctx)
        return {">=": term >= c, "<=": term <= c, ">": term > c, "<": term < c}[op]

    # ---- queries ----------------------------------------------------------------------------
    def _mask(self, m: Any) -> int:
        mask = 0
        for i, b in self._bools.items():
            if self.z3.is_true(m.eval(b, model_completion=True)):
                mask |= 1 << i
        return mask

    def optimize(self, objective: Any, sense: str, constraints: list[Any]) -> OptimumResult:
        """min or max of ``objective`` over the masks satisfying ``constraints`` (one Optimize call)."""
        z3 = self.z3
        opt = z3.Optimize(ctx=self.ctx)
        opt.set(timeout=self.timeout_ms)
        for c in constraints:
            opt.add(c)
        handle = opt.minimize(objective) if sense == "min" else opt.maximize(objective)
        res = opt.check()
        if res == z3.unsat:
            return OptimumResult("unsat")
        if res != z3.sat:
            return OptimumResult("unknown", reason=str(opt.reason_unknown()))
        value = handle.value()
        if z3.is_int_value(value):  # Z3 may print an integral optimum as an Int numeral
            exact = Fraction(value.as_long())
        elif z3.is_rational_value(value):
            exact = value.as_fraction()
        else:  # e.g. an infinitesimal or unbounded optimum: never guess
            return OptimumResult("unknown", reason=f"Z3 returned a non-rational optimum {value}")
        return OptimumResult("sat", exact, self._mask(opt.model()))

    def minimal_witness(self, constraints: list[Any], relevant: Sequence[int]) -> WitnessResult:
        """A mask satisfying ``constraints`` with the fewest present variables, ties: smallest int.

        Weighted MaxSAT: the soft literal "x_i absent" weighs 2^n + 2^i, so one more present
        variable always costs more than any choice of lower bits. Variables outside ``relevant``
        are fixed absent (they cannot matter to the constraints).
        """
        z3 = self.z3
        opt = z3.Optimize(ctx=self.ctx)
        opt.set(timeout=self.timeout_ms)
        opt.set("maxsat_engine", "wmax")
        for c in constraints:
            opt.add(c)
        for i in list(self._bools):
            if i not in relevant:
                opt.add(z3.Not(self._bools[i]))
        big = 1 << self.n
        for i in relevant:
            opt.add_soft(z3.Not(self.var(i)), big + (1 << i))
        res = opt.check()
        if res == z3.unsat:
            return WitnessResult("unsat")
        if res != z3.sat:
            return WitnessResult("unknown", reason=str(opt.reason_unknown()))
        return WitnessResult("sat", self._mask(opt.model()))
