"""Step 5 of the pipeline: the evidence bundle, one file that anyone can re-verify.

A bundle is a zip holding ``manifest.json`` and plain ``.npy`` arrays (recorded table, AND and OR
interactions, q, dual certificate). The manifest keeps the provenance, the extraction settings and
certificate summary, the logic model's terms as exact rationals, every verdict and claim, and the
SHA-256 of every other member. Loading never unpickles, refuses unknown format versions, and checks
every hash; re-checking recomputes every result from the bundle's own data.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import math
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, get_args

import numpy as np

from .claims.result import ClaimResult
from .bundle import FORMAT, FORMAT_VERSION, BundleLimits, RawBundle, read_bundle
from .bundle import sha256 as _sha256
from .defaults import TAU
from .errors import BundleError, InputError, SymlogicError
from .exact_error import float_upper, max_error
from .params import time_limit_of
from .extraction import MAX_TOL, Extraction
from .logic import LogicModel
from .record import Record
from .results import ExtractionStatus, status_word
from .pareto import Pareto
from .verify import Verdict, model_sha256, verify
from .weak import is_weak, weak_advice

__all__ = ["Evidence", "evidence", "RecheckItem", "RecheckReport", "BundleLimits", "FORMAT", "FORMAT_VERSION"]


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(arr, dtype=np.float64), allow_pickle=False)
    return buf.getvalue()


def _version() -> str:
    from .version import __version__

    return __version__


def _claim_spec(item: Any) -> tuple[str, str]:
    """A claim given as text (checked on the record) or as (text, "record"|"model")."""
    if isinstance(item, str):
        return item, "record"
    if not (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str)):
        raise InputError(f"a claim is a string or a (text, 'record'|'model') pair, got {item!r:.100}")
    text, target = item
    if target not in ("record", "model"):
        raise InputError(f"a claim's target is 'record' or 'model', got {target!r}")
    return text, target


def _extraction_line(ex: Extraction) -> str:
    """One line on the split: its L1, and for the exact method the certified bound and status; a
    split that is not proven optimal says that the formula's own proof still stands."""
    if ex.lower_bound is None:
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
    verdict: Verdict
    claims: list[ClaimResult] = field(default_factory=list)
    created: str = ""
    symlogic_version: str = ""
    front: Pareto | None = None

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
            "verdict": _finite_json(self.verdict.to_dict()),
            "claims": [_finite_json(c.to_dict()) for c in self.claims],
            "members": hashes,
        } | ({} if self.front is None else {"pareto": _finite_json(self.front.to_dict())})

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
    def load(cls, path: str | os.PathLike[str], limits: BundleLimits | None = None) -> "Evidence":
        """Read and check a bundle: sizes and counts within ``limits`` (checked before any work),
        format, version, field types, every member's SHA-256, and every derived manifest field
        recomputed from the data (a relabelled term or an edited n is refused). Raises BundleError."""
        try:
            return _load(path, limits)
        except BundleError:
            raise
        except Exception as exc:  # noqa: BLE001 - untrusted bytes: any failure to read is the bundle's fault
            raise BundleError(f"{path}: not a valid symlogic evidence bundle ({type(exc).__name__}: {exc})") from exc

    # ---- re-checking --------------------------------------------------------------------
    def recheck(self, time_limit: float | None = None, *, timeout: float | None = None) -> "RecheckReport":
        """Recompute every verdict, certificate and claim from the bundle's own data.

        Raises only :mod:`symlogic.errors` types: a failure while re-checking a bundle's data is
        the bundle's, reported as :class:`BundleError`.
        """
        try:
            return _recheck(self, time_limit_of(time_limit, timeout, "Evidence.recheck"))
        except SymlogicError:
            raise
        except Exception as exc:  # noqa: BLE001 - the data are untrusted; say so instead of a bare traceback
            raise BundleError(f"the bundle's data could not be re-checked ({type(exc).__name__}: {exc}); "
                              "it was altered or written by an incompatible tool") from exc

    @property
    def epsilon(self) -> Fraction:
        """The verdict's bound, exactly (older bundles state only its float, which is exact too)."""
        return self.verdict.epsilon_fraction

    def summary_lines(self) -> list[str]:
        """What a person reads first: the extraction and how optimal it is proven to be, the
        formula, the ε verdict, and each claim's outcome."""
        v = self.verdict
        engines = ", ".join(f"{e.name} {e.detail}" for e in v.engines)
        lines = [] if self.extraction is None else [_extraction_line(self.extraction)]
        rel = v.relative_epsilon
        weak = v.holds and is_weak(rel)
        word = "PROVEN, but WEAK" if weak else ("PROVEN" if v.holds else "NOT proven")
        share = f" = {100 * rel:.3g} % of the output range" if rel is not None else ""
        lines += [str(self.logic_model),
                  f"ε-equivalence: {word} on all {self.record.values.shape[0]} masks, "
                  f"ε = {v.epsilon:.6g}{share} (engines: {engines})"]
        if weak:
            lines.append(weak_advice(rel, front=self.front_summary()))
        if self.front is not None:
            lines.append(f"size vs error: {len(self.front.points)} proven formulas from {self.front.points[0].terms} to "
                         f"{self.front.points[-1].terms} terms (ε down to {100 * (self.front.points[-1].relative_epsilon or 0):.3g} % "
                         "of the range); see the report's front")
        for c in self.claims:
            cex = c.counterexample
            extra = f"; counterexample: present = {cex.get('present')}" if c.status == "fails" and cex else ""
            lines.append(f"claim {c.claim!r}: {status_word(c.status, 'claim')}{extra}")
        return lines

    def to_html(self, path: str | os.PathLike[str], *, error_curve_k: int = 12) -> str:
        """A self-contained HTML report (formula, verdicts, claims, graph, pictures, provenance).

        The error-vs-size curve (exact max error of the top-k concepts after a minimax refit) is
        computed for k ≤ ``error_curve_k`` when the extraction is in the bundle; 0 leaves it out.
        """
        from .attribution import shapley_values
        from .refit import error_curve
        from .figures.report import write_report
        from .transforms import and_interactions

        curve = None
        if self.extraction is not None and error_curve_k > 0 and self.record.n <= 16:
            c = error_curve(self.extraction, max_k=min(error_curve_k, max(len(self.logic_model), 1) + 4))
            curve = {"k": c.k.tolist(), "epsilon": c.epsilon_refit.tolist(), "chosen_k": len(self.logic_model)}
        verdict = dict(_finite_json(self.verdict.to_dict()), name="ε-equivalence with the recorded outputs")
        manifest = self.manifest({})
        provenance = {"symlogic": manifest["symlogic_version"], "created": manifest["created"],
                      "format": f"{FORMAT} v{FORMAT_VERSION}", "record": manifest["record"],
                      "extraction": manifest["extraction"] or {}}
        provenance["record"] = {k: v for k, v in provenance["record"].items() if k != "names"}
        out = write_report(path, title=f"symlogic evidence: {self.record.n} variables, {self.record.output}",
                           formula_text=str(self.logic_model), formula_latex=self.logic_model.to_latex(),
                           verdicts=[verdict], claims=[_finite_json(c.to_dict()) for c in self.claims], provenance=provenance, lm=self.logic_model,
                           record_values=self.record.values, epsilon=self.verdict.epsilon,
                           error_curve=curve, shapley=shapley_values(and_interactions(self.record.values)),
                           extraction=None if self.extraction is None else _extraction_line(self.extraction),
                           output_range=self.verdict.output_range, front=self.front_summary())
        return os.fspath(out)

    def front_summary(self) -> dict[str, Any] | None:
        """The front as the report draws it (terms, relative ε, the kept model's size when it is on
        the front, the target); None without a front."""
        if self.front is None:
            return None
        sha = model_sha256(self.logic_model)
        chosen = next((p.terms for p in self.front.points if model_sha256(p.model) == sha), None)
        return {"terms": [p.terms for p in self.front.points], "relative_epsilon": [p.relative_epsilon for p in self.front.points],
                "chosen": chosen, "target": self.logic_model.meta.get("target_relative")}

    # ---- where evaluations live (docs/integrations.md) -----------------------------------
    def log_to_mlflow(self, *, run_id: str | None = None, artifact_path: str = "symlogic", prefix: str = "symlogic",
                      **options: Any) -> Any:
        """Log the bundle, ε and the claims to an MLflow run; returns an ``MlflowLog``. See
        :func:`symlogic.integrations.mlflow.log_evidence` (needs ``pip install "symlogic[mlflow]"``)."""
        from .integrations.mlflow import log_evidence

        return log_evidence(self, run_id=run_id, artifact_path=artifact_path, prefix=prefix, **options)

    def model_card(self, *, model_name: str, dataset: Any, format: str = "yaml", **options: Any) -> str | dict[str, Any]:
        """A Hugging Face model-index entry or README section: :func:`symlogic.integrations.model_card.model_card`."""
        from .integrations.model_card import model_card

        return model_card(self, model_name=model_name, dataset=dataset, format=format, **options)


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


