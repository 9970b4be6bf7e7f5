"""What screening queries: a function of candidate masks, or a model adapter on one input.

An adapter (tabular, image, text, callable; :class:`symlogic.adapters.base.ModelAdapter`) already
knows its N variables and how to answer any masks (``query``): :func:`candidate_query` turns it
into the ``fn`` that :func:`symlogic.screen` and :func:`symlogic.select_variables` call, and
:func:`adapter_provenance` collects what a record made from it should say about the model and
input (docs/theory.md §1, §7).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from ..adapters.base import ModelAdapter
from ..errors import InputError
from ..fingerprint import model_fingerprint
from ..masks import check_names
from ..model_record import tensor_fingerprint
from ..params import positive_int
from .queries import DEFAULT_BATCH

__all__ = ["candidate_query", "resolve_source", "adapter_provenance", "QueryFn"]

#: A screening query function: bool masks [q, N] → q outputs (numpy or torch).
QueryFn = Callable[[np.ndarray], Any]


def candidate_query(adapter: ModelAdapter, *, device: torch.device | str | None = None,
                    batch_size: int | None = None) -> QueryFn:
    """The adapter's variables as screening candidates: ``fn(masks)`` with masks bool [q, N] returns
    the adapter's recorded output on each (``adapter.query``), in batches of ``batch_size``.

    Example:
        >>> import torch
        >>> from symlogic.adapters import CallableAdapter
        >>> from symlogic.screening import candidate_query
        >>> adapter = CallableAdapter(lambda m: m[:, 0].double() * m[:, 3].double(), 5)
        >>> fn = candidate_query(adapter)
        >>> fn(torch.tensor([[True, False, False, True, False]]).numpy()).tolist()
        [1.0]
    """
    if not isinstance(adapter, ModelAdapter):
        raise InputError(f"candidate_query needs a model adapter (with n_variables, variable_names and query), "
                         f"got a {type(adapter).__name__}")
    n = int(adapter.n_variables)
    size = positive_int(batch_size, "batch_size") if batch_size is not None else min(DEFAULT_BATCH, 512)

    def fn(masks: np.ndarray) -> np.ndarray:
        masks = np.asarray(masks, dtype=bool)
        if masks.ndim != 2 or masks.shape[1] != n:
            raise InputError(f"masks must have shape [q, {n}], got {masks.shape}")
        parts = [np.asarray(adapter.query(masks[s:s + size], device=device), dtype=np.float64).reshape(-1)
                 for s in range(0, masks.shape[0], size)]
        return np.concatenate(parts) if parts else np.zeros(0)

    fn.__name__ = f"{type(adapter).__name__}.query"
    return fn


def resolve_source(source: Any, n_candidates: int | None, names: Sequence[str] | None, *,
                   device: torch.device | str | None = None, batch_size: int | None = None
                   ) -> tuple[QueryFn, int, tuple[str, ...], ModelAdapter | None]:
    """(fn, N, names, adapter or None) from a query function or an adapter."""
    adapter = source if isinstance(source, ModelAdapter) else None
    if adapter is not None:
        n = int(adapter.n_variables)
        if n_candidates is not None and n_candidates != n:
            raise InputError(f"n_candidates = {n_candidates!r}, but the adapter has {n} variables; "
                             "leave n_candidates out for an adapter")
        fn = candidate_query(adapter, device=device, batch_size=batch_size)
        names = names if names is not None else adapter.variable_names
    elif callable(source):
        if n_candidates is None:
            raise InputError("n_candidates is required with a query function: the number N of columns of the "
                             "boolean masks fn receives")
        n = positive_int(n_candidates, "n_candidates", "the number N of candidate variables")
        fn = source
    else:
        raise InputError(f"expected a query function fn(masks [q, N]) -> [q] outputs, or a model adapter, "
                         f"got a {type(source).__name__}")
    return fn, n, check_names(names, n), adapter


def adapter_provenance(adapter: ModelAdapter | None, fn: Any) -> dict[str, Any]:
    """Record fields (output, baseline, fingerprints) and meta entries describing the queried model."""
    if adapter is None:
        return {"output": "custom", "baseline": None, "model_fingerprint": None, "input_fingerprint": None,
                "meta": {"adapter": "query function", "fn": getattr(fn, "__name__", type(fn).__name__)}}
    module = getattr(adapter, "module", None)
    if not isinstance(module, torch.nn.Module):
        module = getattr(adapter, "model", None)
    fingerprint = getattr(getattr(adapter, "predictor", None), "fingerprint", None)
    if fingerprint is None and isinstance(module, torch.nn.Module):
        fingerprint = model_fingerprint(module)
    x, base = getattr(adapter, "input_tensor", None), getattr(adapter, "baseline_tensor", None)
    output = getattr(adapter, "output", "custom")
    meta: dict[str, Any] = {"adapter": type(adapter).__name__}
    target = getattr(adapter, "target_class", None)
    if target is not None:
        meta["target"] = int(target) if isinstance(target, (int, np.integer)) else str(target)
    baseline = getattr(adapter, "baseline_description", None)
    if baseline is None:
        baseline = getattr(adapter, "baseline", None)
    return {
        "output": output if isinstance(output, str) else "custom",
        "baseline": baseline if isinstance(baseline, str) else None,
        "model_fingerprint": fingerprint,
        "input_fingerprint": tensor_fingerprint(x, base) if isinstance(x, torch.Tensor) and isinstance(base, torch.Tensor) else None,
        "meta": meta,
    }
