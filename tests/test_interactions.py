"""The interaction-index registry (symlogic/interactions.py) against brute force from the definitions.

The references below are written from docs/theory.md §2 (AND by inclusion–exclusion, OR per §2.2,
Shapley by permutations and by subset weights, Banzhaf as an average of marginal contributions)
and share no code with symlogic.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import symlogic as sl
from symlogic.attribution import banzhaf_values, shapley_values
from symlogic.errors import InputError
from symlogic.interactions import INDICES, PLANNED_INDICES, Interactions, interactions, register_index

si = importlib.import_module("symlogic.interactions")  # the package attribute is the function

# --------------------------------------------------------------------------------------------
# Brute-force references (docs/theory.md §2)


def subsets(mask):
    """Every T ⊆ mask."""
    bits = [i for i in range(mask.bit_length()) if mask >> i & 1]
    for r in range(len(bits) + 1):
        for chosen in itertools.combinations(bits, r):
            yield sum(1 << i for i in chosen)


def size(mask):
    return bin(mask).count("1")


def bf_and(v, n):
    """I_and(S) = Σ_{T⊆S} (−1)^{|S|−|T|} v(T) (§2.1)."""
    return np.array([sum((-1) ** (size(s) - size(t)) * v[t] for t in subsets(s)) for s in range(1 << n)])


def bf_or(v, n):
    """I_or(S) = −Σ_{T⊆S} (−1)^{|S|−|T|} v(N∖T) for S ≠ ∅, I_or(∅) = v(∅) (§2.2)."""
    full = (1 << n) - 1
    out = [-sum((-1) ** (size(s) - size(t)) * v[full ^ t] for t in subsets(s)) for s in range(1 << n)]
    out[0] = v[0]
    return np.array(out)


def bf_shapley_permutations(v, n):
    """Average over the n! orders of i's marginal contribution when it joins."""
    phi = np.zeros(n)
    for perm in itertools.permutations(range(n)):
        t = 0
        for i in perm:
            phi[i] += v[t | 1 << i] - v[t]
            t |= 1 << i
    return phi / math.factorial(n)


def bf_shapley_weights(v, n):
    """φ(i) = Σ_{T∌i} |T|!(n−|T|−1)!/n! (v(T∪i) − v(T))."""
    phi = np.zeros(n)
    for i in range(n):
        for t in range(1 << n):
            if not t >> i & 1:
                w = math.factorial(size(t)) * math.factorial(n - size(t) - 1) / math.factorial(n)
                phi[i] += w * (v[t | 1 << i] - v[t])
    return phi


def bf_banzhaf(v, n):
    """β(i) = mean over T∌i of v(T∪i) − v(T)."""
    return np.array([np.mean([v[t | 1 << i] - v[t] for t in range(1 << n) if not t >> i & 1]) for i in range(n)])


def table(n, f):
    """v(T) = f(x) with x_i = 1 if i ∈ T else 0."""
    return np.array([f([(t >> i) & 1 for i in range(n)]) for t in range(1 << n)], dtype=np.float64)


REFERENCES = {
    "AND": bf_and,
    "OR": bf_or,
    "Shapley": bf_shapley_weights,
    "Banzhaf": bf_banzhaf,
}

tables = st.integers(0, 6).flatmap(
    lambda n: arrays(np.float64, 1 << n, elements=st.floats(-100, 100, allow_subnormal=False)))


# --------------------------------------------------------------------------------------------
# Each index against its definition


def test_builtin_indices_are_registered_with_their_kinds():
    assert list(INDICES)[:4] == ["AND", "OR", "Shapley", "Banzhaf"]
    assert [INDICES[k].kind for k in REFERENCES] == ["set", "set", "variable", "variable"]
    for spec in INDICES.values():
        assert spec.description and "docs/theory.md §2" in spec.reference


