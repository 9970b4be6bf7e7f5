"""The HTML report of a study: one self-contained page (inline SVG, no script, no fetch).

Sections (stable ids for tests and tools): ``summary``, ``order-distribution``, ``comparison`` (when
another study is given), ``sparsity``, ``claims``, ``samples`` (one row per sample) and ``settings``.
Every user string is HTML-escaped.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..figures.canvas import figure_to_svg
from .plots import plot_claim_shares, plot_order_distribution, plot_sparsity

if TYPE_CHECKING:
    from .study import Study

__all__ = ["render_study_report", "write_study_report"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0 auto;
       max-width: 1280px; padding: 1.5rem; color: #1d1d1d; line-height: 1.4; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; border-bottom: 1px solid #ddd; margin-top: 2rem; }
table { border-collapse: collapse; font-size: .85rem; margin: .5rem 0; }
th, td { border: 1px solid #ddd; padding: .2rem .45rem; text-align: left; overflow-wrap: anywhere; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.fail td { background: #fdecea; } tr.weak td { background: #fff4e0; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; display: block; }
figcaption, .note { color: #444; font-size: .9rem; }
#summary { background: #f6f8fa; border: 1px solid #e1e4e8; padding: .6rem .9rem; border-radius: 3px; }
pre { background: #f6f8fa; padding: .6rem; white-space: pre-wrap; font-size: .85rem; }
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _figure(fig_id: str, fig: Any, caption: str) -> str:
    return f'<figure id="{fig_id}">{figure_to_svg(fig, fig_id + "-")}<figcaption>{_e(caption)}</figcaption></figure>'


def _sample_rows(study: "Study") -> str:
    from ..weak import is_weak

    spars = study.sparsity().per_sample if study.samples else []
    rows = []
    for s, share in zip(study.samples, spars):
        v = s.verdict
        rel = v.relative_epsilon
        cls = "fail" if not v.holds else ("weak" if is_weak(rel) else "")
        word = "not proven" if not v.holds else ("proven (weak)" if cls == "weak" else "proven")
        rows.append(f'<tr class="{cls}"><td class="num">{s.index}</td><td><code>{_e(s.key[:16])}</code></td>'
                    f'<td class="num">{s.record.n}</td><td class="num">{len(s.logic_model.concepts)}</td>'
                    f'<td>{_e(word)}</td><td class="num">{"—" if rel is None else f"{100 * rel:.3g} %"}</td>'
                    f'<td class="num">{100 * share:.3g} %</td><td class="num">{"—" if s.seconds is None else f"{s.seconds:.2f}"}</td></tr>')
    head = ("<tr><th>#</th><th>key</th><th>n</th><th>concepts in the formula</th><th>ε-equivalence</th>"
            "<th>ε / output range</th><th>salient / 2^n</th><th>seconds</th></tr>")
    return f'<table id="sample-table">{head}{"".join(rows)}</table>'


def render_study_report(study: "Study", *, compare_with: "Study | None" = None,
                        labels: tuple[str, str] = ("this study", "other study"), title: str | None = None) -> str:
    """The report as one HTML string."""
    claims = study.explained_claims() + study.claims
    body = [f"<h1>{_e(title or f'symlogic study: {len(study)} samples')}</h1>",
            '<div id="summary">' + "".join(f"<p>{_e(line)}</p>" for line in study.summary_lines()) + "</div>"]
    if study.samples:
        od = study.order_distribution()
        body += ['<section id="order-distribution"><h2>Order distribution</h2>',
                 _figure("od-share", plot_order_distribution(od, what="share"),
                         "Each order's share of a sample's salient strength: mean over samples, whisker ± one sd."),
                 _figure("od-count", plot_order_distribution(od, what="count"),
                         "Salient concepts per order (AND blue, OR orange): mean over samples, whisker ± one sd."),
                 f"<pre>{_e(od.table('share'))}</pre></section>"]
        if compare_with is not None and compare_with.samples:
            cmp = study.compare(compare_with, labels=labels)
            body += ['<section id="comparison"><h2>Comparison</h2>',
                     _figure("cmp-share", cmp.plot(what="share"), f"{labels[0]} against {labels[1]}: share of salient "
                                                                   "strength per order (mean ± sd over samples)."),
                     f"<pre>{_e(cmp.table('share'))}</pre></section>"]
        body += ['<section id="sparsity"><h2>Sparsity</h2>',
                 _figure("sparsity-and-or", plot_sparsity(study.sparsity()),
                         "Salient AND-OR concepts of the sparse split as a share of the 2^n subsets, per sample."),
                 _figure("sparsity-and", plot_sparsity(study.sparsity(kind="and")),
                         "Salient AND (Harsanyi) interactions of the recorded table as a share of the 2^n subsets."),
                 "</section>"]
    body += ['<section id="claims"><h2>Claims</h2>']
    if claims:
        body.append(_figure("claim-shares", plot_claim_shares(claims), "Share of applicable samples per outcome."))
        body.append("<ul>" + "".join(f"<li>{_e(c.summary())}</li>" for c in claims) + "</ul>")
    else:
        body.append("<p>No claims.</p>")
    body += ["</section>", '<section id="samples"><h2>Samples</h2>', _sample_rows(study), "</section>",
             f'<section id="settings"><h2>Settings</h2><pre>{_e(json.dumps(study.settings, indent=1, sort_keys=True, default=str))}</pre></section>']
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
            f"<title>{_e(title or 'symlogic study')}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def write_study_report(study: "Study", path: str | os.PathLike[str], **kwargs: Any) -> str:
    """Write :func:`render_study_report` to ``path``; returns the path."""
    Path(path).write_text(render_study_report(study, **kwargs), encoding="utf-8")
    return os.fspath(path)
