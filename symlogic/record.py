"""Step 1 of the pipeline: the table v(T) of a scalar output on all 2^n masked samples (docs/theory.md §1).

A :class:`Record` is that table (float64, index = mask with bit i = variable i) together with what
made it: variable names, output definition, baseline, fingerprints of model and input.
:func:`record` fills a table from any function of a boolean mask batch, in batches, on any device,
with an optional on-disk checkpoint so an interrupted recording resumes where it stopped.

2^n passes can take hours: :func:`record` times its first batches, estimates the total time and the
table's memory (:class:`RecordingEstimate`, also on its own from :func:`estimate_recording`),
reports a long estimate (logger "symlogic", INFO; periodic progress lines off a terminal, a bar with
ETA on one) and refuses one over ``max_seconds`` before spending it.
"""

from __future__ import annotations

import functools
import hashlib
import numbers
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .checkpoint import CHECKPOINT_EVERY_S, Checkpoint, check_resume, saved_on_exit
from .errors import InputError, ResourceError
from .fingerprint import callable_identity
from .masks import check_names, mask_from_names, mask_names
from .progress import Progress, format_duration, log_line
from .transforms import n_from_length

__all__ = ["Record", "record", "check_memory", "masks_tensor", "MAX_VARIABLES", "RecordingEstimate", "estimate_recording",
           "REPORT_AFTER_S", "PROGRESS_LOG_EVERY_S"]

#: Hard ceiling on n: 2^40 float64 outputs would be 8 TiB.
MAX_VARIABLES = 40


def available_bytes() -> int:
    """Memory available to this process, from /proc/meminfo where present, else a safe guess."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def _human(nbytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if nbytes < 1024 or unit == "PiB":
            return f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.1f} PiB"


def check_memory(n: int, bytes_per_mask: int = 8, what: str = "the table") -> None:
    """Raise :class:`ResourceError` before allocating when 2^n entries will not fit in memory."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
        raise InputError(f"n must be a non-negative integer (not a bool), got {n!r}")
    if n > MAX_VARIABLES:
        raise ResourceError(
            f"n = {n} variables means 2^{n} masked samples ({_human(8.0 * 2**n)} for {what} alone); "
            f"symlogic records at most n = {MAX_VARIABLES}: group input elements into fewer variables"
        )
    need = bytes_per_mask * (1 << n)
    avail = available_bytes()
    if need > 0.8 * avail:
        raise ResourceError(
            f"n = {n} variables needs about {_human(need)} for {what}, but only {_human(avail)} of memory is "
            f"available; use fewer variables (each one less halves it) or a machine with more memory"
        )


def masks_tensor(start: int, stop: int, n: int, device: torch.device | str | None = None) -> torch.Tensor:
    """Boolean tensor [stop − start, n] of the masks start … stop − 1 (row k, column i: bit i)."""
    idx = torch.arange(start, stop, dtype=torch.int64, device=device)
    bits = torch.arange(n, dtype=torch.int64, device=device)
    return ((idx[:, None] >> bits) & 1).bool()


def _complex_error(what: str, dtype: Any) -> InputError:
    return InputError(
        f"{what} are complex ({dtype}); a record holds one real number per mask and casting would silently "
        "drop the imaginary part: return a real scalar per mask deliberately, e.g. out.real or abs(out)"
    )


def real_outputs(out: Any, what: str = "fn's outputs") -> np.ndarray | torch.Tensor:
    """Outputs as a detached real tensor (left on its device) or a float64 array.

    Bools count as 0/1. Complex numbers are refused (casting would drop the imaginary part), and so
    are text, objects and ragged sequences (``np.asarray`` would parse strings like "1.5" or fail
    with a bare TypeError).
    """
    if isinstance(out, torch.Tensor):
        if out.is_complex():
            raise _complex_error(what, out.dtype)
        return out.detach()
    try:
        arr = np.asarray(out)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise InputError(f"{what} are not an array of numbers ({exc}); return one real scalar per mask") from exc
    if arr.dtype.kind == "c":
        raise _complex_error(what, arr.dtype)
    if arr.dtype.kind == "O":
        for x in arr.reshape(-1):
            if isinstance(x, (complex, np.complexfloating)) or (isinstance(x, torch.Tensor) and x.is_complex()):
                raise _complex_error(what, type(x).__name__)
            if not isinstance(x, numbers.Real):
                raise InputError(f"{what} include a {type(x).__name__}, not a number; return one real scalar per mask")
    elif arr.dtype.kind not in "biuf":
        raise InputError(f"{what} have dtype {arr.dtype}, not numbers; return one real scalar per mask")
    return arr.astype(np.float64, copy=False)


