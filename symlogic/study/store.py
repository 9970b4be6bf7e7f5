"""A folder of per-sample results, addressed by content: resumable, mergeable, safe to kill.

Layout of ``out/``::

    samples/<key>.zip   one evidence bundle per sample (docs/evidence-format.md), named by its key
    index.jsonl         one JSON line per stored bundle: key, file, SHA-256 of the file, the
                        timing-free content digest, n, seconds, peak memory, worker

A bundle is written to a temporary name and renamed (atomic), then its line is appended to the
index: a run killed at any moment leaves whole bundles, at worst one without its line (adopted on
the next open, after :meth:`symlogic.evidence.Evidence.load` accepts it) or one torn last line
(ignored). On open every line's file is hashed again; a missing or altered file is dropped from the
index (its sample is recomputed), never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import BundleError, InputError
from ..progress import log_line
from .keys import content_digest

__all__ = ["Entry", "ResultStore", "MergeReport", "KEY_PATTERN", "bundle_manifest"]

#: A key: 64 lowercase hex digits (a SHA-256).
KEY_PATTERN = re.compile(r"[0-9a-f]{64}")
INDEX = "index.jsonl"
SAMPLES = "samples"


@dataclass(frozen=True)
class Entry:
    """One stored result: where it is, its hashes, and how it was made (timings are not part of the result)."""

    key: str
    file: str
    sha256: str
    content_sha256: str
    n: int
    seconds: float | None = None
    peak_rss: int | None = None
    worker: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "Entry":
        """An entry from an index line; InputError when a field is missing or of the wrong type."""
        if not isinstance(data, dict):
            raise InputError("an index line must hold a JSON object")
        key = data.get("key")
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            raise InputError(f"an index line's key must be 64 hex digits, got {key!r:.80}")
        for field_name in ("sha256", "content_sha256"):
            value = data.get(field_name)
            if not isinstance(value, str) or not KEY_PATTERN.fullmatch(value):
                raise InputError(f"an index line's {field_name} must be 64 hex digits, got {value!r:.80}")
        n = data.get("n")
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 64:
            raise InputError(f"an index line's n must be an integer 0 … 64, got {n!r:.40}")
        seconds, rss, worker = data.get("seconds"), data.get("peak_rss"), data.get("worker")
        return cls(key=key, file=f"{SAMPLES}/{key}.zip", sha256=data["sha256"], content_sha256=data["content_sha256"], n=n,
                   seconds=float(seconds) if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) else None,
                   peak_rss=int(rss) if isinstance(rss, int) and not isinstance(rss, bool) else None,
                   worker=str(worker) if isinstance(worker, str) else None)


@dataclass(frozen=True)
class MergeReport:
    """What a merge did: results copied in, results both held alike, and keys whose two results
    differ in content (the store keeps its own; e.g. a proof that timed out on one machine)."""

    added: tuple[str, ...]
    same: tuple[str, ...]
    conflicts: tuple[str, ...]


def bundle_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """An evidence bundle's manifest after :func:`symlogic.bundle.read_bundle` checked the bundle
    (limits, member hashes); BundleError otherwise."""
    from ..bundle import read_bundle

    try:
        return read_bundle(path).manifest
    except BundleError:
        raise
    except Exception as exc:  # noqa: BLE001 - untrusted bytes (a bad CRC, a truncated member): the bundle's fault
        raise BundleError(f"{path}: not a valid symlogic evidence bundle ({type(exc).__name__}: {exc})") from exc


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class ResultStore:
    """The results in one folder (created when missing), by key.

    Args:
        root: the folder (``out=`` of :func:`symlogic.study.explain_many`).
        adopt: take in bundles that lie in ``samples/`` without an index line (a run killed between
            writing a bundle and its line), after loading and checking each.
    """

    def __init__(self, root: str | os.PathLike[str], *, adopt: bool = True) -> None:
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise InputError(f"out={os.fspath(root)!r} is a file; pass a folder for the study's results")
        (self.root / SAMPLES).mkdir(parents=True, exist_ok=True)
        self._entries: dict[str, Entry] = {}
        self._read_index()
        if adopt:
            self._adopt()

    # ---- reading --------------------------------------------------------------------------------
    def _read_index(self) -> None:
        path = self.root / INDEX
        if not path.exists():
            return
        dropped = 0
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    entry = Entry.from_dict(json.loads(line))
                except (ValueError, InputError):  # a torn last line, or garbage: not a result
                    dropped += 1
                    continue
                file = self.root / entry.file
                if file.is_file() and _sha256_file(file) == entry.sha256:
                    self._entries[entry.key] = entry
                else:
                    self._entries.pop(entry.key, None)
                    dropped += 1
        if dropped:
            log_line(f"{self.root}: {dropped} index line(s) without a matching bundle were ignored; "
                     "those samples will be computed again", echo=False)

    def _adopt(self) -> None:
        for file in sorted((self.root / SAMPLES).glob("*.zip")):
            key = file.stem
            if key in self._entries or not KEY_PATTERN.fullmatch(key):
                continue
            try:
                self._index(key, file)
            except BundleError as exc:
                log_line(f"{file}: not adopted ({exc})", echo=False)

    def _index(self, key: str, file: Path, *, seconds: float | None = None, peak_rss: int | None = None,
               worker: str | None = None) -> Entry:
        """Check the bundle at ``file``, append its index line, and return its entry."""
        manifest = bundle_manifest(file)
        entry = Entry(key=key, file=f"{SAMPLES}/{key}.zip", sha256=_sha256_file(file), content_sha256=content_digest(manifest),
                      n=int(manifest["record"]["n"]), seconds=seconds, peak_rss=peak_rss, worker=worker)
        line = json.dumps(entry.to_dict(), sort_keys=True) + "\n"
        with open(self.root / INDEX, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        self._entries[key] = entry
        return entry

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))

    def entry(self, key: str) -> Entry:
        """The entry of ``key``; KeyError when it is not stored."""
        return self._entries[key]

    def path(self, key: str) -> Path:
        """The bundle file of ``key``."""
        return self.root / self._entries[key].file

    # ---- writing --------------------------------------------------------------------------------
    def put(self, key: str, bundle: bytes, *, seconds: float | None = None, peak_rss: int | None = None,
            worker: str | None = None) -> Entry:
        """Store one sample's bundle under ``key`` (atomic), checked as a reader would check it."""
        if not KEY_PATTERN.fullmatch(key):
            raise InputError(f"a key is 64 lowercase hex digits, got {key!r:.80}")
        file = self.root / SAMPLES / f"{key}.zip"
        _write_atomic(file, bundle)
        try:
            return self._index(key, file, seconds=seconds, peak_rss=peak_rss, worker=worker)
        except BundleError:
            file.unlink(missing_ok=True)
            raise

    def merge(self, other: "ResultStore | str | os.PathLike[str]") -> MergeReport:
        """Copy in every result of ``other`` (a store or its folder) that this store lacks."""
        src = other if isinstance(other, ResultStore) else ResultStore(other)
        added, same, conflicts = [], [], []
        for key in src:
            theirs = src.entry(key)
            if key in self:
                (same if self.entry(key).content_sha256 == theirs.content_sha256 else conflicts).append(key)
                continue
            file = self.root / SAMPLES / f"{key}.zip"
            tmp = file.with_name(file.name + f".tmp{os.getpid()}")
            shutil.copyfile(src.path(key), tmp)
            os.replace(tmp, file)
            self._index(key, file, seconds=theirs.seconds, peak_rss=theirs.peak_rss, worker=theirs.worker)
            added.append(key)
        if conflicts:
            log_line(f"merge into {self.root}: {len(conflicts)} key(s) hold different results in the two folders "
                     "(e.g. a proof that timed out on one machine); this folder's results were kept", echo=False)
        return MergeReport(tuple(added), tuple(same), tuple(conflicts))
