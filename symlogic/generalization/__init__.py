"""Across models and samples: joint extraction, the generalization metrics, attribution of change.

- :func:`extract_joint` (:mod:`.joint`): the interactions of m models (or m samples) on one
  variable layout, extracted together so that shared sets are preferred (Chen et al., ICLR 2024),
  as a certified LP (docs/theory.md §3.8); the result is a :class:`JointExtraction`
  (:mod:`.result`), with the LP in :mod:`._lp` and the dual bound in :mod:`.bound`.
- :mod:`.metrics`: transferability over samples ρ(k), overlap across models, the IoU-like
  similarity (Jaccard), top-k overlap and discrimination power, on plain sets and dicts of concepts.
- :func:`attribute_change` (:mod:`.change`): Δv between two extractions of one input, per concept
  and per mask, exactly.

Importing this package loads no solver and no torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_attributes

_LAZY = {
    "extract_joint": "joint", "JointExtraction": "result", "SharedConcept": "result", "JointRecheck": "result",
    "joint_loss": "bound", "joint_dual_bound": "bound", "dual_norm": "bound",
    "attribute_change": "change", "ChangeAttribution": "change", "ConceptChange": "change",
    "concept_dict": "metrics", "concept_dictionary": "metrics", "concept_frequency": "metrics",
    "samplewise_transferability": "metrics", "transferability_curve": "metrics", "overlap": "metrics",
    "jaccard": "metrics", "top_k_overlap": "metrics", "discrimination_power": "metrics",
    "overall_discrimination_power": "metrics",
}

__all__ = [
    "extract_joint", "JointExtraction", "SharedConcept", "JointRecheck", "joint_loss", "joint_dual_bound", "dual_norm",
    "attribute_change", "ChangeAttribution", "ConceptChange", "concept_dict", "concept_dictionary",
    "concept_frequency", "samplewise_transferability", "transferability_curve", "overlap", "jaccard",
    "top_k_overlap", "discrimination_power", "overall_discrimination_power",
]

if TYPE_CHECKING:
    from .bound import dual_norm, joint_dual_bound, joint_loss
    from .change import ChangeAttribution, ConceptChange, attribute_change
    from .joint import extract_joint
    from .metrics import (concept_dict, concept_dictionary, concept_frequency, discrimination_power, jaccard,
                          overall_discrimination_power, overlap, samplewise_transferability, top_k_overlap,
                          transferability_curve)
    from .result import JointExtraction, JointRecheck, SharedConcept

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
