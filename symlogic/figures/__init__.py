"""Everything drawn: the matplotlib pictures, the graph picture, and the HTML report that holds them.

- :mod:`.canvas`: exact-pixel Agg figures, deterministic saving, inline SVG (``new_figure``,
  ``save_figure``, ``figure_to_svg``);
- :mod:`.plots`: concept strengths, order profile, error curve, the size-vs-error front, fit;
- :mod:`.graph`: the graph variables → concepts → output as a picture (``render``, ``render_graph``);
- :mod:`.overlay`: concepts drawn over their input, image patches and text tokens
  (``plot_image_concepts``, ``plot_text_concepts``);
- :mod:`.report`: one self-contained HTML page of a checked model (``render_report``, ``write_report``).

One package because the report is made of these pictures and nothing else draws: the pictures are
public on their own (``sl.plot_fit``, the CLI's ``graph`` command), so they are not report
internals, and the text exporters (:mod:`symlogic.export`) stay free of matplotlib. Names below
load their module on first use.
"""

from __future__ import annotations

from ..lazy import lazy_attributes

_WHERE = {
    "AND_COLOR": "canvas", "OR_COLOR": "canvas", "new_figure": "canvas", "save_figure": "canvas",
    "figure_to_svg": "canvas",
    "order_profile": "plots", "plot_concept_strengths": "plots", "plot_order_profile": "plots",
    "plot_error_curve": "plots", "plot_pareto": "plots", "plot_fit": "plots",
    "render": "graph", "render_graph": "graph",
    "plot_image_concepts": "overlay", "plot_text_concepts": "overlay", "strongest_concepts": "overlay",
    "render_report": "report", "write_report": "report",
}

__all__ = sorted(_WHERE)


__getattr__, __dir__ = lazy_attributes(__name__, _WHERE)
