"""The logic model's graph as a Mermaid flowchart.

>>> from symlogic.logic import LogicModel
>>> lm = LogicModel.from_terms(["a", "b"], 0.5, [("or", ["a", "b"], -2.0)])
>>> print(to_mermaid(lm).splitlines()[3])
  or3{{"OR(a, b)<br/>-2  (100%)"}}
"""

from __future__ import annotations

from typing import Any

from .graph import (MAX_CONCEPTS, OUTPUT, GraphSource, ascii_ids, as_graph, display_labels, graph_parts,
                    limit_concepts, node_lines, summary_node)
from .style import AND_COLOR, OR_COLOR, VAR_COLOR, signed

__all__ = ["to_mermaid"]


def _mermaid_text(text: str) -> str:
    """Escape text for a quoted Mermaid label with entity codes (quotes, #, <, >, &, backticks, |)."""
    special = {'"': "#34;", "#": "#35;", "<": "#60;", ">": "#62;", "&": "#38;", "`": "#96;", "|": "#124;",
               "\n": " ", "\r": " "}
    return "".join(special.get(ch, ch) for ch in text)


def to_mermaid(source: GraphSource, *, max_concepts: int | None = MAX_CONCEPTS, max_label: int | None = None,
               **kwargs: Any) -> str:
    """A Mermaid ``flowchart LR``: one line per node, one line per edge, then class styles.

    AND concepts are rectangles, OR concepts hexagons (``{{…}}``), variables stadiums, output a
    circle. Labels are quoted with Mermaid entity codes, so names with quotes or "->" are safe.
    ``source`` is a LogicModel (``kwargs`` go to :func:`~symlogic.export.graph.to_networkx`) or a
    graph made by it.

    Only the ``max_concepts`` strongest concepts are drawn (None: all); the others become one
    dashed node "+ m weaker concepts" with their Σ|coefficient| and largest |coefficient|, joined
    to the output by a dotted edge (:func:`~symlogic.export.graph.limit_concepts`). ``max_label``
    cuts node names to that many characters, keeping them distinct
    (:func:`~symlogic.export.graph.display_labels`); by default names are shown whole.
    """
    g = limit_concepts(as_graph(source, **kwargs), max_concepts)
    ids = ascii_ids(g)
    variables, concepts = graph_parts(g)
    others = [u for u in (summary_node(g),) if u]
    names = display_labels(g, limit=max_label)
    shapes = {"variable": ('(["', '"])'), "AND": ('["', '"]'), "OR": ('{{"', '"}}'), "output": ('(("', '"))'),
              "summary": ('["', '"]')}
    out = ["flowchart LR"]
    for u in [*variables, *concepts, *others, OUTPUT]:
        d = g.nodes[u]
        left, right = shapes.get(str(d.get("kind")), ('["', '"]'))
        lines = node_lines(d)
        if lines and u in names:
            lines[0] = names[u]
        out.append(f"  {ids[u]}{left}{'<br/>'.join(_mermaid_text(s) for s in lines)}{right}")
    for u, v, d in g.edges(data=True):
        w = float(d.get("weight", 0.0))
        role = d.get("role")
        arrow = f'-->|"{signed(w)}"|' if role == "contribution" else "-.->" if role == "summary" else "-->"
        out.append(f"  {ids[u]} {arrow} {ids[v]}")
    out.append(f"  classDef var fill:{VAR_COLOR},stroke:#555")
    out.append(f"  classDef andc fill:{AND_COLOR},stroke:#123,color:#fff")
    out.append(f"  classDef orc fill:{OR_COLOR},stroke:#630")
    if others:
        out.append("  classDef others fill:#f4f4f4,stroke:#888,stroke-dasharray:4 3")
    for cls, kind in (("var", "variable"), ("andc", "AND"), ("orc", "OR"), ("others", "summary")):
        members = [ids[u] for u in [*variables, *concepts, *others] if g.nodes[u].get("kind") == kind]
        if members:
            out.append(f"  class {','.join(members)} {cls}")
    return "\n".join(out) + "\n"
