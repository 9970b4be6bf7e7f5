"""The logic model as a graph: variables → AND/OR concepts → output, with exporters and a picture.

Node ids: ``"var:<name>"`` per input variable, ``"and:<mask>"`` / ``"or:<mask>"`` per concept,
``"output"``. Every attribute is a plain str/int/float/bool (no None, no NaN) so GraphML, GEXF,
node-link JSON and DOT writers all accept the graph. The exporters and :func:`render` read only the
graph, so a graph loaded back from GraphML renders and exports the same way.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from .errors import InputError
from .plot import AND_COLOR, OR_COLOR, PathLike, _finish, _short, new_figure

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.figure import Figure

    from .logic import LogicModel

__all__ = [
    "to_networkx",
    "model_shapley",
    "to_graphml",
    "to_dot",
    "to_node_link_json",
    "to_mermaid",
    "render",
    "render_graph",
    "OUTPUT",
]

OUTPUT = "output"
GraphSource = Union["LogicModel", "nx.DiGraph"]
_VAR_COLOR = "#eeeeee"
_POS_EDGE = "#2a7d2a"
_NEG_EDGE = "#b22222"


def _exact(x: float) -> str:
    """A float as the exact rational "p/q" it is."""
    fr = (x).as_integer_ratio()
    return f"{fr[0]}/{fr[1]}"


def model_shapley(lm: "LogicModel") -> np.ndarray:
    """Shapley values of the logic model f itself: φ_i = Σ_{terms ∋ i} c/|S|.

    Holds for OR terms as well as AND terms: OR_S is symmetric in its members and moves f by c from
    ∅ to N, so each member gets c/|S|. Efficiency: Σ φ_i = f(N) − f(∅).
    """
    phi = np.zeros(lm.n, dtype=np.float64)
    for t in lm.concepts:
        share = t.coefficient / t.order
        for i in range(lm.n):
            if (t.mask >> i) & 1:
                phi[i] += share
    return phi


def to_networkx(lm: "LogicModel", *, shapley: Sequence[float] | np.ndarray | None = None,
                epsilon: float | None = None, record_values: Sequence[float] | np.ndarray | None = None) -> "nx.DiGraph":
    """Build the DiGraph variables → concepts → output.

    Args:
        lm: the logic model.
        shapley: per-variable attributions to show (e.g. the network's own Shapley values);
            defaults to :func:`model_shapley` of the model.
        epsilon: the proven bound |f − v| ≤ ε, stored on the output node.
        record_values: the recorded outputs v on all 2^n masks; adds the observed max |v − f|,
            the mask where it is reached, and v(N), v(∅) to the output node.

    Node attributes: ``kind`` ("variable" / "AND" / "OR" / "output"), ``label``; variables:
    ``name``, ``index``, ``shapley``, ``in_support``; concepts: ``coefficient`` (float),
    ``coefficient_exact`` ("p/q"), ``coefficient_hex``, ``order``, ``mask``, ``share``
    (|c| / Σ|c|), ``rank`` (0 = strongest), ``variables`` (JSON list of names); output: ``bias``,
    ``bias_exact``, ``n_concepts`` and, when known, ``epsilon``, ``max_error``, ``worst_mask``.
    Edges carry ``weight`` (the concept's coefficient), ``abs_weight`` and ``role``
    ("member" for variable → concept, "contribution" for concept → output).
    """
    import networkx as nx

    n = lm.n
    if shapley is None:
        phi = model_shapley(lm)
        source = "model"
    else:
        phi = np.asarray(shapley, dtype=np.float64).ravel()
        if phi.shape != (n,):
            raise InputError(f"shapley must hold one value per variable ({n}), got shape {np.shape(shapley)}")
        source = "given"
    if not np.isfinite(phi).all():
        raise InputError("shapley values must be finite")
    concepts = lm.concepts
    total = sum(abs(t.coefficient) for t in concepts)
    support = lm.support_mask

    g = nx.DiGraph(name="symlogic logic model", n_variables=n, n_concepts=len(concepts),
                   shapley_source=source, generator="symlogic")
    for i, name in enumerate(lm.names):
        g.add_node(f"var:{name}", kind="variable", label=name, name=name, index=i, shapley=float(phi[i]),
                   in_support=bool((support >> i) & 1))
    ranked = sorted(range(len(concepts)), key=lambda j: (-abs(concepts[j].coefficient), j))
    rank = {j: r for r, j in enumerate(ranked)}
    for j, t in enumerate(concepts):
        node = f"{t.kind}:{t.mask}"
        g.add_node(node, kind=t.kind.upper(), label=t.label(), coefficient=float(t.coefficient),
                   coefficient_exact=_exact(t.coefficient), coefficient_hex=float(t.coefficient).hex(),
                   order=int(t.order), mask=int(t.mask), share=float(abs(t.coefficient) / total) if total else 0.0,
                   rank=int(rank[j]), variables=json.dumps(list(t.names), ensure_ascii=False))
        for i, name in enumerate(lm.names):
            if (t.mask >> i) & 1:
                g.add_edge(f"var:{name}", node, weight=float(t.coefficient), abs_weight=abs(float(t.coefficient)), role="member")
        g.add_edge(node, OUTPUT, weight=float(t.coefficient), abs_weight=abs(float(t.coefficient)), role="contribution")
    out: dict[str, Any] = dict(kind="output", label="f", bias=float(lm.bias), bias_exact=_exact(lm.bias),
                               n_concepts=len(concepts))
    if epsilon is not None:
        eps = float(epsilon)
        if not math.isfinite(eps) or eps < 0:
            raise InputError(f"epsilon must be a finite non-negative number, got {epsilon!r}")
        out["epsilon"] = eps
    if record_values is not None:
        v = np.asarray(record_values, dtype=np.float64).ravel()
        if v.size != 1 << n:
            raise InputError(f"record_values must hold one output per mask (2^{n} = {1 << n}), got {v.size}")
        if not np.isfinite(v).all():
            raise InputError("record_values must be finite")
        err = np.abs(v - lm.table())
        worst = int(np.argmax(err))
        out.update(max_error=float(err[worst]), worst_mask=worst, recorded_full=float(v[-1]), recorded_empty=float(v[0]))
    g.add_node(OUTPUT, **out)
    return g


def _graph(source: GraphSource, **kwargs: Any) -> "nx.DiGraph":
    """Accept a LogicModel (built into a graph with ``kwargs``) or a graph made by :func:`to_networkx`."""
    import networkx as nx

    if isinstance(source, nx.Graph):
        if kwargs:
            raise InputError(f"options {sorted(kwargs)} apply when building from a LogicModel, not to a ready graph")
        if OUTPUT not in source:
            raise InputError("this graph has no 'output' node; build it with symlogic.graph.to_networkx")
        return source
    if hasattr(source, "concepts") and hasattr(source, "names"):
        return to_networkx(source, **kwargs)
    raise InputError(f"expected a LogicModel or a networkx graph from to_networkx, got {type(source).__name__}")


def _parts(g: "nx.DiGraph") -> tuple[list[str], list[str]]:
    """Variable nodes by index and concept nodes by rank (strongest first)."""
    variables = sorted((u for u, d in g.nodes(data=True) if d.get("kind") == "variable"), key=lambda u: g.nodes[u].get("index", 0))
    concepts = sorted((u for u, d in g.nodes(data=True) if d.get("kind") in ("AND", "OR")),
                      key=lambda u: (g.nodes[u].get("rank", 0), u))
    return variables, concepts


# ---- file formats ------------------------------------------------------------------------
def to_graphml(source: GraphSource, path: PathLike, **kwargs: Any) -> Path:
    """Write GraphML (typed attributes; read back with ``networkx.read_graphml``)."""
    import networkx as nx

    path = Path(path)
    nx.write_graphml(_graph(source, **kwargs), path, encoding="utf-8", named_key_ids=True)
    return path


def to_node_link_json(source: GraphSource, **kwargs: Any) -> str:
    """The graph as node-link JSON (``networkx.node_link_graph`` reads it back; edges under "edges")."""
    import networkx as nx

    g = _graph(source, **kwargs)
    try:
        data = nx.node_link_data(g, edges="edges")
    except TypeError:  # networkx < 3.4
        data = nx.node_link_data(g, link="edges")
    return json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False)


def _fmt(x: float) -> str:
    return f"{x:+.4g}"


def _node_text(d: dict[str, Any]) -> list[str]:
    """The lines shown for a node in DOT / Mermaid."""
    kind = d.get("kind")
    if kind == "variable":
        return [str(d.get("name", d.get("label", ""))), f"φ = {float(d.get('shapley', 0.0)):.4g}"]
    if kind in ("AND", "OR"):
        return [str(d.get("label", kind)), f"{_fmt(float(d.get('coefficient', 0.0)))}  ({float(d.get('share', 0.0)):.0%})"]
    lines = ["f", f"bias {_fmt(float(d.get('bias', 0.0)))}"]
    if "epsilon" in d:
        lines.append(f"ε = {float(d['epsilon']):.3g}")
    return lines


def _dot_ids(g: "nx.DiGraph") -> dict[str, str]:
    """ASCII ids for DOT/Mermaid: names can hold quotes, backslashes, "->" or anything else."""
    variables, concepts = _parts(g)
    ids = {u: f"v{g.nodes[u].get('index', k)}" for k, u in enumerate(variables)}
    for u in concepts:
        d = g.nodes[u]
        ids[u] = f"{str(d['kind']).lower()}{d.get('mask', len(ids))}"
    ids[OUTPUT] = "output"
    for u in g.nodes:  # foreign nodes, if someone added any
        ids.setdefault(u, f"n{len(ids)}")
    return ids


def _dot_html(lines: list[str], bold_first: bool = True) -> str:
    """An HTML-like DOT label: XML-escaped, so no user text can break out of it."""
    cells = [html.escape(s, quote=True) for s in lines]
    if bold_first and cells:
        cells[0] = f"<B>{cells[0]}</B>"
    return "<" + "<BR/>".join(cells) + ">"


def to_dot(source: GraphSource, **kwargs: Any) -> str:
    """Graphviz DOT text (``dot -Tsvg``): variables left, concepts middle, output right.

    AND concepts are blue boxes, OR concepts orange hexagons; edge width follows |coefficient|,
    green for positive and red for negative contributions. Labels are HTML-like labels with XML
    escaping and node ids are ASCII, so any variable name is safe.
    """
    g = _graph(source, **kwargs)
    ids = _dot_ids(g)
    variables, concepts = _parts(g)
    top = max((abs(float(g.nodes[u].get("coefficient", 0.0))) for u in concepts), default=1.0) or 1.0
    out = ["digraph symlogic {",
           '  graph [rankdir=LR, ranksep=1.2, nodesep=0.15, fontname="Helvetica"];',
           '  node [fontname="Helvetica", fontsize=10];',
           '  edge [fontname="Helvetica", fontsize=8, arrowsize=0.5];']
    style = {
        "variable": f'shape=ellipse, style=filled, fillcolor="{_VAR_COLOR}"',
        "AND": f'shape=box, style=filled, fillcolor="{AND_COLOR}", fontcolor="white"',
        "OR": f'shape=hexagon, style=filled, fillcolor="{OR_COLOR}"',
        "output": 'shape=doublecircle, style=filled, fillcolor="#dddddd"',
    }
    for group, rank in ((variables, "source"), (concepts, "same"), ([OUTPUT], "sink")):
        out.append(f"  {{ rank={rank};")
        for u in group:
            d = g.nodes[u]
            out.append(f'    "{ids[u]}" [label={_dot_html(_node_text(d))}, {style.get(str(d.get("kind")), "shape=box")}];')
        out.append("  }")
    for u, v, d in g.edges(data=True):
        w = float(d.get("weight", 0.0))
        width = 0.5 + 3.5 * abs(w) / top
        color = _POS_EDGE if w >= 0 else _NEG_EDGE
        label = f', label="{_fmt(w)}"' if d.get("role") == "contribution" else ""
        out.append(f'  "{ids[u]}" -> "{ids[v]}" [penwidth={width:.3f}, color="{color}"{label}];')
    out.append("}")
    return "\n".join(out) + "\n"


def _mermaid_text(text: str) -> str:
    """Escape text for a quoted Mermaid label with entity codes (quotes, #, <, >, &, backticks, |)."""
    special = {'"': "#34;", "#": "#35;", "<": "#60;", ">": "#62;", "&": "#38;", "`": "#96;", "|": "#124;",
               "\n": " ", "\r": " "}
    return "".join(special.get(ch, ch) for ch in text)


def to_mermaid(source: GraphSource, **kwargs: Any) -> str:
    """A Mermaid ``flowchart LR``: one line per node, one line per edge, then class styles.

    AND concepts are rectangles, OR concepts hexagons (``{{…}}``), variables stadiums, output a
    circle. Labels are quoted with Mermaid entity codes, so names with quotes or "->" are safe.
    """
    g = _graph(source, **kwargs)
    ids = _dot_ids(g)
    variables, concepts = _parts(g)
    shapes = {"variable": ('(["', '"])'), "AND": ('["', '"]'), "OR": ('{{"', '"}}'), "output": ('(("', '"))')}
    out = ["flowchart LR"]
    for u in [*variables, *concepts, OUTPUT]:
        d = g.nodes[u]
        left, right = shapes.get(str(d.get("kind")), ('["', '"]'))
        out.append(f"  {ids[u]}{left}{'<br/>'.join(_mermaid_text(s) for s in _node_text(d))}{right}")
    for u, v, d in g.edges(data=True):
        w = float(d.get("weight", 0.0))
        arrow = f'-->|"{_fmt(w)}"|' if d.get("role") == "contribution" else "-->"
        out.append(f"  {ids[u]} {arrow} {ids[v]}")
    out.append(f"  classDef var fill:{_VAR_COLOR},stroke:#555")
    out.append(f"  classDef andc fill:{AND_COLOR},stroke:#123,color:#fff")
    out.append(f"  classDef orc fill:{OR_COLOR},stroke:#630")
    for cls, kind in (("var", "variable"), ("andc", "AND"), ("orc", "OR")):
        members = [ids[u] for u in [*variables, *concepts] if g.nodes[u].get("kind") == kind]
        if members:
            out.append(f"  class {','.join(members)} {cls}")
    return "\n".join(out) + "\n"


# ---- picture ------------------------------------------------------------------------------
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
           dpi: int = 100, fmt: str | None = None, title: str | None = None, **kwargs: Any) -> "Figure":
    """Draw the graph with matplotlib (headless): variables left, concepts middle, output right.

    AND concepts are blue square boxes, OR concepts orange rounded (pill) boxes; edge width follows
    |coefficient|, concept → output edges are green (positive) or red (negative), and each concept
    shows its signed coefficient. Variables no term mentions are drawn grey and unconnected.
    The size (pixels) grows with the number of rows when not given; 20 variables and 40 concepts
    stay readable at the default. Saves to ``path`` (.svg/.png) when given; returns the Figure.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    g = _graph(source, **kwargs)
    variables, concepts = _parts(g)
    concepts = _barycentre_order(g, variables, concepts)
    rows = max(len(variables), len(concepts), 1)
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
    for u, y in zip(concepts, _rows(len(concepts))):
        pos[u] = (x_con, float(y))
    pos[OUTPUT] = (x_out, 0.5)

    top = max((abs(float(g.nodes[u].get("coefficient", 0.0))) for u in concepts), default=1.0) or 1.0
    for u, v, d in g.edges(data=True):
        if u not in pos or v not in pos:
            continue
        w = float(d.get("weight", 0.0))
        lw = 0.4 + 3.6 * abs(w) / top
        (x0, y0), (x1, y1) = pos[u], pos[v]
        if d.get("role") == "contribution":
            ax.plot([x_from, x1 - 0.045], [y0, y1], color=_POS_EDGE if w >= 0 else _NEG_EDGE, lw=lw, alpha=0.55,
                    solid_capstyle="butt", zorder=1)
        else:
            color = AND_COLOR if g.nodes[v].get("kind") == "AND" else OR_COLOR
            ax.plot([x0, x1], [y0, y1], color=color, lw=lw, alpha=0.45, solid_capstyle="butt", zorder=1)

    for u in variables:
        d = g.nodes[u]
        active = bool(d.get("in_support", g.in_degree(u) + g.out_degree(u) > 0))
        x, y = pos[u]
        ax.text(x, y, f"{_short(str(d.get('name', u)), 22)}  φ {float(d.get('shapley', 0.0)):+.3g}", ha="right",
                va="center", fontsize=font, color="black" if active else "#888888", zorder=3,
                bbox=dict(boxstyle="round,pad=0.25", fc=_VAR_COLOR if active else "white",
                          ec="#555555" if active else "#bbbbbb", lw=0.8))
    for u in concepts:
        d = g.nodes[u]
        x, y = pos[u]
        is_and = d.get("kind") == "AND"
        c = float(d.get("coefficient", 0.0))
        ax.text(x, y, _short(str(d.get("label", u)), 40), ha="left", va="center", fontsize=font, zorder=3,
                color="white" if is_and else "black",
                bbox=dict(boxstyle="square,pad=0.3" if is_and else "round,pad=0.3,rounding_size=0.8",
                          fc=AND_COLOR if is_and else OR_COLOR, ec="black", lw=0.8, ls="-" if is_and else "--"))
        ax.plot([x, x_coef], [y, y], color="#bbbbbb", lw=0.6, ls=":", zorder=0)
        ax.text(x_coef, y, _fmt(c), ha="left", va="center", fontsize=font, zorder=3, family="monospace",
                color=_POS_EDGE if c >= 0 else _NEG_EDGE, fontweight="bold",
                bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none"))
    d = g.nodes[OUTPUT]
    lines = ["f", f"bias {_fmt(float(d.get('bias', 0.0)))}"]
    if "epsilon" in d:
        lines.append(f"ε = {float(d['epsilon']):.3g}")
    if "max_error" in d:
        lines.append(f"max|v−f| = {float(d['max_error']):.3g}")
    ax.text(*pos[OUTPUT], "\n".join(lines), ha="center", va="center", fontsize=max(font, 9.0), zorder=3,
            bbox=dict(boxstyle="circle,pad=0.4", fc="#dddddd", ec="black", lw=1.2))

    handles = [Patch(facecolor=AND_COLOR, edgecolor="black", label="AND: all present"),
               Patch(facecolor=OR_COLOR, edgecolor="black", linestyle="--", label="OR: any present"),
               Line2D([], [], color=_POS_EDGE, lw=2, label="positive"),
               Line2D([], [], color=_NEG_EDGE, lw=2, label="negative")]
    ax.legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.9, ncol=2)
    if not concepts:
        ax.text(x_con, 0.5, "no concepts", ha="center", va="center", color="gray", fontsize=10)
    if title:
        fig.suptitle(_short(title, 200))
    return _finish(fig, path, fmt)


def render_graph(lm: "LogicModel", path: PathLike | None = None, **kwargs: Any) -> "Figure":
    """Convenience: ``render(to_networkx(lm, …), path, …)``; graph options and picture options mixed.

    Graph options: ``shapley``, ``epsilon``, ``record_values``; the rest go to :func:`render`.
    """
    graph_kw = {k: kwargs.pop(k) for k in ("shapley", "epsilon", "record_values") if k in kwargs}
    return render(to_networkx(lm, **graph_kw), path, **kwargs)
