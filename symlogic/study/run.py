"""``explain_many``: :func:`symlogic.explain` on every sample of a dataset, resumably, in parallel.

Each sample's result is content-addressed (:mod:`.keys`) and saved in ``out/`` as its evidence
bundle (:mod:`.store`) the moment it is done, so a killed run resumes without redoing finished
samples, and folders of two runs merge. Tasks run in this process, a local process pool or a Ray
cluster (:mod:`.executors`); the memory guard (:mod:`.memory`) sizes the pool.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..defaults import Q_BOUND, TAU
from ..errors import InputError, SymlogicError
from ..params import positive_int
from ..progress import Progress, log_line
from ..record import PROGRESS_LOG_EVERY_S
from .executors import EXECUTORS, Executor, LocalExecutor, RayExecutor, make_executor
from .keys import library_versions, model_identity, sample_key, value_digest
from .memory import WORKER_BASE_BYTES, measured_peak, plan_memory
from .results import SampleFailure
from .spec import ExplainSettings, RecordSettings, SampleSpec, build_adapter, split_inputs
from .store import ResultStore
from .study import Study
from .work import Shared, Task

__all__ = ["explain_many", "SampleError", "ON_ERROR"]

#: What a failing sample does: stop the run ("raise", after saving what finished) or be listed in
#: ``Study.failures`` ("skip").
ON_ERROR = ("raise", "skip")


class SampleError(SymlogicError):
    """A sample of :func:`explain_many` failed; ``index``, ``key`` and ``error`` say which and why."""

    def __init__(self, message: str, index: int, key: str, error: str) -> None:
        super().__init__(message)
        self.index, self.key, self.error = index, key, error


def _check_explain(settings: ExplainSettings) -> None:
    """Refuse, before any work, what :func:`symlogic.pipeline.explain` would refuse on every sample."""
    from ..claims import parse_claim
    from ..extraction.solvers import resolve

    resolve(settings.method, dict(settings.options))  # unknown method or option: says which exist
    for c in settings.claims:
        text = c if isinstance(c, str) else (c[0] if isinstance(c, (tuple, list)) and c else None)
        if not isinstance(text, str):
            raise InputError(f"a claim is a string or a (text, 'record'|'model') pair, got {c!r:.100}")
        parse_claim(text)


def _settings_json(spec: SampleSpec, rs: RecordSettings, es: ExplainSettings, model_id: str,
                   versions: dict[str, str], executor: Executor) -> dict[str, Any]:
    """How the study was made, JSON-friendly (callables and objects by their repr)."""
    def plain(x: Any) -> Any:
        if x is None or isinstance(x, (bool, int, float, str)):
            return x
        if isinstance(x, (list, tuple)):
            return [plain(v) for v in x]
        if isinstance(x, dict):
            return {str(k): plain(v) for k, v in x.items()}
        return f"<{type(x).__name__}>"

    return {"kind": spec.kind if spec.factory is None else "factory", "model": model_id, "versions": versions,
            "adapter": plain({"baseline": spec.baseline, "variables": spec.variables, "names": spec.names,
                              "target_class": spec.target_class, "output": spec.output,
                              "options": sorted(spec.adapter_options)}),
            "record": plain(vars(rs)), "explain": plain({**vars(es), "epsilon": None if es.epsilon is None else str(es.epsilon)}),
            "executor": executor.name}


def _cuda_here() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def _tasks(todo: Sequence[int], keys: Sequence[str], samples: Sequence[Any], per_task: int) -> list[Task]:
    """Consecutive samples (input order) in groups of ``per_task``."""
    return [Task(tuple(keys[i] for i in chunk), tuple(chunk), tuple(samples[i] for i in chunk))
            for chunk in (todo[s:s + per_task] for s in range(0, len(todo), per_task))]


def explain_many(
    model: Any,
    inputs: Any,
    baseline: Any = None,
    *,
    variables: Any = None,
    names: Sequence[str] | None = None,
    kind: str = "tabular",
    adapter: Any = None,
    adapter_options: dict[str, Any] | None = None,
    target_class: int | None = None,
    output: Any = "log-odds",
    method: str = "exact",
    q_bound: float = Q_BOUND,
    tau: float = TAU,
    top_k: int | None = None,
    refit: str | None = "minimax",
    claims: Sequence[Any] = (),
    epsilon: Any = None,
    target: float | None = None,
    time_limit: float | None = None,
    executor: str | Executor = "local",
    out: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    address: str | None = None,
    device: str | None = None,
    threads: int = 1,
    batch_size: int | None = None,
    batch_samples: int = 1,
    progress: bool | None = True,
    memory_limit: Any = None,
    on_error: str = "raise",
    **options: Any,
) -> Study:
    """Explain ``model`` on every sample of ``inputs``: record, extract, build and prove the logic
    model, check claims (:func:`symlogic.explain`), one evidence bundle per sample.

    Args:
        model: the model (a torch module, a callable, or a scikit-learn estimator for "tabular").
        inputs: the samples: rows of an array/tensor/DataFrame [N, d] ("tabular"), images [N, C, H, W]
            ("image"), a list of strings ("text"), or any inputs [N, ...] ("tensor").
        baseline: the adapter's baseline (None: its default, e.g. the column mean for "tabular").
        variables: the adapter's variables: columns, patches, words or index groups (None: its default).
        names: variable (tabular: column) names; a DataFrame's columns by default.
        kind: "tabular", "image", "text" or "tensor" (:data:`symlogic.study.spec.KINDS`).
        adapter: a picklable ``factory(model, x) -> ModelAdapter`` used instead of ``kind``.
        adapter_options: further adapter arguments (``reference`` for a tabular mean baseline,
            ``patch`` and ``n`` for images, ``tokenizer`` and ``head`` for text, …).
        target_class: the class recorded (None: each sample's prediction).
        output: "log-odds" (default), "logit", "prob" or a picklable callable on the outputs.
        method, q_bound, tau, top_k, refit, claims, epsilon, target, time_limit, options: as in
            :func:`symlogic.explain` (``target`` is a share of the output range there).
        executor: "local" (a process pool, default), "ray", "serial" (this process) or an Executor
            (kept open for later calls: a :class:`~symlogic.study.executors.LocalExecutor` keeps its
            workers while model and settings stay the same; close it when done).
        out: the results folder; a rerun over the same folder skips every finished sample, and a folder
            holding several runs' results serves all of them. None: a temporary folder, deleted with
            the returned Study.
        workers: processes (local) or CPUs of a Ray cluster started here; None: all CPUs (local),
            the cluster's (ray). The memory guard may lower it.
        address: a running Ray cluster ("auto" for the local head of ``ray start --head``); None
            starts a local one for this call.
        device: where models record ("cuda", "cpu"); None: where the model is, or "cuda" on a Ray
            cluster with GPUs. Part of each key (devices round differently).
        threads: torch threads per worker (the same count everywhere keeps results bit for bit equal).
        batch_size: masks per forward pass (None: min(2^n, 4096)).
        batch_samples: samples whose masked inputs share forward passes (tabular, image and tensor
            samples of one model); 1 records each alone, exactly as :func:`symlogic.explain` does.
            Part of each key (another batch composition may round the last bits differently).
        progress: show progress: a bar on a terminal, status lines every 30 s (logger "symlogic")
            off one; False: neither.
        memory_limit: bytes (or "8GiB") the run may use; default 80 % of the available memory.
        on_error: "raise" (stop at the first failing sample; what finished is saved) or "skip"
            (go on; failures are listed in ``Study.failures``).

    Returns:
        A :class:`~symlogic.study.study.Study` of the samples in input order.

    Raises:
        InputError: unusable settings, detected before any sample runs.
        SampleError: a sample failed and ``on_error="raise"``.
        ResourceError: not even one worker fits in ``memory_limit``.
    """
    if on_error not in ON_ERROR:
        raise InputError(f"on_error must be one of {ON_ERROR}, got {on_error!r}")
    if not (isinstance(executor, Executor) or executor in EXECUTORS):
        raise InputError(f"executor must be one of {EXECUTORS} or an Executor, got {executor!r}")
    threads = positive_int(threads, "threads", "torch threads per worker")
    batch_samples = positive_int(batch_samples, "batch_samples", "1 records each sample alone")
    if workers is not None:
        workers = positive_int(workers, "workers", "pass None for every CPU")
    if batch_size is not None:
        batch_size = positive_int(batch_size, "batch_size")
    samples = split_inputs(inputs)
    if names is None and kind == "tabular" and adapter is None and hasattr(inputs, "columns"):
        names = [str(c) for c in inputs.columns]
    spec = SampleSpec(kind=kind, baseline=baseline, variables=variables, names=names, target_class=target_class,
                      output=output, adapter_options=dict(adapter_options or {}), factory=adapter)
    es = ExplainSettings(method=method, q_bound=q_bound, tau=tau, top_k=top_k, refit=refit, claims=tuple(claims),
                         epsilon=epsilon, target=target, time_limit=time_limit, options=dict(options))
    _check_explain(es)

    ex = make_executor(executor, workers=workers or os.cpu_count() or 1, address=address, memory_per_task=None)
    owned_executor = not isinstance(executor, Executor)  # an Executor passed in is the caller's to close
    try:
        ex.connect()
        if device is None and isinstance(ex, RayExecutor) and ex.has_gpu:
            device = "cuda"
        rs = RecordSettings(batch_size=batch_size, device=device, threads=threads, batch_samples=batch_samples)
        model_id = model_identity(model)
        versions = library_versions()
        settings_digest = value_digest({"adapter": spec.digest_items(), "record": vars(rs),
                                        "explain": vars(es) | {"options": dict(es.options)}, "versions": versions})
        keys = [sample_key(model_id, value_digest(x), settings_digest) for x in samples]
        folder, owned = (Path(out), False) if out is not None else (Path(tempfile.mkdtemp(prefix="symlogic-study-")), True)
        store = ResultStore(folder)
        settings = _settings_json(spec, rs, es, model_id, versions, ex)
        todo, seen = [], set()
        for i, key in enumerate(keys):
            if key not in store and key not in seen:
                todo.append(i)
                seen.add(key)
        failures = _run(ex, model, spec, rs, es, samples, keys, todo, store, progress=progress,
                        workers=workers, memory_limit=memory_limit, on_error=on_error)
    finally:
        if owned_executor:
            ex.close()
    study = Study.from_store(store, keys, settings=settings, failures=failures)
    if owned:
        study._own(folder)
    return study


def _run(ex: Executor, model: Any, spec: SampleSpec, rs: RecordSettings, es: ExplainSettings, samples: Sequence[Any],
         keys: Sequence[str], todo: Sequence[int], store: ResultStore, *, progress: bool | None, workers: int | None,
         memory_limit: Any, on_error: str) -> list[SampleFailure]:
    """Run the unfinished samples, storing each result as it arrives; returns the failures."""
    unique = len(set(keys))
    failures: list[SampleFailure] = []
    if not todo:
        log_line(f"all {unique} samples are already in {store.root}; nothing to compute", echo=False)
        return failures
    first = None
    for i in todo:  # the first sample that builds: its estimate sizes the pool, and bad settings fail here
        try:
            first = build_adapter(model, spec, samples[i])
            break
        except SymlogicError as exc:
            if on_error == "raise":
                raise SampleError(f"sample {i} (key {keys[i][:12]}…) failed: {type(exc).__name__}: {exc}", i, keys[i],
                                  f"{type(exc).__name__}: {exc}") from exc
    tasks = _tasks(todo, keys, samples, rs.batch_samples)
    if first is not None:
        local = rs.device is None or not str(rs.device).startswith("cuda") or _cuda_here()
        estimate, peak = (measured_peak(lambda: first.estimate(batch_size=rs.batch_size, device=rs.device))
                          if local else (None, None))
        x = getattr(first, "input_tensor", None)
        input_bytes = int(x.numel() * x.element_size()) if x is not None else 0
        plan = plan_memory(workers or ex.parallelism, n=first.n_variables, estimate=estimate, model=model,
                           method=es.method, input_bytes=input_bytes, batch_size=rs.batch_size,
                           samples_per_task=rs.batch_samples, memory_limit=memory_limit, tasks=len(tasks),
                           recording_peak=peak)
        if isinstance(ex, LocalExecutor):
            ex.workers = plan.workers
        elif isinstance(ex, RayExecutor):
            ex.memory_per_task = plan.per_worker - WORKER_BASE_BYTES  # Ray counts what a task adds to its worker
    shared = Shared(model=model, spec=spec, record=rs, explain=es)
    shown = None if progress is not False else False
    with Progress(unique, f"explaining {unique} samples", enabled=shown, unit="samples") as bar:
        if progress is not False and not bar.enabled:  # off a terminal: status lines, not a bar
            bar.log_every(PROGRESS_LOG_EVERY_S, log_line)
        bar.skip(unique - len(todo))
        for outcomes in ex.run(shared, tasks):
            for o in outcomes:
                if o.bundle is not None:
                    store.put(o.key, o.bundle, seconds=o.seconds, peak_rss=o.peak_rss, worker=o.worker)
                else:
                    failures.append(SampleFailure(o.index, o.key, o.error or "unknown error"))
                    if on_error == "raise":
                        raise SampleError(f"sample {o.index} (key {o.key[:12]}…) failed: {o.error}; the {len(store)} "
                                          f"finished samples are saved in {store.root}, and a rerun with the same out= "
                                          "resumes from them (on_error='skip' goes on past failing samples)",
                                          o.index, o.key, o.error or "")
                bar.update(1)
    return failures
