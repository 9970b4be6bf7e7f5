"""Step 4 of the pipeline: prove that a logic model matches every recorded output within ε.

Two independent engines decide "there is no mask T with |f(T) − v(T)| > ε" in exact arithmetic:

- ``z3``: the reduced table (per support group: the largest and smallest recorded output, see
  :mod:`symlogic.exact_error` and docs/verification.md §3) as ground SMT-LIB with exact numbers;
  unsat = proven (docs/verification.md §5).
- ``exact``: every mask, float64 with a rigorous rounding bound, borderline masks in integers
  (docs/verification.md §4).

The verdict holds only when both agree that no violation exists (docs/verification.md §6). A
counterexample, from either engine, is re-evaluated exactly against the table before it is
reported. A Z3 timeout is "unknown", never "holds".

How Z3 sees the table (the blocked encoding, :func:`symlogic.smt.table_blocks_chunk_script`).
Z3 still reads every row of the reduced table and evaluates f on it itself; what changed is how
much work a row costs it. Expanding f once per row (``smt.table_chunk_script``, kept as the
reference) cost about 0.2 ms a row: 600 s at 2^20 rows. Now:

1. The model's terms are split into blocks F_0 … F_{J−1} (``smt.term_blocks``: block j reads a few
   support variables; block 0 carries the bias), each a ``define-fun`` whose terms are written by
   the same code as f's single ``define-fun``. Before any chunk, one Z3 query proves
   f(b) = F_0(b) + … + F_{J−1}(b) for every assignment b (``smt.blocks_identity_script``, unsat
   in milliseconds). If Z3 does not answer unsat, the per-row encoding is used instead.
2. In a chunk of rows, each block is applied once per distinct assignment of its own variables
   (a ``let``-bound ground constant, evaluated once by Z3), and a row is the sum of its J
   constants compared with its recorded extremes: J + 1 numbers a row instead of every term.
3. The numbers of a chunk are integers in units of 2^−s: Python writes each recorded float v as
   the integer v·2^s (exact, v being dyadic and s chosen so that every v of the chunk is a multiple
   of 2^−s; checked when the text is made); Z3 itself multiplies the blocks' and ε's exact
   rationals by D = 2^s. Scaling both sides of every comparison by D > 0 changes no comparison.

Why unsat still proves the bound: a chunk asserts "some row g has D·vmax_g − D·f(g) > D·ε or
D·f(g) − D·vmin_g > D·ε", with D·f(g) = Σ_j D·F_j(g's bits) (step 1, proven by Z3). So unsat
means every row of the chunk satisfies vmax_g − ε ≤ f(g) ≤ vmin_g + ε, and when every chunk,
covering every row, is unsat, no mask violates ε (docs/verification.md §3, Lemma A of
proofs/soundness.md). Python's share is bookkeeping, as before: which row has which bits (now:
which block constants), which float is which integer. Nothing is dropped or merged by value: the
rows Z3 sees are exactly the reduced table's rows. A satisfiable chunk is re-run in the per-row
encoding, which names the violating row; should that encoding find none, the answer is
"unknown", never "unsat".
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import math
import os
import time
from dataclasses import asdict, dataclass
from fractions import Fraction
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .defaults import TARGET, WEAK
from .errors import InputError
from .exact_error import MAX_FRACTION_CHARS, exact_bound, float_upper, group_table, max_error, violations
from .masks import mask_bits, mask_names
from .params import json_field, positive_int, positive_seconds, time_limit_of
from .progress import Progress
from .results import EngineReport
from .smt import (_scale_bits, blocks_define_funs, blocks_identity_script, model_define_fun,
                  table_blocks_chunk_script, table_chunk_script, term_blocks)

if TYPE_CHECKING:
    from .logic import LogicModel
    from .record import Record

__all__ = ["Verdict", "verify", "counterexample_details", "model_sha256"]


def _frac_str(x: Fraction) -> str:
    return f"{x.numerator}/{x.denominator}"


def _show(x: Fraction) -> str:
    """A float's repr when ``x`` is that float exactly, else p/q (so no displayed bound is rounded)."""
    f = float_upper(x)
    return repr(f) if math.isfinite(f) and Fraction(f) == x else _frac_str(x)


