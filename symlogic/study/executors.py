"""Where a study's tasks run: in this process, a local process pool, or a Ray cluster.

Every executor runs the same function (:func:`symlogic.study.work.run_task`) on the same pickled
:class:`~symlogic.study.work.Shared` payload with the same torch thread count, so the results are
the same wherever they ran (same bytes of every table, split, formula and verdict; only timings
differ). The payload (model and settings) goes to each worker once; a task carries only its inputs.

- :class:`SerialExecutor` ("serial"): in this process, one task at a time.
- :class:`LocalExecutor` ("local"): a :class:`concurrent.futures.ProcessPoolExecutor` started with
  "spawn" (safe with torch and threads; the model's class must be importable by the workers).
- :class:`RayExecutor` ("ray"): one Ray task per task, on a running cluster (``address``) or a
  local one it starts (``ray.init(num_cpus=workers)``); a GPU per task when the cluster has GPUs.
  Needs the optional extra: ``pip install "symlogic[ray]"``.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..errors import InputError, ResourceError, SymlogicError
from .work import Outcome, Shared, Task, prepared_model, run_task

__all__ = ["Executor", "SerialExecutor", "LocalExecutor", "RayExecutor", "make_executor", "EXECUTORS", "payload",
           "import_ray"]

#: The executors by name.
EXECUTORS = ("local", "ray", "serial")

# The payload a worker process holds, by digest: a pool worker gets it from its initializer, a Ray
# worker fetches it from the object store on its first task. One entry: a new study replaces it.
_WORKER_PAYLOAD: dict[str, tuple[Shared, Any]] = {}


def payload(shared: Shared) -> tuple[bytes, str]:
    """``shared`` pickled once for every worker, and its SHA-256; a clear error when it cannot be pickled."""
    try:
        data = pickle.dumps(shared, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - pickle raises many types
        raise InputError(
            f"the model and settings must be picklable to reach worker processes ({type(exc).__name__}: {exc}); "
            "define the model's class, output callables and adapter factories at module level (not lambdas or "
            "local functions), or run in this process with executor='serial'") from exc
    return data, hashlib.sha256(data).hexdigest()


def _worker_payload(digest: str, data: bytes | None) -> tuple[Shared, Any]:
    """The unpickled payload and its model on the settings' device, cached in this worker process."""
    if digest not in _WORKER_PAYLOAD:
        if data is None:
            raise SymlogicError("a worker has no study payload; it was started without one")
        shared: Shared = pickle.loads(data)  # our own bytes, made by payload() in the parent
        _WORKER_PAYLOAD.clear()
        _WORKER_PAYLOAD[digest] = (shared, prepared_model(shared.model, shared.record.device, copy_first=False))
    return _WORKER_PAYLOAD[digest]


def _init_worker(data: bytes, digest: str) -> None:
    _worker_payload(digest, data)


def _pool_task(digest: str, task: Task) -> list[Outcome]:
    shared, model = _worker_payload(digest, None)
    return run_task(shared, task, model=model)


def _ray_task(digest: str, box: list[Any], task: Task) -> list[Outcome]:
    """One Ray task; ``box`` holds the payload's object reference (a bare one would be fetched for every task)."""
    if digest not in _WORKER_PAYLOAD:
        import ray

        _worker_payload(digest, ray.get(box[0]))
    shared, model = _worker_payload(digest, None)
    return run_task(shared, task, model=model)


class Executor(ABC):
    """Runs tasks and yields each task's outcomes as it finishes (any order; the caller sorts)."""

    name = "executor"

    def connect(self) -> None:
        """Reach the resources (a cluster) before the settings are final; nothing to do by default."""

    @property
    def has_gpu(self) -> bool:
        """Whether tasks get a GPU (decides the default device)."""
        return False

    @property
    @abstractmethod
    def parallelism(self) -> int:
        """How many tasks run at once."""

    @abstractmethod
    def run(self, shared: Shared, tasks: Sequence[Task]) -> Iterator[list[Outcome]]:
        """Run ``tasks``; yield each one's outcomes when it finishes."""

    def close(self) -> None:
        """Release workers and clusters this executor started."""

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """Every task in this process, in order (no pickling: the model is used as it is)."""

    name = "serial"

    @property
    def parallelism(self) -> int:
        return 1

    def run(self, shared: Shared, tasks: Sequence[Task]) -> Iterator[list[Outcome]]:
        model = prepared_model(shared.model, shared.record.device, copy_first=True)
        for task in tasks:
            yield run_task(shared, task, model=model)


