"""Exact attribution of change (symlogic.generalization.change; docs/theory.md §3.8).

Exactness is checked in rational arithmetic against Fraction(v_b[T]) − Fraction(v_a[T]) on every
mask; on integer tables with unique optima it also holds in float64, bit for bit.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symlogic as sl
from symlogic.errors import InputError
from symlogic.generalization import ChangeAttribution, attribute_change, extract_joint
from symlogic.generalization.change import exact_split_values
from symlogic.record import Record

from .reference import table


def test_closed_form_gained_lost_kept_and_drivers() -> None:
    # before: 2·x0x1 + OR(x2, x3); after: 2·x0x1 + 3·x1x2x3, the OR term gone
    before = sl.extract(table(4, lambda x: 2 * x[0] * x[1] + max(x[2], x[3])), q_bound=0.0)
    after = sl.extract(table(4, lambda x: 2 * x[0] * x[1] + 3 * x[1] * x[2] * x[3]), q_bound=0.0)
    ch = attribute_change(before, after)
    assert [c.key for c in ch.gained] == [("and", 0b1110)]
    assert [c.key for c in ch.lost] == [("or", 0b1100)]
    assert [c.key for c in ch.kept] == [("and", 0b0011)]
    assert ch.full_change == 2.0  # v(N): 3 → 5
    (top, share), (second, share2) = ch.drivers(2)
    assert top.key == ("and", 0b1110) and share == 1.5     # +3 of +2
    assert ch.drivers()[-1][0].key == ("or", 0b1100)       # −1 held the change back
    assert sum(s for _, s in ch.drivers()) == pytest.approx(1.0)
    # contributions on one mask: {x2, x3} present, x1 absent: only the OR term fires, and it is lost
    contrib = ch.contribution("or", 0b1100)
    assert contrib[0b1100] == -1.0 and contrib[0] == 0.0
    assert ch.contribution("and", 0b1110)[0b1100] == 0.0
    # integer tables with unique optima: exact in float64 too
    np.testing.assert_array_equal(ch.reconstruct(exact=False), ch.delta_v)
    assert ch.reconstruct() == [Fraction(int(d)) for d in ch.delta_v]
    assert "1 gained, 1 lost, 1 kept" in ch.summary()


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 4), q_bound=st.sampled_from([0.0, 0.04, 0.3]), seed=st.integers(0, 2**31 - 1),
       scale=st.sampled_from([1e-3, 1.0, 1e4]))
def test_reconstruction_is_exact_on_every_mask(n: int, q_bound: float, seed: int, scale: float) -> None:
    rng = np.random.default_rng(seed)
    va, vb = rng.normal(size=(2, 1 << n)) * scale
    ch = attribute_change(sl.extract(va, q_bound=q_bound), sl.extract(vb, q_bound=q_bound))
    exact = ch.reconstruct()
    assert exact == [Fraction(b) - Fraction(a) for a, b in zip(va.tolist(), vb.tolist())]
    masks = rng.integers(0, 1 << n, size=3)
    assert ch.reconstruct(masks) == [exact[t] for t in masks.tolist()]
    # float64: equal up to rounding; the noise term is within the two boxes
    approx = ch.reconstruct(exact=False)
    np.testing.assert_allclose(approx, ch.delta_v, rtol=0, atol=1e-9 * scale * (1 << n))
    za, zb = ch.before.zeta, ch.after.zeta
    assert np.max(np.abs(ch.noise)) <= za + zb + 1e-12 * scale
    # each atom's contribution, summed over atoms, plus the noise term is Δv (float check)
    total = sum(ch.contribution(c.kind, c.mask) for c in ch.changes(include_constant=True)) + ch.noise
    np.testing.assert_allclose(total, ch.delta_v, rtol=0, atol=1e-9 * scale * (1 << n))


def test_exact_split_values_match_the_float_butterflies_on_dyadic_data() -> None:
    rng = np.random.default_rng(0)
    a = np.round(rng.normal(size=32) * 8) / 8
    o = np.round(rng.normal(size=32) * 8) / 8
    ints = exact_split_values(a, o, -3)
    np.testing.assert_array_equal(np.array([float(x) / 8 for x in ints]), sl.subset_sum(a) + sl.or_sum(o))


def test_members_of_a_joint_extraction_and_round_trip() -> None:
    v0 = table(3, lambda x: x[0] + x[1])
    v1 = table(3, lambda x: max(x[0], x[1]) + 3 * x[2])
    jx = extract_joint([v0, v1], q_bound=0.0)
    ch = attribute_change(jx.members[0], jx.members[1])
    assert ch.reconstruct() == [Fraction(b) - Fraction(a) for a, b in zip(v0.tolist(), v1.tolist())]
    assert {c.key for c in ch.kept} == {("or", 0b011)}
    back = ChangeAttribution.from_dict(ch.to_dict(), jx.members[0], jx.members[1])
    assert back.to_dict() == ch.to_dict()
    with pytest.raises(InputError, match="does not match"):
        ChangeAttribution.from_dict(ch.to_dict(), jx.members[1], jx.members[0])


def test_refuses_different_layouts() -> None:
    a = sl.extract(Record.from_table([0.0, 1.0, 0.0, 1.0], names=["p", "q"]), q_bound=0.0)
    b = sl.extract(Record.from_table([0.0, 1.0, 0.0, 1.0], names=["q", "p"]), q_bound=0.0)
    with pytest.raises(InputError, match="different variables"):
        attribute_change(a, b)
    c = sl.extract(Record.from_table([0.0, 1.0, 0.0, 1.0], names=["p", "q"], output="prob"), q_bound=0.0)
    with pytest.raises(InputError, match="different outputs"):
        attribute_change(a, c)
    d = sl.extract(Record.from_table([0.0, 1.0, 0.0, 1.0], names=["p", "q"], input_fingerprint="x"), q_bound=0.0)
    e = sl.extract(Record.from_table([0.0, 1.0, 0.0, 1.0], names=["p", "q"], input_fingerprint="y"), q_bound=0.0)
    with pytest.raises(InputError, match="different inputs"):
        attribute_change(d, e)
    with pytest.raises(InputError, match="must be an Extraction"):
        attribute_change(a, [0.0, 1.0, 0.0, 1.0])
    ch = attribute_change(a, a)
    with pytest.raises(InputError, match="kind"):
        ch.contribution("xor", 1)
    with pytest.raises(InputError, match="mask"):
        ch.contribution("and", 4)
    with pytest.raises(InputError, match="masks must lie"):
        ch.reconstruct([5])
    assert ch.reconstruct() == [Fraction(0)] * 4
    assert [c.change for c in ch.changes()] == ["kept"] and ch.changes()[0].delta == 0.0
