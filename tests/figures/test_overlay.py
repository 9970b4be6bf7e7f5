"""Concept overlays: image patches and text tokens, from adapters or plain arrays; one panel per
concept, the strongest first; shapes that do not match are refused with InputError."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from symlogic.errors import InputError
from symlogic.figures.overlay import plot_image_concepts, plot_text_concepts, strongest_concepts
from symlogic.logic import LogicModel

PATCHES = ["p0_0", "p0_1", "p1_0", "p1_1", "p2_2", "p3_3"]


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


@pytest.fixture
def patch_model() -> LogicModel:
    return LogicModel.from_terms(PATCHES, 0.1, [
        ("and", ["p0_0", "p0_1"], 1.5), ("or", ["p1_0", "p1_1", "p2_2"], -0.75), ("and", ["p3_3"], 0.25),
        ("or", ["p0_1", "p3_3"], 2.5), ("and", ["p0_0", "p1_1", "p2_2", "p3_3"], -3.0), ("and", ["p2_2"], 0.5),
        ("and", ["p1_0"], 0.125), ("or", ["p0_0", "p2_2"], -0.0625)])


def membership(names: list[str], shape: tuple[int, ...] = (1, 8, 8), patch: int = 2) -> np.ndarray:
    out = np.zeros((len(names), *shape), dtype=bool)
    for i, name in enumerate(names):
        r, c = (int(x) for x in name[1:].split("_"))
        out[i, ..., r * patch:(r + 1) * patch, c * patch:(c + 1) * patch] = True
    return out


def image_panels(fig) -> list:
    return [ax for ax in fig.axes if ax.images]


# ---- images ----------------------------------------------------------------------------------
def test_one_panel_per_strongest_concept(patch_model: LogicModel, tmp_path: Path) -> None:
    img = np.random.default_rng(0).random((1, 8, 8))
    fig = plot_image_concepts(img, membership(PATCHES), patch_model, path=tmp_path / "c.png")
    assert len(fig.axes) == len(image_panels(fig)) == 6
    titles = [ax.get_title() for ax in fig.axes]
    order = strongest_concepts(patch_model, 6)
    assert [t.coefficient for t in order] == [-3.0, 2.5, 1.5, -0.75, 0.5, 0.25]
    for title, term in zip(titles, order):
        assert title.startswith(f"{term.kind.upper()} {term.coefficient:+.4g}")
        assert ", ".join(term.names) in title
    w, h = png_size(tmp_path / "c.png")
    assert (w, h) == tuple(int(x) for x in fig.get_size_inches() * fig.dpi)
    assert len(plot_image_concepts(img, membership(PATCHES), patch_model, top=3).axes) == 3
    assert len(plot_image_concepts(img, membership(PATCHES), patch_model, top=None).axes) == len(patch_model)
    assert len(plot_image_concepts(img, membership(PATCHES), patch_model, top=2, show_input=True).axes) == 3
    assert len(plot_image_concepts(img, membership(PATCHES), patch_model, top=100).axes) == len(patch_model)


def test_highlight_dims_outside_and_tints_inside(patch_model: LogicModel) -> None:
    img = np.zeros((8, 8))
    fig = plot_image_concepts(img, membership(PATCHES, (8, 8)), patch_model, top=1, cmap="gray")
    layer = fig.axes[0].images[1].get_array()  # the RGBA layer over the image
    inside = membership(PATCHES, (8, 8))[[0, 3, 4, 5]].any(axis=0)  # AND(p0_0, p1_1, p2_2, p3_3)
    assert (layer[inside, 3] < layer[~inside, 3].min()).all()
    assert np.allclose(layer[~inside, :3], 1.0)
    assert "AND -3" in fig.axes[0].get_title()


def test_accepts_what_the_image_adapter_provides(patch_model: LogicModel, tmp_path: Path) -> None:
    from symlogic.adapters import ImageAdapter

    torch.manual_seed(0)
    cnn = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 3))
    img = torch.rand(3, 8, 8)
    adapter = ImageAdapter(cnn, img, patch=2, patches=list(reversed(PATCHES)))
    fig = plot_image_concepts(img, adapter, patch_model, top=4, path=tmp_path / "a.svg")
    assert len(image_panels(fig)) == 4 and "<svg" in (tmp_path / "a.svg").read_text(encoding="utf-8")
    same = plot_image_concepts(None, adapter, patch_model, top=4)  # the adapter's own image
    assert len(same.axes) == 4
    # The raw membership [n, C, H, W] in the adapter's variable order, with a model over those names.
    lm = LogicModel.from_terms(adapter.variable_names, 0.0, [("and", list(adapter.variable_names[:2]), 1.0)])
    assert len(plot_image_concepts(img, adapter.membership, lm).axes) == 1
    # HWC numpy, a label grid, a name → mask mapping, a patch size: all the same concept.
    hwc = img.permute(1, 2, 0).numpy()
    grid = -np.ones((8, 8), dtype=np.int64)
    for i, m in enumerate(membership(PATCHES, (8, 8))):
        grid[m] = i
    masks = dict(zip(PATCHES, membership(PATCHES, (8, 8))))
    for spec in (membership(PATCHES, (3, 8, 8)).transpose(0, 2, 3, 1), grid, masks, 2, (2, 2)):
        fig = plot_image_concepts(hwc, spec, patch_model, top=2)
        assert len(fig.axes) == 2


def test_image_refuses_bad_shapes(patch_model: LogicModel) -> None:
    img = np.random.default_rng(1).random((8, 8))
    with pytest.raises(InputError, match="rows but the model has 6"):
        plot_image_concepts(img, membership(PATCHES[:5], (8, 8)), patch_model)
    with pytest.raises(InputError, match="do not match the image of 8×8"):
        plot_image_concepts(img, np.zeros((6, 6, 6), dtype=bool), patch_model)
    with pytest.raises(InputError, match="do not match the image"):
        plot_image_concepts(np.zeros((3, 16, 16)), membership(PATCHES, (3, 8, 8)), patch_model)
    with pytest.raises(InputError, match="patch grid has shape"):
        plot_image_concepts(img, np.zeros((4, 4), dtype=np.int64), patch_model)
    with pytest.raises(InputError, match="variable indices"):
        plot_image_concepts(img, np.full((8, 8), 9), patch_model)
    with pytest.raises(InputError, match="boolean"):
        plot_image_concepts(img, membership(PATCHES, (8, 8)) * 0.5, patch_model)
    with pytest.raises(InputError, match="outside the image"):
        plot_image_concepts(img, 3, patch_model)
    with pytest.raises(InputError, match="batch axis"):
        plot_image_concepts(img[None, None], 2, patch_model)
    with pytest.raises(InputError, match="channel axis"):
        plot_image_concepts(np.zeros((8, 8, 8)), 2, patch_model)
    with pytest.raises(InputError, match="have no pixels"):
        plot_image_concepts(img, {"p0_0": np.ones((8, 8), bool)}, patch_model)
    with pytest.raises(InputError, match="top"):
        plot_image_concepts(img, 2, patch_model, top=0)
    with pytest.raises(InputError, match="not a patch name"):
        plot_image_concepts(img, 2, LogicModel.from_terms(["a"], 0.0, [("and", ["a"], 1.0)]))


def test_image_without_concepts_is_an_empty_panel(patch_model: LogicModel) -> None:
    empty = LogicModel.from_terms(PATCHES, 1.0, [])
    fig = plot_image_concepts(np.zeros((8, 8)), 2, empty)
    assert not image_panels(fig) and any("no concepts" in t.get_text() for ax in fig.axes for t in ax.texts)


# ---- text ------------------------------------------------------------------------------------
WORDS = "the acting was really not good".split()


@pytest.fixture
def text_model() -> LogicModel:
    return LogicModel.from_terms(["acting", "really", "not", "good"], 0.2, [
        ("and", ["not", "good"], -3.0), ("and", ["good"], 2.0), ("or", ["acting", "really", "not"], 0.5),
        ("and", ["really"], -0.25)])


def row_highlights(ax) -> list[str]:
    """Words drawn in a highlight box in one row (the first text is the row's label)."""
    return [t.get_text() for t in ax.texts[1:] if t.get_bbox_patch() is not None]


def test_one_row_per_concept_with_its_words(text_model: LogicModel, tmp_path: Path) -> None:
    fig = plot_text_concepts(WORDS, text_model, path=tmp_path / "t.png")
    assert len(fig.axes) == 4
    assert [row_highlights(ax) for ax in fig.axes] == [["not", "good"], ["good"], ["acting", "really", "not"], ["really"]]
    labels = [ax.texts[0].get_text() for ax in fig.axes]
    assert labels[0].startswith("AND") and "-3" in labels[0] and labels[2].startswith("OR")
    # Colour by sign: the negative concept's boxes are red, the positive one's green.
    neg = fig.axes[0].texts[-1].get_bbox_patch().get_facecolor()
    pos = fig.axes[1].texts[-1].get_bbox_patch().get_facecolor()
    assert neg[0] > neg[1] and pos[1] > pos[0]
    assert png_size(tmp_path / "t.png") == tuple(int(x) for x in fig.get_size_inches() * fig.dpi)
    assert len(plot_text_concepts(" ".join(WORDS), text_model, top=2).axes) == 2


def test_text_repeats_membership_and_adapter(tmp_path: Path) -> None:
    words = "the cat saw the dog".split()
    lm = LogicModel.from_terms(["cat", "the#2", "dog"], 0.0, [("and", ["the#2", "dog"], 1.0)])
    fig = plot_text_concepts(words, lm)
    row = fig.axes[0]
    boxed = [t for t in row.texts[1:] if t.get_bbox_patch() is not None]
    assert [t.get_text() for t in boxed] == ["the", "dog"]
    assert boxed[0].get_position()[0] > row.texts[1].get_position()[0]  # the second "the", not the first
    # A membership over tokenizer tokens, as TextAdapter holds it (special tokens are background).
    tokens = ["[CLS]", *words, "[SEP]"]
    member = np.zeros((3, len(tokens)), dtype=bool)
    member[0, 2] = member[1, 4] = member[2, 5] = True
    fig = plot_text_concepts(tokens, lm, membership=member)
    assert row_highlights(fig.axes[0]) == ["the", "dog"]
    fig = plot_text_concepts(tokens, lm, membership=torch.from_numpy(member)[..., None].expand(-1, -1, 4))
    assert row_highlights(fig.axes[0]) == ["the", "dog"]
    # A TextAdapter-like object: its words and variable names.
    adapter = SimpleNamespace(unit_names=("the", "cat", "saw", "the#2", "dog"), variable_names=("cat", "the#2", "dog"),
                              _unit_texts=("the", "cat", "saw", "the", "dog"))
    fig = plot_text_concepts(adapter, lm, path=tmp_path / "a.svg")
    assert row_highlights(fig.axes[0]) == ["the", "dog"]


def test_long_text_wraps_within_the_width() -> None:
    words = [f"word{i}" for i in range(80)]
    lm = LogicModel.from_terms(words, 0.0, [("and", ["word3", "word77"], 1.0), ("or", ["word40", "word41"], -1.0)])
    fig = plot_text_concepts(words, lm, width=700)
    assert fig.get_size_inches()[0] * fig.dpi == pytest.approx(700)
    for ax in fig.axes:
        xs = [t.get_position()[0] for t in ax.texts[1:]]
        assert len({round(t.get_position()[1], 3) for t in ax.texts[1:]}) > 1  # several lines
        assert max(xs) < 700


def test_text_refuses_bad_shapes(text_model: LogicModel) -> None:
    with pytest.raises(InputError, match="not among the tokens"):
        plot_text_concepts(["the", "acting", "was"], text_model)
    member = np.zeros((4, 6), dtype=bool)
    with pytest.raises(InputError, match="covers 6 tokens but 5"):
        plot_text_concepts(WORDS[:5], text_model, membership=member)
    with pytest.raises(InputError, match="3 rows but the model has 4"):
        plot_text_concepts(WORDS, text_model, membership=member[:3])
    with pytest.raises(InputError, match=r"\[n, tokens\]"):
        plot_text_concepts(WORDS, text_model, membership=np.zeros(6, dtype=bool))
    with pytest.raises(InputError, match="empty"):
        plot_text_concepts([], text_model)
    with pytest.raises(InputError, match="list of words"):
        plot_text_concepts(42, text_model)  # type: ignore[arg-type]
    adapter = SimpleNamespace(unit_names=("the", "cat"), variable_names=("cat",))
    with pytest.raises(InputError, match="not words of the adapter"):
        plot_text_concepts(adapter, text_model)
    with pytest.raises(InputError, match="expected a LogicModel"):
        plot_text_concepts(WORDS, "f = 1")  # type: ignore[arg-type]
