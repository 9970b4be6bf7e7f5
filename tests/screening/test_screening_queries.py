"""Query designs and the budgeted query log."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from symlogic.errors import InputError, ResourceError
from symlogic.screening.queries import QueryLog, bucket_masks, evaluate, uniform_masks


def test_bucket_masks_tie_each_bucket(rng: np.random.Generator) -> None:
    buckets = [np.array([0, 3, 5]), np.array([1]), np.array([2, 7])]
    patterns, x = bucket_masks(rng, buckets, 9, 200)
    assert patterns.shape == (200, 3) and x.shape == (200, 9)
    for c, members in enumerate(buckets):
        assert (x[:, members] == patterns[:, [c]]).all()
    # candidates of no bucket (4, 6, 8) vary on their own
    assert 0.3 < x[:, [4, 6, 8]].mean() < 0.7
    assert not (x[:, 4] == x[:, 6]).all()


def test_bucket_masks_exhaustive_lists_every_pattern(rng: np.random.Generator) -> None:
    patterns, x = bucket_masks(rng, [np.array([0, 1]), np.array([2])], 3, None)
    assert patterns.shape == (4, 2)
    assert {tuple(p) for p in patterns} == {(a, b) for a in (False, True) for b in (False, True)}
    assert (x[:, 0] == x[:, 1]).all()


def test_designs_depend_only_on_the_seed() -> None:
    a = bucket_masks(np.random.default_rng(5), [np.arange(4)], 10, 30)[1]
    b = bucket_masks(np.random.default_rng(5), [np.arange(4)], 10, 30)[1]
    assert np.array_equal(a, b)
    assert np.array_equal(uniform_masks(np.random.default_rng(1), 6, 8), uniform_masks(np.random.default_rng(1), 6, 8))


def test_query_log_counts_keeps_and_enforces_the_budget(rng: np.random.Generator) -> None:
    calls: list[int] = []

    def fn(m: np.ndarray) -> torch.Tensor:
        calls.append(m.shape[0])
        return torch.as_tensor(m.sum(axis=1), dtype=torch.float32)

    log = QueryLog(fn, 5, budget=25, batch_size=4)
    first = uniform_masks(rng, 5, 10)
    assert np.array_equal(log.ask(first), first.sum(axis=1))
    assert calls == [4, 4, 2]
    log.ask(uniform_masks(rng, 5, 5), keep=False)
    assert log.used == 15 and log.left == 10
    masks, values = log.rows()
    assert np.array_equal(masks, first) and values.dtype == np.float64
    with pytest.raises(ResourceError, match="budget of 25"):
        log.ask(uniform_masks(rng, 5, 11))
    with pytest.raises(InputError, match=r"shape \[q, 5\]"):
        log.ask(np.ones((2, 4), dtype=bool))


@pytest.mark.parametrize(("bad", "message"), [
    (lambda m: np.zeros(m.shape[0] + 1), "returned 3 outputs for a batch of 2"),
    (lambda m: np.where(m[:, 0], np.nan, 0.0), "NaN or infinite"),
    (lambda m: np.zeros(m.shape[0]) + 1j, "complex"),
    (lambda m: ["a"] * m.shape[0], "not numbers"),
])
def test_evaluate_refuses_unusable_outputs(bad, message: str) -> None:
    with pytest.raises(InputError, match=message):
        evaluate(bad, np.array([[True, False], [False, True]]))


def test_bucket_games_alias_the_mobius_transform() -> None:
    """U(J) = Σ_{S : π(S) = J} a(S) (docs/theory.md §7.2), checked on all bucket patterns."""
    import symlogic as sl
    from planted_games import game, mobius

    terms = [("and", (0, 4), 1.5), ("or", (1, 2, 6), -1.0), ("and", (3,), 0.5), ("and", (5, 7), 2.0)]
    buckets = [np.array([0, 1]), np.array([2, 3, 4]), np.array([5, 6, 7])]
    patterns, masks = bucket_masks(np.random.default_rng(0), buckets, 8, None)
    index = patterns.astype(np.int64) @ (1 << np.arange(3))
    u = np.empty(8)
    u[index] = game(terms)(masks)
    got = sl.and_interactions(u)
    owner = {int(i): c for c, b in enumerate(buckets) for i in b}
    want = np.zeros(8)
    for s, a in mobius(terms).items():
        want[sum(1 << c for c in {owner[i] for i in s})] += a
    assert np.allclose(got, want, atol=1e-12)