def _normal(data: Any) -> Any:
    """``data`` as it reads back from the manifest's JSON (tuples as lists, numpy scalars as numbers)."""
    return json.loads(json.dumps(_finite_json(data), sort_keys=True, default=_json_default))


def _same_derived(path: str | os.PathLike[str], what: str, stored: Any, fresh: Any) -> None:
    """Refuse a manifest section that differs from its recomputation, naming the first field."""
    stored, fresh = _normal(stored), _normal(fresh)
    if stored == fresh:
        return
    keys = sorted(set(stored) | set(fresh)) if isinstance(stored, dict) and isinstance(fresh, dict) else []
    diff = [k for k in keys if stored.get(k) != fresh.get(k)]
    where = f"{what}.{diff[0]}" if diff else what
    raise BundleError(f"{path}: {where} differs from what the bundle's own data give (stored "
                      f"{(stored.get(diff[0]) if diff else stored)!r:.200}, recomputed "
                      f"{(fresh.get(diff[0]) if diff else fresh)!r:.200}); the manifest was altered")


def _read(path: str | os.PathLike[str], what: str, from_dict: Any, data: Any) -> Any:
    """``from_dict(data)``, a malformed section reported as an altered bundle."""
    try:
        return from_dict(data)
    except InputError as exc:
        raise BundleError(f"{path}: {what} is malformed ({exc}); the manifest was altered") from None


