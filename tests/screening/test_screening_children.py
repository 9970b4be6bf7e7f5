"""Children of a screening level's parents, and the fits that choose among them, against closed forms
and brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import symlogic.screening.hierarchy as hierarchy
from planted_games import game, mobius, planted_terms
from symlogic.screening.children import children, down_set, mobius_parents, next_terms, parent_terms
from symlogic.screening.hierarchy import LevelInfo, Settings, aliasing_pass
from symlogic.screening.recover import (addition_gains, best_addition, exceeds_noise, normal_equations, swap_within,
                                        term_design)


def test_children_closed_form() -> None:
    kids = {0: [0, 1], 1: [2]}
    assert children((0, 1), kids, 4) == [(0, 2), (1, 2), (0, 1, 2)]
    assert children((0, 1), kids, 2) == [(0, 2), (1, 2)]
    assert len(children((0, 1, 2, 3), {c: [2 * c, 2 * c + 1] for c in range(4)}, 4)) == 16  # one half each
    assert len(children((0, 1), {0: [0, 1], 1: [2, 3]}, 4)) == 9  # 3² choices
    assert down_set((3, 5, 7)) == [(3,), (5,), (7,), (3, 5), (3, 7), (5, 7), (3, 5, 7)]


@given(st.integers(0, 10**6), st.sampled_from(["and", "or"]), st.integers(1, 4))
def test_a_term_lands_on_one_child_of_its_parent(seed: int, kind: str, order: int) -> None:
    """An AND or OR term over candidates S is, on bucket masks of any partition π, the same kind of
    term over π(S) (brute force over every bucket mask); splitting the buckets moves it to one of
    the children of π(S)."""
    rng = np.random.default_rng(seed)
    n = 12
    s = tuple(sorted(rng.choice(n, size=order, replace=False).tolist()))
    coarse = rng.integers(0, 3, size=n)  # candidate → bucket
    fine = 2 * coarse + rng.integers(0, 2, size=n)  # each bucket split in two halves
    for owner, nb in ((coarse, 3), (fine, 6)):
        patterns = ((np.arange(1 << nb)[:, None] >> np.arange(nb)) & 1).astype(bool)
        cand = patterns[:, owner]
        f = game([(kind, s, 1.0)])(cand)
        image = tuple(sorted(set(owner[list(s)].tolist())))
        assert np.array_equal(f, term_design(patterns, [(kind, image)])[:, 0])
    parent = tuple(sorted(set(coarse[list(s)].tolist())))
    kids = {c: [2 * c, 2 * c + 1] for c in range(3)}
    assert tuple(sorted(set(fine[list(s)].tolist()))) in children(parent, kids, 8)


def test_parent_terms_rewrite_a_down_set_as_one_or_and_keep_the_remainder() -> None:
    # 1.5·OR(0, 1, 2) + 0.8·x0 in the Möbius basis, and a separate AND(3, 4)
    expansion = mobius([("or", (0, 1, 2), 1.5), ("and", (0,), 0.8), ("and", (3, 4), -1.0)])
    atoms = sorted((tuple(sorted(a)) for a in expansion), key=lambda a: (len(a), a))
    terms = [("and", a) for a in atoms]
    coef = np.array([expansion[frozenset(a)] for a in atoms])
    t = np.full(len(atoms), 50.0)
    t[atoms.index((0, 1, 2))] = 80.0
    strong = np.ones(len(atoms), dtype=bool)
    parents, strength = parent_terms(terms, coef, np.full(len(atoms), 0.01), t, strong, 1e-9, 3.0)
    assert parents[0] == ("or", (0, 1, 2)) and strength[0] == pytest.approx(1.5)
    assert set(parents) == {("or", (0, 1, 2)), ("and", (0,)), ("and", (3, 4))}
    # weak parents carry strength 0 and come last
    parents, strength = parent_terms(terms, coef, np.full(len(atoms), 0.01), t, np.zeros(len(atoms), dtype=bool),
                                     1e-9, 3.0)
    assert strength == [0.0] * len(parents)
    atoms_back, flags = mobius_parents([("or", (0, 1)), ("and", (1,)), ("and", (2, 3))], [2.0, 0.0, 1.0])
    assert atoms_back == [(0,), (1,), (0, 1), (2, 3)] and flags == [2.0, 2.0, 2.0, 1.0]


def test_next_terms_groups_closure_and_budget() -> None:
    kids = {0: [0, 1], 1: [2, 3], 2: [4, 5]}
    rows = lambda p: 2 * p  # noqa: E731
    terms, groups, strength, pruned = next_terms([("or", (0, 1)), ("and", (2,))], [1.0, 0.0], kids, 4, 1,
                                                 rows, 10**6, 3)
    assert terms[0] == ("and", ())
    assert [terms[j] for j in groups[0]] == [("or", c) for c in children((0, 1), kids, 4)]
    # an AND parent's children come with their single halves; an OR parent's do not
    assert [terms[j] for j in groups[1]] == [("and", (4,)), ("and", (5,)), ("and", (4, 5))]
    assert not any(kind == "and" and len(a) == 1 and a[0] < 4 for kind, a in terms)
    assert strength == [1.0, 0.0] and pruned == 0
    # with room for the first parent's children only, the second is left out and counted
    small, groups, _, pruned = next_terms([("or", (0, 1)), ("and", (2,))], [1.0, 0.0], kids, 4, 1, rows,
                                          2 * 10, 3)
    assert len(groups) == 1 and pruned == 3 and len(small) == 10


@given(st.integers(0, 10**6), st.integers(1, 5))
def test_addition_gains_equal_the_brute_force_rss_drop(seed: int, base_size: int) -> None:
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(60), rng.random((60, 8)) < 0.5]).astype(float)
    y = x[:, 2] - 0.5 * x[:, 5] + 0.1 * rng.standard_normal(60)
    g, b, yy, _ = normal_equations(x, y)
    base = np.arange(base_size)
    options = np.arange(base_size, 9)

    def rss(cols: np.ndarray) -> float:
        coef, *_ = np.linalg.lstsq(x[:, cols], y, rcond=None)
        return float(np.sum((y - x[:, cols] @ coef) ** 2))

    gains, den = addition_gains(g, b, base, options)
    for k, gain, d in zip(options, gains, den):
        assert gain == pytest.approx(rss(base) - rss(np.append(base, k)), rel=1e-6, abs=1e-9)
        resid = x[:, k] - x[:, base] @ np.linalg.lstsq(x[:, base], x[:, k], rcond=None)[0]
        assert d == pytest.approx(float(resid @ resid), rel=1e-6, abs=1e-9)
    assert best_addition(g, b, base, options) == options[int(np.argmax(gains))]


def test_swap_within_repairs_a_wrong_sibling(rng: np.random.Generator) -> None:
    x = np.column_stack([np.ones(400), rng.random((400, 4)) < 0.5]).astype(float)
    x[:, 3] = np.logical_and(x[:, 1], x[:, 2])  # siblings 1, 2, 3 = {A}, {B}, {A, B}
    y = 2.0 * x[:, 2] + 0.7 * x[:, 4] + 0.05 * rng.standard_normal(400)
    g, b, _, _ = normal_equations(x, y)
    groups = [np.array([1, 2, 3]), np.array([4])]
    assert swap_within(g, b, np.array([0, 1, 4]), groups).tolist() == [0, 2, 4]
    assert swap_within(g, b, np.array([0, 3, 4]), groups).tolist() == [0, 2, 4]
    assert swap_within(g, b, np.array([0, 2, 4]), groups).tolist() == [0, 2, 4]


def test_exceeds_noise_closed_forms() -> None:
    assert not exceeds_noise(1e-9, 50, 0.1, 100, None, 0.01, 1e-6)  # below the zero tolerance
    assert exceeds_noise(1e-3, 50, None, 0, 0.0, 0.01, 1e-6)  # σ = 0: any residual
    assert not exceeds_noise(0.1, 200, None, 0, 0.1, 0.01, 1e-6) and exceeds_noise(0.2, 200, None, 0, 0.1, 0.01, 1e-6)
    assert not exceeds_noise(0.1, 200, 0.1, 500, None, 0.01, 1e-6)  # F = 1
    assert exceeds_noise(0.13, 200, 0.1, 500, None, 0.01, 1e-6)  # F = 1.69 > F(0.01; 200, 500) ≈ 1.29
    assert exceeds_noise(0.1, 200, None, 0, None, 0.01, 1e-6)  # no estimate: nothing shows the fit is enough


def test_an_unidentifiable_child_asks_for_more_rows(rng: np.random.Generator) -> None:
    """A strong parent whose children cannot be told apart (one is 1 on every row) is ambiguous."""
    x = np.column_stack([np.ones(80), rng.random((80, 2)) < 0.5, np.ones(80)]).astype(float)
    y = 1.0 + 0.05 * rng.standard_normal(80)
    g, b, _, _ = normal_equations(x, y)
    plan = hierarchy._Plan([("and", ()), ("or", (0, 1)), ("or", (0, 2)), ("or", (1, 2))], [np.array([1, 2, 3])],
                           [1.5], 0)
    kept = np.array([True, True, False, False])
    assert hierarchy._ambiguous(g, b, kept, plan, 0.3)
    y = 1.5 * x[:, 1] + 0.05 * rng.standard_normal(80)  # now child 1 carries it, and the others differ
    x[:, 3] = rng.random(80) < 0.5
    g, b, _, _ = normal_equations(x, y)
    assert not hierarchy._ambiguous(g, b, kept, plan, 0.3)


def test_level_reports_read_old_dicts_and_round_trip() -> None:
    level = LevelInfo(0, 2, 30, 4, 120, 240, False, 10, 0.1, pruned=3, expanded=True)
    assert LevelInfo.from_dict(level.to_dict()) == level
    old = {k: v for k, v in level.to_dict().items() if k not in ("pruned", "expanded")}
    assert LevelInfo.from_dict(old) == LevelInfo(0, 2, 30, 4, 120, 240, False, 10, 0.1)


def _resolved(terms: list) -> set[tuple[int, ...]]:
    return {tuple(sorted(s)) for s in mobius(terms)}


def test_a_pass_resolves_or_terms_through_lean_levels() -> None:
    terms = planted_terms(96, 6, seed=4, disjoint=True)
    f = game(terms)
    noise = np.random.default_rng(1)
    run = aliasing_pass(lambda m: f(m) + 0.05 * noise.standard_normal(m.shape[0]), 96, np.random.default_rng(2),
                        20000, Settings())
    assert run.complete and set(run.atoms) == _resolved(terms)
    assert len(run.levels) > 2 and sum(not lv.expanded for lv in run.levels[1:]) >= 2  # lean fits were enough


def test_a_lean_dictionary_that_misses_falls_back_to_the_full_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the lean dictionary cut to its strongest parent's children, the residual test notices,
    the full dictionary is fitted, and the pass still resolves every atom."""
    real = hierarchy.next_terms

    def crippled(parents, strong, kids, max_order, closure, rows, left, levels_left):  # type: ignore[no-untyped-def]
        lean = closure < Settings().closure
        return real(parents[:1] if lean else parents, strong[:1] if lean else strong, kids, max_order, closure,
                    rows, left, levels_left)

    monkeypatch.setattr(hierarchy, "next_terms", crippled)
    terms = planted_terms(64, 5, seed=7, disjoint=True)
    f = game(terms)
    noise = np.random.default_rng(3)
    run = aliasing_pass(lambda m: f(m) + 0.05 * noise.standard_normal(m.shape[0]), 64, np.random.default_rng(5),
                        30000, Settings())
    assert any(lv.expanded for lv in run.levels)
    assert run.complete and set(run.atoms) == _resolved(terms)


