"""The registry of interaction indices: every index symlogic computes is one entry of
:data:`INDICES` (name, kind, what it is computed from, the function), looked up by name with
:func:`index_spec`, extended with :func:`register_index`. :func:`symlogic.interactions.interactions`
computes any of them; how to add one is in that module's docstring.

Built in (docs/theory.md §2): "AND" and "OR" (per set, §2.1–2.2), "Shapley" and "Banzhaf" (per
variable, §2.5), and the peer indices of the field, each a weighted sum of the Möbius dividends
over supersets (§2.6; the family module :mod:`symlogic.indices.weighted_mobius`, exact weights in
:mod:`symlogic.indices.weights`): "SII", "BII", "k-SII", "STII", "FSII", "FBII" and "Co-Möbius",
under shapiq's names, with shapiq's value at ∅, so that ``Interactions.as_dict()`` compares with
shapiq's ``ExactComputer`` directly. k-SII, STII, FSII and FBII depend on the order k
(``interactions(rec, "k-SII", order=2)``; None means n).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from .attribution import banzhaf_values, shapley_values
from .errors import InputError, short_repr
from .indices.weighted_mobius import COMPUTE as _PEER_COMPUTE
from .indices.weights import LINEAR_INDICES as _LINEAR
from .indices.weights import PEER_INDICES as _PEERS
from .indices.weights import name_key as _key
from .transforms import and_interactions, or_interactions

__all__ = ["IndexSpec", "INDICES", "PLANNED_INDICES", "SOURCES", "KINDS", "index_spec", "register_index",
           "unregister_index"]

#: What an index gives values for: each set (2^n values) or each variable (n values).
KINDS = ("set", "variable")


@dataclass(frozen=True)
class IndexSpec:
    """One entry of :data:`INDICES`.

    Attributes:
        name: canonical name (what :attr:`Interactions.index` holds).
        kind: ``"set"`` (values per mask, 2^n) or ``"variable"`` (values per variable, n).
        source: what ``compute`` receives: ``"values"`` (the table v) or ``"mobius"`` (its AND
            dividends, docs/theory.md §2.1); see :data:`SOURCES`.
        compute: ``compute(x)``, or ``compute(x, order=k)`` when ``uses_order``: a float64 array
            ``[..., 2^n]`` in, ``[..., 2^n]`` or ``[..., n]`` out, batched over leading axes.
        description: one line: what the value is.
        reference: where it is defined (a docs/theory.md section or a paper).
        aliases: other names that find it (matched ignoring case, punctuation and accents).
        uses_order: whether the values depend on the maximum order k (k-SII, FSII, …). If not, a
            per-set index asked for ``order=k`` is computed in full and zeroed above k.
    """

    name: str
    kind: str
    source: str
    compute: Callable[..., Any]
    description: str
    reference: str = ""
    aliases: tuple[str, ...] = ()
    uses_order: bool = False


#: What a ``compute`` function may start from: name → function of the float64 table.
SOURCES: Mapping[str, Callable[[np.ndarray], np.ndarray]] = MappingProxyType({
    "values": lambda v: v,
    "mobius": and_interactions,
})

_REGISTRY: dict[str, IndexSpec] = {}
_LOOKUP: dict[str, str] = {}  # normalised name or alias → canonical name
_BUILTIN: set[str] = set()

#: Every registered index, canonical name → :class:`IndexSpec` (read-only; use :func:`register_index`).
INDICES: Mapping[str, IndexSpec] = MappingProxyType(_REGISTRY)

#: Indices named here but not implemented yet: name → what it is. Asking for one says so;
#: registering one under this name (see the module docstring) makes it available. The peers of
#: the shapiq family that were planned here (SII, BII, k-SII, STII, FSII, FBII, Co-Möbius) are built in.
PLANNED_INDICES: Mapping[str, str] = MappingProxyType({})


def _known_list() -> str:
    parts = []
    for spec in _REGISTRY.values():
        parts.append(spec.name + (f" (also {', '.join(spec.aliases)})" if spec.aliases else ""))
    return "; ".join(parts)


def index_spec(index: str) -> IndexSpec:
    """The :class:`IndexSpec` of ``index`` (any registered name or alias; case, punctuation and
    accents ignored). Unknown names raise :class:`~symlogic.errors.InputError` listing the known
    indices and the closest name; planned ones say they are not implemented yet.

    Examples:
        >>> index_spec("moebius").name
        'AND'
        >>> index_spec("Shaply")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        symlogic.errors.InputError: unknown interaction index 'Shaply'; did you mean 'Shapley'? ...
    """
    if not isinstance(index, str):
        raise InputError(f"an interaction index is named by a string such as 'AND' or 'Shapley', got {short_repr(index)}")
    key = _key(index)
    if key in _LOOKUP:
        return _REGISTRY[_LOOKUP[key]]
    planned = {_key(name): name for name in PLANNED_INDICES}
    if key in planned:
        name = planned[key]
        raise InputError(
            f"interaction index {name!r} ({PLANNED_INDICES[name]}) is planned but not implemented yet. "
            f"Known indices: {_known_list()}. To add it, register a compute function with "
            f"symlogic.interactions.register_index({name!r}, ...)"
        )
    candidates = {**{k: _REGISTRY[v].name for k, v in _LOOKUP.items()}, **planned}
    close = difflib.get_close_matches(key, list(candidates), n=1, cutoff=0.6)
    hint = f"; did you mean {candidates[close[0]]!r}?" if close else "."
    planned_note = f"Planned: {', '.join(PLANNED_INDICES)}. " if PLANNED_INDICES else ""
    raise InputError(
        f"unknown interaction index {index!r}{hint} Known indices: {_known_list()}. "
        f"{planned_note}Add one with symlogic.interactions.register_index"
    )


def register_index(
    name: str,
    compute: Callable[..., Any] | None = None,
    *,
    kind: str,
    description: str,
    source: str = "values",
    reference: str = "",
    aliases: Iterable[str] = (),
    uses_order: bool = False,
    replace: bool = False,
) -> Any:
    """Add an index to :data:`INDICES`; :func:`interactions` finds it by ``name`` or an alias.

    Without ``compute`` this returns a decorator (``@register_index("X", kind=…, description=…)``)
    that registers the function and returns it unchanged; with one, it returns the new
    :class:`IndexSpec`. A name or alias already taken (ignoring case, punctuation and accents)
    raises :class:`~symlogic.errors.InputError`, unless ``replace`` and it is this index's own
    name. See :class:`IndexSpec` for the fields and the module docstring for the pattern.

    Examples:
        A per-variable index from the table: occlusion, v(N) − v(N∖{i}).

        >>> from symlogic.interactions import interactions
        >>> def occlusion(v):
        ...     n = v.shape[-1].bit_length() - 1
        ...     return v[..., -1:] - v[..., [(1 << n) - 1 - (1 << i) for i in range(n)]]
        >>> spec = register_index("Occlusion", occlusion, kind="variable", aliases=("leave-one-out",),
        ...                       description="v(N) − v(N∖{i}): the drop when i alone is masked")
        >>> interactions([0.0, 1.0, 1.0, 3.0], "leave one out").values
        array([2., 2.])
        >>> unregister_index("Occlusion").name
        'Occlusion'
    """
    if compute is None:
        def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
            register_index(name, fn, kind=kind, description=description, source=source, reference=reference,
                           aliases=aliases, uses_order=uses_order, replace=replace)
            return fn

        return decorator
    if not isinstance(name, str) or not _key(name):
        raise InputError(f"an index name needs at least one letter or digit, got {short_repr(name)}")
    if not callable(compute):
        raise InputError(f"compute must be a function of the table, got {short_repr(compute)}")
    if kind not in KINDS:
        raise InputError(f"kind must be 'set' (values per mask) or 'variable' (values per variable), got {short_repr(kind)}")
    if source not in SOURCES:
        raise InputError(f"source must be one of {list(SOURCES)}, got {short_repr(source)}")
    if not isinstance(description, str) or not description.strip():
        raise InputError("describe the index in one line (description=...)")
    if not isinstance(reference, str):
        raise InputError(f"reference must be a string, got {short_repr(reference)}")
    if isinstance(aliases, str):
        aliases = (aliases,)
    aliases = tuple(aliases)
    if not all(isinstance(a, str) and _key(a) for a in aliases):
        raise InputError(f"aliases must be names with at least one letter or digit, got {short_repr(aliases)}")
    keys = [_key(name), *(_key(a) for a in aliases)]
    if len(set(keys)) != len(keys):
        raise InputError(f"the name and aliases of {name!r} repeat one another (ignoring case and punctuation)")
    for label, key in zip((name, *aliases), keys):
        owner = _LOOKUP.get(key)
        if owner is not None and owner != name:
            redefine = f", or redefine it with register_index({owner!r}, ..., replace=True)" if label == name else ""
            raise InputError(f"{label!r} already names the index {owner!r} (names match ignoring case, "
                             f"punctuation and accents); pick another name{redefine}")
    if name in _REGISTRY:
        if not replace:
            raise InputError(f"index {name!r} is registered already; pass replace=True to redefine it")
        _forget(name)
    spec = IndexSpec(name=name, kind=kind, source=source, compute=compute, description=description.strip(),
                     reference=reference, aliases=aliases, uses_order=bool(uses_order))
    _REGISTRY[name] = spec
    for key in keys:
        _LOOKUP[key] = name
    return spec


def _forget(name: str) -> IndexSpec:
    spec = _REGISTRY.pop(name)
    for key in [k for k, v in _LOOKUP.items() if v == name]:
        del _LOOKUP[key]
    return spec


def unregister_index(name: str) -> IndexSpec:
    """Remove an index added with :func:`register_index` and return its spec. The built-in ones
    stay (redefine one with ``register_index(..., replace=True)``)."""
    spec = index_spec(name)
    if spec.name in _BUILTIN:
        raise InputError(f"{spec.name!r} is built in and cannot be removed; redefine it with "
                         f"register_index({spec.name!r}, ..., replace=True)")
    return _forget(spec.name)


# --------------------------------------------------------------------------------------------
# Built-in indices (one line each; docs/theory.md §2)


def _builtin(name: str, compute: Callable[..., Any], **kw: Any) -> None:
    register_index(name, compute, **kw)
    _BUILTIN.add(name)


_builtin("AND", and_interactions, kind="set", source="values", aliases=_LINEAR["AND"].aliases,
         description="Harsanyi dividends (Möbius transform): I(S) = Σ_{T⊆S} (−1)^{|S|−|T|} v(T); I(∅) = v(∅)",
         reference="docs/theory.md §2.1")
_builtin("OR", or_interactions, kind="set", source="values",
         description="OR interactions: I(S) = −Σ_{T⊆S} (−1)^{|S|−|T|} v(N∖T) for S ≠ ∅, I(∅) = v(∅)",
         reference="docs/theory.md §2.2")
_builtin("Shapley", shapley_values, kind="variable", source="mobius", aliases=("SV",),
         description="Shapley values φ(i) = Σ_{S∋i} I_and(S)/|S|; Σ_i φ(i) = v(N) − v(∅)",
         reference="docs/theory.md §2.5")
_builtin("Banzhaf", banzhaf_values, kind="variable", source="mobius", aliases=("BV",),
         description="Banzhaf values β(i) = Σ_{S∋i} I_and(S)/2^{|S|−1}",
         reference="docs/theory.md §2.5")
# The peers (docs/theory.md §2.6): weighted sums of the dividends over supersets, exact weights in
# symlogic.indices.weights (shared with the claims), one vectorised kernel in .indices.weighted_mobius.
for _name in _PEERS:
    _spec = _LINEAR[_name]
    _builtin(_name, _PEER_COMPUTE[_name], kind="set", source="mobius", aliases=_spec.aliases,
             description=_spec.description, reference=_spec.reference, uses_order=_spec.uses_order)
del _name, _spec
