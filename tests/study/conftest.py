"""Shared fixtures of the study tests: a tiny tabular model and its data."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope="module")
def tiny() -> tuple[torch.nn.Module, torch.Tensor]:
    """A seeded 5-input MLP and 6 rows of data (n = 5 variables per row: 32 masks)."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 12), torch.nn.Tanh(), torch.nn.Linear(12, 2))
    return model, torch.randn(6, 5)
