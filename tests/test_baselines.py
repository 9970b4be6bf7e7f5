"""Learned baselines (symlogic.baselines, baseline="learned" in the adapters): the bound, the loss,
determinism, a planted case with a known answer, the record's provenance, and the refusals."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

import symlogic as sl
from symlogic.adapters import ImageAdapter, TabularAdapter, TextAdapter, record_tabular
from symlogic.baselines import SPLITS, LearnedBaseline, learn_baseline, sparsity_loss
from symlogic.errors import InputError
from symlogic.transforms import and_interactions, or_interactions


def _mlp(d: int, seed: int = 0, dtype: torch.dtype = torch.float32) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(d, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2)).to(dtype).eval()


@pytest.fixture(scope="module")
def data() -> torch.Tensor:
    return torch.randn(80, 6, generator=torch.Generator().manual_seed(1))


def _within(values: torch.Tensor, start: torch.Tensor, bound: torch.Tensor) -> bool:
    """|b − b0| ≤ δ for every entry, in float64 and in the values' own dtype."""
    d64 = (values.to(torch.float64) - start.to(torch.float64)).abs()
    dn = (values - start.to(values.dtype)).abs()
    return bool((d64 <= bound).all()) and bool((dn <= bound.to(values.dtype)).all())


def _loss(values: np.ndarray) -> float:
    """The half-split loss Σ_{S≠∅}|I_and(v/2)| + Σ_{S≠∅}|I_or(v/2)| with symlogic.transforms."""
    return float(np.abs(and_interactions(values / 2)[1:]).sum() + np.abs(or_interactions(values / 2)[1:]).sum())


# ------------------------------------------------------------------------------------- the loss
def test_sparsity_loss_matches_the_transforms() -> None:
    v = torch.randn(32, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    assert float(sparsity_loss(v)) == pytest.approx(_loss(v.numpy()), rel=1e-12)
    assert float(sparsity_loss(v, "and")) == pytest.approx(float(np.abs(and_interactions(v.numpy())[1:]).sum()), rel=1e-12)
    gamma = torch.randn(32, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    w = v.numpy() / 2
    expected = np.abs(and_interactions(w + gamma.numpy())[1:]).sum() + np.abs(or_interactions(w - gamma.numpy())[1:]).sum()
    assert float(sparsity_loss(v, "gamma", gamma)) == pytest.approx(float(expected), rel=1e-12)
    assert SPLITS == ("half", "gamma", "and")


# ------------------------------------------------------------------------------------- the bound
def test_bound_is_respected_exactly_for_every_value() -> None:
    # a wide box and a large step: many values end on the box's faces, where rounding could put them past it
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1)).eval()
    x = torch.rand(5)
    b0 = torch.tensor([0.1, 0.7, -0.3, 1 / 3, 0.2])
    delta = torch.tensor([0.3, 0.1, 0.7, 1 / 7, 0.0], dtype=torch.float64)
    member = torch.eye(5, dtype=torch.bool)
    res = learn_baseline(lambda z: model(z).reshape(-1), x, b0, member, delta, steps=40, lr=0.5)
    assert isinstance(res, LearnedBaseline) and res.values.dtype == torch.float32 and res.values.shape == (5,)
    assert _within(res.values, b0, delta)
    assert res.values[4] == b0[4]  # δ = 0: never moves
    on_face = ((res.values.double() - b0.double()).abs() - delta).abs() < 1e-6
    assert bool(on_face[:4].any())  # the box was reached, and held
    assert res.loss_after <= res.loss_before


