"""The least-squares kernels of screening against closed forms and brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planted_games import mobius
from symlogic.screening.hierarchy import completions
from symlogic.screening.recover import (as_and_or, atom_design, backward_select, bonferroni_z, global_fit,
                                        normal_equations, normal_fit, term_design)


def test_term_design_matches_brute_force(rng: np.random.Generator) -> None:
    masks = rng.random((50, 7)) < 0.5
    terms = [("and", ()), ("and", (2,)), ("and", (0, 3, 6)), ("or", (1, 4)), ("or", (0, 2, 5, 6))]
    x = term_design(masks, terms)
    for r in range(50):
        for j, (kind, s) in enumerate(terms):
            want = 1.0 if not s else float(all(masks[r, i] for i in s) if kind == "and" else any(masks[r, i] for i in s))
            assert x[r, j] == want
    assert np.array_equal(atom_design(masks, [s for _, s in terms[:3]]), x[:, :3])


def test_term_design_chunks_rows_like_one_block(rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch) -> None:
    import symlogic.screening.recover as recover

    masks = rng.random((103, 9)) < 0.5
    terms = [("and", (1, 2)), ("or", (3, 8)), ("and", (0,))]
    whole = term_design(masks, terms)
    monkeypatch.setattr(recover, "ROW_CHUNK", 10)
    assert np.array_equal(recover.term_design(masks, terms), whole)


def test_normal_fit_is_least_squares(rng: np.random.Generator) -> None:
    x = np.column_stack([np.ones(200), rng.random((200, 5)) < 0.5]).astype(float)
    y = x @ np.array([0.5, 1.0, -2.0, 0.0, 3.0, 0.25]) + 0.1 * rng.standard_normal(200)
    fit = normal_fit(*normal_equations(x, y))
    ref, res, *_ = np.linalg.lstsq(x, y, rcond=None)
    assert np.allclose(fit.coef, ref, atol=1e-9)
    assert fit.resid_std == pytest.approx(np.sqrt(res[0] / (200 - 6)), rel=1e-6)
    # standard errors: σ̂·√diag((XᵀX)⁻¹)
    se = fit.resid_std * np.sqrt(np.diag(np.linalg.inv(x.T @ x)))
    assert np.allclose(fit.stderr, se, rtol=1e-6)
    # a known σ larger than the residual sets the scale; a smaller one does not hide the residual
    assert np.allclose(normal_fit(*normal_equations(x, y), sigma=1.0).stderr, se / fit.resid_std, rtol=1e-6)
    assert np.allclose(normal_fit(*normal_equations(x, y), sigma=0.0).stderr, se, rtol=1e-6)


def test_backward_select_keeps_the_planted_atoms(rng: np.random.Generator) -> None:
    masks = rng.random((600, 6)) < 0.5
    atoms = [a for r in range(4) for a in itertools.combinations(range(6), r)]
    y = 1.0 + 2.0 * masks[:, [0, 1]].all(1) - 1.5 * masks[:, [2, 3, 4]].all(1) + 0.05 * rng.standard_normal(600)
    g, b, yy, m = normal_equations(atom_design(masks, atoms), y)
    fit = backward_select(g, b, yy, m, np.array([len(a) for a in atoms]), z=4.0, tol_abs=1e-9)
    kept = {atoms[i]: c for i, c in zip(fit.idx, fit.coef)}
    assert set(kept) == {(), (0, 1), (2, 3, 4)}
    assert kept[(0, 1)] == pytest.approx(2.0, abs=0.05) and kept[(2, 3, 4)] == pytest.approx(-1.5, abs=0.05)


def test_global_fit_drops_null_terms(rng: np.random.Generator) -> None:
    masks = rng.random((2000, 8)) < 0.5
    y = 0.5 - 1.0 * masks[:, [1, 5]].any(1) + 0.01 * rng.standard_normal(2000)
    terms = [("and", ()), ("or", (1, 5)), ("and", (2,)), ("and", (3, 4))]
    kept, fit = global_fit(masks, y, terms, alpha=0.01, tol_abs=1e-9)
    assert kept == [("and", ()), ("or", (1, 5))]
    assert fit.coef == pytest.approx([0.5, -1.0], abs=0.01)


def test_bonferroni_threshold() -> None:
    assert bonferroni_z(0.05, 1) == pytest.approx(1.959964, abs=1e-5)
    assert bonferroni_z(0.01, 100) > bonferroni_z(0.01, 10) > bonferroni_z(0.01, 1)


def _expansion(kinds: list[tuple[str, tuple[int, ...]]], coefs: list[float]) -> dict[frozenset[int], float]:
    return mobius([(k, a, c) for (k, a), c in zip(kinds, coefs)])


def test_as_and_or_closed_forms() -> None:
    # −OR(0, 1) = −x0 − x1 + x0x1 in the Möbius basis: one OR term
    assert as_and_or([(0,), (1,), (0, 1)], np.array([-1.0, -1.0, 1.0]), np.zeros(3), 1e-9) == [("or", (0, 1))]
    # AND(0, 1) stays an AND; a lone singleton stays an AND
    assert as_and_or([(0, 1), (2,)], np.array([2.0, 1.0]), np.zeros(2), 1e-9) == [("and", (2,)), ("and", (0, 1))]
    # OR over three variables (7 Möbius atoms) next to an AND on a subset of it
    expansion = _expansion([("or", (0, 1, 2)), ("and", (0, 1))], [1.5, 2.0])
    atoms = sorted((tuple(sorted(s)) for s in expansion), key=lambda a: (len(a), a))
    got = as_and_or(atoms, np.array([expansion[frozenset(a)] for a in atoms]), np.zeros(len(atoms)), 1e-9)
    assert got == [("and", (0, 1)), ("or", (0, 1, 2))]


@given(st.lists(st.tuples(st.sampled_from(["and", "or"]), st.sets(st.integers(0, 5), min_size=1, max_size=4),
                          st.sampled_from([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])), min_size=1, max_size=4))
def test_as_and_or_preserves_the_function(spec: list[tuple[str, set[int], float]]) -> None:
    """Whatever the rewriting chooses, its terms span the planted function (brute force over 2^6 masks)."""
    terms = [(k, tuple(sorted(s)), c) for k, s, c in spec]
    expansion = mobius(terms)
    if not expansion:
        return
    atoms = sorted((tuple(sorted(s)) for s in expansion), key=lambda a: (len(a), a))
    kinds = as_and_or(atoms, np.array([expansion[frozenset(a)] for a in atoms]), np.zeros(len(atoms)), 1e-9)
    assert len(kinds) <= len(atoms)
    masks = ((np.arange(64)[:, None] >> np.arange(6)) & 1).astype(bool)
    target = sum(c * (masks[:, list(s)].all(1) if k == "and" else masks[:, list(s)].any(1)) for k, s, c in terms)
    x = np.column_stack([np.ones(64), term_design(masks, kinds)])
    coef, *_ = np.linalg.lstsq(x, target, rcond=None)
    assert np.allclose(x @ coef, target, atol=1e-9)


def test_completions_join_triangles_not_singletons() -> None:
    assert completions([(0,), (1,), (2,)], 4) == []
    assert completions([(0, 1), (0, 2), (1, 2)], 4) == [(0, 1, 2)]
    assert completions([(0, 1), (0, 2)], 4) == []
    four = [a for a in itertools.combinations(range(4), 2)] + [(0, 1, 2), (0, 1, 3), (1, 2, 3)]
    assert completions(four, 4) == [(0, 2, 3), (0, 1, 2, 3)]
    assert completions(four, 3) == [(0, 2, 3)]


@given(st.integers(3, 40), st.integers(1, 6), st.integers(0, 10**6))
def test_normal_fit_equals_lstsq(rows_extra: int, cols: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(cols + rows_extra), rng.random((cols + rows_extra, cols)) < 0.5]).astype(float)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        return
    y = rng.standard_normal(x.shape[0])
    ref, *_ = np.linalg.lstsq(x, y, rcond=None)
    assert np.allclose(normal_fit(*normal_equations(x, y)).coef, ref, atol=1e-6 * (1 + np.abs(ref).max()))


@given(st.sets(st.frozensets(st.integers(0, 5), min_size=1, max_size=4), max_size=12))
def test_completions_match_their_definition(sets: set[frozenset[int]]) -> None:
    atoms = [tuple(sorted(s)) for s in sets]
    got = completions(atoms, 4)
    have = set(atoms)
    # brute force: grow order by order over all subsets of {0..5}
    want: list[tuple[int, ...]] = []
    for r in range(3, 5):
        for c in itertools.combinations(range(6), r):
            if c not in have and all(sub in have for sub in itertools.combinations(c, r - 1)):
                want.append(c)
        have.update(w for w in want if len(w) == r)
    assert sorted(got) == sorted(want)
