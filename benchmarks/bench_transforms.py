"""Benchmark: symlogic's AND/OR interaction transforms against a plain numpy butterfly.

For n = --min-n … --max-n, times (best of k)
  - ``and_interactions`` / ``or_interactions`` of symlogic on a numpy array, a CPU torch tensor
    (which runs the numpy kernel on a zero-copy view), and a CUDA tensor when one is available;
  - the torch butterfly on the same CPU tensor ("torch-kern": what a CPU tensor ran before it was
    routed to numpy; its n small in-place passes suffer when the cores are shared);
  - a plain in-place numpy butterfly written here (the yardstick: one copy of the input, so the
    input is left untouched as symlogic leaves it, then n in-place passes);
  - for n ≤ 12, a naive O(3^n) Python loop over all subsets of every set (what not to do).
and prints the ratio symlogic / numpy butterfly side by side (target ≤ 1.5× at n = 20).

    python benchmarks/bench_transforms.py --max-n 22
    python benchmarks/bench_transforms.py --min-n 16 --max-n 20 --repeats 15 --stat median
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
import torch

from symlogic import and_interactions, or_interactions


def numpy_mobius(x: np.ndarray) -> np.ndarray:
    """Copy, then n in-place passes: (Mx)(S) = Σ_{T⊆S} (−1)^{|S|−|T|} x(T)."""
    y = x.copy()
    n = y.shape[0].bit_length() - 1
    for i in range(n):
        v = y.reshape(-1, 2, 1 << i)
        np.subtract(v[:, 1, :], v[:, 0, :], out=v[:, 1, :])
    return y


def numpy_or(x: np.ndarray) -> np.ndarray:
    """I_or(S) = −(M x_reversed)(S) for S ≠ ∅, I_or(∅) = x(∅): copy reversed, n passes, negate."""
    y = x[::-1].copy()
    n = y.shape[0].bit_length() - 1
    for i in range(n):
        v = y.reshape(-1, 2, 1 << i)
        np.subtract(v[:, 1, :], v[:, 0, :], out=v[:, 1, :])
    np.negative(y, out=y)
    y[0] = x[0]
    return y


def naive_mobius(x: np.ndarray) -> np.ndarray:
    """O(3^n): for every S, sum over its subsets T (enumerated by T = (T − 1) & S)."""
    out = np.empty_like(x)
    xs = x.tolist()
    for s in range(len(xs)):
        ps = bin(s).count("1")
        total, t = 0.0, s
        while True:
            total += -xs[t] if (ps - bin(t).count("1")) & 1 else xs[t]
            if t == 0:
                break
            t = (t - 1) & s
        out[s] = total
    return out


#: How k timed runs are summarised: "best" (default), "median" or "worst" (set by --stat).
STAT = "best"


def best_of(fn, k: int, sync=None) -> float:
    """The smallest (or median, or largest: ``STAT``) wall time of k runs after one warm-up run."""
    fn()
    if sync:
        sync()
    times = []
    for _ in range(k):
        t0 = time.perf_counter()
        fn()
        if sync:
            sync()
        times.append(time.perf_counter() - t0)
    return {"best": min, "worst": max}.get(STAT, statistics.median)(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-n", type=int, default=12)
    parser.add_argument("--max-n", type=int, default=22)
    parser.add_argument("--repeats", type=int, default=5, help="best of this many timed runs")
    parser.add_argument("--naive-max-n", type=int, default=12, help="largest n for the O(3^n) loop")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--stat", choices=("best", "median", "worst"), default="best",
                        help="summary of the timed runs (median/worst show the cost of busy shared cores)")
    args = parser.parse_args()
    global STAT
    STAT = args.stat
    if args.threads:
        torch.set_num_threads(args.threads)

    cuda = torch.cuda.is_available()
    print(f"# {platform.processor() or platform.machine()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"torch threads {torch.get_num_threads()}, cuda: {torch.cuda.get_device_name(0) if cuda else 'none'}")
    print(f"# times in ms, {args.stat} of", args.repeats, "; ratio = symlogic / numpy butterfly (same device: CPU)")
    cols = ["n", "kind", "np-bfly", "sl-numpy", "ratio", "sl-torch", "ratio", "torch-kern", "ratio"]
    if cuda:
        cols += ["sl-cuda"]
    cols += ["naive3^n"]
    print(("{:>4} {:>4} " + " ".join("{:>10}" for _ in cols[2:])).format(*cols))
    rng = np.random.default_rng(0)
    for n in range(args.min_n, args.max_n + 1):
        x = rng.normal(size=1 << n)
        t = torch.from_numpy(x.copy())
        k = args.repeats if n < 21 else max(3, args.repeats // 2)
        xc = t.cuda() if cuda else None
        for kind, ours, plain in (("and", and_interactions, numpy_mobius), ("or", or_interactions, numpy_or)):
            # Correctness first: a benchmark of a wrong answer is worthless.
            np.testing.assert_allclose(ours(x), plain(x), rtol=0, atol=1e-9 * 2 ** (n / 2))
            t_plain = best_of(lambda: plain(x), k)
            t_np = best_of(lambda: ours(x), k)
            t_torch = best_of(lambda: ours(t), k)
            torch_kernel = ours.__wrapped__  # the torch butterfly, without the CPU → numpy routing
            assert isinstance(ours(t), torch.Tensor) and torch.equal(ours(t), torch_kernel(t))
            t_kern = best_of(lambda: torch_kernel(t), k)
            row = [n, kind, t_plain * 1e3, t_np * 1e3, t_np / t_plain, t_torch * 1e3, t_torch / t_plain,
                   t_kern * 1e3, t_kern / t_plain]
            if cuda:
                row.append(best_of(lambda: ours(xc), k, sync=torch.cuda.synchronize) * 1e3)
            if kind == "and" and n <= args.naive_max_n:
                t0 = time.perf_counter()
                ref = naive_mobius(x)
                row.append((time.perf_counter() - t0) * 1e3)
                np.testing.assert_allclose(ref, plain(x), rtol=0, atol=1e-9 * 2 ** (n / 2))
            else:
                row.append(float("nan"))
            fmt = "{:>4} {:>4} " + " ".join("{:10.3f}" if isinstance(v, float) and "ratio" not in c else "{:9.2f}x"
                                            if "ratio" in c else "{:>10}" for v, c in zip(row[2:], cols[2:]))
            print(fmt.format(*row).replace("nan", "  -"))


if __name__ == "__main__":
    main()
