"""The generalization metrics (symlogic.generalization.metrics; docs/theory.md §3.8).

Hand-computed cases, and properties against brute-force references written with numpy incidence
matrices (a different route from the set arithmetic of the module).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import symlogic as sl
from symlogic.errors import InputError
from symlogic.generalization import metrics as mx

KEYS = [("and", 1), ("and", 3), ("or", 3), ("or", 6), ("and", 7), ("or", 5)]
concept_sets = st.lists(st.sets(st.sampled_from(KEYS), min_size=1), min_size=1, max_size=6)
values = st.floats(-5, 5, allow_nan=False).filter(lambda x: x != 0)
concept_dicts = st.dictionaries(st.sampled_from(KEYS), values, max_size=6)


# --- hand-computed cases -------------------------------------------------------------------------


def test_samplewise_transferability_by_hand() -> None:
    # frequencies: A 3/4, B 2/4, D 2/4, C 1/4 → D_1 = {A}, D_2 = {A, B} (B before D by key), D_3 = {A, B, D}
    samples = [{"A", "B"}, {"A", "C"}, {"A", "B", "D"}, {"D"}]
    assert mx.concept_dictionary(samples, 3) == ["A", "B", "D"]
    assert mx.samplewise_transferability(samples, 1) == pytest.approx((1 / 2 + 1 / 2 + 1 / 3 + 0) / 4)
    assert mx.samplewise_transferability(samples, 2) == pytest.approx((1 + 1 / 2 + 2 / 3 + 0) / 4)
    curve = mx.transferability_curve(samples)
    assert curve == pytest.approx([(1 / 2 + 1 / 2 + 1 / 3) / 4, (1 + 1 / 2 + 2 / 3) / 4, (1 + 1 / 2 + 1 + 1) / 4, 1.0])
    with pytest.raises(InputError, match="no salient concept"):
        mx.samplewise_transferability([{"A"}, set()], 1)
    with pytest.raises(InputError, match="dictionary size"):
        mx.concept_dictionary(samples, -1)


def test_overlap_jaccard_top_k_by_hand() -> None:
    a = {("and", 3): 2.0, ("or", 6): -1.0, ("and", 1): 0.5}
    b = {("and", 3): 1.0, ("or", 6): 1.0, ("or", 5): 4.0}
    assert mx.overlap(a, b) == pytest.approx(2 / 3)
    assert mx.overlap(b, a) == pytest.approx(2 / 3)
    # signed: and3: min 1 / max 2; or6: opposite signs, 0 / (1 + 1); and1: 0 / 0.5; or5: 0 / 4
    assert mx.jaccard(a, b) == pytest.approx(1 / (2 + 2 + 0.5 + 4))
    assert mx.jaccard(a, b, signed=False) == pytest.approx((1 + 1) / (2 + 1 + 0.5 + 4))
    assert mx.top_k_overlap(a, b, 1) == 0.0   # top-1: and3 against or5
    assert mx.top_k_overlap(a, b, 2) == 0.5   # {and3, or6} against {or5, and3}
    assert mx.top_k_overlap(a, b, 4) == 0.5   # all of a (3) against all of b (3): 2 shared, over k = 4
    with pytest.raises(InputError, match="empty"):
        mx.overlap(set(), b)
    with pytest.raises(InputError, match="0/0"):
        mx.jaccard({}, {("and", 1): 0.0})
    with pytest.raises(InputError, match="not finite"):
        mx.jaccard({"a": float("nan")}, {"a": 1.0})
    with pytest.raises(InputError, match="k is the number"):
        mx.top_k_overlap(a, b, 0)


def test_discrimination_power_by_hand() -> None:
    samples = [{"A": 1.0, "B": 2.0, "C": -1.0}, {"A": 0.5, "B": -1.0}, {"A": 2.0, "B": 1.0, "C": 0.0}]
    beta = mx.discrimination_power(samples)
    assert beta == {"A": 1.0, "B": pytest.approx(2 / 3), "C": 1.0}  # C = 0 in sample 3 is not salient
    # frequency-weighted: (3·1 + 3·(2/3) + 1·1) / (3 + 3 + 1) = 6/7
    assert mx.overall_discrimination_power(samples) == pytest.approx(6 / 7)
    assert mx.concept_frequency([set(s) for s in samples]) == {"A": 1.0, "B": 1.0, "C": 2 / 3}
    with pytest.raises(InputError, match="undefined"):
        mx.overall_discrimination_power([{"A": 0.0}])
    with pytest.raises(InputError, match="non-empty list"):
        mx.discrimination_power({"A": 1.0})


def test_concept_dict_of_an_extraction() -> None:
    ex = sl.extract([0.0, 1.0, 0.0, 3.0], q_bound=0.0)  # x0 + 2·x0x1, the unique L1 optimum
    assert mx.concept_dict(ex) == {("and", 1): 1.0, ("and", 3): 2.0}
    assert mx.concept_dict(ex, top_k=1) == {("and", 3): 2.0}


# --- properties against brute force ------------------------------------------------------------


def _incidence(samples: list[set]) -> tuple[np.ndarray, list]:
    keys = sorted({k for s in samples for k in s})
    return np.array([[k in s for k in keys] for s in samples], dtype=float), keys


@given(samples=concept_sets, k=st.integers(0, 7))
def test_transferability_matches_brute_force(samples: list[set], k: int) -> None:
    inc, keys = _incidence(samples)
    freq = inc.mean(axis=0)
    order = sorted(range(len(keys)), key=lambda j: (-freq[j], keys[j]))[:k]
    in_dict = np.zeros(len(keys))
    in_dict[order] = 1.0
    expected = float(np.mean(inc @ in_dict / inc.sum(axis=1)))
    rho = mx.samplewise_transferability(samples, k)
    assert rho == pytest.approx(expected, abs=1e-12)
    assert 0.0 <= rho <= 1.0
    assert mx.samplewise_transferability(samples, k + 1) >= rho - 1e-15
    assert mx.samplewise_transferability(samples, len(keys)) == pytest.approx(1.0)


@given(w1=concept_dicts, w2=concept_dicts)
def test_jaccard_properties(w1: dict, w2: dict) -> None:
    keys = sorted(set(w1) | set(w2))
    if not keys:
        return
    x = np.array([w1.get(k, 0.0) for k in keys])
    y = np.array([w2.get(k, 0.0) for k in keys])
    pos = np.minimum(np.maximum(x, 0), np.maximum(y, 0)) + np.minimum(np.maximum(-x, 0), np.maximum(-y, 0))
    big = np.maximum(np.maximum(x, 0), np.maximum(y, 0)) + np.maximum(np.maximum(-x, 0), np.maximum(-y, 0))
    j = mx.jaccard(w1, w2)
    assert j == pytest.approx(pos.sum() / big.sum(), abs=1e-12)
    assert j == pytest.approx(mx.jaccard(w2, w1), abs=1e-15)
    assert 0.0 <= j <= 1.0
    assert mx.jaccard(w1 or w2, w1 or w2) == 1.0
    assert mx.jaccard({k: 3 * v for k, v in w1.items()}, {k: 3 * v for k, v in w2.items()}) == pytest.approx(j)
    assert mx.jaccard(w1, w2, signed=False) >= j - 1e-12  # ignoring signs can only agree more


@given(a=st.sets(st.sampled_from(KEYS), min_size=1), b=st.sets(st.sampled_from(KEYS), min_size=1))
def test_overlap_properties(a: set, b: set) -> None:
    assert 0.0 <= mx.overlap(a, b) <= 1.0
    assert mx.overlap(a, a) == 1.0
    assert mx.overlap(a, b) * len(a) == pytest.approx(mx.overlap(b, a) * len(b))  # both are |A ∩ B|


@given(w1=concept_dicts, w2=concept_dicts, k=st.integers(1, 7))
def test_top_k_overlap_properties(w1: dict, w2: dict, k: int) -> None:
    t = mx.top_k_overlap(w1, w2, k)
    assert t == mx.top_k_overlap(w2, w1, k)
    assert 0.0 <= t <= 1.0
    assert mx.top_k_overlap(w1, w1, k) == min(len(w1), k) / k


@given(samples=st.lists(concept_dicts.filter(bool), min_size=1, max_size=6))
def test_discrimination_power_properties(samples: list[dict]) -> None:
    beta = mx.discrimination_power(samples)
    assert all(0.5 <= b <= 1.0 for b in beta.values())
    flipped = [{k: -v for k, v in s.items()} for s in samples]
    assert mx.discrimination_power(flipped) == beta
    freq = mx.concept_frequency(samples)
    weighted = sum(freq[k] * beta[k] for k in beta) / sum(freq[k] for k in beta)
    assert mx.overall_discrimination_power(samples) == pytest.approx(weighted, abs=1e-12)
