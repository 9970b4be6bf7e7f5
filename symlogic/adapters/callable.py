"""Any function of a boolean mask batch, and the masked-input pieces every adapter shares.

:class:`CallableAdapter` / :func:`record_callable` are a thin wrapper over :func:`symlogic.record`
for outputs that are not a torch model on one input (a simulator, an sklearn pipeline, a game).
:func:`masked_inputs` builds the masked samples x_T (docs/theory.md §1) from an input, a baseline and a
membership array, exactly as :func:`symlogic.record_model` does, so tests and users can rebuild
what a recording fed the model.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from ..masks import check_names
from ..model_record import record_model
from ..record import Record, masks_tensor, record

__all__ = ["CallableAdapter", "record_callable", "masked_inputs", "mask_batch"]


def mask_batch(masks: int | Sequence[int] | np.ndarray | torch.Tensor, n: int) -> torch.Tensor:
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


def masked_inputs(
    x: torch.Tensor, baseline: torch.Tensor, membership: torch.Tensor, masks: int | Sequence[int] | torch.Tensor
) -> torch.Tensor:
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


def add_meta(rec: Record, **meta: Any) -> Record:
    """The same record with more meta entries (a Record is frozen)."""
    return replace(rec, meta={**rec.meta, **meta})


class ModelAdapter:
    """What the model adapters share: the masked inputs a model sees, and their recording.

    A subclass provides ``model``, ``output``, ``input_tensor``, ``baseline_tensor``,
    ``membership`` (bool [n, *input shape]), ``variable_names`` and ``baseline_description``, and
    may override :meth:`_recorded` (which module, which target class, which meta entries).
    """

    @property
    def n_variables(self) -> int:
        """Number of variables."""
        return int(self.membership.shape[0])  # type: ignore[attr-defined]

    def masked(self, masks: int | Sequence[int] | torch.Tensor) -> torch.Tensor:
        """The masked inputs the model sees for int masks (bit i = variable i present) or a bool batch."""
        return masked_inputs(self.input_tensor, self.baseline_tensor, self.membership, masks)  # type: ignore[attr-defined]

    def _recorded(self) -> tuple[Any, int | None, dict[str, Any]]:
        """(module to run, target class, meta entries for the record)."""
        raise NotImplementedError

    def _recording(self) -> contextlib.AbstractContextManager[None]:
        """Context the recording runs in (e.g. several modules in eval mode)."""
        return contextlib.nullcontext()

    def record(
        self,
        *,
        batch_size: int | None = None,
        device: torch.device | str | None = None,
        checkpoint: str | os.PathLike[str] | None = None,
        progress: bool | None = None,
    ) -> Record:
        """Record the model on all 2^n masked inputs (see :func:`symlogic.record_model`)."""
        model, target, meta = self._recorded()
        with self._recording():
            rec = record_model(
                model, self.input_tensor, self.baseline_tensor, self.membership, target=target,  # type: ignore[attr-defined]
                output=self.output, names=self.variable_names, batch_size=batch_size, device=device,  # type: ignore[attr-defined]
                checkpoint=None if checkpoint is None else str(checkpoint), progress=progress,
                baseline_name=self.baseline_description,  # type: ignore[attr-defined]
            )
        return add_meta(rec, **meta)


@dataclass
class CallableAdapter:
    """Record any ``fn`` that maps a boolean mask batch [B, n] (True = present) to B scalars.

    Use it when the masked input is not a tensor a torch model reads (a simulator, an sklearn
    pipeline, a hand-written game): ``fn`` does its own masking.

    Args:
        fn: takes a boolean tensor [B, n] and returns B outputs (tensor, array or sequence).
        n: the number of variables.
        names: variable names (default x0 … x{n−1}).
        output: a word for what ``fn`` returns, kept in the record ("custom" by default).
        baseline: a description of what masked variables are replaced with, kept in the record.
        meta: JSON-friendly facts to keep in the record.

    Example:
        >>> import torch
        >>> from symlogic.adapters import CallableAdapter
        >>> game = lambda m: (m[:, 0] & m[:, 1]).double() + m[:, 2].double()
        >>> rec = CallableAdapter(game, 3, names=["a", "b", "c"], output="x0·x1 + x2").record()
        >>> rec.value(["a", "b"]), rec.value(["a", "b", "c"])
        (1.0, 2.0)
    """

    fn: Callable[[torch.Tensor], Any]
    n: int
    names: Sequence[str] | None = None
    output: str = "custom"
    baseline: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not callable(self.fn):
            raise InputError(f"fn must be callable on a boolean mask batch [B, n], got {type(self.fn).__name__}")
        if isinstance(self.n, bool) or not isinstance(self.n, (int, np.integer)) or self.n < 1:
            raise InputError(f"n must be a positive integer (the number of variables), got {self.n!r}")
        self.n = int(self.n)
        self.names = check_names(self.names, self.n)

    @property
    def variable_names(self) -> tuple[str, ...]:
        """One name per variable."""
        return tuple(self.names)  # type: ignore[arg-type]

    @property
    def n_variables(self) -> int:
        """Number of variables (the same as ``n``)."""
        return self.n

    def masks(self, start: int = 0, stop: int | None = None) -> torch.Tensor:
        """The boolean mask batch [stop − start, n] that ``fn`` receives for masks start … stop − 1."""
        return masks_tensor(start, (1 << self.n) if stop is None else stop, self.n)

    def record(
        self,
        *,
        batch_size: int | None = None,
        device: torch.device | str | None = None,
        checkpoint: str | os.PathLike[str] | None = None,
        progress: bool | None = None,
    ) -> Record:
        """Call ``fn`` on all 2^n masks (see :func:`symlogic.record`)."""
        return record(
            self.fn, self.n, names=self.names, batch_size=batch_size, device=device, checkpoint=checkpoint,
            progress=progress, output=self.output, baseline=self.baseline,
            meta={"adapter": "callable", "fn": getattr(self.fn, "__name__", type(self.fn).__name__), **self.meta},
        )


def record_callable(
    fn: Callable[[torch.Tensor], Any],
    n: int,
    names: Sequence[str] | None = None,
    *,
    output: str = "custom",
    baseline: str | None = None,
    meta: dict[str, Any] | None = None,
    batch_size: int | None = None,
    device: torch.device | str | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
) -> Record:
    """``CallableAdapter(fn, n, names, ...).record(...)`` in one call; see :class:`CallableAdapter`."""
    adapter = CallableAdapter(fn, n, names, output=output, baseline=baseline, meta=dict(meta or {}))
    return adapter.record(batch_size=batch_size, device=device, checkpoint=checkpoint, progress=progress)
