"""Per-variable attributions from AND interactions (docs/theory.md §2), a cross-check against peers.

Each attribution sums up to 2^(n−1) interactions, which can overflow where every interaction is
finite; such a result is refused with an :class:`~symlogic.errors.InputError` (rescale the table by
a power of two), never returned as ±inf or NaN.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch

from .masks import popcount
from .transforms import _require_finite, n_from_length

Table = TypeVar("Table", np.ndarray, torch.Tensor)

__all__ = ["shapley_values", "banzhaf_values"]


def _per_variable_sum(weighted: Table, n: int) -> Table:
    """out[..., i] = Σ_{S∋i} weighted[..., S], in O(n·2^n)."""
    lead = tuple(weighted.shape[:-1])
    if n == 0:  # no variables: an empty attribution per table
        if isinstance(weighted, torch.Tensor):
            return weighted.new_zeros(lead + (0,))
        return np.zeros(lead + (0,))
    cols = []
    for i in range(n):
        half = weighted.reshape(lead + (1 << (n - 1 - i), 2, 1 << i))[..., 1, :]
        if isinstance(half, np.ndarray):
            with np.errstate(over="ignore", invalid="ignore"):
                cols.append(half.sum(axis=(-2, -1)))
        else:
            cols.append(half.sum(dim=(-2, -1)))
    if isinstance(weighted, torch.Tensor):
        return torch.stack(cols, dim=-1)
    return np.stack(cols, axis=-1)


def _weighted(interactions: Table, weights: np.ndarray) -> Table:
    if isinstance(interactions, torch.Tensor):
        w = torch.as_tensor(weights, dtype=interactions.dtype if interactions.is_floating_point() else torch.float64,
                            device=interactions.device)
        return interactions * w
    with np.errstate(over="ignore", invalid="ignore"):  # the ∅ entry (weight up to 2) is never summed
        return np.asarray(interactions, dtype=np.float64) * weights


def shapley_values(and_interactions: Table) -> Table:
    """Shapley values φ(i) = Σ_{S∋i} I_and(S)/|S| from AND (Harsanyi) interactions.

    Efficiency: Σ_i φ(i) = v(N) − v(∅). Batched over leading axes.
    """
    n = n_from_length(int(and_interactions.shape[-1]))
    size = popcount(n).astype(np.float64)
    weights = np.divide(1.0, size, out=np.zeros_like(size), where=size > 0)
    out = _per_variable_sum(_weighted(and_interactions, weights), n)
    return _require_finite(out, and_interactions, "shapley_values", n)


def banzhaf_values(and_interactions: Table) -> Table:
    """Banzhaf values β(i) = Σ_{S∋i} I_and(S)/2^{|S|−1} from AND interactions."""
    n = n_from_length(int(and_interactions.shape[-1]))
    weights = np.ldexp(1.0, -(popcount(n) - 1).astype(np.int32))
    out = _per_variable_sum(_weighted(and_interactions, weights), n)
    return _require_finite(out, and_interactions, "banzhaf_values", n)
