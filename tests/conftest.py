"""Shared test settings: a modest hypothesis profile and seeded generators.

The profile keeps property tests quick on a small shared machine (no deadline: a first call may
pay for imports or thread start-up). Pick another with ``HYPOTHESIS_PROFILE=thorough pytest``.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, settings

settings.register_profile(
    "symlogic",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "symlogic"))


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded numpy generator, fresh for every test."""
    return np.random.default_rng(20240607)


@pytest.fixture
def torch_seed() -> int:
    """Seed torch's global generator for the test and return the seed."""
    torch.manual_seed(0)
    return 0
