"""Fixtures shared by the claims tests."""

from __future__ import annotations

import numpy as np
import pytest

from symlogic.logic import LogicModel
from symlogic.record import Record


@pytest.fixture
def rec5() -> Record:
    rng = np.random.default_rng(7)
    return Record.from_table(np.round(rng.normal(size=32), 2), ["a", "b", "c", "my var", "e"])


@pytest.fixture
def lm4() -> LogicModel:
    return LogicModel.from_terms(
        ["a", "b", "c", "d"], 0.5, [("and", ["a", "b"], 1.5), ("or", ["b", "c"], -0.25), ("and", ["c", "d"], -2.0), ("or", ["d"], 0.75)]
    )
