"""Benchmark: the peer interaction indices of symlogic against shapiq's ExactComputer, side by side.

For n = --min-n, --min-n + 2, … --max-n and each index (SII, BII, k-SII, STII, FSII, FBII,
Co-Möbius), at order --order, on one random table:
  - symlogic: ``interactions(v, index, order=k)`` (the Möbius butterfly, then the weighted
    superset sums of docs/theory.md §2.6), best of --repeats runs after a warm-up;
  - shapiq: a fresh ``ExactComputer(game, n_players=n)(index, order=k)`` (its game evaluation is a
    table lookup here, so the time is its own computation), one run;
and prints both times, the ratio shapiq / symlogic, and the largest difference between the two
results over the sets shapiq reports (shapiq's FSII solves its constraints at ∅ and N with a
weight of 1e8, so it differs by about 1e-9; SII at order 1 is shapiq's "SV", whose ∅ entry is v(∅)).

    python benchmarks/bench_indices.py                  # n = 10, 12 at order 2: well under a minute
    python benchmarks/bench_indices.py --max-n 14       # adds n = 14: a few minutes (shapiq's loops)
    python benchmarks/bench_indices.py --min-n 6 --max-n 6 --order 3 --repeats 1
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from symlogic.indices.weights import PEER_INDICES
from symlogic.interactions import interactions

#: shapiq's name of each index (ours is "Co-Möbius").
SHAPIQ = {"SII": "SII", "BII": "BII", "k-SII": "k-SII", "STII": "STII", "FSII": "FSII", "FBII": "FBII",
          "Co-Möbius": "Co-Moebius"}
ORDERED = {"k-SII", "STII", "FSII", "FBII"}


def best_of(fn, repeats: int) -> tuple[float, object]:
    """The smallest wall time of ``repeats`` runs after one warm-up run, and the last result."""
    out = fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def shapiq_run(v: np.ndarray, n: int, name: str, order: int) -> tuple[float, dict]:
    from shapiq import ExactComputer

    weights = np.int64(1) << np.arange(n, dtype=np.int64)

    def game(coalitions: np.ndarray) -> np.ndarray:
        return v[coalitions.astype(np.int64) @ weights]

    t0 = time.perf_counter()
    result = ExactComputer(game, n_players=n)(SHAPIQ[name], order=order)
    return time.perf_counter() - t0, dict(result.dict_values)


def largest_difference(ours: dict, theirs: dict, name: str, order: int) -> float:
    keys = [k for k in theirs if not (k == () and name == "SII" and order == 1)]
    return max((abs(ours.get(k, 0.0) - theirs[k]) for k in keys), default=0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-n", type=int, default=10)
    ap.add_argument("--max-n", type=int, default=12, help="largest n (steps of 2 from --min-n); 14 takes minutes")
    ap.add_argument("--order", type=int, default=2, help="the order k (every index reports sets of at most k)")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs of symlogic per case (best is shown)")
    ap.add_argument("--indices", default=",".join(PEER_INDICES), help="comma-separated subset of the indices")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    names = [x.strip() for x in args.indices.split(",") if x.strip()]
    unknown = [x for x in names if x not in SHAPIQ]
    if unknown or args.order < 1 or args.min_n < args.order or args.max_n < args.min_n:
        ap.error(f"need indices among {list(SHAPIQ)} (got {unknown or names}) and 1 ≤ order ≤ min-n ≤ max-n")

    machine = platform.processor() or platform.machine()
    print(f"# peer indices: symlogic vs shapiq ExactComputer, order {args.order}; {machine}, numpy {np.__version__}")
    print(f"{'n':>3} {'index':>10} {'symlogic s':>12} {'shapiq s':>10} {'shapiq/symlogic':>16} {'max |diff|':>11}")
    rng = np.random.default_rng(args.seed)
    for n in range(args.min_n, args.max_n + 1, 2):
        v = rng.normal(size=1 << n)
        for name in names:
            order = args.order
            ours_time, result = best_of(lambda: interactions(v, name, order=order), args.repeats)
            theirs_time, theirs = shapiq_run(v, n, name, order)
            ours = result.as_dict(include_zeros=True)
            diff = largest_difference(ours, theirs, name, order)
            print(f"{n:>3} {name:>10} {ours_time:>12.2e} {theirs_time:>10.3f} {theirs_time / ours_time:>15.0f}× "
                  f"{diff:>11.1e}", flush=True)


if __name__ == "__main__":
    main()