def _check_finite(values: np.ndarray, names: Sequence[str]) -> None:
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        shown = ", ".join(f"{int(m)} {{{', '.join(mask_names(int(m), names))}}}" for m in bad[:5])
        more = f" and {bad.size - 5} more" if bad.size > 5 else ""
        raise InputError(
            f"{bad.size} recorded outputs are NaN or infinite, at masks {shown}{more}; "
            "check the model and output definition on those masked inputs (e.g. use output='log-odds', "
            "which is computed stably, instead of log(prob))"
        )


@dataclass(frozen=True)
class Record:
    """The recorded outputs v(T) on all 2^n masks and what made them.

    Attributes:
        values: float64 array of length 2^n; ``values[T]`` is v on the mask T (bit i = variable i).
            Given as reals (bools count as 0/1); complex values are refused, never cast.
        names: one name per variable.
        output: how the scalar was defined ("log-odds", "logit", "prob", "custom", ...).
        baseline: a description of the baseline that replaced masked variables.
        model_fingerprint: SHA-256 of the model's parameters, when a model made the table.
        input_fingerprint: SHA-256 of the input and baseline, when known.
        meta: anything else worth keeping (target class, device, batch size, ...), JSON-friendly.
    """

    values: np.ndarray
    names: tuple[str, ...]
    output: str = "custom"
    baseline: str | None = None
    model_fingerprint: str | None = None
    input_fingerprint: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        values = real_outputs(self.values, "a record's values")
        if isinstance(values, torch.Tensor):
            values = values.to("cpu", torch.float64).numpy()
        if values.ndim != 1:
            raise InputError(f"a record's values must be one-dimensional (one output per mask), got shape {values.shape}")
        n = n_from_length(values.shape[0])
        values = np.array(values, dtype=np.float64, order="C", copy=True)  # never share or freeze the caller's array
        values.setflags(write=False)
        names = check_names(self.names, n)
        _check_finite(values, names)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "names", names)

    @classmethod
    def from_table(cls, values: Any, names: Sequence[str] | None = None, **provenance: Any) -> "Record":
        """Wrap a precomputed table of length 2^n (numpy, torch or a sequence of reals; bools count as 0/1)."""
        arr = real_outputs(values, "the table's values")
        if isinstance(arr, torch.Tensor):
            arr = arr.to("cpu", torch.float64).numpy()
        if arr.ndim != 1:
            raise InputError(f"expected a one-dimensional table of length 2^n, got shape {arr.shape}")
        n = n_from_length(arr.shape[0])
        return cls(values=arr, names=check_names(names, n), **provenance)

    @property
    def n(self) -> int:
        """Number of input variables."""
        return self.values.shape[0].bit_length() - 1

    @functools.cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the recorded float64 bytes: what every guarantee is about. Computed once: the
        table is read-only, and verify, the ε route of check and the bundle reader all ask for it."""
        return hashlib.sha256(self.values.tobytes()).hexdigest()

    def value(self, present: int | Sequence[str]) -> float:
        """v on a mask given as an int or as the names of the present variables."""
        return float(self.values[self.mask(present)])

    def mask(self, present: int | Sequence[str]) -> int:
        """A mask from an int or from the names of the present variables."""
        if isinstance(present, (int, np.integer)):
            if not 0 <= int(present) < self.values.shape[0]:
                raise InputError(f"mask {present} is out of range 0 … {self.values.shape[0] - 1}")
            return int(present)
        return mask_from_names(present, self.names)

    def present(self, mask: int) -> tuple[str, ...]:
        """Names of the variables present in ``mask``."""
        return mask_names(mask, self.names)

    def provenance(self) -> dict[str, Any]:
        """Everything but the table, as JSON-friendly data."""
        return {
            "n": self.n,
            "names": list(self.names),
            "output": self.output,
            "baseline": self.baseline,
            "model_fingerprint": self.model_fingerprint,
            "input_fingerprint": self.input_fingerprint,
            "values_sha256": self.fingerprint,
            "meta": self.meta,
        }


def default_batch_size(n: int) -> int:
    return min(1 << n, 4096)


#: An estimated recording longer than this (seconds) is reported, with progress lines off a terminal.
REPORT_AFTER_S = 10.0
#: Seconds between progress lines off a terminal.
PROGRESS_LOG_EVERY_S = 30.0
#: The clock recordings are timed with (a module attribute so tests can inject a fake one).
_clock: Callable[[], float] = time.perf_counter


@dataclass(frozen=True)
class RecordingEstimate:
    """What recording the 2^n masks will cost, extrapolated from timed batches.

    Attributes:
        n: number of variables.
        masks: masks to record (2^n, less those a checkpoint already holds).
        batches: calls of ``fn`` for them.
        batch_size: masks per call.
        seconds: estimated wall time for them (the timed batches included).
        bytes: the float64 table on the host, 8 · 2^n bytes (about twice that at the end, while the
            :class:`Record` takes its own copy).
        available_bytes: memory available now.
        seconds_per_mask: the measured cost (the fastest timed batch: the first may carry one-off
            start-up costs such as lazy initialisation).
        timed_masks: masks timed for the estimate.
    """

    n: int
    masks: int
    batches: int
    batch_size: int
    seconds: float
    bytes: int
    available_bytes: int
    seconds_per_mask: float
    timed_masks: int

    def __str__(self) -> str:
        batches = f"{self.batches:,} batch{'es' if self.batches != 1 else ''} of {self.batch_size:,}"
        return (f"2^{self.n} masks: about {format_duration(self.seconds)} for {self.masks:,} masks in {batches}, "
                f"and {_human(self.bytes)} for the table ({_human(self.available_bytes)} available), "
                f"from {self.timed_masks:,} timed masks")


def _estimate(n: int, bs: int, masks: int, batches: int, timed: Sequence[tuple[int, float]]) -> RecordingEstimate:
    """Extrapolate the fastest timed batch's cost per mask to ``masks`` masks."""
    per_mask = min(sec / max(m, 1) for m, sec in timed)
    return RecordingEstimate(n=n, masks=masks, batches=batches, batch_size=bs, seconds=per_mask * masks,
                             bytes=8 * (1 << n), available_bytes=available_bytes(), seconds_per_mask=per_mask,
                             timed_masks=sum(m for m, _ in timed))


