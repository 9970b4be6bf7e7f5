"""The memory guard: how many samples may run at once without running out of memory.

Each worker holds the libraries and its own copy of the model, and for each sample in flight the
recorded table (:func:`symlogic.record.estimate_recording` gives its size, 8·2^n bytes, from a timed
batch of the first sample, during which the memory the batch adds — the model's activations — is
measured where the system allows: :func:`measured_peak`), the arrays derived from it, the solver's
matrices (the interior point's dense 2^n × 2^n factor, 16·4^n bytes, when n > 10) and the proof's
encoding. :func:`plan_memory`
adds that up, lowers the number of workers to fit ``memory_limit`` (default 80 % of the memory
available now), and refuses with the numbers when one worker does not fit. It is an estimate: the
measured peak of each worker is kept with every result (``SampleResult.peak_rss``) to check it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import InputError, ResourceError
from ..progress import log_line
from ..record import RecordingEstimate, available_bytes

__all__ = ["MemoryPlan", "plan_memory", "parse_bytes", "model_bytes", "measured_peak", "WORKER_BASE_BYTES", "human"]

#: A worker's resident memory before its first sample (Python, torch, NumPy, SciPy, HiGHS, Z3
#: imported): about 0.45 GiB measured on Linux with torch 2.13 (benchmarks/bench_study.py).
WORKER_BASE_BYTES = 512 << 20
#: Tables of 2^n float64 values a sample keeps or derives (record, AND, OR, q, certificate,
#: transforms, the minimax fit's rows) with room to spare.
TABLES_PER_SAMPLE = 48
#: Bytes per mask for the proof's encoding and the exact check.
PROOF_BYTES_PER_MASK = 4096
#: Above this n the exact extraction may take the interior point with its dense 2^n × 2^n factor.
DENSE_FROM_N = 11

T = TypeVar("T")

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1000, "kib": 1 << 10, "m": 1 << 20, "mb": 10**6, "mib": 1 << 20,
          "g": 1 << 30, "gb": 10**9, "gib": 1 << 30, "t": 1 << 40, "tb": 10**12, "tib": 1 << 40}


def human(nbytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(nbytes) < 1024 or unit == "TiB":
            return f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.1f} TiB"


def parse_bytes(value: Any, what: str = "memory_limit") -> int | None:
    """Bytes from an int or a string such as "8GiB", "512 MB"; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError(f"{what} must be a number of bytes or a size such as '8GiB', got {value!r}")
    if isinstance(value, (int, float)):
        if not value > 0:
            raise InputError(f"{what} must be positive, got {value!r}")
        return int(value)
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", str(value))
    if not m or m.group(2).lower() not in _UNITS:
        raise InputError(f"{what} must be a number of bytes or a size such as '8GiB' or '512MB', got {value!r}")
    size = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    if size <= 0:
        raise InputError(f"{what} must be positive, got {value!r}")
    return size


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def measured_peak(fn: Callable[[], T]) -> tuple[T, int | None]:
    """``fn()`` and the memory it added at its peak (bytes above the resident size before it), where
    the system can measure it (Linux: the peak is reset through /proc/self/clear_refs); else None."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")  # reset this process's peak resident size to its current size
    except OSError:
        return fn(), None
    before = _status_kib("VmRSS")
    out = fn()
    peak = _status_kib("VmHWM")
    return out, (None if before is None or peak is None else max(0, peak - before))


def model_bytes(model: Any) -> int:
    """Bytes of a torch module's parameters and buffers (0 for other models)."""
    try:
        import torch

        if isinstance(model, torch.nn.Module):
            return sum(t.numel() * t.element_size() for t in list(model.parameters()) + list(model.buffers()))
    except Exception:  # noqa: BLE001 - a module without plain tensors: nothing to count
        pass
    return 0


@dataclass(frozen=True)
class MemoryPlan:
    """The estimate and the decision: bytes per sample and per worker, how many workers run."""

    per_sample: int
    per_worker: int
    workers: int
    requested: int
    limit: int

    def __str__(self) -> str:
        return (f"{self.workers} worker(s) × {human(self.per_worker)} (of which {human(self.per_sample)} per sample in "
                f"flight) within {human(self.limit)}")


def sample_bytes(n: int, estimate: RecordingEstimate | None, *, method: str = "exact", input_bytes: int = 0,
                 batch_size: int | None = None, recording_peak: int | None = None) -> int:
    """Estimated peak bytes of one sample at n variables (see the module docstring);
    ``recording_peak``: the memory a timed batch was measured to add (its activations), when known."""
    masks = 1 << n
    table = estimate.bytes if estimate is not None else 8 * masks
    rows = min(batch_size or masks, masks)
    batch = max(32 * rows * max(input_bytes, 8), recording_peak or 0)
    out = TABLES_PER_SAMPLE * table + PROOF_BYTES_PER_MASK * masks + batch
    if method == "exact" and n >= DENSE_FROM_N:
        out += 16 * masks * masks
    return int(out)


def plan_memory(requested: int, *, n: int, estimate: RecordingEstimate | None, model: Any = None,
                method: str = "exact", input_bytes: int = 0, batch_size: int | None = None, samples_per_task: int = 1,
                memory_limit: Any = None, tasks: int | None = None, recording_peak: int | None = None) -> MemoryPlan:
    """How many of ``requested`` workers fit in ``memory_limit`` (default: 80 % of the available memory).

    Raises:
        ResourceError: not even one worker fits; the message gives the estimate and what to change.
    """
    limit = parse_bytes(memory_limit) or int(0.8 * available_bytes())
    per_sample = sample_bytes(n, estimate, method=method, input_bytes=input_bytes, batch_size=batch_size,
                              recording_peak=recording_peak)
    per_worker = WORKER_BASE_BYTES + model_bytes(model) + samples_per_task * per_sample
    fit = limit // per_worker
    want = max(1, min(requested, tasks or requested))
    if fit < 1:
        raise ResourceError(
            f"one worker needs about {human(per_worker)} ({human(per_sample)} per sample at n = {n}, with the model and "
            f"libraries), more than the {human(limit)} allowed (memory_limit); use fewer variables (each one less "
            "quarters the solver's dense part and halves the rest), batch_samples=1, or a machine with more memory")
    workers = int(min(want, fit))
    if workers < want:
        log_line(f"memory guard: running {workers} worker(s) instead of {want}: each needs about {human(per_worker)} "
                 f"and {human(limit)} is allowed (memory_limit)")
    return MemoryPlan(per_sample=per_sample, per_worker=per_worker, workers=workers, requested=want, limit=limit)
