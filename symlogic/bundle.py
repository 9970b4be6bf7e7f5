"""Reading an evidence bundle's bytes: untrusted data, bounded before any work is done.

A bundle is a zip of ``manifest.json`` and plain ``.npy`` float64 arrays. Everything here treats
it as hostile: never unpickles, refuses unknown members and compression methods, bounds sizes and
compression ratios from the zip directory *before* decompressing, bounds the manifest's numbers
and claim count, checks every field's type, and checks every member's SHA-256. What passes is
plain data; :mod:`symlogic.evidence` rebuilds the objects from it (each ``from_dict`` checks its
own fields' types) and recomputes every derived field.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import BundleError, InputError
from .params import json_field

__all__ = ["BundleLimits", "RawBundle", "read_bundle", "FORMAT", "FORMAT_VERSION", "ARRAYS"]

FORMAT = "symlogic-evidence"
FORMAT_VERSION = 1
#: The arrays a bundle may hold, each one float64 entry per mask.
ARRAYS = ("values", "and", "or", "q", "certificate")
#: Deflate cannot compress more than about 1032:1; a higher declared ratio is a crafted member.
_MAX_RATIO = 1100
#: Members listed in a zip's directory before it is refused unread (the manifest names the rest).
_MAX_MEMBERS = 16
#: Room for an .npy header (at most a few hundred bytes for a one-dimensional array).
_NPY_HEADER_ROOM = 4096


@dataclass(frozen=True)
class BundleLimits:
    """What a bundle may ask of the reader; raise them deliberately for larger bundles.

    Attributes:
        max_variables: the largest n (each array holds 2^n float64 values).
        max_bytes: total uncompressed size of all members.
        max_manifest_bytes: size of manifest.json.
        max_claims: claims in one bundle.
        max_claim_chars: length of one claim's text.
    """

    max_variables: int = 24
    max_bytes: int = 1 << 30
    max_manifest_bytes: int = 16 << 20
    max_claims: int = 256
    max_claim_chars: int = 10_000


@dataclass(frozen=True)
class RawBundle:
    """The checked contents of a bundle: its manifest (types checked) and its arrays."""

    manifest: dict[str, Any]
    arrays: dict[str, np.ndarray]
    hashes: dict[str, str]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fail(path: Any, why: str) -> BundleError:
    return BundleError(f"{path}: {why}")


def _json_number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]!r} is outside float64's range")
    return value


def _json_constant(text: str) -> Any:
    raise ValueError(f"{text} is not a JSON number")


def strict_json(path: Any, data: bytes, member: str) -> Any:
    """A JSON member of an untrusted zip, read strictly: UTF-8, finite float64 numbers only (no
    NaN, no 1e999), Python's limits on integer digits and nesting. Anything else is a BundleError
    naming ``member`` (evidence bundles and study bundles share this reader)."""
    try:
        return json.loads(data.decode("utf-8"), parse_float=_json_number, parse_constant=_json_constant)
    except (ValueError, RecursionError) as exc:  # bad UTF-8/JSON, NaN, 1e999, 5,000-digit ints, deep nesting
        raise _fail(path, f"{member} is not valid JSON within symlogic's limits ({exc})") from None


def _parse_manifest(path: Any, data: bytes) -> dict[str, Any]:
    manifest = strict_json(path, data, "manifest.json")
    if not isinstance(manifest, dict):
        raise _fail(path, "manifest.json must hold a JSON object")
    return manifest


# ---- field checks --------------------------------------------------------------------------------
def _get(path: Any, obj: dict[str, Any], key: str, kinds: tuple[type, ...], where: str, *, optional: bool = False) -> Any:
    """A manifest field of the right type (:func:`symlogic.params.json_field`); None when optional and absent or null."""
    if optional and obj.get(key) is None:
        return None
    try:
        return json_field(obj, key, kinds, where)
    except InputError as exc:
        raise _fail(path, str(exc)) from None


_NUMBER = (int, float)


def _check_record(path: Any, rec: Any, limits: BundleLimits) -> None:
    if not isinstance(rec, dict):
        raise _fail(path, "manifest.record must be an object")
    n = _get(path, rec, "n", (int,), "record")
    if not 0 <= n <= limits.max_variables:
        raise _fail(path, f"record.n = {n} is outside 0 … {limits.max_variables} (BundleLimits.max_variables)")
    names = _get(path, rec, "names", (list,), "record")
    if not all(isinstance(x, str) for x in names):
        raise _fail(path, "record.names must be strings")
    if len(names) != n:
        raise _fail(path, f"record.n = {n} but record.names holds {len(names)} names; the manifest was altered")
    _get(path, rec, "output", (str,), "record", optional=True)
    _get(path, rec, "values_sha256", (str,), "record")
    for key in ("model_fingerprint", "input_fingerprint"):
        _get(path, rec, key, (str,), "record", optional=True)
    _get(path, rec, "meta", (dict,), "record", optional=True)


def _check_extraction(path: Any, ex: Any) -> None:
    if ex is None:
        return
    if not isinstance(ex, dict):
        raise _fail(path, "manifest.extraction must be an object or null")
    # Any solver's name (a plugin's too): the re-check needs the arrays and certificate, not the solver.
    method = _get(path, ex, "method", (str,), "extraction")
    if not 0 < len(method) <= 64:
        raise _fail(path, f"extraction.method must be a solver's name of 1 to 64 characters, got {method!r:.80}")
    for key in ("q_bound", "objective"):
        _get(path, ex, key, _NUMBER, "extraction")
    for key in ("lower_bound", "gap"):
        _get(path, ex, key, _NUMBER, "extraction", optional=True)
    _get(path, ex, "count_empty", (bool,), "extraction", optional=True)
    _get(path, ex, "settings", (dict,), "extraction", optional=True)


def _check_claims(path: Any, claims: Any, limits: BundleLimits) -> None:
    if not isinstance(claims, list):
        raise _fail(path, "claims must be a list of objects")
    if len(claims) > limits.max_claims:
        raise _fail(path, f"{len(claims)} claims, over the limit of {limits.max_claims} (BundleLimits.max_claims)")
    for c in claims:
        if not isinstance(c, dict):
            raise _fail(path, "claims must be a list of objects")
        text = _get(path, c, "claim", (str,), "claim")
        if len(text) > limits.max_claim_chars:
            raise _fail(path, f"a claim of {len(text)} characters, over the limit of {limits.max_claim_chars}")
        for key in ("holds", "status"):  # every bundle states both; a reader is shown them
            if key not in c:
                raise _fail(path, f"a claim lacks the field {key!r}; the manifest was altered")


def _check_manifest(path: Any, manifest: dict[str, Any], limits: BundleLimits) -> None:
    if manifest.get("format") != FORMAT:
        raise _fail(path, f"manifest format is not {FORMAT!r}")
    version = manifest.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:  # True and 1.0 are not version 1
        raise _fail(path, f"format version {version!r} is not supported (this symlogic reads version {FORMAT_VERSION}); "
                          "use the symlogic release that wrote it")
    hashes = manifest.get("members")
    if not isinstance(hashes, dict) or not all(isinstance(v, str) for v in hashes.values()):
        raise _fail(path, "manifest lists no member hashes")
    for name in hashes:
        if not name.endswith(".npy") or name.removesuffix(".npy") not in ARRAYS:
            raise _fail(path, f"unexpected member {name!r}")
    _check_record(path, manifest.get("record"), limits)
    _check_extraction(path, manifest.get("extraction"))
    _check_claims(path, manifest.get("claims") or [], limits)


# ---- the zip -------------------------------------------------------------------------------------
def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A member's bytes, at most ``limit`` (its size stated in the directory): a member that
    decompresses to more than its directory says is refused, not read on."""
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:  # the directory understated the size
        raise BundleError(f"member {info.filename} is larger than its stated {limit} bytes")
    return data


