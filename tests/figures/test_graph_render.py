"""The graph picture: exact pixel sizes, searchable SVG text, 20 variables and 40 concepts readable.

The fixture model is the one of tests/export/test_graph_export.py: names that break naive exporters.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from symlogic.errors import InputError
from symlogic.figures.graph import render, render_graph
from symlogic.logic import LogicModel

# Names chosen to break naive exporters: spaces, quotes, backslashes, arrows, markup, unicode, "$".
NAMES = ["not good", 'say "hi"', "x->y", "back\\", "<b>&amp;", "é ü", "$5 off", "unused"]


@pytest.fixture
def lm() -> LogicModel:
    return LogicModel.from_terms(NAMES, 0.25, [
        ("and", ["not good", 'say "hi"'], 1.5),
        ("and", ["x->y"], 0.125),
        ("and", ["back\\", "<b>&amp;", "é ü"], -0.75),
        ("or", ["x->y", "back\\"], -0.5),
        ("or", ["$5 off", "not good"], 2.0),
    ])


def big_model(n: int = 20, k: int = 40, seed: int = 0) -> LogicModel:
    rng = np.random.default_rng(seed)
    terms, seen = [], set()
    while len(terms) < k:
        kind = "and" if len(terms) % 2 else "or"
        size = int(rng.integers(1 if kind == "and" else 2, 5))  # a one-variable OR is an AND: the model merges them
        mask = int(sum(1 << int(i) for i in rng.choice(n, size=size, replace=False)))
        if (kind, mask) in seen:
            continue
        seen.add((kind, mask))
        terms.append((kind, mask, float(rng.integers(-64, 64) or 1) / 16))
    return LogicModel.from_terms([f"x{i}" for i in range(n)], 0.5, terms)


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) straight from the PNG header."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


# ---- picture -------------------------------------------------------------------------------
def test_render_png_and_svg_at_requested_size(lm: LogicModel, tmp_path: Path) -> None:
    fig = render(lm, tmp_path / "g.png", width=640, height=333, epsilon=0.01)
    assert png_size(tmp_path / "g.png") == (640, 333)
    assert fig.get_size_inches() * fig.dpi == pytest.approx([640, 333])
    render_graph(lm, tmp_path / "g.svg", width=500, height=300, epsilon=0.01)
    svg = (tmp_path / "g.svg").read_text(encoding="utf-8")
    assert 'width="360pt"' in svg and 'height="216pt"' in svg
    assert "AND(not good, say" in svg.replace("&quot;", '"')  # labels are text, searchable
    with pytest.raises(InputError, match=r"\.svg or \.png"):
        render(lm, tmp_path / "g.jpg")


def test_render_20_variables_40_concepts(tmp_path: Path) -> None:
    big = big_model()
    assert len(big.concepts) == 40 and big.n == 20
    render(big, tmp_path / "big.png")
    w, h = png_size(tmp_path / "big.png")
    assert w >= 1000 and h >= 40 * 25  # at least ~25 px per concept row: readable
    import matplotlib.image

    img = matplotlib.image.imread(tmp_path / "big.png")
    assert img[..., :3].std() > 0.05 and (img[..., :3] < 0.9).mean() > 0.02