def _load(path: str | os.PathLike[str], limits: BundleLimits | None) -> Evidence:
    raw: RawBundle = read_bundle(path, limits)
    manifest, arrays = raw.manifest, raw.arrays
    rec_info = manifest["record"]
    record = Record(values=arrays["values"], names=tuple(rec_info["names"]), output=rec_info.get("output", "custom"),
                    baseline=rec_info.get("baseline"), model_fingerprint=rec_info.get("model_fingerprint"),
                    input_fingerprint=rec_info.get("input_fingerprint"), meta=dict(rec_info.get("meta") or {}))
    if record.fingerprint != rec_info.get("values_sha256"):
        raise BundleError(f"{path}: the recorded table does not match its fingerprint in the manifest; the bundle was altered")
    _same_derived(path, "record", rec_info, record.provenance())
    extraction = None
    ex_info = manifest.get("extraction")
    if ex_info is not None:
        for key in ("and", "or", "q"):
            if key not in arrays:
                raise BundleError(f"{path}: interaction array {key}.npy is missing")
        extraction = Extraction.from_dict(ex_info, record, arrays)
        _same_derived(path, "extraction", ex_info, extraction.summary())
    elif set(arrays) - {"values"}:
        raise BundleError(f"{path}: interaction arrays without an extraction in the manifest; the bundle was altered")
    # Each section is read by its own from_dict (types checked there); the float and p/q forms of
    # every coefficient are derived from its hex form, so the comparison below catches any edit.
    lm = _read(path, "the logic model", LogicModel.from_dict, manifest.get("logic_model"))
    if lm.names != record.names:
        raise BundleError(f"{path}: the logic model's variables differ from the record's; the bundle was altered")
    _same_derived(path, "logic_model", manifest["logic_model"], lm.to_dict())
    verdict = _read(path, "the verdict", Verdict.from_dict, manifest.get("verdict"))
    try:
        _stored_epsilon(verdict)
    except BundleError as exc:
        raise BundleError(f"{path}: {exc}") from None
    claims = [_read(path, "a claim", ClaimResult.from_dict, c) for c in manifest.get("claims") or []]
    front = None
    if manifest.get("pareto") is not None:
        front = _read(path, "the size-vs-error front", Pareto.from_dict, manifest["pareto"])
        if any(p.model.names != record.names for p in front.points):
            raise BundleError(f"{path}: a formula of the front has other variables than the record; the bundle was altered")
        _same_derived(path, "pareto", manifest["pareto"], _finite_json(front.to_dict()))
    return Evidence(record=record, extraction=extraction, logic_model=lm, verdict=verdict,
                    claims=claims, created=str(manifest.get("created", "")),
                    symlogic_version=str(manifest.get("symlogic_version", "")), front=front)


