"""Evidence bundles of what a test checked: deterministic names, the file's SHA-256.

Each assertion can save what it checked (record, model, verdict, claim) as an ordinary evidence
bundle (docs/evidence-format.md) that ``symlogic verify`` re-checks. A bundle always holds a
logic model and its verdict; a claim checked on a bare record gets a constant stand-in model,
f ≡ the middle of the output range, proven at its own tight ε (a weak explanation by design, and
said so in the bundle's summary): the claim in the bundle is about the record either way.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..claims import ClaimResult
    from ..evidence import Evidence
    from ..logic import LogicModel
    from ..record import Record
    from ..verify import Verdict

__all__ = ["bundle_name", "check_key", "stand_in_model", "make_evidence", "save_bundle", "file_sha256",
           "STAND_IN_SOURCE"]

#: The ``meta["source"]`` of the constant stand-in model of a record-only bundle.
STAND_IN_SOURCE = "symlogic.testing: constant stand-in (the claim was checked on the record)"
#: Characters of the test's node id kept in a file name (longer ids are cut and hashed).
_MAX_STEM = 80


def check_key(*parts: str) -> str:
    """A short hash naming one check: the claim (or "explains"), where it was checked, and the
    SHA-256s of the record and model, so two checks in one test get two files."""
    return hashlib.sha256(json.dumps(list(parts)).encode("utf-8")).hexdigest()[:12]


def bundle_name(node_id: str | None, key: str) -> str:
    """The file name of a bundle: the test's node id made safe for a file system, then ``key``.

    >>> bundle_name("tests/test_m.py::test_sex[cpu]", "0123456789ab")
    'tests_test_m.py_test_sex_cpu-0123456789ab.zip'
    """
    node = node_id or "check"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", node).strip("_.") or "check"
    if len(stem) > _MAX_STEM:  # keep names short and still distinct
        stem = stem[:_MAX_STEM] + "_" + hashlib.sha256(node.encode("utf-8")).hexdigest()[:8]
    return f"{stem}-{key}.zip"


def stand_in_model(rec: "Record") -> "LogicModel":
    """f ≡ (max v + min v)/2: the constant that a bundle of a record-only claim holds as its model."""
    import numpy as np

    from ..logic import LogicModel

    hi, lo = float(np.max(rec.values)), float(np.min(rec.values))
    return LogicModel.from_terms(rec.names, lo + (hi - lo) / 2, [], meta={"source": STAND_IN_SOURCE})


def make_evidence(rec: "Record", lm: "LogicModel", verdict: "Verdict", claims: "list[ClaimResult]") -> "Evidence":
    """A bundle's contents without an extraction, stamped with the time (UTC) and this version."""
    import datetime as dt

    from ..evidence import Evidence
    from ..version import __version__

    created = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    return Evidence(record=rec, extraction=None, logic_model=lm, verdict=verdict, claims=list(claims),
                    created=created, symlogic_version=__version__)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_bundle(ev: "Evidence", directory: str | os.PathLike[str], name: str) -> tuple[str, str]:
    """Save ``ev`` as ``directory/name`` (the folder is created); returns the path and its SHA-256."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = ev.save(folder / name)
    return path, file_sha256(path)
