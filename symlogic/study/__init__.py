"""Dataset scale: explain a model on many inputs, resumably, on a local pool or a Ray cluster.

:func:`explain_many` runs :func:`symlogic.explain` on every sample and returns a :class:`Study`
(per-sample results in input order; order distributions, sparsity, claims over the dataset, one
dataset-level evidence bundle and an HTML report). Results are content-addressed and saved in
``out/`` as they finish (:mod:`.store`), so a killed run resumes and two runs' folders merge.
See docs/study.md.

Modules: :mod:`.run` (explain_many), :mod:`.spec` (adapters and settings), :mod:`.keys` (content
addresses), :mod:`.work` (one task), :mod:`.executors` (serial, local pool, Ray), :mod:`.memory`
(the memory guard), :mod:`.store` (the results folder), :mod:`.stats` (order distributions,
sparsity), :mod:`.results` and :mod:`.study` (the results), :mod:`.archive` (the study bundle),
:mod:`.plots` and :mod:`.report` (pictures and the HTML report).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_attributes

_LAZY = {
    "explain_many": "run", "SampleError": "run", "Study": "study", "StudyComparison": "study",
    "SampleResult": "results", "SampleFailure": "results", "StudyClaim": "results",
    "OrderDistribution": "stats", "Sparsity": "stats", "order_distribution": "stats", "sparsity": "stats",
    "Executor": "executors", "LocalExecutor": "executors", "RayExecutor": "executors", "SerialExecutor": "executors",
    "ResultStore": "store", "StudyLimits": "archive", "plot_order_distribution": "plots", "plot_sparsity": "plots",
    "plot_claim_shares": "plots",
}

__all__ = sorted(_LAZY)

if TYPE_CHECKING:
    from .archive import StudyLimits
    from .executors import Executor, LocalExecutor, RayExecutor, SerialExecutor
    from .plots import plot_claim_shares, plot_order_distribution, plot_sparsity
    from .results import SampleFailure, SampleResult, StudyClaim
    from .run import SampleError, explain_many
    from .stats import OrderDistribution, Sparsity, order_distribution, sparsity
    from .store import ResultStore
    from .study import Study, StudyComparison

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
