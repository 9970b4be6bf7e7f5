"""The peer interaction indices (docs/theory.md §2.6): SII, BII, k-SII, STII, FSII, FBII, Co-Möbius.

Three independent references: shapiq's ExactComputer (the field's implementation, its conventions
at ∅ included), closed-form games, and brute-force definitions written here from the papers'
formulas (discrete-derivative subset sums, permutations, least-squares fits), on random tables.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import symlogic as sl
from symlogic.errors import InputError
from symlogic.indices import weighted_mobius as wm
from symlogic.indices.weights import (
    LINEAR_INDICES,
    PEER_INDICES,
    bernoulli,
    linear_index,
    mobius_weights,
    value_weights,
)
from symlogic.interactions import INDICES, PLANNED_INDICES, interactions

ORDERED = ("k-SII", "STII", "FSII", "FBII")
SHAPIQ_NAME = {"SII": "SII", "BII": "BII", "k-SII": "k-SII", "STII": "STII", "FSII": "FSII", "FBII": "FBII",
               "Co-Möbius": "Co-Moebius"}


def bits(mask: int) -> tuple[int, ...]:
    return tuple(i for i in range(mask.bit_length()) if mask >> i & 1)


def size(mask: int) -> int:
    return bin(mask).count("1")


def peer(v, name: str, order: int | None = None) -> np.ndarray:
    return interactions(v, name, order=order if name in ORDERED else None).values


# --------------------------------------------------------------------------------------------
# Brute force from the papers' definitions (plain loops over sets, n ≤ 5)


def derivative(v: np.ndarray, s: int, t: int) -> float:
    """Δ_S v(T) = Σ_{L⊆S} (−1)^{|S|−|L|} v(T ∪ L) for T ∩ S = ∅."""
    return sum((-1) ** (size(s) - size(sub)) * v[t | sub] for sub in range(s + 1) if sub & s == sub)


def others(n: int, s: int) -> list[int]:
    return [t for t in range(1 << n) if not t & s]


def bf_sii(v: np.ndarray, n: int) -> np.ndarray:
    # Grabisch & Roubens 1999: Σ_{T⊆N∖S} (n−t−s)! t! / (n−s+1)! · Δ_S v(T)
    out = np.zeros(1 << n)
    for s in range(1 << n):
        k = size(s)
        out[s] = sum(math.factorial(n - size(t) - k) * math.factorial(size(t)) / math.factorial(n - k + 1)
                     * derivative(v, s, t) for t in others(n, s))
    return out


def bf_bii(v: np.ndarray, n: int) -> np.ndarray:
    # Grabisch & Roubens 1999: 2^{−(n−s)} Σ_{T⊆N∖S} Δ_S v(T)
    return np.array([sum(derivative(v, s, t) for t in others(n, s)) / 2 ** (n - size(s)) for s in range(1 << n)])


def bf_k_sii(v: np.ndarray, n: int, k: int) -> np.ndarray:
    # Bordt & von Luxburg 2023: Φ_k(S) = Σ_{T⊇S, |T|≤k} B_{|T|−|S|} SII(T) for 1 ≤ |S| ≤ k; ∅: v(∅)
    sii, b = bf_sii(v, n), [float(x) for x in bernoulli(k)]
    out = np.zeros(1 << n)
    out[0] = v[0]
    for s in range(1, 1 << n):
        if size(s) <= k:
            out[s] = sum(b[size(t) - size(s)] * sii[t] for t in range(1 << n) if t & s == s and size(t) <= k)
    return out


def bf_stii(v: np.ndarray, n: int, k: int) -> np.ndarray:
    # Sundararajan et al. 2020: the dividend below k; (k/n) Σ_{T⊆N∖S} Δ_S v(T)/C(n−1, |T|) at k
    out = np.zeros(1 << n)
    for s in range(1 << n):
        if size(s) < k:
            out[s] = derivative(v, s, 0)
        elif size(s) == k:
            out[s] = k / n * sum(derivative(v, s, t) / math.comb(n - 1, size(t)) for t in others(n, s))
    return out


def bf_stii_permutations(v: np.ndarray, n: int, k: int) -> np.ndarray:
    """Top order as an average over orderings: Δ_S v at the players that come before all of S."""
    out = np.zeros(1 << n)
    perms = list(itertools.permutations(range(n)))
    for s in range(1 << n):
        if size(s) != k:
            continue
        total = 0.0
        for p in perms:
            first = min(p.index(i) for i in bits(s))
            total += derivative(v, s, sum(1 << p[j] for j in range(first)))
        out[s] = total / len(perms)
    return out


def _design(n: int, k: int) -> tuple[np.ndarray, list[int]]:
    sets = [s for s in range(1 << n) if size(s) <= k]
    return np.array([[1.0 if s & t == s else 0.0 for s in sets] for t in range(1 << n)]), sets


def bf_fsii(v: np.ndarray, n: int, k: int) -> np.ndarray:
    # Tsai et al. 2023: argmin Σ_T μ(T)(v(T) − Σ_{S⊆T,|S|≤k} E(S))², μ = Shapley kernel, exact at ∅ and N
    a, sets = _design(n, k)
    mid = [t for t in range(1, (1 << n) - 1)]
    mu = np.array([(n - 1) / (math.comb(n, size(t)) * size(t) * (n - size(t))) for t in mid])
    am = a[mid]
    gram = 2 * am.T @ (mu[:, None] * am) if mid else np.zeros((len(sets), len(sets)))
    rhs = 2 * am.T @ (mu * v[mid]) if mid else np.zeros(len(sets))
    c = a[[0, (1 << n) - 1]]
    kkt = np.block([[gram, c.T], [c, np.zeros((2, 2))]])
    sol = np.linalg.lstsq(kkt, np.concatenate([rhs, v[[0, (1 << n) - 1]]]), rcond=None)[0]
    out = np.zeros(1 << n)
    out[sets] = sol[: len(sets)]
    return out


def bf_fbii(v: np.ndarray, n: int, k: int) -> np.ndarray:
    # Tsai et al. 2023: ordinary least squares over all 2^n masks; ∅ is the intercept
    a, sets = _design(n, k)
    out = np.zeros(1 << n)
    out[sets] = np.linalg.lstsq(a, v, rcond=None)[0]
    return out


def bf_co_mobius(v: np.ndarray, n: int) -> np.ndarray:
    # Σ_{B⊆S} (−1)^{|B|} v(N∖B) for S ≠ ∅; ∅ holds v(∅) (shapiq's convention)
    full = (1 << n) - 1
    out = np.array([sum((-1) ** size(b) * v[full & ~b] for b in range(s + 1) if b & s == b) for s in range(1 << n)])
    out[0] = v[0]
    return out


def brute(v: np.ndarray, name: str, k: int) -> np.ndarray:
    n = v.size.bit_length() - 1
    return {"SII": lambda: bf_sii(v, n), "BII": lambda: bf_bii(v, n), "k-SII": lambda: bf_k_sii(v, n, k),
            "STII": lambda: bf_stii(v, n, k), "FSII": lambda: bf_fsii(v, n, k), "FBII": lambda: bf_fbii(v, n, k),
            "Co-Möbius": lambda: bf_co_mobius(v, n)}[name]()


_TABLES = st.integers(1, 5).flatmap(
    lambda n: st.tuples(st.lists(st.floats(-8, 8, allow_nan=False).map(lambda x: round(x, 3)), min_size=1 << n,
                                 max_size=1 << n), st.integers(1, n)))


@settings(max_examples=60, deadline=None)
@given(_TABLES)
def test_every_peer_matches_its_definition_on_random_tables(case):
    table, k = case
    v = np.array(table)
    scale = 1 + np.abs(v).sum()
    for name in PEER_INDICES:
        np.testing.assert_allclose(peer(v, name, k), brute(v, name, k), rtol=0, atol=1e-11 * scale, err_msg=name)


@settings(max_examples=20, deadline=None)
@given(_TABLES)
def test_shapley_taylor_top_order_is_an_average_over_orderings(case):
    table, k = case
    v = np.array(table)
    n = v.size.bit_length() - 1
    top = np.array([size(s) == k for s in range(1 << n)])
    got = peer(v, "STII", k)
    np.testing.assert_allclose(got[top], bf_stii_permutations(v, n, k)[top], rtol=0, atol=1e-11 * (1 + np.abs(v).sum()))


# --------------------------------------------------------------------------------------------
# shapiq's ExactComputer, its conventions at ∅ included


def _shapiq(v: np.ndarray, n: int):
    shapiq = pytest.importorskip("shapiq")  # a test dependency; the rest of this file runs without it

    def game(coalitions: np.ndarray) -> np.ndarray:
        return v[(coalitions.astype(np.int64) << np.arange(n)).sum(axis=1)]

    return shapiq.ExactComputer(game, n_players=n)


def _compare_with_shapiq(v: np.ndarray, n: int, orders: tuple[int, ...]) -> None:
    computer = _shapiq(v, n)
    scale = 1 + np.abs(v).max()
    for k in orders:
        for name in PEER_INDICES:
            theirs = computer(SHAPIQ_NAME[name], order=k).dict_values
            ours = interactions(v, name, order=k).as_dict(include_zeros=True)
            assert set(theirs) == set(ours), (name, k)
            # shapiq renames SII at order 1 to "SV" and then puts v(∅) at ∅; SII(∅) itself is Σ m(T)/(|T|+1)
            skip = {()} if (name == "SII" and k == 1) else set()
            # shapiq solves FSII's constraints at ∅ and N with a weight of 1e8 instead of exactly
            tol = (1e-6 if name == "FSII" else 1e-11) * scale
            worst = max(abs(ours[key] - theirs[key]) for key in ours if key not in skip)
            assert worst <= tol, (name, k, worst)


def test_every_peer_matches_shapiq_at_every_order_on_a_random_game():
    n = 6
    v = np.random.default_rng(11).normal(size=1 << n)
    _compare_with_shapiq(v, n, tuple(range(1, n + 1)))


def test_every_peer_matches_shapiq_on_ten_variables():
    n = 10
    v = np.random.default_rng(12).normal(size=1 << n) * 3
    _compare_with_shapiq(v, n, (2,))


def test_the_empty_set_holds_what_shapiq_puts_there():
    n = 5
    v = np.random.default_rng(13).normal(size=1 << n)
    m = sl.and_interactions(v)
    sizes = np.array([size(t) for t in range(1 << n)])
    expected = {"SII": float((m / (sizes + 1)).sum()), "BII": float(v.mean()), "Co-Möbius": v[0],
                "k-SII": v[0], "STII": v[0], "FSII": v[0]}
    for name, value in expected.items():
        assert peer(v, name, 2)[0] == pytest.approx(value, abs=1e-12), name
    # FBII's ∅ is the intercept of the least-squares fit
    assert peer(v, "FBII", 2)[0] == pytest.approx(bf_fbii(v, n, 2)[0], abs=1e-12)
    assert _shapiq(v, n)("SII", order=2)[()] == pytest.approx(expected["SII"], abs=1e-12)


# --------------------------------------------------------------------------------------------
# Closed forms


def and_game(n: int, r: int) -> np.ndarray:
    """v = AND of the variables of r (a mask): 1 exactly when all of them are present."""
    return np.array([1.0 if t & r == r else 0.0 for t in range(1 << n)])


def test_a_pure_and_game_has_the_closed_form_values():
    n, r = 6, 0b011101  # four variables
    v = and_game(n, r)
    inside = [s for s in range(1 << n) if s & r == s]
    sii, bii, com = peer(v, "SII"), peer(v, "BII"), peer(v, "Co-Möbius")
    for s in range(1 << n):
        if s in inside:
            assert sii[s] == pytest.approx(1 / (4 - size(s) + 1), abs=1e-15)
            assert bii[s] == 2.0 ** (size(s) - 4)
            assert com[s] == (1.0 if s else 0.0)
        else:
            assert sii[s] == bii[s] == com[s] == 0.0
    for k in (1, 2, 3):
        stii = peer(v, "STII", k)
        top = [s for s in inside if size(s) == k]
        assert np.allclose(stii[top], 1 / math.comb(4, k), rtol=0, atol=1e-15)
        assert np.count_nonzero(stii) == len(top)  # lower orders hold the dividends, all 0 here
    for name in ORDERED:  # from order 4 up, the AND term itself
        for k in (4, 5, 6):
            got = peer(v, name, k)
            assert got[r] == 1.0 and np.count_nonzero(got) == 1, (name, k)
    singles = [1 << i for i in bits(r)]
    np.testing.assert_allclose(peer(v, "FSII", 1)[singles], 0.25, rtol=0, atol=1e-15)  # the Shapley value
    np.testing.assert_allclose(peer(v, "FBII", 1)[singles], 2.0 ** -3, rtol=0, atol=1e-15)  # the Banzhaf value


def test_an_additive_game_is_its_own_weights_under_every_index():
    n, w = 5, np.array([1.5, -2.0, 0.25, 4.0, -0.75])
    v = 3.0 + np.array([sum(w[i] for i in bits(t)) for t in range(1 << n)])
    for name in PEER_INDICES:
        for k in range(1, n + 1):
            got = peer(v, name, k)
            np.testing.assert_allclose(got[[1 << i for i in range(n)]], w, rtol=0, atol=1e-14, err_msg=name)
            assert not np.any(got[[s for s in range(1 << n) if size(s) >= 2]]), name


@pytest.mark.parametrize("name", ["k-SII", "STII", "FSII"])
def test_the_efficient_indices_add_up_to_the_full_output(name):
    rng = np.random.default_rng(5)
    for n in (1, 4, 7):
        v = rng.normal(size=(3, 1 << n))
        for k in range(1, n + 1):
            np.testing.assert_allclose(peer(v, name, k).sum(axis=-1), v[:, -1], rtol=0, atol=1e-12)


def test_symmetric_players_get_equal_values_and_relabelling_permutes_them():
    n = 5
    rng = np.random.default_rng(6)
    v = rng.normal(size=1 << n)
    perm = rng.permutation(n)

    def relabel(mask: int) -> int:
        return sum(1 << int(perm[i]) for i in bits(mask))

    moved = np.empty_like(v)
    moved[[relabel(t) for t in range(1 << n)]] = v  # variable i is called perm[i]
    sym = np.array([float(size(t) ** 2 + (t & 1)) for t in range(1 << n)])  # variables 1 … 4 are exchangeable
    for name in PEER_INDICES:
        a, b = peer(v, name, 2), peer(moved, name, 2)
        np.testing.assert_allclose(b[[relabel(s) for s in range(1 << n)]], a, rtol=0, atol=1e-13, err_msg=name)
        s = peer(sym, name, 2)
        assert np.ptp(s[[2, 4, 8, 16]]) <= 1e-13 and np.ptp(s[[6, 10, 12, 18, 20, 24]]) <= 1e-13, name


def test_order_one_gives_the_shapley_and_banzhaf_values_and_order_n_the_dividends():
    n = 6
    v = np.random.default_rng(8).normal(size=(2, 1 << n))
    singles = [1 << i for i in range(n)]
    shapley, banzhaf = interactions(v, "Shapley").values, interactions(v, "Banzhaf").values
    for name in ("SII", "k-SII", "STII", "FSII"):
        np.testing.assert_allclose(peer(v, name, 1)[..., singles], shapley, rtol=0, atol=1e-13, err_msg=name)
    for name in ("BII", "FBII"):
        np.testing.assert_allclose(peer(v, name, 1)[..., singles], banzhaf, rtol=0, atol=1e-13, err_msg=name)
    dividends = sl.and_interactions(v)
    for name in ORDERED:
        for k in (n, n + 3, None):
            np.testing.assert_allclose(interactions(v, name, order=k).values, dividends, rtol=0, atol=1e-12)


def test_k_sii_at_its_top_order_is_sii_and_or_is_a_signed_co_mobius():
    n = 6
    v = np.random.default_rng(9).normal(size=1 << n)
    for k in range(1, n + 1):
        top = [s for s in range(1 << n) if size(s) == k]
        np.testing.assert_allclose(peer(v, "k-SII", k)[top], peer(v, "SII")[top], rtol=0, atol=1e-13)
    sign = np.array([1.0 if t == 0 else (-1.0) ** (size(t) + 1) for t in range(1 << n)])
    np.testing.assert_allclose(interactions(v, "OR").values, sign * peer(v, "Co-Möbius"), rtol=0, atol=1e-13)


# --------------------------------------------------------------------------------------------
# Exact weights, kernels, inputs


def test_the_value_form_is_the_float_kernel_exactly_summed():
    n = 5
    v = np.random.default_rng(10).normal(size=1 << n)
    for name in (*PEER_INDICES, "AND", "OR"):
        order = 2 if LINEAR_INDICES[name].uses_order else None
        full = wm.index_values(sl.and_interactions(v), name, order)
        for s in (0, 1, 6, 7, 31):
            w = value_weights(name, size(s), n, order)
            exact = sum((w.get((size(t & s), size(t & ~s)), Fraction(0)) * Fraction(float(v[t]))
                         for t in range(1 << n)), Fraction(0))
            assert float(exact) == pytest.approx(full[s], abs=1e-13), (name, s)


def test_bernoulli_numbers_and_the_k_sii_weights_collapse_below_the_order():
    assert bernoulli(6) == (1, Fraction(-1, 2), Fraction(1, 6), 0, Fraction(-1, 30), 0, Fraction(1, 42))
    c, b = mobius_weights("k-SII", 7, 3), bernoulli(3)
    for s in range(1, 4):
        for u in range(s, 8):  # the aggregation Σ_j B_j Σ_{|T|=s+j} SII(T), read off at m(U)
            d = u - s
            assert c[s][u] == sum((math.comb(d, j) * b[j] / (d - j + 1) for j in range(min(3 - s, d) + 1)), Fraction(0))
            if u <= 3:  # every U of at most k variables: the dividend itself
                assert c[s][u] == (1 if u == s else 0)
    assert c[1][5] == Fraction(1, 30) and c[3][5] == Fraction(1, 3)
    assert all(x == 0 for x in c[4] + c[5] + c[6])


def test_numpy_torch_batched_and_looped_agree():
    rng = np.random.default_rng(14)
    v = rng.normal(size=(2, 3, 1 << 7))
    m = sl.and_interactions(v)
    for name in PEER_INDICES:
        order = 3 if name in ORDERED else None
        out = wm.index_values(m, name, order)
        got = wm.index_values(torch.from_numpy(m), name, order)
        assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
        np.testing.assert_array_equal(got.numpy(), out)
        for i, j in itertools.product(range(2), range(3)):
            np.testing.assert_allclose(wm.index_values(m[i, j], name, order), out[i, j], rtol=0, atol=1e-15)
        assert np.array_equal(interactions(v, name, order=order).values, out)
        assert interactions(v[1, 2], name, order=order) == interactions(v, name, order=order).at(1, 2)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_the_kernel_runs_on_the_gpu():
    m = sl.and_interactions(np.random.default_rng(15).normal(size=(4, 1 << 12)))
    for name in PEER_INDICES:
        order = 3 if name in ORDERED else None
        got = wm.index_values(torch.from_numpy(m).cuda(), name, order)
        assert got.device.type == "cuda"
        np.testing.assert_allclose(got.cpu().numpy(), wm.index_values(m, name, order), rtol=0, atol=1e-12)


def test_the_named_functions_are_the_registry_entries_and_nothing_is_planned():
    assert not PLANNED_INDICES
    for name, fn in wm.COMPUTE.items():
        spec = INDICES[name]
        assert spec.compute is fn and spec.kind == "set" and spec.source == "mobius"
        assert spec.uses_order == (name in ORDERED)
    for alias, name in (("k-SII", "k-SII"), ("kSII", "k-SII"), ("Shapley-Taylor", "STII"), ("faith-shap", "FSII"),
                        ("Co-Moebius", "Co-Möbius"), ("co-möbius", "Co-Möbius"), ("sii", "SII"), ("FBII", "FBII")):
        assert interactions(np.zeros(8), alias, order=1 if name in ORDERED else None).index == name
        assert linear_index(alias).name == name


def test_bad_orders_and_tables_are_refused_with_the_fix():
    v = np.zeros(8)
    with pytest.raises(InputError, match=r"k-SII needs an order k ≥ 1"):
        interactions(v, "k-SII", order=0)
    with pytest.raises(InputError, match="order must be None"):
        wm.k_shapley_interactions(v, order=1.5)
    with pytest.raises(InputError, match="length 2\\^n"):
        wm.shapley_interactions(np.zeros(6))
    with pytest.raises(InputError, match="real numbers"):
        wm.shapley_interactions(np.array(["a"] * 4))
    with pytest.raises(InputError, match="3 × 3 table"):
        wm.weighted_mobius_sum(np.zeros(4), [[1, 0], [0, 1]])
    with pytest.raises(InputError, match="overflow"):
        wm.banzhaf_interactions(np.full(16, 1e308))
    with pytest.raises(InputError, match="per-variable value"):
        linear_index("Shapley")
    assert wm.shapley_interactions(np.array([2.5])).tolist() == [2.5]  # no variables: the constant
