"""Images: a small CNN on scikit-learn's 8×8 digits, explained with 2×2 patches as variables.

What it does (no downloads; scikit-learn ships the digits):

1. trains a small CNN on the digits (seeded, a few seconds on a CPU);
2. splits one test digit into a 4×4 grid of 2×2-pixel patches (``ImageAdapter``); the ``n`` patches
   with the largest |gradient × input| are the variables (default 10 of the 16; the other patches
   keep their pixels), masked patches are black (0, the digits' background);
3. records the log-odds of the predicted class on all 2^n masked images, extracts certified AND-OR
   interactions, builds the logic model (minimax refit) and proves it within ε;
4. prints the formula in patch names ("p{row}_{col}") and draws the patches of the strongest
   concepts over the digit into ``concepts.png`` (``symlogic.figures.plot_image_concepts``).

Run:  python examples/image_digits.py [--patches 10] [--out out/image_digits]

All 16 patches (``--patches 16``) record in a second, but the exact extraction of this CNN's table
is optimal only up to about n = 11 on a CPU (seconds); at n = 12 and 16 the solver stops early
(status "not_converged", or at ``--time-limit``) with an honest but wide certified gap, and the
logic model then keeps the ``top_k`` strongest concepts (still proven within its ε).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

import symlogic as sl
from symlogic.adapters import ImageAdapter
from symlogic.figures import plot_image_concepts


def train_digits_cnn(seed: int = 0, epochs: int = 15) -> tuple[torch.nn.Module, torch.Tensor, np.ndarray, float]:
    """A 2-conv CNN on the 8×8 digits (pixels scaled to [0, 1]); returns model, test images, labels, accuracy."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = digits.images.astype(np.float32)[:, None] / 16.0  # [N, 1, 8, 8]
    x_tr, x_te, y_tr, y_te = train_test_split(x, digits.target, test_size=0.25, random_state=seed, stratify=digits.target)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(),
        torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(16 * 4 * 4, 10),
    )
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr).long()
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(epochs):
        for idx in torch.randperm(len(xt), generator=gen).split(128):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx]).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        acc = float((model(torch.from_numpy(x_te)).argmax(1).numpy() == y_te).mean())
    return model, torch.from_numpy(x_te), y_te, acc


def main(out_dir: str | Path = "out/image_digits", *, n_patches: int = 10, sample: int = 0, seed: int = 0,
         epochs: int = 15, tau: float = 0.05, time_limit: float | None = 60.0, top_k: int = 20,
         echo: Callable[[str], Any] = print) -> dict[str, Any]:
    """Train, explain one test digit with ``n_patches`` 2×2 patches, prove, draw; returns the key numbers."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    model, x_te, y_te, acc = train_digits_cnn(seed=seed, epochs=epochs)
    echo(f"CNN on 8×8 digits: test accuracy {acc:.3f} ({time.perf_counter() - t0:.1f} s)")

    img = x_te[sample]  # [1, 8, 8]
    adapter = ImageAdapter(model, img, patch=2, n=None if n_patches >= 16 else n_patches, select="gradient",
                           baseline="zero")
    rec = adapter.record(progress=False)
    echo(f"digit #{sample} (label {int(y_te[sample])}, predicted {adapter.target_class}): {rec.n} patches "
         f"{', '.join(rec.names)}; recorded the {rec.output} on 2^{rec.n} = {len(rec.values)} masked images "
         f"(v(∅) = {rec.values[0]:.3f}, v(N) = {rec.values[-1]:.3f})")

    ex = sl.extract(rec, method="exact", time_limit=time_limit, progress=False)
    echo(f"exact extraction: L1 = {ex.objective:.4f}, certified gap {ex.gap:.2e} "
         f"({ex.settings['status']}, {ex.settings['seconds']:.1f} s)")
    if ex.settings["status"] == "optimal":
        lm = ex.logic_model(tau=tau, refit="minimax")
        how = f"tau = {tau}"
    else:  # an unfinished solve is feasible but far from sparse: keep only the strongest concepts
        lm = ex.logic_model(top_k=top_k, refit="minimax")
        how = f"top {top_k}; the solver stopped early"
    verdict = sl.verify(lm, rec)
    (out / "formula.txt").write_text(str(lm) + "\n", encoding="utf-8")
    strongest = sorted(lm.concepts, key=lambda t: -abs(t.coefficient))[:8]
    shown = " ".join(f"{'-' if t.coefficient < 0 else '+'} {abs(t.coefficient):.3f}·{t.label()}" for t in strongest)
    more = f" … ({len(lm) - len(strongest)} smaller terms in formula.txt)" if len(lm) > len(strongest) else ""
    echo(f"logic model ({len(lm)} concepts, {how}), strongest terms first:")
    echo(f"  f = {lm.bias:.3f} {shown}{more}")
    echo(f"{verdict}; the output spans {rec.values.min():.3f} … {rec.values.max():.3f}")

    # The input with its variables, then each of the 4 strongest concepts' patches over the digit.
    picture = out / "concepts.png"
    plot_image_concepts(img, adapter, lm, top=4, path=picture, show_input=True, cols=5, cmap="gray_r")
    ev = sl.evidence(lm, rec, ex)
    bundle = ev.save(out / "evidence.zip")
    echo(f"wrote {picture} and {bundle} ({time.perf_counter() - t0:.1f} s in all)")
    return {
        "accuracy": acc,
        "label": int(y_te[sample]),
        "predicted": adapter.target_class,
        "n": rec.n,
        "names": list(rec.names),
        "objective": ex.objective,
        "gap": ex.gap,
        "status": ex.settings["status"],
        "concepts": len(lm),
        "formula": str(lm),
        "top_terms": [(t.kind, t.names, t.coefficient) for t in strongest],
        "epsilon": verdict.epsilon,
        "proven": verdict.holds,
        "output_range": (float(rec.values.min()), float(rec.values.max())),
        "files": {"picture": str(picture), "bundle": str(bundle)},
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patches", type=int, default=10, help="number of 2×2 patches used as variables (≤ 16)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds for the exact solver")
    parser.add_argument("--sample", type=int, default=0, help="which test digit")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tau", type=float, default=0.05)
    parser.add_argument("--out", default="out/image_digits", help="output folder")
    args = parser.parse_args()
    main(args.out, n_patches=args.patches, sample=args.sample, seed=args.seed, tau=args.tau, time_limit=args.time_limit)
