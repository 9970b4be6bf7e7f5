"""The salience rule (docs/theory.md §3.6) in symlogic.salience: the one place it is written.

Until extraction calls it, the rule must agree with ``Extraction.threshold``, ``salient`` and
``order_profile`` on every table; afterwards these checks pin the shared rule.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from symlogic import defaults
from symlogic.errors import InputError
from symlogic.extraction.result import Extraction
from symlogic.record import Record
from symlogic.salience import (
    DEFAULT_TAU,
    order_profile,
    salience_threshold,
    salient_masks,
    salient_sets,
)


def extraction(and_: np.ndarray, or_: np.ndarray) -> Extraction:
    n = int(and_.size).bit_length() - 1
    rec = Record.from_table(np.zeros(1 << n))
    return Extraction(record=rec, and_=and_, or_=or_, q=np.zeros(1 << n), objective=0.0, lower_bound=None, gap=None,
                      certificate=None, method="reference", q_bound=0.0)


values = st.sampled_from([0.0, 0.0, 1.0, -1.0, 0.05, -0.049, 2.5, 1e-300, -7.0])


@st.composite
def tables(draw) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(0, 4))
    a = np.array(draw(st.lists(values, min_size=1 << n, max_size=1 << n)))
    o = np.array(draw(st.lists(values, min_size=1 << n, max_size=1 << n)))
    o[0] = 0.0
    return a, o


@given(tables(), st.sampled_from([0.0, 0.05, 0.3, 1.0]))
def test_agrees_with_extraction(t: tuple[np.ndarray, np.ndarray], tau: float) -> None:
    a, o = t
    ex = extraction(a, o)
    assert salience_threshold(a, o, tau) == ex.threshold(tau)
    and_masks, or_masks = salient_masks(a, o, tau)
    assert sorted([("and", int(m)) for m in and_masks] + [("or", int(m)) for m in or_masks]) == sorted(
        (c.kind, c.mask) for c in ex.salient(tau))
    prof, old = order_profile(a, o, tau), ex.order_profile(tau)
    assert prof["and"]["count"][1:].tolist() == old.and_count.tolist()
    assert prof["or"]["strength"][1:].tolist() == old.or_strength.tolist()
    assert prof["and"]["count"][0] == prof["or"]["count"][0] == 0  # ∅ is not a concept


def test_empty_set_and_zeros_are_never_salient() -> None:
    a = np.array([100.0, 0.0, 1.0, 0.0])  # I(∅) = 100 is the constant: neither a concept nor the maximum
    assert salience_threshold(a, np.zeros(4), 0.5) == 0.5
    assert salient_sets(a, 0.0).tolist() == [False, False, True, False]


def test_defaults_and_tau_range() -> None:
    assert DEFAULT_TAU == defaults.TAU == float(defaults.SALIENCE) == 0.05  # SALIENCE: the same τ, exactly 1/20
    assert defaults.Q_BOUND == 0.04
    for tau in (-0.1, 1.5, float("nan")):
        with pytest.raises(InputError, match=r"in \[0, 1\]"):
            salience_threshold(np.ones(2), None, tau)
    with pytest.raises(InputError, match="power of two"):
        order_profile(np.zeros(6))
