"""Transforms and attributions against docs/theory.md §6 and a brute-force 2^n × 2^n matrix reference.

The matrices below are built from the definitions in docs/theory.md §2, entry by entry, and share no code
with ``symlogic.transforms``. Integer tables make every butterfly and every matrix product exact in
float64 (all partial sums are integers far below 2^53), so most comparisons are exact equality.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from symlogic import (
    InputError,
    and_interactions,
    and_values,
    banzhaf_values,
    mobius,
    or_interactions,
    or_sum,
    or_sum_transpose,
    or_values,
    shapley_values,
    subset_sum,
    superset_mobius,
    superset_sum,
)
from symlogic.transforms import n_from_length, reverse_masks

# --------------------------------------------------------------------------------------------
# Brute-force references (docs/theory.md §2), independent of the library.


def _bits(mask: int) -> set[int]:
    return {i for i in range(mask.bit_length()) if mask >> i & 1}


@functools.lru_cache(maxsize=None)
def zeta_matrix(n: int) -> np.ndarray:
    """Z[T, S] = 1 when S ⊆ T: AND atoms, (Zx)(T) = Σ_{S⊆T} x(S)."""
    size = 1 << n
    z = np.zeros((size, size))
    for t in range(size):
        for s in range(size):
            if _bits(s) <= _bits(t):
                z[t, s] = 1.0
    return z


@functools.lru_cache(maxsize=None)
def mobius_matrix(n: int) -> np.ndarray:
    """M[S, T] = (−1)^{|S|−|T|} when T ⊆ S: I_and(S) = Σ_{T⊆S} (−1)^{|S|−|T|} u(T)."""
    size = 1 << n
    m = np.zeros((size, size))
    for s in range(size):
        for t in range(size):
            if _bits(t) <= _bits(s):
                m[s, t] = (-1.0) ** (len(_bits(s)) - len(_bits(t)))
    return m


@functools.lru_cache(maxsize=None)
def or_interaction_matrix(n: int) -> np.ndarray:
    """I_or(S) = −Σ_{T⊆S} (−1)^{|S|−|T|} u(N∖T) for S ≠ ∅, I_or(∅) = u(∅)."""
    size = 1 << n
    full = size - 1
    m = np.zeros((size, size))
    m[0, 0] = 1.0
    for s in range(1, size):
        for t in range(size):
            if _bits(t) <= _bits(s):
                m[s, full & ~t] -= (-1.0) ** (len(_bits(s)) - len(_bits(t)))
    return m


@functools.lru_cache(maxsize=None)
def or_atom_matrix(n: int) -> np.ndarray:
    """A[T, S] = 1[S ∩ T ≠ ∅] for S ≠ ∅ (OR atoms), and column ∅ all ones (the constant)."""
    size = 1 << n
    a = np.zeros((size, size))
    a[:, 0] = 1.0
    for t in range(size):
        for s in range(1, size):
            if _bits(s) & _bits(t):
                a[t, s] = 1.0
    return a


def or_atoms_without_constant(n: int) -> np.ndarray:
    a = or_atom_matrix(n).copy()
    a[:, 0] = 0.0
    return a


def table_from_function(n: int, f) -> np.ndarray:
    """v(T) = f(x_T) for the all-ones input and zero baseline: x_T[i] = 1 iff i ∈ T."""
    return np.array([f([1.0 if t >> i & 1 else 0.0 for i in range(n)]) for t in range(1 << n)])


def brute_shapley(v: np.ndarray, n: int) -> np.ndarray:
    """Average marginal contribution over all n! orders."""
    phi = np.zeros(n)
    for order in itertools.permutations(range(n)):
        t = 0
        for i in order:
            phi[i] += v[t | 1 << i] - v[t]
            t |= 1 << i
    return phi / math.factorial(n)


def brute_banzhaf(v: np.ndarray, n: int) -> np.ndarray:
    """Average marginal contribution over the 2^{n−1} sets without i."""
    beta = np.zeros(n)
    for i in range(n):
        for t in range(1 << n):
            if not t >> i & 1:
                beta[i] += v[t | 1 << i] - v[t]
    return beta / 2 ** (n - 1)


# Each transform with the matrix that defines it; built lazily per n.
REFERENCES = {
    "subset_sum": (subset_sum, zeta_matrix),
    "and_values": (and_values, zeta_matrix),
    "mobius": (mobius, mobius_matrix),
    "and_interactions": (and_interactions, mobius_matrix),
    "superset_sum": (superset_sum, lambda n: zeta_matrix(n).T),
    "superset_mobius": (superset_mobius, lambda n: mobius_matrix(n).T),
    "or_interactions": (or_interactions, or_interaction_matrix),
    "or_values": (or_values, or_atom_matrix),
    "or_sum": (or_sum, or_atoms_without_constant),
    "or_sum_transpose": (or_sum_transpose, lambda n: or_atoms_without_constant(n).T),
    "reverse_masks": (reverse_masks, lambda n: np.eye(1 << n)[::-1]),
}
INVERSE_PAIRS = [
    (subset_sum, mobius),
    (and_values, and_interactions),
    (superset_sum, superset_mobius),
    (or_values, or_interactions),
    (reverse_masks, reverse_masks),
]

# --------------------------------------------------------------------------------------------
# Strategies

int_tables = st.integers(0, 8).flatmap(
    lambda n: arrays(np.float64, 1 << n, elements=st.integers(-1000, 1000).map(float))
)
float_tables = st.integers(0, 8).flatmap(
    lambda n: arrays(np.float64, 1 << n, elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False))
)


def rounding_tol(x: np.ndarray) -> float:
    """Worst-case rounding of a signed sum of ≤ 2^n entries, each summed in ≤ n butterfly steps."""
    n = n_from_length(x.shape[-1])
    return 4 * (n + 1) * np.finfo(np.float64).eps * (1 << n) * max(1.0, float(np.max(np.abs(x))))


# --------------------------------------------------------------------------------------------
# The test reference itself is consistent (otherwise the comparisons below prove nothing).


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
def test_reference_matrices_are_mutual_inverses(n):
    eye = np.eye(1 << n)
    np.testing.assert_array_equal(mobius_matrix(n) @ zeta_matrix(n), eye)
    np.testing.assert_array_equal(or_interaction_matrix(n) @ or_atom_matrix(n), eye)


# --------------------------------------------------------------------------------------------
# docs/theory.md §6 closed forms (baseline 0, input all ones unless stated), exactly.


def test_sum_of_products_x0x1_plus_x2():
    v = table_from_function(3, lambda x: x[0] * x[1] + x[2])
    expected = np.zeros(8)
    expected[0b011] = 1.0
    expected[0b100] = 1.0
    np.testing.assert_array_equal(and_interactions(v), expected)
    np.testing.assert_array_equal(shapley_values(and_interactions(v)), [0.5, 0.5, 1.0])
    np.testing.assert_array_equal(brute_shapley(v, 3), [0.5, 0.5, 1.0])


def test_product_with_nonzero_baseline():
    x = np.array([3.0, -2.0])
    b = np.array([0.5, 1.25])  # dyadic: every product below is exact

    def masked(t):
        return np.where([(t >> i) & 1 for i in range(2)], x, b)

    v = np.array([masked(t)[0] * masked(t)[1] for t in range(4)])
    i_and = and_interactions(v)
    assert i_and[0b00] == b[0] * b[1]
    assert i_and[0b01] == (x[0] - b[0]) * b[1]
    assert i_and[0b10] == b[0] * (x[1] - b[1])
    assert i_and[0b11] == (x[0] - b[0]) * (x[1] - b[1])


def test_max_is_one_or_term_and_three_and_terms():
    v = table_from_function(2, max)
    np.testing.assert_array_equal(and_interactions(v), [0.0, 1.0, 1.0, -1.0])
    np.testing.assert_array_equal(or_interactions(v), [0.0, 0.0, 0.0, 1.0])


def test_min_is_the_mirror_image_of_max():
    v = table_from_function(2, min)
    np.testing.assert_array_equal(and_interactions(v), [0.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(or_interactions(v), [0.0, 1.0, 1.0, -1.0])


@pytest.mark.parametrize("n", [3, 8])
def test_max_and_min_of_many_are_single_terms(n):
    or_expected = np.zeros(1 << n)
    or_expected[-1] = 1.0
    np.testing.assert_array_equal(or_interactions(table_from_function(n, max)), or_expected)
    np.testing.assert_array_equal(and_interactions(table_from_function(n, min)), or_expected)


def test_xor_of_two_bits():
    v = table_from_function(2, lambda x: float(int(x[0]) ^ int(x[1])))
    np.testing.assert_array_equal(and_interactions(v), [0.0, 1.0, 1.0, -2.0])


@pytest.mark.parametrize("n", [1, 2, 4, 8])
def test_dense_alternating_table(n):
    size = np.array([len(_bits(s)) for s in range(1 << n)])
    u = np.where(size > 0, (-1.0) ** (size + 1), 0.0)
    expected = np.where(size > 0, (-1.0) ** (size + 1) * (2.0**size - 1), 0.0)
    np.testing.assert_array_equal(and_interactions(u), expected)
    np.testing.assert_array_equal(and_interactions(torch.tensor(u)).numpy(), expected)


def test_three_and_terms_at_n6():
    v = table_from_function(6, lambda x: x[0] * x[2] + x[2] * x[3] * x[4] + x[3] * x[5])
    i_and = and_interactions(v)
    expected = np.zeros(64)
    for s in (0b000101, 0b011100, 0b101000):
        expected[s] = 1.0
    np.testing.assert_array_equal(i_and, expected)
    assert np.flatnonzero(i_and).tolist() == [0b000101, 0b011100, 0b101000]


@pytest.mark.parametrize("seed", range(4))
def test_and_plus_or_totals_equal_full_output_for_any_split(seed):
    rng = np.random.default_rng(seed)
    v = table_from_function(6, lambda x: x[0] * x[2] + x[2] * x[3] * x[4] + x[3] * x[5])
    gamma = rng.integers(-50, 50, size=64).astype(float)  # integers: every sum below is exact
    total = and_interactions(v / 2 + gamma).sum() + or_interactions(v / 2 - gamma).sum()
    assert total == v[-1]


# --------------------------------------------------------------------------------------------
# Every transform against its defining matrix.


@pytest.mark.parametrize("name", sorted(REFERENCES))
@given(x=int_tables)
def test_transform_equals_matrix_exactly_on_integer_tables(name, x):
    fn, matrix = REFERENCES[name]
    n = n_from_length(x.shape[0])
    out = fn(x)
    assert isinstance(out, np.ndarray) and out.shape == x.shape and out.dtype == np.float64
    np.testing.assert_array_equal(out, matrix(n) @ x)


@pytest.mark.parametrize("name", sorted(REFERENCES))
@given(x=float_tables)
def test_transform_equals_matrix_on_float_tables(name, x):
    fn, matrix = REFERENCES[name]
    n = n_from_length(x.shape[0])
    np.testing.assert_allclose(fn(x), matrix(n) @ x, rtol=0, atol=rounding_tol(x))


@pytest.mark.parametrize("forward, inverse", INVERSE_PAIRS, ids=lambda f: f.__name__)
@given(x=float_tables)
def test_inverse_pairs_round_trip(forward, inverse, x):
    tol = rounding_tol(x) * (1 << n_from_length(x.shape[0]))  # forward output may be 2^n times larger
    np.testing.assert_allclose(inverse(forward(x)), x, rtol=0, atol=tol)
    np.testing.assert_allclose(forward(inverse(x)), x, rtol=0, atol=tol)


def test_or_sum_ignores_the_empty_entry_and_transpose_is_zero_there():
    o = np.arange(1.0, 17.0)
    o2 = o.copy()
    o2[0] = -99.0
    np.testing.assert_array_equal(or_sum(o), or_sum(o2))
    assert or_sum_transpose(o)[0] == 0.0


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_inputs_are_not_modified(name, rng):
    fn, _ = REFERENCES[name]
    x = rng.normal(size=(2, 32))
    keep = x.copy()
    out = fn(x)
    np.testing.assert_array_equal(x, keep)
    t = torch.tensor(keep)
    fn(t)
    np.testing.assert_array_equal(t.numpy(), keep)
    if name != "reverse_masks":  # documented as a view-like reindexing
        assert not np.shares_memory(out, x)


# --------------------------------------------------------------------------------------------
# torch vs numpy, batched vs one by one, dtypes and layouts.


@pytest.mark.parametrize("name", sorted(REFERENCES))
@given(x=float_tables)
def test_torch_agrees_with_numpy(name, x):
    fn, _ = REFERENCES[name]
    out_np = fn(x)
    out_t = fn(torch.tensor(x))
    assert isinstance(out_t, torch.Tensor) and out_t.dtype == torch.float64 and out_t.device.type == "cpu"
    # Same additions in the same order: bit-for-bit equal.
    np.testing.assert_array_equal(out_t.numpy(), out_np)


@pytest.mark.parametrize("name", sorted(REFERENCES))
@given(n=st.integers(0, 6), lead=st.sampled_from([(1,), (3,), (2, 3)]), use_torch=st.booleans())
def test_batched_equals_one_by_one(name, n, lead, use_torch):
    fn, _ = REFERENCES[name]
    x = np.random.default_rng(n).normal(size=lead + (1 << n,))
    flat = x.reshape(-1, 1 << n)
    if use_torch:
        out = fn(torch.tensor(x)).numpy()
        rows = [fn(torch.tensor(r)).numpy() for r in flat]
    else:
        out = fn(x)
        rows = [fn(r) for r in flat]
    assert out.shape == x.shape
    np.testing.assert_array_equal(out.reshape(-1, 1 << n), np.stack(rows))


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_non_contiguous_inputs(name, rng):
    fn, _ = REFERENCES[name]
    base = rng.normal(size=(16, 3))
    x = base.T  # Fortran-ordered view
    np.testing.assert_array_equal(fn(x), fn(np.ascontiguousarray(x)))
    t = torch.tensor(base).T
    np.testing.assert_array_equal(fn(t).numpy(), fn(t.contiguous()).numpy())
    strided = rng.normal(size=32)[::2]
    np.testing.assert_array_equal(fn(strided), fn(strided.copy()))


def test_float32_stays_float32_and_integers_become_float64():
    x32 = np.arange(8, dtype=np.float32)
    assert and_interactions(x32).dtype == np.float32
    assert or_interactions(torch.arange(8, dtype=torch.float32)).dtype == torch.float32
    assert and_interactions(np.arange(8)).dtype == np.float64
    assert or_interactions(torch.arange(8)).dtype == torch.float64
    np.testing.assert_array_equal(and_interactions(np.arange(8)), mobius_matrix(3) @ np.arange(8.0))


# --------------------------------------------------------------------------------------------
# Universal matching (docs/theory.md §2) for an arbitrary AND/OR split.


@given(
    n=st.integers(0, 7),
    data=st.data(),
)
def test_universal_matching_for_any_split(n, data):
    size = 1 << n
    ints = st.integers(-1000, 1000).map(float)
    v = data.draw(arrays(np.float64, size, elements=ints))
    gamma = data.draw(arrays(np.float64, size, elements=ints))
    v_and, v_or = v / 2 + gamma, v / 2 - gamma  # half-integers: all sums below are exact
    i_and, i_or = and_interactions(v_and), or_interactions(v_or)
    assert i_or[0] == v_or[0]
    for t in range(size):
        fired_and = sum(i_and[s] for s in range(1, size) if s & t == s)
        fired_or = sum(i_or[s] for s in range(1, size) if s & t)
        assert v[0] + fired_and + fired_or == v[t], t
    assert i_and.sum() + i_or.sum() == v[-1]


# --------------------------------------------------------------------------------------------
# Attributions


@given(v=st.integers(0, 5).flatmap(lambda n: arrays(np.float64, 1 << n, elements=st.floats(-100, 100))))
def test_shapley_equals_permutation_shapley_and_is_efficient(v):
    n = n_from_length(v.shape[0])
    if n == 0:
        return
    phi = shapley_values(and_interactions(v))
    assert phi.shape == (n,)
    np.testing.assert_allclose(phi, brute_shapley(v, n), rtol=0, atol=1e-11)
    np.testing.assert_allclose(phi.sum(), v[-1] - v[0], rtol=0, atol=1e-11)


@given(v=st.integers(1, 8).flatmap(lambda n: arrays(np.float64, 1 << n, elements=st.floats(-100, 100))))
def test_banzhaf_equals_brute_force(v):
    n = n_from_length(v.shape[0])
    np.testing.assert_allclose(banzhaf_values(and_interactions(v)), brute_banzhaf(v, n), rtol=0, atol=1e-10)


@pytest.mark.parametrize("fn", [shapley_values, banzhaf_values])
def test_attributions_batched_and_torch(fn, rng):
    v = rng.normal(size=(2, 3, 32))
    i_and = and_interactions(v)
    out = fn(i_and)
    assert out.shape == (2, 3, 5)
    for idx in np.ndindex(2, 3):
        np.testing.assert_array_equal(out[idx], fn(i_and[idx]))
    out_t = fn(torch.tensor(i_and))
    assert isinstance(out_t, torch.Tensor) and out_t.shape == (2, 3, 5)
    np.testing.assert_allclose(out_t.numpy(), out, rtol=0, atol=1e-13)


def test_shapley_differs_from_banzhaf_on_interactions_of_order_three():
    # Guard against one being computed as the other: they agree up to order 2 only.
    v = table_from_function(3, lambda x: x[0] * x[1] * x[2])
    np.testing.assert_allclose(shapley_values(and_interactions(v)), [1 / 3] * 3, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(banzhaf_values(and_interactions(v)), [0.25] * 3)


# --------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize("length", [0, 3, 6, 12, 1000, (1 << 20) + 1])
def test_length_not_a_power_of_two(length):
    with pytest.raises(InputError, match=f"length {length}"):
        n_from_length(length)


@pytest.mark.parametrize("name", sorted(set(REFERENCES) - {"reverse_masks"}))
@pytest.mark.parametrize("use_torch", [False, True])
def test_transforms_refuse_bad_lengths(name, use_torch):
    fn, _ = REFERENCES[name]
    x = np.zeros((2, 6))
    with pytest.raises(InputError, match="length 6"):
        fn(torch.tensor(x) if use_torch else x)


def test_power_of_two_lengths_give_n():
    assert [n_from_length(1 << n) for n in range(25)] == list(range(25))


def test_transforms_refuse_object_and_scalar_tables():
    with pytest.raises(InputError, match="numbers"):
        and_interactions(np.array([1, "a"], dtype=object))
    with pytest.raises(InputError, match="one-dimensional"):
        and_interactions(np.float64(1.0))
