"""Identities of what a recording is made from: a model's parameters, a module's structure, a
function's code. A checkpoint is bound to them, so that a different function never resumes
another's recording; ``model_fingerprint`` also goes into a record's provenance.
"""

from __future__ import annotations

import functools
import hashlib
import types
from typing import Any

import numpy as np
import torch

__all__ = ["model_fingerprint", "module_identity", "callable_identity"]

#: Depth to which closures, defaults and attributes are followed when fingerprinting a callable.
_IDENTITY_DEPTH = 3
#: Bytes of a tensor copied to the host at a time while hashing it.
_HASH_CHUNK_BYTES = 1 << 26


def _code_digest(code: types.CodeType, h: Any) -> None:
    """Feed a code object's bytecode, names and constants (nested code included, line numbers not)."""
    h.update(code.co_code)
    h.update(repr((code.co_names, code.co_freevars, code.co_argcount, code.co_kwonlyargcount)).encode())
    for const in code.co_consts:
        _value_digest(const, h, _IDENTITY_DEPTH)


def _value_digest(value: Any, h: Any, depth: int) -> None:
    """Feed what a callable depends on: scalars and text by value, arrays and modules by content,
    callables by identity; anything else by its type only (the resume check covers the rest)."""
    if isinstance(value, types.CodeType):
        h.update(b"code|")
        _code_digest(value, h)
    elif value is None or isinstance(value, (bool, int, float, complex, str, bytes, type(Ellipsis), np.generic)):
        h.update(f"{type(value).__name__}|{value!r}|".encode())
    elif isinstance(value, frozenset):  # its order depends on the hash seed
        h.update(f"frozenset|{sorted(repr(v) for v in value)!r}|".encode())
    elif isinstance(value, torch.nn.Module):
        h.update(module_identity(value).encode())
    elif isinstance(value, torch.Tensor):
        h.update(f"tensor|{value.dtype}|{tuple(value.shape)}|".encode())
        try:
            flat = value.detach().contiguous().reshape(-1)
            step = max(1, _HASH_CHUNK_BYTES // max(1, flat.element_size()))
            for i in range(0, flat.numel(), step):  # to the host a chunk at a time: bounded host memory
                h.update(flat[i:i + step].to("cpu").view(torch.uint8).numpy().data)
        except (RuntimeError, TypeError, NotImplementedError):  # sparse, quantized, meta: shape and dtype only
            pass
    elif isinstance(value, np.ndarray) and value.dtype.kind != "O":
        h.update(f"ndarray|{value.dtype.str}|{value.shape}|".encode())
        h.update(np.ascontiguousarray(value).reshape(-1).view(np.uint8).data)
    elif isinstance(value, (tuple, list)) and depth > 0:
        h.update(f"{type(value).__name__}|{len(value)}|".encode())
        for v in value[:1000]:
            _value_digest(v, h, depth - 1)
    elif isinstance(value, dict) and depth > 0:
        h.update(f"dict|{len(value)}|".encode())
        for k in sorted(value, key=repr)[:1000]:
            h.update(f"{k!r}=".encode())
            _value_digest(value[k], h, depth - 1)
    elif callable(value) and depth > 0:
        h.update(callable_identity(value, depth - 1).encode())
    else:
        h.update(f"{type(value).__module__}.{type(value).__qualname__}|".encode())


def model_fingerprint(model: torch.nn.Module) -> str:
    """SHA-256 over the names, dtypes, shapes and bytes of the model's parameters and buffers."""
    h = hashlib.sha256()
    items = [(name, tensor.detach()) for name, tensor in model.state_dict().items()]
    # one copy to the host for all tensors on a device (one synchronisation, not one per tensor)
    flat = [t.contiguous().reshape(-1).view(torch.uint8) if t.numel() else t.new_empty(0, dtype=torch.uint8)
            for _, t in items]
    by_device: dict[torch.device, np.ndarray] = {}
    for dev in {t.device for t in flat}:
        by_device[dev] = torch.cat([t for t in flat if t.device == dev]).cpu().numpy()
    offsets = dict.fromkeys(by_device, 0)
    for (name, t), b in zip(items, flat):
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        start = offsets[b.device]
        h.update(by_device[b.device][start:start + b.numel()].tobytes())
        offsets[b.device] = start + b.numel()
    return h.hexdigest()


def module_identity(module: torch.nn.Module, fingerprint: str | None = None) -> str:
    """A torch module's structure (each submodule's class and forward code) and parameter fingerprint
    (``fingerprint`` when the caller has it already)."""
    h = hashlib.sha256(b"module|")
    for name, sub in module.named_modules():
        cls = type(sub)
        h.update(f"{name}:{cls.__module__}.{cls.__qualname__}|{sub.extra_repr()}|".encode())
        forward = getattr(cls, "forward", None)
        if isinstance(forward, types.FunctionType):
            _code_digest(forward.__code__, h)
    try:
        h.update((fingerprint or model_fingerprint(module)).encode())
    except (RuntimeError, TypeError, NotImplementedError):  # tensors without plain bytes: structure only
        h.update(b"no parameter fingerprint")
    return h.hexdigest()


def callable_identity(fn: Any, depth: int = _IDENTITY_DEPTH) -> str:
    """SHA-256 naming what ``fn`` computes, as far as cheaply known.

    A function: module, qualified name, bytecode and constants (not line numbers), defaults and
    closure contents. A torch module: its structure and parameters. A bound method or partial:
    the function and what it is bound to. Another callable object: its class, its ``__call__`` and
    the modules, tensors and arrays among its attributes (counters and other plain attributes are
    state, not identity). Globals the code reads are not followed: the resume check covers them.
    """
    h = hashlib.sha256()
    if isinstance(fn, torch.nn.Module):
        return module_identity(fn)
    if isinstance(fn, functools.partial):
        h.update(f"partial|{callable_identity(fn.func, depth)}|".encode())
        _value_digest((fn.args, fn.keywords), h, depth)
    elif isinstance(fn, types.MethodType):
        h.update(f"method|{callable_identity(fn.__func__, depth)}|".encode())
        h.update(callable_identity(fn.__self__, depth - 1).encode() if depth > 0 else type(fn.__self__).__qualname__.encode())
    elif isinstance(fn, types.FunctionType):
        h.update(f"function|{fn.__module__}.{fn.__qualname__}|".encode())
        _code_digest(fn.__code__, h)
        _value_digest((fn.__defaults__, fn.__kwdefaults__), h, depth)
        for cell in fn.__closure__ or ():
            try:
                contents = cell.cell_contents
            except ValueError:  # an empty cell
                contents = None
            _value_digest(contents, h, depth)
    elif isinstance(fn, (types.BuiltinFunctionType, types.BuiltinMethodType)):
        h.update(f"builtin|{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', repr(fn))}|".encode())
    else:
        cls = type(fn)
        h.update(f"object|{cls.__module__}.{cls.__qualname__}|".encode())
        call = getattr(cls, "__call__", None)
        if isinstance(call, types.FunctionType):
            _code_digest(call.__code__, h)
        for name, attr in sorted(getattr(fn, "__dict__", {}).items()):
            if isinstance(attr, (torch.nn.Module, torch.Tensor, np.ndarray)):
                h.update(f"{name}=".encode())
                _value_digest(attr, h, depth)
    return h.hexdigest()
