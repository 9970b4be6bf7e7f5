"""Any function of a boolean mask batch.

:class:`CallableAdapter` / :func:`record_callable` are a thin wrapper over :func:`symlogic.record`
for outputs that are not a torch model on one input (a simulator, an sklearn pipeline, a game).
The masked-input pieces the other adapters share (:func:`masked_inputs`, which builds the masked
samples x_T of docs/theory.md §1 exactly as :func:`symlogic.record_model` does) live in
:mod:`.base` and are importable from here too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from ..masks import check_names
from ..record import Record, RecordingEstimate, real_outputs, estimate_recording, masks_tensor, record
from .base import (  # noqa: F401  (re-exported: they lived here before base.py)
    Masks,
    MaskedInputAdapter,
    ModelAdapter,
    add_meta,
    keep_background,
    mask_batch,
    masked_inputs,
    model_dtype,
)

__all__ = ["CallableAdapter", "record_callable", "masked_inputs", "mask_batch"]


@dataclass
class CallableAdapter(ModelAdapter):
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
    def variable_names(self) -> tuple[str, ...]:  # type: ignore[override]
        """One name per variable."""
        return tuple(self.names)  # type: ignore[arg-type]

    @property
    def n_variables(self) -> int:  # type: ignore[override]
        """Number of variables (the same as ``n``)."""
        return self.n

    def query(self, masks: Masks, *, device: torch.device | str | None = None) -> np.ndarray:
        """``fn`` on the given masks (int masks or a boolean [B, n] batch), as float64 [B]."""
        batch = mask_batch(masks, self.n).to(device if device is not None else "cpu")
        out = real_outputs(self.fn(batch)).reshape(-1)
        out = out.to("cpu", torch.float64).numpy() if isinstance(out, torch.Tensor) else out
        if out.shape[0] != batch.shape[0]:
            raise InputError(f"fn returned {out.shape[0]} outputs for {batch.shape[0]} masks; it must return one scalar per mask")
        return out

    def estimate(self, *, batch_size: int | None = None, device: torch.device | str | None = None) -> RecordingEstimate:
        """What :meth:`record` will cost (see :func:`symlogic.record.estimate_recording`), without recording."""
        return estimate_recording(self.fn, self.n, batch_size=batch_size, device=device)

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
        max_seconds: float | None = None,
    ) -> Record:
        """Call ``fn`` on all 2^n masks (see :func:`symlogic.record`)."""
        return record(
            self.fn, self.n, names=self.names, batch_size=batch_size, device=device, checkpoint=checkpoint,
            progress=progress, max_seconds=max_seconds, output=self.output, baseline=self.baseline,
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
    max_seconds: float | None = None,
) -> Record:
    """``CallableAdapter(fn, n, names, ...).record(...)`` in one call; see :class:`CallableAdapter`."""
    adapter = CallableAdapter(fn, n, names, output=output, baseline=baseline, meta=dict(meta or {}))
    return adapter.record(batch_size=batch_size, device=device, checkpoint=checkpoint, progress=progress,
                          max_seconds=max_seconds)
