"""sparsest and pareto: planted supports, proofs, brute force, stability, the front (docs/theory.md §4.6)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symlogic as sl
from symlogic.errors import InputError
from symlogic.exact_error import max_error
from symlogic.minimax import atom_column, fit_minimax
from symlogic.pareto import Pareto


def names(n: int) -> list[str]:
    return [f"x{i}" for i in range(n)]


def planted(n: int, seed: int, k: int = 3, noise: float = 1e-3) -> tuple[set[tuple[str, int]], np.ndarray]:
    """k distinct AND/OR atoms of order ≥ 2 with coefficients of size 1-3, plus uniform noise."""
    rng = np.random.default_rng(seed)
    masks = np.arange(1 << n)
    atoms: dict[tuple[str, int], float] = {}
    while len(atoms) < k:
        m = int(rng.integers(1, 1 << n))
        if m.bit_count() >= 2:
            atoms[(str(rng.choice(["and", "or"])), m)] = float(rng.choice([-1, 1]) * rng.uniform(1, 3))
    v = 0.5 + sum(c * atom_column(a, masks) for a, c in atoms.items())
    return set(atoms), v + rng.uniform(-noise, noise, size=masks.size)


def terms_of(lm: sl.LogicModel) -> set[tuple[str, int]]:
    return {(t.kind, t.mask) for t in lm.concepts}


@pytest.mark.parametrize("seed", range(6))
def test_planted_support_is_recovered_at_the_matching_epsilon(seed: int) -> None:
    support, v = planted(6, seed)
    rec = sl.Record.from_table(v, names(6))
    lm = sl.sparsest(rec, 1e-3, relative=False)
    assert terms_of(lm) == support
    assert lm.meta["proof"]["status"] == "holds" and set(lm.meta["proof"]["engines"]) == {"z3", "exact"}
    assert max_error(lm, v).value <= Fraction(1e-3)


def test_exact_table_needs_its_moebius_support() -> None:
    # v = 2·AND(x0, x1) − 1·OR(x1, x2), no noise: a tiny ε recovers exactly these two terms
    masks = np.arange(8)
    v = 2.0 * atom_column(("and", 3), masks) - atom_column(("or", 6), masks)
    lm = sl.sparsest(sl.Record.from_table(v, names(3)), 1e-9, relative=False)
    assert terms_of(lm) == {("and", 3), ("or", 6)}
    assert lm.table() == pytest.approx(v, abs=1e-9)


def brute_force_min_terms(v: np.ndarray, target: float) -> int:
    """The fewest atoms (over every subset of AND and non-singleton OR atoms) whose minimax fit is ≤ target."""
    n = int(v.size).bit_length() - 1
    atoms = [("and", m) for m in range(1, 1 << n)] + [("or", m) for m in range(1, 1 << n) if m.bit_count() >= 2]
    for k in range(len(atoms) + 1):
        for subset in itertools.combinations(atoms, k):
            if fit_minimax(v, list(subset)).error <= target:
                return k
    raise AssertionError("the full basis always fits")


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), share=st.sampled_from([0.1, 0.2, 0.3]))
def test_sparsest_is_proven_within_target_and_never_below_brute_force(seed: int, share: float) -> None:
    v = np.round(np.random.default_rng(seed).normal(size=8) * 4, 3)
    rec = sl.Record.from_table(v, names(3))
    lm = sl.sparsest(rec, share)
    target = share * (v.max() - v.min())
    assert lm.meta["proof"]["status"] == "holds"
    assert max_error(lm, v).value <= Fraction(target)
    assert len(lm) >= brute_force_min_terms(v, target * (1 + 1e-9))


@pytest.mark.parametrize("seed", range(4))
def test_one_formula_per_table_under_1e9_noise_random(seed: int) -> None:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=64) + 3 * atom_column(("and", 5), np.arange(64))
    base = sl.sparsest(sl.Record.from_table(v, names(6)), 0.1, prove=False)
    for _ in range(3):
        w = v * (1 + 1e-9 * rng.uniform(-1, 1, size=v.size))
        assert terms_of(sl.sparsest(sl.Record.from_table(w, names(6)), 0.1, prove=False)) == terms_of(base)


def test_one_formula_per_table_under_1e9_noise_trained_network() -> None:
    from symlogic.demo import demo_record, train_demo_model

    rec = demo_record(train_demo_model(n_features=7, epochs=150))
    base = sl.sparsest(rec, 0.05, prove=False)
    rng = np.random.default_rng(0)
    for _ in range(3):
        w = rec.values * (1 + 1e-9 * rng.uniform(-1, 1, size=rec.values.size))
        again = sl.sparsest(sl.Record.from_table(w, rec.names), 0.05, prove=False)
        assert terms_of(again) == terms_of(base)
        assert [t.coefficient for t in again.terms] == pytest.approx([t.coefficient for t in base.terms], rel=1e-5, abs=1e-6)


def test_deterministic_across_runs() -> None:
    v = np.random.default_rng(5).normal(size=64)
    rec = sl.Record.from_table(v, names(6))
    a, b = sl.sparsest(rec, 0.1, prove=False), sl.sparsest(rec, 0.1, prove=False)
    assert a == b and [t.coefficient for t in a.terms] == [t.coefficient for t in b.terms]


def test_constant_and_bad_arguments() -> None:
    rec = sl.Record.from_table(np.full(8, 2.5), names(3))
    lm = sl.sparsest(rec, 0.05)
    assert len(lm) == 0 and lm.bias == 2.5
    v = sl.Record.from_table(np.arange(8.0), names(3))
    for bad in (0, -0.1, float("nan"), 1.0, True, "0.05"):
        with pytest.raises(InputError):
            sl.sparsest(v, bad)
    with pytest.raises(InputError, match="overshoot"):
        sl.sparsest(v, 0.1, overshoot=0)
    with pytest.raises(InputError, match="lookahead"):
        sl.sparsest(v, 0.1, lookahead=0)


def test_absolute_epsilon() -> None:
    v = np.random.default_rng(2).normal(size=32)
    lm = sl.sparsest(sl.Record.from_table(v, names(5)), 0.3, relative=False)
    assert max_error(lm, v).value <= Fraction(0.3)
    assert lm.meta["target"] == 0.3 and lm.meta["relative"] is False


# ---- the front ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mlp_record() -> sl.Record:
    from symlogic.demo import demo_record, train_demo_model

    return demo_record(train_demo_model(n_features=6, epochs=150))


@pytest.fixture(scope="module")
def front(mlp_record: sl.Record) -> Pareto:
    return sl.pareto(mlp_record)


def test_front_is_monotone_and_every_point_rechecks_exactly(mlp_record: sl.Record, front: Pareto) -> None:
    assert front.problem() == ""
    sizes = [p.terms for p in front.points]
    eps = [p.epsilon for p in front.points]
    assert sizes == sorted(set(sizes)) and all(a > b for a, b in zip(eps, eps[1:]))
    spread = float(mlp_record.values.max() - mlp_record.values.min())
    for p in front.points:
        worst = max_error(p.model, mlp_record.values)
        assert worst.value <= Fraction(p.epsilon_exact) and p.status == "holds"
        assert p.epsilon == worst.as_float_upper()  # each point is proven at its own tight ε
        assert p.relative_epsilon == pytest.approx(p.epsilon / spread)
    assert front.points[0].terms == 0 and front.points[0].relative_epsilon == pytest.approx(0.5)


def test_front_at_picks_the_smallest_formula_reaching_the_target(front: Pareto) -> None:
    for share in (0.2, 0.1, 0.05):
        p = front.at(share)
        assert p.relative_epsilon <= share
        assert all(q.relative_epsilon > share for q in front.points if q.terms < p.terms)
    assert front.at(front.points[2].epsilon, relative=False) == front.points[2]
    with pytest.raises(InputError, match="no formula of the front"):
        front.at(1e-9)


def test_front_round_trip_and_tampering(front: Pareto) -> None:
    again = Pareto.from_dict(front.to_dict())
    assert again.points == front.points
    d = front.to_dict()
    d["points"][1]["terms"] += 1
    with pytest.raises(InputError, match="terms"):
        Pareto.from_dict(d)
    d = front.to_dict()
    d["points"][1], d["points"][2] = d["points"][2], d["points"][1]
    with pytest.raises(InputError, match="not a Pareto front"):
        Pareto.from_dict(d)


def test_front_plot(front: Pareto, tmp_path) -> None:
    out = tmp_path / "front.svg"
    front.plot(out, target=0.05, chosen=front.at(0.05).terms)
    text = out.read_text()
    assert "<svg" in text and "weak" in text


def test_when_the_least_squares_program_fails_the_minimax_vertex_is_kept_and_proven(monkeypatch) -> None:
    import symlogic.minimax as mm

    def refuse(*args, **kwargs):
        raise InputError("canonical_coefficients: the QP solver reported no optimum")

    monkeypatch.setattr(mm, "canonical_coefficients", refuse)
    v = np.random.default_rng(8).normal(size=32)
    lm = sl.sparsest(sl.Record.from_table(v, names(5)), 0.2)
    assert lm.meta["coefficients"].startswith("minimax") and lm.meta["proof"]["status"] == "holds"
    assert max_error(lm, v).value <= Fraction(0.2 * (v.max() - v.min()))