@given(v=tables)
def test_every_index_equals_brute_force(v):
    n = v.shape[0].bit_length() - 1
    for name, reference in REFERENCES.items():
        got = interactions(v, name)
        assert got.index == name and got.n == n
        assert got.values.shape == ((n,) if INDICES[name].kind == "variable" else (1 << n,))
        np.testing.assert_allclose(got.values, reference(v, n), rtol=0, atol=1e-9, err_msg=name)
    if 0 < n <= 5:
        np.testing.assert_allclose(interactions(v, "Shapley").values, bf_shapley_permutations(v, n), rtol=0, atol=1e-9)


@given(v=tables)
def test_identities_efficiency_and_universal_matching(v):
    n = v.shape[0].bit_length() - 1
    i_and, i_or = interactions(v, "AND").as_dict(), interactions(v, "OR").as_dict()
    for t in range(1 << n):
        present = {i for i in range(n) if t >> i & 1}
        np.testing.assert_allclose(sum(c for s, c in i_and.items() if set(s) <= present), v[t], rtol=0, atol=1e-9)
        np.testing.assert_allclose(v[0] + sum(c for s, c in i_or.items() if set(s) & present), v[t],
                                   rtol=0, atol=1e-9)
    np.testing.assert_allclose(interactions(v, "Shapley").values.sum(), v[-1] - v[0], rtol=0, atol=1e-9)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_closed_form_and_of_everything(n):
    v = table(n, math.prod)  # v(T) = Π x_i: 1 on N only
    full = (1 << n) - 1
    assert interactions(v, "AND").as_dict() == {tuple(range(n)): 1.0}
    assert interactions(v, "and")[tuple(f"x{i}" for i in reversed(range(n)))] == 1.0
    np.testing.assert_allclose(interactions(v, "Shapley").values, np.full(n, 1 / n), rtol=0, atol=1e-15)
    assert interactions(v, "Banzhaf").values.tolist() == [2.0 ** (1 - n)] * n
    # OR view: I_or(S) = −(−1)^{|S|} for S ≠ ∅ (the AND of all is Σ_{S≠∅} (−1)^{|S|+1} OR_S)
    expected_or = {tuple(i for i in range(n) if s >> i & 1): float((-1) ** (size(s) + 1)) for s in range(1, full + 1)}
    assert interactions(v, "OR").as_dict() == expected_or


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_closed_form_or_of_everything(n):
    v = table(n, lambda x: float(any(x)))
    assert interactions(v, "OR").as_dict() == {tuple(range(n)): 1.0}
    assert interactions(v, "AND").as_dict() == {
        tuple(i for i in range(n) if s >> i & 1): float((-1) ** (size(s) + 1)) for s in range(1, 1 << n)}
    np.testing.assert_allclose(interactions(v, "Shapley").values, np.full(n, 1 / n), rtol=0, atol=1e-15)
    assert interactions(v, "Banzhaf").values.tolist() == [2.0 ** (1 - n)] * n


def test_closed_form_weighted_product():
    a = [3.0, -1.0, 0.5, 2.0]
    v = table(4, lambda x: math.prod(ai if xi else 1.0 for ai, xi in zip(a, x)))  # Π_{i∈T} a_i
    expected = [math.prod(ai - 1 for i, ai in enumerate(a) if s >> i & 1) for s in range(16)]
    assert interactions(v, "AND").values.tolist() == expected


def test_closed_form_sum_has_only_singletons():
    w = [1.5, -2.0, 0.25, 4.0]
    v = 7.0 + table(4, lambda x: sum(wi * xi for wi, xi in zip(w, x)))
    assert interactions(v, "AND").as_dict() == {(): 7.0, (0,): 1.5, (1,): -2.0, (2,): 0.25, (3,): 4.0}
    assert interactions(v, "OR").as_dict() == {(): 7.0, (0,): 1.5, (1,): -2.0, (2,): 0.25, (3,): 4.0}
    assert interactions(v, "Shapley").values.tolist() == w
    assert interactions(v, "Banzhaf").values.tolist() == w


