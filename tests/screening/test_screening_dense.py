"""The dense refinement (relaxed Lasso over main effects and pairs) against closed forms and brute force."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from symlogic.screening.dense import dense_atoms, main_ranking, parity_design, relaxed_lasso
from symlogic.screening.recover import atom_design


@given(st.integers(1, 6), st.integers(1, 20), st.integers(0, 2**31 - 1))
def test_parity_design_matches_brute_force(n: int, m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    masks = rng.random((m, n)) < 0.5
    atoms = [a for r in range(n + 1) for a in itertools.combinations(range(n), r)]
    x = parity_design(masks, atoms)
    for r in range(m):
        for j, a in enumerate(atoms):
            assert x[r, j] == np.prod([2.0 * masks[r, i] - 1.0 for i in a])


def test_parity_columns_are_orthonormal_on_all_masks() -> None:
    """On all 2^n masks the parity functions are orthogonal with squared norm 2^n (the Fourier basis)."""
    n = 4
    masks = ((np.arange(16)[:, None] >> np.arange(n)) & 1).astype(bool)
    atoms = [a for r in range(n + 1) for a in itertools.combinations(range(n), r)]
    x = parity_design(masks, atoms)
    assert np.array_equal(x.T @ x, 16.0 * np.eye(16))


def test_a_pair_parity_term_spans_its_moebius_atoms() -> None:
    """(2a−1)(2b−1) = 4ab − 2a − 2b + 1: a parity pair is the AND atoms {a,b}, {a}, {b} and the constant."""
    masks = ((np.arange(4)[:, None] >> np.arange(2)) & 1).astype(bool)
    parity = parity_design(masks, [(0, 1)])[:, 0]
    moebius = atom_design(masks, [(), (0,), (1,), (0, 1)]) @ np.array([1.0, -2.0, -2.0, 4.0])
    assert np.array_equal(parity, moebius)


def test_relaxed_lasso_finds_a_planted_sparse_support(rng: np.random.Generator) -> None:
    x = rng.standard_normal((400, 60))
    y = 3.0 * x[:, 4] - 2.0 * x[:, 17] + 1.5 * x[:, 40] + 0.05 * rng.standard_normal(400)
    assert relaxed_lasso(x, y, np.random.default_rng(0)).tolist() == [4, 17, 40]


def test_relaxed_lasso_on_pure_noise_keeps_little(rng: np.random.Generator) -> None:
    x = rng.standard_normal((300, 40))
    kept = relaxed_lasso(x, rng.standard_normal(300), np.random.default_rng(0))
    assert kept.size <= 5


def test_relaxed_lasso_with_too_few_rows_keeps_nothing() -> None:
    assert relaxed_lasso(np.ones((5, 3)), np.arange(5.0), np.random.default_rng(0)).size == 0


def test_main_ranking_orders_by_effect(rng: np.random.Generator) -> None:
    masks = rng.random((500, 8)) < 0.5
    w = np.array([0.1, 3.0, 0.0, -2.0, 0.5, 0.0, 1.0, 0.0])
    ranked = main_ranking(masks, masks @ w + 0.01 * rng.standard_normal(500), np.random.default_rng(0))
    assert ranked[:5].tolist() == [1, 3, 6, 4, 0]
    assert sorted(ranked.tolist()) == list(range(8))


def test_dense_atoms_recover_mains_and_pairs(rng: np.random.Generator) -> None:
    """A model of main effects and two pairs among 30 candidates, from 1,500 uniform masks: the
    chosen atoms are exactly the planted ones (a pair brings its main effects along)."""
    masks = rng.random((1500, 30)) < 0.5
    y = (1.0 * masks[:, 2] - 0.8 * masks[:, 9] + 0.6 * masks[:, 21]
         + 2.0 * (masks[:, 2] & masks[:, 9]) - 1.5 * (masks[:, 5] & masks[:, 11]) + 0.01 * rng.standard_normal(1500))
    atoms = dense_atoms(masks, y, [], np.random.default_rng(0))
    assert atoms == [(2,), (5,), (9,), (11,), (21,), (2, 9), (5, 11)]


def test_dense_atoms_offer_the_atoms_found(rng: np.random.Generator) -> None:
    """A triple the passes found stays as one AND atom (pairs alone cannot express it)."""
    masks = rng.random((1200, 12)) < 0.5
    y = 2.0 * masks[:, [1, 4, 7]].all(axis=1) + 0.5 * masks[:, 3] + 0.01 * rng.standard_normal(1200)
    atoms = dense_atoms(masks, y, [(1, 4, 7)], np.random.default_rng(0))
    assert (1, 4, 7) in atoms and (3,) in atoms
    assert dense_atoms(masks, y, [(1, 4, 7)], np.random.default_rng(0), pairs=False) == [(3,), (1, 4, 7)]


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_dense_atoms_fit_a_random_pairwise_model(seed: int) -> None:
    """On random models of a few mains and pairs (coefficients ≥ 0.5, tiny noise) the refit on the
    chosen atoms explains the answers: least squares on them leaves only the noise."""
    rng = np.random.default_rng(seed)
    n = 16
    masks = rng.random((800, n)) < 0.5
    mains = rng.choice(n, 3, replace=False)
    pairs = [tuple(sorted(rng.choice(n, 2, replace=False).tolist())) for _ in range(2)]
    coef = rng.choice([-1.0, 1.0], 5) * rng.uniform(0.5, 2.0, 5)
    y = sum(c * masks[:, i] for c, i in zip(coef[:3], mains))
    y = y + sum(c * masks[:, list(p)].all(axis=1) for c, p in zip(coef[3:], pairs)) + 0.01 * rng.standard_normal(800)
    atoms = dense_atoms(masks, y, [], np.random.default_rng(seed))
    assert set(pairs) <= set(atoms)
    x = atom_design(masks, [()] + atoms)
    resid = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    assert float(np.std(resid)) < 0.02
