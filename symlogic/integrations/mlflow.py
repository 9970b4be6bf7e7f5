"""Log an evidence bundle and its verdicts to an MLflow run (docs/integrations.md).

What a run receives (``prefix`` = "symlogic" by default):

- the bundle as an artifact, ``<artifact_path>/<bundle_name>`` (written to a temporary directory,
  or the file you pass as ``bundle`` after checking it holds this evidence);
- metrics: ``epsilon``, ``relative_epsilon``, ``max_error``, ``terms``, ``variables``, ``holds`` and
  ``weak`` (1/0), ``claims``, ``claims_holding``, and ``claim.<i>.holds`` (1/0) per claim;
- tags: ``status`` (the ε verdict: holds, fails or unknown), ``weak``, ``epsilon_exact`` (p/q: the
  metrics are floats), ``bundle_sha256``, ``manifest_sha256``, ``bundle_artifact``, ``model_sha256``,
  ``record_sha256``, ``formula``, ``symlogic_version``, and ``claim.<i>.text`` / ``.status`` /
  ``.target`` per claim.

MLflow is an optional extra (``pip install "symlogic[mlflow]"``), imported only when logging.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InputError, short_repr
from .digest import BundleDigest, bundle_digest, require_evidence, saved_digest

if TYPE_CHECKING:
    from ..evidence import Evidence

__all__ = ["MlflowLog", "log_evidence", "evidence_metrics", "evidence_tags", "INSTALL_HINT"]

INSTALL_HINT = 'pip install "symlogic[mlflow]"'
#: MLflow refuses longer tag values (its limit is 8,000 characters in recent releases, 5,000 before).
_MAX_TAG = 5000
#: MLflow's limits for one log_batch call.
_BATCH_METRICS, _BATCH_TAGS = 1000, 100
_KEY = re.compile(r"[A-Za-z0-9_.\-/]+")


@dataclass(frozen=True)
class MlflowLog:
    """What :func:`log_evidence` logged, and where.

    Attributes:
        run_id: the MLflow run.
        artifact: the bundle's path inside the run's artifacts (``<artifact_path>/<bundle_name>``).
        artifact_uri: the run's artifact root URI.
        digest: the bundle's SHA-256 digests (:class:`~symlogic.integrations.digest.BundleDigest`).
        metrics, tags: every metric and tag logged, by key.
        started: True when this call started (and ended) the run itself.
    """

    run_id: str
    artifact: str
    artifact_uri: str
    digest: BundleDigest
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    started: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _mlflow() -> Any:
    try:
        import mlflow
    except ImportError:
        raise InputError(f"logging to MLflow needs the mlflow package, which is not installed; install it with: "
                         f"{INSTALL_HINT}  (or: pip install mlflow-skinny)") from None
    return mlflow


def _key_part(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _KEY.fullmatch(value) or len(value) > 100 or ".." in value or value[0] == "/":
        raise InputError(f"{what} must be 1–100 letters, digits, '_', '-', '.' or '/' (no '..', not starting with "
                         f"'/'), got {short_repr(value)}")
    return value


def _tag(text: str) -> str:
    return text if len(text) <= _MAX_TAG else text[: _MAX_TAG - 1] + "…"


def evidence_metrics(ev: "Evidence", prefix: str = "symlogic") -> dict[str, float]:
    """The numbers :func:`log_evidence` logs, by key (finite values only: an unknown relative ε is left out)."""
    require_evidence(ev)
    p = _key_part(prefix, "prefix")
    v = ev.verdict
    out: dict[str, float] = {
        f"{p}.epsilon": float(v.epsilon),
        f"{p}.max_error": float(v.max_error),
        f"{p}.terms": float(len(ev.logic_model)),
        f"{p}.variables": float(ev.record.n),
        f"{p}.holds": 1.0 if v.holds else 0.0,
        f"{p}.weak": 1.0 if v.weak else 0.0,
        f"{p}.claims": float(len(ev.claims)),
        f"{p}.claims_holding": float(sum(c.holds for c in ev.claims)),
    }
    rel = v.relative_epsilon
    if rel is not None and math.isfinite(rel):
        out[f"{p}.relative_epsilon"] = float(rel)
    for i, c in enumerate(ev.claims):
        out[f"{p}.claim.{i}.holds"] = 1.0 if c.holds else 0.0
    return {k: x for k, x in out.items() if math.isfinite(x)}


def evidence_tags(ev: "Evidence", digest: BundleDigest, prefix: str = "symlogic",
                  artifact: str | None = None) -> dict[str, str]:
    """The tags :func:`log_evidence` sets, by key: the verdict's status and exact ε, the digests,
    what the verdict is about, and each claim's text, status and target."""
    from ..version import __version__

    require_evidence(ev)
    p = _key_part(prefix, "prefix")
    v = ev.verdict
    out = {
        f"{p}.status": v.status,
        f"{p}.weak": "true" if v.weak else "false",
        f"{p}.epsilon_exact": _tag(v.epsilon_exact or repr(v.epsilon)),
        f"{p}.manifest_sha256": digest.manifest_sha256,
        f"{p}.model_sha256": v.model_sha256,
        f"{p}.record_sha256": v.record_sha256,
        f"{p}.formula": _tag(str(ev.logic_model)),
        f"{p}.symlogic_version": ev.symlogic_version or __version__,
    }
    if digest.bundle_sha256 is not None:
        out[f"{p}.bundle_sha256"] = digest.bundle_sha256
    if artifact is not None:
        out[f"{p}.bundle_artifact"] = artifact
    for i, c in enumerate(ev.claims):
        out[f"{p}.claim.{i}.text"] = _tag(c.claim)
        out[f"{p}.claim.{i}.status"] = c.status
        out[f"{p}.claim.{i}.target"] = c.target or "record"
    return {k: x for k, x in out.items() if x}


