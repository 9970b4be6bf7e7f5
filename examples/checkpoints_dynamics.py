"""Interactions over training: order profiles per checkpoint and what changed between checkpoints.

Ren et al. (NeurIPS 2024) report two phases in how a network learns interactions: first the
interactions of medium and high order that the random initialisation carries are suppressed, then
interactions of gradually increasing order are learned. This example looks for that on a small
MLP (16 s on 2 CPU cores at the defaults, measured with `time`; no downloads):

1. trains an MLP on the first n breast-cancer features (scikit-learn's copy), saving a checkpoint
   at steps spaced on a log scale (``<out>/checkpoints/step_XXXXX.pt``);
2. for every checkpoint, reloads it, records the log-odds of each explained test input's true
   class on all 2^n masks (masked features at the training mean) and extracts the certified
   sparse AND-OR split;
3. prints the strength per order (Σ|I(S)| over |S| = k, AND and OR, averaged over the inputs),
   its share of the total, and the strength-weighted mean order, per checkpoint;
4. between consecutive checkpoints, attributes the change of the output on the full input to
   concepts (``attribute_change``; exact on every mask) and compares their salient concepts
   (signed Jaccard similarity);
5. says whether the two phases show (by the criteria printed with the verdict) and saves
   ``<out>/order_strength.png``, the strength per order over checkpoints.

Run:  python examples/checkpoints_dynamics.py [--n 8] [--steps 3000] [--inputs 3] [--out out/dynamics]
"""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

import symlogic as sl
from symlogic.generalization import attribute_change, jaccard
from symlogic.generalization.metrics import concept_dict


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    data = load_breast_cancer()
    x = data.data[:, :n].astype(np.float64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, data.target, test_size=0.25, random_state=seed, stratify=data.target)
    mean, std = x_tr.mean(axis=0), x_tr.std(axis=0)
    names = tuple(str(s).replace(" ", "_") for s in data.feature_names[:n])
    return (x_tr - mean) / std, y_tr, (x_te - mean) / std, y_te, names


def _checkpoint_steps(total: int, count: int) -> list[int]:
    """0 and about ``count`` − 1 steps up to ``total``, evenly spaced on a log scale."""
    steps = {0, total} | {int(round(x)) for x in np.geomspace(1, total, max(count - 1, 1))}
    return sorted(s for s in steps if 0 <= s <= total)


def train(out: Path, n: int, steps: int, checkpoints: int, seed: int) -> tuple[torch.nn.Module, list[tuple[int, Path]], dict[str, Any]]:
    """Mini-batch SGD with momentum; the state is saved at the checkpoint steps."""
    x_tr, y_tr, x_te, y_te, names = _data(n, seed)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(n, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 2)).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    xt, yt = torch.tensor(x_tr), torch.tensor(y_tr, dtype=torch.long)
    gen = torch.Generator().manual_seed(seed)
    folder = out / "checkpoints"
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    wanted = set(_checkpoint_steps(steps, checkpoints))
    for step in range(steps + 1):
        if step in wanted:
            path = folder / f"step_{step:05d}.pt"
            torch.save(model.state_dict(), path)
            saved.append((step, path))
        if step == steps:
            break
        idx = torch.randint(0, xt.shape[0], (32,), generator=gen)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx]).backward()
        opt.step()
    with torch.no_grad():
        acc = float((model(torch.tensor(x_te)).argmax(1).numpy() == y_te).mean())
    return model, saved, {"x_te": x_te, "y_te": y_te, "names": names, "accuracy": acc}


def order_strength(ex: Any) -> np.ndarray:
    """Σ_{|S|=k} (|I_and(S)| + |I_or(S)|) for k = 1 … n (every interaction of the split, not only the salient)."""
    orders = np.bitwise_count(np.arange(ex.and_.shape[0], dtype=np.uint64)).astype(np.int64)
    strength = np.bincount(orders, weights=np.abs(ex.and_) + np.abs(ex.or_), minlength=ex.n + 1)
    return strength[1:]