# ---- building -------------------------------------------------------------------------------
def _check_claim(text: str, target: str, rec: Record, lm: LogicModel, verdict: Verdict | None,
                 time_limit: float | None) -> ClaimResult:
    """One claim checked for a bundle: on the record, or on the model with its proven ε; the result
    keeps the claim's text as given and its target."""
    from .claims import check

    res = (check(text, rec, time_limit=time_limit) if target == "record"
           else check(text, lm, epsilon=verdict, record=rec, time_limit=time_limit))
    return replace(res, claim=text, target=target)


def evidence(lm: LogicModel, rec: Record, ex: Extraction | None = None, claims: Sequence[Any] = (), *,
             epsilon: float | Fraction | str | None = None, time_limit: float | None = None, progress: bool | None = None,
             timeout: float | None = None, front: Pareto | None = None) -> Evidence:
    """Prove ``lm`` against ``rec`` (tightest ε unless given), check every claim, collect it all.

    The argument order is the package's: the subject (the logic model), then the record it is
    checked against, as in :func:`~symlogic.verify.verify` and :func:`~symlogic.refit.refit_minimax`;
    ``ex`` is the extraction the model came from, if any. The old order ``(rec, ex, lm)`` still
    works, with a DeprecationWarning.

    Claims are strings (checked on the record: exhaustive and exact) or ``(text, "model")`` pairs
    (checked on the logic model with Z3, carried to the network with the proven ε). ``front`` is the
    size-vs-error front (:func:`symlogic.pareto`) the model was picked from, kept and re-checked too.
    """
    if isinstance(lm, Record) and isinstance(ex, LogicModel):  # evidence(rec, ex, lm, ...) from before
        import warnings

        warnings.warn("evidence(rec, ex, lm) is deprecated; use evidence(lm, rec, ex)", DeprecationWarning, stacklevel=2)
        lm, rec, ex = ex, lm, rec  # type: ignore[assignment]
    if not isinstance(lm, LogicModel) or not isinstance(rec, Record):
        raise InputError(f"evidence(lm, rec, ex=None, claims=()) takes a LogicModel and its Record, got "
                         f"{type(lm).__name__} and {type(rec).__name__}")
    if ex is not None and not isinstance(ex, Extraction):
        raise InputError(f"ex must be the Extraction the model came from, or None; got {type(ex).__name__}")
    if front is not None and (not isinstance(front, Pareto) or any(p.model.names != rec.names for p in front.points)):
        raise InputError("front must be the Pareto front of this record (symlogic.pareto(rec)), or None")
    specs = [_claim_spec(c) for c in claims]
    limits = BundleLimits()
    if len(specs) > limits.max_claims:
        raise InputError(f"{len(specs)} claims; a bundle holds at most {limits.max_claims} (readers refuse more); "
                         "split them over several bundles")
    time_limit = time_limit_of(time_limit, timeout, "evidence")
    verdict = verify(lm, rec, epsilon=epsilon, time_limit=time_limit, progress=progress)
    if not math.isfinite(verdict.epsilon):
        raise InputError(f"the model's error bound {verdict.epsilon_exact} is beyond float64's range, so no bundle can "
                         "state it; rescale the outputs (e.g. by a power of two) or build a closer model")
    checked = [_check_claim(text, target, rec, lm, verdict, time_limit) for text, target in specs]
    created = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    return Evidence(record=rec, extraction=ex, logic_model=lm, verdict=verdict, claims=checked,
                    created=created, symlogic_version=_version(), front=front)


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


#: The statuses a solver may report ("optimal" is a claim about the certified gap); one list, in
#: symlogic.results. The loosest tolerance for "optimal" is extract's own (MAX_TOL).
_STATUSES = get_args(ExtractionStatus)


