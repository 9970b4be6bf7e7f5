"""The logic model's graph as a picture: variables → AND/OR concepts → output, drawn with matplotlib.

Reads only the graph made by :func:`symlogic.export.graph.to_networkx` (or one loaded back from
GraphML), so a graph exported and read back draws the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..export.graph import (MAX_CONCEPTS, OUTPUT, GraphSource, as_graph, display_labels, graph_parts, limit_concepts,
                            summary_node, to_networkx)
from ..export.style import AND_COLOR, NEG_EDGE, OR_COLOR, POS_EDGE, VAR_COLOR, signed
from ..logic import LogicModel
from .canvas import PathLike, finish, new_figure, short

SUMMARY_COLOR = "#f4f4f4"  # the box standing for the concepts left out
SUMMARY_EDGE = "#888888"

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.figure import Figure

__all__ = ["render", "render_graph"]


def _barycentre_order(g: "nx.DiGraph", variables: list[str], concepts: list[str]) -> list[str]:
    """Concepts ordered by the mean row of their variables: fewer edge crossings than by strength."""
    row = {u: k for k, u in enumerate(variables)}

    def key(c: str) -> tuple[float, int, str]:
        rows = [row[u] for u in g.predecessors(c) if u in row]
        return (float(np.mean(rows)) if rows else 0.0, len(rows), c)

    return sorted(concepts, key=key)


def _rows(count: int) -> np.ndarray:
    """Evenly spaced y positions in (0, 1), top to bottom."""
    return np.linspace(1.0, 0.0, count + 2)[1:-1] if count else np.zeros(0)


def render(source: GraphSource, path: PathLike | None = None, *, width: int | None = None, height: int | None = None,
           dpi: int = 100, fmt: str | None = None, title: str | None = None,
           max_concepts: int | None = MAX_CONCEPTS, **kwargs: Any) -> "Figure":
    """Draw the graph with matplotlib (headless): variables left, concepts middle, output right.

    AND concepts are blue square boxes, OR concepts orange rounded (pill) boxes; edge width follows
    |coefficient|, concept → output edges are green (positive) or red (negative), and each concept
    shows its signed coefficient. Variables no term mentions are drawn grey and unconnected.
    The size (pixels) grows with the number of rows when not given; 20 variables and 40 concepts
    stay readable at the default. Saves to ``path`` (.svg/.png) when given; returns the Figure.

    Only the ``max_concepts`` strongest concepts are drawn (default 40; None draws all); the others
    are one dashed grey box at the bottom, "+ m weaker concepts", with their Σ|coefficient| and
    largest |coefficient| (:func:`symlogic.export.graph.limit_concepts`). Long labels are cut so
    that no two read the same (:func:`symlogic.export.graph.display_labels`).
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    g = limit_concepts(as_graph(source, **kwargs), max_concepts)
    variables, concepts = graph_parts(g)
    concepts = _barycentre_order(g, variables, concepts)
    others = summary_node(g)
    labels = display_labels(g, limit=40, variable_limit=22)
    rows = max(len(variables), len(concepts) + (1 if others else 0), 1)
    width = int(width or 1200)
    height = int(height or min(max(420, 120 + 30 * rows), 6000))
    fig = new_figure(width, height, dpi)
    ax = fig.add_axes((0.0, 0.0, 1.0, 0.94 if title else 0.97))
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.axis("off")

    row_px = ax.get_window_extent().height / (rows + 1)
    font = float(np.clip(row_px * 72 / dpi * 0.42, 5.0, 11.0))
    # Columns: variable boxes end at x_var, concept boxes start at x_con, coefficients sit in their
    # own column so every concept → output edge starts at the same x and labels never overlap edges.
    x_var, x_con, x_coef, x_from, x_out = 0.235, 0.4, 0.72, 0.79, 0.9
    pos: dict[str, tuple[float, float]] = {}
    for u, y in zip(variables, _rows(len(variables))):
        pos[u] = (x_var, float(y))
    column = concepts + ([others] if others else [])
    for u, y in zip(column, _rows(len(column))):
        pos[u] = (x_con, float(y))
    pos[OUTPUT] = (x_out, 0.5)

    top = max((abs(float(g.nodes[u].get("coefficient", 0.0))) for u in concepts), default=1.0) or 1.0
    for u, v, d in g.edges(data=True):
        if u not in pos or v not in pos:
            continue
        w = float(d.get("weight", 0.0))
        lw = 0.4 + 3.6 * abs(w) / top
        (x0, y0), (x1, y1) = pos[u], pos[v]
        if d.get("role") == "summary":
            ax.plot([x_from, x1 - 0.045], [y0, y1], color=SUMMARY_EDGE, lw=0.8, ls="--", alpha=0.8, zorder=1)
        elif d.get("role") == "contribution":
            ax.plot([x_from, x1 - 0.045], [y0, y1], color=POS_EDGE if w >= 0 else NEG_EDGE, lw=lw, alpha=0.55,
                    solid_capstyle="butt", zorder=1)
        else:
            color = AND_COLOR if g.nodes[v].get("kind") == "AND" else OR_COLOR
            ax.plot([x0, x1], [y0, y1], color=color, lw=lw, alpha=0.45, solid_capstyle="butt", zorder=1)

    for u in variables:
        d = g.nodes[u]
        active = bool(d.get("in_support", g.in_degree(u) + g.out_degree(u) > 0))
        x, y = pos[u]
        ax.text(x, y, f"{_plain(labels[u])}  φ {float(d.get('shapley', 0.0)):+.3g}", ha="right",
                va="center", fontsize=font, color="black" if active else "#888888", zorder=3,
                bbox=dict(boxstyle="round,pad=0.25", fc=VAR_COLOR if active else "white",
                          ec="#555555" if active else "#bbbbbb", lw=0.8))
    for u in concepts:
        d = g.nodes[u]
        x, y = pos[u]
        is_and = d.get("kind") == "AND"
        c = float(d.get("coefficient", 0.0))
        ax.text(x, y, _plain(labels[u]), ha="left", va="center", fontsize=font, zorder=3,
                color="white" if is_and else "black",
                bbox=dict(boxstyle="square,pad=0.3" if is_and else "round,pad=0.3,rounding_size=0.8",
                          fc=AND_COLOR if is_and else OR_COLOR, ec="black", lw=0.8, ls="-" if is_and else "--"))
        ax.plot([x, x_coef], [y, y], color="#bbbbbb", lw=0.6, ls=":", zorder=0)
        ax.text(x_coef, y, signed(c), ha="left", va="center", fontsize=font, zorder=3, family="monospace",
                color=POS_EDGE if c >= 0 else NEG_EDGE, fontweight="bold",
                bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none"))
    if others:
        d = g.nodes[others]
        x, y = pos[others]
        ax.text(x, y, _plain(labels[others]), ha="left", va="center", fontsize=font, zorder=3, color="#333333",
                bbox=dict(boxstyle="round,pad=0.3", fc=SUMMARY_COLOR, ec=SUMMARY_EDGE, lw=0.8, ls="--"))
        ax.plot([x, x_coef], [y, y], color="#bbbbbb", lw=0.6, ls=":", zorder=0)
        ax.text(x_coef, y, f"Σ|c| {float(d.get('abs_sum', 0.0)):.4g}\nmax {float(d.get('max_abs', 0.0)):.4g}",
                ha="left", va="center", fontsize=font * 0.8, zorder=3, family="monospace", color="#555555",
                bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none"))
    d = g.nodes[OUTPUT]
    lines = ["f", f"bias {signed(float(d.get('bias', 0.0)))}"]
    if "epsilon" in d:
        lines.append(f"ε = {float(d['epsilon']):.3g}")
    if "max_error" in d:
        lines.append(f"max|v−f| = {float(d['max_error']):.3g}")
    ax.text(*pos[OUTPUT], "\n".join(lines), ha="center", va="center", fontsize=max(font, 9.0), zorder=3,
            bbox=dict(boxstyle="circle,pad=0.4", fc="#dddddd", ec="black", lw=1.2))

    handles = [Patch(facecolor=AND_COLOR, edgecolor="black", label="AND: all present"),
               Patch(facecolor=OR_COLOR, edgecolor="black", linestyle="--", label="OR: any present"),
               Line2D([], [], color=POS_EDGE, lw=2, label="positive"),
               Line2D([], [], color=NEG_EDGE, lw=2, label="negative")]
    ax.legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.9, ncol=2)
    if not concepts:
        ax.text(x_con, 0.5, "no concepts", ha="center", va="center", color="gray", fontsize=10)
    if title:
        fig.suptitle(short(title, 200))
    return finish(fig, path, fmt)


def _plain(text: str) -> str:
    """User text for a matplotlib label: "$" escaped so it is not read as mathtext."""
    return text.replace("$", r"\$")


def render_graph(lm: LogicModel, path: PathLike | None = None, **kwargs: Any) -> "Figure":
    """Convenience: ``render(to_networkx(lm, …), path, …)``; graph options and picture options mixed.

    Graph options: ``shapley``, ``epsilon``, ``record_values``; the rest go to :func:`render`
    (``max_concepts`` among them: how many concepts are drawn before the rest are summarised).
    """
    graph_kw = {k: kwargs.pop(k) for k in ("shapley", "epsilon", "record_values") if k in kwargs}
    return render(to_networkx(lm, **graph_kw), path, **kwargs)