class LocalExecutor(Executor):
    """A pool of ``workers`` processes on this machine (spawned, not forked). Passed to several
    :func:`~symlogic.study.explain_many` calls as an instance, it keeps its workers between calls
    with the same model and settings; :meth:`close` (or a ``with`` block) ends them."""

    name = "local"

    def __init__(self, workers: int) -> None:
        self.workers = int(workers)
        self._pool: ProcessPoolExecutor | None = None
        self._key: tuple[str, int] | None = None

    @property
    def parallelism(self) -> int:
        return self.workers

    def run(self, shared: Shared, tasks: Sequence[Task]) -> Iterator[list[Outcome]]:
        data, digest = payload(shared)
        if self._pool is None or self._key != (digest, self.workers):  # a new payload: new workers
            self.close()
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init_worker, initargs=(data, digest))
            self._key = (digest, self.workers)
        pending = {self._pool.submit(_pool_task, digest, task) for task in tasks}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
        except BrokenProcessPool as exc:
            raise ResourceError(
                "a worker process died. Workers are spawned and import your main script: a script that calls "
                "explain_many at top level must guard it with `if __name__ == \"__main__\":`. Otherwise the system "
                "may have killed it for memory: use fewer workers or a lower memory_limit. The finished samples are "
                "saved in out/ and a rerun resumes from them") from exc
        finally:
            for fut in pending:
                fut.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool, self._key = None, None


def import_ray() -> Any:
    """The ``ray`` module, or an error that says how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise InputError('executor="ray" needs Ray: pip install "symlogic[ray]" (or use executor="local")') from exc
    return ray


class RayExecutor(Executor):
    """One Ray task per task on a cluster: a running one at ``address`` ("auto" finds the local
    head), else a local one started with ``num_cpus=workers`` (and shut down by :meth:`close`).

    Each task asks for one CPU, plus ``gpus_per_task`` GPUs when the cluster has GPUs, and
    ``memory_per_task`` bytes when given (so Ray lowers how many run at once on a node).
    """

    name = "ray"

    def __init__(self, address: str | None = None, workers: int | None = None, *, gpus_per_task: float = 1.0,
                 memory_per_task: int | None = None) -> None:
        self.address = address
        self.workers = workers
        self.gpus_per_task = gpus_per_task
        self.memory_per_task = memory_per_task
        self._ray: Any = None
        self._owns = False

    def connect(self) -> None:
        if self._ray is not None:
            return
        ray = import_ray()
        if not ray.is_initialized():
            if self.address is not None:
                ray.init(address=self.address, log_to_driver=False)
            else:
                ray.init(num_cpus=self.workers or os.cpu_count() or 1, include_dashboard=False, log_to_driver=False)
            self._owns = True
        self._ray = ray

    @property
    def has_gpu(self) -> bool:
        self.connect()
        return float(self._ray.cluster_resources().get("GPU", 0)) > 0

    @property
    def parallelism(self) -> int:
        self.connect()
        res = self._ray.cluster_resources()
        slots = int(res.get("CPU", 1))
        if self.has_gpu:
            slots = min(slots, int(float(res.get("GPU", 0)) / self.gpus_per_task) or 1)
        return max(slots, 1)

    def run(self, shared: Shared, tasks: Sequence[Task]) -> Iterator[list[Outcome]]:
        self.connect()
        ray = self._ray
        data, digest = payload(shared)
        ref = ray.put(data)
        options: dict[str, Any] = {"num_cpus": 1, "max_retries": 0}
        if self.has_gpu and shared.record.device not in (None, "cpu"):
            options["num_gpus"] = self.gpus_per_task
        if self.memory_per_task:
            largest = max((float(node.get("Resources", {}).get("memory", 0)) for node in ray.nodes() if node.get("Alive")),
                          default=0.0)
            if largest and self.memory_per_task > largest:
                raise ResourceError(f"a task needs about {self.memory_per_task / 2**30:.2f} GiB, more than any node of the "
                                    f"Ray cluster offers ({largest / 2**30:.2f} GiB); Ray would never schedule it: use "
                                    "fewer variables or nodes with more memory")
            options["memory"] = int(self.memory_per_task)
        remote = ray.remote(_ray_task).options(**options)
        pending = [remote.remote(digest, [ref], task) for task in tasks]
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                for r in done:
                    try:
                        yield ray.get(r)
                    except ray.exceptions.RayError as exc:
                        raise SymlogicError(f"a Ray task failed outside symlogic's own error handling ({exc}); the "
                                            "finished samples are saved in out/ and a rerun resumes from them") from exc
        finally:
            for r in pending:
                ray.cancel(r)

    def close(self) -> None:
        if self._ray is not None and self._owns:
            self._ray.shutdown()
        self._ray, self._owns = None, False


def make_executor(executor: Any, *, workers: int, address: str | None, memory_per_task: int | None) -> Executor:
    """An :class:`Executor` from its name ("local", "ray", "serial") or as given."""
    if isinstance(executor, Executor):
        return executor
    if executor == "local":
        return LocalExecutor(workers)
    if executor == "serial":
        return SerialExecutor()
    if executor == "ray":
        return RayExecutor(address, workers, memory_per_task=memory_per_task)
    raise InputError(f"executor must be one of {EXECUTORS} or an Executor, got {executor!r}")