def _recheck_extraction(ex: Extraction) -> list[RecheckItem]:
    from .extraction.certified import dual_bound, gap_scale

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
    objective = ex.split.objective
    same = abs(objective - ex.objective) <= 1e-9 * abs(objective)
    items.append(RecheckItem("objective", same, f"Σ|I| recomputed {objective:.12g}, stored {ex.objective:.12g}"))
    if ex.certificate is not None and ex.lower_bound is not None:
        bound, _scale = dual_bound(ex.certificate, v, ex.zeta, count_empty=ex.count_empty)
        # dual_bound is deterministic (butterflies, fsum), so the stored bound is reproduced bit
        # for bit: any stored lower bound above the proven one is not a lower bound.
        ok = bound >= ex.lower_bound and objective - bound <= (ex.gap or 0) + 1e-9 * abs(objective)
        ok = ok and ex.gap == ex.objective - ex.lower_bound  # the gap is derived, never stated freely
        items.append(RecheckItem("dual certificate", ok,
                                 f"lower bound from the certificate {bound:.12g} (stored {ex.lower_bound:.12g}); "
                                 f"certified gap {objective - bound:.3g} (stored {ex.gap!r})"))
        items.append(_recheck_status(ex, objective - bound, gap_scale(objective, v)))
    elif ex.lower_bound is not None or ex.gap is not None:
        items.append(RecheckItem("dual certificate", False,
                                 "a lower bound or gap is stated but the bundle holds no certificate.npy to prove it"))
    elif "status" in ex.settings:
        items.append(RecheckItem("status", False, f"the status {ex.settings['status']!r} is stated without a certificate"))
    return items


def _recheck_model_source(ex: Extraction, lm: LogicModel) -> RecheckItem | None:
    """A model that says it is the salient concepts of this extraction (at its τ or top-k) must be:
    the same terms, and without a refit the same coefficients. None when it says nothing of that."""
    meta = lm.meta or {}
    if not str(meta.get("source", "")).startswith("extract("):
        return None
    tau, top_k, refit = meta.get("tau", TAU), meta.get("top_k"), meta.get("refit")
    try:
        expected = ex.logic_model(tau=tau, top_k=top_k)
    except SymlogicError as exc:
        return RecheckItem("model source", False, f"the model's stated τ = {tau!r}, top_k = {top_k!r} are unusable: {exc}")
    if refit is None:
        same = [(t.kind, t.mask, t.coefficient) for t in expected.terms] == [(t.kind, t.mask, t.coefficient) for t in lm.terms]
    else:  # a refit keeps the support (a coefficient may become exactly 0 and drop out)
        same = {(t.kind, t.mask) for t in lm.concepts} <= {(t.kind, t.mask) for t in expected.concepts}
    return RecheckItem("model source", same,
                       f"{'is' if same else 'is NOT'} the salient concepts of the extraction at τ = {tau!r}, "
                       f"top_k = {top_k!r}{', refitted' if refit else ''} ({len(expected.concepts)} concepts)")


def _recheck_status(ex: Extraction, gap: float, scale: float) -> RecheckItem:
    """The stated status against the recomputed gap: "optimal" must hold at the stated tolerance,
    and that tolerance must be one under which "optimal" means something."""
    status, tol = ex.settings.get("status"), ex.settings.get("tol")
    if status not in _STATUSES:
        return RecheckItem("status", False, f"unknown solver status {status!r} (known: {', '.join(_STATUSES)})")
    if status != "optimal":
        return RecheckItem("status", True, f"{status}: not claimed optimal; certified gap {gap:.3g}")
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol <= MAX_TOL:
        return RecheckItem("status", False, f"'optimal' at tolerance {tol!r}: a tolerance must be a number in "
                                            f"[0, {MAX_TOL}] for 'optimal' to mean anything")
    ok = gap <= tol * scale
    return RecheckItem("status", ok, f"optimal at tol {tol:g}: certified gap {gap:.3g} "
                                     f"{'≤' if ok else 'EXCEEDS'} tol·scale = {tol * scale:.3g}")


#: Deterministic stored fields that a re-check must reproduce exactly (not timings).
_VERDICT_KEYS = ("holds", "epsilon", "max_error", "max_error_exact", "max_error_mask", "counterexample", "violations",
                 "engines", "support", "rows_checked", "explanation")
_CLAIM_KEYS = ("status", "counterexample", "values", "explanation", "route")


def _engine_reports(claim: dict[str, Any]) -> Any:
    """What each engine concluded, without its timing (the one part a re-check cannot reproduce)."""
    engines = claim.get("engines")
    if not isinstance(engines, list):
        return engines
    return [_normal({k: v for k, v in e.items() if k != "seconds"}) if isinstance(e, dict) else e for e in engines]


