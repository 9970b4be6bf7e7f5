"""Per-variable attributions from AND interactions (docs/theory.md §2.5), a cross-check against peers.

Both are *semivalues* of the dividends: φ(i) = Σ_{S∋i} w(|S|)·I_and(S) with one weight per set size
(w(s) = 1/s for Shapley, 2^{1−s} for Banzhaf); :func:`_semivalue` is that one sum, and the
interaction-index registry (:mod:`symlogic.interactions`, indices "Shapley" and "Banzhaf") calls
these functions rather than repeating them.

Each attribution sums up to 2^(n−1) interactions, which can overflow where every interaction is
finite; such a result is refused with an :class:`~symlogic.errors.InputError` (rescale the table by
a power of two), never returned as ±inf or NaN.

torch is never imported here: a tensor can only reach these functions once its caller has imported
torch, and it is recognised through ``sys.modules``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from .errors import InputError
from .masks import popcount
from .transforms import require_finite, n_from_length

if TYPE_CHECKING:  # pragma: no cover
    import torch

    Table = TypeVar("Table", np.ndarray, torch.Tensor)
else:
    Table = TypeVar("Table")

__all__ = ["shapley_values", "banzhaf_values"]


def _is_tensor(x: Any) -> bool:
    """Whether ``x`` is a torch tensor, without importing torch (a tensor implies torch is loaded)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def _per_variable_sum(weighted: Table, n: int) -> Table:
    """out[..., i] = Σ_{S∋i} weighted[..., S], in O(n·2^n)."""
    lead = tuple(weighted.shape[:-1])
    tensor = _is_tensor(weighted)
    if n == 0:  # no variables: an empty attribution per table
        return weighted.new_zeros(lead + (0,)) if tensor else np.zeros(lead + (0,))
    cols = []
    for i in range(n):
        half = weighted.reshape(lead + (1 << (n - 1 - i), 2, 1 << i))[..., 1, :]
        if tensor:
            cols.append(half.sum(dim=(-2, -1)))
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                cols.append(half.sum(axis=(-2, -1)))
    if tensor:
        import torch

        return torch.stack(cols, dim=-1)
    return np.stack(cols, axis=-1)


def _weighted(interactions: Table, weights: np.ndarray) -> Table:
    if _is_tensor(interactions):
        import torch

        w = torch.as_tensor(weights, dtype=interactions.dtype if interactions.is_floating_point() else torch.float64,
                            device=interactions.device)
        return interactions * w
    with np.errstate(over="ignore", invalid="ignore"):  # the ∅ entry (weight up to 2) is never summed
        return np.asarray(interactions, dtype=np.float64) * weights


def _semivalue(and_interactions: Table, size_weights: np.ndarray, what: str) -> Table:
    """φ(i) = Σ_{S∋i} size_weights[|S|]·I_and(S), batched over leading axes, numpy or torch.

    ``size_weights`` has n + 1 entries (entry 0, the ∅ weight, is never used: ∅ holds no variable).
    An overflowing sum is refused (InputError naming ``what``).
    """
    n = n_from_length(int(and_interactions.shape[-1]))
    size_weights = np.asarray(size_weights, dtype=np.float64)
    if size_weights.shape != (n + 1,):
        raise InputError(f"{what}: need {n + 1} size weights (sizes 0 … {n}), got shape {size_weights.shape}")
    out = _per_variable_sum(_weighted(and_interactions, size_weights[popcount(n)]), n)
    return require_finite(out, and_interactions, what, n)


def shapley_values(and_interactions: Table) -> Table:
    """Shapley values φ(i) = Σ_{S∋i} I_and(S)/|S| from AND (Harsanyi) interactions (docs/theory.md §2.5).

    Efficiency: Σ_i φ(i) = v(N) − v(∅). Batched over leading axes; numpy in, numpy out; torch in,
    torch out. Also available as ``symlogic.interactions.interactions(table, "Shapley")``.

    Examples:
        >>> import numpy as np
        >>> from symlogic import and_interactions
        >>> shapley_values(and_interactions(np.array([0.0, 0.0, 0.0, 1.0])))  # v = AND(x0, x1)
        array([0.5, 0.5])
    """
    n = n_from_length(int(and_interactions.shape[-1]))
    sizes = np.arange(n + 1, dtype=np.float64)
    weights = np.divide(1.0, sizes, out=np.zeros_like(sizes), where=sizes > 0)
    return _semivalue(and_interactions, weights, "shapley_values")


def banzhaf_values(and_interactions: Table) -> Table:
    """Banzhaf values β(i) = Σ_{S∋i} I_and(S)/2^{|S|−1} from AND interactions (docs/theory.md §2.5).

    Batched over leading axes; numpy in, numpy out; torch in, torch out. Also available as
    ``symlogic.interactions.interactions(table, "Banzhaf")``.

    Examples:
        >>> import numpy as np
        >>> from symlogic import and_interactions
        >>> banzhaf_values(and_interactions(np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0])))
        array([0.25, 0.25, 0.25])
    """
    n = n_from_length(int(and_interactions.shape[-1]))
    weights = np.ldexp(1.0, -(np.arange(n + 1) - 1).astype(np.int32))
    return _semivalue(and_interactions, weights, "banzhaf_values")
