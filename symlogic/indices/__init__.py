"""Interaction indices beyond AND and OR, by family; each family is registered in
:mod:`symlogic.index_registry` and computed through :func:`symlogic.interactions.interactions`.

- :mod:`.weights`: the exact (rational) weights of every index that is a weighted sum of Möbius
  dividends over supersets, in Möbius form and in value form, and the claim margin Σ|w|
  (docs/theory.md §2.6). Pure Python: claims use it without numpy kernels or torch.
- :mod:`.weighted_mobius`: the peer indices of the field (SII, BII, k-SII, STII, FSII, FBII,
  Co-Möbius) from the dividends, one vectorised kernel for all of them.

Names load on first use, so importing this package costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_attributes

_LAZY = {
    "weighted_mobius_sum": "weighted_mobius", "index_values": "weighted_mobius",
    "shapley_interactions": "weighted_mobius", "banzhaf_interactions": "weighted_mobius",
    "k_shapley_interactions": "weighted_mobius", "shapley_taylor_interactions": "weighted_mobius",
    "faithful_shapley_interactions": "weighted_mobius", "faithful_banzhaf_interactions": "weighted_mobius",
    "co_mobius": "weighted_mobius",
    "LINEAR_INDICES": "weights", "PEER_INDICES": "weights", "linear_index": "weights",
    "mobius_weights": "weights", "value_weights": "weights", "abs_weight_sum": "weights",
}

__all__ = sorted(_LAZY)

if TYPE_CHECKING:  # pragma: no cover
    from .weighted_mobius import (banzhaf_interactions, co_mobius, faithful_banzhaf_interactions,
                                  faithful_shapley_interactions, index_values, k_shapley_interactions,
                                  shapley_interactions, shapley_taylor_interactions, weighted_mobius_sum)
    from .weights import (LINEAR_INDICES, PEER_INDICES, abs_weight_sum, linear_index, mobius_weights,
                          value_weights)

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
