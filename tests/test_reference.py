"""The reference SGD extraction (THEORY §3) and the Extraction result object.

Independent references built here: the interaction matrices from their definitions, torch
autograd for gradients, and a small dense LP (scipy/HiGHS) for the exact L1 optimum, so that
"the SGD never beats the optimum" is checked against a number computed another way.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linprog

from symlogic import InputError, Record
from symlogic.extraction import Extraction, extract
from symlogic.extraction.reference import _loss_gradient, reference_loss, reference_sgd

# --------------------------------------------------------------------------------------------
# Independent references


@functools.lru_cache(maxsize=None)
def _matrices(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Z[T,S] = 1[S⊆T]; M = Möbius; A0[T,S] = 1[S∩T≠∅] (S≠∅, column ∅ zero); I_or matrix."""
    size = 1 << n
    idx = np.arange(size)
    sub = (idx[None, :] & idx[:, None]) == idx[None, :]  # [T, S]: S ⊆ T
    pop = np.array([bin(i).count("1") for i in idx])
    z = sub.astype(float)
    m = np.where(sub, (-1.0) ** (pop[:, None] - pop[None, :]), 0.0)  # [S, T]: T ⊆ S
    a0 = ((idx[:, None] & idx[None, :]) != 0).astype(float)
    a0[:, 0] = 0.0
    # I_or(S) = −Σ_{T⊆S} (−1)^{|S|−|T|} u(N∖T) (S ≠ ∅), I_or(∅) = u(∅): M applied to reversed u.
    i_or = -m[:, ::-1].copy()
    i_or[0] = 0.0
    i_or[0, 0] = 1.0
    return z, m, a0, i_or


def table(n: int, f) -> np.ndarray:
    """v(T) = f(x_T) with input all ones and baseline zero."""
    return np.array([float(f([(t >> i) & 1 for i in range(n)])) for t in range(1 << n)])


