"""The graph exporters: structure, attributes, GraphML/JSON round trips, DOT, Mermaid."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from symlogic.attribution import shapley_values
from symlogic.errors import InputError
from symlogic.export.dot import to_dot
from symlogic.export.graph import model_shapley, to_graphml, to_networkx, to_node_link_json
from symlogic.export.mermaid import to_mermaid
from symlogic.logic import LogicModel
from symlogic.transforms import and_interactions

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


# ---- structure ---------------------------------------------------------------------------
def test_graph_holds_exactly_the_terms(lm: LogicModel) -> None:
    g = to_networkx(lm)
    concepts = {u: d for u, d in g.nodes(data=True) if d["kind"] in ("AND", "OR")}
    assert sorted(concepts) == sorted(f"{t.kind}:{t.mask}" for t in lm.concepts)
    assert len(g) == lm.n + len(lm.concepts) + 1
    for t in lm.concepts:
        u = f"{t.kind}:{t.mask}"
        d = g.nodes[u]
        assert d["kind"] == t.kind.upper() and d["coefficient"] == t.coefficient and d["order"] == t.order
        assert Fraction(d["coefficient_exact"]) == t.exact and float.fromhex(d["coefficient_hex"]) == t.coefficient
        assert json.loads(d["variables"]) == list(t.names)
        assert sorted(g.predecessors(u)) == sorted(f"var:{x}" for x in t.names)
        assert list(g.successors(u)) == ["output"]
        assert g.edges[u, "output"]["weight"] == t.coefficient
        assert all(g.edges[p, u]["weight"] == t.coefficient for p in g.predecessors(u))
    assert math.isclose(sum(d["share"] for d in concepts.values()), 1.0)
    assert sorted(d["rank"] for d in concepts.values()) == list(range(len(lm.concepts)))
    assert g.number_of_edges() == sum(t.order for t in lm.concepts) + len(lm.concepts)
    # A variable no term mentions is still drawn, unconnected.
    assert g.degree("var:unused") == 0 and g.nodes["var:unused"]["in_support"] is False
    assert g.nodes["output"]["bias"] == 0.25 and g.nodes["output"]["bias_exact"] == "1/4"


def test_attributes_are_plain_and_finite(lm: LogicModel) -> None:
    g = to_networkx(lm, epsilon=0.01, record_values=lm.table() + 0.001)
    items = [*g.graph.items()]
    items += [kv for _, d in g.nodes(data=True) for kv in d.items()]
    items += [kv for _, _, d in g.edges(data=True) for kv in d.items()]
    for key, value in items:
        assert type(value) in (str, int, float, bool), (key, value)
        assert not (isinstance(value, float) and not math.isfinite(value)), key


def test_model_shapley_matches_full_transform(lm: LogicModel) -> None:
    # Shapley of the game f, computed the long way from its AND (Harsanyi) transform, covers OR terms too.
    phi = shapley_values(and_interactions(lm.table()))
    assert np.allclose(model_shapley(lm), phi, atol=1e-12)
    g = to_networkx(lm)
    assert [g.nodes[f"var:{x}"]["shapley"] for x in NAMES] == pytest.approx(list(phi), abs=1e-12)
    assert g.graph["shapley_source"] == "model"


def test_given_shapley_epsilon_and_record(lm: LogicModel) -> None:
    phi = np.arange(lm.n, dtype=float)
    v = lm.table()
    v[5] += 0.03
    g = to_networkx(lm, shapley=phi, epsilon=0.05, record_values=v)
    assert g.nodes["var:x->y"]["shapley"] == 2.0 and g.graph["shapley_source"] == "given"
    out = g.nodes["output"]
    assert out["epsilon"] == 0.05 and out["worst_mask"] == 5 and out["max_error"] == pytest.approx(0.03)
    with pytest.raises(InputError, match="one value per variable"):
        to_networkx(lm, shapley=[1.0, 2.0])
    with pytest.raises(InputError, match="one output per mask"):
        to_networkx(lm, record_values=[0.0] * 7)
    with pytest.raises(InputError, match="epsilon"):
        to_networkx(lm, epsilon=float("nan"))


def test_model_method_and_empty_model() -> None:
    empty = LogicModel.from_terms(["a", "b"], 1.0, [])
    g = empty.to_networkx()
    assert sorted(g) == ["output", "var:a", "var:b"] and g.number_of_edges() == 0
    assert to_dot(empty).startswith("digraph") and to_mermaid(empty).startswith("flowchart LR")


# ---- GraphML / node-link JSON --------------------------------------------------------------
def test_graphml_round_trip_keeps_types(lm: LogicModel, tmp_path: Path) -> None:
    g = to_networkx(lm, epsilon=0.01, record_values=lm.table())
    path = to_graphml(g, tmp_path / "model.graphml")
    back = nx.read_graphml(path)
    assert isinstance(back, nx.DiGraph)
    assert set(back.nodes) == set(g.nodes) and set(back.edges) == set(g.edges)
    for u, d in g.nodes(data=True):
        assert back.nodes[u] == d, u
        for key, value in d.items():
            assert type(back.nodes[u][key]) is type(value), (u, key)
    for u, v, d in g.edges(data=True):
        assert back.edges[u, v] == d
    assert back.graph["n_concepts"] == len(lm.concepts)
    # The exporters work from a graph read back from disk.
    assert to_dot(back) == to_dot(g)
    direct = to_graphml(lm, tmp_path / "direct.graphml", epsilon=0.01, record_values=lm.table())
    assert direct.read_bytes() == path.read_bytes()


def test_node_link_json_round_trip(lm: LogicModel) -> None:
    text = to_node_link_json(lm, epsilon=0.01)
    data = json.loads(text)
    assert "NaN" not in text and len(data["edges"]) == to_networkx(lm).number_of_edges()
    try:
        back = nx.node_link_graph(data, edges="edges")
    except TypeError:  # networkx < 3.4
        back = nx.node_link_graph(data, link="edges")
    g = to_networkx(lm, epsilon=0.01)
    assert dict(back.nodes(data=True)) == dict(g.nodes(data=True))
    assert {(u, v): d for u, v, d in back.edges(data=True)} == {(u, v): d for u, v, d in g.edges(data=True)}


def test_ready_graph_refuses_build_options(lm: LogicModel) -> None:
    with pytest.raises(InputError, match="LogicModel"):
        to_dot(to_networkx(lm), epsilon=0.1)
    with pytest.raises(InputError, match="expected a LogicModel"):
        to_mermaid("not a model")  # type: ignore[arg-type]


# ---- DOT -----------------------------------------------------------------------------------
_DOT_TOKEN = re.compile(r"""
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/|\#[^\n]*)
  | (?P<arrow>->|--)
  | (?P<punct>[{}\[\]=;,:])
  | (?P<quoted>"(?:\\"|[^"\\]|\\)*")  # as Graphviz: \" is a quote, any other backslash is literal
  | (?P<html><)
  | (?P<ident>[A-Za-z_\x80-\uffff][A-Za-z_0-9\x80-\uffff]*)
  | (?P<number>-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?))
