"""The embedded demo: a small MLP on scikit-learn's breast-cancer data, explained end to end.

Everything is made here, seeded, in seconds: no download. The ten "mean …" features of one test
patient are the variables; masked features take the training mean (0 after standardisation).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .defaults import TARGET, TAU
from .model_record import record_model
from .record import Record

__all__ = ["DemoSetup", "train_demo_model", "demo_record", "demo_claims", "run_demo"]


@dataclass(frozen=True)
class DemoSetup:
    """The trained model, the explained input, its baseline and the variable names."""

    model: torch.nn.Module
    x: torch.Tensor
    baseline: torch.Tensor
    names: tuple[str, ...]
    test_accuracy: float


def train_demo_model(n_features: int = 10, seed: int = 0, epochs: int = 300, sample: int = 0) -> DemoSetup:
    """Train a 2-layer MLP on the first ``n_features`` breast-cancer features (seeded, ~1 s)."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    data = load_breast_cancer()
    x_all = data.data[:, :n_features].astype(np.float64)
    names = tuple(str(s) for s in data.feature_names[:n_features])
    x_tr, x_te, y_tr, y_te = train_test_split(x_all, data.target, test_size=0.25, random_state=seed, stratify=data.target)
    mean, std = x_tr.mean(axis=0), x_tr.std(axis=0)
    x_tr, x_te = (x_tr - mean) / std, (x_te - mean) / std
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(n_features, 32), torch.nn.Tanh(), torch.nn.Linear(32, 16),
                                torch.nn.Tanh(), torch.nn.Linear(16, 2))
    for p in model.parameters():  # deterministic init from our own generator
        with torch.no_grad():
            p.copy_(torch.randn(p.shape, generator=gen) * (1.0 / math.sqrt(p.shape[-1])))
    xt = torch.tensor(x_tr, dtype=torch.float32)
    yt = torch.tensor(y_tr, dtype=torch.long)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-3)
    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = float((model(torch.tensor(x_te, dtype=torch.float32)).argmax(1).numpy() == y_te).mean())
    x = torch.tensor(x_te[sample], dtype=torch.float32)
    return DemoSetup(model=model, x=x, baseline=torch.zeros_like(x), names=names, test_accuracy=acc)


def demo_record(setup: DemoSetup, progress: bool | None = None) -> Record:
    """Record the log-odds of the predicted class on all 2^n masked versions of the demo input."""
    return record_model(setup.model, setup.x, setup.baseline, [[i] for i in range(len(setup.names))],
                        names=setup.names, baseline_name="training mean (standardised 0)", progress=progress)


def _fmt(x: float) -> str:
    """A short decimal that is safe as a claim threshold."""
    return f"{x:.4f}"


def demo_claims(rec: Record, lm: Any) -> list[tuple[str, str]]:
    """One claim that is true and one that is false on this record, built from its logic model.

    True: when the variables of the strongest concept are present, the output stays above the
    smallest value it takes there (rounded down). False: the strongest single variable never
    changes the output by more than 0.01.
    """
    masks = np.arange(rec.values.shape[0])
    top = lm.concepts[0] if lm.concepts else None
    quote = lambda s: '"' + s.replace('"', '') + '"'  # noqa: E731
    if top is not None:
        cond = " & ".join(f"present({quote(x)})" for x in top.names)
        floor = math.floor(float(rec.values[(masks & top.mask) == top.mask].min()) * 1e4) / 1e4
        true_claim = f"{cond} -> output >= {_fmt(floor)}"
    else:
        true_claim = f"output >= {_fmt(math.floor(float(rec.values.min()) * 1e4) / 1e4)}"
    # |v(T ∪ i) − v(T)| over T ∌ i: the masks with bit i set, paired with the same masks without it.
    diffs = [np.max(np.abs(rec.values[masks | (1 << i)] - rec.values[masks & ~(1 << i)])) for i in range(rec.n)]
    strongest = rec.names[int(np.argmax(diffs))]
    false_claim = f"no_effect({quote(strongest)}, 0.01)"
    return [(true_claim, "record"), (false_claim, "record")]


def run_demo(out_dir: str | Path = "symlogic-demo", *, n_features: int = 10, seed: int = 0, tau: float = TAU,
             target: float = TARGET, progress: bool | None = None, echo: Any = print) -> dict[str, Any]:
    """Train, record, extract, build the proven size-vs-error front and keep its smallest formula
    within ``target`` of the output range, prove it, check two claims, write bundle, graph and report."""
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    setup = train_demo_model(n_features=n_features, seed=seed)
    echo(f"trained a 2-layer MLP on breast cancer ({n_features} features): test accuracy {setup.test_accuracy:.3f}")
    rec = demo_record(setup, progress=progress)
    echo(f"recorded the {rec.output} of class {rec.meta.get('target')} on all 2^{rec.n} = {rec.values.shape[0]} masked inputs")
    from .extraction import extract

    ex = extract(rec, method="exact", progress=progress)
    echo(f"extracted the AND-OR split: {len(ex.salient(tau))} salient concepts at tau = {tau}")
    from .pipeline import sparse_choice

    front, lm = sparse_choice(rec, target)
    echo(f"proved the size-vs-error front ({len(front.points)} formulas); the smallest within {100 * target:g} % of the "
         f"output range has {len(lm)} terms")
    claims = demo_claims(rec, lm)
    from .evidence import evidence

    ev = evidence(lm, rec, ex, claims=claims, progress=progress, front=front)
    bundle = ev.save(out / "evidence.zip")
    files = {"bundle": bundle}
    from .figures.graph import render_graph

    for suffix in ("png", "svg"):
        render_graph(lm, out / f"graph.{suffix}", epsilon=ev.verdict.epsilon)
    files["graph"] = str(out / "graph.png")
    files["report"] = ev.to_html(out / "report.html")
    echo("")
    for line in ev.summary_lines():
        echo(line)
    seconds = time.perf_counter() - t0
    echo(f"wrote {', '.join(files.values())} in {seconds:.1f} s")
    return {"evidence": ev, "files": files, "seconds": seconds}
