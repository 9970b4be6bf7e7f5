"""What a study does to each sample: how its adapter is built, how it is recorded and explained.

A :class:`SampleSpec` turns (model, one input) into a :class:`~symlogic.adapters.base.ModelAdapter`
(tabular, image, text, a raw tensor with index groups, or a user's factory); :class:`RecordSettings`
and :class:`ExplainSettings` say how the table is recorded and explained (the arguments of
:func:`symlogic.pipeline.explain`). All three are plain, picklable data: they travel to worker
processes once, and their digest is part of every sample's key (:mod:`.keys`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from ..adapters.base import MaskedInputAdapter, ModelAdapter, keep_background
from ..defaults import Q_BOUND, TAU
from ..errors import InputError
from ..masks import check_names
from ..model_record import OUTPUTS, variable_membership

__all__ = ["KINDS", "SampleSpec", "RecordSettings", "ExplainSettings", "TensorAdapter", "build_adapter", "split_inputs"]

#: The adapters a study builds by name; ``adapter=`` takes any factory instead.
KINDS = ("tabular", "image", "text", "tensor")


@dataclass
class TensorAdapter(MaskedInputAdapter):
    """A torch model on one input tensor with index groups as variables: :func:`symlogic.record_model`
    as an adapter (``kind="tensor"``), so a study records it like the other masked-input adapters.

    Args:
        model: a torch module (or callable) on a batch [B, *x.shape].
        x: the input, without batch axis.
        baseline: the masked value: a tensor of x's shape or a number (default 0).
        variables: index groups (or a boolean [n, *x.shape] membership), see :func:`symlogic.record_model`.
        names: variable names (default x0 … x{n−1}).
        target: the class recorded (default: the prediction on ``x``).
        output: "log-odds" (default), "logit", "prob" or a callable on the outputs.
    """

    model: Any
    x: Any
    baseline: Any = 0.0
    variables: Any = None
    names: Sequence[str] | None = None
    target: int | None = None
    output: Any = "log-odds"

    def __post_init__(self) -> None:
        if self.variables is None:
            raise InputError("kind='tensor' needs variables=<index groups or a boolean [n, *x.shape] membership>")
        x = torch.as_tensor(self.x)
        if x.is_floating_point():
            x = x.detach().clone()
        base = torch.broadcast_to(torch.as_tensor(self.baseline if self.baseline is not None else 0.0, dtype=x.dtype),
                                  x.shape).clone()
        member = variable_membership(self.variables, tuple(x.shape)).reshape(-1, *x.shape)
        self.input_tensor = x
        self.membership = member
        self.baseline_tensor = keep_background(x, base, member)
        self.variable_names = check_names(self.names, member.shape[0])
        self.baseline_description = None  # record_model describes it
        self.target_class = self.target

    def _recorded(self) -> tuple[Any, int | None, dict[str, Any]]:
        return self.model, self.target, {"adapter": "tensor"}


@dataclass(frozen=True)
class SampleSpec:
    """How one input becomes an adapter.

    Attributes:
        kind: "tabular" (a row; ``variables`` are columns), "image" (a CHW image; ``variables`` are
            patches), "text" (a string; ``variables`` are words or tokens; ``adapter_options`` holds
            ``tokenizer`` and, for an encoder, ``head``), or "tensor" (any input; ``variables`` are
            index groups). Ignored when ``factory`` is given.
        baseline: the adapter's baseline argument (None: its default).
        variables: the adapter's variables (columns, patches, words or index groups); None: its default.
        names: variable (tabular: column) names.
        target_class: the class whose output is recorded (None: each input's prediction).
        output: "log-odds", "logit", "prob" or a picklable callable on the model's outputs.
        adapter_options: more keyword arguments of the adapter (``reference``, ``patch``, ``n`` …).
        factory: a picklable ``factory(model, x) -> ModelAdapter`` used instead of ``kind``.
    """

    kind: str = "tabular"
    baseline: Any = None
    variables: Any = None
    names: Sequence[str] | None = None
    target_class: int | None = None
    output: Any = "log-odds"
    adapter_options: Mapping[str, Any] = field(default_factory=dict)
    factory: Callable[[Any, Any], ModelAdapter] | None = None

    def __post_init__(self) -> None:
        if self.factory is None and self.kind not in KINDS:
            raise InputError(f"unknown kind {self.kind!r}; use one of {KINDS}, or adapter=<factory(model, x) -> adapter>")
        if self.factory is not None and not callable(self.factory):
            raise InputError(f"adapter must be a factory(model, x) returning a ModelAdapter, got {type(self.factory).__name__}")
        if not (callable(self.output) or self.output in OUTPUTS):
            raise InputError(f"output must be one of {OUTPUTS} or a callable, got {self.output!r}")
        if not isinstance(self.adapter_options, Mapping):
            raise InputError(f"adapter_options must be a dict of adapter arguments, got {type(self.adapter_options).__name__}")

    def digest_items(self) -> dict[str, Any]:
        """Everything of the spec that decides a table, for the key (the factory by its code)."""
        return {"kind": None if self.factory is not None else self.kind, "baseline": self.baseline,
                "variables": self.variables, "names": None if self.names is None else list(self.names),
                "target_class": self.target_class, "output": self.output, "adapter_options": dict(self.adapter_options),
                "factory": self.factory}


@dataclass(frozen=True)
class RecordSettings:
    """How tables are recorded: ``batch_size`` masks per forward pass (None: min(2^n, 4096)),
    ``device`` (None: where the model is), ``threads`` torch threads per worker, and
    ``batch_samples`` samples stacked into one forward pass (1: each sample alone, bit for bit as
    :func:`symlogic.explain`'s recording)."""

    batch_size: int | None = None
    device: str | None = None
    threads: int = 1
    batch_samples: int = 1


@dataclass(frozen=True)
class ExplainSettings:
    """The arguments of :func:`symlogic.pipeline.explain` for every sample."""

    method: str = "exact"
    q_bound: float = Q_BOUND
    tau: float = TAU
    top_k: int | None = None
    refit: str | None = "minimax"
    claims: tuple[Any, ...] = ()
    epsilon: Any = None
    target: float | None = None
    time_limit: float | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`symlogic.pipeline.explain`."""
        out = {k: v for k, v in asdict(self).items() if k != "options"}
        out["claims"] = list(self.claims)
        return {**out, **dict(self.options)}


def build_adapter(model: Any, spec: SampleSpec, x: Any) -> ModelAdapter:
    """The adapter of one input (checked to implement :class:`ModelAdapter`)."""
    opts = dict(spec.adapter_options)
    if spec.factory is not None:
        adapter = spec.factory(model, x)
        if not isinstance(adapter, ModelAdapter):
            raise InputError(f"the adapter factory returned a {type(adapter).__name__}, not a ModelAdapter "
                             "(n_variables, variable_names, query, record, estimate)")
        return adapter
    common = {"target": spec.target_class, "output": spec.output}
    if spec.baseline is not None:
        opts.setdefault("baseline", spec.baseline)
    if spec.kind == "tabular":
        from ..adapters.tabular import TabularAdapter

        return TabularAdapter(model, x, columns=spec.variables, names=spec.names, **common, **opts)
    if spec.kind == "image":
        from ..adapters.image import ImageAdapter

        if spec.variables is not None:
            opts.setdefault("patches", spec.variables)
        return ImageAdapter(model, x, **common, **opts)
    if spec.kind == "text":
        from ..adapters.text import TextAdapter

        if "tokenizer" not in opts:
            raise InputError("kind='text' needs adapter_options={'tokenizer': <the model's tokenizer>, "
                             "'head': <a head for a bare encoder>, ...}")
        tokenizer = opts.pop("tokenizer")
        return TextAdapter(model, tokenizer, x, variables=spec.variables, **common, **opts)
    return TensorAdapter(model, x, variables=spec.variables, names=spec.names, **common, **opts)


def split_inputs(inputs: Any) -> list[Any]:
    """The samples of ``inputs``: the rows of an array, tensor or DataFrame (axis 0), or the items of a
    list or tuple (strings, rows, images)."""
    if isinstance(inputs, str):
        raise InputError("inputs must be a collection of samples; wrap one text in a list: [text]")
    if isinstance(inputs, torch.Tensor):
        if inputs.ndim == 0:
            raise InputError("inputs must have a sample axis: a tensor [N, ...], not a scalar")
        return list(inputs.detach())
    if hasattr(inputs, "to_numpy") and hasattr(inputs, "columns"):  # a DataFrame
        return list(np.asarray(inputs.to_numpy(), dtype=np.float64))
    if isinstance(inputs, np.ndarray):
        if inputs.ndim == 0 or inputs.dtype.kind == "O":
            raise InputError(f"inputs must be an array [N, ...] of numbers, got dtype {inputs.dtype} and shape {inputs.shape}")
        return list(inputs)
    if isinstance(inputs, (list, tuple)):
        return list(inputs)
    raise InputError(f"inputs must be a list, tuple, numpy array, torch tensor or DataFrame of samples, "
                     f"got a {type(inputs).__name__}")