def test_tabular_learned_respects_bound_and_does_not_raise_the_loss(data: torch.Tensor) -> None:
    model = _mlp(6, dtype=torch.float64)
    ref = data.double()
    for i in range(3):
        base = TabularAdapter(model, ref[i], reference=ref, baseline="mean")
        learned = TabularAdapter(model, ref[i], reference=ref, baseline="learned", baseline_options={"bound": 0.3})
        res = learned.learned
        assert res is not None and res.steps == 100 and res.split == "half"
        std = torch.from_numpy(np.nanstd(ref.numpy(), axis=0))
        assert torch.equal(res.bound, 0.3 * std)
        assert torch.equal(res.start, base.baseline_tensor)
        assert _within(learned.baseline_tensor, base.baseline_tensor, res.bound)
        assert res.loss_after <= res.loss_before == pytest.approx(_loss(base.record().values), rel=1e-9)
        # the recorded tables: the learned one is no less sparse than the mean's
        assert _loss(learned.record().values) <= _loss(base.record().values) * (1 + 1e-9)
        assert _loss(learned.record().values) == pytest.approx(res.loss_after, rel=1e-9)


@pytest.mark.parametrize("split", ["gamma", "and"])
def test_other_splits_do_not_raise_their_loss(data: torch.Tensor, split: str) -> None:
    res = TabularAdapter(_mlp(6), data[0], reference=data, baseline="learned",
                         baseline_options={"split": split, "steps": 30}).learned
    assert res is not None and res.split == split and res.loss_after <= res.loss_before
    assert (res.gamma is not None) == (split == "gamma")


# ---------------------------------------------------------------------------------- determinism
def test_deterministic_for_a_fixed_seed_and_no_global_state_left(data: torch.Tensor) -> None:
    model = _mlp(6)
    torch.manual_seed(123)
    state = torch.get_rng_state()
    threads = torch.get_num_threads()
    a = TabularAdapter(model, data[2], reference=data, baseline="learned", baseline_options={"seed": 7, "steps": 40})
    assert torch.equal(torch.get_rng_state(), state) and torch.get_num_threads() == threads
    b = TabularAdapter(model, data[2], reference=data, baseline="learned", baseline_options={"seed": 7, "steps": 40})
    assert a.learned is not None and b.learned is not None
    assert torch.equal(a.baseline_tensor, b.baseline_tensor)
    assert np.array_equal(a.learned.losses, b.learned.losses)
    assert np.array_equal(a.record().values, b.record().values)


def test_chunked_gradient_matches_one_pass() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double().eval()
    x, b0 = torch.rand(4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)
    member = torch.eye(4, dtype=torch.bool)
    fn = lambda z: model(z).reshape(-1)  # noqa: E731
    one = learn_baseline(fn, x, b0, member, 0.2, steps=15)
    chunked = learn_baseline(fn, x, b0, member, 0.2, steps=15, batch_size=3)
    np.testing.assert_allclose(chunked.losses, one.losses, rtol=1e-9)
    torch.testing.assert_close(chunked.values, one.values, rtol=0, atol=1e-9)


