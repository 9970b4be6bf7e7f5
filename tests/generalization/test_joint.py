"""Joint extraction (symlogic.generalization.joint; docs/theory.md §3.8).

Closed forms: one member is extract's problem; m identical members cost (1 + α(m − 1)) times one;
x0 + x1 beside OR(x0, x1) + 3·x2 shares the OR term at loss 5.1. Properties against a dense LP
written from the definitions (tests/generalization/reference.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symlogic as sl
from symlogic.errors import InputError, ResourceError
from symlogic.extraction.split import noise_box, residual
from symlogic.generalization import JointExtraction, extract_joint, joint_dual_bound, joint_loss
from symlogic.generalization.joint import MAX_COLUMNS
from symlogic.record import Record

from .reference import dense_joint_optimum, table


def _close(x: float, y: float, scale: float = 1.0) -> bool:
    return abs(x - y) <= 5e-6 * max(1.0, abs(x), abs(y), scale)


# --- closed forms ----------------------------------------------------------------------------


def test_shared_or_term_is_preferred_over_a_tied_alternative() -> None:
    # x0 + x1 = AND(x0) + AND(x1) = OR(x0, x1) + AND(x0, x1): tied alone (L1 2). Beside
    # OR(x0, x1) + 3·x2 the shared OR term costs (1 − α)·5 + α·6 = 5.1 against 6 for the AND form.
    v0 = table(3, lambda x: x[0] + x[1])
    v1 = table(3, lambda x: max(x[0], x[1]) + 3 * x[2])
    jx = extract_joint([v0, v1], alpha=0.1, q_bound=0.0)
    assert jx.status == "optimal"
    assert jx.objective == pytest.approx(5.1, abs=1e-9)
    assert jx.lower_bound <= jx.objective and jx.gap <= 1e-8
    m0 = jx.members[0]
    assert m0.or_[0b011] == pytest.approx(1.0, abs=1e-9) and m0.and_[0b011] == pytest.approx(1.0, abs=1e-9)
    assert m0.and_[0b001] == pytest.approx(0.0, abs=1e-9) and m0.and_[0b010] == pytest.approx(0.0, abs=1e-9)
    assert [c.key for c in jx.shared_concepts()] == [("or", 0b011)]
    # alone, the tie is broken the other way (least norm: half of each), so the sharing is joint
    alone = sl.extract(v0, q_bound=0.0)
    assert alone.or_[0b011] == pytest.approx(0.5, abs=1e-6)


def test_identical_members_cost_one_plus_alpha_times_m_minus_one() -> None:
    v = table(3, lambda x: max(x))  # one OR term over N: 0.96 with the box, 0.92 without the constant
    for count_empty, single in ((True, 0.96), (False, 0.92)):
        for m, alpha in ((1, 0.1), (2, 0.1), (3, 0.5)):
            jx = extract_joint([v] * m, alpha=alpha, q_bound=0.04, count_empty=count_empty)
            assert jx.objective == pytest.approx((1 + alpha * (m - 1)) * single, abs=1e-8)
            assert jx.status == "optimal"


def test_one_member_is_the_single_extraction() -> None:
    rng = np.random.default_rng(3)
    for n, count_empty in ((3, True), (4, False), (5, True)):
        v = rng.normal(size=1 << n)
        ex = sl.extract(v, q_bound=0.04, count_empty=count_empty)
        jx = extract_joint([v], alpha=0.1, q_bound=0.04, count_empty=count_empty)
        assert _close(jx.objective, ex.objective), (jx.objective, ex.objective)
        assert jx.members[0].objective == pytest.approx(jx.objective, rel=1e-12)
    # where the optimum is unique, the split is the same
    v = table(5, lambda x: 2 * x[0] * x[1] + max(x[2], x[3]) - 1.5 * x[1] * x[3] * x[4])
    ex = sl.extract(v, q_bound=0.0)
    jx = extract_joint([v], q_bound=0.0)
    np.testing.assert_allclose(jx.members[0].and_, ex.and_, atol=1e-9)
    np.testing.assert_allclose(jx.members[0].or_, ex.or_, atol=1e-9)


def test_planted_shared_and_specific_terms_are_separated() -> None:
    def planted(extra):
        return table(6, lambda x: 2 * x[0] * x[1] + 1.5 * max(x[2], x[3]) + extra(x))

    specific = {0: lambda x: x[4] * x[5], 1: lambda x: -max(x[0], x[5]), 2: lambda x: -1.25 * x[3] * x[4] * x[5]}
    keys = {0: ("and", 0b110000), 1: ("or", 0b100001), 2: ("and", 0b111000)}
    jx = extract_joint([planted(specific[i]) for i in range(3)], alpha=0.1, q_bound=0.0)
    assert jx.status == "optimal"
    shared = {c.key for c in jx.shared_concepts()}
    assert shared == {("and", 0b000011), ("or", 0b001100)}
    for i, rest in enumerate(jx.specific_concepts()):
        assert rest == [keys[i]]
    for c in jx.shared_concepts():
        assert c.values == pytest.approx((2.0,) * 3 if c.kind == "and" else (1.5,) * 3, abs=1e-9)
    # each member's logic model has its own term and the shared ones
    lm = jx.members[2].logic_model()
    assert {(t.kind, t.mask) for t in lm.concepts} == shared | {keys[2]}


# --- the certificate -------------------------------------------------------------------------


def test_gap_is_certified_and_any_y_gives_a_valid_bound() -> None:
    rng = np.random.default_rng(11)
    vs = rng.normal(size=(3, 1 << 5))
    jx = extract_joint(list(vs), alpha=0.2, q_bound=0.04)
    assert jx.status == "optimal"
    assert jx.lower_bound <= jx.objective
    assert jx.gap <= 1e-6 * jx.objective
    check = jx.recheck()
    assert check.ok, check.problems
    assert check.max_violation == 0.0
    # the stored certificate needs no scaling; a perturbed one is scaled and stays a lower bound
    zetas = jx.zetas
    bound, scale = joint_dual_bound(jx.certificate, vs, zetas, 0.2)
    assert scale == 1.0 and bound == jx.lower_bound
    all_and = joint_loss(np.stack([sl.mobius(v) for v in vs]), np.zeros_like(vs), 0.2)
    for trial in range(20):
        y = jx.certificate * (1 + 0.5 * rng.normal(size=vs.shape)) + 0.2 * rng.normal(size=vs.shape)
        if trial % 4 == 0:
            y *= 100.0  # far outside the dual ball
        b, s = joint_dual_bound(y, vs, zetas, 0.2)
        assert s >= 1.0
        assert b <= jx.objective and b <= all_and
    # the bound is also below the independently computed optimum, and the loss on it
    ref = dense_joint_optimum(vs, np.array(zetas), 0.2)
    assert jx.lower_bound <= ref + 1e-9 and _close(jx.objective, ref)


def test_recheck_catches_an_altered_result() -> None:
    v0 = table(3, lambda x: x[0] + x[1])
    v1 = table(3, lambda x: max(x[0], x[1]) + 3 * x[2])
    jx = extract_joint([v0, v1], q_bound=0.0)
    lying = JointExtraction(members=jx.members, alpha=jx.alpha, q_bound=jx.q_bound, objective=4.0,
                            lower_bound=4.0, gap=0.0, certificate=jx.certificate, settings=jx.settings)
    check = lying.recheck()
    assert not check.ok and len(check.problems) == 2


# --- properties against the dense LP -----------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 3), m=st.integers(1, 3), alpha=st.sampled_from([0.0, 0.1, 0.5, 1.0]),
       q_bound=st.sampled_from([0.0, 0.04, 0.2]), count_empty=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_optimum_matches_the_dense_lp(n: int, m: int, alpha: float, q_bound: float, count_empty: bool,
                                      seed: int) -> None:
    rng = np.random.default_rng(seed)
    vs = np.round(rng.normal(size=(m, 1 << n)) * 4) / 4  # quarter steps: ties and zeros happen
    jx = extract_joint(list(vs), alpha=alpha, q_bound=q_bound, count_empty=count_empty)
    zetas = np.array([noise_box(v, q_bound) for v in vs])
    ref = dense_joint_optimum(vs, zetas, alpha, count_empty)
    assert jx.status == "optimal"
    assert _close(jx.objective, ref), (jx.objective, ref)
    assert jx.lower_bound <= ref + 1e-9 * max(1.0, abs(ref))
    for i, ex in enumerate(jx.members):  # every member reproduces its table within its box
        q = residual(ex.and_, ex.or_, vs[i])
        assert np.max(np.abs(q)) <= zetas[i] + 1e-12
        assert ex.or_[0] == 0.0


# --- input checks, limits, saving ----------------------------------------------------------------


def test_layouts_must_agree() -> None:
    a = Record.from_table(np.zeros(4), names=["p", "q"])
    with pytest.raises(InputError, match="n = 3 variables but record 0 has n = 2"):
        extract_joint([a, np.zeros(8)])
    with pytest.raises(InputError, match="same variables in the same order"):
        extract_joint([a, Record.from_table(np.zeros(4), names=["q", "p"])])
    with pytest.raises(InputError, match="one output"):
        extract_joint([a, Record.from_table(np.zeros(4), names=["p", "q"], output="prob")])
    with pytest.raises(InputError, match="list of records"):
        extract_joint(a)
    with pytest.raises(InputError, match="at least one"):
        extract_joint([])
    with pytest.raises(InputError, match="alpha"):
        extract_joint([a], alpha=1.5)
    with pytest.raises(InputError, match="q_bound"):
        extract_joint([a], q_bound=-0.1)
    with pytest.raises(InputError, match="tol"):
        extract_joint([a], tol=0.5)
    with pytest.raises(ResourceError, match="fewer members or variables"):
        extract_joint([np.zeros(1 << 16)] * 16)
    assert 16 * (1 << 16) * 22 > MAX_COLUMNS


def test_time_limit_still_returns_a_feasible_certified_result() -> None:
    rng = np.random.default_rng(5)
    vs = rng.normal(size=(3, 1 << 8))
    jx = extract_joint(list(vs), q_bound=0.04, time_limit=0.01)
    assert jx.status in ("time_limit", "optimal")
    check = jx.recheck()
    assert check.ok, check.problems
    assert jx.lower_bound <= jx.objective


def test_save_and_load_round_trip(tmp_path) -> None:
    v0 = table(3, lambda x: x[0] + x[1])
    v1 = table(3, lambda x: max(x[0], x[1]) + 3 * x[2])
    jx = extract_joint([Record.from_table(v0, names="abc"), Record.from_table(v1, names="abc")], q_bound=0.04)
    path = jx.save(tmp_path / "joint.zip")
    back = JointExtraction.load(path)
    assert back.to_dict() == jx.to_dict()
    for key, arr in jx.arrays().items():
        np.testing.assert_array_equal(back.arrays()[key], arr)
    assert back.recheck().ok
    assert [str(c) for c in back.shared_concepts()] == [str(c) for c in jx.shared_concepts()]
    # a table changed on disk no longer has its fingerprint
    import io
    import zipfile
    altered = tmp_path / "altered.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(altered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "values.npy":
                arr = np.load(io.BytesIO(data), allow_pickle=False).copy()
                arr[0, 3] += 1.0
                buf = io.BytesIO()
                np.save(buf, arr, allow_pickle=False)
                data = buf.getvalue()
            dst.writestr(info, data)
    with pytest.raises(InputError, match="altered"):
        JointExtraction.load(altered)
    with pytest.raises(InputError, match="not a saved joint extraction"):
        JointExtraction.load(tmp_path / "missing.zip")


def test_members_are_uncertified_extractions_with_the_joint_status() -> None:
    jx = extract_joint([table(2, lambda x: x[0] * x[1]), table(2, lambda x: x[0])], q_bound=0.0)
    for ex in jx.members:
        assert ex.method == "joint" and ex.lower_bound is None and ex.status == "unverified"
        assert ex.settings["joint_status"] == jx.status == "optimal"
    assert jx.engines[0].outcome == "holds"
    assert math.isfinite(jx.seconds) and "joint extraction of 2 members" in str(jx)