def lp_optimum(v: np.ndarray, zeta: float, count_empty: bool = True) -> float:
    """min Σ|a_S| + Σ_{S≠∅}|o_S| s.t. Z a + A0 o = v + q, |q| ≤ ζ (THEORY §3, basis pursuit)."""
    size = v.shape[0]
    z, _, a0, _ = _matrices(size.bit_length() - 1)
    a0 = a0[:, 1:]
    eye = np.eye(size)
    # Variables: a+, a−, o+, o−, q.
    a_eq = np.hstack([z, -z, a0, -a0, -eye])
    c_a = np.ones(size)
    if not count_empty:
        c_a[0] = 0.0
    c = np.concatenate([c_a, c_a, np.ones(2 * (size - 1)), np.zeros(size)])
    bounds = [(0, None)] * (2 * size + 2 * (size - 1)) + [(-zeta, zeta)] * size
    res = linprog(c, A_eq=a_eq, b_eq=v, bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return float(res.fun)


X3 = table(8, lambda x: x[0] * x[1] * x[2] + x[3] * x[4] + x[5])
MAX3 = table(3, max)
MAX8 = table(8, max)
MIN3 = table(3, min)
SUM3 = table(3, lambda x: x[0] * x[1] + x[2])
MAXPLUS = table(3, lambda x: max(x[0], x[1]) + x[2])


# --------------------------------------------------------------------------------------------
# Ground truth of THEORY §6 (checks the LP used as a reference below)


@pytest.mark.parametrize(
    "v, with_q, with_q_no_empty, without_q",
    [
        (MAX3, 0.96, 0.92, 1.0),
        (MAX8, 0.96, None, 1.0),
        (SUM3, 1.92, 1.84, 2.0),
        (X3, 2.88, 2.76, 3.0),
        (MIN3, None, None, 1.0),
        (MAXPLUS, None, None, 2.0),
    ],
    ids=["max3", "max8", "x0x1+x2", "x0x1x2+x3x4+x5", "min3", "max(x0,x1)+x2"],
)
def test_lp_reference_reproduces_theory_optima(v, with_q, with_q_no_empty, without_q):
    zeta = 0.04 * abs(v[-1] - v[0])
    assert lp_optimum(v, 0.0) == pytest.approx(without_q, abs=1e-9)
    if with_q is not None:
        assert lp_optimum(v, zeta) == pytest.approx(with_q, abs=1e-9)
    if with_q_no_empty is not None:
        assert lp_optimum(v, zeta, count_empty=False) == pytest.approx(with_q_no_empty, abs=1e-9)


# --------------------------------------------------------------------------------------------
# Gradient and schedule


def _autograd_loss_grads(w_and: np.ndarray, w_or: np.ndarray):
    _, m, _, i_or = _matrices(w_and.shape[0].bit_length() - 1)
    wa = torch.tensor(w_and, requires_grad=True)
    wo = torch.tensor(w_or, requires_grad=True)
    loss = (torch.tensor(m) @ wa).abs().sum() + (torch.tensor(i_or) @ wo).abs().sum()
    loss.backward()
    return wa.grad.numpy(), wo.grad.numpy(), float(loss.detach())


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7])
@pytest.mark.parametrize("use_torch", [False, True])
def test_loss_gradient_equals_autograd(n, use_torch):
    rng = np.random.default_rng(n)
    w_and, w_or = rng.normal(size=1 << n), rng.normal(size=1 << n)  # interactions non-zero almost surely
    g_and_ref, g_or_ref, _ = _autograd_loss_grads(w_and, w_or)
    args = (torch.tensor(w_and), torch.tensor(w_or)) if use_torch else (w_and.copy(), w_or.copy())
    g_and, g_or, i_and, i_or = _loss_gradient(*args)
    if use_torch:
        g_and, g_or, i_and, i_or = (t.numpy() for t in (g_and, g_or, i_and, i_or))
    np.testing.assert_allclose(g_and, g_and_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(g_or, g_or_ref, rtol=0, atol=1e-12)
    _, m, _, i_or_m = _matrices(n)
    np.testing.assert_allclose(i_and, m @ w_and, rtol=0, atol=1e-12)
    np.testing.assert_allclose(i_or, i_or_m @ w_or, rtol=0, atol=1e-12)


def test_reference_loss_equals_matrix_loss(rng):
    v, gamma, q = rng.normal(size=(3, 32))
    w = 0.5 * (v + q)
    _, _, expected = _autograd_loss_grads(w + gamma, w - gamma)
    assert reference_loss(v, gamma, q) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("niter", [2, 3, 7])
@pytest.mark.parametrize("device", [None, "cpu"])
def test_sgd_steps_follow_the_published_schedule(niter, device):
    """Replay SGD (momentum 0.9, lr log-linear to lr/10, clamp q before each evaluation) with autograd."""
    rng = np.random.default_rng(niter)
    v = rng.normal(size=16)
    lr, zeta = 3e-3, 0.01  # large enough that q hits the box within a few steps
    _, m, _, i_or = _matrices(4)
    m_t, i_or_t = torch.tensor(m), torch.tensor(i_or)
    rates = np.logspace(np.log10(lr), np.log10(lr / 10), niter)
    gamma, q = np.zeros(16), np.zeros(16)
    buf_g, buf_q = np.zeros(16), np.zeros(16)
    for it in range(niter - 1):
        q = np.clip(q, -zeta, zeta)
        g = torch.tensor(gamma, requires_grad=True)
        qq = torch.tensor(q, requires_grad=True)
        w = 0.5 * (torch.tensor(v) + qq)
        ((m_t @ (w + g)).abs().sum() + (i_or_t @ (w - g)).abs().sum()).backward()
        buf_g = 0.9 * buf_g + g.grad.numpy()
        buf_q = 0.9 * buf_q + qq.grad.numpy()
        gamma = gamma - rates[it] * buf_g
        q = q - rates[it] * buf_q
    q = np.clip(q, -zeta, zeta)
    w = 0.5 * (v + q)
    and_ref, or_ref = m @ (w + gamma), i_or @ (w - gamma)
    loss_ref = np.abs(and_ref).sum() + np.abs(or_ref).sum()
    and_ref[0] += or_ref[0]
    or_ref[0] = 0.0

    sol = reference_sgd(v, zeta, lr=lr, niter=niter, device=device)
    if niter >= 3:
        assert np.max(np.abs(sol.q)) == zeta  # the clamp was exercised
    np.testing.assert_allclose(sol.q, q, rtol=0, atol=1e-12)
    np.testing.assert_allclose(sol.and_, and_ref, rtol=0, atol=1e-11)
    np.testing.assert_allclose(sol.or_, or_ref, rtol=0, atol=1e-11)
    assert sol.reference_loss == pytest.approx(loss_ref, rel=1e-12)
    assert sol.objective == pytest.approx(np.abs(and_ref).sum() + np.abs(or_ref).sum(), rel=1e-12)
    assert sol.iterations == niter


def test_numpy_and_torch_paths_agree():
    a = reference_sgd(X3, 0.12, lr=1e-4, niter=300)
    b = reference_sgd(X3, 0.12, lr=1e-4, niter=300, device="cpu")
    for x, y in ((a.and_, b.and_), (a.or_, b.or_), (a.q, b.q)):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-12)
    assert a.objective == pytest.approx(b.objective, rel=1e-12)