def _check_directory(path: Any, infos: list[zipfile.ZipInfo], limits: BundleLimits) -> None:
    names = [i.filename for i in infos]
    if len(names) != len(set(names)):
        raise _fail(path, "duplicate member names")
    if len(infos) > _MAX_MEMBERS:
        raise _fail(path, f"{len(infos)} members; a bundle has a manifest and at most {len(ARRAYS)} arrays")
    if "manifest.json" not in names:
        raise _fail(path, "no manifest.json; not a symlogic evidence bundle")
    total = 0
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _fail(path, f"member {info.filename} uses compression method {info.compress_type}; "
                              "symlogic writes stored or deflated members only")
        if info.file_size > _MAX_RATIO * max(info.compress_size, 1) + _NPY_HEADER_ROOM:
            raise _fail(path, f"member {info.filename} claims {info.file_size} bytes from {info.compress_size} "
                              "compressed: beyond any real compression ratio (a zip bomb)")
        total += info.file_size
    if total > limits.max_bytes:
        raise _fail(path, f"members total {total} bytes uncompressed, over the limit of {limits.max_bytes} "
                          "(BundleLimits.max_bytes)")


def read_bundle(path: str | os.PathLike[str], limits: BundleLimits | None = None) -> RawBundle:
    """Open, bound and hash-check a bundle; returns its manifest and arrays. Raises BundleError."""
    limits = limits or BundleLimits()
    if os.path.isdir(path):
        raise _fail(path, "is a directory; pass the bundle's .zip file (Evidence.save writes one file)")
    if not os.path.isfile(path):
        raise _fail(path, "no such file")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _fail(path, f"not a valid symlogic evidence bundle: not a zip file ({exc})") from None
    with zf:
        infos = zf.infolist()
        _check_directory(path, infos, limits)
        by_name = {i.filename: i for i in infos}
        info = by_name["manifest.json"]
        if info.file_size > limits.max_manifest_bytes:
            raise _fail(path, f"manifest.json is {info.file_size} bytes, over the limit of {limits.max_manifest_bytes}")
        manifest = _parse_manifest(path, read_member(zf, info, info.file_size))
        _check_manifest(path, manifest, limits)
        hashes: dict[str, str] = manifest["members"]
        extra = set(by_name) - set(hashes) - {"manifest.json"}
        missing = set(hashes) - set(by_name)
        if extra or missing:
            raise _fail(path, f"members do not match the manifest (unlisted: {sorted(extra)}, missing: {sorted(missing)})")
        size = 1 << manifest["record"]["n"]
        arrays: dict[str, np.ndarray] = {}
        for name, digest in hashes.items():
            info = by_name[name]
            if not 8 * size <= info.file_size <= 8 * size + _NPY_HEADER_ROOM:
                raise _fail(path, f"member {name} is {info.file_size} bytes; 2^{manifest['record']['n']} float64 "
                                  f"values take {8 * size} bytes plus a short header")
            data = read_member(zf, info, info.file_size)
            if sha256(data) != digest:
                raise _fail(path, f"member {name} was altered (SHA-256 mismatch)")
            try:
                arr = np.load(io.BytesIO(data), allow_pickle=False)
            except (ValueError, OSError, EOFError) as exc:
                raise _fail(path, f"member {name} is not a plain .npy array ({exc})") from None
            if not isinstance(arr, np.ndarray) or arr.dtype != np.float64 or arr.shape != (size,):
                raise _fail(path, f"member {name} must be a one-dimensional float64 array of {size} values")
            arrays[name.removesuffix(".npy")] = arr
    if "values" not in arrays:
        raise _fail(path, "the recorded table values.npy is missing")
    return RawBundle(manifest=manifest, arrays=arrays, hashes=dict(hashes))