def test_ambiguous_rows_are_doubled_at_most_more_rounds_times() -> None:
    terms = [("or", (0, 1, 2, 3), 1.0)]
    f = game(terms)
    run = aliasing_pass(f, 16, np.random.default_rng(0), 20000, Settings(sigma=0.0))
    assert set(run.atoms) == _resolved(terms)
    for lv in run.levels[1:]:
        base = max(2 * lv.candidates, lv.candidates + 8)
        assert lv.queries in {base * 2 ** r for r in range(hierarchy.MORE_ROUNDS + 1)} or lv.exhaustive


def test_settings_level0_rows() -> None:
    """Level 0 asks LEVEL0_SHARE of the usual rows, or all 2^B patterns when those are no more than the usual."""
    s = Settings()
    p = hierarchy.dictionary_size(12, 4)
    assert hierarchy._rows(p, 12, s, hierarchy.LEVEL0_SHARE) == (int(np.ceil(hierarchy.LEVEL0_SHARE * 2 * p)), False)
    assert hierarchy._rows(hierarchy.dictionary_size(8, 4), 8, s, hierarchy.LEVEL0_SHARE) == (256, True)


@pytest.mark.parametrize(("n", "full", "probe"), [(1024, 12, 8), (1000, 12, 8), (256, 12, 8), (79, 12, 10),
                                                  (100, 12, 7), (12, 12, 12), (5, 12, 5), (1024, 16, 16)])
