"""symlogic: exact, checked AND-OR logic explanations of a neural network's output on one input.

The pipeline: record → interactions → extract → LogicModel → verify / check → Evidence / graph.

    >>> import symlogic as sl
    >>> rec = sl.Record.from_table([0.0, 0.0, 0.0, 1.0], names=["a", "b"])
    >>> ex = sl.extract(rec, q_bound=0.0)
    >>> lm = ex.logic_model()
    >>> str(lm)
    'f = 0 + 1·AND(a, b)'
    >>> sl.verify(lm, rec).holds
    True

Pictures, graph exporters, the HTML report, the claim checker and the model adapters are loaded
on first use, so ``import symlogic`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

from .attribution import banzhaf_values, shapley_values
from .errors import BundleError, ClaimSyntaxError, InputError, ResourceError, SymlogicError
from .evidence import Evidence, RecheckReport, evidence
from .extraction import Concept, Extraction, extract
from .interactions import INDICES, Interactions, interactions, register_index
from .logic import LogicModel, Term
from .model_record import record_model
from .pipeline import explain
from .record import Record, record
from .refit import error_curve, refit_minimax
from .transforms import (
    and_interactions,
    and_values,
    mobius,
    or_interactions,
    or_sum,
    or_sum_transpose,
    or_values,
    subset_sum,
    superset_mobius,
    superset_sum,
)
from .verify import Verdict, verify

from .version import __version__

# name -> module that defines it, imported on first access (heavy or optional dependencies).
_LAZY = {
    "check": "claims",
    "ClaimResult": "claims",
    "parse_claim": "claims",
    "to_networkx": "graph",
    "to_graphml": "graph",
    "to_dot": "graph",
    "to_node_link_json": "graph",
    "to_mermaid": "graph",
    "render_graph": "graph",
    "model_shapley": "graph",
    "plot_concept_strengths": "plot",
    "plot_order_profile": "plot",
    "plot_error_curve": "plot",
    "plot_fit": "plot",
    "render_report": "report",
    "write_report": "report",
    "TabularAdapter": "adapters",
    "ImageAdapter": "adapters",
    "TextAdapter": "adapters",
    "CallableAdapter": "adapters",
    "record_tabular": "adapters",
    "record_image": "adapters",
    "record_text": "adapters",
    "record_callable": "adapters",
}

__all__ = [
    "Record", "record", "record_model",
    "and_interactions", "and_values", "or_interactions", "or_values", "subset_sum", "mobius", "superset_sum",
    "superset_mobius", "or_sum", "or_sum_transpose", "shapley_values", "banzhaf_values",
    "interactions", "Interactions", "register_index", "INDICES",
    "extract", "Extraction", "Concept",
    "LogicModel", "Term", "refit_minimax", "error_curve",
    "verify", "Verdict",
    "evidence", "Evidence", "RecheckReport", "explain",
    "SymlogicError", "InputError", "ResourceError", "ClaimSyntaxError", "BundleError",
    "__version__", *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'symlogic' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
