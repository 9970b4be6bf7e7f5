"""Interaction indices by name: one registry, one entry point, one result type (docs/theory.md §2).

Every index symlogic computes is one entry of :data:`INDICES`, and
:func:`interactions` computes any of them from a :class:`~symlogic.Record` or a table of length 2^n:

- ``"AND"`` (per set): Harsanyi/Möbius dividends I_and(S) = Σ_{T⊆S} (−1)^{|S|−|T|} v(T) (§2.1);
- ``"OR"`` (per set): I_or(S) = −Σ_{T⊆S} (−1)^{|S|−|T|} v(N∖T) for S ≠ ∅, I_or(∅) = v(∅) (§2.2);
- ``"Shapley"`` (per variable): φ(i) = Σ_{S∋i} I_and(S)/|S| (§2.5);
- ``"Banzhaf"`` (per variable): β(i) = Σ_{S∋i} I_and(S)/2^{|S|−1} (§2.5);
- the peer indices of the field, per set, each a weighted sum Σ_{U⊇S} c(|S|, |U|) I_and(U) of the
  dividends over supersets (§2.6; :mod:`symlogic.indices`): ``"SII"``, ``"BII"``, ``"Co-Möbius"``,
  and, of order k (``order=k``; None means n), ``"k-SII"``, ``"STII"``, ``"FSII"``, ``"FBII"``.
  Names, and the value at ∅, are shapiq's, so ``.as_dict()`` compares with its ``ExactComputer``.

Names are matched ignoring case, punctuation and accents ("shapley", "Möbius" = "moebius" → AND);
an unknown name raises :class:`~symlogic.errors.InputError` listing the known indices and the
closest one.

**One convention for values.** :class:`Interactions` ``.values`` is float64 with the index on its
last axis (leading axes, if any, are a batch of tables):

- a *per-set* index (AND, OR, …) has 2^n entries, indexed by mask: ``values[..., S]`` is the value
  of the set S (bit i = variable i), ∅ included (for AND and OR the ∅ entry is the constant v(∅));
- a *per-variable* index (Shapley and Banzhaf values) has n entries: ``values[..., i]`` is
  variable i's value, exactly what :func:`~symlogic.shapley_values` returns.

The two never clash, since 2^n ≠ n. Whatever the kind, ``I[("a", "b")]`` reads one set by its
variables' names, ``I.as_dict()`` maps sorted tuples of variable indices to values (shapiq's
form), ``I.top(k)`` lists the k largest in magnitude, and ``I.to_dict()``/``Interactions.from_dict``
round-trip every float bit for bit through JSON.

Examples:
    >>> import symlogic as sl
    >>> from symlogic.interactions import interactions
    >>> rec = sl.Record.from_table([0.0, 1.0, 1.0, 3.0], names=["a", "b"])
    >>> I = interactions(rec)                      # "AND" by default: the dividends, by mask
    >>> I.values
    array([0., 1., 1., 1.])
    >>> I.as_dict()
    {(0,): 1.0, (1,): 1.0, (0, 1): 1.0}
    >>> I["a", "b"]
    1.0
    >>> interactions(rec, "OR").as_dict()
    {(0,): 2.0, (1,): 2.0, (0, 1): -1.0}
    >>> phi = interactions(rec, "shapley")         # per variable: one value per name
    >>> phi.index, phi.values, phi["a"]
    ('Shapley', array([1.5, 1.5]), 1.5)
    >>> interactions(rec, "k-SII", order=1).as_dict()   # shapiq's k-SII; at order 1 the Shapley values
    {(0,): 1.5, (1,): 1.5}

**Adding an index** (names still to come are listed in :data:`PLANNED_INDICES`). Write one function ``compute(x)`` (``compute(x, order=k)`` with
``uses_order=True``, for indices whose values depend on the maximum order k, like k-SII or FSII)
where ``x`` is a read-only float64 array ``[..., 2^n]``: the table itself (``source="values"``) or
its Möbius dividends (``source="mobius"``, computed once by the registry). It returns
``[..., 2^n]`` (``kind="set"``) or ``[..., n]`` (``kind="variable"``), for every leading batch
axis; O(n·2^n) butterflies from :mod:`symlogic.transforms` keep it fast. Then either add one
``_builtin(...)`` line at the end of :mod:`symlogic.index_registry` (or, for a family of indices, a module
``symlogic/indices/<family>.py`` whose functions are registered there, as
:mod:`symlogic.indices.weighted_mobius` is), or call :func:`register_index` at run time. An index that
is a weighted superset sum of the dividends needs only its weights c(s, u) in
:mod:`symlogic.indices.weights`: the kernel, the claims (``interaction[name](…)``) and their ε
margins follow from them. Test it against a brute-force reference written from its definition
(``tests/test_peer_indices.py`` shows how).
"""

