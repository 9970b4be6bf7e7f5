"""Content addresses: the key of one sample's result, and a timing-free digest of its evidence.

A sample's **key** is the SHA-256 of everything its result depends on: the model (structure and
parameters, or a callable's code), the input (its bytes), how variables, baseline and output are
chosen, the recording and explanation settings, and the versions of the libraries that compute
them. Two runs that agree on all of it, on any machine, compute the same key, so a folder of results
can be resumed or merged by key alone.

An evidence bundle states when it was made and how long each step took; those are the only parts
that differ between two runs of the same work. :func:`content_digest` hashes the manifest without
them (:data:`TIMING_KEYS`), so equal digests mean equal results: same table, interactions, formula,
verdict and claims.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from ..fingerprint import callable_identity, module_identity

__all__ = ["KEY_FORMAT", "TIMING_KEYS", "value_digest", "model_identity", "sample_key", "content_digest",
           "library_versions", "strip_timings"]

#: Version of the key's layout; a change makes every older key a miss (never a false hit).
KEY_FORMAT = "symlogic-study-key/1"
#: Manifest fields that record when or how fast, not what: left out of :func:`content_digest`.
TIMING_KEYS = frozenset({"created", "seconds", "engine_seconds"})


def _update(h: Any, value: Any, depth: int = 0) -> None:
    """Feed ``value`` into ``h`` by content, with its type, so that 1, 1.0, "1" and [1] differ."""
    if depth > 32:
        raise InputError("a setting nests more than 32 levels deep; pass plain data (numbers, strings, arrays)")
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes, np.generic)):
        h.update(f"{type(value).__name__}|{value!r}|".encode())
    elif isinstance(value, torch.nn.Module):
        h.update(f"module|{module_identity(value)}|".encode())
    elif isinstance(value, torch.Tensor):
        t = value.detach().to("cpu").contiguous()
        h.update(f"tensor|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    elif isinstance(value, np.ndarray) and value.dtype.kind != "O":
        h.update(f"ndarray|{value.dtype.str}|{value.shape}|".encode())
        h.update(np.ascontiguousarray(value).reshape(-1).view(np.uint8).tobytes())
    elif hasattr(value, "to_numpy") and hasattr(value, "columns"):  # a DataFrame, without importing pandas
        h.update(b"frame|")
        _update(h, [str(c) for c in value.columns], depth + 1)
        _update(h, np.asarray(value.to_numpy(), dtype=np.float64), depth + 1)
    elif isinstance(value, (list, tuple)):
        h.update(f"{type(value).__name__}|{len(value)}|".encode())
        for item in value:
            _update(h, item, depth + 1)
    elif isinstance(value, Mapping):
        h.update(f"map|{len(value)}|".encode())
        for k in sorted(value, key=repr):
            h.update(f"{k!r}=".encode())
            _update(h, value[k], depth + 1)
    elif callable(value) and hasattr(value, "__code__") or isinstance(value, type(len)):
        h.update(f"callable|{callable_identity(value)}|".encode())
    else:
        # Anything else (a tokenizer, an estimator, a callable object) by its pickled state: equal
        # bytes mean equal state, so a hit is never wrong; unequal bytes for equal state only cost a rerun.
        try:
            data = pickle.dumps(value, protocol=4)
        except Exception as exc:  # noqa: BLE001 - any pickling failure means the same thing here
            raise InputError(f"a {type(value).__name__} in the settings cannot be pickled ({exc}), so it can be neither "
                             "sent to worker processes nor part of a result's key; pass plain data, arrays, "
                             "tensors or torch modules") from exc
        h.update(f"pickled|{type(value).__module__}.{type(value).__qualname__}|".encode())
        h.update(hashlib.sha256(data).digest())


def value_digest(value: Any) -> str:
    """SHA-256 of a value by content: numbers and text by value, arrays and tensors by dtype, shape and
    bytes, torch modules by structure and parameters, functions by code, other objects by their
    pickled state.

    >>> value_digest([1, 2.0]) == value_digest([1, 2.0]) != value_digest([1.0, 2.0])
    True
    """
    h = hashlib.sha256()
    _update(h, value)
    return h.hexdigest()


def model_identity(model: Any) -> str:
    """What the model computes: a torch module's structure and parameters; an estimator's or a
    callable object's pickled state together with its code (a plain function's code and closure;
    the globals a function reads are not followed: wrap the network in a module so its weights
    count)."""
    if isinstance(model, torch.nn.Module):
        return module_identity(model)
    h = hashlib.sha256(callable_identity(model).encode() if callable(model) else b"not callable")
    if not hasattr(model, "__code__"):
        _update(h, model)
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    """The versions whose arithmetic a result depends on (recording, solving, proving)."""
    import scipy
    import z3

    from ..version import __version__

    try:
        from importlib.metadata import version

        highs = version("highspy")
    except Exception:  # noqa: BLE001 - metadata missing in an unusual install
        highs = "unknown"
    return {"symlogic": __version__, "torch": torch.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
            "highspy": highs, "z3": z3.get_version_string()}


def sample_key(model_id: str, input_digest: str, settings_digest: str) -> str:
    """The key of one sample's result: SHA-256 of the key format, the model's identity, the input's
    digest and the digest of every setting (:func:`value_digest` of them)."""
    payload = json.dumps({"format": KEY_FORMAT, "model": model_id, "input": input_digest, "settings": settings_digest},
                         sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def strip_timings(data: Any) -> Any:
    """``data`` without the fields in :data:`TIMING_KEYS`, at any depth."""
    if isinstance(data, Mapping):
        return {k: strip_timings(v) for k, v in data.items() if k not in TIMING_KEYS}
    if isinstance(data, (list, tuple)):
        return [strip_timings(v) for v in data]
    return data


def content_digest(manifest: Mapping[str, Any]) -> str:
    """SHA-256 of an evidence manifest without its timings: equal for two runs that computed the
    same table, interactions, formula, verdict and claims (the arrays enter through their hashes,
    which the manifest lists)."""
    text = json.dumps(strip_timings(manifest), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()
