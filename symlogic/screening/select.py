"""``select_variables``: choose k ≤ 16 of N candidates and record the exact table on them.

The exact pipeline (record → extract / sparsest → verify) enumerates all 2^k masks, so it takes a
few variables. With N ≫ 16 candidates, :func:`select_variables` picks them from a screening
(:func:`symlogic.screen`, docs/theory.md §7) and records the 2^k masks with every other candidate
held present, i.e. kept at the input's own value as symlogic's background always is (§1.1):

- ``strategy="screen"``: the k most important candidates of the screening's ranking;
- ``strategy="group"``: the k − g most important ones, and the other N − k + g candidates split
  (in candidate order) into g super-variables that are masked as a whole, so that every candidate
  can be masked.

The record's ``meta["selection"]`` says what was selected, how, from which budget, and which
candidates were background; it travels with the record into the evidence bundle and the report.
A proof on this record is about these k variables in the context of the others as they are: it
says nothing about what masking a background candidate would do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from ..params import positive_int
from ..record import Record, record
from .result import Screening
from .screen import screen
from .source import adapter_provenance, resolve_source

__all__ = ["select_variables", "Selection", "MAX_SELECTED", "STRATEGIES", "SCOPE"]

#: The most variables an exact record gets here (2^16 = 65,536 masks).
MAX_SELECTED = 16
STRATEGIES = ("screen", "group")
#: What a proof on a selection's record covers (kept in the record's meta).
SCOPE = ("the record and any proof on it cover the selected variables, with every other candidate held present "
         "(its input value, as background); they say nothing about masking a background candidate")


@dataclass(frozen=True)
class Selection:
    """The chosen variables, their exact record and the screening they came from.

    Attributes:
        record: the exact table on the selected variables (``record.meta["selection"]`` describes it).
        selected: the record's variable names (a candidate's name, or "rest_j" for a group).
        members: for each record variable, the candidate indices it masks.
        background: candidate indices held present on every mask.
        strategy: "screen" or "group".
        candidates: the N candidates' names.
        screening: the screening the choice came from.
        exact_queries: masks the record asked (2^k).
    """

    record: Record
    selected: tuple[str, ...]
    members: tuple[tuple[int, ...], ...]
    background: tuple[int, ...]
    strategy: str
    candidates: tuple[str, ...]
    screening: Screening
    exact_queries: int

    @property
    def queries(self) -> int:
        """All queries: the screening's and the exact record's."""
        return self.screening.queries + self.exact_queries

    def explain(self, **options: Any) -> Any:
        """:func:`symlogic.explain` on the record (the proven pipeline on the selected variables)."""
        from ..pipeline import explain

        return explain(self.record, **options)

    def to_dict(self) -> dict[str, Any]:
        """The selection (the record's meta entry) and the screening, JSON-friendly (the table is the record's)."""
        return {"selection": self.record.meta.get("selection"), "screening": self.screening.to_dict()}


def _unique(name: str, taken: set[str]) -> str:
    while name in taken:
        name += "'"
    return name


def _choose(order: list[int], n: int, k: int, strategy: str, groups: int, names: Sequence[str]
            ) -> tuple[list[str], list[tuple[int, ...]]]:
    """(record variable names, candidate indices of each) for the strategy."""
    if strategy == "screen":
        chosen = order[:k]
        return [names[i] for i in chosen], [(i,) for i in chosen]
    singles = order[:k - groups]
    rest = sorted(set(range(n)) - set(singles))
    if len(rest) < groups:
        raise InputError(f"strategy='group' with groups = {groups} needs at least {groups} candidates outside the "
                         f"{k - groups} selected ones, but only {len(rest)} remain; lower groups or k")
    taken = set(names)
    labels = [names[i] for i in singles]
    members = [(i,) for i in singles]
    for j, part in enumerate(np.array_split(np.array(rest, dtype=np.int64), groups)):
        label = _unique(f"rest_{j + 1}", taken | set(labels))
        labels.append(label)
        members.append(tuple(int(i) for i in part))
    return labels, members


def select_variables(
    fn_or_adapter: Any,
    n_candidates: int | None = None,
    *,
    k: int,
    budget: int | None = None,
    strategy: str = "screen",
    groups: int = 1,
    screening: Screening | None = None,
    names: Sequence[str] | None = None,
    max_order: int = 4,
    noise: float | str = "auto",
    seed: int = 0,
    batch_size: int | None = None,
    device: torch.device | str | None = None,
    progress: bool | None = None,
    **screen_options: Any,
) -> Selection:
    """Choose k ≤ 16 of N candidates from a screening and record the exact table on them.

    Args:
        fn_or_adapter: a query function (bool masks [q, N] → q outputs) or a model adapter on one
            input whose variables are the candidates (see :func:`symlogic.screen`).
        n_candidates: N (taken from an adapter when omitted).
        k: the number of record variables, 1 … 16 (the exact record asks 2^k masks).
        budget: the screening budget (queries; required unless ``screening`` is given); the exact
            record asks 2^k more.
        strategy: "screen" (the k top-ranked candidates) or "group" (the k − ``groups`` top-ranked
            ones and ``groups`` super-variables holding all the others, in candidate order).
        groups: super-variables for ``strategy="group"`` (1 … k − 1).
        screening: a screening of the same candidates to choose from (then ``budget`` and the
            screening options are not used to screen again).
        names: candidate names (default: the adapter's, or x0 … x{N−1}).
        max_order, noise, seed, batch_size, device, progress, screen_options: passed to
            :func:`symlogic.screen` (``batch_size``, ``device`` and ``progress`` also to the record).

    Returns:
        A :class:`Selection`; ``selection.record`` goes into :func:`symlogic.explain`,
        :func:`symlogic.sparsest` or :func:`symlogic.verify` like any record.

    Example:
        >>> from symlogic.screening import select_variables
        >>> fn = lambda m: 3.0 * (m[:, 5] & m[:, 9]) + 0.5 * m[:, 20]
        >>> sel = select_variables(fn, 40, k=3, budget=4000, noise=0)
        >>> sel.selected, sel.record.n
        (('x5', 'x9', 'x20'), 3)
        >>> sel.record.meta["selection"]["background"][:3]
        ['x0', 'x1', 'x2']
    """
    if strategy not in STRATEGIES:
        raise InputError(f"unknown strategy {strategy!r}; use one of {STRATEGIES}")
    query, n, names_t, adapter = resolve_source(fn_or_adapter, n_candidates, names, device=device, batch_size=batch_size)
    k = positive_int(k, "k", f"the number of variables to explain exactly, at most {MAX_SELECTED}")
    if k > min(MAX_SELECTED, n):
        raise InputError(f"k = {k} is more than {min(MAX_SELECTED, n)} (the exact record asks 2^k masks, at most "
                         f"2^{MAX_SELECTED}, over at most the {n} candidates); lower k or use strategy='group'")
    if strategy == "group":
        groups = positive_int(groups, "groups")
        if groups >= k:
            raise InputError(f"groups = {groups} must be less than k = {k}: the other record variables are the "
                             "top-ranked candidates")
    if screening is None:
        if budget is None:
            raise InputError("budget is required to screen the candidates (or pass screening=<a Screening of them>)")
        screening = screen(query, n, budget=budget, max_order=max_order, noise=noise, seed=seed, names=names_t,
                           batch_size=batch_size, progress=progress, **screen_options)
    elif not isinstance(screening, Screening) or screening.names != names_t:
        raise InputError("screening must be a Screening of the same candidates (same names, in the same order)")
    labels, members = _choose(screening.ranked_indices(), n, k, strategy, groups, names_t)
    covered = {i for m in members for i in m}
    background = tuple(i for i in range(n) if i not in covered)
    cols = [np.array(m, dtype=np.int64) for m in members]

    def exact_fn(masks: torch.Tensor) -> Any:
        sub = masks.to("cpu", torch.bool).numpy()
        full = np.ones((sub.shape[0], n), dtype=bool)  # background candidates stay present
        for j, c in enumerate(cols):
            full[:, c] = sub[:, [j]]
        return query(full)

    prov = adapter_provenance(adapter, query)
    imp = screening.importance
    meta = dict(prov.pop("meta"))
    meta["selection"] = {
        "method": "symlogic.select_variables", "strategy": strategy, "k": k, "candidates": n,
        "selected": labels,
        "members": {label: [names_t[i] for i in m] for label, m in zip(labels, members)},
        "selected_indices": [list(m) for m in members],
        "importance": {label: float(sum(imp[i] for i in m)) for label, m in zip(labels, members)},
        "background": [names_t[i] for i in background], "background_held": "present",
        "screening": {"budget": screening.budget, "queries": screening.queries,
                      "r2": None if math.isnan(screening.r2) else screening.r2, "holdout": screening.holdout,
                      "seed": screening.seed, "max_order": screening.max_order, "terms": len(screening.terms),
                      "status": screening.status},
        "exact_queries": 1 << k, "scope": SCOPE,
    }
    rec = record(exact_fn, k, names=labels, batch_size=batch_size, progress=progress, meta=meta, **prov)
    return Selection(record=rec, selected=tuple(labels), members=tuple(members), background=background,
                     strategy=strategy, candidates=names_t, screening=screening, exact_queries=1 << k)
