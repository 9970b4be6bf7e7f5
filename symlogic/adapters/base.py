"""What every model adapter offers, and the shared machinery of those that mask an input tensor.

:class:`ModelAdapter` is the surface (a runtime-checkable protocol every adapter declares):
``n_variables``, ``variable_names``, ``query(masks)`` (the scalar v(T) a recording stores, on any
masks), ``record(...)`` (all 2^n masks, docs/theory.md §1) and ``estimate(...)`` (its time and
memory, from a timed batch, without recording). :class:`MaskedInputAdapter` implements it for
adapters that resolve an input, a baseline and a membership array (tabular, image, text).
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch

from ..baselines import BASELINE_OPTIONS, LEARN_DEFAULTS, LearnedBaseline, learn_baseline
from ..errors import InputError
from ..model_record import as_logits, estimate_model, model_query, record_model, scalar_output
from ..record import Record, RecordingEstimate

__all__ = ["ModelAdapter", "MaskedInputAdapter", "mask_batch", "masked_inputs", "keep_background", "model_dtype",
           "add_meta", "Masks", "baseline_options", "learned_bound", "learn_adapter_baseline", "learned_description",
           "DEFAULT_BOUND"]

#: The default relative bound of a learned baseline: δ = 0.1 × the adapter's scale (column std,
#: pixel range, embedding scale).
DEFAULT_BOUND = 0.1

#: Masks as int masks (bit i = variable i present), a sequence of them, or a boolean batch [B, n].
Masks = int | Sequence[int] | np.ndarray | torch.Tensor


@runtime_checkable
class ModelAdapter(Protocol):
    """The surface every adapter implements (``isinstance(adapter, ModelAdapter)`` holds).

    Attributes:
        n_variables: the number n of input variables.
        variable_names: one name per variable.
    """

    n_variables: int
    variable_names: tuple[str, ...]

    def query(self, masks: Masks, *, device: torch.device | str | None = None) -> np.ndarray:
        """The recorded scalar v(T) on the given masks (float64 [B]), without recording all 2^n."""
        ...

    def record(
        self,
        *,
        batch_size: int | None = None,
        device: torch.device | str | None = None,
        checkpoint: str | os.PathLike[str] | None = None,
        progress: bool | None = None,
        max_seconds: float | None = None,
    ) -> Record:
        """v(T) on all 2^n masks (see :func:`symlogic.record`)."""
        ...

    def estimate(self, *, batch_size: int | None = None, device: torch.device | str | None = None) -> RecordingEstimate:
        """What :meth:`record` will cost (time, table memory), from a timed batch, without recording."""
        ...


def mask_batch(masks: Masks, n: int) -> torch.Tensor:
    """Boolean [B, n] (True = present) from an int mask, a sequence of int masks or a bool array."""
    if isinstance(masks, torch.Tensor) and masks.dtype == torch.bool:
        batch = masks.reshape(-1, n) if masks.ndim == 1 else masks
    elif isinstance(masks, np.ndarray) and masks.dtype == bool:
        batch = torch.as_tensor(masks).reshape(-1, n) if masks.ndim == 1 else torch.as_tensor(masks)
    else:
        ints = [int(m) for m in np.atleast_1d(np.asarray(masks, dtype=np.int64))]
        bad = [m for m in ints if not 0 <= m < (1 << n)]
        if bad:
            raise InputError(f"masks {bad[:5]} are out of range 0 … {(1 << n) - 1} for n = {n} variables")
        idx = torch.tensor(ints, dtype=torch.int64)
        batch = ((idx[:, None] >> torch.arange(n)) & 1).bool()
    if batch.ndim != 2 or batch.shape[1] != n:
        raise InputError(f"a boolean mask batch must have shape [B, n] = [B, {n}], got {tuple(batch.shape)}")
    return batch


def masked_inputs(x: torch.Tensor, baseline: torch.Tensor, membership: torch.Tensor, masks: Masks) -> torch.Tensor:
    """The masked samples x_T, shape [B, *x.shape]: x where T's variables (or no variable) own the element, else baseline.

    Args:
        x: the input, without batch axis.
        baseline: same shape as ``x``.
        membership: boolean [n, *x.shape]; row i marks the elements variable i controls.
        masks: int masks (bit i = variable i present) or a boolean [B, n] batch.
    """
    n = membership.shape[0]
    member = membership.reshape(n, -1).to(x.device)
    batch = mask_batch(masks, n).to(x.device)
    owned = member.any(dim=0)
    # An element is kept when a present variable owns it, or when no variable does (background).
    present = (batch.to(torch.float32) @ member.to(torch.float32) > 0) | ~owned
    out = torch.where(present, x.reshape(-1), baseline.to(x.device, x.dtype).reshape(-1))
    return out.reshape(batch.shape[0], *x.shape)


def keep_background(x: torch.Tensor, baseline: torch.Tensor, membership: torch.Tensor) -> torch.Tensor:
    """The baseline with background elements (owned by no variable) set to the input's own values.

    A masked sample never changes background elements; writing x there makes that hold for any
    consumer of (x, baseline), whatever it does with elements outside every variable.
    """
    owned = membership.reshape(membership.shape[0], *x.shape).any(dim=0)
    return torch.where(owned, baseline.to(x.dtype), x)


def model_dtype(model: Any) -> torch.dtype:
    """The floating dtype of a module's first floating parameter (the default dtype otherwise)."""
    if isinstance(model, torch.nn.Module):
        for p in model.parameters():
            if p.is_floating_point():
                return p.dtype
    return torch.get_default_dtype()


