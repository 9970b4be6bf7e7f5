"""One self-contained HTML report of a checked logic model: formula, verdicts, claims, pictures, provenance.

The file references nothing outside itself: pictures are inline ``<svg>`` (from matplotlib, with
namespace URLs and ids rewritten), CSS is one ``<style>`` block, there is no script, and a
Content-Security-Policy forbids any fetch, so it opens the same offline, in a mail attachment or
in an archive years later. Every user string is HTML-escaped.

Stable hooks for tests and tools: ``id="summary"``, ``id="extraction"`` (when given), ``id="formula"``, ``id="terms"``,
``id="verdicts"`` with ``class="verdict pass|weak|fail|unknown"`` (``weak``: holds, but ε is more than
``defaults.WEAK`` of the output range; the summary then reads WEAK, never PROVEN alone),, ``id="claims"`` with
``class="claim pass|refuted|unknown"`` (``fail`` for a claim given without a status), ``id="graph"`` (holds the inline ``<svg>``), ``id="pictures"``, ``id="front"`` (when a front is given)
and ``id="provenance"``.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..defaults import WEAK
from ..weak import is_weak, weak_advice
from ..errors import InputError
from ..export.graph import to_networkx
from ..logic import LogicModel
from ..results import status_word
from .canvas import figure_to_svg
from .graph import render
from .plots import plot_concept_strengths, plot_error_curve, plot_fit, plot_order_profile, plot_pareto

__all__ = ["render_report", "write_report"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_CSS = """
:root { --pass: #1b7a2f; --pass-bg: #e8f5eb; --weak: #a15c00; --weak-bg: #fff4e0; --fail: #b3261e; --fail-bg: #fdecea; --unk: #6b6b6b; --unk-bg: #f1f1f1; --ref: #1f4e9c; --ref-bg: #e9effa; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0 auto;
       max-width: 1280px; padding: 1.5rem; color: #1d1d1d; background: #ffffff; line-height: 1.4; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; } h2 { font-size: 1.25rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2rem; }
pre { background: #f6f8fa; border: 1px solid #e1e4e8; border-radius: 4px; padding: .75rem; white-space: pre-wrap;
      overflow-wrap: anywhere; font-size: .95rem; }
.formula-text { font-size: 1.1rem; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .9rem; }
th, td { border: 1px solid #ddd; padding: .25rem .5rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.badge { display: inline-block; font-weight: 700; padding: .05rem .5rem; border-radius: 3px; color: #fff; margin-right: .5rem; }
.verdict, .claim { border-left: 6px solid var(--unk); background: var(--unk-bg); padding: .6rem .9rem; margin: .6rem 0; border-radius: 3px; }
.pass { border-left-color: var(--pass); background: var(--pass-bg); } .pass .badge { background: var(--pass); }
.fail { border-left-color: var(--fail); background: var(--fail-bg); } .fail .badge { background: var(--fail); }
.unknown .badge { background: var(--unk); }
.weak { border-left-color: var(--weak); background: var(--weak-bg); } .weak .badge { background: var(--weak); }
.refuted { border-left-color: var(--ref); background: var(--ref-bg); } .refuted .badge { background: var(--ref); }
.verdict h3, .claim h3 { font-size: 1.05rem; margin: 0 0 .3rem; }
.claim-text { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.meta { color: #444; font-size: .9rem; margin: .2rem 0; }
.counterexample { margin-top: .4rem; } .counterexample caption { text-align: left; font-weight: 600; }
.explanation { margin: .3rem 0 0; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #444; font-size: .9rem; }
#summary { font-size: 1.05rem; padding: .6rem .9rem; border-radius: 3px; }
.and { color: #1f5fa8; font-weight: 600; } .or { color: #b35f00; font-weight: 600; }
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _value(x: Any) -> str:
    """A value as readable, escaped text."""
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, (float, np.floating)):
        return _e(f"{float(x):.6g}")
    if isinstance(x, (int, np.integer)):
        return _e(int(x))
    if isinstance(x, (list, tuple)) and all(not isinstance(v, (dict, list, tuple)) for v in x):
        return _e(", ".join(str(v) for v in x)) if x else "(none)"
    if isinstance(x, (dict, list, tuple)):
        return _e(json.dumps(x, ensure_ascii=False, default=str))
    return _e(x)


def _status(holds: Any) -> tuple[str, str]:
    if holds is True or (isinstance(holds, np.bool_) and bool(holds)):
        return "pass", "PASS"
    if holds is False or (isinstance(holds, np.bool_) and not bool(holds)):
        return "fail", "FAIL"
    return "unknown", "UNKNOWN"


def _kv_table(items: Mapping[str, Any], caption: str = "", cls: str = "") -> str:
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_value(v)}</td></tr>" for k, v in items.items())
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return f'<table class="{_e(cls)}">{cap}{rows}</table>'


def _counterexample(cx: Any) -> str:
    if cx is None:
        return ""
    if not isinstance(cx, Mapping):
        return f'<p class="counterexample">Counterexample: {_value(cx)}</p>'
    return _kv_table(cx, "Counterexample", "counterexample")


def _relative(v: Mapping[str, Any], output_range: float | None) -> float | None:
    """ε / (max v − min v) of a verdict dict: its own ``relative_epsilon``, else from ``output_range``."""
    rel = v.get("relative_epsilon")
    if isinstance(rel, (int, float)) and not isinstance(rel, bool) and math.isfinite(rel):
        return float(rel)
    eps, spread = v.get("epsilon"), output_range if output_range is not None else v.get("output_range")
    if isinstance(eps, (int, float)) and isinstance(spread, (int, float)) and spread and math.isfinite(float(eps)):
        return float(eps) / float(spread)
    return None


def _verdict(v: Mapping[str, Any], output_range: float | None = None, weak: float = WEAK) -> str:
    cls, word = _status(v.get("holds"))
    rel = _relative(v, output_range)
    if cls == "pass" and is_weak(rel, weak):
        cls, word = "weak", "HOLDS · WEAK"
    parts = [f'<div class="verdict {cls}" data-holds="{cls}">',
             f'<h3><span class="badge">{word}</span><span class="name">{_e(v.get("name", "verdict"))}</span></h3>']
    labels = (("epsilon", "ε"), ("relative_epsilon", "ε / output range"), ("max_error", "max |v − f|"),
              ("engines", "engines"), ("seconds", "seconds"))
    parts.append(_meta(dict(v, relative_epsilon=None if rel is None else f"{100 * rel:.3g} %"), labels))
    if cls == "weak":
        parts.append(f'<p class="explanation">A weak explanation: ε is {100 * rel:.3g} % of the output range '
                     f'(more than {100 * weak:g} %), so the proof says little about the network.</p>')
    parts.append(_details(v, ("name", "holds", *(k for k, _ in labels))))
    return "".join(parts)


def _claim_status(c: Mapping[str, Any]) -> tuple[str, str]:
    """A claim's card class and badge: a refuted claim is a finding (REFUTED, not a red FAIL), an
    undecided one is UNDECIDED or UNKNOWN; a claim without a status falls back to ``holds``."""
    status = c.get("status")
    if status == "fails":
        return "refuted", status_word("fails", "claim")
    if status in ("undecided", "unknown"):
        return "unknown", status_word(status, "claim")
    if status == "holds":
        return "pass", "HOLDS"
    return _status(c.get("holds"))


def _claim(c: Mapping[str, Any]) -> str:
    cls, word = _claim_status(c)
    parts = [f'<div class="claim {cls}" data-holds="{cls}">',
             f'<h3><span class="badge">{word}</span><span class="claim-text">{_e(c.get("claim", ""))}</span></h3>']
    labels = (("route", "route"), ("engines", "engines"), ("seconds", "seconds"))
    parts.append(_meta(c, labels))
    if c.get("explanation"):
        parts.append(f'<p class="explanation">{_e(c["explanation"])}</p>')
    parts.append(_details(c, ("claim", "holds", "explanation", *(k for k, _ in labels))))
    return "".join(parts)


def _engines(engines: Any) -> str:
    """Engine reports as "z3 holds, enumeration holds" (a mapping as "z3 unsat"); else as a value."""
    if isinstance(engines, Mapping):
        return _e(", ".join(f"{k} {v}" for k, v in engines.items()))
    if isinstance(engines, list) and all(isinstance(x, Mapping) and "name" in x for x in engines):
        return _e(", ".join(f"{x['name']} {x.get('outcome', '')}".strip() for x in engines))
    return _value(engines)


def _meta(item: Mapping[str, Any], labels: Sequence[tuple[str, str]]) -> str:
    """The one-line ``label: value · …`` summary of the keys in ``labels`` that ``item`` has."""
    meta = [f'{_e(label)}: <span class="{_e(key)}">{_engines(item[key]) if key == "engines" else _value(item[key])}</span>'
            for key, label in labels if item.get(key) is not None]
    return f'<p class="meta">{" · ".join(meta)}</p>' if meta else ""


def _details(item: Mapping[str, Any], shown: Sequence[str]) -> str:
    """Every key not already ``shown`` as a details table, then the counterexample, closing the card."""
    extra = {k: x for k, x in item.items() if k not in shown and k != "counterexample"}
    return (_kv_table(extra, "", "details") if extra else "") + _counterexample(item.get("counterexample")) + "</div>"


def _flatten(d: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested provenance as (dotted key, value) rows."""
    rows: list[tuple[str, Any]] = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            rows += _flatten(v, key + ".")
        else:
            rows.append((key, v))
    return rows


def _terms_table(lm: LogicModel) -> str:
    total = sum(abs(t.coefficient) for t in lm.concepts) or 1.0
    rows = [f'<tr><td>bias</td><td>—</td><td class="num">{_value(lm.bias)}</td>'
            f'<td class="num">{_e(lm.terms[0].to_dict()["coefficient_exact"])}</td><td class="num">0</td><td class="num">—</td></tr>']
    for t in lm.concepts:
        d = t.to_dict()
        rows.append(f'<tr class="term {t.kind}"><td class="{t.kind}">{t.kind.upper()}</td><td>{_e(", ".join(t.names))}</td>'
                    f'<td class="num">{_value(t.coefficient)}</td><td class="num">{_e(d["coefficient_exact"])}</td>'
                    f'<td class="num">{t.order}</td><td class="num">{abs(t.coefficient) / total:.1%}</td></tr>')
    head = "<tr><th>kind</th><th>variables</th><th>coefficient</th><th>exact</th><th>order</th><th>share</th></tr>"
    return f'<table id="terms">{head}{"".join(rows)}</table>'


def _curve(error_curve: Any) -> tuple[list[float], list[float], int | None]:
    """Accept (k_values, eps_values) or a mapping with k/epsilon (and optional chosen_k)."""
    if isinstance(error_curve, Mapping):
        k = error_curve.get("k", error_curve.get("k_values"))
        eps = error_curve.get("epsilon", error_curve.get("eps", error_curve.get("eps_values")))
        if k is None or eps is None:
            raise InputError(f"error_curve needs keys 'k' and 'epsilon', got {sorted(error_curve)}")
        return list(k), list(eps), error_curve.get("chosen_k")
    try:
        k, eps = error_curve
    except (TypeError, ValueError):
        raise InputError("error_curve must be (k_values, eps_values) or {'k': [...], 'epsilon': [...]}") from None
    return list(k), list(eps), None


def _figure(fig_id: str, svg: str, caption: str) -> str:
    return f'<figure id="{fig_id}">{svg}<figcaption>{_e(caption)}</figcaption></figure>'


def _default_epsilon(verdicts: Sequence[Mapping[str, Any]]) -> float | None:
    for v in verdicts:
        eps = v.get("epsilon")
        if isinstance(eps, (int, float, np.floating)) and not isinstance(eps, bool) and math.isfinite(float(eps)):
            return float(eps)
    return None


def render_report(*, title: str, formula_text: str, formula_latex: str, verdicts: Sequence[Mapping[str, Any]],
                  claims: Sequence[Mapping[str, Any]], provenance: Mapping[str, Any], lm: LogicModel,
                  record_values: Sequence[float] | np.ndarray | None = None,
                  model_values: Sequence[float] | np.ndarray | None = None, epsilon: float | None = None,
                  error_curve: Any = None, shapley: Sequence[float] | np.ndarray | None = None,
                  extraction: str | None = None, output_range: float | None = None,
                  front: Mapping[str, Any] | None = None, weak: float = WEAK) -> str:
    """The report as one self-contained HTML string.

    Args:
        title: page title.
        formula_text: the readable formula (e.g. ``str(lm)`` or the SymPy string).
        formula_latex: its LaTeX source, shown in a collapsible block.
        verdicts: dicts with ``name``, ``holds``, and optionally ``epsilon``, ``max_error``,
            ``engines``, ``seconds``, ``counterexample`` (a dict, e.g. mask and present variables);
            other keys are listed as details.
        claims: dicts with ``claim``, ``holds`` and optionally ``route``, ``engines``,
            ``counterexample``, ``explanation``.
        provenance: fingerprints, settings, versions; nested dicts become dotted keys.
        lm: the logic model (term table, graph, strengths, order profile).
        record_values: v on all 2^n masks; with it the report shows the fit picture.
        model_values: f on all masks (defaults to ``lm.table()`` when record_values is given).
        epsilon: the proven bound; defaults to the first verdict's ``epsilon``.
        error_curve: ``(k_values, eps_values)`` or ``{"k": …, "epsilon": …, "chosen_k": …}``.
        shapley: per-variable attributions for the graph (defaults to the model's own).
        extraction: one line on the extraction (its L1, certified bound and status), shown under
            the summary.
        output_range: max v − min v of the record: ε is stated as a share of it, and a verdict
            whose ε exceeds ``weak`` of it is shown as WEAK, not PROVEN.
        front: the size-vs-error front, ``{"terms": [...], "relative_epsilon": [...], "chosen": k,
            "target": share}``: drawn, and used to say what size reaches the target.
    """
    if epsilon is None:
        epsilon = _default_epsilon(verdicts)
    if record_values is not None:
        record_values = np.asarray(record_values, dtype=np.float64).ravel()
        if record_values.size != 1 << lm.n:
            raise InputError(f"record_values must hold one output per mask (2^{lm.n} = {1 << lm.n}), got {record_values.size}")
        model_values = lm.table() if model_values is None else np.asarray(model_values, dtype=np.float64).ravel()

    g = to_networkx(lm, shapley=shapley, epsilon=epsilon, record_values=record_values)
    pictures = [_figure("strengths", figure_to_svg(plot_concept_strengths(lm, width=900), "s-"),
                        "Concepts by |coefficient| (AND blue, OR orange, negative hatched)."),
                _figure("order-profile", figure_to_svg(plot_order_profile(lm), "o-"),
                        "Strength and number of concepts per order |S|.")]
    if error_curve is not None:
        k, eps, chosen = _curve(error_curve)
        pictures.append(_figure("error-curve", figure_to_svg(plot_error_curve(k, eps, chosen_k=chosen, target=epsilon), "e-"),
                                "Tightest ε of the model built from the top-k concepts."))
    if record_values is not None and model_values is not None:
        pictures.append(_figure("fit", figure_to_svg(plot_fit(record_values, model_values, epsilon), "f-"),
                                "Recorded output v(T) against the logic model f(T) on every mask, with the ε band."))

    if front is not None:
        pictures.insert(0, _figure("front", figure_to_svg(plot_pareto(front["terms"], front["relative_epsilon"],
                                                                      target=front.get("target"), chosen=front.get("chosen"),
                                                                      weak=weak), "p-"),
                                   "Formula size against proven error: each point is the sparsest formula found "
                                   "with that many terms, proven on every mask; the shaded band is weak."))
    # The summary is about the proof: verdicts must hold. A refuted claim is a result, not a failure
    # of the evidence, so claims are counted, not judged.
    n_pass = sum(_status(v.get("holds"))[0] == "pass" for v in verdicts)
    kinds = [_claim_status(c)[0] for c in claims]
    c_pass, c_refuted = kinds.count("pass"), kinds.count("refuted") + kinds.count("fail")
    proven = n_pass == len(verdicts)
    rel = _relative(verdicts[0], output_range) if verdicts else None
    weak_proof = proven and is_weak(rel, weak)
    cls, badge = ("weak", "PROVEN · WEAK") if weak_proof else (("pass", "PROVEN") if proven else ("fail", "NOT PROVEN"))
    summary = (f'<p id="summary" class="{cls}"><span class="badge">{badge}</span>'
               f'{n_pass} of {len(verdicts)} verdicts hold; claims: {c_pass} hold, {c_refuted} refuted, '
               f'{len(claims) - c_pass - c_refuted} undecided. '
               f'{lm.n} variables, {len(lm.concepts)} concepts'
               + (f", ε = {_value(epsilon)}" if epsilon is not None else "")
               + (f" ({100 * rel:.3g} % of the output range)" if rel is not None else "") + "."
               + (" " + _e(weak_advice(rel, weak, front)) if weak_proof else "") + "</p>")

    prov_rows = "".join(f"<tr><th>{_e(k)}</th><td>{_value(v)}</td></tr>" for k, v in _flatten(provenance))
    body = [
        f"<h1>{_e(title)}</h1>",
        summary,
        f'<p id="extraction">{_e(extraction)}</p>' if extraction else "",
        '<section id="formula"><h2>Formula</h2>',
        f'<pre class="formula-text">{_e(formula_text)}</pre>',
        f'<details><summary>LaTeX source</summary><pre class="formula-latex">{_e(formula_latex)}</pre></details>',
        "<h3>Terms</h3>", _terms_table(lm), "</section>",
        '<section id="verdicts"><h2>Verdicts</h2>',
        "".join(_verdict(v, output_range, weak) for v in verdicts) or "<p>No verdicts.</p>", "</section>",
        '<section id="claims"><h2>Claims</h2>',
        "".join(_claim(c) for c in claims) or "<p>No claims.</p>", "</section>",
        '<section id="graph"><h2>Graph</h2>',
        _figure("graph-figure", figure_to_svg(render(g), "g-"),
                "Variables (left, with Shapley value φ) → AND/OR concepts → output; edge width ∝ |coefficient|."),
        "</section>",
        '<section id="pictures"><h2>Pictures</h2>', "".join(pictures), "</section>",
        f'<section id="provenance"><h2>Provenance</h2><table>{prov_rows}</table></section>',
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def write_report(path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`render_report` (same keyword arguments) to ``path`` as UTF-8; returns the path."""
    path = Path(path)
    path.write_text(render_report(**kwargs), encoding="utf-8")
    return path
