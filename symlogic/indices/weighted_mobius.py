"""The peer interaction indices as weighted Möbius sums, exact and vectorised (docs/theory.md §2.6).

Each index of the field (shapiq's SII, BII, k-SII, STII, FSII, FBII, Co-Möbius) is

    I(S) = Σ_{U⊇S} c(|S|, |U|) m(U)

over the Möbius (Harsanyi) dividends m, with rational weights c from :mod:`.weights`. One kernel,
:func:`weighted_mobius_sum`, computes any such table: for a size class s, c(s, |U|) depends on U
only through |U|, so the values of all sets of size s are one superset-sum butterfly
(:func:`symlogic.transforms.superset_sum`) of m scaled by c(s, ·). Size classes whose weight rows
are proportional share one butterfly, and a class whose row is c(s, u) = [u = s] (the dividend
itself) needs none: BII and Co-Möbius cost one butterfly, STII one, k-SII/FSII/FBII at most k + 1
and SII n + 1, so O(n²·2^n) at worst and no Python loop over the 2^n sets.

Every function takes the dividends (``symlogic.and_interactions(v)``) as numpy or torch (any
device), batched over leading axes, and returns the same kind; values are in float64 for numpy and
in the tensor's own floating dtype for torch. Values are indexed by mask, ∅ included (its
convention per index is shapiq's, listed in docs/theory.md §2.6); an index with an order reports 0
above it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ..errors import InputError
from ..masks import popcount
from ..transforms import n_from_length, require_finite, superset_sum
from .weights import effective_order, linear_index, mobius_weights

if TYPE_CHECKING:  # pragma: no cover
    import torch

    Table = TypeVar("Table", np.ndarray, torch.Tensor)
else:
    Table = TypeVar("Table")

__all__ = [
    "weighted_mobius_sum",
    "index_values",
    "shapley_interactions",
    "banzhaf_interactions",
    "k_shapley_interactions",
    "shapley_taylor_interactions",
    "faithful_shapley_interactions",
    "faithful_banzhaf_interactions",
    "co_mobius",
    "COMPUTE",
]


def _is_tensor(x: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


Group = tuple[list[Fraction], list[tuple[int, Fraction]]]  # (base row b, [(size class s, scale)])


def _plan(coef: Sequence[Sequence[Fraction]]) -> tuple[list[tuple[int, Fraction]], list[Group]]:
    """Size classes that scale the dividend itself ((s, c(s, s)): no superset has another weight),
    and groups of classes that share one butterfly.

    A group is (base row b, [(s, scale)]): the class s takes scale·(Zᵀ(b(|U|)·m))(S), exact when
    c(s, u) = scale·b(u) for every u ≥ s (the only u a superset of a size-s set has).
    """
    n = len(coef) - 1
    copies: list[tuple[int, Fraction]] = []
    groups: list[Group] = []
    for s in range(n + 1):
        row = coef[s]
        if not any(row[s:]):
            continue
        if not any(row[s + 1:]):
            copies.append((s, row[s]))
            continue
        lead = next(u for u in range(s, n + 1) if row[u])
        for base, members in groups:
            if base[lead] and all(row[u] * base[lead] == base[u] * row[lead] for u in range(s, n + 1)):
                members.append((s, row[lead] / base[lead]))
                break
        else:
            groups.append(([row[u] if u >= s else Fraction(0) for u in range(n + 1)], [(s, Fraction(1))]))
    return copies, groups


def _float_table(x: Any) -> Any:
    """``x`` as a floating table (numpy float64; a torch tensor keeps a floating dtype), at least 1-D."""
    if _is_tensor(x):
        out = x if x.is_floating_point() else x.to(sys.modules["torch"].float64)
    else:
        arr = np.asarray(x)
        if arr.dtype == object or arr.dtype.kind not in "biuf":
            raise InputError(f"the dividends must be real numbers, got an array of dtype {arr.dtype}")
        out = arr.astype(np.float64, copy=False)
    if out.ndim == 0:
        raise InputError("the dividends must be a table (last axis: the 2^n masks), not a scalar")
    return out


def weighted_mobius_sum(and_interactions: Table, coef: Sequence[Sequence[Fraction | float]]) -> Table:
    """I(S) = Σ_{U⊇S} coef[|S|][|U|]·m(U) for every set S, from the dividends m (docs/theory.md §2.6).

    Args:
        and_interactions: the Möbius dividends, ``[..., 2^n]`` (numpy or torch on any device).
        coef: an (n+1) × (n+1) table; only entries with u ≥ s are read. Fractions are compared
            exactly when classes are grouped, then rounded once to the table's float type.

    Returns:
        ``[..., 2^n]``, the same kind as the input. An overflowing sum raises
        :class:`~symlogic.errors.InputError` (rescale the table by a power of two).

    Examples:
        >>> import numpy as np
        >>> m = np.array([0.0, 0.0, 0.0, 1.0])                     # v = AND(x0, x1)
        >>> weighted_mobius_sum(m, [[1, 1, 1], [0, 1, 1], [0, 0, 1]]).tolist()   # Σ over supersets
        [1.0, 1.0, 1.0, 1.0]
    """
    x = _float_table(and_interactions)
    n = n_from_length(int(x.shape[-1]))
    if len(coef) != n + 1 or any(len(row) != n + 1 for row in coef):
        raise InputError(f"coef must be an {n + 1} × {n + 1} table (sizes 0 … {n}) for a table over {n} variables")
    exact = [[Fraction(c) for c in row] for row in coef]
    copies, groups = _plan(exact)
    size = popcount(n)
    if _is_tensor(x):
        torch = sys.modules["torch"]
        out = torch.zeros_like(x)

        def at(values: np.ndarray, dtype: Any = None) -> Any:
            return torch.as_tensor(values, dtype=dtype, device=x.device)

        dtype = x.dtype
    else:
        out = np.zeros(x.shape, dtype=np.float64)
        at, dtype = np.asarray, np.float64
    classes = {s: at(np.flatnonzero(size == s)) for s in range(n + 1)}
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused below, with the fix
        for s, scale in copies:
            part = x[..., classes[s]]
            out[..., classes[s]] = part if scale == 1 else part * float(scale)
        for base, members in groups:
            weights = at(np.array([float(b) for b in base])[size], dtype)
            y = superset_sum(x * weights, check_finite=False)
            for s, scale in members:
                part = y[..., classes[s]]
                out[..., classes[s]] = part if scale == 1 else part * float(scale)
    return require_finite(out, x, "the weighted Möbius sum", n)


def index_values(and_interactions: Table, index: str, order: int | None = None) -> Table:
    """The values of a linear index of :mod:`.weights` (by name or alias) from the dividends.

    ``order``: the order k of an index that uses one (None: n; above n: n); for the others the
    values do not depend on it and every set is reported.
    """
    spec = linear_index(index)
    x = _float_table(and_interactions)
    n = n_from_length(int(x.shape[-1]))
    k = effective_order(spec, n, order) if spec.uses_order else None
    return weighted_mobius_sum(x, mobius_weights(spec.name, n, k))


def shapley_interactions(and_interactions: Table) -> Table:
    """Shapley interaction index SII(S) = Σ_{U⊇S} m(U)/(|U|−|S|+1) (Grabisch & Roubens 1999).

    SII({i}) is the Shapley value; SII(∅) = Σ_U m(U)/(|U|+1), as shapiq reports it from order 2.

    Examples:
        >>> import numpy as np
        >>> shapley_interactions(np.array([0.0, 0.0, 0.0, 1.0])).tolist()   # v = AND(x0, x1)
        [0.3333333333333333, 0.5, 0.5, 1.0]
    """
    return index_values(and_interactions, "SII")


def banzhaf_interactions(and_interactions: Table) -> Table:
    """Banzhaf interaction index BII(S) = Σ_{U⊇S} m(U)/2^{|U|−|S|} (Grabisch & Roubens 1999).

    BII({i}) is the Banzhaf value; BII(∅) is the mean of v over all 2^n masks.

    Examples:
        >>> import numpy as np
        >>> banzhaf_interactions(np.array([0.0, 0.0, 0.0, 1.0])).tolist()
        [0.25, 0.5, 0.5, 1.0]
    """
    return index_values(and_interactions, "BII")


def k_shapley_interactions(and_interactions: Table, order: int | None = None) -> Table:
    """k-SII of order k (Bordt & von Luxburg 2023): SII aggregated with Bernoulli numbers,
    k-SII(S) = Σ_{T⊇S, |T|≤k} B_{|T|−|S|} SII(T) for 1 ≤ |S| ≤ k, v(∅) at ∅, 0 above k.

    In Möbius form the weight of m(U) is [U = S] when |U| ≤ k and
    (1/(d+1)) Σ_{j=0}^{k−|S|} C(d+1, j) B_j (d = |U| − |S|) above; the values add up to v(N).

    Examples:
        >>> import numpy as np
        >>> I = k_shapley_interactions(np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]), order=2)  # AND of 3
        >>> I[[1, 3]].tolist(), float(I.sum())      # {x0}: −1/6, {x0, x1}: 1/2; they add up to v(N) = 1
        ([-0.16666666666666666, 0.5], 1.0)
    """
    return index_values(and_interactions, "k-SII", order)


def shapley_taylor_interactions(and_interactions: Table, order: int | None = None) -> Table:
    """Shapley-Taylor index of order k (Sundararajan et al. 2020): m(S) for |S| < k,
    Σ_{U⊇S} m(U)/C(|U|, k) for |S| = k, 0 above; ∅ holds v(∅) and the values add up to v(N).

    Examples:
        >>> import numpy as np
        >>> shapley_taylor_interactions(np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]), order=2).tolist()
        [0.0, 0.0, 0.0, 0.3333333333333333, 0.0, 0.3333333333333333, 0.3333333333333333, 0.0]
    """
    return index_values(and_interactions, "STII", order)


def faithful_shapley_interactions(and_interactions: Table, order: int | None = None) -> Table:
    """Faith-Shap of order k (Tsai, Yeh & Ravikumar 2023): the Shapley-kernel weighted least squares
    fit of v by AND terms of order ≤ k, exact at ∅ and N, in closed form: for 1 ≤ |S| = s ≤ k,
    FSII(S) = m(S) + (−1)^{k−s} (s/(k+s)) C(k, s) Σ_{U⊇S, |U|>k} C(|U|−1, k)/C(|U|+k−1, k+s)·m(U);
    ∅ holds v(∅). docs/theory.md §2.6.

    Examples:
        >>> import numpy as np
        >>> faithful_shapley_interactions(np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]), order=1).tolist()
        [0.0, 0.3333333333333333, 0.3333333333333333, 0.0, 0.3333333333333333, 0.0, 0.0, 0.0]
    """
    return index_values(and_interactions, "FSII", order)


def faithful_banzhaf_interactions(and_interactions: Table, order: int | None = None) -> Table:
    """Faith-Banzhaf of order k (Tsai, Yeh & Ravikumar 2023): the uniform least squares fit of v by
    AND terms of order ≤ k over all masks, in closed form: for 0 ≤ |S| = s ≤ k,
    FBII(S) = m(S) + (−1)^{k−s} Σ_{U⊇S, |U|>k} C(|U|−s−1, k−s)·m(U)/2^{|U|−s} (∅: the intercept).

    Examples:
        >>> import numpy as np
        >>> faithful_banzhaf_interactions(np.array([0.0, 0.0, 0.0, 1.0]), order=1).tolist()
        [-0.25, 0.5, 0.5, 0.0]
    """
    return index_values(and_interactions, "FBII", order)


def co_mobius(and_interactions: Table) -> Table:
    """Co-Möbius transform m̌(S) = Σ_{U⊇S} m(U) = Σ_{B⊆S} (−1)^{|B|} v(N∖B) for S ≠ ∅ (Grabisch 2016);
    ∅ holds v(∅) (shapiq's convention; the transform itself has v(N) there). The OR interactions
    are I_or(S) = (−1)^{|S|+1} m̌(S) for S ≠ ∅ (docs/theory.md §2.6).

    Examples:
        >>> import numpy as np
        >>> co_mobius(np.array([0.0, 1.0, 1.0, -1.0])).tolist()    # v = OR(x0, x1)
        [0.0, 0.0, 0.0, -1.0]
    """
    return index_values(and_interactions, "Co-Möbius")


#: The registry's compute function of each peer index (``compute(m)`` or ``compute(m, order=k)``).
COMPUTE: dict[str, Callable[..., Any]] = {
    "SII": shapley_interactions,
    "BII": banzhaf_interactions,
    "k-SII": k_shapley_interactions,
    "STII": shapley_taylor_interactions,
    "FSII": faithful_shapley_interactions,
    "FBII": faithful_banzhaf_interactions,
    "Co-Möbius": co_mobius,
}
