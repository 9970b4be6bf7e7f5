"""Benchmark: proving ε-equivalence over all 2^n masks, the blocked Z3 encoding next to the old one.

For each n a random 30-term AND/OR model over all n variables is planted in a table with uniform
noise (the setting of docs/verification.md §10). We time ``symlogic.verify`` at the tightest ε
("holds") and one float below it ("fails"): total, Z3 and exact-engine seconds, and the CPU
seconds of the whole process (all threads; the wall time depends on what else runs). Next to it,
the same verify with the old per-row Z3 encoding (``smt.table_chunk_script``: f expanded once per
row) up to ``--old-max``, and the naive encoding (one push/check/pop per mask) up to
``--naive-max``. Every verdict is compared with the exact answer. Timings are the minimum of
``--repeat`` runs.

    python benchmarks/bench_verify.py --n 12 14 16 18 20 --old-max 18 --naive-max 12 --repeat 3
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import math
import time
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import numpy as np

from symlogic import LogicModel, Record, Verdict, verify
from symlogic.exact_error import max_error

_verify_module = importlib.import_module("symlogic.verify")  # the package's `verify` is the function


def planted(n: int, seed: int = 0, terms: int = 30) -> tuple[LogicModel, Record]:
    rng = np.random.default_rng(seed)
    names = [f"x{i}" for i in range(n)]
    chosen = []
    for j in range(terms):
        mask = int(rng.integers(1, 1 << n)) & int(rng.integers(1, 1 << n)) or 1 << (j % n)
        chosen.append(("and" if j % 2 else "or", mask, float(rng.normal())))
    # make sure every variable is mentioned, so the support is all n variables (the hard case)
    chosen += [("and", 1 << i, float(rng.normal()) * 0.1) for i in range(n)]
    lm = LogicModel.from_terms(names, 0.1, chosen)
    return lm, Record.from_table(lm.table() + rng.uniform(-0.01, 0.01, size=1 << n), names)


@contextlib.contextmanager
def z3_encoding(name: str) -> Iterator[None]:
    """Run verify with Z3 given the table in encoding ``name`` ("blocks", the default, or "rows")."""
    real = _verify_module._z3_engine
    _verify_module._z3_engine = functools.partial(real, encoding=name)
    try:
        yield
    finally:
        _verify_module._z3_engine = real


def timed(repeat: int, *args: Any, **kwargs: Any) -> tuple[Verdict, float, float]:
    """(verdict, wall seconds, CPU seconds of the process), each the minimum over ``repeat`` runs."""
    best: tuple[Verdict, float, float] | None = None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        v = verify(*args, **kwargs)
        w, c = time.perf_counter() - w, time.process_time() - c
        best = (v, w, c) if best is None else (v if w < best[1] else best[0], min(w, best[1]), min(c, best[2]))
    assert best is not None
    return best


def naive_z3(lm: LogicModel, rec: Record, eps: float) -> bool:
    """One push/check/pop per mask with exact rationals: True when no mask violates."""
    import z3

    xs = [z3.Bool(f"b{i}") for i in range(lm.n)]
    f = z3.RealVal(Fraction(lm.bias))
    for t in lm.concepts:
        lits = [xs[i] for i in range(lm.n) if (t.mask >> i) & 1]
        cond = z3.And(*lits) if t.kind == "and" else z3.Or(*lits)
        f = f + z3.If(cond, z3.RealVal(Fraction(t.coefficient)), z3.RealVal(0))
    s = z3.Solver()
    e = z3.RealVal(Fraction(eps))
    for m, v in enumerate(rec.values.tolist()):
        s.push()
        s.add([x if (m >> i) & 1 else z3.Not(x) for i, x in enumerate(xs)])
        vv = z3.RealVal(Fraction(v))
        s.add(z3.Or(f - vv > e, vv - f > e))
        sat = s.check() == z3.sat
        s.pop()
        if sat:
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[12, 14, 16])
    parser.add_argument("--old-max", type=int, default=16,
                        help="largest n for verify with the old per-row Z3 encoding (n = 20 took 598 s on 2 cores)")
    parser.add_argument("--naive-max", type=int, default=12, help="largest n for the naive per-mask Z3 encoding")
    parser.add_argument("--repeat", type=int, default=1, help="runs per timing; the minimum is shown")
    parser.add_argument("--old-repeat", type=int, default=1, help="runs per timing of the old encoding")
    parser.add_argument("--workers", type=int, default=None, help="Z3 threads (default: the CPU count, at most 8)")
    parser.add_argument("--chunk-rows", type=int, default=1024, help="reduced-table rows per Z3 query (verify's default)")
    args = parser.parse_args()
    print(f"{'':>19} | {'verify, blocked Z3 encoding (s)':^38} | {'verify, old per-row encoding (s)':^33} |")
    print(f"{'n':>3} {'terms':>5} {'support':>7}   | {'holds':>7} {'z3':>7} {'exact':>6} {'cpu':>7} {'fails':>7} | "
          f"{'holds':>9} {'z3':>9} {'exact':>6} {'speed':>6} | {'naive z3 s':>10} | correct")
    for n in args.n:
        lm, rec = planted(n)
        exact = max_error(lm, rec.values).value
        ok, t_hold, c_hold = timed(args.repeat, lm, rec, workers=args.workers, chunk_rows=args.chunk_rows)
        below = math.nextafter(ok.epsilon, 0)
        bad, t_fail, _ = timed(args.repeat, lm, rec, epsilon=below, workers=args.workers, chunk_rows=args.chunk_rows)
        correct = ok.holds and not bad.holds and Fraction(ok.epsilon) >= exact > Fraction(below)
        old = "-".rjust(9) + " " + "-".rjust(9) + " " + "-".rjust(6) + " " + "-".rjust(6)
        if n <= args.old_max:
            with z3_encoding("rows"):
                prev, t_prev, _ = timed(args.old_repeat, lm, rec, workers=args.workers, chunk_rows=args.chunk_rows)
            correct = correct and prev.holds and prev.epsilon == ok.epsilon
            old = (f"{t_prev:9.2f} {prev.engine_seconds['z3']:9.2f} {prev.engine_seconds['exact']:6.3f} "
                   f"{t_prev / t_hold:5.0f}x")
        naive = "-"
        if n <= args.naive_max:
            t = time.perf_counter()
            correct = correct and naive_z3(lm, rec, ok.epsilon)
            naive = f"{time.perf_counter() - t:10.2f}"
        print(f"{n:>3} {len(lm):>5} {len(lm.support):>7}   | {t_hold:7.2f} {ok.engine_seconds['z3']:7.2f} "
              f"{ok.engine_seconds['exact']:6.3f} {c_hold:7.2f} {t_fail:7.2f} | {old} | {naive:>10} | {correct}",
              flush=True)


if __name__ == "__main__":
    main()
