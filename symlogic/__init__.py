"""symlogic: exact, checked AND-OR logic explanations of a neural network's output on one input.

The pipeline: record → interactions → extract (or sparsest / pareto) → LogicModel → verify / check → Evidence / graph.

    >>> import symlogic as sl
    >>> rec = sl.Record.from_table([0.0, 0.0, 0.0, 1.0], names=["a", "b"])
    >>> ex = sl.extract(rec, q_bound=0.0)
    >>> lm = ex.logic_model()
    >>> str(lm)
    'f = 0 + 1·AND(a, b)'
    >>> sl.verify(lm, rec).holds
    True

Every name is loaded on first use, so ``import symlogic`` loads neither torch, Z3 nor SymPy.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from . import backends as _backends
from .errors import BundleError, ClaimSyntaxError, InputError, ResourceError, SymlogicError
from .version import __version__
from .lazy import lazy_attributes

# name -> module that defines it, imported on first access: ``import symlogic`` loads neither torch
# nor Z3 nor SymPy, so ``symlogic --help`` answers at once and a library import stays cheap.
_LAZY = {
    # record
    "Record": "record", "record": "record", "record_model": "model_record",
    "estimate_recording": "record", "RecordingEstimate": "record",
    # interactions
    "and_interactions": "transforms", "and_values": "transforms", "mobius": "transforms",
    "or_interactions": "transforms", "or_sum": "transforms", "or_sum_transpose": "transforms",
    "or_values": "transforms", "subset_sum": "transforms", "superset_mobius": "transforms",
    "superset_sum": "transforms",
    "shapley_values": "attribution", "banzhaf_values": "attribution",
    "interactions": "interactions", "Interactions": "interactions", "register_index": "interactions",
    "INDICES": "interactions",
    # extract
    "extract": "extraction", "Extraction": "extraction", "Concept": "extraction",
    # logic model
    "LogicModel": "logic", "Term": "logic", "refit_minimax": "refit", "error_curve": "refit",
    "sparsest": "sparsest", "pareto": "pareto", "Pareto": "pareto", "ParetoPoint": "pareto",
    "fit_minimax": "minimax",
    # verify / check
    "verify": "verify", "Verdict": "verify", "EngineReport": "results",
    "check": "claims", "ClaimResult": "claims", "parse_claim": "claims",
    # evidence
    "evidence": "evidence", "Evidence": "evidence", "RecheckReport": "evidence", "BundleLimits": "evidence",
    "explain": "pipeline",
    # export and pictures
    "to_networkx": "export.graph", "to_graphml": "export.graph", "to_dot": "export.dot",
    "to_node_link_json": "export.graph", "to_mermaid": "export.mermaid", "render_graph": "figures.graph",
    "model_shapley": "export.graph",
    "plot_concept_strengths": "figures.plots", "plot_order_profile": "figures.plots",
    "plot_error_curve": "figures.plots", "plot_fit": "figures.plots", "plot_pareto": "figures.plots",
    "plot_image_concepts": "figures.overlay", "plot_text_concepts": "figures.overlay",
    "render_report": "figures.report", "write_report": "figures.report",
    # adapters
    "TabularAdapter": "adapters", "ImageAdapter": "adapters", "TextAdapter": "adapters",
    "CallableAdapter": "adapters", "record_tabular": "adapters", "record_image": "adapters",
    "record_text": "adapters", "record_callable": "adapters",
    "learn_baseline": "baselines", "LearnedBaseline": "baselines",
    # across models, samples and datasets
    "extract_joint": "generalization", "JointExtraction": "generalization",
    "attribute_change": "generalization", "ChangeAttribution": "generalization",
    "explain_many": "study", "Study": "study",
    # beyond exact enumeration: many candidates screened, a few explained exactly
    "screen": "screening", "Screening": "screening", "select_variables": "screening", "Selection": "screening",
}

# The exporters behind LogicModel's convenience methods (lm.to_sympy(), lm.to_latex(), lm.to_networkx(),
# lm.symbols, LogicModel.from_sympy): logic.py imports none of them and asks symlogic.backends instead.
for _name, _module in {"to_sympy": "export.symbolic", "from_sympy": "export.symbolic", "symbols_for": "export.symbolic",
                       "to_latex": "export.latex", "to_networkx": "export.graph"}.items():
    _backends.provide(_name, f"{__name__}.{_module}")
del _name, _module

__all__ = [
    "Record", "record", "record_model", "estimate_recording", "RecordingEstimate",
    "and_interactions", "and_values", "or_interactions", "or_values", "subset_sum", "mobius", "superset_sum",
    "superset_mobius", "or_sum", "or_sum_transpose", "shapley_values", "banzhaf_values",
    "interactions", "Interactions", "register_index", "INDICES",
    "extract", "Extraction", "Concept",
    "LogicModel", "Term", "refit_minimax", "error_curve", "sparsest", "pareto", "Pareto", "ParetoPoint",
    "fit_minimax",
    "verify", "Verdict", "EngineReport", "check", "ClaimResult", "parse_claim",
    "evidence", "Evidence", "RecheckReport", "BundleLimits", "explain",
    "plot_pareto", "plot_image_concepts", "plot_text_concepts", "learn_baseline", "LearnedBaseline",
    "extract_joint", "JointExtraction", "attribute_change", "ChangeAttribution", "explain_many", "Study",
    "screen", "Screening", "select_variables", "Selection",
    "SymlogicError", "InputError", "ResourceError", "ClaimSyntaxError", "BundleError",
    "__version__",
]

if TYPE_CHECKING:  # for type checkers and IDEs; at run time the names load on first use
    from .claims import ClaimResult, check, parse_claim
    from .evidence import BundleLimits, Evidence, RecheckReport, evidence
    from .extraction import Concept, Extraction, extract
    from .interactions import INDICES, Interactions, interactions, register_index
    from .baselines import LearnedBaseline, learn_baseline
    from .figures.overlay import plot_image_concepts, plot_text_concepts
    from .figures.plots import plot_pareto
    from .generalization import ChangeAttribution, JointExtraction, attribute_change, extract_joint
    from .screening import Screening, Selection, screen, select_variables
    from .study import Study, explain_many
    from .logic import LogicModel, Term
    from .minimax import fit_minimax
    from .pareto import Pareto, ParetoPoint, pareto
    from .model_record import record_model
    from .pipeline import explain
    from .record import Record, RecordingEstimate, estimate_recording, record
    from .refit import error_curve, refit_minimax
    from .sparsest import sparsest
    from .results import EngineReport
    from .verify import Verdict, verify


class _Package(types.ModuleType):
    """The package module: a submodule import must not hide the function of the same name.

    ``import symlogic.verify`` sets the attribute ``symlogic.verify`` to the submodule; with the
    names loaded lazily that would shadow the function ``verify`` (likewise ``record``,
    ``evidence``, ``interactions``). Such assignments are dropped: the submodule stays reachable
    through ``sys.modules`` and ``importlib.import_module``.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _LAZY.get(name) == name:  # module verify, function verify
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
