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
import os
from collections import Counter
from collections.abc import Iterable, Sequence
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
    "SUMMARY",
    "MAX_CONCEPTS",
    "GraphSource",
    "model_shapley",
    "to_networkx",
    "limit_concepts",
    "as_graph",
    "graph_parts",
    "summary_node",
    "display_labels",
    "node_lines",
    "ascii_ids",
    "to_graphml",
    "to_node_link_json",
]

OUTPUT = "output"
#: Node id of the one node that stands for the concepts left out of a drawing (:func:`limit_concepts`).
SUMMARY = "others"
#: How many concepts the drawings (DOT, Mermaid, the picture) show by default; the rest are summarised.
MAX_CONCEPTS = 40
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
                epsilon: float | None = None, record_values: Sequence[float] | np.ndarray | None = None,
                max_concepts: int | None = None) -> "nx.DiGraph":
    """Build the DiGraph variables → concepts → output (``lm.to_networkx()``).

    Args:
        lm: the logic model.
        shapley: per-variable attributions to show (e.g. the network's own Shapley values);
            defaults to :func:`model_shapley` of the model.
        epsilon: the proven bound |f − v| ≤ ε, stored on the output node.
        record_values: the recorded outputs v on all 2^n masks; adds the observed max |v − f|,
            the mask where it is reached, and v(N), v(∅) to the output node.
        max_concepts: keep only this many concepts, the strongest, and fold the others into one
            summary node (see :func:`limit_concepts`); None (default) keeps every concept, so the
            graph holds the whole model.

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
    return limit_concepts(g, max_concepts)


def _limit(value: Any, what: str = "max_concepts") -> int | None:
    """``value`` as a count ≥ 0, or None for no limit."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
        raise InputError(f"{what} must be a whole number ≥ 0 (or None for all), got {value!r}")
    return int(value)


def summary_node(g: "nx.DiGraph") -> str | None:
    """The id of the node summarising the concepts left out (:data:`SUMMARY`), or None when none is."""
    return SUMMARY if SUMMARY in g and g.nodes[SUMMARY].get("kind") == "summary" else None