# --------------------------------------------------------------------------------------------
# Results: box, matching, never below the optimum


def _check_solution(v: np.ndarray, zeta: float, and_: np.ndarray, or_: np.ndarray, q: np.ndarray, objective: float):
    z, _, a0, _ = _matrices(v.shape[0].bit_length() - 1)
    assert np.all(np.abs(q) <= zeta)
    assert or_[0] == 0.0
    scale = max(1.0, float(np.abs(and_).sum() + np.abs(or_).sum()))
    np.testing.assert_allclose(z @ and_ + a0 @ or_, v + q, rtol=0, atol=1e-12 * scale)
    assert objective == pytest.approx(np.abs(and_).sum() + np.abs(or_).sum(), rel=1e-12)


CASES = [
    ("x0x1x2+x3x4+x5", X3, 1e-5, 2000),
    ("max3", MAX3, 1e-3, 1000),
    ("max8", MAX8, 1e-5, 1000),
    ("x0x1+x2", SUM3, 1e-3, 1000),
    ("min3", MIN3, 1e-3, 500),
]


@pytest.mark.parametrize("name, v, lr, niter", CASES, ids=[c[0] for c in CASES])
def test_reference_result_is_feasible_and_never_beats_the_optimum(name, v, lr, niter):
    zeta = 0.04 * abs(v[-1] - v[0])
    optimum = lp_optimum(v, zeta)
    ext = extract(Record.from_table(v), method="reference", lr=lr, niter=niter)
    assert ext.method == "reference" and ext.lower_bound is None and ext.gap is None and ext.certificate is None
    assert ext.zeta == zeta and ext.settings["niter"] == niter and ext.settings["lr"] == lr
    _check_solution(v, zeta, ext.and_, ext.or_, ext.q, ext.objective)
    assert ext.matching_error() <= 1e-12 * max(1.0, ext.objective)
    np.testing.assert_allclose(ext.reconstruct(), v + ext.q, rtol=0, atol=1e-12 * max(1.0, ext.objective))
    assert ext.objective >= optimum - 1e-9
    start = extract(Record.from_table(v), method="reference", lr=lr, niter=1).objective
    assert ext.objective < start  # the run made progress, so the bound above is not vacuous


def test_theory_optima_bound_the_reference():
    assert extract(Record.from_table(X3), method="reference", lr=1e-5, niter=2000).objective >= 2.88 - 1e-9
    assert extract(Record.from_table(MAX3), method="reference", lr=1e-3, niter=1000).objective >= 0.96 - 1e-9


@settings(max_examples=10)
@given(
    v=st.integers(2, 4).flatmap(lambda n: arrays(np.float64, 1 << n, elements=st.floats(-4, 4))),
    q_bound=st.sampled_from([0.0, 0.02, 0.04, 0.2]),
)
def test_random_tables_never_beat_the_lp_optimum(v, q_bound):
    zeta = q_bound * abs(v[-1] - v[0])
    sol = reference_sgd(v, zeta, lr=1e-3, niter=400)
    _check_solution(v, zeta, sol.and_, sol.or_, sol.q, sol.objective)
    assert sol.objective >= lp_optimum(v, zeta) - 1e-9 * max(1.0, sol.objective)
    assert sol.reference_loss >= sol.objective - 1e-12  # merging the two constants can only help


def test_extract_rejects_bad_arguments():
    rec = Record.from_table(SUM3)
    with pytest.raises(InputError, match="method must be one of"):
        extract(rec, method="sgd")
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(InputError, match="q_bound"):
            extract(rec, method="reference", q_bound=bad, niter=2)


def test_extract_accepts_a_plain_table():
    ext = extract(SUM3, method="reference", niter=10, lr=1e-3)
    assert isinstance(ext.record, Record) and ext.n == 3


def test_q_bound_zero_means_no_noise():
    ext = extract(Record.from_table(X3), method="reference", q_bound=0.0, lr=1e-4, niter=300)
    assert np.all(ext.q == 0.0)
    _check_solution(X3, 0.0, ext.and_, ext.or_, ext.q, ext.objective)
    assert ext.objective >= 3.0 - 1e-9  # THEORY §6: optimum without q


# --------------------------------------------------------------------------------------------
# The Extraction dataclass, built directly


