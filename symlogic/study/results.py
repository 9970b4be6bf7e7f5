"""The per-sample pieces of a study: one sample's result, a failure, and a claim over the dataset."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BundleError, InputError

if TYPE_CHECKING:
    from ..claims.result import ClaimResult
    from ..evidence import Evidence
    from ..extraction import Extraction
    from ..logic import LogicModel
    from ..record import Record
    from ..verify import Verdict

__all__ = ["SampleResult", "SampleFailure", "StudyClaim", "CLAIM_TARGETS"]

#: Where a dataset claim is checked: on each record (exhaustive, exact) or via each logic model and its proven ε.
CLAIM_TARGETS = ("record", "model")


@dataclass(frozen=True)
class SampleResult:
    """One sample of a study: its position in the inputs, key, and evidence bundle.

    The bundle is read (and checked by :meth:`symlogic.evidence.Evidence.load`) on first use of
    :attr:`evidence`; its file must still have the SHA-256 it had when it was stored.

    Attributes:
        index: the sample's position in the inputs.
        key: the content address (:func:`symlogic.study.keys.sample_key`).
        path: the bundle file.
        sha256: SHA-256 of the bundle file.
        content_sha256: the timing-free digest of its manifest (:func:`symlogic.study.keys.content_digest`).
        seconds, peak_rss, worker: how long it took, the worker's peak memory (bytes) and which
            worker ("host:pid"); None when unknown. Not part of the result.
    """

    index: int
    key: str
    path: Path
    sha256: str
    content_sha256: str
    seconds: float | None = None
    peak_rss: int | None = None
    worker: str | None = None

    @cached_property
    def evidence(self) -> "Evidence":
        """The sample's :class:`~symlogic.evidence.Evidence`, loaded and checked once."""
        from ..evidence import Evidence

        data = Path(self.path).read_bytes()
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise BundleError(f"{self.path}: the bundle of sample {self.index} changed after it was stored (SHA-256 "
                              "mismatch); delete it and rerun to recompute that sample")
        return Evidence.load(self.path)

    @property
    def record(self) -> "Record":
        return self.evidence.record

    @property
    def extraction(self) -> "Extraction | None":
        return self.evidence.extraction

    @property
    def logic_model(self) -> "LogicModel":
        return self.evidence.logic_model

    @property
    def verdict(self) -> "Verdict":
        return self.evidence.verdict

    @property
    def claims(self) -> list["ClaimResult"]:
        return self.evidence.claims

    def manifest_entry(self) -> dict[str, Any]:
        """What a study bundle's manifest states about this sample."""
        return {"index": self.index, "key": self.key, "member": f"samples/{self.key}.zip", "sha256": self.sha256,
                "content_sha256": self.content_sha256}


@dataclass(frozen=True)
class SampleFailure:
    """A sample that produced no result: its position, key and the error (``Type: message``)."""

    index: int
    key: str
    error: str

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "key": self.key, "error": self.error}


@dataclass(frozen=True)
class StudyClaim:
    """One claim checked on every sample of a study, each sample's proof kept.

    Attributes:
        claim: the claim's text.
        target: "record" (each recorded table, exhaustive and exact) or "model" (each logic model,
            carried to the network with its proven ε).
        keys: the samples' keys, in input order.
        results: one :class:`~symlogic.claims.ClaimResult` per sample, or None where the claim does
            not apply (it names a variable the sample does not have).
    """

    claim: str
    target: str
    keys: tuple[str, ...]
    results: tuple["ClaimResult | None", ...] = field(repr=False)

    @property
    def counts(self) -> dict[str, int]:
        """Samples per status ("holds", "fails", "undecided", "unknown") and "not applicable"."""
        out = {"holds": 0, "fails": 0, "undecided": 0, "unknown": 0, "not applicable": 0}
        for r in self.results:
            out["not applicable" if r is None else r.status] += 1
        return out

    @property
    def applicable(self) -> int:
        """Samples the claim speaks about."""
        return sum(r is not None for r in self.results)

    @property
    def share_holds(self) -> float:
        """The share of applicable samples on which the claim is proven (NaN when none applies)."""
        return self.counts["holds"] / self.applicable if self.applicable else math.nan

    @property
    def holds(self) -> bool:
        """True only when the claim is proven on every sample (and applies to all of them)."""
        return bool(self.results) and all(r is not None and r.holds for r in self.results)

    def counterexamples(self) -> list[tuple[int, str, dict[str, Any]]]:
        """(position, key, counterexample) of every sample that refutes the claim."""
        return [(i, k, r.counterexample) for i, (k, r) in enumerate(zip(self.keys, self.results))
                if r is not None and r.status == "fails" and r.counterexample]

    def to_dict(self) -> dict[str, Any]:
        return {"claim": self.claim, "target": self.target, "keys": list(self.keys),
                "results": [None if r is None else r.to_dict() for r in self.results],
                "counts": self.counts, "share_holds": None if not self.applicable else self.share_holds}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "StudyClaim":
        """Inverse of :meth:`to_dict` (counts and share are derived); InputError when malformed."""
        from ..claims.result import ClaimResult

        if not isinstance(data, Mapping) or not isinstance(data.get("claim"), str):
            raise InputError("a dataset claim is an object with the claim's text")
        target, keys, results = data.get("target"), data.get("keys"), data.get("results")
        if target not in CLAIM_TARGETS or not isinstance(keys, list) or not isinstance(results, list):
            raise InputError(f"a dataset claim needs target in {CLAIM_TARGETS}, and lists of keys and results")
        if len(keys) != len(results) or not all(isinstance(k, str) for k in keys):
            raise InputError("a dataset claim needs one key (a string) per result")
        return cls(data["claim"], target, tuple(keys), tuple(None if r is None else ClaimResult.from_dict(r) for r in results))

    def summary(self) -> str:
        c = self.counts
        share = "no applicable sample" if not self.applicable else f"holds on {100 * self.share_holds:.3g} %"
        na = f", {c['not applicable']} not applicable" if c["not applicable"] else ""
        return (f"claim {self.claim!r} on each {self.target}: {share} ({c['holds']} of {self.applicable}; "
                f"{c['fails']} refuted, {c['undecided'] + c['unknown']} undecided{na})")


def check_target(target: str) -> str:
    if target not in CLAIM_TARGETS:
        raise InputError(f"a dataset claim is checked on each 'record' or each 'model', got {target!r}")
    return target


def sample_order(samples: Sequence[SampleResult]) -> list[SampleResult]:
    """Samples sorted by input position (stable)."""
    return sorted(samples, key=lambda s: s.index)

