"""On-disk checkpoints of a recording: finished batches in a plain .npz (never pickled), bound to
what is recorded (n, names, batch size, key or the function's identity) and hashed, and checked
on resume by rerunning the last finished batch.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError, short_repr

__all__ = ["Checkpoint", "check_resume", "saved_on_exit", "CHECKPOINT_EVERY_S"]

_CHECKPOINT_FORMAT = "symlogic-checkpoint 2"


class Checkpoint:
    """Finished batches of a recording kept on disk (an .npz of plain arrays, never pickled).

    The header binds the file to what is recorded (n, names, batch size, and the caller's key or
    else the identity of ``fn``); a SHA-256 over header, values and done flags is stored with it,
    so an edited, truncated or re-typed file is refused instead of resumed from. The hash guards
    against accidents, not forgery: :func:`record` also reruns one finished batch on resume.
    """

    def __init__(self, path: str | os.PathLike[str], n: int, names: Sequence[str], batch_size: int,
                 key: str | None, fn_identity: str | None) -> None:
        self.path = Path(path)
        self.header: dict[str, Any] = {
            "format": _CHECKPOINT_FORMAT, "n": int(n), "names": list(names), "batch_size": int(batch_size),
            "key": key, "fn": fn_identity,
        }
        nbatch = -(-(1 << n) // batch_size)
        self.values = np.full(1 << n, np.nan)
        self.done = np.zeros(nbatch, dtype=bool)
        if self.path.exists():
            self._load()

    @staticmethod
    def _digest(header: bytes, values: np.ndarray, done: np.ndarray) -> str:
        h = hashlib.sha256()
        for part in (header, values.tobytes(), done.tobytes()):
            h.update(len(part).to_bytes(8, "little"))
            h.update(part)
        return h.hexdigest()

    def _refuse(self, problem: str) -> InputError:
        return InputError(f"checkpoint {self.path} {problem}; delete the file to start afresh or pass another checkpoint path")

    def _load(self) -> None:
        try:
            with np.load(self.path, allow_pickle=False) as data:
                missing = {"header", "values", "done", "sha256"} - set(data.files)
                if missing:
                    raise ValueError(f"no {', '.join(sorted(missing))}: an older symlogic or another program wrote it")
                raw, values, done, stored = data["header"], data["values"], data["done"], data["sha256"]
            if raw.dtype != np.uint8 or stored.dtype != np.uint8:
                raise ValueError("header or hash is not bytes")
            header_bytes = raw.tobytes()
            header = json.loads(header_bytes.decode("utf-8"))
            stored_hash = stored.tobytes().decode("ascii")
        except Exception as exc:  # any unreadable file is reported the same way
            raise self._refuse(f"is not a readable symlogic checkpoint ({exc})") from exc
        if header != self.header:
            theirs = header if isinstance(header, dict) else {}
            differ = [k for k in self.header if theirs.get(k) != self.header[k]]
            shown = "; ".join(f"{k}: {short_repr(theirs.get(k))} there, {short_repr(self.header[k])} here" for k in differ)
            hint = " (fn is another function, or its code, closure or parameters changed)" if "fn" in differ else ""
            raise self._refuse(f"belongs to a different recording ({shown}){hint}")
        if values.dtype != np.float64 or values.shape != self.values.shape:
            raise self._refuse(f"holds values of dtype {values.dtype} and shape {values.shape}, "
                               f"not float64 of shape {self.values.shape}")
        if done.dtype != np.bool_ or done.shape != self.done.shape:
            raise self._refuse(f"holds done flags of dtype {done.dtype} and shape {done.shape}, not bool of shape {self.done.shape}")
        if self._digest(header_bytes, values, done) != stored_hash:
            raise self._refuse("does not match its stored SHA-256: it was altered or damaged after it was written")
        bs = self.header["batch_size"]
        bad = [int(b) for b in np.flatnonzero(done) if not np.isfinite(values[b * bs:(b + 1) * bs]).all()]
        if bad:
            raise self._refuse(f"marks batches {bad[:5]} as finished but holds NaN or infinite values in them")
        self.values[...] = values
        self.done[...] = done

    def save(self) -> None:
        header = json.dumps(self.header, sort_keys=True).encode("utf-8")
        digest = self._digest(header, self.values, self.done)
        tmp = self.path.with_name(self.path.name + ".tmp.npz")
        np.savez(tmp, header=np.frombuffer(header, dtype=np.uint8), values=self.values, done=self.done,
                 sha256=np.frombuffer(digest.encode("ascii"), dtype=np.uint8))
        os.replace(tmp, self.path)


#: A rerun of a finished batch on resume must match the stored values to |new − old| ≤
#: rtol·max(|old|, |new|) + atol. Rerunning the same masks with the same batch shape is bit-identical
#: on deterministic backends; the relative slack (about 8 float32 ulps) admits the summation-order
#: noise of nondeterministic GPU kernels, the absolute one that noise at outputs of zero. Another
#: function or input changes outputs by far more.
_RESUME_RTOL, _RESUME_ATOL = 1e-6, 1e-12


def check_resume(ckpt: Checkpoint, outputs: Callable[[int, int], np.ndarray]) -> None:
    """Rerun the last finished batch and compare it with the checkpoint: a different function or
    input with the same key (or the same code reading changed globals) is refused, not resumed."""
    done = np.flatnonzero(ckpt.done)
    if not done.size:
        return
    bs = ckpt.header["batch_size"]
    start = int(done[-1]) * bs
    stop = min(start + bs, ckpt.values.shape[0])
    old = ckpt.values[start:stop]
    new = outputs(start, stop)
    diff = np.abs(new - old)
    bad = ~(diff <= _RESUME_RTOL * np.maximum(np.abs(old), np.abs(new)) + _RESUME_ATOL)  # NaN counts as bad
    if bad.any():
        k = int(np.flatnonzero(bad)[np.argmax(np.where(np.isnan(diff[bad]), np.inf, diff[bad]))])
        raise InputError(
            f"checkpoint {ckpt.path} does not match fn: rerunning its finished masks {start} … {stop - 1} gives "
            f"{int(bad.sum())} different outputs (mask {start + k}: {old[k]!r} stored, {new[k]!r} now); it was made by "
            "another function, model or input, or fn is not deterministic; delete the file to start afresh or pass "
            "another checkpoint path"
        )


#: Seconds between checkpoint writes; the checkpoint is also written when recording stops for any reason.
CHECKPOINT_EVERY_S = 5.0


@contextlib.contextmanager
def saved_on_exit(ckpt: Checkpoint | None) -> Iterator[None]:
    """Write the checkpoint however the block ends (done, exception, KeyboardInterrupt)."""
    try:
        yield
    finally:
        if ckpt is not None:
            ckpt.save()
