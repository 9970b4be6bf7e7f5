"""Benchmark: the overhead of ``record_model`` over a plain batched forward pass.

For n = --min-n … --max-n variables, a small MLP (64 features, n groups) and a small CNN
(1×16×16 image, n groups of pixels) are recorded on all 2^n masks with ``record_model``, and
the same 2^n masked inputs are pushed through the same model in the same batches by a plain
loop written here (mask bits → kept elements → torch.where → forward → log-odds). Prints the
times (best of k) and the ratio record_model / plain (target ≤ 1.1×). Both tables are checked
to agree before timing. The last columns: what ``estimate_model`` predicted from its timed batches
(the estimate ``record`` makes before a long recording) and its ratio to the measured time.

    python benchmarks/bench_record.py --max-n 16
    python benchmarks/bench_record.py --min-n 10 --max-n 20 --device cuda
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from symlogic import record_model
from symlogic.model_record import estimate_model


def make_mlp() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(),
                               torch.nn.Linear(64, 4)).eval()


def make_cnn() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(), torch.nn.Linear(16, 4),
    ).eval()


def groups_for(numel: int, n: int) -> list[list[int]]:
    """n contiguous groups of flat indices covering the input (the last few elements are background)."""
    per = numel // n
    return [list(range(i * per, (i + 1) * per)) for i in range(n)]


def plain_forward(model, x, baseline, groups, target, batch_size) -> torch.Tensor:
    """The same 2^n masked inputs built directly, in the same batches, and the log-odds."""
    n = len(groups)
    dev = x.device
    flat_x, flat_b = x.reshape(-1), baseline.reshape(-1)
    owner = torch.full((flat_x.numel(),), -1, dtype=torch.int64, device=dev)
    for i, g in enumerate(groups):
        owner[g] = i
    background = owner < 0
    owner = owner.clamp(min=0)
    out = torch.empty(1 << n, dtype=torch.float64, device=dev)
    with torch.inference_mode():
        for start in range(0, 1 << n, batch_size):
            masks = torch.arange(start, min(start + batch_size, 1 << n), device=dev)
            kept = ((masks[:, None] >> owner[None, :]) & 1).bool() | background
            z = model(torch.where(kept, flat_x, flat_b).reshape(-1, *x.shape)).to(torch.float64)
            others = torch.cat([z[:, :target], z[:, target + 1:]], dim=1)
            out[start:start + len(masks)] = z[:, target] - torch.logsumexp(others, dim=1)
    return out.cpu()


def best_of(fn, k: int) -> float:
    fn()
    best = float("inf")
    for _ in range(k):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-n", type=int, default=10)
    parser.add_argument("--max-n", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--device", default="cpu", help="torch device for the model and both recordings, e.g. cuda")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    dev = torch.device(args.device)
    print(f"# torch {torch.__version__}, device {dev}, threads {torch.get_num_threads()}, batch size {args.batch_size}, "
          f"best of {args.repeats}; ratio = record_model / plain batched forward")
    print(f"{'model':>5} {'n':>3} {'plain ms':>10} {'record ms':>10} {'ratio':>7} {'est ms':>10} {'est/rec':>8}")
    gen = torch.Generator().manual_seed(1)
    models = {
        "mlp": (make_mlp().to(dev), torch.randn(64, generator=gen).to(dev)),
        "cnn": (make_cnn().to(dev), torch.randn(1, 16, 16, generator=gen).to(dev)),
    }
    for name, (model, x) in models.items():
        baseline = torch.zeros_like(x)
        target = 1
        for n in range(args.min_n, args.max_n + 1):
            groups = groups_for(x.numel(), n)
            bs = args.batch_size

            def ours():
                return record_model(model, x, baseline, groups, target=target, batch_size=bs, progress=False).values

            def plain():
                out = plain_forward(model, x, baseline, groups, target, bs)
                if dev.type == "cuda":
                    torch.cuda.synchronize()
                return out

            np.testing.assert_allclose(ours(), plain().numpy(), rtol=1e-5, atol=1e-5)
            t_plain = best_of(plain, args.repeats)
            t_ours = best_of(ours, args.repeats)
            est = min(estimate_model(model, x, baseline, groups, target=target, batch_size=bs).seconds
                      for _ in range(args.repeats))
            print(f"{name:>5} {n:>3} {t_plain * 1e3:10.1f} {t_ours * 1e3:10.1f} {t_ours / t_plain:6.2f}x "
                  f"{est * 1e3:10.1f} {est / t_ours:7.2f}x", flush=True)


if __name__ == "__main__":
    main()
