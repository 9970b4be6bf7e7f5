"""Recording a torch model: masked inputs from variables and a baseline, and the scalar output.

The masked sample x_T keeps the input elements of every variable in T and puts the baseline on the
elements of the others; elements that belong to no variable are background and always kept
(docs/theory.md §1). The default output is the target class's log-odds z_y − logsumexp_{c≠y} z_c.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Union

import numpy as np
import torch

from .errors import InputError
from .fingerprint import callable_identity, model_fingerprint, module_identity
from .record import Record, RecordingEstimate, default_batch_size, estimate_recording, record

__all__ = ["record_model", "estimate_model", "scalar_output", "variable_membership", "model_fingerprint",
           "tensor_fingerprint", "eval_mode", "predicted_class", "as_logits"]

OutputSpec = Union[str, Callable[[torch.Tensor], torch.Tensor]]
OUTPUTS = ("log-odds", "logit", "prob")


def tensor_fingerprint(*tensors: torch.Tensor) -> str:
    """SHA-256 over the dtypes, shapes and bytes of the given tensors."""
    h = hashlib.sha256()
    for tensor in tensors:
        t = tensor.detach().to("cpu").contiguous()
        h.update(f"{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")  # 0-dim too
    return h.hexdigest()


def as_logits(out: Any, what: str = "the model") -> torch.Tensor:
    """A model's outputs as a tensor: tensors as they are, numpy arrays and sequences of numbers
    converted (a callable may return numpy, e.g. a scikit-learn method); labels are refused."""
    if isinstance(out, torch.Tensor):
        return out
    arr = np.asarray(out)
    if arr.dtype.kind not in "biuf":
        raise InputError(
            f"{what} returned {arr.dtype} values, not numbers (class labels?); return scores, logits or probabilities, "
            "e.g. a classifier's predict_proba (TabularAdapter accepts a scikit-learn estimator as it is)"
        )
    return torch.from_numpy(np.ascontiguousarray(arr))


def scalar_output(logits: torch.Tensor, target: int | None, output: OutputSpec) -> torch.Tensor:
    """The scalar v from a batch of model outputs [B, C] (or [B] / [B, 1] for one logit), in float64.

    - "log-odds": log p_y/(1 − p_y) = z_y − logsumexp_{c≠y} z_c (stable); for a single logit z,
      the logit itself is the log-odds of the positive class (and −z of the negative one).
    - "logit": z_y.  - "prob": softmax(z)_y (sigmoid for a single logit).
    - a callable: applied to the raw outputs, must return [B].
    """
    if callable(output):
        out = output(logits)
        return as_logits(out, "output").reshape(-1).to(torch.float64)
    z = as_logits(logits).to(torch.float64)
    if z.ndim == 1 or (z.ndim == 2 and z.shape[1] == 1):
        z = z.reshape(-1)
        sign = -1.0 if target == 0 else 1.0
        if output == "prob":
            return torch.sigmoid(sign * z)
        return sign * z
    if z.ndim != 2:
        raise InputError(f"the model returned shape {tuple(logits.shape)}; expected [B, classes] or [B]; pass output=callable to reduce it")
    if target is None or not 0 <= target < z.shape[1]:
        raise InputError(f"target class {target} is out of range for {z.shape[1]} classes")
    if output == "logit":
        return z[:, target]
    if output == "prob":
        return torch.softmax(z, dim=1)[:, target]
    others = torch.cat([z[:, :target], z[:, target + 1 :]], dim=1)
    return z[:, target] - torch.logsumexp(others, dim=1)


def variable_membership(variables: Any, shape: Sequence[int]) -> torch.Tensor:
    """Boolean [n, numel]: row i marks the input elements variable i controls.

    ``variables`` is either a boolean array of shape [n, *shape], or a sequence of index groups,
    each a sequence of flat indices into the input (or of index tuples into ``shape``).
    Overlapping, empty or out-of-range groups are errors.
    """
    numel = int(np.prod(shape)) if len(shape) else 1
    if isinstance(variables, (np.ndarray, torch.Tensor)) and np.asarray(variables).dtype == bool:
        arr = np.asarray(variables)
        if tuple(arr.shape[1:]) != tuple(shape):
            raise InputError(f"a membership array must have shape [n, *x.shape] = [n, {', '.join(map(str, shape))}], got {tuple(arr.shape)}")
        member = arr.reshape(arr.shape[0], numel)
    else:
        groups = list(variables)
        member = np.zeros((len(groups), numel), dtype=bool)
        for i, group in enumerate(groups):
            member[i, _flat_indices(i, group, tuple(shape), numel)] = True
    if member.shape[0] == 0:
        raise InputError("no variables given; pass at least one index group")
    empty = np.flatnonzero(~member.any(axis=1)).tolist()
    if empty:
        raise InputError(f"variables {empty} control no input element; every variable needs at least one")
    overlap = np.flatnonzero(member.sum(axis=0) > 1)
    if overlap.size:
        k = int(overlap[0])
        owners = np.flatnonzero(member[:, k]).tolist()
        raise InputError(f"variables {owners} overlap at input element {k}; each element may belong to one variable only")
    return torch.from_numpy(np.array(member, dtype=bool))  # a copy: never share the caller's array


def _flat_indices(i: int, group: Any, shape: tuple[int, ...], numel: int) -> list[int]:
    """The flat indices of variable ``i``'s group: flat integers or index tuples into ``shape``."""
    items = [group] if isinstance(group, (int, np.integer)) else list(group)  # keep index tuples whole
    flat = []
    for item in items:
        if isinstance(item, tuple):
            if len(item) != len(shape) or any(not 0 <= int(k) < s for k, s in zip(item, shape)):
                raise InputError(f"variable {i}: index {item} is out of range for an input of shape {shape}")
            flat.append(int(np.ravel_multi_index(tuple(int(k) for k in item), shape)))
        else:
            k = int(item)
            if not 0 <= k < numel:
                raise InputError(f"variable {i}: flat index {k} is out of range 0 … {numel - 1} for an input of shape {shape}")
            flat.append(k)
    return flat