def main(out_dir: str | Path = "out/dynamics", *, n: int = 8, steps: int = 3000, checkpoints: int = 10,
         inputs: int = 3, seed: int = 0, tau: float = 0.05, echo: Callable[[str], Any] = print) -> dict[str, Any]:
    """Run the walk-through; returns the per-checkpoint profiles and the verdict on the two phases."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model, saved, info = train(out, n, steps, checkpoints, seed)
    names = info["names"]
    echo(f"MLP on {n} breast-cancer features, {steps} SGD steps: test accuracy {info['accuracy']:.3f}; "
         f"{len(saved)} checkpoints in {out / 'checkpoints'}")
    xs = [torch.tensor(info["x_te"][i]) for i in range(inputs)]
    targets = [int(info["y_te"][i]) for i in range(inputs)]
    profiles, extractions = [], []
    for step, path in saved:
        model.load_state_dict(torch.load(path, weights_only=True))
        model.eval()
        exs = []
        for x, target in zip(xs, targets):
            rec = sl.record_model(model, x, torch.zeros_like(x), [[i] for i in range(n)], target=target,
                                  names=names, baseline_name="training mean (0 after standardising)", progress=False)
            exs.append(sl.extract(rec, q_bound=0.04))
        extractions.append(exs)
        profiles.append(np.mean([order_strength(ex) for ex in exs], axis=0))
    prof = np.array(profiles)  # [checkpoints, n]
    orders = np.arange(1, n + 1)
    share = prof / np.maximum(prof.sum(axis=1, keepdims=True), 1e-300)
    mean_order = (share * orders).sum(axis=1)
    high = orders >= 3  # "medium and high order" for n = 8-10 variables
    echo("strength per order (Σ|I| over |S| = k, mean over inputs); share of orders ≥ 3; mean order:")
    echo("  step   " + " ".join(f"k={k:<5d}" for k in orders) + "  ≥3 share  mean k")
    for (step, _), row, sh, mk in zip(saved, prof, share, mean_order):
        echo(f"  {step:5d}  " + " ".join(f"{x:7.3f}" for x in row) + f"  {sh[high].sum():8.2f}  {mk:6.2f}")

    # what changed between consecutive checkpoints (input 0 in detail, all inputs for the similarity)
    echo(f"changes between consecutive checkpoints (input 0; salient at τ = {tau}):")
    similarity = []
    exact = True
    for j in range(1, len(saved)):
        ch = attribute_change(extractions[j - 1][0], extractions[j][0], tau=tau)
        va, vb = ch.before.record.values.tolist(), ch.after.record.values.tolist()
        exact &= ch.reconstruct() == [Fraction(b) - Fraction(a) for a, b in zip(va, vb)]  # every mask, rationals
        sims = [jaccard(concept_dict(a, tau), concept_dict(b, tau))
                for a, b in zip(extractions[j - 1], extractions[j])]
        similarity.append(float(np.mean(sims)))
        gained_orders = [c.order for c in ch.gained]
        drivers = ch.drivers(1, include_constant=False)
        top = drivers[0][0] if drivers else None
        echo(f"  step {saved[j - 1][0]:5d} → {saved[j][0]:5d}: Δv(N) = {ch.full_change:+.3f}, gained {len(ch.gained)} "
             f"(orders {sorted(gained_orders)}), lost {len(ch.lost)}, kept {len(ch.kept)}; "
             f"Jaccard {similarity[-1]:.2f}; main driver {top}")

    echo(f"the concepts' terms plus the noise term give Δv back exactly (rational arithmetic) on all 2^{n} masks "
         f"of every step: {'yes' if exact else 'NO'}")

    # the two phases, by explicit criteria on the mean over inputs
    p = int(np.argmin(mean_order[: max(2, len(saved) // 2)]))  # lowest mean order in the first half
    phase1 = bool(p > 0 and share[p, high].sum() < share[0, high].sum() - 0.05)
    q = p + int(np.argmin(mean_order[p:]))  # the lowest mean order from there on
    phase2 = bool(q < len(saved) - 1 and mean_order[-1] > mean_order[q] + 0.1
                  and prof[-1, high].sum() > prof[p, high].sum())
    verdict = ("both phases show" if phase1 and phase2 else "only the first phase shows" if phase1
               else "only the second phase shows" if phase2 else "neither phase shows clearly")
    echo(f"two-phase dynamics (Ren et al., NeurIPS 2024): {verdict}.")
    echo(f"  phase 1 (the share of orders ≥ 3 drops by more than 0.05 from step 0 to the checkpoint of lowest mean "
         f"order in the first half): step {saved[p][0]}, {share[0, high].sum():.2f} → {share[p, high].sum():.2f}")
    echo(f"  phase 2 (the mean order then rises by more than 0.1 from its lowest point, and orders ≥ 3 end stronger "
         f"than at step {saved[p][0]}): lowest {mean_order[q]:.2f} at step {saved[q][0]}, {mean_order[-1]:.2f} at the "
         f"end; mean order along the way: {', '.join(f'{x:.2f}' for x in mean_order[p:])}")

    picture = out / "order_strength.png"
    _plot(picture, saved, prof, orders)
    echo(f"wrote {picture}")
    return {"steps": [s for s, _ in saved], "profiles": prof.tolist(), "share": share.tolist(),
            "mean_order": mean_order.tolist(), "similarity": similarity, "phase1": phase1, "phase2": phase2,
            "verdict": verdict, "accuracy": info["accuracy"], "picture": str(picture), "n": n,
            "gaps": [[ex.gap for ex in exs] for exs in extractions],
            "exact": exact, "all_optimal": all(ex.status == "optimal" for exs in extractions for ex in exs)}


def _plot(path: Path, saved: list[tuple[int, Path]], prof: np.ndarray, orders: np.ndarray) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    cmap = plt.get_cmap("viridis")
    for j, ((step, _), row) in enumerate(zip(saved, prof)):
        ax1.plot(orders, np.maximum(row, 1e-4), marker="o", color=cmap(j / max(len(saved) - 1, 1)), label=f"step {step}")
    ax1.set_yscale("log")
    ax1.set_ylim(bottom=max(float(prof[prof > 0].min(initial=1e-4)), 1e-4))
    ax1.set_xlabel("order k = |S|")
    ax1.set_ylabel("Σ |I(S)| over |S| = k (AND + OR)")
    ax1.set_title("strength per order, per checkpoint")
    ax1.legend(fontsize=7)
    share = prof / np.maximum(prof.sum(axis=1, keepdims=True), 1e-300)
    x = [max(step, 1) for step, _ in saved]
    for k in orders:
        ax2.plot(x, share[:, k - 1], marker=".", label=f"k = {k}")
    ax2.set_xscale("log")
    ax2.set_xlabel("training step (step 0 drawn at 1)")
    ax2.set_ylabel("share of the total strength")
    ax2.set_title("share per order over training")
    ax2.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8, help="number of variables (features), 8-10")
    parser.add_argument("--steps", type=int, default=3000, help="SGD steps (batches of 32)")
    parser.add_argument("--checkpoints", type=int, default=10)
    parser.add_argument("--inputs", type=int, default=3, help="test inputs explained per checkpoint")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/dynamics")
    args = parser.parse_args()
    main(args.out, n=args.n, steps=args.steps, checkpoints=args.checkpoints, inputs=args.inputs, seed=args.seed)