def _too_slow(est: RecordingEstimate, max_seconds: float) -> ResourceError:
    return ResourceError(
        f"recording {est}: more than max_seconds = {max_seconds:g} s; "
        "use fewer variables (each one less halves the time), a GPU (device='cuda'), a larger batch_size, "
        "or raise max_seconds"
    )


def _finished(out: Any) -> None:
    """Wait until a device tensor is computed (kernels run asynchronously): copy its last entry home."""
    if isinstance(out, torch.Tensor) and out.device.type != "cpu" and out.numel():
        out.reshape(-1)[-1:].to("cpu")


def _check_n(n: Any) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or not 0 <= n <= 62:
        raise InputError(f"n must be an integer 0 … 62 (not a bool), got {n!r}")
    return int(n)


def _batch_outputs(fn: Callable[[torch.Tensor], Any] | None, batch_fn: Callable[[int, int], Any] | None,
                   n: int, dev: torch.device) -> Callable[[int, int], np.ndarray | torch.Tensor]:
    """``(start, stop) -> outputs`` for the masks start … stop − 1, checked to be one real scalar per mask."""

    def outputs(start: int, stop: int) -> np.ndarray | torch.Tensor:
        out = batch_fn(start, stop) if batch_fn is not None else fn(masks_tensor(start, stop, n, dev))  # type: ignore[misc]
        out = real_outputs(out).reshape(-1)
        if out.shape[0] != stop - start:
            raise InputError(
                f"fn returned {out.shape[0]} outputs for a batch of {stop - start} masks; "
                "it must return one scalar per mask (shape [B])"
            )
        return out

    return outputs


