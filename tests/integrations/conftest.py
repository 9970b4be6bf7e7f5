"""Small evidence bundles for the integration tests: one that holds, one weak, one that fails."""

from __future__ import annotations

import pytest

from symlogic import LogicModel
from symlogic.evidence import Evidence, evidence

from .planted import CLAIMS, NAMES, planted_model, planted_record


@pytest.fixture(scope="package")
def proven() -> Evidence:
    """The planted model at its tightest ε (1/64, 0.68 % of the output range): holds, not weak."""
    return evidence(planted_model(), planted_record(), claims=CLAIMS)


@pytest.fixture(scope="package")
def weak() -> Evidence:
    """f ≡ the middle of the outputs: proven at ε = half the range, a weak explanation."""
    rec = planted_record()
    mid = (float(rec.values.max()) + float(rec.values.min())) / 2
    return evidence(LogicModel.from_terms(NAMES, mid, []), rec, claims=CLAIMS[:1])


@pytest.fixture(scope="package")
def failing() -> Evidence:
    """The planted model at ε = 1/128, below its error 1/64: the verdict fails."""
    return evidence(planted_model(), planted_record(), claims=CLAIMS, epsilon="1/128")
