"""Step 1 of the pipeline: the table v(T) of a scalar output on all 2^n masked samples (THEORY §1).

A :class:`Record` is that table (float64, index = mask with bit i = variable i) together with what
made it: variable names, output definition, baseline, fingerprints of model and input.
:func:`record` fills a table from any function of a boolean mask batch, in batches, on any device,
with an optional on-disk checkpoint so an interrupted recording resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .errors import InputError, ResourceError
from .masks import check_names, mask_from_names, mask_names
from .progress import Progress
from .transforms import n_from_length

__all__ = ["Record", "record", "check_memory", "masks_tensor", "MAX_VARIABLES"]

#: Hard ceiling on n: 2^40 float64 outputs would be 8 TiB.
MAX_VARIABLES = 40


def _available_bytes() -> int:
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
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise InputError(f"n must be a non-negative integer, got {n!r}")
    if n > MAX_VARIABLES:
        raise ResourceError(
            f"n = {n} variables means 2^{n} masked samples ({_human(8.0 * 2**n)} for {what} alone); "
            f"symlogic records at most n = {MAX_VARIABLES}: group input elements into fewer variables"
        )
    need = bytes_per_mask * (1 << n)
    avail = _available_bytes()
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
        values = np.asarray(self.values)
        if values.ndim != 1:
            raise InputError(f"a record's values must be one-dimensional (one output per mask), got shape {values.shape}")
        if not (np.issubdtype(values.dtype, np.floating) or np.issubdtype(values.dtype, np.integer)):
            raise InputError(f"a record's values must be numbers, got dtype {values.dtype}")
        n = n_from_length(values.shape[0])
        values = np.array(values, dtype=np.float64, order="C", copy=True)  # never share or freeze the caller's array
        values.setflags(write=False)
        names = check_names(self.names, n)
        _check_finite(values, names)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "names", names)

    @classmethod
    def from_table(cls, values: Any, names: Sequence[str] | None = None, **provenance: Any) -> "Record":
        """Wrap a precomputed table of length 2^n (numpy, torch or a sequence)."""
        if isinstance(values, torch.Tensor):
            values = values.detach().to("cpu", torch.float64).numpy()
        arr = np.asarray(values)
        if arr.ndim != 1:
            raise InputError(f"expected a one-dimensional table of length 2^n, got shape {arr.shape}")
        n = n_from_length(arr.shape[0])
        return cls(values=arr, names=check_names(names, n), **provenance)

    @property
    def n(self) -> int:
        """Number of input variables."""
        return self.values.shape[0].bit_length() - 1

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the recorded float64 bytes: what every guarantee is about."""
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


