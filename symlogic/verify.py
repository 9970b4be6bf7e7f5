"""Step 4 of the pipeline: prove that a logic model matches every recorded output within ε.

Two independent engines decide "there is no mask T with |f(T) − v(T)| > ε" in exact arithmetic:

- ``z3``: the reduced table (per support group: the largest and smallest recorded output, see
  :mod:`symlogic.exact`) as ground SMT-LIB disjunctions with exact rationals; unsat = proven.
- ``exact``: every mask, float64 with a rigorous rounding bound, borderline masks in integers.

The verdict holds only when both agree that no violation exists. A counterexample, from either
engine, is re-evaluated exactly against the table before it is reported. A Z3 timeout is
"unknown", never "holds".
"""

from __future__ import annotations

import concurrent.futures
import os
import time
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError
from .exact import float_upper, group_table, max_error, violations
from .masks import mask_bits, mask_names
from .progress import Progress
from .smt import model_define_fun, table_chunk_script

if TYPE_CHECKING:
    from .logic import LogicModel
    from .record import Record

__all__ = ["Verdict", "verify", "counterexample_details"]


def _frac_str(x: Fraction) -> str:
    return f"{x.numerator}/{x.denominator}"


def counterexample_details(lm: "LogicModel", rec: "Record", mask: int, epsilon: float | Fraction) -> dict[str, Any]:
    """Everything worth reporting about one mask, recomputed exactly from the term list and table."""
    f = lm.evaluate_exact(mask)
    v = Fraction(float(rec.values[mask]))
    err = abs(v - f)
    eps = Fraction(epsilon)
    return {
        "mask": int(mask),
        "present": list(mask_names(mask, rec.names)),
        "model": float(f),
        "model_exact": _frac_str(f),
        "recorded": float(v),
        "recorded_hex": float(v).hex(),
        "error": float(err),
        "error_exact": _frac_str(err),
        "epsilon": float(eps),
        "excess": float(err - eps),
        "excess_exact": _frac_str(err - eps),
        "violates": bool(err > eps),
    }


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`verify`.

    Attributes:
        holds: True only when every engine proved max_T |f(T) − v(T)| ≤ ε.
        epsilon: the bound checked (the tightest one when none was given).
        max_error: exact max error rounded up to float64; ``max_error_exact`` is its p/q.
        counterexample: details of the worst violating mask (see :func:`counterexample_details`).
        violations: how many masks violate ε (exact count).
        engines: engine → result ("unsat"/"sat"/"unknown" for z3, "holds"/"fails" for exact).
        seconds: wall time of the whole verification; ``engine_seconds`` per engine.
    """

    holds: bool
    epsilon: float
    max_error: float
    max_error_exact: str
    max_error_mask: int
    counterexample: dict[str, Any] | None
    violations: int
    engines: dict[str, str]
    seconds: float
    engine_seconds: dict[str, float] = field(default_factory=dict)
    support: tuple[int, ...] = ()
    rows_checked: int = 0
    explanation: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["support"] = list(self.support)
        return d

    def __str__(self) -> str:
        word = "HOLDS" if self.holds else "FAILS"
        engines = ", ".join(f"{k}: {v}" for k, v in self.engines.items())
        return f"ε-equivalence {word}: ε = {self.epsilon:.6g}, max error = {self.max_error:.6g} ({engines})"


def _z3_chunk(script: str, timeout_s: float) -> tuple[str, int | None]:
    """Decide one chunk in its own Z3 context (contexts are independent, so chunks run in parallel)."""
    import z3

    ctx = z3.Context()
    solver = z3.Solver(ctx=ctx)
    solver.set("timeout", int(timeout_s * 1000))
    solver.from_string(script)
    result = solver.check()
    if result == z3.sat:
        return "sat", int(solver.model()[z3.Int("r", ctx)].as_long())
    return ("unsat" if result == z3.unsat else "unknown"), None


def _z3_engine(lm: "LogicModel", rec: "Record", epsilon: float | Fraction, *, chunk_rows: int, timeout_s: float,
               progress: bool | None, workers: int | None = None) -> tuple[str, int | None, int]:
    """Run Z3 over the reduced table; returns (result, a violating mask or None, rows checked).

    Chunks are independent queries; they run on ``workers`` threads (z3 releases the GIL inside
    the solver), and the first satisfiable chunk stops the rest.
    """
    support = mask_bits(lm.support_mask)
    groups = group_table(rec.values, support)
    define_f = model_define_fun(lm, support)
    total = groups.masks.shape[0]
    starts = list(range(0, total, chunk_rows))
    workers = max(1, min(workers or os.cpu_count() or 1, 8, len(starts)))

    def script(start: int) -> str:
        rows = np.arange(start, min(start + chunk_rows, total))
        return table_chunk_script(define_f, len(support), rows, groups.vmin[rows], groups.vmax[rows], epsilon)

    outcome, found = "unsat", None
    checked = 0
    with Progress(len(starts), f"z3: {total} rows", enabled=progress) as bar, \
            concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        pending = {pool.submit(_z3_chunk, script(start), timeout_s): start for start in starts[:2 * workers]}
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
                    pending[pool.submit(_z3_chunk, script(start), timeout_s)] = start
            else:  # a violation (or an unknown) settles the verdict: stop feeding chunks
                for fut in pending:
                    fut.cancel()
                queue = []
                pending = {f: s for f, s in pending.items() if not f.cancelled()}
    if found is None:
        return outcome, None, checked
    # The row violates through its largest or its smallest member; pick the worse one exactly.
    cands = [int(groups.argmax[found]), int(groups.argmin[found])]
    errs = [abs(Fraction(float(rec.values[m])) - lm.evaluate_exact(m)) for m in cands]
    return "sat", cands[int(np.argmax(errs))], checked


def verify(
    lm: "LogicModel",
    rec: "Record",
    epsilon: float | None = None,
    *,
    timeout: float = 120.0,
    chunk_rows: int = 1024,
    workers: int | None = None,
    progress: bool | None = None,
) -> Verdict:
    """Prove max_T |f(T) − v(T)| ≤ ε over all 2^n recorded masks, in exact arithmetic.

    Args:
        lm: the logic model (its variable names must be the record's).
        rec: the recorded table.
        epsilon: the bound; None takes the tightest bound that holds (the exact max error,
            rounded up to the next float64).
        timeout: seconds Z3 may spend per chunk; a timeout makes the verdict "unknown" (not holds).
        chunk_rows: reduced-table rows per Z3 query.
        workers: threads running Z3 queries at once (default: the CPU count, at most 8).
    """
    start = time.perf_counter()
    if tuple(lm.names) != tuple(rec.names):
        raise InputError(f"the model's variables {list(lm.names)} differ from the record's {list(rec.names)}; "
                         "build the model from this record's extraction")
    if epsilon is not None:
        epsilon = float(epsilon)
        if not (np.isfinite(epsilon) and epsilon >= 0):
            raise InputError(f"epsilon must be a finite number ≥ 0, got {epsilon!r}")
    t0 = time.perf_counter()
    worst = max_error(lm, rec.values)
    eps = float_upper(worst.value) if epsilon is None else epsilon
    count, worst_list = violations(lm, rec.values, eps)
    exact_result = "holds" if count == 0 else "fails"
    t1 = time.perf_counter()
    z3_result, z3_mask, rows = _z3_engine(lm, rec, eps, chunk_rows=chunk_rows, timeout_s=timeout, progress=progress,
                                          workers=workers)
    t2 = time.perf_counter()

    engines = {"z3": z3_result, "exact": exact_result}
    holds = exact_result == "holds" and z3_result == "unsat"
    cex_mask = worst_list[0].mask if worst_list else z3_mask
    cex = counterexample_details(lm, rec, cex_mask, eps) if cex_mask is not None else None
    if cex is not None and not cex["violates"]:
        cex = None  # never report a mask that does not re-check as a violation
    if holds:
        why = f"proven: no mask has |f − v| > ε = {eps!r} (Z3 unsat over {rows} reduced rows; exact check of all {rec.values.shape[0]} masks)"
    elif z3_result == "unknown":
        why = "not proven: Z3 returned unknown (timeout); raise `timeout` to decide"
    elif (exact_result == "fails") != (z3_result == "sat"):
        why = f"engines disagree (z3: {z3_result}, exact: {exact_result}); treated as not proven"
    else:
        why = f"{count} masks violate ε = {eps!r}; worst at mask {cex_mask}"
    return Verdict(
        holds=holds,
        epsilon=eps,
        max_error=worst.as_float_upper(),
        max_error_exact=_frac_str(worst.value),
        max_error_mask=worst.mask,
        counterexample=cex,
        violations=count,
        engines=engines,
        seconds=time.perf_counter() - start,
        engine_seconds={"exact": t1 - t0, "z3": t2 - t1},
        support=mask_bits(lm.support_mask),
        rows_checked=rows,
        explanation=why,
    )