def _stored_epsilon(stored: Verdict) -> Fraction:
    """The bound a bundle's verdict states, exactly, after checking its float is that bound rounded up."""
    eps = stored.epsilon_fraction
    if stored.epsilon_exact and float_upper(eps) != stored.epsilon:
        raise BundleError(f"verdict.epsilon {stored.epsilon!r} is not the stated exact bound {stored.epsilon_exact:.80} "
                          "rounded up; the manifest was altered")
    return eps


def _stated(stored: Verdict) -> tuple[str, ...]:
    """The verdict fields a bundle states and a re-check must reproduce (older bundles lack some)."""
    keys = list(_VERDICT_KEYS)
    keys += [k for k in ("epsilon_exact", "model_sha256", "record_sha256") if getattr(stored, k)]
    keys += ["output_range"] if stored.output_range is not None else []
    return tuple(keys)


def _recheck_front(front: Pareto, rec: Record) -> RecheckItem:
    """Every point of the front: its exact max error is its stated ε, and the points form a front."""
    spread = Fraction(float(np.max(rec.values))) - Fraction(float(np.min(rec.values)))
    bad = [] if float_upper(spread) == front.output_range else ["the output range"]
    for p in front.points:
        worst = max_error(p.model, rec.values)
        if worst.value > _parse_exact(p.epsilon_exact) or float_upper(_parse_exact(p.epsilon_exact)) != p.epsilon:
            bad.append(f"the {p.terms}-term formula (max error {worst.as_float_upper():.6g}, stated ε {p.epsilon:.6g})")
    problem = front.problem()
    ok = not bad and not problem
    return RecheckItem("size-vs-error front", ok,
                       f"{len(front.points)} formulas re-checked exactly on all {rec.values.shape[0]} masks"
                       + ("" if ok else f"; NOT reproduced: {', '.join(bad) or problem}"))


def _parse_exact(text: str) -> Fraction:
    """A stored p/q (or decimal) bound as an exact Fraction; BundleError when it is not one."""
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise BundleError(f"a stated bound {text!r:.60} is not an exact number p/q") from None


def _recheck(ev: Evidence, time_limit: float | None) -> RecheckReport:
    items: list[RecheckItem] = []
    if ev.extraction is not None:
        items += _recheck_extraction(ev.extraction)
        source = _recheck_model_source(ev.extraction, ev.logic_model)
        items += [source] if source is not None else []
    stored = ev.verdict
    eps = _stored_epsilon(stored)
    v = verify(ev.logic_model, ev.record, epsilon=eps, time_limit=time_limit)
    # Every stored field a reader is shown (the HTML report prints max_error and engines) must be
    # reproduced, not only holds and max_error_exact; timings and wording are left out.
    fresh_d, stored_d = _finite_json(v.to_dict()), _finite_json(stored.to_dict())
    same = all(_normal(fresh_d.get(k)) == _normal(stored_d.get(k)) for k in _stated(stored))
    items.append(RecheckItem("ε-equivalence", same and v.holds,
                             f"{'holds' if v.holds else 'does NOT hold'} at ε = {stored.epsilon!r} (engines {v.engine_results}; "
                             f"max error {v.max_error_exact} = {v.max_error:.6g}; stored: {'holds' if stored.holds else 'fails'})"))
    if ev.front is not None:
        items.append(_recheck_front(ev.front, ev.record))
    fresh_by_claim: dict[tuple[str, str], ClaimResult] = {}  # a repeated claim is checked once
    for c in ev.claims:
        text, target = c.claim, c.target or "record"
        try:
            if (text, target) not in fresh_by_claim:
                fresh_by_claim[(text, target)] = _check_claim(text, target, ev.record, ev.logic_model, v, time_limit)
            fresh = fresh_by_claim[(text, target)]
        except SymlogicError as exc:
            items.append(RecheckItem(f"claim {text!r}", False, f"could not be re-checked: {exc}"))
            continue
        new_d, old_d = _finite_json(fresh.to_dict()), _finite_json(c.to_dict())
        same = fresh.holds == c.holds and all(_normal(new_d.get(k)) == _normal(old_d.get(k)) for k in _CLAIM_KEYS)
        same = same and _engine_reports(new_d) == _engine_reports(old_d)
        cex_new = (fresh.counterexample or {}).get("mask")
        word = "holds" if fresh.holds else f"refuted (counterexample mask {cex_new})"
        items.append(RecheckItem(f"claim {text!r} on the {target}", same,
                                 f"{word}; {'reproduces' if same else 'DIFFERS FROM'} the stored result"))
    return RecheckReport(items=items)