def _log(client: Any, run_id: str, metrics: Mapping[str, float], tags: Mapping[str, str]) -> None:
    from mlflow.entities import Metric, RunTag

    now = int(time.time() * 1000)
    ms = [Metric(k, x, now, 0) for k, x in metrics.items()]
    ts = [RunTag(k, x) for k, x in tags.items()]
    for i in range(0, len(ms), _BATCH_METRICS):
        client.log_batch(run_id, metrics=ms[i:i + _BATCH_METRICS])
    for i in range(0, len(ts), _BATCH_TAGS):
        client.log_batch(run_id, tags=ts[i:i + _BATCH_TAGS])


def log_evidence(ev: "Evidence", *, run_id: str | None = None, artifact_path: str = "symlogic", prefix: str = "symlogic",
                 bundle: str | os.PathLike[str] | None = None, bundle_name: str = "evidence.zip",
                 run_name: str | None = None) -> MlflowLog:
    """Log ``ev`` to MLflow: the bundle as an artifact, ε and the claims' verdicts as metrics and tags.

    The run is ``run_id`` when given, else the active run (``mlflow.start_run()``), else a new run
    that this call starts (named ``run_name``) and ends. The tracking URI and experiment are
    MLflow's own settings (``mlflow.set_tracking_uri``, ``MLFLOW_TRACKING_URI``, ...).

    Args:
        ev: the evidence.
        run_id: an existing run to log to.
        artifact_path: the folder inside the run's artifacts.
        prefix: the start of every metric and tag key.
        bundle: a bundle file of ``ev`` to log as it is (checked to hold this evidence), so the
            logged SHA-256 is that of the file you publish; None saves one to a temporary folder.
        bundle_name: the artifact's file name when ``bundle`` is None.
        run_name: the name of a run this call starts.

    Returns:
        :class:`MlflowLog`. Its ``digest.bundle_sha256`` is the tag ``<prefix>.bundle_sha256``.

    Raises:
        InputError: mlflow is not installed (the message says how to install it), an unknown
            ``run_id``, a key or path that MLflow would refuse, or a ``bundle`` of other evidence.
    """
    require_evidence(ev)
    _key_part(prefix, "prefix")
    folder = _key_part(artifact_path, "artifact_path")
    if not isinstance(bundle_name, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]+\.zip", bundle_name):
        raise InputError(f"bundle_name must be a plain file name ending in .zip, got {short_repr(bundle_name)}")
    mlflow = _mlflow()
    client = mlflow.MlflowClient()
    started = False
    if run_id is not None:
        try:
            client.get_run(run_id)
        except mlflow.exceptions.MlflowException as exc:
            raise InputError(f"no MLflow run {run_id!r} at tracking URI {mlflow.get_tracking_uri()!r} ({exc}); pass "
                             "an existing run's id, or none to use the active run or start one") from None
    elif mlflow.active_run() is not None:
        run_id = mlflow.active_run().info.run_id
    else:
        run_id = mlflow.start_run(run_name=run_name).info.run_id
        started = True
    try:
        with tempfile.TemporaryDirectory(prefix="symlogic-mlflow-") as tmp:
            if bundle is None:
                digest = saved_digest(ev.save(os.path.join(tmp, bundle_name)))
            else:
                digest = bundle_digest(ev, bundle)
            assert digest.path is not None
            name = os.path.basename(digest.path)
            artifact = f"{folder}/{name}"
            metrics = evidence_metrics(ev, prefix)
            tags = evidence_tags(ev, digest, prefix, artifact)
            client.log_artifact(run_id, digest.path, folder)
            _log(client, run_id, metrics, tags)
        if bundle is None:
            digest = BundleDigest(digest.manifest_sha256, digest.bundle_sha256, None)  # the temporary file is gone
        uri = client.get_run(run_id).info.artifact_uri
    except BaseException:
        if started:
            mlflow.end_run(status="FAILED")
        raise
    if started:
        mlflow.end_run()
    return MlflowLog(run_id=run_id, artifact=artifact, artifact_uri=uri, digest=digest, metrics=metrics, tags=tags,
                     started=started)