""", re.VERBOSE | re.DOTALL)


def dot_tokens(text: str) -> list[tuple[str, str]]:
    """Strict DOT lexer: anything it does not know is an error. HTML strings are <…> balanced."""
    out, i = [], 0
    while i < len(text):
        m = _DOT_TOKEN.match(text, i)
        if not m:
            raise AssertionError(f"DOT: unexpected character {text[i]!r} at {i}: {text[i:i + 40]!r}")
        kind = m.lastgroup
        if kind == "html":
            depth, j = 0, i
            while True:
                if j >= len(text):
                    raise AssertionError("DOT: unterminated HTML string")
                depth += {"<": 1, ">": -1}.get(text[j], 0)
                j += 1
                if depth == 0:
                    break
            out.append(("html", text[i:j]))
            i = j
            continue
        if kind != "ws":
            value = m.group(kind)
            if kind == "quoted":
                value = value[1:-1].replace('\\"', '"')
            out.append((kind if kind != "number" else "ident", value))
        i = m.end()
    return out


def parse_dot(text: str) -> tuple[set[str], list[tuple[str, str, dict[str, str]]], dict[str, dict[str, str]]]:
    """Parse the DOT grammar (graph, subgraphs, node/edge/attr statements); return nodes, edges, node attrs."""
    toks = dot_tokens(text)
    pos = 0
    nodes: set[str] = set()
    attrs: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str, dict[str, str]]] = []

    def peek(k: int = 0) -> tuple[str, str]:
        return toks[pos + k] if pos + k < len(toks) else ("eof", "")

    def take(kind: str | None = None, value: str | None = None) -> str:
        nonlocal pos
        t = peek()
        if (kind and t[0] != kind) or (value is not None and t[1] != value):
            raise AssertionError(f"DOT: expected {kind or ''} {value or ''}, got {t} at token {pos}")
        pos += 1
        return t[1]

    def is_id() -> bool:
        return peek()[0] in ("ident", "quoted", "html")

    def take_id() -> str:
        if not is_id():
            raise AssertionError(f"DOT: expected an ID, got {peek()} at token {pos}")
        return take()

    def attr_list() -> dict[str, str]:
        out: dict[str, str] = {}
        while peek() == ("punct", "["):
            take("punct", "[")
            while peek() != ("punct", "]"):
                key = take_id()
                take("punct", "=")
                if not is_id():
                    raise AssertionError(f"DOT: attribute {key} needs a value, got {peek()}")
                out[key] = take_id()
                if peek()[0] == "punct" and peek()[1] in (",", ";"):
                    take()
            take("punct", "]")
        return out

    def stmt_list() -> None:
        take("punct", "{")
        while peek() != ("punct", "}"):
            stmt()
            if peek() == ("punct", ";"):
                take()
        take("punct", "}")

    def stmt() -> None:
        if peek() in (("ident", "graph"), ("ident", "node"), ("ident", "edge")) and peek(1) == ("punct", "["):
            take()
            attr_list()
        elif peek() in (("punct", "{"), ("ident", "subgraph")):
            if peek() == ("ident", "subgraph"):
                take()
                if is_id():
                    take()
            stmt_list()
        elif is_id() and peek(1) == ("punct", "="):
            take()
            take("punct", "=")
            take_id()
        elif is_id():
            chain = [take()]
            while peek()[0] == "arrow":
                if take("arrow") != "->":
                    raise AssertionError("DOT: '--' in a digraph")
                chain.append(take_id())
            a = attr_list()
            nodes.update(chain)
            if len(chain) == 1:
                attrs.setdefault(chain[0], {}).update(a)
            edges.extend((u, v, a) for u, v in zip(chain, chain[1:]))
        else:
            raise AssertionError(f"DOT: unexpected token {peek()} at {pos}")

    if peek() == ("ident", "strict"):
        take()
    assert take("ident") == "digraph"
    if is_id():
        take()
    stmt_list()
    assert peek()[0] == "eof", f"DOT: trailing tokens {toks[pos:pos + 5]}"
    return nodes, edges, attrs


def test_dot_parses_and_matches_graph(lm: LogicModel) -> None:
    g = to_networkx(lm, epsilon=0.01)
    text = to_dot(g)
    nodes, edges, attrs = parse_dot(text)
    assert len(nodes) == len(g) and len(edges) == g.number_of_edges()
    # Labels are HTML-like labels holding well-formed XML, with every name shown verbatim.
    shown = []
    for a in attrs.values():
        label = a["label"]
        assert label.startswith("<") and label.endswith(">")
        shown.append("".join(ET.fromstring(f"<r>{label[1:-1]}</r>").itertext()))
    for name in NAMES:
        assert any(name in s for s in shown), name
    shapes = {a["label"]: a["shape"] for a in attrs.values()}
    assert sorted(shapes.values()).count("hexagon") == 2 and sorted(shapes.values()).count("box") == 3
    # DOT ids are ASCII: v<index>, and<mask>, or<mask>, output; the edges are exactly the graph's.
    def dot_id(u: str) -> str:
        d = g.nodes[u]
        return {"variable": f"v{d.get('index')}", "output": "output"}.get(d["kind"], f"{d['kind'].lower()}{d.get('mask')}")

    assert {(u, v) for u, v, _ in edges} == {(dot_id(u), dot_id(v)) for u, v in g.edges}
    assert all(re.fullmatch(r"[a-z]+[0-9]*", u) for u in nodes)
    contribution = [a for u, v, a in edges if v == "output"]
    assert sorted(float(a["label"]) for a in contribution) == sorted(t.coefficient for t in lm.concepts)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' not installed; the strict parser above still checks the DOT")
def test_dot_renders_with_graphviz(lm: LogicModel, tmp_path: Path) -> None:
    src = tmp_path / "g.dot"
    src.write_text(to_dot(lm), encoding="utf-8")
    done = subprocess.run(["dot", "-Tsvg", str(src)], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert b"<svg" in done.stdout and b"Warning" not in done.stderr and b"Error" not in done.stderr


# ---- Mermaid -------------------------------------------------------------------------------
def test_mermaid_one_line_per_edge(lm: LogicModel) -> None:
    g = to_networkx(lm)
    text = to_mermaid(g)
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    edge_lines = [x for x in lines if "-->" in x]
    assert len(edge_lines) == g.number_of_edges()
    ids = set()
    for x in edge_lines:
        m = re.fullmatch(r'\s+(\w+) -->(?:\|"[^"|]*"\|)? (\w+)', x)
        assert m, x
        ids.update(m.groups())
    node_lines = [x for x in lines[1:] if "-->" not in x and not x.strip().startswith(("classDef", "class "))]
    assert len(node_lines) == len(g)
    for x in node_lines:
        # Each label is one quoted string: no raw quote, "<", ">", "|" or "#" entity breakouts inside.
        m = re.fullmatch(r'\s+(\w+)(\(\[|\[|\{\{|\(\()"([^"]*)"(\]\)|\]|\}\}|\)\))', x)
        assert m, x
        assert not re.search(r"[<>|`]", m.group(3).replace("<br/>", "")), x
    assert ids <= {re.match(r"\s+(\w+)", x).group(1) for x in node_lines}
    assert "#34;hi#34;" in text and "x-#62;y" in text


def test_strict_dot_parser_rejects_broken_text() -> None:
    # The checker itself must fail on what a naive exporter would write.
    for bad in ['digraph { "a "b" -> c; }', "digraph { a -> ; }", 'digraph { a [label=<x<y>]; }',
                "digraph { a -- b; }", "digraph { a -> b ", "graph { a -> b; }"]:
        with pytest.raises(AssertionError):
            parse_dot(bad)
    assert parse_dot('digraph g { a -> "b c" -> d [w=1]; "q\\\\"uote" [label=<<B>x</B>>]; }')[0] == {"a", "b c", "d", 'q\\"uote'}
