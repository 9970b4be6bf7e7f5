"""The work of one task, wherever it runs: build each sample's adapter, record, explain, bundle.

A task is a few samples (one, or ``batch_samples`` stacked into shared forward passes); what every
task shares (the model and the settings, :class:`Shared`) travels once per worker. A task returns one
:class:`Outcome` per sample: the evidence bundle's bytes (the parent writes them, so workers on other
machines need no shared disk) or the error, with the time taken and the worker's peak memory.
"""

from __future__ import annotations

import contextlib
import copy
import os
import resource
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..adapters.base import MaskedInputAdapter, ModelAdapter, add_meta
from ..model_record import as_logits, eval_mode, model_query, scalar_output
from ..record import Record, default_batch_size, masks_tensor
from .spec import ExplainSettings, RecordSettings, SampleSpec, build_adapter

__all__ = ["Shared", "Task", "Outcome", "run_task", "record_group", "evidence_bytes", "peak_rss"]


@dataclass(frozen=True)
class Shared:
    """What every task of a study needs: the model and the settings (sent to each worker once)."""

    model: Any
    spec: SampleSpec
    record: RecordSettings
    explain: ExplainSettings


@dataclass(frozen=True)
class Task:
    """Samples recorded and explained together: their keys, positions in the inputs, and inputs."""

    keys: tuple[str, ...]
    indices: tuple[int, ...]
    inputs: tuple[Any, ...]


@dataclass(frozen=True)
class Outcome:
    """One sample's result: its bundle's bytes, or the error (type and message) that stopped it."""

    key: str
    index: int
    bundle: bytes | None
    error: str | None
    seconds: float
    peak_rss: int
    worker: str


