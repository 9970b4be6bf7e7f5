"""What every model adapter offers, and the shared machinery of those that mask an input tensor.

:class:`ModelAdapter` is the surface (a runtime-checkable protocol every adapter declares):
``n_variables``, ``variable_names``, ``query(masks)`` (the scalar v(T) a recording stores, on any
masks), ``record(...)`` (all 2^n masks, docs/theory.md §1) and ``estimate(...)`` (its time and
memory, from a timed batch, without recording). :class:`MaskedInputAdapter` implements it for
adapters that resolve an input, a baseline and a membership array (tabular, image, text).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch

from ..errors import InputError
from ..model_record import estimate_model, model_query, record_model
from ..record import Record, RecordingEstimate

__all__ = ["ModelAdapter", "MaskedInputAdapter", "mask_batch", "masked_inputs", "keep_background", "model_dtype",
           "add_meta", "Masks"]

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