def test_probe_buckets_closed_forms(n: int, full: int, probe: int) -> None:
    """The fewest buckets that need no more halvings than ``full`` buckets."""
    assert hierarchy.probe_buckets(n, full) == probe


@given(st.integers(2, 5000), st.integers(1, 20))
def test_probe_buckets_need_no_more_levels(n: int, full: int) -> None:
    """Against brute force: no bucket count below the probe resolves N candidates in as few halvings."""
    def halvings(b: int) -> int:
        return hierarchy._levels_left(-(-n // b))

    probe = hierarchy.probe_buckets(n, full)
    assert probe <= full and halvings(probe) <= halvings(min(full, n))
    assert all(halvings(b) > halvings(min(full, n)) for b in range(1, probe))


def test_a_sparse_game_keeps_the_probe_and_a_crowded_one_starts_again() -> None:
    """Ten disjoint terms among 1024 keep the 8-bucket level 0; 60 terms among 256 crowd 8 buckets:
    level 0 starts again with initial_buckets, and the sparse search still resolves every atom."""
    terms = planted_terms(1024, 10, seed=2, disjoint=True)
    f = game(terms)
    noise = np.random.default_rng(1)
    run = aliasing_pass(lambda m: f(m) + 0.1 * noise.standard_normal(m.shape[0]), 1024, np.random.default_rng(2),
                        20000, Settings())
    assert run.levels[0].buckets == 8 and [lv.level for lv in run.levels].count(0) == 1
    assert run.complete and set(run.atoms) == _resolved(terms)

    crowded = game(planted_terms(256, 60, seed=3, disjoint=True))
    run = aliasing_pass(crowded, 256, np.random.default_rng(2), 40000, Settings(sigma=0.0))
    assert [(lv.level, lv.buckets) for lv in run.levels[:2]] == [(0, 8), (0, 12)]
    assert run.levels[0].kept > hierarchy.CROWDED * (hierarchy.dictionary_size(8, 4) - 1)
    assert not run.misfit and run.pure is None  # a known σ needs no replicates


def test_lack_of_fit_against_pure_error() -> None:
    """Replicated level-0 masks estimate the noise without a model: a deterministic dense sum shows a
    lack of fit (pure error exactly 0), a noisy sparse game does not (pure error ≈ σ), and an exactly
    sparse one leaves no material residual to test; an order-5 term beyond max_order = 4 does (12 candidates: one per
    bucket, so the term cannot fold onto fewer buckets)."""
    w = np.random.default_rng(3).normal(size=60)
    run = aliasing_pass(lambda m: 3.0 * np.tanh((m.astype(float) @ w) / 3.0), 60, np.random.default_rng(0), 1500,
                        Settings(max_order=2))
    assert run.misfit and run.pure == 0.0 and run.pure_dof == hierarchy.REPLICATES

    f = game(planted_terms(256, 5, seed=1, disjoint=True))
    noise = np.random.default_rng(4)
    run = aliasing_pass(lambda m: f(m) + 0.3 * noise.standard_normal(m.shape[0]), 256, np.random.default_rng(1),
                        20000, Settings())
    assert not run.misfit and 0.2 < run.pure < 0.4

    sparse = game([("and", (3, 9), 2.0), ("or", (20, 40, 41), -1.0)])
    run = aliasing_pass(sparse, 64, np.random.default_rng(1), 20000, Settings())
    assert not run.misfit and run.pure is None and run.complete  # no material residual: nothing asked again

    high = game([("and", (3, 9), 1.0), ("and", (4, 5, 6, 7, 8), 3.0)])
    run = aliasing_pass(high, 12, np.random.default_rng(1), 20000, Settings())
    assert run.misfit and run.pure == 0.0
