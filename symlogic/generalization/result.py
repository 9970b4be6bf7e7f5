"""The result of joint extraction: one split per member, the joint loss and its certificate.

:class:`JointExtraction` keeps every member's split as an ordinary
:class:`~symlogic.extraction.Extraction` (method "joint", no certificate of its own: the members
are certified together), so a member's ``logic_model()``, ``salient()``, ``order_profile()`` and
:func:`~symlogic.generalization.change.attribute_change` work as for a single extraction.
docs/theory.md §3.8 states the problem and the certificate.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..masks import mask_names
from ..results import EngineReport, solver_engine, solver_seconds
from ..salience import DEFAULT_TAU
from .bound import joint_dual_bound, joint_loss

if TYPE_CHECKING:
    from ..extraction.result import Extraction
    from ..record import Record

__all__ = ["JointExtraction", "SharedConcept", "JointRecheck"]

#: What ``Extraction.method`` says for a member of a joint extraction.
JOINT_METHOD = "joint"
_ARRAYS = ("and", "or", "q", "certificate", "values")
#: :meth:`JointExtraction.load` refuses zip members that unpack to more than this (m = 64 tables
#: of 2^20 float64 entries are 512 MiB).
_MAX_MEMBER_BYTES = 1 << 30


@dataclass(frozen=True)
class SharedConcept:
    """A concept salient in every member: ``kind`` "and"/"or" over ``mask``, one value per member."""

    kind: str
    mask: int
    names: tuple[str, ...]
    values: tuple[float, ...]

    @property
    def order(self) -> int:
        return int(self.mask).bit_count()

    @property
    def key(self) -> tuple[str, int]:
        """(kind, mask): the key :mod:`symlogic.generalization.metrics` uses for a concept."""
        return (self.kind, self.mask)

    def __str__(self) -> str:
        vals = ", ".join(f"{v:+.4g}" for v in self.values)
        return f"{self.kind.upper()}({', '.join(self.names)}) = [{vals}]"


@dataclass(frozen=True)
class JointRecheck:
    """A re-check of a joint extraction from its own arrays (:meth:`JointExtraction.recheck`).

    ``objective`` and ``lower_bound`` are recomputed from the splits and the certificate;
    ``max_violation`` is the largest max(0, |q^(i)(T)| − ζ_i) over members and masks of the residual
    Za + Oo − v recomputed with the butterflies. ``ok``: the splits are feasible, the recomputed
    numbers agree with the stated ones (relative 1e-9) and the bound is below the objective.
    """

    objective: float
    lower_bound: float
    max_violation: float
    ok: bool
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class JointExtraction:
    """Interactions of m members extracted jointly (docs/theory.md §3.8, Chen et al., ICLR 2024).

    Attributes:
        members: one :class:`~symlogic.extraction.Extraction` per record, in the order given
            (``method`` "joint"; its ``objective`` is that member's own L1, its ``q`` within ζ_i).
        alpha: the weight α of Σ_i|I^(i)(S)| against max_i|I^(i)(S)| in the loss.
        q_bound: ζ_i = q_bound·|v^(i)(N) − v^(i)(∅)| for every member.
        objective: the joint loss Σ_S [(1 − α)·max_i|I^(i)(S)| + α·Σ_i|I^(i)(S)|] of the splits.
        lower_bound: the certified lower bound on the optimum (:func:`~.bound.joint_dual_bound`).
        gap: objective − lower_bound.
        certificate: the dual y, [m, 2^n], already scaled to be feasible.
        count_empty: whether the constant is part of the loss.
        settings: status, tol, seconds, solver, iterations.
    """

    members: tuple["Extraction", ...]
    alpha: float
    q_bound: float
    objective: float
    lower_bound: float
    gap: float
    certificate: np.ndarray
    count_empty: bool = True
    settings: dict[str, Any] = field(default_factory=dict)

    # -- shape --------------------------------------------------------------------------------

    @property
    def m(self) -> int:
        """The number of members."""
        return len(self.members)

    @property
    def n(self) -> int:
        return self.members[0].n

    @property
    def names(self) -> tuple[str, ...]:
        return self.members[0].record.names

    @property
    def zetas(self) -> tuple[float, ...]:
        """Every member's noise box ζ_i."""
        return tuple(ex.zeta for ex in self.members)

    # -- the result protocol (symlogic.results) ----------------------------------------------

    @property
    def status(self) -> str:
        """"optimal" (gap within ``tol``), "time_limit" or "not_converged" (numbers still honest)."""
        return str(self.settings.get("status", "not_converged"))

    @property
    def seconds(self) -> float:
        return solver_seconds(self.settings)

    @property
    def engines(self) -> tuple[EngineReport, ...]:
        return (solver_engine("joint", self.status, self.settings, "highs"),)

    # -- concepts -----------------------------------------------------------------------------

    def concept_dicts(self, tau: float = DEFAULT_TAU) -> list[dict[tuple[str, int], float]]:
        """Per member, its salient concepts as {(kind, mask): value} (the input of the metrics)."""
        from .metrics import concept_dict

        return [concept_dict(ex, tau) for ex in self.members]

    def shared_concepts(self, tau: float = DEFAULT_TAU) -> list[SharedConcept]:
        """Concepts salient in every member (|I^(i)(S)| ≥ τ·max|I^(i)| for each i, docs/theory.md
        §3.6), sorted by decreasing mean |value|, ties by kind then mask."""
        dicts = self.concept_dicts(tau)
        common = set(dicts[0]).intersection(*dicts[1:])
        out = [SharedConcept(kind, mask, mask_names(mask, self.names), tuple(d[(kind, mask)] for d in dicts))
               for kind, mask in common]
        out.sort(key=lambda c: (-float(np.mean(np.abs(c.values))), c.kind, c.mask))
        return out

    def specific_concepts(self, tau: float = DEFAULT_TAU) -> list[list[tuple[str, int]]]:
        """Per member, the (kind, mask) of its salient concepts that are not salient in every member."""
        dicts = self.concept_dicts(tau)
        common = set(dicts[0]).intersection(*dicts[1:])
        return [sorted(set(d) - common) for d in dicts]

    # -- checking -----------------------------------------------------------------------------

    def recheck(self) -> JointRecheck:
        """Recompute the joint loss, every member's residual and the certified bound from the
        arrays alone (nothing about the solver is trusted; docs/theory.md §3.8)."""
        from ..extraction.split import box_violation, residual

        problems: list[str] = []
        ands = np.stack([ex.and_ for ex in self.members])
        ors = np.stack([ex.or_ for ex in self.members])
        objective = joint_loss(ands, ors, self.alpha, self.count_empty)
        worst = 0.0
        for i, ex in enumerate(self.members):
            q = residual(ex.and_, ex.or_, ex.record.values)
            viol = box_violation(q, ex.zeta)
            worst = max(worst, viol)
            if viol > 0:
                problems.append(f"member {i}: the residual leaves the box |q| ≤ ζ by {viol:.3g}")
        vs = np.stack([ex.record.values for ex in self.members])
        bound, _ = joint_dual_bound(self.certificate, vs, self.zetas, self.alpha, self.count_empty)
        if not math.isclose(objective, self.objective, rel_tol=1e-9, abs_tol=1e-12):
            problems.append(f"the joint loss recomputes to {objective!r}, not the stated {self.objective!r}")
        if not math.isclose(bound, self.lower_bound, rel_tol=1e-9, abs_tol=1e-12):
            problems.append(f"the certificate gives the bound {bound!r}, not the stated {self.lower_bound!r}")
        if bound > objective:
            problems.append(f"the bound {bound!r} exceeds the loss {objective!r}: one of them is wrong")
        return JointRecheck(objective, bound, worst, not problems, tuple(problems))

    # -- saving -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly numbers, settings and every member's ``to_dict()`` (the arrays are left
        out: :meth:`arrays`, and :meth:`from_dict` takes them back)."""
        return {"alpha": self.alpha, "q_bound": self.q_bound, "count_empty": self.count_empty,
                "objective": self.objective, "lower_bound": self.lower_bound, "gap": self.gap,
                "zetas": list(self.zetas), "status": self.status,
                "engines": [e.to_dict() for e in self.engines], "settings": dict(self.settings),
                "members": [ex.to_dict() for ex in self.members]}

    def arrays(self) -> dict[str, np.ndarray]:
        """The [m, 2^n] arrays "and", "or", "q", "certificate" and the recorded "values"."""
        return {"and": np.stack([ex.and_ for ex in self.members]), "or": np.stack([ex.or_ for ex in self.members]),
                "q": np.stack([ex.q for ex in self.members]), "certificate": np.asarray(self.certificate),
                "values": np.stack([ex.record.values for ex in self.members])}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], records: Sequence["Record"],
                  arrays: Mapping[str, np.ndarray]) -> "JointExtraction":
        """The joint extraction that :meth:`to_dict` described, with its ``records`` and the
        [m, 2^n] ``arrays`` "and", "or", "q" and "certificate" (:meth:`arrays`)."""
        from ..extraction.result import Extraction

        for key in ("alpha", "q_bound", "objective", "lower_bound", "members"):
            if key not in data:
                raise InputError(f"a joint extraction's dict needs {key!r}; it has {sorted(data)}")
        infos = data["members"]
        if not isinstance(infos, list) or len(infos) != len(records) or not records:
            raise InputError(f"the dict describes {len(infos) if isinstance(infos, list) else '?'} members "
                             f"but {len(records)} records were given; pass one record per member")
        for key in ("and", "or", "q", "certificate"):
            arr = arrays.get(key)
            if arr is None or np.shape(arr) != (len(records), records[0].values.shape[0]):
                raise InputError(f"the array {key!r} must be [m, 2^n] = [{len(records)}, {records[0].values.shape[0]}], "
                                 f"got {None if arr is None else np.shape(arr)}")
        members = tuple(Extraction.from_dict(info, rec, {"and": np.asarray(arrays["and"][i], dtype=np.float64),
                                                         "or": np.asarray(arrays["or"][i], dtype=np.float64),
                                                         "q": np.asarray(arrays["q"][i], dtype=np.float64)})
                        for i, (info, rec) in enumerate(zip(infos, records)))
        lower = float(data["lower_bound"])
        objective = float(data["objective"])
        return cls(members=members, alpha=float(data["alpha"]), q_bound=float(data["q_bound"]), objective=objective,
                   lower_bound=lower, gap=float(data.get("gap", objective - lower)),
                   certificate=np.asarray(arrays["certificate"], dtype=np.float64),
                   count_empty=bool(data.get("count_empty", True)), settings=dict(data.get("settings") or {}))

    def save(self, path: str | os.PathLike[str]) -> str:
        """Write a zip: ``result.json`` (:meth:`to_dict` and the records' provenance) and one .npy
        per array (:meth:`arrays`), read back by :meth:`load` without pickle."""
        manifest = {"format": "symlogic-joint-extraction", "version": 1, "result": self.to_dict(),
                    "records": [ex.record.provenance() for ex in self.members]}
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("result.json", json.dumps(manifest, indent=1, default=_json_default))
            for key, arr in self.arrays().items():
                buf = io.BytesIO()
                np.save(buf, np.ascontiguousarray(arr, dtype=np.float64), allow_pickle=False)
                zf.writestr(f"{key}.npy", buf.getvalue())
        return os.fspath(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "JointExtraction":
        """Read what :meth:`save` wrote (no pickle). Each record's table must still have the SHA-256
        its provenance states; :meth:`recheck` then re-checks the numbers."""
        from ..record import Record

        try:
            with zipfile.ZipFile(path) as zf:
                big = [i.filename for i in zf.infolist() if i.file_size > _MAX_MEMBER_BYTES]
                if big:
                    raise InputError(f"{os.fspath(path)!r}: the members {big} unpack to more than "
                                     f"{_MAX_MEMBER_BYTES >> 20} MiB each; not a joint extraction symlogic wrote")
                manifest = json.loads(zf.read("result.json").decode("utf-8"))
                arrays = {key: np.load(io.BytesIO(zf.read(f"{key}.npy")), allow_pickle=False) for key in _ARRAYS}
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise InputError(f"{os.fspath(path)!r} is not a saved joint extraction ({exc})") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != "symlogic-joint-extraction":
            raise InputError(f"{os.fspath(path)!r} is not a saved joint extraction (format field missing)")
        provs = manifest.get("records")
        values = arrays["values"]
        if not isinstance(provs, list) or values.ndim != 2 or len(provs) != values.shape[0]:
            raise InputError(f"{os.fspath(path)!r}: the records and the stored tables disagree")
        records = []
        for prov, table in zip(provs, values):
            rec = Record(values=table, names=tuple(prov.get("names") or ()), output=prov.get("output", "custom"),
                         baseline=prov.get("baseline"), model_fingerprint=prov.get("model_fingerprint"),
                         input_fingerprint=prov.get("input_fingerprint"), meta=dict(prov.get("meta") or {}))
            if rec.fingerprint != prov.get("values_sha256"):
                raise InputError(f"{os.fspath(path)!r}: a stored table does not have the SHA-256 its record states; "
                                 "the file was altered")
            records.append(rec)
        return cls.from_dict(manifest.get("result") or {}, records, arrays)

    def __str__(self) -> str:
        return (f"joint extraction of {self.m} members (n = {self.n}, α = {self.alpha:g}): loss {self.objective:.6g}, "
                f"certified bound {self.lower_bound:.6g}, gap {self.gap:.2g} ({self.status})")


def _json_default(x: Any) -> Any:
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"not JSON: {type(x).__name__}")