def test_attribution_functions_are_the_registry_entries():
    v = np.random.default_rng(3).normal(size=(3, 64))
    dividends = sl.and_interactions(v)
    for name, fn in (("Shapley", shapley_values), ("Banzhaf", banzhaf_values)):
        assert INDICES[name].compute is fn
        assert np.array_equal(interactions(v, name).values, fn(dividends))
        assert interactions(v[1], name) == interactions(v, name).at(1)


# --------------------------------------------------------------------------------------------
# Inputs: records, tables, torch, batches, order


def test_record_table_list_and_torch_inputs_agree():
    v = np.random.default_rng(0).normal(size=8)
    rec = sl.Record.from_table(v, names=["a", "b", "c"])
    for name in REFERENCES:
        want = interactions(v, name, names=["a", "b", "c"])
        assert interactions(rec, name) == want
        assert interactions(rec, name, names=("a", "b", "c")) == want
        assert interactions(v.tolist(), name, names="abc") == want
        assert interactions(torch.tensor(v), name, names="abc") == want
        assert interactions(torch.tensor(v, dtype=torch.float32), name).values.dtype == np.float64
    assert interactions(rec).names == ("a", "b", "c")
    assert interactions(v).names == ("x0", "x1", "x2")
    assert interactions(np.array([True, False, False, True])).values.tolist() == [1.0, -1.0, -1.0, 2.0]
    with pytest.raises(InputError, match="differ from the record's"):
        interactions(rec, names=["p", "q", "r"])


def test_inputs_are_not_modified_and_results_are_read_only():
    v = np.arange(8, dtype=np.float64)
    keep = v.copy()
    for name in REFERENCES:
        out = interactions(v, name)
        assert not out.values.flags.writeable
        with pytest.raises(ValueError):
            out.values[0] = 1.0
    assert np.array_equal(v, keep) and v.flags.writeable


def test_batched_tables():
    v = np.random.default_rng(1).normal(size=(2, 3, 16))
    for name in REFERENCES:
        out = interactions(v, name)
        assert out.batch_shape == (2, 3)
        for idx in np.ndindex(2, 3):
            assert out.at(*idx) == interactions(v[idx], name)
        assert out["x0"].shape == (2, 3)
        with pytest.raises(InputError, match=r"batch of shape \(2, 3\); pick one with .at"):
            out.as_dict()
        with pytest.raises(InputError, match="batch"):
            out.top(3)
    with pytest.raises(InputError, match="out of range"):
        interactions(v).at(5)
    assert Interactions.from_dict(json.loads(json.dumps(interactions(v).to_dict()))) == interactions(v)


def test_order_truncates_per_set_indices_and_is_one_for_per_variable_ones():
    v = np.random.default_rng(2).normal(size=32)
    full = interactions(v, "AND")
    for k in range(6):
        cut = interactions(v, "AND", order=k)
        assert cut.order == k
        assert cut.as_dict(include_zeros=True) == {s: c for s, c in full.as_dict(include_zeros=True).items()
                                                   if len(s) <= k}
    assert interactions(v, "OR", order=1).as_dict().keys() == {(), (0,), (1,), (2,), (3,), (4,)}
    assert interactions(v, "Shapley").order == 1 and interactions(v, "Shapley", order=1).order == 1
    with pytest.raises(InputError, match="per-variable index"):
        interactions(v, "Banzhaf", order=2)
    for bad in (-1, 1.5, True, "2"):
        with pytest.raises(InputError, match="order must be"):
            interactions(v, "AND", order=bad)