def limit_concepts(g: "nx.DiGraph", max_concepts: int | None = MAX_CONCEPTS) -> "nx.DiGraph":
    """The graph with only its ``max_concepts`` strongest concepts; the others become one summary node.

    The summary node (id :data:`SUMMARY`, ``kind="summary"``) says how many concepts it stands for
    and how strong they are together: ``n_concepts`` (with ``n_and``, ``n_or``), ``abs_sum``
    (Σ|coefficient|), ``max_abs`` (the largest |coefficient| among them), ``net`` (Σ coefficient:
    their joint share of f(N) − f(∅)), ``share`` (``abs_sum`` over Σ|coefficient| of every concept),
    and ``concepts``, the JSON list of the node ids folded in. Its label reads e.g.
    "+ 176 weaker concepts". It has one edge, to the output, with ``role="summary"`` and ``weight``
    = ``net``. Variables keep their nodes even when only folded concepts use them.

    A graph with at most ``max_concepts`` concepts (or ``max_concepts=None``) is returned as it is;
    limiting an already limited graph folds the extra concepts into the same summary node.
    """
    import networkx as nx

    k = _limit(max_concepts)
    _, concepts = graph_parts(g)
    if k is None or len(concepts) <= k:
        return g
    hidden = concepts[k:]
    prev = dict(g.nodes[SUMMARY]) if summary_node(g) else {}
    coefs = [float(g.nodes[u].get("coefficient", 0.0)) for u in hidden]
    kinds = Counter(str(g.nodes[u].get("kind")) for u in hidden)
    try:
        before = [str(x) for x in json.loads(str(prev.get("concepts", "[]")))]
    except ValueError:
        before = []
    count = len(hidden) + int(prev.get("n_concepts", 0))
    abs_sum = math.fsum([abs(c) for c in coefs] + [float(prev.get("abs_sum", 0.0))])
    shown_sum = math.fsum(abs(float(g.nodes[u].get("coefficient", 0.0))) for u in concepts[:k])
    total = shown_sum + abs_sum
    h = nx.DiGraph(g)  # a copy: the caller's graph is left alone
    h.remove_nodes_from(hidden)
    if prev:
        h.remove_node(SUMMARY)
    net = math.fsum(coefs + [float(prev.get("net", 0.0))])
    h.add_node(SUMMARY, kind="summary", label=f"+ {count} weaker concept{'s' if count != 1 else ''}",
               n_concepts=count, n_and=kinds["AND"] + int(prev.get("n_and", 0)),
               n_or=kinds["OR"] + int(prev.get("n_or", 0)), abs_sum=abs_sum,
               max_abs=max([abs(c) for c in coefs] + [float(prev.get("max_abs", 0.0))]), net=net,
               share=float(abs_sum / total) if total else 0.0,
               concepts=json.dumps(before + [str(u) for u in hidden], ensure_ascii=False))
    h.add_edge(SUMMARY, OUTPUT, weight=net, abs_weight=abs_sum, role="summary")
    h.graph["n_concepts_shown"] = k
    return h


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
    if kind == "summary":
        return [str(d.get("label", "weaker concepts")),
                f"Σ|coef| = {float(d.get('abs_sum', 0.0)):.4g}  ({float(d.get('share', 0.0)):.0%})",
                f"largest |coef| = {float(d.get('max_abs', 0.0)):.4g}"]
    lines = ["f", f"bias {signed(float(d.get('bias', 0.0)))}"]
    if "epsilon" in d:
        lines.append(f"ε = {float(d['epsilon']):.3g}")
    return lines


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last being "…" when anything was cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _middle(text: str, limit: int) -> str:
    """``text`` cut in the middle to ``limit`` characters, keeping more of its end (where names
    sharing a prefix differ: "sensor_channel_017")."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 3
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


def _concept_text(kind: str, names: Sequence[str], limit: int, strip: int) -> str:
    """A concept's label in at most ``limit`` characters: the full ``KIND(a, b)`` when it fits,
    else names without their shared prefix ("…017"), long names cut in the middle, and as many as
    fit followed by "+m" for the m left out."""
    full = f"{kind}({', '.join(names)})"
    if len(full) <= limit or not names:
        return _cut(full, limit)
    cap = max(6, (limit - len(kind) - 4) // 2)
    parts = [_middle("…" + x[strip:] if strip else x, cap) for x in names]
    for shown in range(len(parts), 0, -1):
        rest = len(parts) - shown
        text = f"{kind}({', '.join(parts[:shown])}{f', +{rest}' if rest else ''})"
        if len(text) <= limit:
            return text
    return _cut(f"{kind}({parts[0]}", limit)


def _shared_prefix(names: Iterable[str]) -> int:
    """Length of the prefix all ``names`` share, when dropping it is worth it (≥ 4 characters);
    every name keeps at least two characters of its own."""
    names = sorted(set(names))
    if len(names) < 2:
        return 0
    prefix = len(os.path.commonprefix(names))
    prefix = min(prefix, min(len(x) for x in names) - 2)
    # Cut at the start of a word or number rather than inside it: "…017", not "…17".
    start = prefix
    while start > 0 and names[0][start - 1].isalnum():
        start -= 1
    if start >= 4 and prefix > 0 and names[0][prefix - 1].isalnum() and names[0][prefix].isalnum():
        prefix = start
    return prefix if prefix >= 4 else 0


def display_labels(g: "nx.DiGraph", nodes: Iterable[str] | None = None, limit: int | None = 40,
                   variable_limit: int | None = None) -> dict[str, str]:
    """The text to show for each node, at most ``limit`` characters, and no two alike.

    Concepts read ``AND(a, b)`` / ``OR(a, b)``; when that is too long, variable names lose the
    prefix the shown concepts' variables share (``AND(…017, …042)``), long names are cut in the
    middle (their distinguishing end is kept), and names that still do not fit are counted
    (``AND(…017, …042, +3)``). Variables show their name (cut in the middle to
    ``variable_limit``, default ``limit``); the summary node its label. Labels that come out the same
    (only possible once something was cut) get a suffix " #1", " #2", … in strength order, so every
    drawn node is told apart. ``limit=None`` cuts nothing: full labels are already distinct.

    >>> from symlogic.logic import LogicModel
    >>> names = [f"sensor_reading_channel_{i:03d}" for i in range(4)]
    >>> lm = LogicModel.from_terms(names, 0.0, [("and", names[:2], 1.0), ("or", names[1:], -0.5)])
    >>> sorted(display_labels(to_networkx(lm), limit=30).values())[:2]
    ['AND(…000, …001)', 'OR(…001, …002, …003)']
    """
    limit = _limit(limit, "limit")
    variable_limit = limit if variable_limit is None else _limit(variable_limit, "variable_limit")
    if limit is not None and limit < 8 or variable_limit is not None and variable_limit < 8:
        raise InputError(f"labels need at least 8 characters, got limit {limit!r}, variable_limit {variable_limit!r}")
    variables, concepts = graph_parts(g)
    order = [*concepts, *([SUMMARY] if summary_node(g) else []), *variables]
    order += [u for u in g.nodes if u not in set(order)]
    if nodes is not None:
        wanted = set(nodes)
        order = [u for u in order if u in wanted]
    members = {u: _variables_of(g, u) for u in order if g.nodes[u].get("kind") in ("AND", "OR")}
    strip = _shared_prefix(x for names in members.values() for x in names)
    texts: dict[str, str] = {}
    for u in order:
        d = g.nodes[u]
        kind = d.get("kind")
        if kind in ("AND", "OR"):
            names = members[u]
            full = str(d.get("label", f"{kind}({', '.join(names)})"))
            texts[u] = full if limit is None else (full if len(full) <= limit else _concept_text(str(kind), names, limit, strip))
        elif kind == "variable":
            name = str(d.get("name", d.get("label", u)))
            texts[u] = name if variable_limit is None else _middle(name, variable_limit)
        else:
            label = str(d.get("label", u))
            texts[u] = label if limit is None else _cut(label, limit)
    return _distinct(texts, order, limit)


def _variables_of(g: "nx.DiGraph", u: str) -> list[str]:
    """A concept node's variable names: its ``variables`` JSON, else its variable predecessors."""
    try:
        names = json.loads(str(g.nodes[u].get("variables", "")))
        if isinstance(names, list):
            return [str(x) for x in names]
    except ValueError:
        pass
    return [str(g.nodes[p].get("name", p)) for p in g.predecessors(u) if g.nodes[p].get("kind") == "variable"]


