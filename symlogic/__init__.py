"""symlogic: exact, checked AND-OR logic explanations of a neural network's output on one input.

The pipeline: record → interactions → extract → LogicModel → verify / check → Evidence / graph.
"""

from __future__ import annotations

from .attribution import banzhaf_values, shapley_values
from .errors import BundleError, ClaimSyntaxError, InputError, ResourceError, SymlogicError
from .model_record import record_model
from .record import Record, record
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

__version__ = "0.1.0"