def test_bad_tables_are_refused():
    with pytest.raises(InputError, match="length 2\\^n"):
        interactions(np.zeros(6))
    with pytest.raises(InputError, match="NaN or infinite"):
        interactions([0.0, np.nan])
    with pytest.raises(InputError, match="complex"):
        interactions(np.zeros(4, dtype=complex))
    with pytest.raises(InputError, match="complex"):
        interactions(torch.zeros(4, dtype=torch.complex64))
    with pytest.raises(InputError, match="not real numbers"):
        interactions(["a", "b"])
    with pytest.raises(InputError, match=r"not an Interactions result \(AND\); pass the record"):
        interactions(interactions(np.zeros(4)), "Shapley")
    for name in REFERENCES:  # finite table, overflowing dividends: refused with the fix, never ±inf
        with pytest.raises(InputError, match="overflow float64.*rescale"):
            interactions([0.0, -1e308, -1e308, 1e308], name)


# --------------------------------------------------------------------------------------------
# The result type


def test_lookup_by_names_as_dict_and_top():
    I = Interactions("AND", [5.0, 0.0, 2.0, -2.0, 1.0, 0.0, 0.0, 3.0], ("a", "b", "c"))
    assert I["b"] == 2.0 and I[("a", "b")] == I[("b", "a")] == I[["b", "a"]] == -2.0 and I[()] == 5.0
    assert I.as_dict() == {(): 5.0, (1,): 2.0, (2,): 1.0, (0, 1): -2.0, (0, 1, 2): 3.0}
    assert list(I.as_dict()) == [(), (1,), (2,), (0, 1), (0, 1, 2)]
    assert list(I.as_dict(include_zeros=True)) == [(), (0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2)]
    assert I.as_dict(by_name=True)[("a", "b", "c")] == 3.0
    # ties (|2| = |−2|) go in as_dict order; ∅ only when asked
    assert I.top(3) == [(("a", "b", "c"), 3.0), (("b",), 2.0), (("a", "b"), -2.0)]
    assert I.top(1, include_empty=True) == [((), 5.0)]
    assert I.top(100) == I.top(4) and I.top(0) == []
    for bad in (-1, 1.5, True):
        with pytest.raises(InputError, match="non-negative integer"):
            I.top(bad)
    with pytest.raises(InputError, match="unknown variable 'd'"):
        I["d"]
    with pytest.raises(InputError, match="did you mean 'b'"):
        I["bb"]
    with pytest.raises(InputError, match="repeat"):
        I["a", "a"]
    with pytest.raises(InputError, match="by variable names"):
        I[3]
    phi = Interactions("Shapley", [0.5, -1.0, 0.0], ("a", "b", "c"))
    assert phi.per_variable and phi.order == 1 and phi["b"] == -1.0
    assert phi.as_dict() == {(0,): 0.5, (1,): -1.0}
    assert phi.as_dict(include_zeros=True, by_name=True) == {("a",): 0.5, ("b",): -1.0, ("c",): 0.0}
    assert phi.top(5) == [(("b",), -1.0), (("a",), 0.5)]
    with pytest.raises(InputError, match="per-variable index"):
        phi["a", "b"]


def test_top_breaks_many_ties_exactly():
    v = Interactions("X", np.r_[0.0, np.ones(63)], tuple("abcdef"))
    assert [s for s, _ in v.top(8)] == [tuple(x) for x in
                                        ("a", "b", "c", "d", "e", "f", "ab", "ac")]


@given(n=st.integers(0, 6), data=st.data(), per_variable=st.booleans())
def test_as_dict_and_top_order_against_a_plain_sort(n, data, per_variable):
    width = n if per_variable else 1 << n
    values = data.draw(arrays(np.float64, width, elements=st.sampled_from([0.0, 1.0, -1.0, 2.0, -0.5])))
    names = tuple(f"v{i}" for i in range(n))
    I = Interactions("X", values, names)
    masks = [1 << p for p in range(width)] if per_variable else list(range(width))
    entries = [(tuple(i for i in range(n) if m >> i & 1), float(values[p])) for p, m in enumerate(masks)]
    entries.sort(key=lambda e: (len(e[0]), e[0]))
    assert list(I.as_dict(include_zeros=True).items()) == entries
    assert list(I.as_dict().items()) == [e for e in entries if e[1] != 0]
    ranked = sorted((e for e in entries if e[1] != 0 and e[0]), key=lambda e: -abs(e[1]))  # stable: ties keep order
    k = data.draw(st.integers(0, width + 1))
    assert I.top(k) == [(tuple(names[i] for i in s), c) for s, c in ranked[:k]]