def _distinct(texts: dict[str, str], order: list[str], limit: int | None) -> dict[str, str]:
    """Make equal texts distinct with " #1", " #2", … (cut first to stay within ``limit``)."""
    counts = Counter(texts.values())
    used = {t for t, c in counts.items() if c == 1}
    serial: Counter[str] = Counter()
    out: dict[str, str] = {}
    for u in order:
        text = texts[u]
        if counts[text] == 1:
            out[u] = text
            continue
        while True:
            serial[text] += 1
            suffix = f" #{serial[text]}"
            room = len(text) if limit is None else limit - len(suffix)
            candidate = (text if len(text) <= room else _cut(text, max(room, 1))) + suffix
            if candidate not in used:
                break
        used.add(candidate)
        out[u] = candidate
    return out


def ascii_ids(g: "nx.DiGraph") -> dict[str, str]:
    """ASCII ids for DOT/Mermaid: names can hold quotes, backslashes, "->" or anything else."""
    variables, concepts = graph_parts(g)
    ids = {u: f"v{g.nodes[u].get('index', k)}" for k, u in enumerate(variables)}
    for u in concepts:
        d = g.nodes[u]
        ids[u] = f"{str(d['kind']).lower()}{d.get('mask', len(ids))}"
    ids[OUTPUT] = "output"
    if summary_node(g):
        ids[SUMMARY] = "others"
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
