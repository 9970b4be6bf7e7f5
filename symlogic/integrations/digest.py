"""The two SHA-256 digests that tie a logged or published result to one evidence bundle.

- ``bundle_sha256``: of the zip file's bytes, what ``sha256sum evidence.zip`` prints. It names one
  file; saving the same evidence again gives another one (each zip member carries its time of
  writing).
- ``manifest_sha256``: of the bundle's ``manifest.json`` member. The manifest holds the SHA-256 of
  every other member (docs/evidence-format.md, "Hashes"), so this digest names the whole content,
  and every save of the same :class:`~symlogic.evidence.Evidence` gives the same one.

Only :mod:`symlogic.bundle` reads a bundle here (limits and every member's hash checked first); this
module never imports :mod:`symlogic.evidence`, which calls into this package.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ..bundle import BundleLimits, read_bundle
from ..errors import InputError

if TYPE_CHECKING:
    from ..evidence import Evidence

__all__ = ["BundleDigest", "bundle_digest", "file_sha256", "manifest_sha256", "saved_digest", "require_evidence",
           "MANIFEST"]

#: The bundle member whose digest names the bundle's content.
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class BundleDigest:
    """Which bundle a result is about.

    Attributes:
        manifest_sha256: SHA-256 of ``manifest.json``: the content, the same for every save.
        bundle_sha256: SHA-256 of the zip file's bytes; None when no file was kept.
        path: the file, or None.
    """

    manifest_sha256: str
    bundle_sha256: str | None = None
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def require_evidence(ev: Any) -> None:
    """Refuse anything that is not an Evidence. Duck-typed: this package never imports
    :mod:`symlogic.evidence`, whose methods call into it."""
    if not all(hasattr(ev, a) for a in ("verdict", "claims", "logic_model", "record", "save")):
        raise InputError(f"expected an Evidence (symlogic.evidence(...) or Evidence.load(path)), got {type(ev).__name__}")


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def manifest_sha256(path: str | os.PathLike[str], limits: BundleLimits | None = None) -> str:
    """SHA-256 of a bundle's ``manifest.json``, once the bundle has been read within ``limits`` with
    every member's hash checked (:func:`symlogic.bundle.read_bundle`; a bad bundle raises BundleError)."""
    read_bundle(path, limits)
    with zipfile.ZipFile(path) as zf:
        return hashlib.sha256(zf.read(MANIFEST)).hexdigest()


def saved_digest(path: str | os.PathLike[str]) -> BundleDigest:
    """Both digests of a bundle file (one this process has just written, or any bundle)."""
    return BundleDigest(manifest_sha256=manifest_sha256(path), bundle_sha256=file_sha256(path), path=os.fspath(path))


def _own_manifest_sha256(ev: "Evidence") -> str:
    with tempfile.TemporaryDirectory(prefix="symlogic-digest-") as tmp:
        return manifest_sha256(ev.save(os.path.join(tmp, "evidence.zip")))


def bundle_digest(ev: "Evidence", bundle: str | os.PathLike[str] | None = None) -> BundleDigest:
    """The digests for ``ev``: of the file ``bundle`` when given, after checking that it holds
    exactly this evidence; else the content digest alone (what any save of ``ev`` holds).

    Raises:
        InputError: ``bundle`` is not a file, or holds other evidence than ``ev``.
        BundleError: ``bundle`` is not a readable, unaltered bundle.
    """
    require_evidence(ev)
    own = _own_manifest_sha256(ev)
    if bundle is None:
        return BundleDigest(manifest_sha256=own)
    path = os.fspath(bundle)
    if not os.path.isfile(path):
        raise InputError(f"bundle {path!r} is not a file; pass the path ev.save(path) returned, or None")
    found = saved_digest(path)
    if found.manifest_sha256 != own:
        raise InputError(f"{path} holds other evidence than this one (its manifest SHA-256 is "
                         f"{found.manifest_sha256[:16]}…, this evidence's {own[:16]}…); save this evidence with "
                         "ev.save(path) and pass that path")
    return found