def test_interactions_validates_its_fields():
    with pytest.raises(InputError, match=r"2\^2 = 4 entries .* or 2"):
        Interactions("AND", np.zeros(3), ("a", "b"))
    with pytest.raises(InputError, match="per-variable index"):
        Interactions("Shapley", np.zeros(4), ("a", "b"))
    with pytest.raises(InputError, match="per-set index"):
        Interactions("AND", np.zeros(2), ("a", "b"))
    with pytest.raises(InputError, match="NaN or infinite"):
        Interactions("AND", [0.0, np.inf], ("a",))
    with pytest.raises(InputError, match="distinct"):
        Interactions("AND", np.zeros(4), ("a", "a"))
    with pytest.raises(InputError, match="sequence of variable names"):
        Interactions("AND", np.zeros(4), "ab")
    with pytest.raises(InputError, match="non-empty string"):
        Interactions("", np.zeros(2), ("a",))
    with pytest.raises(InputError, match="must be 0 on every set of more than 1"):
        Interactions("AND", [0.0, 1.0, 1.0, 1.0], ("a", "b"), order=1)
    assert Interactions("AND", [0.0, 1.0, 1.0, 0.0], ("a", "b"), order=1).order == 1
    assert Interactions("Custom", [0.0, 1.0], ("a", "b")).per_variable  # unregistered: kind from the length
    a = Interactions("AND", np.array([0.0, 1.0]), ("a",))
    assert a == Interactions("AND", [-0.0, 1.0], ("a",)) and hash(a) == hash(Interactions("AND", [-0.0, 1.0], ("a",)))
    assert a != Interactions("OR", [0.0, 1.0], ("a",)) and a != Interactions("AND", [0.0, 1.0], ("b",))


finite = st.floats(allow_nan=False, allow_infinity=False)


@given(n=st.integers(0, 4), data=st.data(), per_variable=st.booleans(), batch=st.sampled_from([(), (2,), (1, 3)]))
def test_to_dict_from_dict_round_trip_is_bit_exact_through_json(n, data, per_variable, batch):
    width = n if per_variable else 1 << n
    values = data.draw(arrays(np.float64, batch + (width,), elements=finite))
    I = Interactions("Shapley" if per_variable else "OR", values, tuple(f"v{i}" for i in range(n)))
    back = Interactions.from_dict(json.loads(json.dumps(I.to_dict())))
    assert back == I
    assert back.values.tobytes() == I.values.tobytes()  # −0.0, subnormals and 1e308 included
    assert back.values.shape == I.values.shape


def test_to_dict_keeps_order_and_from_dict_refuses_malformed_input():
    I = interactions(np.arange(8.0), "AND", order=2, names="abc")
    d = I.to_dict()
    assert d["format"] == "symlogic.interactions" and d["version"] == 1 and d["order"] == 2
    assert Interactions.from_dict(d) == I
    bad = [
        ([], "JSON object"),
        ({**d, "format": "other"}, "not an Interactions dict"),
        ({**d, "version": 2}, "version 2 is unknown"),
        ({k: v for k, v in d.items() if k != "values_hex"}, "lacks"),
        ({**d, "names": "abc"}, "'names' must be a list"),
        ({**d, "shape": [4]}, "must be a list of 4 hex floats"),
        ({**d, "shape": [-8]}, "non-negative integers"),
        ({**d, "values_hex": d["values_hex"][:-1]}, "list of 8 hex floats"),
        ({**d, "values_hex": [1.0] * 8}, r"values_hex\[0\] must be a hex float"),
        ({**d, "values_hex": ["zz"] * 8}, "is not a hex float"),
        ({**d, "values_hex": ["inf"] * 8}, "NaN or infinite"),
        ({**d, "order": "2"}, "order must be"),
        ({**d, "order": 0}, "must be 0 on every set"),
        ({**d, "index": 3}, "non-empty string"),
    ]
    for data, message in bad:
        with pytest.raises(InputError, match=message):
            Interactions.from_dict(data)


