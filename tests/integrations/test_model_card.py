"""The model-card snippet: a Hugging Face model-index entry and a README section that say exactly
what the evidence says (ε, weak flag, each claim, the bundle's digests), in the spec's field names."""

from __future__ import annotations

import re
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from symlogic import InputError, LogicModel, Record
from symlogic.evidence import Evidence, evidence
from symlogic.integrations.digest import file_sha256, saved_digest
from symlogic.integrations.model_card import DATASET_KEYS, YAML_HINT, _code

from .planted import CLAIMS, planted_model, planted_record

yaml = pytest.importorskip("yaml")

#: The keys the model-index spec defines at each level (huggingface/hub-docs modelcard.md).
RESULT_KEYS = {"task", "dataset", "metrics", "source"}
METRIC_KEYS = {"type", "value", "name", "config", "args", "verified"}


def _card(ev: Evidence, **kw) -> dict:
    text = ev.model_card(model_name="org/sentiment", dataset="imdb", **kw)
    assert isinstance(text, str)
    return yaml.safe_load(text)


def _metrics(card: dict) -> list[dict]:
    return card["model-index"][0]["results"][0]["metrics"]


def test_the_yaml_parses_into_the_spec_fields_and_matches_the_evidence(proven):
    card = _card(proven)
    assert card == proven.model_card(model_name="org/sentiment", dataset="imdb", format="dict")
    (entry,) = card["model-index"]
    assert entry["name"] == "org/sentiment"
    (result,) = entry["results"]
    assert set(result) <= RESULT_KEYS and result["dataset"] == {"type": "imdb", "name": "imdb"}
    assert result["task"]["type"] == "other" and result["source"] == {"name": "symlogic evidence bundle"}
    metrics = result["metrics"]
    assert all(set(m) <= METRIC_KEYS and {"type", "value"} <= set(m) for m in metrics)
    eps, rel, *claims = metrics
    v = proven.verdict
    assert eps["type"] == "symlogic-epsilon" and eps["value"] == v.epsilon == 1 / 64
    assert eps["args"]["epsilon_exact"] == "1/64" and Fraction(eps["args"]["epsilon_exact"]) == v.epsilon_fraction
    assert eps["args"]["proven"] is True and eps["args"]["status"] == "holds" and eps["args"]["weak"] is False
    assert eps["args"]["terms"] == 2 and eps["args"]["masks"] == 16
    assert eps["args"]["model_sha256"] == v.model_sha256 and eps["args"]["record_sha256"] == v.record_sha256
    assert rel["type"] == "symlogic-relative-epsilon" and rel["value"] == v.relative_epsilon
    assert [c["args"]["claim"] for c in claims] == CLAIMS
    assert [c["value"] for c in claims] == [1, 0]
    # The spec reserves `verified` for Hugging Face's own evaluation service: never set here.
    assert not any("verified" in m for m in metrics)


def test_a_failing_claim_and_a_failing_verdict_are_not_proven(failing):
    eps, _rel, holds, fails = _metrics(_card(failing))
    assert eps["args"]["proven"] is False and eps["args"]["status"] == "fails" and eps["args"]["violations"] == 11
    assert holds["args"]["proven"] is True and holds["value"] == 1
    assert fails["args"]["proven"] is False and fails["value"] == 0 and fails["args"]["status"] == "fails"
    assert fails["args"]["counterexample_present"] == ["not"]
    md = failing.model_card(model_name="m", dataset="d", format="markdown")
    assert "**NOT proven**: 11 masks exceed ε" in md
    assert "**refuted**: counterexample with present = `not`" in md and md.count("**proven**") == 1


def test_a_weak_verdict_is_marked_weak(weak):
    eps, rel, claim = _metrics(_card(weak))
    assert eps["args"]["proven"] is True and eps["args"]["weak"] is True and "WEAK" in eps["name"]
    assert rel["value"] == 0.5 and rel["args"]["weak"] is True
    md = weak.model_card(model_name="m", dataset="d", format="markdown")
    assert "**proven, but WEAK**" in md and "(50 % of the output range)" in md


def test_a_published_bundle_gives_its_file_hash_and_url(proven, weak, tmp_path):
    path = proven.save(tmp_path / "evidence.zip")
    url = "https://example.org/evidence.zip"
    card = _card(proven, bundle=path, bundle_url=url)
    args = _metrics(card)[0]["args"]
    assert args["bundle_sha256"] == file_sha256(path)
    assert args["manifest_sha256"] == saved_digest(path).manifest_sha256
    assert card["model-index"][0]["results"][0]["source"]["url"] == url
    md = proven.model_card(model_name="m", dataset="d", format="markdown", bundle=path, bundle_url=url)
    assert f"[`evidence.zip`]({url}), SHA-256 `{file_sha256(path)}`" in md and "symlogic verify evidence.zip" in md
    with pytest.raises(InputError, match="other evidence"):
        proven.model_card(model_name="m", dataset="d", bundle=weak.save(tmp_path / "other.zip"))


