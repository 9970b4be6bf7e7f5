"""Benchmark: proving ε-equivalence over all 2^n masks, side by side with a naive Z3 encoding.

For each n a random 30-term AND/OR model over all n variables is planted in a table with uniform
noise (the setting of docs/verification.md). We time ``symlogic.verify`` at the tightest ε ("holds") and
one float below it ("fails"), and the naive encoding (exact rationals, one push/check/pop per mask)
where it still runs. Every verdict is compared with the exact answer.

    python benchmarks/bench_verify.py --n 12 14 16 18 20 --naive-max 14
"""

from __future__ import annotations

import argparse
import math
import time
from fractions import Fraction

import numpy as np

from symlogic import LogicModel, Record, verify
from symlogic.exact_error import max_error


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
    parser.add_argument("--naive-max", type=int, default=12, help="largest n for the naive per-mask Z3 encoding")
    args = parser.parse_args()
    print(f"{'n':>3} {'terms':>5} {'support':>7} | {'verify holds s':>14} {'verify fails s':>14} | "
          f"{'z3 s':>7} {'exact s':>8} | {'naive z3 s':>10} {'ratio':>6} | correct")
    for n in args.n:
        lm, rec = planted(n)
        exact = max_error(lm, rec.values).value
        t = time.perf_counter()
        ok = verify(lm, rec)
        t_hold = time.perf_counter() - t
        below = math.nextafter(ok.epsilon, 0)
        t = time.perf_counter()
        bad = verify(lm, rec, epsilon=below)
        t_fail = time.perf_counter() - t
        correct = ok.holds and not bad.holds and Fraction(ok.epsilon) >= exact > Fraction(below)
        naive, ratio = "-", "-"
        if n <= args.naive_max:
            t = time.perf_counter()
            naive_holds = naive_z3(lm, rec, ok.epsilon)
            t_naive = time.perf_counter() - t
            correct = correct and naive_holds
            naive, ratio = f"{t_naive:10.2f}", f"{t_naive / t_hold:5.1f}x"
        print(f"{n:>3} {len(lm):>5} {len(lm.support):>7} | {t_hold:14.2f} {t_fail:14.2f} | "
              f"{ok.engine_seconds['z3']:7.2f} {ok.engine_seconds['exact']:8.3f} | {naive:>10} {ratio:>6} | {correct}")


if __name__ == "__main__":
    main()
