"""Benchmark of the certified AND-OR solver (symlogic.extraction.certified) against a dense LP and the reference SGD.

Tables: a seeded small torch MLP recorded with symlogic.record_model on all masks (zero baseline,
one variable per feature, log-odds output), and planted sparse AND-OR functions. ζ = q·|v(N) − v(∅)|.

    python benchmarks/bench_extract.py --n-min 8 --n-max 14
    python benchmarks/bench_extract.py --tables mlp --n-min 12 --n-max 14 --seeds 0,1,2,3 --no-dense --no-reference --time-limit 60
    python benchmarks/bench_extract.py --n-min 16 --n-max 20 --tables planted --device cuda --no-dense
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch
from scipy.optimize import linprog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
import symlogic  # noqa: E402
from symlogic.extraction.certified import ROUTES, solve_exact  # noqa: E402
from symlogic.extraction.reference import reference_sgd  # noqa: E402


def mlp_table(n: int, seed: int = 0, hidden: int = 32) -> np.ndarray:
    """Log-odds of a seeded random 2-layer MLP on all 2^n masks of a random input (zero baseline)."""
    g = torch.Generator().manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(n, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 2)).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64) * 1.5 / math.sqrt(p.shape[-1]))
    x = torch.randn(n, generator=g, dtype=torch.float64)
    rec = symlogic.record_model(model, x, torch.zeros(n, dtype=torch.float64), [[i] for i in range(n)], progress=False)
    return np.asarray(rec.values, dtype=np.float64)


def planted_table(n: int, seed: int = 0, terms: int = 3) -> np.ndarray:
    """Σ of ``terms`` AND and ``terms`` OR atoms on random sets, with distinct coefficients."""
    rng = np.random.default_rng(seed)
    masks = np.arange(1 << n)
    v = np.zeros(1 << n)
    for j in range(terms):
        S = int(rng.integers(1, 1 << n))
        v += (1.0 + j) * ((S & ~masks) == 0)
        S = int(rng.integers(1, 1 << n))
        v += (0.5 + j) * ((S & masks) != 0)
    return v


def dense_lp(v: np.ndarray, zeta: float, count_empty: bool = True) -> tuple[float, float]:
    """(optimum, seconds) of the LP on the explicit 2^n × 2·2^n matrix with HiGHS."""
    N = v.shape[0]
    T = np.arange(N)[:, None]
    S = np.arange(N)[None, :]
    D = np.hstack([((S & ~T) == 0), ((S & T) != 0)[:, 1:]]).astype(np.float64)
    A = sp.csr_matrix(np.hstack([D, -D, -np.eye(N)]))
    k = D.shape[1]
    cost = np.r_[np.ones(2 * k), np.zeros(N)]
    if not count_empty:
        cost[[0, k]] = 0
    bounds = [(0, None)] * (2 * k) + [(-zeta, zeta)] * N
    t = time.perf_counter()
    res = linprog(cost, A_eq=A, b_eq=v, bounds=bounds, method="highs")
    return float(res.fun), time.perf_counter() - t


def reference_objective(v: np.ndarray, zeta: float) -> tuple[float, float]:
    """(objective, seconds) of symlogic.extraction.reference.reference_sgd at the published schedule."""
    t = time.perf_counter()
    out = reference_sgd(v, zeta, lr=1e-5, niter=20000)
    return out.objective, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-min", type=int, default=8)
    ap.add_argument("--n-max", type=int, default=16)
    ap.add_argument("--tables", default="mlp,planted", help="comma list of mlp, planted")
    ap.add_argument("--seeds", default="0", help="comma list of table seeds, e.g. 0,1,2,3")
    ap.add_argument("--q-bound", type=float, default=0.04)
    ap.add_argument("--dense-max", type=int, default=9, help="largest n for the dense LP (slow beyond)")
    ap.add_argument("--no-dense", action="store_true")
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--method", default="auto", choices=ROUTES, help="the certified solver's route")
    ap.add_argument("--device", default=None)
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    head = f"{'table':8} {'n':>3} {'seed':>4} {'method':>16} {'exact s':>8} {'objective':>12} {'gap':>9} {'status':>9} {'supp':>6} {'rounds':>6} | {'dense s':>8} {'dense obj':>12} | {'sgd s':>7} {'sgd obj':>9}"
    print(head)
    print("-" * len(head))
    for table in args.tables.split(","):
        for n, seed in ((n, int(s)) for n in range(args.n_min, args.n_max + 1) for s in args.seeds.split(",")):
            v = mlp_table(n, seed) if table == "mlp" else planted_table(n, seed)
            zeta = args.q_bound * abs(v[-1] - v[0])
            sol = solve_exact(v, zeta, method=args.method, device=args.device, time_limit=args.time_limit)
            dense = "" if args.no_dense or n > args.dense_max else "{:8.2f} {:12.8f}".format(*dense_lp(v, zeta)[::-1])
            ref = None if args.no_reference else reference_objective(v, zeta)
            sgd = "" if ref is None else f"{ref[1]:7.1f} {ref[0]:9.4f}"
            print(f"{table:8} {n:3d} {seed:4d} {sol.solver:>16} {sol.seconds:8.2f} {sol.objective:12.8f} {sol.gap:9.1e} "
                  f"{sol.status:>9} {sol.support:6d} {sol.rounds:6d} | {dense:>21} | {sgd:>17}", flush=True)


if __name__ == "__main__":
    main()
