"""Claims as tests for a model project: what a credit model must (not) use, checked on every build.

A realistic test file for a project that trains a classifier. The data are made here (no
downloads): approval depends on a conjunction, high income AND low debt, plus tenure; ``sex`` is
planted independent of the label and every applicant is also in the training set with the other
sex and the same label (counterfactual augmentation), so a well-trained model ignores it. The
tests record the model's log-odds on all 2^8 masked versions of one applicant (tabular adapter,
masked features take the training mean) and assert, exactly on every mask:

- the model does not depend on the sensitive feature: ``no_effect(sex, 0.1)``, adding ``sex`` to
  any set of present features moves the log-odds by at most 0.1;
- it uses the conjunction: ``interaction(income, debt) >= 1`` and
  ``present(income) & present(debt) -> output >= 0``; income alone is not enough;
- a sparse formula explains it: ``symlogic.sparsest`` within 5 % of the output range, proven.

Run:  python -m pytest -q examples/test_model_claims.py [--symlogic-bundles=evidence/]
(about 10 s on 2 busy CPU cores; with ``--symlogic-bundles`` each check also leaves an evidence
bundle that ``symlogic verify`` re-checks, see docs/testing.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import pytest
import torch

import symlogic as sl
from symlogic.adapters import record_tabular
from symlogic.testing import assert_claim, assert_explains

FEATURES = ["income", "debt", "age", "tenure", "savings", "sex", "dependents", "region"]
SENSITIVE = "sex"
#: The applicant explained: high income, low debt (standardised units), recorded as a woman (1).
APPLICANT = [1.4, -1.2, 0.3, 0.5, 0.2, 1.0, 0.0, -0.4]


def make_data(rows: int = 2000, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Applicants and approvals: the label needs income > 0.5 AND debt < -0.5 (plus tenure, noise);
    ``sex`` (0/1) is drawn independently of everything else."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, len(FEATURES)))
    x[:, FEATURES.index(SENSITIVE)] = rng.integers(0, 2, size=rows)
    both = (x[:, 0] > 0.5) & (x[:, 1] < -0.5)
    logit = 5.0 * both + 0.7 * x[:, FEATURES.index("tenure")] - 2.5
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return x, y


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Train on one thread: on a busy small machine, threads fighting over cores cost 20× the time."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train(x: np.ndarray, y: np.ndarray, *, steps: int = 300, seed: int = 0) -> torch.nn.Module:
    """A small MLP, full-batch Adam, trained on the data plus each row with the other sex."""
    s = FEATURES.index(SENSITIVE)
    flipped = x.copy()
    flipped[:, s] = 1 - flipped[:, s]
    xt = torch.tensor(np.concatenate([x, flipped]), dtype=torch.float32)
    yt = torch.tensor(np.concatenate([y, y]))
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(len(FEATURES), 32), torch.nn.ReLU(), torch.nn.Linear(32, 2))
    opt = torch.optim.Adam(model.parameters(), lr=0.02, weight_decay=1e-3)
    with one_thread():
        for _ in range(steps):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(xt), yt).backward()
            opt.step()
    return model.eval()


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return make_data()


@pytest.fixture(scope="module")
def model(data: tuple[np.ndarray, np.ndarray]) -> torch.nn.Module:
    return train(*data)


@pytest.fixture(scope="module")
def rec(model: torch.nn.Module, data: tuple[np.ndarray, np.ndarray]) -> sl.Record:
    """The approval log-odds on all 2^8 masked versions of the applicant (masked: training mean)."""
    x, _ = data
    with one_thread():
        return record_tabular(model, np.array(APPLICANT), reference=x, names=FEATURES, target=1, progress=False)


def test_model_is_accurate(model: torch.nn.Module, data: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = data
    with torch.no_grad():
        accuracy = (model(torch.tensor(x, dtype=torch.float32)).argmax(1).numpy() == y).mean()
    assert accuracy > 0.85


def test_does_not_use_sex(rec: sl.Record) -> None:
    # Exhaustive and exact: on every one of the 128 sets of other features, adding sex moves the
    # log-odds by at most 0.1. A failure shows the set (present / absent features) and the values.
    assert_claim(rec, f"no_effect({SENSITIVE}, 0.1)")


def test_uses_income_and_debt_together(rec: sl.Record) -> None:
    assert_claim(rec, "interaction(income, debt) >= 1")
    assert_claim(rec, "present(income) & present(debt) -> output >= 0")


def test_income_alone_is_not_enough(rec: sl.Record) -> None:
    # Expected to fail, at the mask with the fewest present features: none at all (the mean applicant).
    res = assert_claim(rec, "absent(debt) -> output >= 0", expect="fails", counterexample=[])
    assert res.counterexample["absent"] == FEATURES


def test_sparse_formula_explains_the_model(rec: sl.Record) -> None:
    lm = sl.sparsest(rec, 0.05)
    assert_explains(lm, rec, 0.05, relative=True)  # proven on all 256 masks, Z3 and exact arithmetic
    assert any(t.kind == "and" and set(t.names) == {"income", "debt"} for t in lm.concepts), str(lm)
    assert SENSITIVE not in {name for t in lm.concepts for name in t.names}, str(lm)
    # The claim about the network, carried by the formula's proven ε (decided on the record if it cannot be).
    assert_claim(lm, "interaction(income, debt) >= 1", record=rec)