#: Largest cached low-bit pattern (bytes) for :func:`aligned_kept`; above it the general path is used.
KEPT_CACHE_BYTES = 1 << 27


def aligned_kept(member: torch.Tensor, background: torch.Tensor, batch_size: int,
                 device: torch.device) -> Callable[[int, int], torch.Tensor] | None:
    """A builder of the kept-element matrix [stop − start, numel] for batches aligned to a power of two.

    ``member`` is [n, numel] and ``background`` [numel] (elements of no variable).

    With batch size 2^k and starts at multiples of it, the low k bits of mask start + j are those of
    j, the same in every batch: their pattern is computed once, and a batch only adds the elements
    of the higher variables, whose bits are those of ``start``. That is two small kernels and one
    OR per batch instead of building the [B, n] masks and multiplying them out, which matters on a
    GPU, where small recordings are bound by kernel launches. Returns None when the batch size is
    not a power of two or the cached pattern would exceed :data:`KEPT_CACHE_BYTES`.
    """
    n, numel = member.shape
    if batch_size < 1 or batch_size & (batch_size - 1) or batch_size * numel > KEPT_CACHE_BYTES:
        return None
    k = min(batch_size.bit_length() - 1, n)
    m = member.cpu().numpy()
    owner = np.where(m.any(axis=0), m.argmax(axis=0), -1)  # [numel]; −1: background
    bit = np.where(owner >= 0, np.left_shift(1, np.maximum(owner, 0), dtype=np.int64), 0)
    low = owner < k
    low_bit = torch.from_numpy(np.where(low, bit, 0)).to(device)
    high_bit = torch.from_numpy(np.where(low, 0, bit)).to(device)
    j = torch.arange(1 << k, dtype=torch.int64, device=device)[:, None]
    # built where it is used: on a GPU this [2^k, numel] pattern costs microseconds, on the host milliseconds
    low_kept = ((j & low_bit) != 0) | background.to(device)[None, :]

    def kept(start: int, stop: int) -> torch.Tensor:
        return low_kept[: stop - start] | ((high_bit & start) != 0)

    return kept


@contextlib.contextmanager
def eval_mode(model: Any) -> Iterator[None]:
    """Run a module in eval mode (no dropout, fixed batch-norm statistics) and restore its mode after."""
    if not isinstance(model, torch.nn.Module):
        yield
        return
    # only the modules in training mode are switched, and exactly those are switched back: a
    # submodule the user froze in eval mode stays so (model.train(True) would unfreeze it)
    training = [m for m in model.modules() if m.training]
    for m in training:
        m.training = False
    try:
        yield
    finally:
        for m in training:
            m.training = True


