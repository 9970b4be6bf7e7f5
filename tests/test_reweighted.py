"""Reweighted L1 over a pool of atoms (symlogic.reweighted, docs/theory.md §4.6)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symlogic.errors import InputError
from symlogic.minimax import atom_column, canonical_atom, fit_minimax
from symlogic.reweighted import reweighted_supports

MASKS3 = np.arange(8)


def every_atom(n: int) -> list[tuple[str, int]]:
    atoms = {canonical_atom(kind, m) for kind in ("and", "or") for m in range(1, 1 << n)}
    return sorted(atoms, key=lambda a: (a[1].bit_count(), a[0], a[1]))


def test_planted_support_is_recovered_exactly() -> None:
    # v = 1 + 2·AND(x0, x1) + 1·OR(x1, x2): the sparsest exact formula has these two atoms
    v = 1 + 2 * atom_column(("and", 0b011), MASKS3) + atom_column(("or", 0b110), MASKS3)
    supports = reweighted_supports(v, 1e-9, every_atom(3), rounds=4)
    assert supports and set(supports[-1]) == {("and", 0b011), ("or", 0b110)}


def test_a_pool_that_cannot_reach_the_target_gives_nothing() -> None:
    v = atom_column(("and", 0b111), MASKS3) * 4.0
    assert reweighted_supports(v, 0.5, [("and", 0b001), ("and", 0b010)], rounds=3) == []


def test_bad_arguments() -> None:
    v = np.arange(8.0)
    with pytest.raises(InputError, match="repeats"):
        reweighted_supports(v, 0.1, [("and", 1), ("or", 1)])  # OR over one variable is the same atom
    with pytest.raises(InputError, match="target"):
        reweighted_supports(v, -1.0, [("and", 1)])
    assert reweighted_supports(v, 0.1, []) == []


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), share=st.sampled_from([0.02, 0.1, 0.3]), start=st.booleans())
def test_every_round_reaches_the_target_within_the_pool(seed: int, share: float, start: bool) -> None:
    """Brute-force reference: the minimax fit of each returned support (over all masks) is within
    the target, every support lies in the pool, and the rounds never grow the first support's
    L1-weighted size without bound (each is a subset of the pool)."""
    rng = np.random.default_rng(seed)
    n = 4
    v = rng.normal(size=1 << n) * 3
    pool = every_atom(n)
    target = share * float(v.max() - v.min())
    init = rng.uniform(0, 1, size=len(pool)) if start else None
    supports = reweighted_supports(v, target, pool, rounds=3, start=init)
    assert supports, "the full pool spans every table, so each round is feasible"
    for s in supports:
        assert set(s) <= set(pool)
        assert fit_minimax(v, list(s)).error <= target * (1 + 1e-7) + 1e-12