def add_meta(rec: Record, fields: dict[str, Any] | None = None, **meta: Any) -> Record:
    """The same record with more meta entries and, optionally, other provenance ``fields`` (a Record is frozen)."""
    return replace(rec, meta={**rec.meta, **meta}, **(fields or {}))


def baseline_options(options: Any, learned: bool, refusal: str | None = None) -> dict[str, Any]:
    """The checked ``baseline_options`` of an adapter (empty when None).

    They only apply to ``baseline="learned"``: given with another baseline they are refused, with
    ``refusal`` as the message when the adapter has a better one (the text adapter's token baselines).
    """
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise InputError(f"baseline_options must be a dict (keys among {BASELINE_OPTIONS}), got {type(options).__name__}")
    if not learned:
        raise InputError(refusal or "baseline_options only apply to baseline='learned'; pass baseline='learned' "
                                    "to learn the baseline, or drop baseline_options")
    unknown = sorted(str(k) for k in options if k not in BASELINE_OPTIONS)
    if unknown:
        raise InputError(f"unknown baseline_options {unknown}; the options are {BASELINE_OPTIONS}")
    if "bound" in options and "delta" in options:
        raise InputError("pass either bound (relative to the adapter's scale) or delta (absolute), not both")
    return dict(options)


def learned_bound(options: dict[str, Any], scale: Any, scale_what: str, shape: Sequence[int]) -> tuple[torch.Tensor, str, float | None]:
    """δ for a learned baseline: ``delta`` as given, else ``bound`` (default :data:`DEFAULT_BOUND`) × ``scale``.

    Returns (δ as float64 broadcast to ``shape``, how it reads in the description, the relative bound or None).
    """
    if "delta" in options:
        raw = options["delta"]
        try:
            delta = torch.broadcast_to(torch.as_tensor(np.asarray(raw, dtype=np.float64)), tuple(shape)).clone()
        except (TypeError, ValueError, RuntimeError) as exc:
            raise InputError(f"delta must be a number ≥ 0 or an array broadcastable to {tuple(shape)}: {exc}") from exc
        if not bool((torch.isfinite(delta) & (delta >= 0)).all()):
            raise InputError("delta must be finite and ≥ 0 everywhere")
        what = f"{float(np.asarray(raw)):.4g}" if np.asarray(raw).ndim == 0 else "given δ"
        return delta, what, None
    rel = options.get("bound", DEFAULT_BOUND)
    if isinstance(rel, bool) or not isinstance(rel, (int, float, np.floating, np.integer)) or not (math.isfinite(rel) and rel >= 0):
        raise InputError(f"bound must be a number ≥ 0 (the fraction of the {scale_what} each value may move), got {rel!r}")
    delta = float(rel) * torch.broadcast_to(torch.as_tensor(scale, dtype=torch.float64), tuple(shape)).clone()
    return delta, f"{float(rel):g}·{scale_what}", float(rel)


def learn_adapter_baseline(
    model: Callable[[torch.Tensor], Any],
    target: int | None,
    output: Any,
    x: torch.Tensor,
    start: torch.Tensor,
    membership: torch.Tensor,
    delta: torch.Tensor,
    options: dict[str, Any],
    device: torch.device,
    context: contextlib.AbstractContextManager[Any] | None = None,
) -> LearnedBaseline:
    """:func:`symlogic.baselines.learn_baseline` on ``scalar_output(model(batch), target, output)``."""

    def model_fn(batch: torch.Tensor) -> torch.Tensor:
        return scalar_output(as_logits(model(batch)), target, output)

    kwargs = {k: options[k] for k in LEARN_DEFAULTS if k in options}
    with context if context is not None else contextlib.nullcontext():
        return learn_baseline(model_fn, x, start, membership, delta, device=device, **kwargs)


