"""Evidence logged to MLflow, for real, against a local file store: metrics, tags and the artifact
read back, the artifact re-verified, and its SHA-256 equal to the tag."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from symlogic import InputError
from symlogic.evidence import Evidence
from symlogic.integrations.digest import file_sha256
from symlogic.integrations.mlflow import INSTALL_HINT, evidence_metrics, log_evidence

from .planted import CLAIMS


@pytest.fixture
def mlflow(tmp_path, monkeypatch):
    """MLflow tracking into a fresh folder under tmp_path (the file store, allowed explicitly)."""
    mlflow = pytest.importorskip("mlflow")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_ID", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    before = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri("file:" + str(tmp_path / "mlruns"))  # a folder that does not exist yet
    yield mlflow
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(before)


def _download(mlflow, run_id: str, artifact: str, dst: Path) -> Path:
    dst.mkdir()
    return Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=artifact, dst_path=str(dst)))


def test_a_new_run_holds_the_bundle_its_hash_and_every_verdict(mlflow, proven, tmp_path):
    log = proven.log_to_mlflow()
    run = mlflow.MlflowClient().get_run(log.run_id)
    assert log.started and run.info.status == "FINISHED" and mlflow.active_run() is None
    m, t, v = run.data.metrics, run.data.tags, proven.verdict
    assert m["symlogic.epsilon"] == v.epsilon == 1 / 64
    assert m["symlogic.relative_epsilon"] == v.relative_epsilon and m["symlogic.max_error"] == v.max_error
    assert m["symlogic.terms"] == len(proven.logic_model) == 2 and m["symlogic.variables"] == 4
    assert m["symlogic.holds"] == 1 and m["symlogic.weak"] == 0
    assert m["symlogic.claims"] == 2 and m["symlogic.claims_holding"] == 1
    assert (m["symlogic.claim.0.holds"], m["symlogic.claim.1.holds"]) == (1, 0)
    assert t["symlogic.status"] == "holds" and t["symlogic.weak"] == "false" and t["symlogic.epsilon_exact"] == "1/64"
    assert [t["symlogic.claim.0.text"], t["symlogic.claim.1.text"]] == CLAIMS
    assert (t["symlogic.claim.0.status"], t["symlogic.claim.1.status"]) == ("holds", "fails")
    assert t["symlogic.model_sha256"] == v.model_sha256 and t["symlogic.record_sha256"] == v.record_sha256
    assert t["symlogic.formula"] == str(proven.logic_model)
    assert t["symlogic.bundle_artifact"] == log.artifact == "symlogic/evidence.zip"
    assert m == log.metrics and {k: t[k] for k in log.tags} == log.tags

    path = _download(mlflow, log.run_id, log.artifact, tmp_path / "back")
    assert file_sha256(path) == t["symlogic.bundle_sha256"] == log.digest.bundle_sha256
    back = Evidence.load(path)
    assert back.recheck().ok
    assert back.verdict == proven.verdict and [c.status for c in back.claims] == ["holds", "fails"]


def test_the_active_run_is_used_and_left_open(mlflow, proven):
    with mlflow.start_run() as run:
        log = proven.log_to_mlflow(prefix="expl/sample-3", artifact_path="bundles/sample-3")
        assert log.run_id == run.info.run_id and not log.started
        assert mlflow.active_run().info.run_id == run.info.run_id
    data = mlflow.MlflowClient().get_run(run.info.run_id).data
    assert data.metrics["expl/sample-3.epsilon"] == 1 / 64 and not any(k.startswith("symlogic.") for k in data.metrics)
    listed = [a.path for a in mlflow.MlflowClient().list_artifacts(run.info.run_id, "bundles/sample-3")]
    assert listed == ["bundles/sample-3/evidence.zip"]


def test_an_explicit_run_id_and_a_published_bundle_file(mlflow, proven, tmp_path):
    client = mlflow.MlflowClient()
    run_id = client.create_run(experiment_id="0").info.run_id
    published = Path(proven.save(tmp_path / "published.zip"))
    log = proven.log_to_mlflow(run_id=run_id, bundle=published)
    assert log.run_id == run_id and log.artifact == "symlogic/published.zip"
    tags = client.get_run(run_id).data.tags
    assert tags["symlogic.bundle_sha256"] == file_sha256(published) == log.digest.bundle_sha256
    back = _download(mlflow, run_id, log.artifact, tmp_path / "back")
    assert back.read_bytes() == published.read_bytes()


def test_weak_and_failing_verdicts_are_logged_as_such(mlflow, weak, failing):
    client = mlflow.MlflowClient()
    w = client.get_run(weak.log_to_mlflow().run_id).data
    assert w.tags["symlogic.status"] == "holds" and w.tags["symlogic.weak"] == "true" and w.metrics["symlogic.weak"] == 1
    assert math.isclose(w.metrics["symlogic.relative_epsilon"], 0.5)
    f = client.get_run(failing.log_to_mlflow().run_id).data
    assert f.tags["symlogic.status"] == "fails" and f.metrics["symlogic.holds"] == 0
    assert f.tags["symlogic.epsilon_exact"] == "1/128"


def test_refusals_name_the_problem(mlflow, proven, weak, tmp_path):
    with pytest.raises(InputError, match="no MLflow run"):
        proven.log_to_mlflow(run_id="0" * 32)
    with pytest.raises(InputError, match="prefix"):
        proven.log_to_mlflow(prefix="bad prefix!")
    with pytest.raises(InputError, match="artifact_path"):
        proven.log_to_mlflow(artifact_path="../outside")
    other = weak.save(tmp_path / "other.zip")
    with pytest.raises(InputError, match="other evidence"):
        proven.log_to_mlflow(bundle=other)
    assert mlflow.active_run() is None  # a refused call leaves no run open


def test_a_missing_mlflow_says_how_to_install_it(monkeypatch, proven):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # import mlflow now raises ImportError
    with pytest.raises(InputError) as err:
        log_evidence(proven)
    assert INSTALL_HINT == 'pip install "symlogic[mlflow]"' and INSTALL_HINT in str(err.value)


def test_metrics_need_no_mlflow_and_count_the_claims(proven, failing):
    m = evidence_metrics(failing, prefix="p")
    assert m["p.holds"] == 0 and m["p.claims"] == len(failing.claims)
    assert m["p.claims_holding"] == sum(m[f"p.claim.{i}.holds"] for i in range(len(failing.claims)))
    with pytest.raises(InputError, match="Evidence"):
        evidence_metrics(proven.verdict)