def peak_rss() -> int:
    """This process's peak resident memory so far, in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def evidence_bytes(ev: Any) -> bytes:
    """The bundle :meth:`symlogic.evidence.Evidence.save` writes, as bytes."""
    with tempfile.TemporaryDirectory(prefix="symlogic-sample-") as tmp:
        path = Path(tmp) / "evidence.zip"
        ev.save(path)
        return path.read_bytes()


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run with ``threads`` torch threads (the same count everywhere gives the same bits), restored after."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def prepared_model(model: Any, device: str | None, *, copy_first: bool) -> Any:
    """The model on ``device`` (a copy when ``copy_first``, so the caller's model is never moved)."""
    if device is None or not isinstance(model, torch.nn.Module):
        return model
    current = next((p.device for p in model.parameters()), torch.device("cpu"))
    if current == torch.device(device):
        return model
    return (copy.deepcopy(model) if copy_first else model).to(device)


def _groupable(adapters: Sequence[ModelAdapter]) -> bool:
    """Can these samples share forward passes: masked-input adapters of one module and input shape."""
    if len(adapters) < 2 or not all(isinstance(a, MaskedInputAdapter) for a in adapters):
        return False
    first = adapters[0]
    module = first._recorded()[0]  # type: ignore[attr-defined]
    return all(a._recorded()[0] is module and a.input_tensor.shape == first.input_tensor.shape  # type: ignore[attr-defined]
               and a.input_tensor.dtype == first.input_tensor.dtype for a in adapters)  # type: ignore[attr-defined]


def record_group(adapters: Sequence[MaskedInputAdapter], *, batch_size: int | None = None,
                 device: str | None = None) -> list[Record]:
    """Record several samples of one model at once: their 2^n masked inputs are stacked and run
    through the model in shared batches of ``batch_size`` rows (docs/theory.md §1 for each sample).

    The masked inputs, the output definition and the provenance are those of
    :meth:`MaskedInputAdapter.record`; only the batch composition differs, so a model may round the
    last bits differently (``meta["batched_samples"]`` says how many samples shared the passes).
    """
    module = adapters[0]._recorded()[0]
    provenance, targets, outputs, tables = [], [], [], []
    for a in adapters:
        _, target, _ = a._recorded()
        with a._recording(), model_query(module, a.input_tensor, a.baseline_tensor, a.membership, target,
                                         a._output_spec(), device=device, baseline_name=a.baseline_description) as q:
            provenance.append(q.provenance)
            targets.append(q.target)
            dev = q.device
        outputs.append(a._output_spec())
        tables.append(a.masked(masks_tensor(0, 1 << a.n_variables, a.n_variables)))
    rows = torch.cat(tables)
    bs = int(batch_size) if batch_size else default_batch_size(max(a.n_variables for a in adapters))
    forward = module if isinstance(module, torch.nn.Module) else (lambda b: as_logits(module(b)))
    with adapters[0]._recording(), eval_mode(module), torch.inference_mode():
        logits = torch.cat([as_logits(forward(rows[s:s + bs].to(dev))).to("cpu") for s in range(0, rows.shape[0], bs)])
    records, start = [], 0
    for a, prov, target, output in zip(adapters, provenance, targets, outputs):
        stop = start + (1 << a.n_variables)
        values = scalar_output(logits[start:stop], target, output).to("cpu", torch.float64).numpy()
        start = stop
        meta = dict(prov["meta"], batch_size=bs, device=str(dev), batched_samples=len(adapters))
        rec = Record(values=np.asarray(values), names=a.variable_names, output=prov["output"], baseline=prov["baseline"],
                     model_fingerprint=prov["model_fingerprint"], input_fingerprint=prov["input_fingerprint"], meta=meta)
        records.append(add_meta(rec, a._record_fields(), **a._recorded()[2]))
    return records


def _records(shared: Shared, model: Any, inputs: Sequence[Any]) -> list[Record | BaseException]:
    """Each input's record (or the error that stopped it), stacked when the settings ask and the adapters allow."""
    rs = shared.record
    adapters: list[ModelAdapter | BaseException] = []
    for x in inputs:
        try:
            adapters.append(build_adapter(model, shared.spec, x))
        except Exception as exc:  # noqa: BLE001 - reported per sample
            adapters.append(exc)
    built = [a for a in adapters if not isinstance(a, BaseException)]
    if rs.batch_samples > 1 and len(built) == len(adapters) and _groupable(built):  # type: ignore[arg-type]
        try:
            return list(record_group(built, batch_size=rs.batch_size, device=rs.device))  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - record one by one, so the failing sample is named alone
            pass
    out: list[Record | BaseException] = []
    for a in adapters:
        if isinstance(a, BaseException):
            out.append(a)
            continue
        try:
            out.append(a.record(batch_size=rs.batch_size, device=rs.device, progress=False))
        except Exception as exc:  # noqa: BLE001 - reported per sample
            out.append(exc)
    return out


def _error(exc: BaseException) -> str:
    """``Type: message`` and the innermost frame, for the parent's error message."""
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" (at {Path(tb[-1].filename).name}:{tb[-1].lineno})" if tb else ""
    return f"{type(exc).__name__}: {exc}{where}"


def run_task(shared: Shared, task: Task, *, model: Any = None) -> list[Outcome]:
    """Record, explain and bundle the task's samples; never raises for a sample's own failure.

    ``model`` overrides ``shared.model`` (a worker's copy already moved to its device).
    """
    from ..pipeline import explain

    model = shared.model if model is None else model
    worker = f"{os.uname().nodename}:{os.getpid()}"
    outcomes = []
    with torch_threads(shared.record.threads):
        t0 = time.perf_counter()
        records = _records(shared, model, task.inputs)
        share = (time.perf_counter() - t0) / max(len(records), 1)  # a stacked recording's time, shared out
        for key, index, rec in zip(task.keys, task.indices, records):
            start = time.perf_counter()
            bundle, error = None, None
            if isinstance(rec, BaseException):
                error = _error(rec)
            else:
                try:
                    ev = explain(rec, progress=False, device=shared.record.device, **shared.explain.kwargs())
                    bundle = evidence_bytes(ev)
                except Exception as exc:  # noqa: BLE001 - reported per sample
                    error = _error(exc)
            outcomes.append(Outcome(key=key, index=index, bundle=bundle, error=error,
                                    seconds=share + time.perf_counter() - start, peak_rss=peak_rss(), worker=worker))
    return outcomes

