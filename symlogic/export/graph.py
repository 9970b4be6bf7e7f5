"""The logic model as a networkx graph, variables → AND/OR concepts → output, and its file formats.

Node ids: ``"var:<name>"`` per input variable, ``"and:<mask>"`` / ``"or:<mask>"`` per concept,
``"output"``. Every attribute is a plain str/int/float/bool (no None, no NaN) so GraphML, GEXF,
node-link JSON and DOT writers all accept the graph. The exporters (here, :mod:`.dot`,
:mod:`.mermaid`) and the picture (:mod:`symlogic.figures.graph`) read only the graph, so a graph
loaded back from GraphML renders and exports the same way.

>>> from symlogic.logic import LogicModel
>>> lm = LogicModel.from_terms(["a", "b", "c"], 0.5, [("and", ["a", "b"], 1.5), ("or", ["b", "c"], -0.25)])
>>> g = to_networkx(lm, epsilon=0.01)
>>> sorted(g.nodes)
['and:3', 'or:6', 'output', 'var:a', 'var:b', 'var:c']
>>> g.nodes["and:3"]["coefficient_exact"], g.nodes["output"]["epsilon"]
('3/2', 0.01)
>>> model_shapley(lm).tolist()
[0.75, 0.625, -0.125]
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from ..errors import InputError
from ..logic import LogicModel
from .style import signed

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "OUTPUT",
    "GraphSource",
    "model_shapley",
    "to_networkx",
    "as_graph",
    "graph_parts",
    "node_lines",
    "ascii_ids",
    "to_graphml",
    "to_node_link_json",
]

OUTPUT = "output"
GraphSource = Union[LogicModel, "nx.DiGraph"]


def _exact(x: float) -> str:
    """A float as the exact rational "p/q" it is."""
    fr = (x).as_integer_ratio()
    return f"{fr[0]}/{fr[1]}"


def model_shapley(lm: LogicModel) -> np.ndarray:
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


def to_networkx(lm: LogicModel, *, shapley: Sequence[float] | np.ndarray | None = None,
                epsilon: float | None = None, record_values: Sequence[float] | np.ndarray | None = None) -> "nx.DiGraph":
    """Build the DiGraph variables → concepts → output (``lm.to_networkx()``).

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


def as_graph(source: GraphSource, **kwargs: Any) -> "nx.DiGraph":
    """Accept a LogicModel (built into a graph with ``kwargs``) or a graph made by :func:`to_networkx`."""
    import networkx as nx

    if isinstance(source, nx.Graph):
        if kwargs:
            raise InputError(f"options {sorted(kwargs)} apply when building from a LogicModel, not to a ready graph")
        if OUTPUT not in source:
            raise InputError("this graph has no 'output' node; build it with symlogic.to_networkx")
        return source
    if hasattr(source, "concepts") and hasattr(source, "names"):
        return to_networkx(source, **kwargs)
    raise InputError(f"expected a LogicModel or a networkx graph from to_networkx, got {type(source).__name__}")


def graph_parts(g: "nx.DiGraph") -> tuple[list[str], list[str]]:
    """Variable nodes by index and concept nodes by rank (strongest first)."""
    variables = sorted((u for u, d in g.nodes(data=True) if d.get("kind") == "variable"), key=lambda u: g.nodes[u].get("index", 0))
    concepts = sorted((u for u, d in g.nodes(data=True) if d.get("kind") in ("AND", "OR")),
                      key=lambda u: (g.nodes[u].get("rank", 0), u))
    return variables, concepts


def node_lines(d: dict[str, Any]) -> list[str]:
    """The lines shown for a node in DOT / Mermaid."""
    kind = d.get("kind")
    if kind == "variable":
        return [str(d.get("name", d.get("label", ""))), f"φ = {float(d.get('shapley', 0.0)):.4g}"]
    if kind in ("AND", "OR"):
        return [str(d.get("label", kind)), f"{signed(float(d.get('coefficient', 0.0)))}  ({float(d.get('share', 0.0)):.0%})"]
    lines = ["f", f"bias {signed(float(d.get('bias', 0.0)))}"]
    if "epsilon" in d:
        lines.append(f"ε = {float(d['epsilon']):.3g}")
    return lines


def ascii_ids(g: "nx.DiGraph") -> dict[str, str]:
    """ASCII ids for DOT/Mermaid: names can hold quotes, backslashes, "->" or anything else."""
    variables, concepts = graph_parts(g)
    ids = {u: f"v{g.nodes[u].get('index', k)}" for k, u in enumerate(variables)}
    for u in concepts:
        d = g.nodes[u]
        ids[u] = f"{str(d['kind']).lower()}{d.get('mask', len(ids))}"
    ids[OUTPUT] = "output"
    for u in g.nodes:  # foreign nodes, if someone added any
        ids.setdefault(u, f"n{len(ids)}")
    return ids


def to_graphml(source: GraphSource, path: str | Path, **kwargs: Any) -> Path:
    """Write GraphML (typed attributes; read back with ``networkx.read_graphml``)."""
    import networkx as nx

    path = Path(path)
    nx.write_graphml(as_graph(source, **kwargs), path, encoding="utf-8", named_key_ids=True)
    return path


def to_node_link_json(source: GraphSource, **kwargs: Any) -> str:
    """The graph as node-link JSON (``networkx.node_link_graph`` reads it back; edges under "edges").

    >>> import json
    >>> data = json.loads(to_node_link_json(LogicModel.from_terms(["a"], 1.0, [("and", ["a"], 2.0)])))
    >>> [(e["source"], e["target"], e["weight"]) for e in data["edges"]]
    [('var:a', 'and:1', 2.0), ('and:1', 'output', 2.0)]
    """
    import networkx as nx

    g = as_graph(source, **kwargs)
    try:
        data = nx.node_link_data(g, edges="edges")
    except TypeError:  # networkx < 3.4
        data = nx.node_link_data(g, link="edges")
    return json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False)
