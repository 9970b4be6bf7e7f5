"""Graphs of 100–300 concepts stay readable: the strongest k drawn, the rest in one summary node,
and no two drawn labels alike, in the picture, DOT and Mermaid; small models draw as before."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from symlogic.errors import InputError
from symlogic.export.dot import to_dot
from symlogic.export.graph import (MAX_CONCEPTS, SUMMARY, display_labels, graph_parts, limit_concepts, to_graphml,
                                   to_networkx)
from symlogic.export.mermaid import to_mermaid
from symlogic.figures.graph import render, render_graph
from symlogic.logic import LogicModel

SMALL_NAMES = ["not good", 'say "hi"', "x->y", "back\\", "<b>&amp;", "é ü", "$5 off", "unused"]


def random_model(k: int = 200, n: int = 24, seed: int = 0, names: list[str] | None = None,
                 max_order: int = 5) -> LogicModel:
    rng = np.random.default_rng(seed)
    names = names or [f"x{i}" for i in range(n)]
    n = len(names)
    terms, seen = [], set()
    while len(terms) < k:
        kind = "and" if rng.random() < 0.6 else "or"
        size = int(rng.integers(1 if kind == "and" else 2, max_order + 1))
        mask = int(sum(1 << int(i) for i in rng.choice(n, size=size, replace=False)))
        if (kind, mask) in seen:
            continue
        seen.add((kind, mask))
        terms.append((kind, mask, float(rng.integers(-512, 512) or 1) / 64))
    lm = LogicModel.from_terms(names, 0.5, terms)
    assert len(lm) == k
    return lm


def strongest(lm: LogicModel, k: int) -> list:
    return sorted(lm.concepts, key=lambda t: (-abs(t.coefficient), lm.concepts.index(t)))[:k]


def concept_texts(fig) -> list[str]:
    """The concept boxes drawn: texts that are a concept label (AND(…)/OR(…))."""
    return [t.get_text() for t in fig.axes[0].texts if re.match(r"(AND|OR)\(", t.get_text())]


@pytest.fixture(scope="module")
def big() -> LogicModel:
    return random_model()


# ---- the summary node ----------------------------------------------------------------------
@pytest.mark.parametrize("k", [1, 24, 40])
def test_limited_graph_keeps_the_strongest_and_sums_the_rest(big: LogicModel, k: int) -> None:
    g = to_networkx(big, max_concepts=k)
    _, concepts = graph_parts(g)
    assert len(concepts) == k
    kept = strongest(big, k)
    assert set(concepts) == {f"{t.kind}:{t.mask}" for t in kept}
    hidden = [t for t in big.concepts if f"{t.kind}:{t.mask}" not in set(concepts)]
    d = g.nodes[SUMMARY]
    assert d["kind"] == "summary" and d["n_concepts"] == len(big) - k == len(hidden)
    assert d["label"] == f"+ {len(big) - k} weaker concepts"
    assert d["abs_sum"] == pytest.approx(math.fsum(abs(t.coefficient) for t in hidden), rel=1e-12)
    assert d["max_abs"] == max(abs(t.coefficient) for t in hidden)
    assert d["max_abs"] <= min(abs(t.coefficient) for t in kept)
    assert d["net"] == pytest.approx(math.fsum(t.coefficient for t in hidden), rel=1e-12, abs=1e-12)
    assert d["n_and"] + d["n_or"] == len(hidden)
    assert d["n_and"] == sum(t.kind == "and" for t in hidden)
    total = math.fsum(abs(t.coefficient) for t in big.concepts)
    assert d["share"] == pytest.approx(d["abs_sum"] / total)
    assert sorted(json.loads(d["concepts"])) == sorted(f"{t.kind}:{t.mask}" for t in hidden)
    assert list(g.successors(SUMMARY)) == ["output"] and g.in_degree(SUMMARY) == 0
    assert g.edges[SUMMARY, "output"]["role"] == "summary"
    # Every variable stays; the output still knows the model's size.
    assert sum(1 for _, x in g.nodes(data=True) if x["kind"] == "variable") == big.n
    assert g.nodes["output"]["n_concepts"] == len(big)


def test_limit_is_idempotent_and_refolds(big: LogicModel) -> None:
    full = to_networkx(big)
    assert SUMMARY not in full and len(graph_parts(full)[1]) == len(big)  # no limit by default: the whole model
    assert limit_concepts(full, None) is full and limit_concepts(full, len(big)) is full
    once = limit_concepts(full, 24)
    assert SUMMARY not in full  # the caller's graph is left alone
    twice = limit_concepts(once, 10)
    direct = limit_concepts(full, 10)
    for key in ("n_concepts", "n_and", "n_or", "max_abs"):
        assert twice.nodes[SUMMARY][key] == direct.nodes[SUMMARY][key], key
    assert twice.nodes[SUMMARY]["abs_sum"] == pytest.approx(direct.nodes[SUMMARY]["abs_sum"])
    assert sorted(json.loads(twice.nodes[SUMMARY]["concepts"])) == sorted(json.loads(direct.nodes[SUMMARY]["concepts"]))
    for bad in (-1, 2.5, True, "10"):
        with pytest.raises(InputError, match="max_concepts"):
            limit_concepts(full, bad)  # type: ignore[arg-type]


def test_limited_graph_round_trips_graphml(big: LogicModel, tmp_path: Path) -> None:
    g = to_networkx(big, max_concepts=24, epsilon=0.01)
    back = nx.read_graphml(to_graphml(g, tmp_path / "g.graphml"))
    assert back.nodes[SUMMARY] == g.nodes[SUMMARY]
    assert to_dot(back) == to_dot(g) and to_mermaid(back) == to_mermaid(g)


# ---- the picture ---------------------------------------------------------------------------
def test_render_200_terms_draws_k_plus_one_concept_boxes(big: LogicModel, tmp_path: Path) -> None:
    fig = render(big, tmp_path / "big.svg", max_concepts=24)
    drawn = concept_texts(fig)
    summary = [t.get_text() for t in fig.axes[0].texts if "weaker concept" in t.get_text()]
    assert len(drawn) == 24 and summary == ["+ 176 weaker concepts"]
    assert len(drawn) + len(summary) <= 24 + 1
    svg = (tmp_path / "big.svg").read_text(encoding="utf-8")
    assert "+ 176 weaker concepts" in svg
    hidden_sum = math.fsum(abs(t.coefficient) for t in sorted(big.concepts, key=lambda t: -abs(t.coefficient))[24:])
    assert f"{hidden_sum:.4g}" in svg
    # The default limit, for render and render_graph alike.
    assert len(concept_texts(render(big))) == MAX_CONCEPTS
    assert len(concept_texts(render_graph(big, max_concepts=12))) == 12
    assert len(concept_texts(render(big, max_concepts=None, height=6000))) == 200


def test_small_model_draws_as_before() -> None:
    lm = LogicModel.from_terms(SMALL_NAMES, 0.25, [
        ("and", ["not good", 'say "hi"'], 1.5), ("and", ["x->y"], 0.125),
        ("and", ["back\\", "<b>&amp;", "é ü"], -0.75), ("or", ["x->y", "back\\"], -0.5),
        ("or", ["$5 off", "not good"], 2.0)])
    g = to_networkx(lm)
    assert limit_concepts(g, 24) is g and SUMMARY not in g
    fig = render(lm)
    assert sorted(concept_texts(fig)) == sorted(t.label().replace("$", r"\$") for t in lm.concepts)
    assert not any("weaker" in t.get_text() for t in fig.axes[0].texts)
    # The text exporters: a limit at or above the size changes nothing, and no summary shows.
    assert to_dot(lm) == to_dot(lm, max_concepts=5) == to_dot(lm, max_concepts=None)
    assert to_mermaid(lm) == to_mermaid(lm, max_concepts=None)
    assert "others" not in to_dot(lm) and "others" not in to_mermaid(lm)


# ---- distinct labels -----------------------------------------------------------------------
def prefix_model(k: int = 150) -> LogicModel:
    names = [f"very_long_shared_sensor_prefix_channel_{i:03d}" for i in range(16)]
    return random_model(k=k, names=names, seed=3, max_order=6)


def test_labels_distinct_with_long_shared_prefixes() -> None:
    lm = prefix_model()
    for k in (24, 40, None):
        fig = render(lm, max_concepts=k, height=6000 if k is None else None)
        drawn = concept_texts(fig)
        assert len(drawn) == (k or len(lm)) and len(set(drawn)) == len(drawn), k
        assert all(len(t) <= 40 for t in drawn)
        variables = [t.get_text().split("  φ")[0] for t in fig.axes[0].texts if "  φ" in t.get_text()]
        assert len(variables) == lm.n and len(set(variables)) == lm.n
        assert all("channel_0" in v or "…" in v for v in variables)
    # The distinguishing end of the names is kept: "…007", not the shared prefix.
    labels = display_labels(to_networkx(lm, max_concepts=40), limit=40)
    assert any("…0" in t for t in labels.values())


def test_labels_distinct_when_truncation_collides() -> None:
    # Concepts of 6 long names that all start with the same two: cut to fit, they read alike, so
    # they get a suffix; every label still fits the limit.
    names = [f"a_rather_long_variable_name_{c}" for c in "ABCDEFGHIJ"]
    terms = [("and", names[:2] + [names[2 + i], names[3 + i], names[4 + i], names[5 + i % 3]], float(10 - i))
             for i in range(5)]
    lm = LogicModel.from_terms(names, 0.0, terms)
    g = to_networkx(lm)
    for limit in (12, 20, 30, 40):
        labels = display_labels(g, limit=limit)
        assert len(set(labels.values())) == len(labels), limit
        assert all(len(t) <= limit for t in labels.values()), limit
    cut = display_labels(g, limit=20)
    assert any(re.search(r" #\d+$", t) for t in cut.values())
    drawn = concept_texts(render(lm))
    assert len(set(drawn)) == len(drawn) == 5
    full = display_labels(g, limit=None)
    assert {full[f"and:{t.mask}"] for t in lm.concepts} == {t.label() for t in lm.concepts}
    with pytest.raises(InputError, match="at least 8"):
        display_labels(g, limit=4)


def _dot_labels(text: str) -> list[str]:
    out = []
    for m in re.finditer(r"label=<(.*?)>, ", text):
        lines = ET.fromstring(f"<r>{m.group(1)}</r>")
        out.append("".join(lines.itertext()).split("\n")[0])
    return out


def test_dot_and_mermaid_limit_and_summary() -> None:
    lm = prefix_model(k=120)
    dot = to_dot(lm, max_concepts=24, max_label=30)
    assert len(re.findall(r'^\s+"(?:and|or)\d+" \[label=', dot, flags=re.M)) == 24
    assert dot.count('"others" [label=') == 1 and '"others" -> "output"' in dot
    assert "+ 96 weaker concepts" in dot
    firsts = [re.match(r"<B>(.*?)</B>", m.group(1)).group(1)
              for m in re.finditer(r'^\s+"(?:and|or)\d+" \[label=<(.*?)>, ', dot, flags=re.M)]
    assert len(firsts) == 24 and len(set(firsts)) == 24 and all(len(x) <= 30 for x in firsts)
    mer = to_mermaid(lm, max_concepts=24, max_label=30)
    assert len(re.findall(r"^\s+(?:and|or)\d+(?:\[|\{\{)", mer, flags=re.M)) == 24
    assert re.search(r'^\s+others\["\+ 96 weaker concepts<br/>', mer, flags=re.M)
    assert "  others -.-> output" in mer and "class others others" in mer
    # Default: the drawings stop at MAX_CONCEPTS; to_networkx keeps everything.
    assert len(re.findall(r'^\s+"(?:and|or)\d+" \[label=', to_dot(lm), flags=re.M)) == MAX_CONCEPTS
    assert len(graph_parts(to_networkx(lm))[1]) == 120