def model_sha256(lm: "LogicModel") -> str:
    """SHA-256 of a logic model's names and exact terms: what a verdict is bound to."""
    body = {"names": list(lm.names), "terms": [[t.kind, t.mask, float(t.coefficient).hex()] for t in lm.terms]}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()


def counterexample_details(lm: "LogicModel", rec: "Record", mask: int, epsilon: float | Fraction) -> dict[str, Any]:
    """Everything worth reporting about one mask, recomputed exactly from the term list and table."""
    f = lm.evaluate_exact(mask)
    v = Fraction(float(rec.values[mask]))
    err = abs(v - f)
    eps = Fraction(epsilon)
    return {
        "mask": int(mask),
        "present": list(mask_names(mask, rec.names)),
        "model": _nearest(f),
        "model_exact": _frac_str(f),
        "recorded": float(v),
        "recorded_hex": float(v).hex(),
        "error": _nearest(err),
        "error_exact": _frac_str(err),
        "epsilon": _nearest(eps),
        "excess": _nearest(err - eps),
        "excess_exact": _frac_str(err - eps),
        "violates": bool(err > eps),
    }


def _parse_fraction(text: str) -> Fraction:
    p, _, q = text.partition("/")
    return Fraction(int(p), int(q or 1))


def _nearest(x: Fraction) -> float:
    """The nearest float, ±inf beyond float64's range (for display; exact values travel as p/q)."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`verify`.

    Attributes:
        holds: True only when every engine proved max_T |f(T) − v(T)| ≤ ε.
        epsilon: the bound checked (the tightest one when none was given), rounded up to a float64
            when it is not one, so that it is still a valid bound; ``epsilon_exact`` is its exact p/q.
        max_error: exact max error rounded up to float64; ``max_error_exact`` is its p/q.
        counterexample: details of the worst violating mask (see :func:`counterexample_details`).
        violations: how many masks violate ε (exact count).
        engines: one :class:`~symlogic.results.EngineReport` per engine: outcome "holds", "fails"
            or "unknown", the engine's own word in ``detail`` ("unsat"/"sat"/"unknown" for z3,
            "holds"/"fails" for exact), and its seconds; ``engine_results`` maps name → detail.
        seconds: wall time of the whole verification.
        model_sha256, record_sha256: what was proven: the model (:func:`model_sha256`) and the
            recorded table (``Record.fingerprint``). A verdict is evidence about that pair only.
        output_range: max v − min v of the record, rounded up (None: unknown, e.g. an older bundle);
            ``relative_epsilon`` is ε over it, and ``weak`` says that ε exceeds
            :data:`symlogic.defaults.WEAK` of it: ``str(verdict)`` then says so plainly.
    """

    holds: bool
    epsilon: float
    max_error: float
    max_error_exact: str
    max_error_mask: int
    counterexample: dict[str, Any] | None
    violations: int
    engines: tuple[EngineReport, ...]
    seconds: float
    support: tuple[int, ...] = ()
    rows_checked: int = 0
    explanation: str = ""
    epsilon_exact: str = ""
    model_sha256: str = ""
    record_sha256: str = ""
    output_range: float | None = None

    @property
    def status(self) -> str:
        """"holds", "fails" (a violating mask exists) or "unknown" (not proven, no violation found)."""
        if self.holds:
            return "holds"
        return "fails" if self.violations > 0 else "unknown"

    @property
    def engine_results(self) -> dict[str, str]:
        """Engine name → its own word ("unsat"/"sat"/"unknown" for z3, "holds"/"fails" for exact)."""
        return {e.name: e.detail for e in self.engines}

    @property
    def engine_seconds(self) -> dict[str, float]:
        return {e.name: e.seconds for e in self.engines}

    @property
    def epsilon_fraction(self) -> Fraction:
        """The bound as the exact rational that was checked."""
        return _parse_fraction(self.epsilon_exact) if self.epsilon_exact else Fraction(self.epsilon)

    @property
    def relative_epsilon(self) -> float | None:
        """ε divided by the record's output range max v − min v (None when the range is 0 or unknown).

        The nearest float (infinity for an ε beyond float64's range relative to the range); a range
        beyond float64's range (stored as infinity) is unknown here too.
        """
        spread = self.output_range
        if not spread or not math.isfinite(spread):
            return None
        return _nearest(self.epsilon_fraction / Fraction(spread))

    @property
    def weak(self) -> bool:
        """True when the bound is a weak explanation: ε is more than :data:`symlogic.defaults.WEAK`
        (5 %) of the output range max v − min v, so a proof at this ε says little about the network.

        False when the range is unknown (a verdict from an older bundle, or a range beyond float64)
        or 0 (outputs that never vary: ``str`` says so instead), as ``symlogic.weak.is_weak`` of
        :attr:`relative_epsilon`, which the evidence summary and the report use.
        """
        rel = self.relative_epsilon
        return rel is not None and rel > WEAK

    def bound_to(self, lm: "LogicModel", rec: "Record | None" = None) -> bool:
        """Was this verdict proven for ``lm`` (and, when given, ``rec``)?"""
        if self.model_sha256 != model_sha256(lm):
            return False
        return rec is None or self.record_sha256 == rec.fingerprint

    def to_dict(self) -> dict[str, Any]:
        """JSON form; ``engines`` as name → word and ``engine_seconds`` as name → seconds (the
        evidence bundle's version-1 layout, so older readers and bundles agree)."""
        d = asdict(self)
        d["engines"] = self.engine_results
        d["engine_seconds"] = self.engine_seconds
        d["support"] = list(self.support)
        d["status"] = self.status
        # Derived from epsilon and output_range; from_dict re-derives them (see _verdict_from_dict).
        d["relative_epsilon"] = self.relative_epsilon
        d["weak"] = self.weak
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Verdict":
        """The verdict :meth:`to_dict` wrote (also from a bundle, so every field is checked).

        Raises:
            InputError: a field is missing or of the wrong type.
        """
        return _verdict_from_dict(data)

    def _share(self) -> str:
        """How large ε is next to the output range, in words ("" when the range is unknown)."""
        spread = self.output_range
        if spread is None or not math.isfinite(spread):
            return ""
        if spread == 0:
            return "the recorded outputs do not vary: output range 0"
        rel = self.relative_epsilon
        assert rel is not None
        return f"{_percent(rel)} of the output range {spread:.3g}"

    def __str__(self) -> str:
        word = {"holds": "HOLDS", "fails": "FAILS"}.get(self.status, "NOT PROVEN")
        engines = ", ".join(f"{e.name}: {e.detail}" for e in self.engines)
        eps, err = self.epsilon_fraction, _parse_fraction(self.max_error_exact)
        # Six digits would show ε = 1/10 and a max error of 0.1000000000000000055 both as 0.1.
        close = eps != err and f"{float_upper(eps):.6g}" == f"{float_upper(err):.6g}"
        show = _show if close else (lambda x: f"{float_upper(x):.6g}")
        share = self._share()
        shown_eps = f"{show(eps)} ({share})" if share else show(eps)
        if not self.weak:
            return f"ε-equivalence {word}: ε = {shown_eps}, max error = {show(err)} ({engines})"
        # A weak bound is said plainly, and a proof at it never reads as a plain success.
        why = f"ε is {_percent(self.relative_epsilon)} of the output range"  # type: ignore[arg-type]
        status = f"{word} (WEAK: {why})" if self.holds else word
        return (f"ε-equivalence {status}: ε = {shown_eps}, max error = {show(err)} ({engines})\n"
                f"WEAK EXPLANATION: {why}; a proof at this ε says little — find a formula that reaches the "
                f"target with symlogic.sparsest(rec, {TARGET:g}) or `symlogic explain --epsilon {TARGET:g}`")