@dataclass
class ModelQuery:
    """A model made ready to record: ``fn`` maps a boolean mask batch [B, n] on ``device`` to B
    scalar outputs; ``batch_fn`` (or None) does the same for the aligned masks start … stop − 1.
    Valid only inside :func:`model_query`'s block (eval and inference mode)."""

    fn: Callable[[torch.Tensor], torch.Tensor]
    batch_fn: Callable[[int, int], torch.Tensor] | None
    n: int
    device: torch.device
    target: int | None
    checkpoint_key: str | None
    provenance: dict[str, Any]


@contextlib.contextmanager
def model_query(
    model: torch.nn.Module | Callable[[torch.Tensor], Any],
    x: Any,
    baseline: Any,
    variables: Any,
    target: int | None = None,
    output: OutputSpec = "log-odds",
    *,
    batch_size: int | None = None,
    device: torch.device | str | None = None,
    keyed: bool = False,
    baseline_name: str | None = None,
    provenance: bool = True,
) -> Iterator[ModelQuery]:
    """Validate the pieces of a model recording and yield its :class:`ModelQuery`, with the model in
    eval mode and torch in inference mode for the block (what :func:`record_model`,
    :func:`estimate_model` and the adapters' ``query`` share). ``keyed``: compute the checkpoint key;
    ``provenance=False``: skip the model and input fingerprints (a quick query)."""
    if not callable(model):
        hint = (" (a scikit-learn estimator: use symlogic.adapters.TabularAdapter, which accepts one as it is, "
                "or pass its predict_proba)") if any(hasattr(model, m) for m in ("predict_proba", "predict")) else ""
        raise InputError(f"the model must be a torch module or a callable on a batch, got a {type(model).__name__}{hint}")
    if not (callable(output) or output in OUTPUTS):
        raise InputError(f"output must be one of {OUTPUTS} or a callable, got {output!r}")
    dev = torch.device(device) if device is not None else _module_device(model)
    x_t = torch.as_tensor(x)
    if not x_t.is_floating_point():
        x_t = x_t.to(torch.get_default_dtype()) if not _integer_model_input(model) else x_t
    base_t = torch.as_tensor(baseline, dtype=x_t.dtype)
    try:
        base_t = torch.broadcast_to(base_t, x_t.shape).clone()
    except RuntimeError as exc:
        raise InputError(
            f"baseline of shape {tuple(base_t.shape)} does not match the input of shape {tuple(x_t.shape)}; "
            "pass a baseline of the input's shape (or a scalar)"
        ) from exc
    member = variable_membership(variables, tuple(x_t.shape))
    n = member.shape[0]
    x_dev, base_dev = x_t.to(dev).reshape(-1), base_t.to(dev).reshape(-1)
    member_dev = member.to(dev)
    member_f = member_dev.to(torch.float32)
    background = ~member_dev.any(dim=0)  # elements of no variable are always kept
    is_module = isinstance(model, torch.nn.Module)
    model_fp = model_fingerprint(model) if is_module and (provenance or keyed) else None
    input_fp = tensor_fingerprint(x_t, base_t) if provenance or keyed else None
    forward = model if is_module else (lambda batch: as_logits(model(batch)))

    with eval_mode(model), torch.inference_mode():
        if target is None and output in ("log-odds", "logit", "prob"):
            full = forward(x_dev.reshape(1, *x_t.shape))
            target = predicted_class(full)

        def run(present: torch.Tensor) -> torch.Tensor:  # [B, numel] kept elements -> B outputs
            batch = torch.where(present, x_dev, base_dev).reshape(present.shape[0], *x_t.shape)
            return scalar_output(forward(batch), target, output)

        def fn(masks: torch.Tensor) -> torch.Tensor:
            return run(((masks.to(torch.float32) @ member_f) > 0) | background)  # background always kept

        bs = int(batch_size) if batch_size else default_batch_size(n)
        kept = aligned_kept(member, background, bs, dev)

        def aligned_fn(start: int, stop: int) -> torch.Tensor:
            assert kept is not None
            return run(kept(start, stop))

        key = None
        if keyed:  # what the table depends on; record() also reruns a finished batch on resume
            model_id = module_identity(model, model_fp) if is_module else callable_identity(model)
            output_id = output if isinstance(output, str) else callable_identity(output)
            key = f"{input_fp}|{tensor_fingerprint(member)}|{model_id}|{output_id}|{target}"
        yield ModelQuery(
            fn=fn, batch_fn=aligned_fn if kept is not None else None, n=n, device=dev, target=target, checkpoint_key=key,
            provenance=dict(
                output=_output_name(output),
                baseline=baseline_name or (_describe_baseline(base_t) if provenance else None),
                model_fingerprint=model_fp,
                input_fingerprint=input_fp,
                meta={"target": target, "input_shape": list(x_t.shape), "model": type(model).__name__},
            ),
        )