def _extraction(and_, or_, names=("a", "b", "c"), q=None):
    and_, or_ = np.asarray(and_, float), np.asarray(or_, float)
    q = np.zeros_like(and_) if q is None else np.asarray(q, float)
    z, _, a0, _ = _matrices(len(names))
    v = z @ and_ + a0 @ or_ - q
    rec = Record.from_table(v, names=list(names))
    return Extraction(record=rec, and_=and_, or_=or_, q=q, objective=float(np.abs(and_).sum() + np.abs(or_).sum()),
                      lower_bound=None, gap=None, certificate=None, method="reference", q_bound=0.04)


#            ∅    {a}   {b}  {a,b} {c}  {a,c} {b,c} {a,b,c}
AND_ = [5.0, 0.04, 1.0, 0.0, -2.0, 0.0, 0.0, 0.1]
OR_ = [0.0, 0.0, 0.0, -2.0, 0.0, 0.5, 0.0, 0.0]


def test_salient_orders_by_magnitude_excludes_empty_and_zero():
    ext = _extraction(AND_, OR_)
    assert ext.threshold() == 0.1  # 5 % of the largest non-empty |I| (the constant 5 is not a concept)
    got = [(c.kind, c.mask, c.names, c.value, c.order) for c in ext.salient()]
    assert got == [
        ("and", 0b100, ("c",), -2.0, 1),
        ("or", 0b011, ("a", "b"), -2.0, 2),
        ("and", 0b010, ("b",), 1.0, 1),
        ("or", 0b101, ("a", "c"), 0.5, 2),
        ("and", 0b111, ("a", "b", "c"), 0.1, 3),
    ]
    assert str(ext.salient()[1]) == "OR(a, b) = -2"


def test_salient_tau_and_top_k():
    ext = _extraction(AND_, OR_)
    assert [c.value for c in ext.salient(tau=1.0)] == [-2.0, -2.0]
    assert [c.value for c in ext.salient(tau=0.3)] == [-2.0, -2.0, 1.0]
    zero_tau = ext.salient(tau=0.0)
    assert [c.value for c in zero_tau] == [-2.0, -2.0, 1.0, 0.5, 0.1, 0.04]  # all non-zero, no zero, no ∅
    assert [(c.kind, c.mask) for c in ext.salient(top_k=3)] == [("and", 4), ("or", 3), ("and", 2)]
    assert ext.salient(top_k=0) == []
    assert len(ext.salient(top_k=100)) == 6
    with pytest.raises(InputError):
        ext.salient(top_k=-1)
    with pytest.raises(InputError):
        ext.salient(tau=1.5)


def test_all_zero_interactions_have_no_concepts():
    ext = _extraction([3.0] + [0.0] * 7, [0.0] * 8)
    assert ext.salient() == [] and ext.salient(tau=0.0) == [] and ext.salient(top_k=5) == []
    assert ext.order_profile().and_count.sum() == 0


def test_order_profile_counts_and_strength():
    ext = _extraction(AND_, OR_)
    prof = ext.order_profile()
    np.testing.assert_array_equal(prof.orders, [1, 2, 3])
    np.testing.assert_array_equal(prof.and_count, [2, 0, 1])
    np.testing.assert_array_equal(prof.or_count, [0, 2, 0])
    np.testing.assert_allclose(prof.and_strength, [3.0, 0.0, 0.1], rtol=1e-15)
    np.testing.assert_allclose(prof.or_strength, [0.0, 2.5, 0.0], rtol=1e-15)
    prof0 = ext.order_profile(tau=0.0)
    np.testing.assert_array_equal(prof0.and_count, [3, 0, 1])
    # Consistent with salient():
    for tau in (0.0, 0.05, 0.3, 1.0):
        concepts = ext.salient(tau=tau)
        p = ext.order_profile(tau=tau)
        assert p.and_count.sum() + p.or_count.sum() == len(concepts)


def test_reconstruct_and_matching_error():
    q = np.array([0.01, -0.02, 0.0, 0.03, 0.0, 0.0, -0.01, 0.0])
    ext = _extraction(AND_, OR_, q=q)
    z, _, a0, _ = _matrices(3)
    np.testing.assert_allclose(ext.reconstruct(), z @ np.array(AND_) + a0 @ np.array(OR_), rtol=0, atol=1e-15)
    assert ext.matching_error() <= 1e-15
    broken = Extraction(**{**ext.__dict__, "q": np.zeros(8)})
    assert broken.matching_error() == pytest.approx(0.03, abs=1e-15)
