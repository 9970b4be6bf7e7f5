"""Benchmark: how many terms a proven formula needs, with and without a learned baseline.

For each explained input the table is recorded twice, with the adapter's default baseline and with
``baseline="learned"`` (the same default as the start, |Δ| ≤ bound × scale; symlogic.baselines), and
the number of terms of the sparsest formula proven within ε = 5 % of the table's output range is
counted (the bias included):

- "sparsest": ``symlogic.sparsest(rec, 0.05)`` (relative ε), when the package has it;
- "topk" (fallback): ``ex = symlogic.extract(rec)``, then the smallest k with
  ``symlogic.verify(ex.logic_model(top_k=k, refit="minimax"), rec, 0.05·(max v − min v)).holds``
  (the minimax error cannot grow with k: the supports are nested; found by doubling then bisection).

Models (no downloads; scikit-learn ships both data sets):

- breast cancer: a torch MLP (10 → 32 → 2, tanh) on the 10 "mean" features, standardised; the
  variables are the 10 features; default baseline: the training mean; bound 0.1 × column std;
- digits: the small CNN of examples/image_digits.py trained for a few epochs; the variables are
  the 10 of 16 2×2 patches with the largest |gradient × input|; default baseline: zero (black);
  bound 0.1 × pixel range (0.1 here).

Run:  python benchmarks/bench_baselines.py [--inputs 5] [--steps 100] [--bound 0.1] [--split half]
      [--method auto|sparsest|topk] [--only cancer|digits]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing
sys.path.insert(0, str(ROOT / "examples"))
import symlogic as sl  # noqa: E402
from symlogic.adapters import ImageAdapter, TabularAdapter  # noqa: E402


def sparsest_fn() -> Callable[[Any, float], Any] | None:
    """``symlogic.sparsest`` when the package has it, else None."""
    try:
        return sl.sparsest  # type: ignore[attr-defined,no-any-return]
    except (AttributeError, ImportError):
        try:
            from symlogic.sparsest import sparsest  # type: ignore[import-not-found]
        except ImportError:
            return None
        return sparsest  # type: ignore[no-any-return]


def terms_topk(rec: sl.Record, rel: float) -> int:
    """Terms (bias included) of the smallest top-k minimax model proven within rel × range."""
    eps = rel * float(rec.values.max() - rec.values.min())
    ex = sl.extract(rec)
    total = len(ex.salient(top_k=10**9))

    def ok(k: int) -> tuple[bool, int]:
        lm = ex.logic_model(top_k=k, refit="minimax")
        return bool(sl.verify(lm, rec, eps).holds), len(lm.terms)

    good, size = ok(0)
    if good:
        return size
    lo, hi = 0, 1  # ok(lo) fails
    while True:
        good, size = ok(min(hi, total))
        if good or hi >= total:
            break
        lo, hi = hi, hi * 2
    if not good:
        return -1  # not even every concept: cannot happen for an exact extraction (q = 0 not required)
    hi = min(hi, total)
    best = size
    while hi - lo > 1:
        mid = (lo + hi) // 2
        good, size = ok(mid)
        if good:
            hi, best = mid, size
        else:
            lo = mid
    return best


def terms_needed(rec: sl.Record, rel: float, method: str) -> int:
    if method == "sparsest":
        fn = sparsest_fn()
        assert fn is not None
        return len(fn(rec, rel).terms)
    return terms_topk(rec, rel)


# ---------------------------------------------------------------------------------- models
def cancer_model(seed: int = 0) -> tuple[torch.nn.Module, np.ndarray, np.ndarray, list[str], float]:
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    data = load_breast_cancer()
    x = data.data[:, :10]
    names = [n.replace("mean ", "").replace(" ", "_") for n in data.feature_names[:10]]
    x_tr, x_te, y_tr, y_te = train_test_split(x, data.target, test_size=0.25, random_state=seed, stratify=data.target)
    mu, sd = x_tr.mean(0), x_tr.std(0)
    x_tr, x_te = ((x_tr - mu) / sd).astype(np.float32), ((x_te - mu) / sd).astype(np.float32)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(10, 32), torch.nn.Tanh(), torch.nn.Linear(32, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr).long()
    for _ in range(300):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(xt), yt).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = float((model(torch.from_numpy(x_te)).argmax(1).numpy() == y_te).mean())
    return model, x_tr, x_te, names, acc


def run(label: str, make: Callable[[str, dict[str, Any] | None], Any], inputs: int, method: str, rel: float,
        options: dict[str, Any]) -> list[tuple[Any, ...]]:
    rows = []
    for i in range(inputs):
        t0 = time.perf_counter()
        base = make("default", None)(i)
        learned = make("learned", options)(i)
        t_learn = time.perf_counter() - t0
        rec0, rec1 = base.record(progress=False), learned.record(progress=False)
        t1 = time.perf_counter()
        k0, k1 = terms_needed(rec0, rel, method), terms_needed(rec1, rel, method)
        lb = learned.learned
        rows.append((label, i, rec0.n, k0, k1, lb.loss_before, lb.loss_after, lb.max_shift, t_learn, time.perf_counter() - t1))
        print(f"  {label} #{i}: n = {rec0.n}, terms {k0} → {k1}, L1 {lb.loss_before:.4g} → {lb.loss_after:.4g} "
              f"(best step {lb.best_step}), learn+record {t_learn:.1f} s, count {time.perf_counter() - t1:.1f} s",
              flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inputs", type=int, default=5, help="inputs explained per model")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--bound", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--split", default="half", choices=("half", "gamma", "and"))
    ap.add_argument("--epsilon", type=float, default=0.05, help="ε relative to the output range")
    ap.add_argument("--method", default="auto", choices=("auto", "sparsest", "topk"))
    ap.add_argument("--only", choices=("cancer", "digits"))
    ap.add_argument("--epochs", type=int, default=5, help="digits CNN training epochs")
    args = ap.parse_args()
    method = args.method
    if method == "auto":
        method = "sparsest" if sparsest_fn() is not None else "topk"
    elif method == "sparsest" and sparsest_fn() is None:
        ap.error("symlogic.sparsest is not available in this checkout; use --method topk")
    options = {"steps": args.steps, "bound": args.bound, "lr": args.lr, "split": args.split}
    print(f"terms needed for a proven ε ≤ {args.epsilon:.0%} of the output range; counting: {method}; "
          f"learned baseline options {options}", flush=True)
    rows: list[tuple[Any, ...]] = []
    if args.only in (None, "cancer"):
        model, x_tr, x_te, names, acc = cancer_model()
        print(f"breast cancer MLP: test accuracy {acc:.3f}", flush=True)

        def make_tab(kind: str, opts: dict[str, Any] | None) -> Callable[[int], TabularAdapter]:
            return lambda i: TabularAdapter(model, x_te[i], reference=x_tr, names=names,
                                            baseline="mean" if kind == "default" else "learned", baseline_options=opts)

        rows += run("cancer MLP", make_tab, args.inputs, method, args.epsilon, options)
    if args.only in (None, "digits"):
        from image_digits import train_digits_cnn

        cnn, x_te_img, _, acc = train_digits_cnn(seed=0, epochs=args.epochs)
        print(f"digits CNN ({args.epochs} epochs): test accuracy {acc:.3f}", flush=True)

        def make_img(kind: str, opts: dict[str, Any] | None) -> Callable[[int], ImageAdapter]:
            return lambda i: ImageAdapter(cnn, x_te_img[i], patch=2, n=10, select="gradient",
                                          baseline="zero" if kind == "default" else "learned", baseline_options=opts)

        rows += run("digits CNN", make_img, args.inputs, method, args.epsilon, options)

    print()
    print(f"{'model':<11} {'input':>5} {'n':>3} {'terms default':>13} {'terms learned':>13} {'L1 default':>11} "
          f"{'L1 learned':>11} {'max|Δ|':>8}")
    for label, i, n, k0, k1, l0, l1, shift, *_ in rows:
        print(f"{label:<11} {i:>5} {n:>3} {k0:>13} {k1:>13} {l0:>11.4g} {l1:>11.4g} {shift:>8.3g}")
    for label in dict.fromkeys(r[0] for r in rows):
        sel = [r for r in rows if r[0] == label]
        k0 = np.array([r[3] for r in sel], dtype=float)
        k1 = np.array([r[4] for r in sel], dtype=float)
        print(f"{label:<11} {'mean':>5} {sel[0][2]:>3} {k0.mean():>13.1f} {k1.mean():>13.1f}   "
              f"(fewer terms on {int((k1 < k0).sum())}, more on {int((k1 > k0).sum())} of {len(sel)} inputs)")
    print(f"\ncommand: python benchmarks/bench_baselines.py {' '.join(sys.argv[1:])}".rstrip())


if __name__ == "__main__":
    main()
