"""Step 5 of the pipeline: the evidence bundle, one file that anyone can re-verify.

A bundle is a zip holding ``manifest.json`` and plain ``.npy`` arrays (recorded table, AND and OR
interactions, q, dual certificate). The manifest keeps the provenance, the extraction settings and
certificate summary, the logic model's terms as exact rationals, every verdict and claim, and the
SHA-256 of every other member. Loading never unpickles, refuses unknown format versions, and checks
every hash; re-checking recomputes every result from the bundle's own data.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from .errors import BundleError, SymlogicError
from .extraction import Extraction
from .logic import LogicModel
from .record import Record
from .verify import Verdict, verify

__all__ = ["Evidence", "evidence", "RecheckItem", "RecheckReport", "FORMAT", "FORMAT_VERSION"]

FORMAT = "symlogic-evidence"
FORMAT_VERSION = 1
_ARRAYS = ("values", "and", "or", "q", "certificate")
#: Zip bombs and junk: refuse members and manifests beyond these sizes.
_MAX_MEMBER_BYTES = 1 << 31
_MAX_MANIFEST_BYTES = 64 << 20


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(arr, dtype=np.float64), allow_pickle=False)
    return buf.getvalue()


def _version() -> str:
    from . import __version__

    return __version__


def _claim_spec(item: Any) -> tuple[str, str]:
    """A claim given as text (checked on the record) or as (text, "record"|"model")."""
    if isinstance(item, str):
        return item, "record"
    text, target = item
    if target not in ("record", "model"):
        raise BundleError(f"a claim's target is 'record' or 'model', got {target!r}")
    return str(text), target


def _extraction_line(ex: Extraction) -> str:
    """One line on the split: its L1, and for the exact method the certified bound and status; a
    split that is not proven optimal says that the formula's own proof still stands."""
    if ex.method != "exact" or ex.lower_bound is None:
        return f"{ex.method} extraction: L1 = {ex.objective:.6g} (no optimality certificate)"
    status = str(ex.settings.get("status", "unknown"))
    line = f"exact extraction: L1 = {ex.objective:.6g}, certified lower bound {ex.lower_bound:.6g} (gap {ex.gap:.2g}, {status})"
    if status != "optimal":
        line += "; the split is feasible but not proven optimal, and the formula below is proven within its own ε all the same"
    return line