# --------------------------------------------------------------------------------------------
# The registry


def test_names_are_matched_loosely_and_unknown_ones_get_the_closest_match():
    v = np.arange(4.0)
    for alias, name in (("and", "AND"), ("Möbius", "AND"), ("moebius", "AND"), ("harsanyi", "AND"),
                        ("Or", "OR"), ("shapley", "Shapley"), ("SV", "Shapley"), ("b-v", "Banzhaf")):
        assert interactions(v, alias).index == name
    with pytest.raises(InputError, match=r"unknown interaction index 'Shaply'; did you mean 'Shapley'\? "
                                         r"Known indices: AND \(also .*\); OR; Shapley .*; Banzhaf"):
        interactions(v, "Shaply")
    with pytest.raises(InputError, match="did you mean 'Banzhaf'"):
        interactions(v, "banzaf")
    with pytest.raises(InputError, match=r"unknown interaction index 'entropy'\. Known indices") as exc:
        interactions(v, "entropy")
    assert "register_index" in str(exc.value) and "Planned" not in str(exc.value)
    with pytest.raises(InputError, match="named by a string"):
        interactions(v, 3)


@pytest.mark.parametrize("name", ["SII", "BII", "k-SII", "STII", "FSII", "FBII", "Co-Möbius"])
def test_the_once_planned_peer_indices_are_registered(name):
    assert name in INDICES and name not in PLANNED_INDICES
    for spelled in (name, name.lower(), name.replace("-", "")):
        assert interactions(np.arange(8.0), spelled, order=2 if INDICES[name].uses_order else None).index == name


