"""Pictures: headless, exact pixel sizes, non-empty, the numbers behind the order profile."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import matplotlib.image
import numpy as np
import pytest
from matplotlib.figure import Figure

from symlogic.errors import InputError
from symlogic.figures.canvas import figure_to_svg, new_figure
from symlogic.figures.plots import (
    order_profile,
    plot_concept_strengths,
    plot_error_curve,
    plot_fit,
    plot_order_profile,
)
from symlogic.logic import LogicModel
from symlogic.transforms import and_interactions


@pytest.fixture
def lm() -> LogicModel:
    return LogicModel.from_terms(["a", "b", "c", "$5 off", "é"], 0.5, [
        ("and", ["a", "b"], 1.5), ("and", ["c"], -0.25), ("and", ["a", "b", "c"], 0.75),
        ("or", ["a", "$5 off"], -2.0), ("or", ["b", "c", "é"], 0.5),
    ])


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def assert_picture(path: Path, width: int, height: int) -> None:
    """A PNG of exactly width × height with something drawn on it."""
    assert png_size(path) == (width, height)
    img = matplotlib.image.imread(path)
    assert img.shape[:2] == (height, width)
    rgb = img[..., :3]
    assert rgb.std() > 0.02 and (rgb < 0.8).mean() > 0.005, "picture is blank"


@pytest.mark.parametrize("size", [(640, 480), (333, 217), (1001, 29 * 7), (517, 311)])
def test_new_figure_exact_pixels(size: tuple[int, int], tmp_path: Path) -> None:
    fig = new_figure(*size)
    fig.add_subplot().plot([0, 1], [1, 0])
    fig.savefig(tmp_path / "f.png", dpi=fig.dpi)
    assert png_size(tmp_path / "f.png") == size


def test_each_picture_saves_png_and_svg_at_requested_size(lm: LogicModel, tmp_path: Path) -> None:
    backend = matplotlib.get_backend()
    rng = np.random.default_rng(1)
    v = lm.table() + rng.uniform(-0.05, 0.05, 1 << lm.n)
    calls = {
        "strengths": lambda p, w, h: plot_concept_strengths(lm, p, width=w, height=h),
        "orders": lambda p, w, h: plot_order_profile(lm, p, width=w, height=h),
        "curve": lambda p, w, h: plot_error_curve([0, 1, 2, 3, 4, 5], [2.0, 1.0, 0.4, 0.1, 0.05, 0.001], p,
                                                  chosen_k=4, target=0.06, width=w, height=h),
        "fit": lambda p, w, h: plot_fit(v, lm.table(), 0.04, p, width=w, height=h),
    }
    for name, call in calls.items():
        fig = call(tmp_path / f"{name}.png", 610, 370)
        assert isinstance(fig, Figure)
        assert_picture(tmp_path / f"{name}.png", 610, 370)
        call(tmp_path / f"{name}.svg", 500, 250)
        svg = (tmp_path / f"{name}.svg").read_text(encoding="utf-8")
        assert '<svg' in svg and 'width="360pt"' in svg and 'height="180pt"' in svg, name
        assert call(None, 300, 200).get_size_inches() * 100 == pytest.approx([300, 200])
    assert matplotlib.get_backend() == backend  # no global backend switch


def test_strengths_order_and_labels(lm: LogicModel) -> None:
    fig = plot_concept_strengths(lm.concepts)  # an iterable of terms works too
    ax = fig.axes[0]
    widths = [p.get_width() for p in ax.patches[: len(lm.concepts)]]
    assert widths == sorted(widths, reverse=True) == [2.0, 1.5, 0.75, 0.5, 0.25]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == r"OR(a, \$5 off)"  # "$" escaped, not parsed as mathtext
    top2 = plot_concept_strengths(lm, top=2)
    assert len(top2.axes[0].get_yticklabels()) == 2


def test_order_profile_numbers(lm: LogicModel) -> None:
    prof = order_profile(lm)
    assert prof["and"]["count"].tolist() == [0, 1, 1, 1]
    assert prof["or"]["count"].tolist() == [0, 0, 1, 1]
    assert prof["and"]["strength"].tolist() == [0, 0.25, 1.5, 0.75]
    assert prof["or"]["strength"].tolist() == [0, 0, 2.0, 0.5]
    # From full interaction tables with a salience threshold: v = x0x1 + x2 has AND {0,1} and {2}.
    v = np.array([(m & 1) * (m >> 1 & 1) + (m >> 2 & 1) for m in range(8)], dtype=float)
    tab = order_profile({"and": and_interactions(v), "or": np.zeros(8)}, threshold=0.5)
    assert tab["and"]["count"].tolist() == [0, 1, 1] and tab["or"]["count"].tolist() == [0, 0, 0]
    with pytest.raises(InputError, match="power of two"):
        order_profile({"and": np.zeros(6)})


def test_fit_marks_masks_outside_the_band(lm: LogicModel) -> None:
    f = lm.table()
    v = f.copy()
    v[[3, 7]] += 1.0
    fig = plot_fit(v, f, 0.1)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("outside band (2)" in x for x in labels)
    assert "max |v − f| = 1" in fig.axes[1].get_title()
    with pytest.raises(InputError, match="same length"):
        plot_fit(v, f[:-1], 0.1)


def test_error_curve_validates_and_uses_log_scale() -> None:
    fig = plot_error_curve([1, 2, 3], [1.0, 0.01, 0.0001])
    assert fig.axes[0].get_yscale() == "log"
    assert plot_error_curve([1, 2], [0.5, 0.4]).axes[0].get_yscale() == "linear"
    with pytest.raises(InputError, match="same length"):
        plot_error_curve([1, 2], [0.5])
    with pytest.raises(InputError, match="non-negative"):
        plot_error_curve([1], [-1.0])


def test_empty_inputs_still_draw(tmp_path: Path) -> None:
    empty = LogicModel.from_terms(["a"], 0.0, [])
    plot_concept_strengths(empty, tmp_path / "s.png", width=300, height=200)
    plot_order_profile(empty, tmp_path / "o.png", width=300, height=200)
    plot_error_curve([], [], tmp_path / "e.png", width=300, height=200)
    for name in "soe":
        assert png_size(tmp_path / f"{name}.png") == (300, 200)


def test_bad_format_and_size(lm: LogicModel, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.svg or \.png"):
        plot_concept_strengths(lm, tmp_path / "x.gif")
    with pytest.raises(InputError, match="at least"):
        new_figure(5, 5)


def test_figure_to_svg_is_inline_ready(lm: LogicModel) -> None:
    svg = figure_to_svg(plot_concept_strengths(lm), "p-")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "http" not in svg and "<!DOCTYPE" not in svg and "<?xml" not in svg
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert ids and all(i.startswith("p-") for i in ids)
    refs = re.findall(r'(?:href="#|url\(#)([^")]+)', svg)
    assert refs and set(refs) <= set(ids)
    assert figure_to_svg(plot_concept_strengths(lm), "p-") == svg  # deterministic
