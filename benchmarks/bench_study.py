"""Dataset throughput of explain_many: samples per minute, local process pool against a local Ray cluster.

What it measures, on an MLP trained on scikit-learn's breast-cancer data with n features as variables:

1. samples per minute with the local process pool (a ``LocalExecutor`` kept between calls), after a
   first call on other samples has started its workers (timed on its own);
2. the same with a local Ray cluster of ``--workers`` CPUs, started first and timed on its own, then
   warmed the same way: the figure is the overhead once the cluster is up;
3. each worker's peak resident memory (``SampleResult.peak_rss``) against the memory guard's estimate;
4. stacked recording (``batch_samples``): recording ``--stack`` samples in shared forward passes
   against one at a time, at n = 6 and at ``--n``, recording only (extraction dominates a full
   explanation from n ≈ 8 on, so the end-to-end gain is reported too).

Every run checks that the pool's and Ray's results are equal (timing-free content digests).

Run:  python benchmarks/bench_study.py [--n 10] [--samples 8] [--workers 2] [--no-ray] [--stack 16]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch


def trained_mlp(n: int, seed: int = 0) -> tuple[torch.nn.Module, torch.Tensor]:
    """A small MLP on the first n standardised breast-cancer features; returns it and the data."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    x = data.data[:, :n]
    x = (x - x.mean(0)) / x.std(0)
    xt, yt = torch.tensor(x, dtype=torch.float32), torch.tensor(data.target)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(n, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32), torch.nn.ReLU(),
                                torch.nn.Linear(32, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(200):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(xt), yt).backward()
        opt.step()
    return model.eval(), xt


def timed_run(model: torch.nn.Module, rows: torch.Tensor, reference: torch.Tensor, executor: object, workers: int,
              out: Path) -> tuple[float, object]:
    from symlogic.study import explain_many

    t0 = time.perf_counter()
    study = explain_many(model, rows, "mean", adapter_options={"reference": reference}, executor=executor,
                         workers=workers, out=out, progress=False)
    return time.perf_counter() - t0, study


def stacking_gain(model: torch.nn.Module, x: torch.Tensor, n: int, k: int) -> tuple[float, float]:
    """Seconds to record k samples one at a time and stacked (one thread, the best of three)."""
    from symlogic.adapters import TabularAdapter
    from symlogic.study.work import record_group, torch_threads

    m = torch.nn.Sequential(torch.nn.Linear(n, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2)) if n != x.shape[1] else model
    rows = x[:k, :n]
    adapters = [TabularAdapter(m, r, reference=x[:, :n]) for r in rows]
    best_one, best_stacked = float("inf"), float("inf")
    with torch_threads(1):
        for _ in range(3):
            t0 = time.perf_counter()
            for a in adapters:
                a.record(progress=False)
            best_one = min(best_one, time.perf_counter() - t0)
            t0 = time.perf_counter()
            record_group(adapters)
            best_stacked = min(best_stacked, time.perf_counter() - t0)
    return best_one, best_stacked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10, help="variables per sample (features of the MLP)")
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--stack", type=int, default=16, help="samples stacked for the recording comparison")
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray cluster")
    args = parser.parse_args()

    from symlogic.study.memory import human, plan_memory

    model, x = trained_mlp(args.n)
    rows = x[: args.samples]
    print(f"MLP on {args.n} breast-cancer features; {args.samples} samples, {args.workers} workers, "
          f"{torch.get_num_threads()} torch threads in this process, 1 per worker")
    plan = plan_memory(args.workers, n=args.n, estimate=None, model=model)
    print(f"memory guard's estimate: {human(plan.per_worker)} per worker ({human(plan.per_sample)} per sample)")
    warm_rows = x[-args.workers:]  # other samples: they start the workers (imports, first solve) before timing
    with tempfile.TemporaryDirectory() as tmp:
        from symlogic.study import LocalExecutor

        with LocalExecutor(args.workers) as pool:  # kept between the two calls: same model and settings
            cold, _ = timed_run(model, warm_rows, x, pool, args.workers, Path(tmp) / "warm-local")
            wall, local = timed_run(model, rows, x, pool, args.workers, Path(tmp) / "local")
        peak = max(s.peak_rss or 0 for s in local)
        busy = sum(s.seconds or 0 for s in local)
        print(f"local pool : {60 * args.samples / wall:6.1f} samples/min warm ({wall:.1f} s for {args.samples}); "
              f"starting the pool and a first task per worker took {cold:.1f} s; {busy / args.samples:.2f} s of "
              f"work per sample; peak memory per worker {human(peak)}")
        if not args.no_ray:
            import ray

            t0 = time.perf_counter()
            ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
            up = time.perf_counter() - t0
            try:
                cold_r, _ = timed_run(model, warm_rows, x, "ray", args.workers, Path(tmp) / "warm-ray")
                wall_r, on_ray = timed_run(model, rows, x, "ray", args.workers, Path(tmp) / "ray")
                peak_r = max(s.peak_rss or 0 for s in on_ray)
                same = [s.content_sha256 for s in on_ray] == [s.content_sha256 for s in local]
                print(f"ray        : {60 * args.samples / wall_r:6.1f} samples/min warm ({wall_r:.1f} s); starting the "
                      f"cluster took {up:.1f} s, a first task per worker {cold_r:.1f} s; peak memory per worker "
                      f"{human(peak_r)}; results equal to the pool's: {same}")
            finally:
                ray.shutdown()
    for n in sorted({6, args.n}):
        one, stacked = stacking_gain(model, x, n, args.stack)
        print(f"recording {args.stack} samples at n = {n}: one at a time {one:.3f} s, stacked {stacked:.3f} s "
              f"({one / stacked:.2f}× faster)")
    np.set_printoptions(precision=3)


if __name__ == "__main__":
    main()