def test_the_content_digest_is_the_same_for_every_save(proven, tmp_path):
    first = saved_digest(proven.save(tmp_path / "a.zip"))
    again = saved_digest(Evidence.load(first.path).save(tmp_path / "b.zip"))
    card = _card(proven)
    assert first.manifest_sha256 == again.manifest_sha256 == _metrics(card)[0]["args"]["manifest_sha256"]
    assert "bundle_sha256" not in _metrics(card)[0]["args"]


def test_dataset_and_task_take_the_spec_keys(proven):
    dataset = {"type": "stanfordnlp/imdb", "name": "IMDB", "split": "test", "revision": "e6281661"}
    card = proven.model_card(model_name="m", dataset=dataset, task={"type": "text-classification"}, format="dict")
    result = card["model-index"][0]["results"][0]
    assert result["dataset"] == dataset and result["task"] == {"type": "text-classification", "name": "text-classification"}
    with pytest.raises(InputError, match=r"unknown keys \['splits'\]"):
        proven.model_card(model_name="m", dataset={"type": "imdb", "splits": "test"})
    assert set(DATASET_KEYS) == {"type", "name", "config", "split", "revision", "args"}
    for bad in ({"model_name": ""}, {"format": "toml"}, {"dataset": 3}, {"dataset": {"type": "imdb", "split": 1}},
                {"dataset": {"type": "imdb", "args": {"x": object()}}}, {"task": {"name": "no type"}}):
        with pytest.raises(InputError):
            proven.model_card(**({"model_name": "m", "dataset": "d"} | bad))


def test_yaml_without_pyyaml_says_how_to_install_it(monkeypatch, proven):
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(InputError, match=re.escape(YAML_HINT)):
        proven.model_card(model_name="m", dataset="d")
    assert proven.model_card(model_name="m", dataset="d", format="dict")["model-index"]


def test_markdown_table_cells_survive_pipes_and_backticks(proven):
    rec, lm = planted_record(), planted_model()
    claims = ["present(not) | present(`good`) -> output >= -1", "good || movie -> output <= 5"]
    md = evidence(lm, rec, claims=claims).model_card(model_name="m", dataset="d", format="markdown")
    rows = [line for line in md.splitlines() if line.startswith("| claim")]
    assert len(rows) == 2
    for row in rows:  # exactly three unescaped pipes: the cell borders
        assert len(re.findall(r"(?<!\\)\|", row)) == 3


def _unspan(span: str) -> str:
    """Read a code span as CommonMark does: strip the backtick fence, then one space from each end
    when the content begins and ends with one and is not all spaces; then unescape the table pipes."""
    fence = len(span) - len(span.lstrip("`"))
    inner = span[fence:-fence].replace("\\|", "|")
    if inner.startswith(" ") and inner.endswith(" ") and inner.strip(" "):
        inner = inner[1:-1]
    return inner


@given(st.text(alphabet="ab |`\\", max_size=20).filter(lambda s: s.strip() and "\\|" not in s))
def test_code_spans_against_a_reference_reading(text):
    span = _code(text)
    fence = len(span) - len(span.lstrip("`"))
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    assert fence > longest and span.endswith("`" * fence)
    assert not re.search(r"(?<!\\)\|", span)
    assert _unspan(span) == text


@given(st.fractions(min_value=-2, max_value=4, max_denominator=64))
def test_each_claim_metric_is_1_exactly_when_the_table_proves_it(threshold):
    rec = planted_record()
    claim = f"present(good) -> output >= {threshold.numerator}/{threshold.denominator}"
    ev = evidence(planted_model(), rec, claims=[claim])
    (metric,) = [m for m in ev.model_card(model_name="m", dataset="d", format="dict")["model-index"][0]["results"][0]
                 ["metrics"] if m["type"] == "symlogic-claim"]
    masks = np.arange(16)
    truth = all(Fraction(float(rec.values[t])) >= threshold for t in masks[(masks >> 1) & 1 == 1])  # brute force
    assert metric["value"] == (1 if truth else 0) and metric["args"]["proven"] is truth


def test_a_long_formula_is_named_by_its_hash_not_pasted_whole():
    n = 8
    terms = [("and", m, (m % 7 + 1) / 8) for m in range(1, 1 << n) if bin(m).count("1") == 3]  # 56 terms
    lm = LogicModel.from_terms([f"feature_{i}" for i in range(n)], 0.0, terms)
    rec = Record.from_table(lm.table(), lm.names)
    ev = evidence(lm, rec)
    assert len(str(lm)) > 2000
    args = ev.model_card(model_name="m", dataset="d", format="dict")["model-index"][0]["results"][0]["metrics"][0]["args"]
    assert "formula" not in args and args["model_sha256"] == ev.verdict.model_sha256 and args["terms"] == 56
    md = ev.model_card(model_name="m", dataset="d", format="markdown")
    assert "(56 terms in all: the bundle holds them exactly)" in md and len(md) < 4000