@dataclass
class Evidence:
    """Everything a reader needs to re-check an explanation: data, model, verdicts, claims."""

    record: Record
    extraction: Extraction | None
    logic_model: LogicModel
    verdict: dict[str, Any]
    claims: list[dict[str, Any]] = field(default_factory=list)
    created: str = ""
    symlogic_version: str = ""

    # ---- writing ------------------------------------------------------------------------
    def manifest(self, hashes: dict[str, str]) -> dict[str, Any]:
        ex = self.extraction
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "symlogic_version": self.symlogic_version or _version(),
            "created": self.created,
            "record": self.record.provenance(),
            "extraction": ex.summary() if ex is not None else None,
            "logic_model": self.logic_model.to_dict(),
            "verdict": self.verdict,
            "claims": self.claims,
            "members": hashes,
        }

    def _arrays(self) -> dict[str, np.ndarray]:
        out = {"values": self.record.values}
        ex = self.extraction
        if ex is not None:
            out.update({"and": ex.and_, "or": ex.or_, "q": ex.q})
            if ex.certificate is not None:
                out["certificate"] = ex.certificate
        return out

    def save(self, path: str | os.PathLike[str]) -> str:
        """Write the bundle (a zip); returns the path."""
        members = {f"{k}.npy": _npy_bytes(v) for k, v in self._arrays().items()}
        hashes = {name: _sha256(data) for name, data in members.items()}
        manifest = json.dumps(self.manifest(hashes), indent=2, sort_keys=True, allow_nan=False, default=_json_default)
        tmp = os.fspath(path) + ".tmp"
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("manifest.json", manifest)
            for name, data in members.items():
                zf.writestr(name, data)
        os.replace(tmp, path)
        return os.fspath(path)

    # ---- reading ------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "Evidence":
        """Read and check a bundle: format, version, every member's SHA-256. Raises BundleError."""
        try:
            return _load(path)
        except BundleError:
            raise
        except Exception as exc:  # noqa: BLE001 - untrusted bytes: any failure to read is the bundle's fault
            raise BundleError(f"{path}: not a valid symlogic evidence bundle ({type(exc).__name__}: {exc})") from exc

    # ---- re-checking --------------------------------------------------------------------
    def recheck(self, timeout: float = 120.0) -> "RecheckReport":
        """Recompute every verdict, certificate and claim from the bundle's own data."""
        return _recheck(self, timeout)

    def summary_lines(self) -> list[str]:
        """What a person reads first: the extraction and how optimal it is proven to be, the
        formula, the ε verdict, and each claim's outcome."""
        v = self.verdict
        engines = ", ".join(f"{k} {r}" for k, r in v["engines"].items())
        lines = [] if self.extraction is None else [_extraction_line(self.extraction)]
        lines += [str(self.logic_model),
                 f"ε-equivalence: {'PROVEN' if v['holds'] else 'NOT proven'} on all {self.record.values.shape[0]} masks, "
                 f"ε = {v['epsilon']:.6g} (engines: {engines})"]
        for c in self.claims:
            status = c.get("status") or ("holds" if c.get("holds") else "fails")
            word = {"holds": "HOLDS", "fails": "REFUTED"}.get(status, status.upper())
            cex = c.get("counterexample")
            extra = f"; counterexample: present = {cex.get('present')}" if status == "fails" and cex else ""
            lines.append(f"claim {c['claim']!r}: {word}{extra}")
        return lines

    def to_html(self, path: str | os.PathLike[str], *, error_curve_k: int = 12) -> str:
        """A self-contained HTML report (formula, verdicts, claims, graph, pictures, provenance).

        The error-vs-size curve (exact max error of the top-k concepts after a minimax refit) is
        computed for k ≤ ``error_curve_k`` when the extraction is in the bundle; 0 leaves it out.
        """
        from .attribution import shapley_values
        from .refit import error_curve
        from .report import write_report
        from .transforms import and_interactions

        curve = None
        if self.extraction is not None and error_curve_k > 0 and self.record.n <= 16:
            c = error_curve(self.extraction, max_k=min(error_curve_k, max(len(self.logic_model), 1) + 4))
            curve = {"k": c.k.tolist(), "epsilon": c.epsilon_refit.tolist(), "chosen_k": len(self.logic_model)}
        verdict = dict(self.verdict, name="ε-equivalence with the recorded outputs")
        manifest = self.manifest({})
        provenance = {"symlogic": manifest["symlogic_version"], "created": manifest["created"],
                      "format": f"{FORMAT} v{FORMAT_VERSION}", "record": manifest["record"],
                      "extraction": manifest["extraction"] or {}}
        provenance["record"] = {k: v for k, v in provenance["record"].items() if k != "names"}
        out = write_report(path, title=f"symlogic evidence: {self.record.n} variables, {self.record.output}",
                           formula_text=str(self.logic_model), formula_latex=self.logic_model.to_latex(),
                           verdicts=[verdict], claims=self.claims, provenance=provenance, lm=self.logic_model,
                           record_values=self.record.values, epsilon=float(self.verdict["epsilon"]),
                           error_curve=curve, shapley=shapley_values(and_interactions(self.record.values)),
                           extraction=None if self.extraction is None else _extraction_line(self.extraction))
        return os.fspath(out)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (tuple, set)):
        return list(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def _finite_json(data: Any) -> Any:
    """JSON has no NaN/inf: write None for them (used for optional numbers)."""
    if isinstance(data, float) and not np.isfinite(data):
        return None
    if isinstance(data, dict):
        return {k: _finite_json(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite_json(v) for v in data]
    return data


def _read_member(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise BundleError(f"member {name} is {info.file_size} bytes, over the limit of {limit}")
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise BundleError(f"member {name} is larger than the limit of {limit} bytes")
    return data


def _load(path: str | os.PathLike[str]) -> Evidence:
    if not os.path.isfile(path):
        raise BundleError(f"{path}: no such file")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        if len(names) != len(set(names)):
            raise BundleError(f"{path}: duplicate member names")
        if "manifest.json" not in names:
            raise BundleError(f"{path}: no manifest.json; not a symlogic evidence bundle")
        manifest = json.loads(_read_member(zf, "manifest.json", _MAX_MANIFEST_BYTES).decode("utf-8"))
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BundleError(f"{path}: manifest format is not {FORMAT!r}")
        version = manifest.get("format_version")
        if type(version) is not int or version != FORMAT_VERSION:  # True and 1.0 are not version 1
            raise BundleError(f"{path}: format version {version!r} is not supported (this symlogic reads version {FORMAT_VERSION}); "
                              "use the symlogic release that wrote it")
        hashes = manifest.get("members")
        if not isinstance(hashes, dict):
            raise BundleError(f"{path}: manifest lists no member hashes")
        extra = set(names) - set(hashes) - {"manifest.json"}
        missing = set(hashes) - set(names)
        if extra or missing:
            raise BundleError(f"{path}: members do not match the manifest (unlisted: {sorted(extra)}, missing: {sorted(missing)})")
        arrays: dict[str, np.ndarray] = {}
        for name, digest in hashes.items():
            if name.removesuffix(".npy") not in _ARRAYS or not name.endswith(".npy"):
                raise BundleError(f"{path}: unexpected member {name!r}")
            data = _read_member(zf, name, _MAX_MEMBER_BYTES)
            if _sha256(data) != digest:
                raise BundleError(f"{path}: member {name} was altered (SHA-256 mismatch)")
            arr = np.load(io.BytesIO(data), allow_pickle=False)
            if arr.dtype != np.float64 or arr.ndim != 1:
                raise BundleError(f"{path}: member {name} must be a one-dimensional float64 array")
            arrays[name.removesuffix(".npy")] = arr
    rec_info = manifest["record"]
    if "values" not in arrays:
        raise BundleError(f"{path}: the recorded table values.npy is missing")
    record = Record(values=arrays["values"], names=tuple(rec_info["names"]), output=rec_info.get("output", "custom"),
                    baseline=rec_info.get("baseline"), model_fingerprint=rec_info.get("model_fingerprint"),
                    input_fingerprint=rec_info.get("input_fingerprint"), meta=dict(rec_info.get("meta") or {}))
    if record.fingerprint != rec_info.get("values_sha256"):
        raise BundleError(f"{path}: the recorded table does not match its fingerprint in the manifest")
    extraction = None
    ex_info = manifest.get("extraction")
    if ex_info is not None:
        size = record.values.shape[0]
        for key in ("and", "or", "q"):
            if key not in arrays or arrays[key].shape[0] != size:
                raise BundleError(f"{path}: interaction array {key}.npy is missing or has the wrong length")
        cert = arrays.get("certificate")
        if cert is not None and cert.shape[0] != size:
            raise BundleError(f"{path}: certificate.npy has the wrong length")
        extraction = Extraction(record=record, and_=arrays["and"], or_=arrays["or"], q=arrays["q"],
                                objective=float(ex_info["objective"]),
                                lower_bound=None if ex_info.get("lower_bound") is None else float(ex_info["lower_bound"]),
                                gap=None if ex_info.get("gap") is None else float(ex_info["gap"]),
                                certificate=cert, method=str(ex_info["method"]), q_bound=float(ex_info["q_bound"]),
                                count_empty=bool(ex_info.get("count_empty", True)), settings=dict(ex_info.get("settings") or {}))
    _check_term_forms(path, manifest["logic_model"]["terms"])
    lm = LogicModel.from_dict(manifest["logic_model"])
    if lm.names != record.names:
        raise BundleError(f"{path}: the logic model's variables differ from the record's")
    claims = manifest.get("claims") or []
    if not isinstance(claims, list) or not all(isinstance(c, dict) for c in claims):
        raise BundleError(f"{path}: claims must be a list of objects")
    verdict = manifest.get("verdict")
    if not isinstance(verdict, dict):
        raise BundleError(f"{path}: the manifest holds no verdict")
    return Evidence(record=record, extraction=extraction, logic_model=lm, verdict=verdict, claims=claims,
                    created=str(manifest.get("created", "")), symlogic_version=str(manifest.get("symlogic_version", "")))


def _check_term_forms(path: str | os.PathLike[str], terms: Any) -> None:
    """Each coefficient is written three ways (float, hex, p/q); all three must be the same number."""
    if not isinstance(terms, list):
        raise BundleError(f"{path}: the logic model's terms must be a list")
    for t in terms:
        exact = Fraction(float.fromhex(t["coefficient_hex"]))
        p, q = str(t["coefficient_exact"]).split("/")
        if Fraction(int(p), int(q)) != exact or Fraction(float(t["coefficient"])) != exact:
            raise BundleError(f"{path}: term {t.get('kind')} mask {t.get('mask')} states different coefficients "
                              "in its float, hex and exact forms; the manifest was altered")


# ---- building -------------------------------------------------------------------------------
def _check_claim(text: str, target: str, rec: Record, lm: LogicModel, verdict: Verdict | None,
                 timeout: float) -> dict[str, Any]:
    from .claims import check

    if target == "record":
        res = check(text, rec)
    else:
        res = check(text, lm, epsilon=verdict, record=rec)
    d = res.to_dict()
    d["claim"] = text
    d["target"] = target
    return _finite_json(d)


def evidence(rec: Record, ex: Extraction | None, lm: LogicModel, claims: Sequence[Any] = (), *,
             epsilon: float | None = None, timeout: float = 120.0, progress: bool | None = None) -> Evidence:
    """Prove ``lm`` against ``rec`` (tightest ε unless given), check every claim, collect it all.

    Claims are strings (checked on the record: exhaustive and exact) or ``(text, "model")`` pairs
    (checked on the logic model with Z3, carried to the network with the proven ε).
    """
    verdict = verify(lm, rec, epsilon=epsilon, timeout=timeout, progress=progress)
    checked = [_check_claim(text, target, rec, lm, verdict, timeout) for text, target in map(_claim_spec, claims)]
    created = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    return Evidence(record=rec, extraction=ex, logic_model=lm, verdict=_finite_json(verdict.to_dict()), claims=checked,
                    created=created, symlogic_version=_version())


# ---- re-checking ----------------------------------------------------------------------------
@dataclass(frozen=True)
class RecheckItem:
    """One re-checked result: did the recomputation reproduce what the bundle says?"""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class RecheckReport:
    """All re-checked results; ``ok`` when each reproduced and the ε-equivalence holds."""

    items: list[RecheckItem]

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.items)

    def __str__(self) -> str:
        lines = [f"[{'ok' if i.ok else 'FAIL'}] {i.name}: {i.detail}" for i in self.items]
        lines.append("ALL RE-CHECKED" if self.ok else "RE-CHECK FAILED")
        return "\n".join(lines)


def _recheck_extraction(ex: Extraction) -> list[RecheckItem]:
    from .extraction.exact import dual_bound

    items = []
    v = ex.record.values
    recon = ex.reconstruct()
    size = float(np.max(np.abs(v), initial=0.0)) + float(np.sum(np.abs(ex.and_)) + np.sum(np.abs(ex.or_)))
    # Relative to the data's own scale: an absolute floor (max(size, 1)) would let a table of tiny
    # outputs pass any split, e.g. all-zero interactions with |q| = |v| far beyond ζ.
    tol = 64 * ex.n * 2.0**-52 * size
    q_now = recon - v
    worst = float(np.max(np.abs(q_now - ex.q)))
    excess = float(np.max(np.abs(q_now))) - ex.zeta
    items.append(RecheckItem("universal matching", worst <= tol and excess <= tol,
                             f"max |Σ interactions − (v + q)| = {worst:.3g} (rounding tolerance {tol:.3g}); "
                             f"max |q| − ζ = {excess:.3g}"))
    objective = float(np.sum(np.abs(ex.and_[0 if ex.count_empty else 1:])) + np.sum(np.abs(ex.or_[1:])))
    same = abs(objective - ex.objective) <= 1e-9 * abs(objective)
    items.append(RecheckItem("objective", same, f"Σ|I| recomputed {objective:.12g}, stored {ex.objective:.12g}"))
    if ex.certificate is not None and ex.lower_bound is not None:
        bound, _scale = dual_bound(ex.certificate, v, ex.zeta, count_empty=ex.count_empty)
        # dual_bound is deterministic (butterflies, fsum), so the stored bound is reproduced bit
        # for bit: any stored lower bound above the proven one is not a lower bound.
        ok = bound >= ex.lower_bound and objective - bound <= (ex.gap or 0) + 1e-9 * abs(objective)
        items.append(RecheckItem("dual certificate", ok,
                                 f"lower bound from the certificate {bound:.12g} (stored {ex.lower_bound:.12g}); "
                                 f"certified gap {objective - bound:.3g}"))
    elif ex.lower_bound is not None or ex.gap is not None:
        items.append(RecheckItem("dual certificate", False,
                                 "a lower bound or gap is stated but the bundle holds no certificate.npy to prove it"))
    return items


#: Deterministic stored fields that a re-check must reproduce exactly (not timings).
_VERDICT_KEYS = ("holds", "epsilon", "max_error", "max_error_exact", "max_error_mask", "counterexample", "violations",
                 "engines", "support", "rows_checked", "explanation")
_CLAIM_KEYS = ("status", "counterexample", "values", "explanation", "route")


def _recheck(ev: Evidence, timeout: float) -> RecheckReport:
    items: list[RecheckItem] = []
    if ev.extraction is not None:
        items += _recheck_extraction(ev.extraction)
    stored = ev.verdict
    eps = float(stored["epsilon"])
    v = verify(ev.logic_model, ev.record, epsilon=eps, timeout=timeout)
    # Every stored field a reader is shown (the HTML report prints max_error and engines) must be
    # reproduced, not only holds and max_error_exact; timings and wording are left out.
    fresh_v = _finite_json(v.to_dict())
    same = v.holds == bool(stored.get("holds")) and all(fresh_v.get(k) == stored.get(k) for k in _VERDICT_KEYS)
    items.append(RecheckItem("ε-equivalence", same and v.holds,
                             f"{'holds' if v.holds else 'does NOT hold'} at ε = {eps!r} (engines {v.engines}; "
                             f"max error {v.max_error_exact} = {v.max_error:.6g}; stored: {'holds' if stored.get('holds') else 'fails'})"))
    for c in ev.claims:
        text, target = str(c.get("claim", "")), str(c.get("target", "record"))
        try:
            fresh = _check_claim(text, target, ev.record, ev.logic_model, v, timeout)
        except SymlogicError as exc:
            items.append(RecheckItem(f"claim {text!r}", False, f"could not be re-checked: {exc}"))
            continue
        same = fresh.get("holds") == c.get("holds")
        cex_old = (c.get("counterexample") or {}).get("mask")
        cex_new = (fresh.get("counterexample") or {}).get("mask")
        same = same and cex_old == cex_new and all(fresh.get(k) == c.get(k) for k in _CLAIM_KEYS)
        word = "holds" if fresh.get("holds") else f"refuted (counterexample mask {cex_new})"
        items.append(RecheckItem(f"claim {text!r} on the {target}", same,
                                 f"{word}; {'reproduces' if same else 'DIFFERS FROM'} the stored result"))
    return RecheckReport(items=items)