def _percent(rel: float) -> str:
    """A share as a percentage with two significant digits: 0.044 → "4.4 %", 0.57 → "57 %"."""
    pct = rel * 100
    if not math.isfinite(pct):
        return "more than any float % (ε is beyond float64's range next to it)"
    return f"{pct:.0f} %" if pct >= 10 else f"{pct:.2g} %"


def _field(data: dict[str, Any], key: str, kinds: tuple[type, ...], default: Any = ...) -> Any:
    return json_field(data, key, kinds, "verdict", default)


def _is_fraction_text(text: Any) -> bool:
    if not isinstance(text, str) or len(text) > MAX_FRACTION_CHARS:
        return False
    p, sep, q = text.partition("/")
    return p.lstrip("-").isdigit() and (not sep or (q.isdigit() and int(q) > 0))


def _verdict_from_dict(data: dict[str, Any]) -> Verdict:
    if not isinstance(data, dict):
        raise InputError(f"a verdict is a JSON object, got {type(data).__name__}")
    number = (int, float)
    words = _field(data, "engines", (dict, list))
    seconds = _field(data, "engine_seconds", (dict,), {})
    if isinstance(words, dict):  # the layout to_dict writes: name → the engine's own word
        engines = []
        for name, word in words.items():
            if not isinstance(word, str):
                raise InputError(f"verdict.engines.{name} must be a string, got {word!r:.40}")
            outcome = {"unsat": "holds", "sat": "fails", "holds": "holds", "fails": "fails"}.get(word, "unknown")
            secs = seconds.get(name, 0.0)
            if isinstance(secs, bool) or not isinstance(secs, number):
                raise InputError(f"verdict.engine_seconds.{name} must be a number")
            engines.append(EngineReport(str(name), outcome, float(secs), word))
    else:
        engines = [EngineReport.from_dict(e) for e in words]
    # JSON writers may sort keys: restore the order verify reports the engines in.
    engines.sort(key=lambda e: {"z3": 0, "exact": 1}.get(e.name, 2))
    support = _field(data, "support", (list, tuple), [])
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in support):
        raise InputError("verdict.support must be a list of variable indices")
    spread = _field(data, "output_range", (int, float, type(None)), None)
    # A field a bundle states must be well formed; only its absence (an older bundle) is allowed.
    for key in ("max_error_exact", "epsilon_exact"):
        if key in data and not _is_fraction_text(data[key]):
            raise InputError(f"verdict.{key} must be an exact p/q of at most {MAX_FRACTION_CHARS} characters, got {data[key]!r:.60}")
    for key in ("model_sha256", "record_sha256"):
        if key in data and not (isinstance(data[key], str) and len(data[key]) == 64
                                and all(ch in "0123456789abcdef" for ch in data[key])):
            raise InputError(f"verdict.{key} must be a SHA-256 in hex, got {data[key]!r:.80}")
    verdict = Verdict(
        holds=_field(data, "holds", (bool,)),
        epsilon=float(_field(data, "epsilon", number)),
        max_error=float(_field(data, "max_error", number)),
        max_error_exact=_field(data, "max_error_exact", (str,)),
        max_error_mask=_field(data, "max_error_mask", (int,)),
        counterexample=_field(data, "counterexample", (dict, type(None)), None),
        violations=_field(data, "violations", (int,)),
        engines=tuple(engines),
        seconds=float(_field(data, "seconds", number, 0.0)),
        support=tuple(support),
        rows_checked=_field(data, "rows_checked", (int,), 0),
        explanation=_field(data, "explanation", (str,), ""),
        epsilon_exact=_field(data, "epsilon_exact", (str,), ""),
        model_sha256=_field(data, "model_sha256", (str,), ""),
        record_sha256=_field(data, "record_sha256", (str,), ""),
        output_range=None if spread is None else float(spread),
    )
    if "status" in data and data["status"] != verdict.status:  # derived: it must agree with what it derives from
        raise InputError(f"verdict.status {data['status']!r:.40} contradicts holds = {verdict.holds} and "
                         f"{verdict.violations} violations (status {verdict.status!r})")
    # weak and relative_epsilon are derived from ε and output_range: the properties re-derive them,
    # so the stored copies are only checked for type (a bundle whose ε was edited must still load
    # and then fail its re-check, not be refused here).
    if "weak" in data and not isinstance(data["weak"], bool):
        raise InputError(f"verdict.weak must be true or false, got {data['weak']!r:.40}")
    rel = data.get("relative_epsilon")
    if rel is not None and (isinstance(rel, bool) or not isinstance(rel, number)):
        raise InputError(f"verdict.relative_epsilon must be a number or null, got {rel!r:.40}")
    return verdict