@pytest.fixture
def scratch():
    """Names registered by a test, removed afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        if name in INDICES:
            si.unregister_index(name)


def test_a_registered_index_works_end_to_end(scratch):
    # A per-set index from the dividends with an order: the AND interactions summed up to order k,
    # everything above folded into the order-k sets that it contains (a toy "k-SII-like" index).
    def folded(dividends, order):
        n = dividends.shape[-1].bit_length() - 1
        k = n if order is None else order
        out = np.zeros_like(dividends)
        for s in range(1 << n):
            if size(s) <= k:
                out[..., s] += dividends[..., s]
            else:
                subs = [t for t in subsets(s) if size(t) == k]
                for t in subs:
                    out[..., t] += dividends[..., s] / len(subs)
        return out

    spec = register_index("Folded", folded, kind="set", source="mobius", uses_order=True, aliases=("fold",),
                          description="AND dividends folded to order k", reference="test")
    scratch.append("Folded")
    assert INDICES["Folded"] is spec and spec.source == "mobius" and spec.uses_order

    @register_index("Leave-one-out", kind="variable", description="v(N) − v(N∖{i})")
    def occlusion(v):
        n = v.shape[-1].bit_length() - 1
        return v[..., -1:] - v[..., [(1 << n) - 1 - (1 << i) for i in range(n)]]

    scratch.append("Leave-one-out")
    assert callable(occlusion) and INDICES["Leave-one-out"].compute is occlusion

    v = np.random.default_rng(5).normal(size=16)
    rec = sl.Record.from_table(v, names="pqrs")
    out = interactions(rec, "fold", order=2)
    assert out.index == "Folded" and out.order == 2 and out.names == tuple("pqrs")
    np.testing.assert_allclose(out.values.sum(), v[-1], rtol=0, atol=1e-12)  # folding keeps the total
    assert max(map(len, out.as_dict())) == 2
    np.testing.assert_allclose(interactions(rec, "fold").values, bf_and(v, 4), rtol=0, atol=1e-12)
    loo = interactions(rec, "leave one out")
    np.testing.assert_allclose(loo.values, [v[15] - v[15 ^ (1 << i)] for i in range(4)], rtol=0, atol=0)
    assert Interactions.from_dict(loo.to_dict()) == loo
    assert interactions(np.stack([v, v]), "Leave-one-out").at(1) == interactions(v, "Leave-one-out")


def test_register_index_refuses_bad_entries(scratch):
    def ident(x):
        return x

    with pytest.raises(InputError, match=r"'and' already names the index 'AND' .*register_index\('AND', \.\.\., replace=True\)"):
        register_index("and", ident, kind="set", description="x")
    with pytest.raises(InputError, match="'Harsanyi' already names the index 'AND'"):
        register_index("Mine", ident, kind="set", description="x", aliases=("Harsanyi",))
    with pytest.raises(InputError, match="kind must be"):
        register_index("Mine", ident, kind="pair", description="x")
    with pytest.raises(InputError, match="source must be one of"):
        register_index("Mine", ident, kind="set", source="fourier", description="x")
    with pytest.raises(InputError, match="describe the index"):
        register_index("Mine", ident, kind="set", description=" ")
    with pytest.raises(InputError, match="compute must be a function"):
        register_index("Mine", 3, kind="set", description="x")
    with pytest.raises(InputError, match="at least one letter"):
        register_index("--", ident, kind="set", description="x")
    with pytest.raises(InputError, match="repeat one another"):
        register_index("Mine", ident, kind="set", description="x", aliases=("mine",))
    with pytest.raises(InputError, match="built in and cannot be removed"):
        si.unregister_index("Shapley")
    assert "Mine" not in INDICES

    register_index("Mine", ident, kind="set", description="the table itself")
    scratch.append("Mine")
    with pytest.raises(InputError, match="'Mine' is registered already; pass replace=True"):
        register_index("Mine", ident, kind="set", description="again")
    spec = register_index("Mine", lambda x: 2 * x, kind="set", description="twice", replace=True)
    assert INDICES["Mine"] is spec and interactions([1.0, 2.0], "mine").values.tolist() == [2.0, 4.0]

    register_index("WrongShape", lambda x: x[..., :1], kind="set", description="broken")
    scratch.append("WrongShape")
    with pytest.raises(InputError, match=r"index 'WrongShape' returned shape \(1,\), expected \(4,\)"):
        interactions(np.zeros(4), "WrongShape")
    register_index("Infinite", lambda x: x / 0.0, kind="set", description="broken")
    scratch.append("Infinite")
    with pytest.raises(InputError, match="Infinite values hold"):
        with np.errstate(divide="ignore", invalid="ignore"):
            interactions(np.ones(4), "Infinite")
    register_index("Mutating", lambda x: x.__setitem__(0, 1.0), kind="set", description="writes its input")
    scratch.append("Mutating")
    with pytest.raises(ValueError, match="read-only"):
        interactions(np.zeros(4), "Mutating")


def test_registry_tables_are_read_only():
    with pytest.raises(TypeError):
        INDICES["X"] = INDICES["AND"]
    with pytest.raises(TypeError):
        si.SOURCES["x"] = abs


# --------------------------------------------------------------------------------------------
# Documentation and imports


def test_doctests_pass():
    for module in (si, sl.attribution):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        assert result.attempted > 0 and result.failed == 0, module.__name__


@pytest.mark.parametrize("path", ["symlogic/interactions.py", "symlogic/attribution.py"])
def test_torch_is_not_imported_at_module_level(path):
    tree = ast.parse((Path(__file__).resolve().parents[1] / path).read_text(encoding="utf-8"))
    for node in tree.body:  # top-level statements only; imports inside functions are lazy
        if isinstance(node, ast.Import):
            assert all(alias.name.split(".")[0] != "torch" for alias in node.names), path
        if isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] != "torch", path