class _Checkpoint:
    """Finished batches of a recording kept on disk (an .npz of plain arrays, never pickled)."""

    def __init__(self, path: str | os.PathLike[str], n: int, batch_size: int, key: str) -> None:
        self.path = Path(path)
        self.key = key
        self.n = n
        self.batch_size = batch_size
        nbatch = -(-(1 << n) // batch_size)
        self.values = np.full(1 << n, np.nan)
        self.done = np.zeros(nbatch, dtype=bool)
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        try:
            with np.load(self.path, allow_pickle=False) as data:
                header = json.loads(bytes(data["header"]).decode("utf-8"))
                values, done = data["values"], data["done"]
        except Exception as exc:  # any unreadable file is reported the same way
            raise InputError(f"checkpoint {self.path} is not a readable symlogic checkpoint ({exc}); delete it to start afresh") from exc
        expected = {"n": self.n, "batch_size": self.batch_size, "key": self.key}
        if header != expected or values.shape != self.values.shape or done.shape != self.done.shape:
            raise InputError(
                f"checkpoint {self.path} belongs to a different recording ({header}); "
                f"this one is {expected}: pass another checkpoint path or delete the file"
            )
        self.values[...] = values
        self.done[...] = done

    def save(self) -> None:
        header = json.dumps({"n": self.n, "batch_size": self.batch_size, "key": self.key}, sort_keys=True)
        tmp = self.path.with_name(self.path.name + ".tmp.npz")
        np.savez(tmp, header=np.frombuffer(header.encode("utf-8"), dtype=np.uint8), values=self.values, done=self.done)
        os.replace(tmp, self.path)


#: Seconds between checkpoint writes; the checkpoint is also written when recording stops for any reason.
_CHECKPOINT_EVERY_S = 5.0


@contextlib.contextmanager
def _saved_on_exit(ckpt: _Checkpoint | None) -> Iterator[None]:
    """Write the checkpoint however the block ends (done, exception, KeyboardInterrupt)."""
    try:
        yield
    finally:
        if ckpt is not None:
            ckpt.save()


def _default_batch_size(n: int) -> int:
    return min(1 << n, 4096)


def record(
    fn: Callable[[torch.Tensor], Any],
    n: int,
    names: Sequence[str] | None = None,
    batch_size: int | None = None,
    device: torch.device | str | None = None,
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_key: str = "",
    progress: bool | None = None,
    batch_fn: Callable[[int, int], Any] | None = None,
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
        checkpoint_key: a string that identifies what is recorded; a checkpoint with another key is refused.
        progress: show a progress bar (default: when stderr is a terminal and work takes > 1.5 s).
        batch_fn: optional ``(start, stop) -> outputs`` for the masks start … stop − 1, used instead
            of ``fn(masks_tensor(start, stop))`` by callers that can build a batch without the mask
            tensor (``record_model``: fewer kernel launches per batch on a GPU). ``fn`` is then unused.
        **provenance: fields of :class:`Record` (output, baseline, fingerprints, meta).

    Raises:
        InputError: a batch of the wrong size, NaN/inf outputs (the masks are named), bad names.
        ResourceError: 2^n outputs do not fit in memory (says how much is needed).
    """
    check_memory(n)
    names = check_names(names, n)
    total = 1 << n
    bs = int(batch_size) if batch_size else _default_batch_size(n)
    if bs < 1:
        raise InputError(f"batch_size must be at least 1, got {batch_size}")
    dev = torch.device(device) if device is not None else torch.device("cpu")
    ckpt = _Checkpoint(checkpoint, n, bs, checkpoint_key) if checkpoint is not None else None
    values = ckpt.values if ckpt is not None else np.empty(total)
    on_device: list[tuple[int, torch.Tensor]] = []  # (start, outputs) kept where fn made them
    starts = range(0, total, bs)
    last_save = time.perf_counter()
    with Progress(len(starts), f"recording 2^{n} masks", enabled=progress) as bar, _saved_on_exit(ckpt):
        for b, start in enumerate(starts):
            if ckpt is not None and ckpt.done[b]:
                bar.update()
                continue
            stop = min(start + bs, total)
            out = batch_fn(start, stop) if batch_fn is not None else fn(masks_tensor(start, stop, n, dev))
            out = out.detach().reshape(-1) if isinstance(out, torch.Tensor) else np.asarray(out, dtype=np.float64).reshape(-1)
            if out.shape[0] != stop - start:
                raise InputError(
                    f"fn returned {out.shape[0]} outputs for a batch of {stop - start} masks; "
                    "it must return one scalar per mask (shape [B])"
                )
            if isinstance(out, torch.Tensor) and ckpt is None:
                # Keep device outputs on the device and copy once at the end: a copy per batch
                # would wait for every batch to finish before the next one is queued.
                on_device.append((start, out.to(torch.float64)))
            else:
                values[start:stop] = out.to("cpu", torch.float64).numpy() if isinstance(out, torch.Tensor) else out
            if ckpt is not None:
                ckpt.done[b] = True
                if time.perf_counter() - last_save > _CHECKPOINT_EVERY_S:
                    ckpt.save()
                    last_save = time.perf_counter()
            bar.update()
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