# ---------------------------------------------------------------------------------- planted case
def test_planted_relu_interaction_is_removed_by_a_shifted_baseline() -> None:
    # v(z) = relu(z0 + z1 − 0.9) on x = (1, 1) from b0 = (0, 0): an AND of the two (v is 0.1 with
    # either alone, 1.1 with both). With b = (0.5, 0.5) the kink is passed on every mask: v is
    # linear, the interaction vanishes and the loss halves. The box |Δ| ≤ 0.5 allows it.
    def model(z: torch.Tensor) -> torch.Tensor:
        return torch.relu(z[:, 0] + z[:, 1] - 0.9)

    x, b0 = torch.ones(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
    res = learn_baseline(model, x, b0, torch.eye(2, dtype=torch.bool), 0.5, steps=100, lr=0.1)
    v0 = model(torch.tensor([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=torch.float64)).numpy()
    b = res.values
    v1 = model(torch.stack([b, torch.stack([x[0], b[1]]), torch.stack([b[0], x[1]]), x])).numpy()
    assert res.loss_before == pytest.approx(_loss(v0)) and res.loss_after == pytest.approx(_loss(v1))
    assert abs(and_interactions(v0)[3]) == pytest.approx(0.9)
    assert abs(and_interactions(v1)[3]) < 0.1 * abs(and_interactions(v0)[3])  # the AND(x0, x1) is (nearly) gone
    assert res.loss_after < 0.6 * res.loss_before  # the sum of interactions strictly drops
    assert _within(res.values, b0, torch.full((2,), 0.5, dtype=torch.float64))


# ------------------------------------------------------------------------------- the record
def test_record_carries_the_learned_baseline_into_the_evidence(data: torch.Tensor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = _mlp(6)
    rec = record_tabular(model, data[0], reference=data, baseline="learned", columns=[0, 1, 2, 3],
                         baseline_options={"steps": 20, "bound": 0.2})
    assert rec.baseline.startswith("learned (from mean of reference (80 rows), |Δ| ≤ 0.2·column std, L1 ")
    meta = rec.meta["learned_baseline"]
    lb = meta["loss_before"]
    assert f"L1 {lb:.4g} → {meta['loss_after']:.4g})" in rec.baseline
    assert meta["steps"] == 20 and meta["bound"] == 0.2 and meta["from"] == "mean of reference (80 rows)"
    assert meta["split"] == "half" and meta["loss_after"] <= meta["loss_before"]
    assert meta["values"] == pytest.approx(rec.meta["baseline_row"])
    assert len(meta["values"]) == 6 and meta["values"][4:] == pytest.approx(data[0, 4:].tolist())  # background: x
    json.dumps(rec.provenance(), allow_nan=False)  # the manifest's record section
    ex = sl.extract(rec)
    lm = ex.logic_model()
    path = sl.evidence(lm, rec, ex).save(tmp_path / "learned.zip")
    back = sl.Evidence.load(path)
    assert back.record.baseline == rec.baseline
    assert back.record.meta["learned_baseline"] == meta  # the manifest's record.meta carries it, bit for bit


def test_image_learned_baseline() -> None:
    torch.manual_seed(0)
    cnn = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                              torch.nn.Flatten(), torch.nn.Linear(4, 3)).eval()
    img = torch.rand(1, 8, 8, generator=torch.Generator().manual_seed(2))
    zero = ImageAdapter(cnn, img, patch=2, n=5)
    adapter = ImageAdapter(cnn, img, patch=2, n=5, baseline="learned", baseline_options={"steps": 30})
    res = adapter.learned
    assert res is not None and adapter.chosen == zero.chosen
    rng = float(img.max() - img.min())
    owned = adapter.membership.any(0)
    assert torch.equal(res.bound[owned], torch.full((int(owned.sum()),), 0.1 * rng, dtype=torch.float64))
    assert _within(adapter.baseline_tensor, zero.baseline_tensor, res.bound)
    assert torch.equal(adapter.baseline_tensor[~owned], img[~owned])  # background keeps the image
    rec = adapter.record()
    assert rec.baseline.startswith("learned (from zero, |Δ| ≤ 0.1·pixel range of the image (")
    assert rec.meta["learned_baseline"]["delta"] == pytest.approx(0.1 * rng)
    assert _loss(rec.values) <= _loss(zero.record().values) * (1 + 1e-5)


def test_text_learned_embedding_baseline() -> None:
    transformers = pytest.importorskip("transformers", reason="the text adapter needs the optional 'transformers' package")
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "##s", "sat", "on", "mat"]
    try:
        tok = transformers.BertTokenizer(vocab={w: i for i, w in enumerate(words)})
    except TypeError:
        pytest.skip("this transformers version builds a BertTokenizer from a vocab file only")
    cfg = transformers.BertConfig(vocab_size=len(words), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                  intermediate_size=32, max_position_embeddings=32, num_labels=2)
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(cfg).eval()
    adapter = TextAdapter(model, tok, "the cats sat on the mat", n=3, baseline="learned", baseline_options={"steps": 10})
    res = adapter.learned
    assert res is not None and adapter.baseline_token is None
    assert adapter.baseline_description.startswith("learned (from embedding of the [MASK] token (id 4), |Δ| ≤ 0.1·embedding scale (")
    emb = model.get_input_embeddings().weight.detach()
    owned = adapter.membership.any(0)
    assert torch.allclose(res.start[owned].reshape(-1, 16), emb[4].expand(int(owned.sum()) // 16, 16))
    scale = float(emb.double().norm(dim=-1).mean()) / 4.0
    assert float(res.bound[owned].max()) == pytest.approx(0.1 * scale)
    assert _within(adapter.baseline_tensor, res.start, res.bound)
    assert res.loss_after <= res.loss_before
    rec = adapter.record()
    assert rec.meta["learned_baseline"]["from"] == "embedding of the [MASK] token (id 4)"
    unk = TextAdapter(model, tok, "the cats sat on the mat", n=3, baseline="learned", baseline_options={"steps": 0, "start": "unk"})
    assert unk.learned is not None and unk.learned.loss_after == unk.learned.loss_before
    assert unk.baseline_description.startswith("learned (from embedding of the [UNK] token (id 1)")
    with pytest.raises(InputError, match="token baseline: a token is discrete.*use the embedding baseline baseline='learned'"):
        TextAdapter(model, tok, "the cats sat", baseline="mask", baseline_options={"steps": 5})
    with pytest.raises(InputError, match="token baseline: a token is discrete"):
        TextAdapter(model, tok, "the cats sat", baseline=4, baseline_options={})


# ---------------------------------------------------------------------------------- refusals
def test_refusals(data: torch.Tensor) -> None:
    model = _mlp(6)
    with pytest.raises(InputError, match=r"n = 13 variables .* more than 12: choose fewer variables.*'max_variables': 13"):
        TabularAdapter(_mlp(13), torch.randn(13), reference=torch.randn(20, 13), baseline="learned")
    with pytest.raises(InputError, match="token ids.*use the embedding baseline"):
        learn_baseline(lambda z: z.sum(-1), torch.tensor([3, 4, 5]), torch.zeros(3), torch.eye(3, dtype=torch.bool), 0.1)
    with pytest.raises(InputError, match="pass\\s+reference=<matrix \\[N, 6\\]>.*'delta'"):
        TabularAdapter(model, data[0], baseline="learned")
    with pytest.raises(InputError, match="baseline_options only apply to baseline='learned'"):
        TabularAdapter(model, data[0], reference=data, baseline="mean", baseline_options={"steps": 3})
    with pytest.raises(InputError, match="unknown baseline_options \\['step'\\]"):
        TabularAdapter(model, data[0], reference=data, baseline="learned", baseline_options={"step": 3})
    with pytest.raises(InputError, match="not 'learned'"):
        TabularAdapter(model, data[0], reference=data, baseline="learned", baseline_options={"start": "learned"})
    with pytest.raises(InputError, match="bound must be a number ≥ 0"):
        TabularAdapter(model, data[0], reference=data, baseline="learned", baseline_options={"bound": -1})
    with pytest.raises(InputError, match="either bound .* or delta"):
        TabularAdapter(model, data[0], reference=data, baseline="learned", baseline_options={"bound": 0.1, "delta": 0.1})
    with pytest.raises(InputError, match="split must be one of"):
        TabularAdapter(model, data[0], reference=data, baseline="learned", baseline_options={"split": "or"})
    with pytest.raises(InputError, match="no gradient|differentiable with torch autograd"):
        TabularAdapter(lambda z: np.asarray(z) @ np.ones((6, 2)), data[0], reference=data, baseline="learned")
    with pytest.raises(InputError, match="baseline_options only apply"):
        ImageAdapter(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 2)), torch.rand(1, 4, 4), patch=2,
                     baseline_options={"steps": 1})
    # an absolute delta needs no reference
    ok = TabularAdapter(model, data[0], baseline="learned", baseline_options={"start": "zero", "delta": 0.05, "steps": 5})
    assert ok.learned is not None and "|Δ| ≤ 0.05," in ok.baseline_description


def test_scikit_learn_estimator_is_refused(data: torch.Tensor) -> None:
    sklearn = pytest.importorskip("sklearn.linear_model")
    y = (data[:, 0] > 0).numpy().astype(int)
    est = sklearn.LogisticRegression().fit(data.numpy(), y)
    with pytest.raises(InputError, match="scikit-learn estimator, which is not"):
        TabularAdapter(est, data[0], reference=data, baseline="learned")
    assert math.isfinite(TabularAdapter(est, data[0], reference=data).record().values[0])