def estimate_recording(
    fn: Callable[[torch.Tensor], Any] | None,
    n: int,
    batch_size: int | None = None,
    device: torch.device | str | None = None,
    *,
    batch_fn: Callable[[int, int], Any] | None = None,
) -> RecordingEstimate:
    """Estimate what ``record(fn, n, ...)`` will cost without recording: time and table memory.

    Runs ``fn`` on the first batch of masks, and on the second when the first took under
    :data:`REPORT_AFTER_S` (the first may carry start-up costs; the faster one counts), and
    extrapolates to all 2^n masks. Arguments as in :func:`record`.
    """
    n = _check_n(n)
    total = 1 << n
    bs = int(batch_size) if batch_size else default_batch_size(n)
    if bs < 1:
        raise InputError(f"batch_size must be at least 1, got {batch_size}")
    dev = torch.device(device) if device is not None else torch.device("cpu")
    outputs = _batch_outputs(fn, batch_fn, n, dev)
    timed: list[tuple[int, float]] = []
    for start in range(0, min(total, 2 * bs), bs):
        stop = min(start + bs, total)
        t0 = _clock()
        _finished(outputs(start, stop))
        timed.append((stop - start, _clock() - t0))
        if timed[0][1] >= REPORT_AFTER_S:
            break
    return _estimate(n, bs, total, -(-total // bs), timed)


def record(
    fn: Callable[[torch.Tensor], Any],
    n: int,
    names: Sequence[str] | None = None,
    batch_size: int | None = None,
    device: torch.device | str | None = None,
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_key: str | None = None,
    progress: bool | None = None,
    batch_fn: Callable[[int, int], Any] | None = None,
    max_seconds: float | None = None,
    **provenance: Any,
) -> Record:
    """Record ``fn`` on all 2^n masks.

    Args:
        fn: takes a boolean tensor [B, n] (True = variable present) on ``device`` and returns B
            scalar outputs (tensor, array or sequence).
        n: number of variables.
        names: variable names (default x0 … x{n−1}).
        batch_size: masks per call (default min(2^n, 4096)).
        device: where the mask batches are made (default CPU).
        checkpoint: a file path; finished batches are saved there and a rerun resumes from them.
            The file is bound to n, names, batch size and ``checkpoint_key`` (or, without a key, the
            identity of ``fn``/``batch_fn``: code, closure, parameters) and carries a SHA-256 of its
            content; on resume the last finished batch is run again and must match what is stored
            (to a relative 1e-6: GPU kernels may sum in another order). Any mismatch is refused.
        checkpoint_key: a string that identifies what is recorded (e.g. fingerprints of model and
            input); a checkpoint with another key is refused.
        progress: show progress (default None: on a terminal, a bar once work takes > 1.5 s; off
            one, status lines every :data:`PROGRESS_LOG_EVERY_S` when the estimate exceeds
            :data:`REPORT_AFTER_S`); True: always the bar; False: neither.
        batch_fn: optional ``(start, stop) -> outputs`` for the masks start … stop − 1, used instead
            of ``fn(masks_tensor(start, stop))`` by callers that can build a batch without the mask
            tensor (``record_model``: fewer kernel launches per batch on a GPU). ``fn`` is then unused.
        max_seconds: refuse (before going on) when the estimate from the first batches exceeds it.
        **provenance: fields of :class:`Record` (output, baseline, fingerprints, meta).

    Outputs must be real: bools count as 0/1; complex outputs are refused rather than cast (the
    imaginary part would be lost), and so are text and other objects.

    The first batch (two when the first looks slow: it may carry start-up costs) is timed and the
    total extrapolated (:class:`RecordingEstimate`); an estimate over :data:`REPORT_AFTER_S` is
    sent to the "symlogic" logger at INFO (to stderr when no logging is configured and
    ``progress`` is not False).

    Raises:
        InputError: a batch of the wrong size, NaN/inf outputs (the masks are named), bad names,
            complex or non-numeric outputs, a checkpoint of another recording or altered on disk.
        ResourceError: 2^n outputs do not fit in memory (says how much is needed), or the estimated
            time exceeds ``max_seconds`` (says the estimate and what to change).
    """
    check_memory(n)
    if max_seconds is not None and (isinstance(max_seconds, bool) or not isinstance(max_seconds, (int, float))
                                    or not max_seconds > 0):
        raise InputError(f"max_seconds must be a positive number of seconds, got {max_seconds!r}")
    names = check_names(names, n)
    total = 1 << n
    bs = int(batch_size) if batch_size else default_batch_size(n)
    if bs < 1:
        raise InputError(f"batch_size must be at least 1, got {batch_size}")
    dev = torch.device(device) if device is not None else torch.device("cpu")
    outputs = _batch_outputs(fn, batch_fn, n, dev)

    def on_host(start: int, stop: int) -> np.ndarray:
        out = outputs(start, stop)
        return out.to("cpu", torch.float64).numpy() if isinstance(out, torch.Tensor) else out

    ckpt = None
    if checkpoint is not None:
        fn_identity = None if checkpoint_key else callable_identity(batch_fn if batch_fn is not None else fn)
        ckpt = Checkpoint(checkpoint, n, names, bs, checkpoint_key or None, fn_identity)
        check_resume(ckpt, on_host)
    values = ckpt.values if ckpt is not None else np.empty(total)
    on_device: list[tuple[int, torch.Tensor]] = []  # (start, outputs) kept where fn made them
    starts = range(0, total, bs)
    todo = [b for b in range(len(starts)) if ckpt is None or not ckpt.done[b]]
    todo_masks = sum(min(bs, total - b * bs) for b in todo)
    timed: list[tuple[int, float]] = []  # (masks, seconds) of the first batches of this run
    estimating = len(todo) > 1
    last_save = _clock()
    with Progress(total, f"recording 2^{n} masks", enabled=progress, unit="masks", clock=_clock) as bar, \
            saved_on_exit(ckpt):
        bar.skip(total - todo_masks)
        for b in todo:
            start = starts[b]
            stop = min(start + bs, total)
            t0 = _clock()
            out = outputs(start, stop)
            if estimating:
                _finished(out)
                timed.append((stop - start, _clock() - t0))
                est = _estimate(n, bs, todo_masks, len(todo), timed)
                slow = est.seconds > min(REPORT_AFTER_S, max_seconds or REPORT_AFTER_S)
                if len(timed) == 2 or not slow or b == todo[-1] or timed[0][1] >= REPORT_AFTER_S:
                    estimating = False  # decided: from one batch, or confirmed by a second
                    if max_seconds is not None and est.seconds > max_seconds:
                        raise _too_slow(est, max_seconds)
                    if est.seconds > REPORT_AFTER_S:
                        _report(est, bar, progress)
            if isinstance(out, torch.Tensor) and out.device.type != "cpu" and ckpt is None:
                # Keep device outputs on the device and copy once at the end: a copy per batch
                # would wait for every batch to finish before the next one is queued.
                on_device.append((start, out.to(torch.float64)))
            else:
                values[start:stop] = out.to("cpu", torch.float64).numpy() if isinstance(out, torch.Tensor) else out
            if ckpt is not None:
                # a batch with NaN/inf is not kept as finished: a rerun recomputes it (the error names its masks)
                ckpt.done[b] = bool(np.isfinite(values[start:stop]).all())
                if _clock() - last_save > CHECKPOINT_EVERY_S:
                    ckpt.save()
                    last_save = _clock()
            bar.update(stop - start)
    if on_device:
        host = torch.cat([t for _, t in on_device]).cpu().numpy()
        if len(on_device) == len(starts):  # every batch, in order: the copy is the table
            values = host
        else:
            offset = 0
            for start, t in on_device:
                values[start:start + t.shape[0]] = host[offset:offset + t.shape[0]]
                offset += t.shape[0]
    meta = dict(provenance.pop("meta", {}) or {})
    meta.setdefault("batch_size", bs)
    meta.setdefault("device", str(dev))
    return Record(values=values, names=names, meta=meta, **provenance)  # Record makes its own copy


def _report(est: RecordingEstimate, bar: Progress, progress: bool | None) -> None:
    """Say that a recording will take a while, and keep saying how far it is: an ETA on the bar on
    a terminal (or with ``progress=True``), status lines every :data:`PROGRESS_LOG_EVERY_S` off one."""
    bar.clear_line()  # a bar already drawn on stderr would run into the line
    log_line(f"recording {est}", echo=progress is not False)
    if bar.enabled:
        bar.show_eta = True
    elif progress is None:
        bar.log_every(PROGRESS_LOG_EVERY_S, log_line)