def record_model(
    model: torch.nn.Module | Callable[[torch.Tensor], Any],
    x: Any,
    baseline: Any,
    variables: Any,
    target: int | None = None,
    output: OutputSpec = "log-odds",
    *,
    names: Sequence[str] | None = None,
    batch_size: int | None = None,
    device: torch.device | str | None = None,
    checkpoint: str | None = None,
    progress: bool | None = None,
    baseline_name: str | None = None,
    max_seconds: float | None = None,
) -> Record:
    """Record a model's scalar output on all 2^n masked versions of one input ``x``.

    Args:
        model: a torch module (or callable) taking a batch [B, *x.shape] and returning logits
            (a tensor, or a numpy array: converted).
        x: the input, without batch axis.
        baseline: same shape as ``x`` (or broadcastable to it): the value of masked elements.
        variables: which input elements each variable controls (see :func:`variable_membership`).
        target: the class whose output is recorded (default: the model's prediction on ``x``).
        output: "log-odds" (default), "logit", "prob", or a callable on the raw outputs.
        names, batch_size, device, checkpoint, progress, max_seconds: as in :func:`symlogic.record`;
            a checkpoint is bound to the input, baseline, variables, model (structure and
            parameters, or a callable's code), output definition and target.
        baseline_name: a description of the baseline to keep in the record.
    """
    with model_query(model, x, baseline, variables, target, output, batch_size=batch_size, device=device,
                     keyed=checkpoint is not None, baseline_name=baseline_name) as q:
        return record(
            q.fn, q.n, names=names, batch_size=batch_size, device=q.device, checkpoint=checkpoint,
            batch_fn=q.batch_fn, checkpoint_key=q.checkpoint_key, progress=progress, max_seconds=max_seconds,
            **q.provenance,
        )


def estimate_model(
    model: torch.nn.Module | Callable[[torch.Tensor], Any],
    x: Any,
    baseline: Any,
    variables: Any,
    target: int | None = None,
    output: OutputSpec = "log-odds",
    *,
    batch_size: int | None = None,
    device: torch.device | str | None = None,
) -> RecordingEstimate:
    """What :func:`record_model` with these arguments will cost (time, table memory), from one or
    two timed batches, without recording (see :func:`symlogic.record.estimate_recording`)."""
    with model_query(model, x, baseline, variables, target, output, batch_size=batch_size, device=device) as q:
        return estimate_recording(q.fn, q.n, batch_size=batch_size, device=q.device, batch_fn=q.batch_fn)


def _output_name(output: OutputSpec) -> str:
    """A stable name for the output definition (a callable's name, never its address)."""
    return output if isinstance(output, str) else getattr(output, "__name__", type(output).__name__)


def _module_device(model: Any) -> torch.device:
    if isinstance(model, torch.nn.Module):
        for p in model.parameters():
            return p.device
    return torch.device("cpu")


def _integer_model_input(model: Any) -> bool:
    """Token models take integer ids; keep integer inputs as they are for them."""
    return isinstance(model, torch.nn.Module) and any(isinstance(m, torch.nn.Embedding) for m in model.modules())


def predicted_class(logits: torch.Tensor) -> int:
    """The class a model predicts from its outputs on one input: argmax, or ``z > 0`` for a single logit."""
    logits = as_logits(logits)
    z = logits.reshape(1, -1) if logits.ndim <= 1 else logits.reshape(logits.shape[0], -1)
    if z.shape[1] == 1:
        return int(z[0, 0] > 0)
    return int(torch.argmax(z[0]))


def _describe_baseline(base: torch.Tensor) -> str:
    flat = base.reshape(-1)
    if flat.numel() and bool((flat == flat[0]).all()):
        return f"constant {float(flat[0])!r}"
    return f"tensor of shape {tuple(base.shape)} (sha256 {tensor_fingerprint(base)[:16]})"
