"""Order distributions and sparsity over samples (symlogic/study/stats.py): closed forms and a brute-force reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from symlogic.errors import InputError
from symlogic.study.stats import OrderDistribution, order_distribution, sparsity

from study_helpers import table_of


def brute_profile(and_: np.ndarray, or_: np.ndarray, tau: float, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts and strengths per order 1 … k by looping over every set (the definition, docs/theory.md §3.6)."""
    peak = max([abs(x) for x in and_[1:]] + [abs(x) for x in or_[1:]] + [0.0])
    cut = tau * peak
    count, strength = np.zeros(k, dtype=np.int64), np.zeros(k)
    for table in (and_, or_):
        for s in range(1, len(table)):
            if table[s] != 0 and abs(table[s]) >= cut:
                count[bin(s).count("1") - 1] += 1
                strength[bin(s).count("1") - 1] += abs(table[s])
    return count, strength


def test_closed_form_order_distribution() -> None:
    # v = x0x2 + x2x3x4 + x3x5 (n = 6): exactly three AND sets, of orders 2, 3, 2 (docs/theory.md §6.1)
    from symlogic.transforms import and_interactions

    v = table_of(lambda b: b[0] * b[2] + b[2] * b[3] * b[4] + b[3] * b[5], 6)
    a = and_interactions(v)
    d = order_distribution([(a, np.zeros_like(a)), (2 * a, np.zeros_like(a))])
    assert d.count.tolist() == [[0, 2, 1, 0, 0, 0]] * 2
    assert d.strength.tolist() == [[0, 2, 1, 0, 0, 0], [0, 4, 2, 0, 0, 0]]
    assert d.mean("strength").tolist() == [0, 3, 1.5, 0, 0, 0]
    assert d.spread("strength").tolist() == [0, 1, 0.5, 0, 0, 0]
    assert np.allclose(d.share, [[0, 2 / 3, 1 / 3, 0, 0, 0]] * 2)
    assert np.allclose(d.mean_order(), [7 / 3, 7 / 3])
    assert np.allclose(d.high_order_share(2), [1 / 3, 1 / 3])
    s = sparsity([v], kind="and")
    assert s.counts.tolist() == [3] and s.mean == 3 / 64


def test_samples_of_different_n_pad_with_zero() -> None:
    # max(x0, x1) as one OR term (n = 2) and one AND term of order 3 (n = 3)
    d = order_distribution([(np.zeros(4), np.array([0, 0, 0, 1.0])), (np.r_[np.zeros(7), 2.0], np.zeros(8))])
    assert d.n.tolist() == [2, 3]
    assert d.or_count.tolist() == [[0, 1, 0], [0, 0, 0]]
    assert d.and_strength.tolist() == [[0, 0, 0], [0, 0, 2]]
    assert d.mean("count").tolist() == [0, 0.5, 0.5]


def test_round_trip_and_errors() -> None:
    d = order_distribution([([0.0, 2.0, 0.0, 1.0], [0.0, 0.0, 0.0, -4.0])])
    back = OrderDistribution.from_dict(d.to_dict())
    assert back.to_dict() == d.to_dict()
    bad = d.to_dict() | {"and_count": [[1, 2, 3]]}
    with pytest.raises(InputError, match="shape"):
        OrderDistribution.from_dict(bad)
    with pytest.raises(InputError, match="unknown quantity"):
        d.mean("volume")
    with pytest.raises(InputError, match="sparsity kind"):
        sparsity([[0.0, 1.0]], kind="or")
    with pytest.raises(InputError, match="tau"):
        order_distribution([([0.0, 1.0], [0.0, 0.0])], tau=2.0)


tables = st.integers(1, 5).flatmap(lambda n: st.lists(
    st.tuples(st.lists(st.sampled_from([0.0, 0.01, -0.3, 1.0, -2.5, 4.0]), min_size=1 << n, max_size=1 << n),
              st.lists(st.sampled_from([0.0, 0.02, 0.5, -1.0, 3.0]), min_size=1 << n, max_size=1 << n)),
    min_size=1, max_size=5))


@given(tables, st.sampled_from([0.0, 0.05, 0.2, 1.0]))
def test_matches_brute_force(samples: list, tau: float) -> None:
    pairs = [(np.array(a), np.array(o)) for a, o in samples]
    d = order_distribution(pairs, tau)
    k = max(len(a).bit_length() - 1 for a, _ in pairs)
    ref = [brute_profile(a, o, tau, k) for a, o in pairs]
    counts = np.array([c for c, _ in ref])
    strengths = np.array([s for _, s in ref])
    assert np.array_equal(d.count, counts)
    assert np.allclose(d.strength, strengths, rtol=1e-12, atol=0)
    assert np.allclose(d.mean("count"), counts.mean(axis=0))
    assert np.allclose(d.spread("strength"), strengths.std(axis=0))
    s = sparsity(pairs, tau)
    assert s.counts.tolist() == counts.sum(axis=1).tolist()
    assert np.allclose(s.per_sample, counts.sum(axis=1) / [len(a) for a, _ in pairs])
    total = strengths.sum(axis=1)
    share = np.where(total[:, None] > 0, strengths / np.where(total > 0, total, 1)[:, None], 0)
    assert np.allclose(d.mean_order(), share @ np.arange(1, k + 1))
