"""Does the model take a shortcut? A planted spurious feature, caught with a counterexample.

The data are generated here (seeded). The label depends on three real features::

    y = 1  iff  2·a + b − c + noise > 0

and a fourth feature, ``spurious``, copies the label (plus a little noise) in the training data of
model A, so A can read the answer off it: a shortcut. Model B is trained on the same data except
that ``spurious`` is pure noise, so it has nothing to learn from it. Two more features are
irrelevant noise for both.

For one test row whose ``spurious`` value still agrees with its label, the claim

    no_effect(spurious, tol)        "masking or unmasking spurious never moves the log-odds by more than tol"

is checked on both models' records, over all 2^n masks, exactly:

- model A: REFUTED, with the counterexample (the smallest set of present features where adding
  ``spurious`` changes the output by more than tol), printed in variable names;
- model B: HOLDS.

It is then checked a second way, on each model's logic model with the proven ε: a claim about the
network follows from the claim on f when the tolerance exceeds the model's effect by 2ε.

Run:  python examples/shortcut.py [--out out/shortcut]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

import symlogic as sl
from symlogic.adapters import TabularAdapter

NAMES = ("a", "b", "c", "spurious", "noise1", "noise2")


def make_data(rows: int, spurious_tracks_label: bool, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Features [rows, 6] in the order of NAMES and labels; ``spurious`` copies the label or is noise."""
    a, b, c, n1, n2 = (rng.normal(size=rows) for _ in range(5))
    y = (2 * a + b - c + 0.3 * rng.normal(size=rows) > 0).astype(np.int64)
    if spurious_tracks_label:
        spurious = (2 * y - 1) * 1.5 + 0.3 * rng.normal(size=rows)
    else:
        spurious = rng.normal(size=rows) * 1.5
    return np.stack([a, b, c, spurious, n1, n2], axis=1), y


def train(x: np.ndarray, y: np.ndarray, seed: int, epochs: int = 300) -> torch.nn.Module:
    """A small MLP, full-batch Adam with weight decay (unused inputs keep small weights), seeded."""
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 32), torch.nn.Tanh(), torch.nn.Linear(32, 2))
    xt, yt = torch.tensor(x, dtype=torch.float32), torch.tensor(y)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-2)
    for _ in range(epochs):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(xt), yt).backward()
        opt.step()
    return model.eval()


def accuracy(model: torch.nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    with torch.no_grad():
        return float((model(torch.tensor(x, dtype=torch.float32)).argmax(1).numpy() == y).mean())


def main(out_dir: str | Path = "out/shortcut", *, rows: int = 2000, tol: float = 1.0, seed: int = 0,
         epochs: int = 300, echo: Callable[[str], Any] = print) -> dict[str, Any]:
    """Train A (with the shortcut) and B (without), check no_effect(spurious, tol) on both; returns the verdicts."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    x_a, y = make_data(rows, True, rng)
    x_b = x_a.copy()
    x_b[:, 3] = rng.normal(size=rows) * 1.5  # B's training data: same rows, spurious is noise
    # Test data where the shortcut is broken (spurious is noise) shows what each model really learned.
    x_te, y_te = make_data(1000, False, rng)
    model_a, model_b = train(x_a, y, seed, epochs), train(x_b, y, seed, epochs)
    echo(f"model A (spurious copies the label in training): train accuracy {accuracy(model_a, x_a, y):.3f}, "
         f"accuracy once spurious is noise {accuracy(model_a, x_te, y_te):.3f}")
    echo(f"model B (spurious is noise in training):        train accuracy {accuracy(model_b, x_b, y):.3f}, "
         f"accuracy on the same test data {accuracy(model_b, x_te, y_te):.3f}")

    # One row where the spurious feature agrees with the label, as it did in A's training data.
    x_row, y_row = make_data(1, True, np.random.default_rng(seed + 1))
    claim = f"no_effect(spurious, {tol})"
    result: dict[str, Any] = {"claim": claim, "tol": tol}
    for label, model, ref in (("A", model_a, x_a), ("B", model_b, x_b)):
        # Masked features take the training mean; every feature is one variable (2^6 = 64 masks).
        rec = TabularAdapter(model, x_row[0], reference=ref, baseline="mean", names=NAMES, target=int(y_row[0])).record()
        res = sl.check(claim, rec)  # exhaustive over all 64 masks, exact
        ex = sl.extract(rec, progress=False)
        lm = ex.logic_model(tau=0.05, refit="minimax")
        verdict = sl.verify(lm, rec)
        # The network claim from f with margin 2ε; where the margin cannot carry it, the record decides.
        via_model = sl.check(claim, lm, epsilon=verdict, record=rec)
        shap = sl.shapley_values(sl.and_interactions(rec.values))
        echo(f"\nmodel {label}: log-odds of class {y_row[0]} from {rec.values[0]:+.3f} (all masked) to {rec.values[-1]:+.3f} (all present)")
        echo("  Shapley values: " + ", ".join(f"{n} {s:+.3f}" for n, s in zip(NAMES, shap)))
        echo(f"  logic model: {lm}")
        echo(f"  {verdict}")
        echo(f"  on the record: {claim} {'HOLDS' if res.holds else 'is REFUTED'}: {res.explanation}")
        if res.counterexample:
            cx = res.counterexample
            echo(f"  counterexample: with present = {{{', '.join(cx['present'])}}}, adding spurious moves the log-odds "
                 f"{cx['output']:+.4f} → {cx['output_with']:+.4f} (change {cx['difference']:+.4f}, tol {tol})")
        echo(f"  via the logic model (ε = {verdict.epsilon:.4g}): {via_model.status.upper()} [{via_model.route}]")
        ev = sl.evidence(lm, rec, ex, claims=[claim, (claim, "model")])
        ev.save(out / f"evidence_{label}.zip")
        result[label] = {
            "holds": res.holds,
            "status": res.status,
            "counterexample": res.counterexample,
            "max_change": res.values.get("max_change"),
            "epsilon": verdict.epsilon,
            "proven": verdict.holds,
            "via_model": via_model.status,
            "via_model_route": via_model.route,
            "shapley_spurious": float(shap[3]),
            "formula": str(lm),
            "bundle": str(out / f"evidence_{label}.zip"),
        }
    echo(f"\nverdict: model A {'takes' if not result['A']['holds'] else 'does not take'} the shortcut "
         f"(max change {result['A']['max_change']:.3f} > {tol}); model B "
         f"{'ignores' if result['B']['holds'] else 'uses'} it (max change {result['B']['max_change']:.3f})")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000, help="training rows")
    parser.add_argument("--tol", type=float, default=1.0, help="no_effect tolerance in log-odds (1.0: odds change by at most a factor e)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/shortcut", help="output folder")
    args = parser.parse_args()
    main(args.out, rows=args.rows, tol=args.tol, seed=args.seed)