#: Default seconds Z3 may spend on one chunk of rows.
Z3_CHUNK_SECONDS = 120.0
#: Z3 keeps its timeout in an unsigned 32-bit count of milliseconds (about 49 days).
_Z3_MAX_TIMEOUT_MS = 2**32 - 1


def _z3_check(script: str, timeout_s: float) -> tuple[str, Any]:
    """Decide one script in its own Z3 context (contexts are independent, so scripts run in parallel).

    Returns Z3's word ("sat", "unsat", "unknown") and, for "sat", the model.
    """
    import z3

    ctx = z3.Context()
    solver = z3.Solver(ctx=ctx)
    # Z3 reads a timeout of 0 ms as "no limit": never round a small positive timeout down to it.
    solver.set("timeout", min(max(1, math.ceil(timeout_s * 1000)), _Z3_MAX_TIMEOUT_MS))
    solver.from_string(script)
    result = solver.check()
    if result == z3.sat:
        return "sat", solver.model()
    return ("unsat" if result == z3.unsat else "unknown"), None


def _z3_chunk(script: str, timeout_s: float) -> tuple[str, int | None]:
    """Decide one per-row chunk (:func:`~symlogic.smt.table_chunk_script`); "sat" names its row r."""
    import z3

    result, model = _z3_check(script, timeout_s)
    if result == "sat":
        return "sat", int(model[z3.Int("r", model.ctx)].as_long())
    return result, None