from __future__ import annotations

import difflib
import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import InputError, short_repr
from .index_registry import INDICES, PLANNED_INDICES, SOURCES, IndexSpec, index_spec, register_index, unregister_index
from .masks import check_names, mask_bits, popcount
from .transforms import n_from_length

__all__ = [
    "Interactions",
    "IndexSpec",
    "INDICES",
    "PLANNED_INDICES",
    "SOURCES",
    "interactions",
    "index_spec",
    "register_index",
    "unregister_index",
]

#: The ``format`` tag of :meth:`Interactions.to_dict`, and its version.
FORMAT = "symlogic.interactions"
FORMAT_VERSION = 1

def _is_tensor(x: Any) -> bool:
    """Whether ``x`` is a torch tensor, without importing torch (a tensor implies torch is loaded)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def _float64(x: Any, what: str) -> np.ndarray:
    """``x`` (numpy, torch on any device, or a sequence of reals; bools count as 0/1) as a float64
    array of at least one dimension. Complex, text and object entries are refused, never cast."""
    if _is_tensor(x):
        if x.is_complex():
            raise InputError(f"{what} are complex ({x.dtype}); pass real numbers (e.g. .real or .abs())")
        import torch

        x = x.detach().to("cpu", torch.float64).numpy()
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what} are not an array of numbers ({exc})") from None
    if arr.dtype.kind == "c":
        raise InputError(f"{what} are complex ({arr.dtype}); pass real numbers (e.g. .real or abs())")
    if arr.dtype.kind not in "biuf":
        raise InputError(f"{what} have dtype {arr.dtype}, not real numbers")
    if arr.ndim == 0:
        raise InputError(f"{what} must be at least one-dimensional (last axis: the masks or the variables)")
    return arr.astype(np.float64, copy=False)


def _refuse_nonfinite(arr: np.ndarray, what: str) -> None:
    if not np.isfinite(arr).all():
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise InputError(f"{what} hold {bad} NaN or infinite entries; pass finite numbers "
                         "(rescale the table by a power of two if sums overflow)")


def _canonical_order(masks: np.ndarray, n: int, first: np.ndarray | None = None) -> np.ndarray:
    """Positions that sort ``masks`` in the canonical order of sets: by size, then lexicographically
    on the sorted variable indices (after ``first``, ascending, when given).

    Among sets of one size, lexicographic order of the sorted index tuples is the descending order
    of the masks with their n bits reversed (the smallest differing index wins)."""
    masks = np.asarray(masks, dtype=np.int64)
    rev, size = np.zeros_like(masks), np.zeros_like(masks)
    for i in range(n):
        bit = (masks >> i) & 1
        rev |= bit << (n - 1 - i)
        size += bit
    keys = (-rev, size)
    return np.lexsort(keys if first is None else keys + (first,))


def _tuples(masks: Iterable[int], n: int, labels: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """(labels[i] for i in S) for each mask S; one pass over all 2^n masks when most are asked for."""
    masks = [int(m) for m in masks]
    if len(masks) * 8 < (1 << n):
        return [tuple(labels[i] for i in mask_bits(m)) for m in masks]
    table: list[tuple[Any, ...]] = [()] * (1 << n)
    for m in range(1, 1 << n):
        high = m.bit_length() - 1
        table[m] = table[m ^ (1 << high)] + (labels[high],)
    return [table[m] for m in masks]


# --------------------------------------------------------------------------------------------
# The result


@dataclass(frozen=True, eq=False)
class Interactions:
    """The values of one interaction index on one table (or a batch of tables) (docs/theory.md §2).

    Attributes:
        index: the index's canonical name, e.g. ``"AND"`` or ``"Shapley"`` (see :data:`INDICES`).
        values: float64, read-only, the index on the last axis (leading axes: a batch of tables).
            Per-set index: 2^n entries indexed by mask (bit i = variable i), ∅ included.
            Per-variable index: n entries indexed by variable.
        names: the n variable names.
        order: the largest set size reported. ``None``: every size. A per-set result with
            ``order=k`` holds zeros at every set larger than k; a per-variable result has order 1.

    Two results are equal when index, names, order and values (as numbers) are.

    Examples:
        >>> import numpy as np
        >>> I = Interactions("AND", np.array([0.0, 1.0, 2.0, -3.0]), ("a", "b"))
        >>> I
        Interactions('AND', names=('a', 'b'), order=None, per set, 3 of 4 nonzero)
        >>> I.n, I.per_variable
        (2, False)
        >>> I["b"], I["a", "b"], I[()]
        (2.0, -3.0, 0.0)
        >>> I.top(2)
        [(('a', 'b'), -3.0), (('b',), 2.0)]
        >>> Interactions.from_dict(I.to_dict()) == I
        True
    """

    index: str
    values: np.ndarray
    names: tuple[str, ...]
    order: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.index, str) or not self.index:
            raise InputError(f"an index name is a non-empty string, got {short_repr(self.index)}")
        if isinstance(self.names, str) or not isinstance(self.names, Iterable):
            raise InputError(f"names must be a sequence of variable names, got {short_repr(self.names)}")
        names = tuple(self.names)
        if not all(isinstance(x, str) for x in names):
            raise InputError(f"variable names must be strings, got {short_repr(names)}")
        names = check_names(names, len(names))
        n = len(names)
        values = np.array(_float64(self.values, f"the {self.index} values"), dtype=np.float64, order="C", copy=True)
        size = values.shape[-1]
        if size not in (1 << n, n):
            raise InputError(
                f"{self.index} values over n = {n} variables have 2^{n} = {1 << n} entries on the last axis "
                f"(a per-set index, indexed by mask) or {n} (a per-variable index), got {size}"
            )
        per_variable = size == n
        spec = INDICES.get(self.index)
        if spec is not None and (spec.kind == "variable") != per_variable:
            want = f"{n} (one per variable)" if spec.kind == "variable" else f"2^{n} = {1 << n} (one per mask)"
            raise InputError(f"{self.index} is a per-{spec.kind} index: its values have {want} entries "
                             f"on the last axis, got {size}")
        _refuse_nonfinite(values, f"the {self.index} values")
        order = _check_order(self.order, self.index, per_variable)
        if order is not None and not per_variable and order < n:
            above = popcount(n) > order
            if np.any(values[..., above] != 0):
                raise InputError(f"{self.index} values of order {order} must be 0 on every set of more than "
                                 f"{order} variables; drop them (set them to 0) or pass order=None")
        values.setflags(write=False)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "order", order)

    # ---- shape ----------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of variables."""
        return len(self.names)

    @property
    def per_variable(self) -> bool:
        """True for a per-variable index (n values), False for a per-set one (2^n values)."""
        return self.values.shape[-1] == self.n

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """The leading (batch) axes of ``values``; ``()`` for one table."""
        return tuple(self.values.shape[:-1])

    def at(self, *idx: int) -> "Interactions":
        """The result for one table of a batch: ``values[idx]`` (integers, one per batch axis)."""
        if len(idx) > len(self.batch_shape) or not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool)
                                                       for i in idx):
            raise InputError(f"at() takes up to {len(self.batch_shape)} integer batch indices "
                             f"(batch shape {self.batch_shape}), got {idx}")
        try:
            values = self.values[tuple(int(i) for i in idx)]
        except IndexError:
            raise InputError(f"batch index {idx} is out of range for batch shape {self.batch_shape}") from None
        return Interactions(self.index, values, self.names, self.order)

    def _unbatched(self, what: str) -> None:
        if self.batch_shape:
            raise InputError(f"{what} reads one table, but these values hold a batch of shape "
                             f"{self.batch_shape}; pick one with .at(i)")

    # ---- access ---------------------------------------------------------------------------
    def _mask(self, key: Any) -> int:
        present = (key,) if isinstance(key, str) else key
        if not isinstance(present, Iterable) or not all(isinstance(x, str) for x in present):
            raise InputError(f"look values up by variable names, e.g. I['a'] or I['a', 'b'] (a tuple of names); "
                             f"got {short_repr(key)}")
        present = tuple(present)
        if len(set(present)) != len(present):
            raise InputError(f"the names {present} repeat a variable")
        index = {name: i for i, name in enumerate(self.names)}
        mask = 0
        for name in present:
            if name not in index:
                close = difflib.get_close_matches(name, self.names, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else "."
                raise InputError(f"unknown variable {name!r}{hint} The variables are {list(self.names)}")
            mask |= 1 << index[name]
        return mask

    def __getitem__(self, key: str | Iterable[str]) -> Any:
        """The value of the set named by ``key`` (a name or a tuple of names, in any order).

        A float for one table, an array of shape ``batch_shape`` for a batch. A per-variable
        index answers single names only.
        """
        mask = self._mask(key)
        if self.per_variable:
            if mask.bit_count() != 1:
                raise InputError(f"{self.index} is a per-variable index: look up one variable, e.g. "
                                 f"I[{self.names[0]!r}]" if self.names else f"{self.index} has no variables")
            col = self.values[..., mask.bit_length() - 1]
        else:
            col = self.values[..., mask]
        return float(col) if not self.batch_shape else np.array(col)

    def as_dict(self, *, include_zeros: bool = False, by_name: bool = False) -> dict[tuple, float]:
        """The values as {sorted tuple of variable indices: value} (shapiq's form), for one table.

        Keys are ordered by set size, then lexicographically; ∅ is ``()`` (for AND and OR, the
        constant v(∅)). Exact zeros are skipped unless ``include_zeros``, which lists every set
        the index reports (all 2^n, or those of at most ``order`` variables; n singletons for a
        per-variable index). ``by_name``: keys are tuples of names instead.

        Examples:
            >>> I = Interactions("AND", [5.0, 0.0, 2.0, 0.0], ("a", "b"))
            >>> I.as_dict()
            {(): 5.0, (1,): 2.0}
            >>> I.as_dict(include_zeros=True, by_name=True)
            {(): 5.0, ('a',): 0.0, ('b',): 2.0, ('a', 'b'): 0.0}
        """
        self._unbatched("as_dict()")
        vals, n = self.values, self.n
        if include_zeros:
            positions = np.arange(vals.shape[-1])
            if self.order is not None and not self.per_variable:
                positions = positions[popcount(n) <= self.order]
        else:
            positions = np.flatnonzero(vals)
        masks = (np.int64(1) << positions) if self.per_variable else positions
        ranked = _canonical_order(masks, n)
        positions, masks = positions[ranked], masks[ranked]
        keys = _tuples(masks.tolist(), n, self.names if by_name else tuple(range(n)))
        return dict(zip(keys, vals[positions].tolist()))

    def top(self, k: int = 10, *, include_empty: bool = False) -> list[tuple[tuple[str, ...], float]]:
        """The (at most) k non-zero values largest in magnitude, as (names, value), largest first.

        Ties go in the :meth:`as_dict` order. The ∅ entry (for AND and OR the constant v(∅), not an
        interaction) is left out unless ``include_empty``.

        Examples:
            >>> I = Interactions("OR", [9.0, 1.0, -4.0, 4.0], ("a", "b"))
            >>> I.top(2)
            [(('b',), -4.0), (('a', 'b'), 4.0)]
            >>> I.top(1, include_empty=True)
            [((), 9.0)]
        """
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            raise InputError(f"top(k) needs a non-negative integer k, got {short_repr(k)}")
        self._unbatched("top()")
        mag = np.abs(self.values)
        if not self.per_variable and not include_empty and mag.size:
            mag[0] = 0.0
        nonzero = int(np.count_nonzero(mag))
        if k == 0 or nonzero == 0:
            return []
        if k < nonzero:  # every entry tied with the k-th largest is a candidate, so ties are resolved exactly
            cut = np.partition(mag, mag.size - k)[mag.size - k]
            positions = np.flatnonzero((mag >= cut) & (mag > 0))
        else:
            positions = np.flatnonzero(mag)
        masks = (np.int64(1) << positions) if self.per_variable else positions
        ranked = _canonical_order(masks, self.n, first=-mag[positions])[:k]
        keys = _tuples(masks[ranked].tolist(), self.n, self.names)
        return list(zip(keys, self.values[positions[ranked]].tolist()))

    # ---- serialisation --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; every value is a hex float (``float.hex``), so the round trip is exact.

        Examples:
            >>> d = Interactions("Shapley", [0.1, 0.2], ("a", "b")).to_dict()
            >>> d["values_hex"]
            ['0x1.999999999999ap-4', '0x1.999999999999ap-3']
            >>> Interactions.from_dict(d).values.tolist()
            [0.1, 0.2]
        """
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "index": self.index,
            "names": list(self.names),
            "order": self.order,
            "shape": list(self.values.shape),
            "values_hex": [float(x).hex() for x in self.values.reshape(-1).tolist()],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Interactions":
        """Inverse of :meth:`to_dict`. ``data`` may come from an untrusted file: anything malformed
        raises :class:`~symlogic.errors.InputError` naming it."""
        if not isinstance(data, Mapping):
            raise InputError(f"an Interactions dict is a JSON object, got {type(data).__name__}")
        if data.get("format") != FORMAT:
            raise InputError(f"not an Interactions dict: 'format' is {short_repr(data.get('format'))}, not {FORMAT!r}")
        if data.get("version") != FORMAT_VERSION:
            raise InputError(f"Interactions dict version {short_repr(data.get('version'))} is unknown; "
                             f"this symlogic reads version {FORMAT_VERSION}")
        missing = [key for key in ("index", "names", "order", "shape", "values_hex") if key not in data]
        if missing:
            raise InputError(f"the Interactions dict lacks {missing}")
        names, shape, hexes = data["names"], data["shape"], data["values_hex"]
        if not isinstance(names, list) or not all(isinstance(x, str) for x in names):
            raise InputError(f"'names' must be a list of strings, got {short_repr(names)}")
        if (not isinstance(shape, list) or not shape
                or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)):
            raise InputError(f"'shape' must be a non-empty list of non-negative integers, got {short_repr(shape)}")
        if not isinstance(hexes, list) or len(hexes) != math.prod(shape):
            raise InputError(f"'values_hex' must be a list of {math.prod(shape)} hex floats (shape {shape}), "
                             f"got {short_repr(hexes)}")
        values = np.empty(len(hexes), dtype=np.float64)
        for i, h in enumerate(hexes):
            if not isinstance(h, str) or len(h) > 64:
                raise InputError(f"values_hex[{i}] must be a hex float string such as '0x1.8p+0', got {short_repr(h)}")
            try:
                values[i] = float.fromhex(h)
            except (ValueError, OverflowError) as exc:
                raise InputError(f"values_hex[{i}] = {short_repr(h)} is not a hex float ({exc})") from None
        return cls(index=data["index"], values=values.reshape(shape), names=tuple(names), order=data["order"])

    # ---- comparison and display -----------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Interactions):
            return NotImplemented
        return (self.index == other.index and self.names == other.names and self.order == other.order
                and self.values.shape == other.values.shape and bool(np.array_equal(self.values, other.values)))

    def __hash__(self) -> int:
        return hash((self.index, self.names, self.order, self.values.shape))

    def __repr__(self) -> str:
        kind = "per variable" if self.per_variable else "per set"
        batch = f", batch {self.batch_shape}" if self.batch_shape else ""
        return (f"Interactions({self.index!r}, names={self.names!r}, order={self.order!r}, {kind}{batch}, "
                f"{int(np.count_nonzero(self.values))} of {self.values.size} nonzero)")


def _check_order(order: Any, index: str, per_variable: bool) -> int | None:
    """``order`` validated: None or a non-negative int; per-variable indices have order 1."""
    if order is not None and (isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 0):
        raise InputError(f"order must be None (every size) or a non-negative integer, got {short_repr(order)}")
    if per_variable:
        if order not in (None, 1):
            raise InputError(f"{index} is a per-variable index (order 1); pass order=None or 1, not {order}")
        return 1
    return None if order is None else int(order)


# --------------------------------------------------------------------------------------------
# The entry point


def _table_and_names(rec_or_table: Any) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """A read-only float64 view of the table (no copy where none is needed) and the record's names."""
    if isinstance(rec_or_table, Interactions):
        raise InputError(f"interactions() reads a record or its table of outputs, not an Interactions result "
                         f"({rec_or_table.index}); pass the record (or its .values) that made it")
    record_module = sys.modules.get(f"{__package__}.record")
    if record_module is not None and isinstance(rec_or_table, record_module.Record):
        table, names = rec_or_table.values, rec_or_table.names
    else:
        table, names = _float64(rec_or_table, "the table's values"), None
    table = table.view()
    table.setflags(write=False)
    return table, names


def interactions(
    rec_or_table: Any,
    index: str = "AND",
    *,
    order: int | None = None,
    names: Iterable[str] | None = None,
) -> Interactions:
    """The values of an interaction index (docs/theory.md §2) on a record or a table.

    Args:
        rec_or_table: a :class:`~symlogic.Record` (its ``values`` and ``names``), or a table of
            length 2^n indexed by mask (bit i = variable i): numpy, torch (any device) or a
            sequence of reals. Leading axes of an array are a batch of tables.
        index: a name or alias from :data:`INDICES` ("AND", "OR", "Shapley", "Banzhaf", "SII",
            "k-SII", "STII", "FSII", "FBII", "BII", "Co-Möbius", …), case and punctuation ignored.
        order: the largest set size to report (None: all). For a per-set index whose values do
            not depend on it (AND, OR, SII, BII, Co-Möbius), sets of more than ``order`` variables
            are set to 0; k-SII, STII, FSII and FBII are computed at order k = ``order`` (None: n);
            a per-variable index accepts only None or 1.
        names: variable names for a table (default x0, x1, …); with a record, the record's own.

    Returns:
        :class:`Interactions`, float64: 2^n values per table for a per-set index, n for a
        per-variable one. Shapley and Banzhaf values are those of docs/theory.md §2.5, the peer
        indices those of §2.6.

    Examples:
        >>> import numpy as np
        >>> v = np.array([0.0, 1.0, 2.0, 4.0, 0.0, 1.0, 2.0, 8.0])   # 3 variables
        >>> interactions(v, "AND").as_dict(by_name=True)
        {('x0',): 1.0, ('x1',): 2.0, ('x0', 'x1'): 1.0, ('x0', 'x1', 'x2'): 4.0}
        >>> interactions(v, "AND", order=2).as_dict()
        {(0,): 1.0, (1,): 2.0, (0, 1): 1.0}
        >>> interactions(v, "Banzhaf", names=["a", "b", "c"]).top(1)
        [(('b',), 3.5)]
        >>> interactions(np.stack([v, 2 * v]), "Shapley").values   # a batch of two tables
        array([[2.83333333, 3.83333333, 1.33333333],
               [5.66666667, 7.66666667, 2.66666667]])
    """
    spec = index_spec(index)
    table, rec_names = _table_and_names(rec_or_table)
    n = n_from_length(int(table.shape[-1]))
    if names is None:
        names = rec_names
    elif rec_names is not None and tuple(names) != rec_names:
        raise InputError(f"names {short_repr(tuple(names))} differ from the record's {short_repr(rec_names)}; "
                         "a record's interactions carry its own names (omit names=)")
    names = check_names(names, n)
    per_variable = spec.kind == "variable"
    order = _check_order(order, spec.name, per_variable)
    x = SOURCES[spec.source](table)
    if isinstance(x, np.ndarray) and x is not table:
        x.setflags(write=False)
    out = spec.compute(x, order=order) if spec.uses_order else spec.compute(x)
    out = _float64(out, f"the {spec.name} values")
    want = tuple(table.shape[:-1]) + ((n,) if per_variable else (1 << n,))
    if out.shape != want:
        raise InputError(f"index {spec.name!r} returned shape {out.shape}, expected {want} "
                         f"(a per-{spec.kind} index on a table of shape {tuple(table.shape)})")
    _refuse_nonfinite(out, f"the {spec.name} values")
    if order is not None and not per_variable and not spec.uses_order and order < n:
        out = np.array(out, dtype=np.float64, copy=True)
        out[..., popcount(n) > order] = 0.0
    return Interactions(spec.name, out, names, order)


