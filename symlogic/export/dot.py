"""The logic model's graph as Graphviz DOT text.

>>> from symlogic.logic import LogicModel
>>> lm = LogicModel.from_terms(["a", "b"], 0.5, [("and", ["a", "b"], 1.5)])
>>> print(to_dot(lm).splitlines()[-2])
  "and3" -> "output" [penwidth=4.000, color="#2a7d2a", label="+1.5"];
"""

from __future__ import annotations

import html
from typing import Any

from .graph import (MAX_CONCEPTS, OUTPUT, GraphSource, ascii_ids, as_graph, display_labels, graph_parts,
                    limit_concepts, node_lines, summary_node)
from .style import AND_COLOR, NEG_EDGE, OR_COLOR, POS_EDGE, VAR_COLOR, signed

SUMMARY_COLOR = "#f4f4f4"  # the node standing for the concepts left out
SUMMARY_EDGE = "#888888"

__all__ = ["to_dot"]


def _dot_html(lines: list[str], bold_first: bool = True) -> str:
    """An HTML-like DOT label: XML-escaped, so no user text can break out of it."""
    cells = [html.escape(s, quote=True) for s in lines]
    if bold_first and cells:
        cells[0] = f"<B>{cells[0]}</B>"
    return "<" + "<BR/>".join(cells) + ">"


def to_dot(source: GraphSource, *, max_concepts: int | None = MAX_CONCEPTS, max_label: int | None = None,
           **kwargs: Any) -> str:
    """Graphviz DOT text (``dot -Tsvg``): variables left, concepts middle, output right.

    AND concepts are blue boxes, OR concepts orange hexagons; edge width follows |coefficient|,
    green for positive and red for negative contributions. Labels are HTML-like labels with XML
    escaping and node ids are ASCII, so any variable name is safe. ``source`` is a LogicModel
    (``kwargs`` go to :func:`~symlogic.export.graph.to_networkx`) or a graph made by it.

    Only the ``max_concepts`` strongest concepts are drawn (None: all); the others become one
    dashed node "+ m weaker concepts" with their Σ|coefficient| and largest |coefficient|
    (:func:`~symlogic.export.graph.limit_concepts`). ``max_label`` cuts node names to that many
    characters, keeping them distinct (:func:`~symlogic.export.graph.display_labels`); by
    default names are shown whole.
    """
    g = limit_concepts(as_graph(source, **kwargs), max_concepts)
    ids = ascii_ids(g)
    variables, concepts = graph_parts(g)
    others = [u for u in (summary_node(g),) if u]
    names = display_labels(g, limit=max_label)
    top = max((abs(float(g.nodes[u].get("coefficient", 0.0))) for u in concepts), default=1.0) or 1.0
    out = ["digraph symlogic {",
           '  graph [rankdir=LR, ranksep=1.2, nodesep=0.15, fontname="Helvetica"];',
           '  node [fontname="Helvetica", fontsize=10];',
           '  edge [fontname="Helvetica", fontsize=8, arrowsize=0.5];']
    style = {
        "variable": f'shape=ellipse, style=filled, fillcolor="{VAR_COLOR}"',
        "AND": f'shape=box, style=filled, fillcolor="{AND_COLOR}", fontcolor="white"',
        "OR": f'shape=hexagon, style=filled, fillcolor="{OR_COLOR}"',
        "output": 'shape=doublecircle, style=filled, fillcolor="#dddddd"',
        "summary": f'shape=note, style="filled,dashed", fillcolor="{SUMMARY_COLOR}", color="{SUMMARY_EDGE}"',
    }
    for group, rank in ((variables, "source"), (concepts + others, "same"), ([OUTPUT], "sink")):
        out.append(f"  {{ rank={rank};")
        for u in group:
            d = g.nodes[u]
            lines = node_lines(d)
            if lines and u in names:
                lines[0] = names[u]
            out.append(f'    "{ids[u]}" [label={_dot_html(lines)}, {style.get(str(d.get("kind")), "shape=box")}];')
        out.append("  }")
    for u, v, d in g.edges(data=True):
        w = float(d.get("weight", 0.0))
        if d.get("role") == "summary":
            out.append(f'  "{ids[u]}" -> "{ids[v]}" [penwidth=0.5, color="{SUMMARY_EDGE}", style=dashed];')
            continue
        width = 0.5 + 3.5 * abs(w) / top
        color = POS_EDGE if w >= 0 else NEG_EDGE
        label = f', label="{signed(w)}"' if d.get("role") == "contribution" else ""
        out.append(f'  "{ids[u]}" -> "{ids[v]}" [penwidth={width:.3f}, color="{color}"{label}];')
    out.append("}")
    return "\n".join(out) + "\n"
