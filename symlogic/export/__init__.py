"""Exporters of a :class:`~symlogic.logic.LogicModel`: one module per output format.

- :mod:`.symbolic`: SymPy expression (``to_sympy``) and back (``from_sympy``), ``symbols_for``;
- :mod:`.latex`: LaTeX formula (``to_latex``);
- :mod:`.graph`: networkx graph (``to_networkx``), GraphML, node-link JSON, ``model_shapley``;
- :mod:`.dot`: Graphviz DOT; :mod:`.mermaid`: Mermaid flowchart;
- :mod:`.style`: colours shared with the pictures in :mod:`symlogic.figures`.

The exporters import the model, never the reverse; ``lm.to_sympy()`` and the other convenience
methods reach them through :mod:`symlogic.backends`. Names below load their module on first use,
so ``to_dot`` does not import SymPy.
"""

from __future__ import annotations

from ..lazy import lazy_attributes

_WHERE = {
    "to_sympy": "symbolic", "from_sympy": "symbolic", "symbols_for": "symbolic", "sanitize_names": "symbolic",
    "to_latex": "latex",
    "to_networkx": "graph", "to_graphml": "graph", "to_node_link_json": "graph", "model_shapley": "graph",
    "to_dot": "dot",
    "to_mermaid": "mermaid",
}

__all__ = sorted(_WHERE)


__getattr__, __dir__ = lazy_attributes(__name__, _WHERE)