def _z3_blocks_chunk(script: str, locate: Callable[[], str], timeout_s: float) -> tuple[str, int | None]:
    """Decide one blocked chunk; when it is satisfiable, the per-row encoding of the same rows names
    the violating row. Should that encoding find none, the two disagree: "unknown", never "unsat"."""
    result, _ = _z3_check(script, timeout_s)
    if result != "sat":
        return result, None
    result, row = _z3_chunk(locate(), timeout_s)
    return (result, row) if result == "sat" else ("unknown", None)


def _z3_engine(lm: "LogicModel", rec: "Record", epsilon: float | Fraction, *, chunk_rows: int, timeout_s: float,
               progress: bool | None, workers: int | None = None,
               encoding: str = "blocks") -> tuple[str, int | None, int, int]:
    """Run Z3 over the reduced table; returns (result, a violating mask or None, rows checked, rows in all).

    ``encoding``: "blocks" (the default; see the module docstring) or "rows" (one expansion of f
    per row, :func:`~symlogic.smt.table_chunk_script`: the reference, kept for comparison and as
    the fallback should Z3 not confirm the blocks). Chunks are independent queries; they run on
    ``workers`` threads (z3 releases the GIL inside the solver), and the first satisfiable chunk
    stops the rest.
    """
    if encoding not in ("blocks", "rows"):
        raise ValueError(f"unknown encoding {encoding!r}")
    support = mask_bits(lm.support_mask)
    groups = group_table(rec.values, support)
    define_f = model_define_fun(lm, support)
    total = groups.masks.shape[0]
    starts = list(range(0, total, chunk_rows))
    workers = max(1, min(workers or os.cpu_count() or 1, 8, len(starts)))

    def rows_script(start: int) -> str:
        rows = np.arange(start, min(start + chunk_rows, total))
        return table_chunk_script(define_f, len(support), rows, groups.vmin[rows], groups.vmax[rows], epsilon)

    if encoding == "blocks":
        blocks = term_blocks(lm, support, (chunk_rows - 1).bit_length())
        define_blocks = blocks_define_funs(lm, support, blocks)
        # Z3 proves f ≡ Σ blocks once (a ground identity its rewriter closes in milliseconds);
        # without that proof the blocked chunks would prove nothing about f: use the rows encoding.
        same, _ = _z3_check(blocks_identity_script(define_f, define_blocks, len(support), blocks), timeout_s)
        if same != "unsat":
            encoding = "rows"
        coef_bits = _scale_bits(np.array([t.coefficient for t in lm.terms]))

    def submit(pool: concurrent.futures.ThreadPoolExecutor, start: int) -> concurrent.futures.Future:
        if encoding == "rows":
            return pool.submit(_z3_chunk, rows_script(start), timeout_s)
        rows = np.arange(start, min(start + chunk_rows, total))
        text = table_blocks_chunk_script(define_blocks, blocks, rows, groups.vmin[rows], groups.vmax[rows], epsilon,
                                         coef_bits)
        return pool.submit(_z3_blocks_chunk, text, lambda: rows_script(start), timeout_s)

    outcome, found = "unsat", None
    checked = 0
    with Progress(len(starts), f"z3: {total} rows", enabled=progress) as bar, \
            concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        pending = {submit(pool, start): start for start in starts[:2 * workers]}
        queue = starts[2 * workers:]
        while pending:
            done, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for fut in done:
                start = pending.pop(fut)
                result, row = fut.result()
                bar.update()
                checked += min(chunk_rows, total - start)
                if result == "sat" and found is None:
                    outcome, found = "sat", row
                elif result == "unknown" and outcome == "unsat":
                    outcome = "unknown"
            if outcome == "unsat":
                while queue and len(pending) < 2 * workers:
                    start = queue.pop(0)
                    pending[submit(pool, start)] = start
            else:  # a violation (or an unknown) settles the verdict: stop feeding chunks
                for fut in pending:
                    fut.cancel()
                queue = []
                pending = {f: s for f, s in pending.items() if not f.cancelled()}
    if found is None:
        return outcome, None, checked, total
    # The row violates through its largest or its smallest member; pick the worse one exactly.
    cands = [int(groups.argmax[found]), int(groups.argmin[found])]
    errs = [abs(Fraction(float(rec.values[m])) - lm.evaluate_exact(m)) for m in cands]
    return "sat", cands[int(np.argmax(errs))], checked, total


