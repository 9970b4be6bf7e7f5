"""Figure plumbing shared by every picture: exact-pixel Agg figures, deterministic saving, inline SVG.

Every picture builds a :class:`matplotlib.figure.Figure` directly (Agg canvas, no pyplot, no change
to matplotlib's global backend), returns it, and saves it when given a path (``.svg`` or ``.png``).
Sizes are in pixels and honoured exactly, so pictures line up in reports and tests can check them.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from ..errors import InputError
from ..export.style import AND_COLOR, OR_COLOR

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["AND_COLOR", "OR_COLOR", "FORMATS", "PathLike", "new_figure", "save_figure", "figure_to_svg",
           "finish", "short"]

PathLike = Union[str, Path]
FORMATS = ("svg", "png")
_MAX_LABEL = 48


def _inches(pixels: int, dpi: float) -> float:
    """pixels / dpi, nudged up so Agg's int() truncation gives back exactly ``pixels``."""
    x = pixels / dpi
    while int(x * dpi) < pixels:
        x = math.nextafter(x, math.inf)
    return x


def new_figure(width: int = 800, height: int = 500, dpi: int = 100) -> "Figure":
    """A Figure of exactly ``width`` × ``height`` pixels on an Agg canvas (headless, no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height, dpi = int(width), int(height), int(dpi)
    if width < 16 or height < 16 or dpi < 10:
        raise InputError(f"figure size must be at least 16×16 pixels at dpi ≥ 10, got {width}×{height} at dpi {dpi}")
    fig = Figure(figsize=(_inches(width, dpi), _inches(height, dpi)), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def _format_of(path: PathLike, fmt: str | None) -> str:
    fmt = (fmt or Path(path).suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise InputError(f"cannot save a picture as {fmt!r} ({path}); use a path ending in .svg or .png, or fmt='svg'/'png'")
    return fmt


def save_figure(fig: "Figure", path: PathLike, fmt: str | None = None) -> Path:
    """Save at the figure's own size and dpi (no tight bbox, so the pixel size is what was asked)."""
    import matplotlib

    fmt = _format_of(path, fmt)
    path = Path(path)
    # Deterministic SVG ids; no date metadata, so saving twice gives the same bytes.
    with matplotlib.rc_context({"svg.hashsalt": "symlogic", "svg.fonttype": "none"}):
        fig.savefig(path, format=fmt, dpi=fig.dpi, metadata=_metadata(fmt))
    return path


def _metadata(fmt: str) -> dict[str, Any]:
    if fmt == "svg":
        return {"Date": None, "Creator": None, "Format": None, "Type": None}
    return {"Software": None}


def figure_to_svg(fig: "Figure", id_prefix: str = "") -> str:
    """The figure as an ``<svg>`` element ready to inline in HTML.

    Drops the XML prolog, DOCTYPE and namespace URLs (the HTML parser supplies the SVG namespace),
    so the result holds no URL; prefixes every element id with ``id_prefix`` so several figures can
    share one page without id clashes. Text stays text (svg.fonttype none): searchable, any script.
    """
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "symlogic", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", dpi=fig.dpi, metadata=_metadata("svg"))
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg, count=0)
    if id_prefix:
        ids = set(re.findall(r'\bid="([^"]+)"', svg))
        svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{id_prefix}{m.group(1)}"', svg)
        svg = re.sub(r'(href="#|url\(#)([^")]+)', lambda m: m.group(1) + (id_prefix + m.group(2) if m.group(2) in ids else m.group(2)), svg)
    return svg.strip()


def finish(fig: "Figure", path: PathLike | None, fmt: str | None) -> "Figure":
    """Save ``fig`` when a path is given; return it either way."""
    if path is not None:
        save_figure(fig, path, fmt)
    return fig


def short(text: str, limit: int = _MAX_LABEL) -> str:
    """User text for a matplotlib label: cut to ``limit`` characters, and "$" escaped so a name
    like "$5 off" is shown as written instead of being parsed as mathtext."""
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("$", r"\$")

