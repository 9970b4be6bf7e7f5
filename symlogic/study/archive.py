"""The dataset-level evidence bundle: one zip with a study manifest and every sample's bundle.

Layout (``format: "symlogic-study"``, ``format_version: 1``)::

    study.json            manifest: settings, per-sample keys with each member's SHA-256 and its
                          timing-free content digest, the aggregated numbers, dataset claims
    samples/<key>.zip     each sample's evidence bundle (docs/evidence-format.md), stored as is

Reading treats the file as hostile, as :mod:`symlogic.bundle` does for one sample: the zip
directory is checked before anything is decompressed (member names, count, compression method and
ratio, sizes against :class:`StudyLimits`), the manifest is parsed strictly (no NaN, bounded size),
every member's SHA-256 is compared with the manifest, every sample bundle passes
:meth:`symlogic.evidence.Evidence.load`, and the aggregates are recomputed from the samples and
must equal what the manifest states.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..bundle import read_member, strict_json
from ..errors import BundleError, InputError, SymlogicError
from .keys import content_digest
from .results import SampleFailure, SampleResult, StudyClaim
from .store import bundle_manifest

if TYPE_CHECKING:
    from .study import Study

__all__ = ["STUDY_FORMAT", "STUDY_FORMAT_VERSION", "StudyLimits", "save_study", "load_study"]

STUDY_FORMAT = "symlogic-study"
STUDY_FORMAT_VERSION = 1
_MEMBER = re.compile(r"samples/([0-9a-f]{64})\.zip")
_MAX_RATIO = 1100  # deflate's ceiling is about 1032:1


@dataclass(frozen=True)
class StudyLimits:
    """What a study bundle may ask of the reader; raise them deliberately for larger studies.

    Attributes:
        max_samples: sample bundles in one study.
        max_member_bytes: size of one sample bundle.
        max_bytes: total uncompressed size of all members.
        max_manifest_bytes: size of study.json.
    """

    max_samples: int = 100_000
    max_member_bytes: int = 1 << 30
    max_bytes: int = 1 << 36
    max_manifest_bytes: int = 256 << 20


def _version() -> str:
    from ..version import __version__

    return __version__


def _json(data: Any) -> Any:
    """``data`` as it reads back from JSON (tuples as lists; NaN and infinities as None)."""
    def clean(x: Any) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, dict):
            return {str(k): clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        return x
    return json.loads(json.dumps(clean(data), sort_keys=True, default=_default))


def _default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    return repr(obj)


def manifest_of(study: "Study") -> dict[str, Any]:
    """The study manifest (without ``created``)."""
    return {"format": STUDY_FORMAT, "format_version": STUDY_FORMAT_VERSION, "symlogic_version": _version(),
            "settings": _json(study.settings), "samples": [s.manifest_entry() for s in study.samples],
            "failures": [f.to_dict() for f in study.failures], "aggregates": _json(study.aggregates()),
            "claims": [_json(c.to_dict()) for c in study.claims]}


def save_study(study: "Study", path: str | os.PathLike[str]) -> str:
    """Write ``study`` as one zip (atomic: a temporary file renamed); returns the path."""
    manifest = manifest_of(study)
    manifest["created"] = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    tmp = os.fspath(path) + ".tmp"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("study.json", json.dumps(manifest, indent=1, sort_keys=True, allow_nan=False))
        written: set[str] = set()
        for s in study.samples:
            name = f"samples/{s.key}.zip"
            if name in written:
                continue
            data = Path(s.path).read_bytes()
            if hashlib.sha256(data).hexdigest() != s.sha256:
                raise BundleError(f"{s.path}: the bundle of sample {s.index} changed after it was stored; not saving it")
            zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_STORED)
            written.add(name)
    os.replace(tmp, path)
    return os.fspath(path)


def _fail(path: Any, why: str) -> BundleError:
    return BundleError(f"{path}: {why}")


def _check_directory(path: Any, infos: list[zipfile.ZipInfo], limits: StudyLimits) -> None:
    names = [i.filename for i in infos]
    if len(names) != len(set(names)):
        raise _fail(path, "duplicate member names")
    if "study.json" not in names:
        raise _fail(path, "no study.json; not a symlogic study bundle (a single sample's bundle is read by Evidence.load)")
    if len(infos) > limits.max_samples + 1:
        raise _fail(path, f"{len(infos) - 1} sample bundles, over the limit of {limits.max_samples} (StudyLimits.max_samples)")
    total = 0
    for info in infos:
        if info.filename != "study.json" and not _MEMBER.fullmatch(info.filename):
            raise _fail(path, f"unexpected member {info.filename!r:.120}")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _fail(path, f"member {info.filename} uses compression method {info.compress_type}; symlogic writes "
                              "stored or deflated members only")
        if info.file_size > _MAX_RATIO * max(info.compress_size, 1) + 4096:
            raise _fail(path, f"member {info.filename} claims {info.file_size} bytes from {info.compress_size} compressed "
                              "(a zip bomb)")
        limit = limits.max_manifest_bytes if info.filename == "study.json" else limits.max_member_bytes
        if info.file_size > limit:
            raise _fail(path, f"member {info.filename} is {info.file_size} bytes, over the limit of {limit} (StudyLimits)")
        total += info.file_size
    if total > limits.max_bytes:
        raise _fail(path, f"members total {total} bytes, over the limit of {limits.max_bytes} (StudyLimits.max_bytes)")


def _parse(path: Any, data: bytes) -> dict[str, Any]:
    manifest = strict_json(path, data, "study.json")
    if not isinstance(manifest, dict) or manifest.get("format") != STUDY_FORMAT:
        raise _fail(path, f"study.json does not describe a {STUDY_FORMAT!r} bundle")
    version = manifest.get("format_version")
    if type(version) is not int or version != STUDY_FORMAT_VERSION:
        raise _fail(path, f"study format version {version!r} is not supported (this symlogic reads version "
                          f"{STUDY_FORMAT_VERSION}); use the symlogic release that wrote it")
    for key, kind in (("samples", list), ("failures", list), ("claims", list), ("aggregates", dict), ("settings", dict)):
        if not isinstance(manifest.get(key), kind):
            raise _fail(path, f"study.json: {key} must be a JSON {kind.__name__}")
    return manifest


def _entries(path: Any, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for i, e in enumerate(manifest["samples"]):
        ok = (isinstance(e, dict) and isinstance(e.get("key"), str) and _MEMBER.fullmatch(f"samples/{e['key']}.zip")
              and e.get("member") == f"samples/{e['key']}.zip" and type(e.get("index")) is int
              and all(isinstance(e.get(k), str) and re.fullmatch(r"[0-9a-f]{64}", e[k]) for k in ("sha256", "content_sha256")))
        if not ok:
            raise _fail(path, f"study.json: sample entry {i} is malformed (index, key, member, sha256, content_sha256)")
        out.append(e)
    return out


def load_study(path: str | os.PathLike[str], limits: StudyLimits | None, study_type: "type[Study]") -> "Study":
    """Read and check a study bundle (see the module docstring) into a ``study_type`` (:class:`Study`;
    passed in, so that this module need not import it); BundleError when it is not valid."""
    limits = limits or StudyLimits()
    if not os.path.isfile(path):
        raise _fail(path, "no such file (Study.save writes one zip)")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _fail(path, f"not a zip file ({exc})") from None
    folder = Path(tempfile.mkdtemp(prefix="symlogic-study-"))
    try:
        with zf:
            infos = zf.infolist()
            _check_directory(path, infos, limits)
            by_name = {i.filename: i for i in infos}
            manifest = _parse(path, read_member(zf, by_name["study.json"], by_name["study.json"].file_size))
            entries = _entries(path, manifest)
            stated = {e["member"]: e["sha256"] for e in entries}
            if any(stated[e["member"]] != e["sha256"] for e in entries):
                raise _fail(path, "study.json states two hashes for one member")
            members = set(by_name) - {"study.json"}
            if members != set(stated):
                raise _fail(path, f"members do not match study.json (unlisted: {sorted(members - set(stated))[:3]}, "
                                  f"missing: {sorted(set(stated) - members)[:3]})")
            (folder / "samples").mkdir()
            for name, digest in stated.items():
                data = read_member(zf, by_name[name], by_name[name].file_size)
                if hashlib.sha256(data).hexdigest() != digest:
                    raise _fail(path, f"member {name} was altered (SHA-256 mismatch)")
                (folder / name).write_bytes(data)
        samples = []
        for e in entries:
            file = folder / e["member"]
            try:
                stated_content = content_digest(bundle_manifest(file))
            except BundleError as exc:
                raise _fail(path, f"sample {e['index']}: {exc}") from None
            if stated_content != e["content_sha256"]:
                raise _fail(path, f"sample {e['index']}: its content digest differs from study.json; the study was altered")
            samples.append(SampleResult(e["index"], e["key"], file, e["sha256"], e["content_sha256"]))
        try:
            failures = [SampleFailure(int(f["index"]), str(f["key"]), str(f["error"])) for f in manifest["failures"]]
            claims = [StudyClaim.from_dict(c) for c in manifest["claims"]]
        except (KeyError, TypeError, ValueError, InputError) as exc:
            raise _fail(path, f"study.json: failures or claims are malformed ({exc})") from None
        study = study_type(samples, settings=manifest["settings"], failures=failures, claims=claims)
        study._own(folder)
        for s in study.samples:
            _ = s.evidence  # each sample bundle's own checks (Evidence.load)
        _same_claims(path, study, manifest["claims"])
        fresh = _json(study.aggregates())
        if fresh != manifest["aggregates"]:
            diff = sorted(k for k in set(fresh) | set(manifest["aggregates"]) if fresh.get(k) != manifest["aggregates"].get(k))
            raise _fail(path, f"aggregates.{diff[0] if diff else '?'} differs from what the samples give; the study was altered")
        return study
    except SymlogicError:
        _remove(folder)
        raise
    except Exception as exc:  # noqa: BLE001 - untrusted bytes: any failure to read is the bundle's fault
        _remove(folder)
        raise _fail(path, f"not a valid symlogic study bundle ({type(exc).__name__}: {exc})") from exc


def _same_claims(path: Any, study: "Study", stated: list[Any]) -> None:
    """A dataset claim must speak of this study's samples and state each result's claim and status consistently."""
    keys = study.keys
    for c in study.claims:
        if list(c.keys) != keys:
            raise _fail(path, f"the dataset claim {c.claim!r} lists other samples than the study; the study was altered")
        if any(r is not None and r.holds != (r.status == "holds") for r in c.results):
            raise _fail(path, f"the dataset claim {c.claim!r} states a result whose holds contradicts its status")
    if [_json(c.to_dict()) for c in study.claims] != stated:
        raise _fail(path, "the dataset claims' derived fields (counts, share) differ from their results; the study was altered")


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