def learned_description(start_what: str, bound_what: str, learned: LearnedBaseline) -> str:
    """The record's baseline description: "learned (from mean, |Δ| ≤ δ, L1 a → b)"."""
    split = "" if learned.split == "half" else f", split {learned.split}"
    return (f"learned (from {start_what}, |Δ| ≤ {bound_what}, L1 {learned.loss_before:.4g} → "
            f"{learned.loss_after:.4g}{split})")


def _host(out: Any) -> np.ndarray:
    """Outputs as a float64 numpy vector."""
    if isinstance(out, torch.Tensor):
        return out.detach().to("cpu", torch.float64).numpy().reshape(-1)
    return np.asarray(out, dtype=np.float64).reshape(-1)


class MaskedInputAdapter(ModelAdapter):
    """:class:`ModelAdapter` for adapters that mask an input tensor towards a baseline.

    A subclass provides ``model``, ``output``, ``input_tensor``, ``baseline_tensor``,
    ``membership`` (bool [n, *input shape]), ``variable_names`` and ``baseline_description``, and
    may override :meth:`_recorded` (which module, which target class, which meta entries),
    :meth:`_record_fields` (provenance fields to set on the record) and :meth:`_recording`.
    """

    @property
    def n_variables(self) -> int:  # type: ignore[override]
        """Number of variables."""
        return int(self.membership.shape[0])  # type: ignore[attr-defined]

    def masked(self, masks: Masks) -> torch.Tensor:
        """The masked inputs the model sees for int masks (bit i = variable i present) or a bool batch."""
        return masked_inputs(self.input_tensor, self.baseline_tensor, self.membership, masks)  # type: ignore[attr-defined]

    def _recorded(self) -> tuple[Any, int | None, dict[str, Any]]:
        """(module to run, target class, meta entries for the record)."""
        raise NotImplementedError

    def _output_spec(self) -> Any:
        """The output definition handed to :func:`symlogic.record_model` (``output`` unless resolved otherwise)."""
        return self.output  # type: ignore[attr-defined]

    def _record_fields(self) -> dict[str, Any]:
        """Record fields to set after recording (e.g. a better output name or model fingerprint)."""
        return {}

    def _recording(self) -> contextlib.AbstractContextManager[None]:
        """Context the recording runs in (e.g. several modules in eval mode)."""
        return contextlib.nullcontext()

    def _pieces(self) -> tuple[Any, Any, Any, Any, int | None, Any]:
        model, target, _ = self._recorded()
        return model, self.input_tensor, self.baseline_tensor, self.membership, target, self._output_spec()  # type: ignore[attr-defined]

    def query(self, masks: Masks, *, device: torch.device | str | None = None) -> np.ndarray:
        """The recorded scalar on the given masks, float64 [B], computed as :meth:`record` computes it
        (batched models may round the last bits differently for another batch composition)."""
        model, x, base, member, target, output = self._pieces()
        with self._recording(), model_query(model, x, base, member, target, output, device=device, provenance=False) as q:
            return _host(q.fn(mask_batch(masks, q.n).to(q.device)))

    def estimate(self, *, batch_size: int | None = None, device: torch.device | str | None = None) -> RecordingEstimate:
        """What :meth:`record` will cost (see :func:`symlogic.record.estimate_recording`), without recording."""
        model, x, base, member, target, output = self._pieces()
        with self._recording():
            return estimate_model(model, x, base, member, target, output, batch_size=batch_size, device=device)

    def record(
        self,
        *,
        batch_size: int | None = None,
        device: torch.device | str | None = None,
        checkpoint: str | os.PathLike[str] | None = None,
        progress: bool | None = None,
        max_seconds: float | None = None,
    ) -> Record:
        """Record the model on all 2^n masked inputs (see :func:`symlogic.record_model`)."""
        model, target, meta = self._recorded()
        with self._recording():
            rec = record_model(
                model, self.input_tensor, self.baseline_tensor, self.membership, target=target,  # type: ignore[attr-defined]
                output=self._output_spec(), names=self.variable_names, batch_size=batch_size, device=device,  # type: ignore[attr-defined]
                checkpoint=None if checkpoint is None else str(checkpoint), progress=progress,
                baseline_name=self.baseline_description, max_seconds=max_seconds,  # type: ignore[attr-defined]
            )
        return add_meta(rec, self._record_fields(), **meta)