def verify(
    lm: "LogicModel",
    rec: "Record",
    epsilon: float | Fraction | str | None = None,
    *,
    time_limit: float | None = None,
    chunk_rows: int = 1024,
    workers: int | None = None,
    progress: bool | None = None,
    timeout: float | None = None,
) -> Verdict:
    """Prove max_T |f(T) − v(T)| ≤ ε over all 2^n recorded masks, in exact arithmetic.

    Args:
        lm: the logic model (its variable names must be the record's).
        rec: the recorded table.
        epsilon: the bound, compared as the exact rational it denotes: a float is its dyadic
            value, a ``Fraction`` itself, a ``Decimal`` or decimal string ("0.1") the exact
            decimal. None takes the tightest bound that holds (the exact max error, rounded up to
            the next float64).
        time_limit: seconds Z3 may spend on each chunk of rows (> 0; default 120); running out
            makes the verdict "unknown", never "holds". ``timeout`` is its deprecated old name.
        chunk_rows: reduced-table rows per Z3 query (≥ 1).
        workers: threads running Z3 queries at once (default: the CPU count, at most 8).

    Raises:
        InputError: different variable names, or a parameter outside its range (the message says which).

    Examples:
        >>> from fractions import Fraction
        >>> from symlogic import LogicModel, Record, verify
        >>> rec = Record.from_table([0.0, 0.1], names=["a"])
        >>> lm = LogicModel.from_terms(["a"], 0.0, [])        # f ≡ 0: the error on {a} is the float 0.1
        >>> verify(lm, rec, 0.1).holds                         # the float 0.1 bounds itself
        True
        >>> v = verify(lm, rec, Fraction(1, 10))               # 1/10 is below the float 0.1
        >>> v.holds, v.status, v.counterexample["present"]
        (False, 'fails', ['a'])
        >>> verify(lm, rec).epsilon_exact == v.max_error_exact  # no ε: the tightest float bound
        True
    """
    from .logic import LogicModel
    from .record import Record

    start = time.perf_counter()
    if not isinstance(lm, LogicModel):
        raise InputError(f"verify() proves a LogicModel, got {type(lm).__name__}; build one with "
                         "extract(rec).logic_model() or LogicModel.from_terms(...)")
    if not isinstance(rec, Record):
        raise InputError(f"verify() needs the Record the model explains, got {type(rec).__name__}")
    if tuple(lm.names) != tuple(rec.names):
        raise InputError(f"the model's variables {list(lm.names)} differ from the record's {list(rec.names)}; "
                         "build the model from this record's extraction")
    time_limit = time_limit_of(time_limit, timeout, "verify")
    timeout = positive_seconds(Z3_CHUNK_SECONDS if time_limit is None else time_limit, "time_limit")
    chunk_rows = positive_int(chunk_rows, "chunk_rows", "it is how many reduced rows each Z3 query holds")
    if workers is not None:
        workers = positive_int(workers, "workers", "pass None for the CPU count")
    eps_exact = None if epsilon is None else exact_bound(epsilon, "epsilon")
    t0 = time.perf_counter()
    worst = max_error(lm, rec.values)
    if eps_exact is None:  # the tightest float64 bound; the exact error itself beyond float64's range
        tight = float_upper(worst.value)
        eps = Fraction(tight) if math.isfinite(tight) else worst.value
    else:
        eps = eps_exact
    count, worst_list = violations(lm, rec.values, eps)
    exact_result = "holds" if count == 0 else "fails"
    t1 = time.perf_counter()
    z3_result, z3_mask, rows, total_rows = _z3_engine(lm, rec, eps, chunk_rows=chunk_rows, timeout_s=timeout,
                                                      progress=progress, workers=workers)
    t2 = time.perf_counter()

    z3_outcome = {"unsat": "holds", "sat": "fails"}.get(z3_result, "unknown")
    engines = (EngineReport("z3", z3_outcome, t2 - t1, z3_result), EngineReport("exact", exact_result, t1 - t0, exact_result))
    # "unsat" on fewer rows than the reduced table has would be a proof of nothing.
    holds = exact_result == "holds" and z3_result == "unsat" and rows == total_rows and worst.value <= eps
    cex_mask = worst_list[0].mask if worst_list else z3_mask
    cex = counterexample_details(lm, rec, cex_mask, eps) if cex_mask is not None else None
    if cex is not None and not cex["violates"]:
        cex = None  # never report a mask that does not re-check as a violation
    shown = _show(eps)
    if holds:
        why = f"proven: no mask has |f − v| > ε = {shown} (Z3 unsat over {rows} reduced rows; exact check of all {rec.values.shape[0]} masks)"
    elif z3_result == "unknown":
        why = "not proven: Z3 returned unknown (out of time); raise `time_limit` to decide"
    elif (exact_result == "fails") != (z3_result == "sat") or (z3_result == "unsat" and rows != total_rows):
        why = f"engines disagree (z3: {z3_result} on {rows} of {total_rows} rows, exact: {exact_result}); treated as not proven"
    else:
        why = f"{count} masks violate ε = {shown}; worst at mask {cex_mask}"
    return Verdict(
        holds=holds,
        epsilon=float_upper(eps),
        max_error=worst.as_float_upper(),
        max_error_exact=_frac_str(worst.value),
        max_error_mask=worst.mask,
        counterexample=cex,
        violations=count,
        engines=engines,
        seconds=time.perf_counter() - start,
        support=mask_bits(lm.support_mask),
        rows_checked=rows,
        explanation=why,
        epsilon_exact=_frac_str(eps),
        model_sha256=model_sha256(lm),
        record_sha256=rec.fingerprint,
        output_range=float_upper(Fraction(float(np.max(rec.values))) - Fraction(float(np.min(rec.values)))),
    )
