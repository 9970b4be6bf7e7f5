"""The Ray executor against a local Ray cluster started here: the same results as the local path.

Skipped only where Ray is not installed (CI installs it: pip install "symlogic[ray]").
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

ray = pytest.importorskip("ray")

from symlogic.study.run import explain_many  # noqa: E402

CLAIMS = ["no_effect(x0, 0.5)"]


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_equals_the_local_path(cluster, tiny, tmp_path: Path) -> None:
    model, x = tiny
    reference = torch.randn(32, 5, generator=torch.Generator().manual_seed(1))
    kw = {"adapter_options": {"reference": reference}, "claims": CLAIMS, "progress": False}
    local = explain_many(model, x, "mean", executor="serial", out=tmp_path / "local", **kw)
    on_ray = explain_many(model, x, "mean", executor="ray", out=tmp_path / "ray", **kw)
    assert on_ray.keys == local.keys  # the same content addresses
    # equal bit for bit except timings: every table, split, formula, verdict and claim (keys.content_digest)
    assert [s.content_sha256 for s in on_ray] == [s.content_sha256 for s in local]
    assert all(s.worker and s.worker != local[0].worker for s in on_ray)  # ran in Ray's worker processes
    assert ray.is_initialized()  # a cluster it did not start is left running
