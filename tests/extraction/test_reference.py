"""The reference SGD extraction (docs/theory.md §3) and the Extraction result object.

Independent references built here: the interaction matrices from their definitions, torch
autograd for gradients, and a small dense LP (scipy/HiGHS) for the exact L1 optimum, so that
"the SGD never beats the optimum" is checked against a number computed another way.

The SGD steps along sign(I), so one rounding difference that flips a sign (another CPU, BLAS or
precision) changes the trajectory within a few steps. No test here asserts where a long run
ends: long runs are checked for what holds on every run (|q| ≤ ζ, universal matching, L1 ≥ the
LP optimum), and the steps themselves against an independent replay over ≤ 5 steps only, where
every |I| met stays far from 0 (checked) so that rounding cannot flip a sign.
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
from symlogic.extraction.reference import DTYPES, _loss_gradient, reference_loss, reference_sgd

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
    """min Σ|a_S| + Σ_{S≠∅}|o_S| s.t. Z a + A0 o = v + q, |q| ≤ ζ (docs/theory.md §3, basis pursuit)."""
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
# Ground truth of docs/theory.md §6 (checks the LP used as a reference below)


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


def _replay(v: np.ndarray, zeta: float, lr: float, niter: int, dtype: str):
    """The published procedure, independently: explicit matrices, autograd and torch.optim.SGD in ``dtype``.

    Returns γ and q (as float64), the loss at each evaluation, and the smallest |I| met on the way.
    """
    _, m, _, i_or = _matrices(v.shape[0].bit_length() - 1)
    tdt = getattr(torch, dtype)
    m_t, i_or_t, v_t = (torch.tensor(x, dtype=tdt) for x in (m, i_or, v))
    gamma = torch.zeros_like(v_t, requires_grad=True)
    q = torch.zeros_like(v_t, requires_grad=True)
    opt = torch.optim.SGD([gamma, q], lr=0.0, momentum=0.9)
    rates = np.logspace(np.log10(lr), np.log10(lr / 10), niter)
    losses, margin = [], np.inf
    for it in range(niter):
        with torch.no_grad():
            q.clamp_(-zeta, zeta)
        w = 0.5 * (v_t + q)
        i_and, i_o = m_t @ (w + gamma), i_or_t @ (w - gamma)
        loss = i_and.abs().sum() + i_o.abs().sum()
        losses.append(loss.item())
        margin = min(margin, torch.cat([i_and, i_o]).abs().min().item())
        if it + 1 < niter:
            opt.zero_grad()
            opt.param_groups[0]["lr"] = float(rates[it])
            loss.backward()
            opt.step()
    return gamma.detach().double().numpy(), q.detach().double().numpy(), np.array(losses), margin


@pytest.mark.parametrize("niter", [1, 2, 3, 6])  # at most 5 steps
@pytest.mark.parametrize("device", [None, "cpu"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_sgd_steps_follow_the_published_schedule(niter, device, dtype):
    """The first ≤ 5 steps (momentum 0.9, lr log-linear to lr/10, clamp q before each evaluation)
    equal an independent torch.optim replay in the same precision, to its rounding."""
    rng = np.random.default_rng(niter)
    v = rng.normal(size=16)
    lr, zeta = 3e-3, 2.0**-7  # q hits the box within a few steps; ζ is a float32, so both clamp alike
    gamma, q, losses, margin = _replay(v, zeta, lr, niter, dtype)
    assert margin > 1e-4  # every |I| is ~100× the float32 rounding of these sums: no sign can flip
    _, m, _, i_or = _matrices(4)
    w = 0.5 * (v + q)
    and_ref, or_ref = m @ (w + gamma), i_or @ (w - gamma)  # float64, from the replay's γ and q
    loss_ref = np.abs(and_ref).sum() + np.abs(or_ref).sum()
    and_ref[0] += or_ref[0]
    or_ref[0] = 0.0

    sol = reference_sgd(v, zeta, lr=lr, niter=niter, dtype=dtype, device=device)
    tol = {"float64": 1e-11, "float32": 1e-5}[dtype]
    if niter >= 3:
        assert np.max(np.abs(sol.q)) == zeta  # the clamp was exercised
    np.testing.assert_allclose(sol.losses, losses, rtol=tol, atol=0)
    np.testing.assert_allclose(sol.q, q, rtol=0, atol=tol * 1e-2)
    np.testing.assert_allclose(sol.and_, and_ref, rtol=0, atol=tol)
    np.testing.assert_allclose(sol.or_, or_ref, rtol=0, atol=tol)
    assert sol.reference_loss == pytest.approx(loss_ref, rel=tol)
    assert sol.objective == pytest.approx(np.abs(and_ref).sum() + np.abs(or_ref).sum(), rel=tol)
    assert sol.iterations == niter and sol.dtype == dtype and sol.losses.shape == (niter,)
    for x in (sol.and_, sol.or_, sol.q, sol.losses):
        assert x.dtype == np.float64
    if dtype == "float32":  # the steps really ran in float32
        assert np.array_equal(sol.q.astype(np.float32), sol.q)
        assert np.array_equal(sol.losses.astype(np.float32), sol.losses)


@pytest.mark.parametrize("dtype", DTYPES)
def test_first_step_on_a_sparse_table_raises_the_loss(dtype):
    """The published method's first step can go up (docs/comparison.md, "The reference SGD").

    At γ = q = 0, 498 of the 512 interactions of X3 are exactly 0; sign(0) = 0 leaves them out of
    the gradient g, but the step −lr·g moves all of them off 0, so the loss changes by
    lr·(Σ_{I=0} |A g| − |g|²) > 0, A being the map (γ, q) ↦ (I_and, I_or).
    """
    _, m, _, i_or = _matrices(8)
    a = np.block([[m, 0.5 * m], [-i_or, 0.5 * i_or]])
    i0 = np.concatenate([m @ (X3 / 2), i_or @ (X3 / 2)])
    g = a.T @ np.sign(i0)
    rise = np.abs(a @ g)[i0 == 0].sum() - g @ g
    assert np.count_nonzero(i0 == 0) == 498 and rise == pytest.approx(7292.0, abs=1e-6)
    sol = reference_sgd(X3, 0.12, lr=1e-5, niter=2, dtype=dtype)  # one step, at lr 1e-5
    assert sol.losses[0] == pytest.approx(7.0, abs=1e-12)
    # in float32 each new interaction (~1e-4) carries the rounding of w ≈ 1 (~1e-7 an entry, up to 256 entries)
    assert sol.losses[1] - sol.losses[0] == pytest.approx(1e-5 * rise, rel={"float64": 1e-9, "float32": 1e-2}[dtype])


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


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, v, lr, niter", CASES, ids=[c[0] for c in CASES])
def test_reference_result_is_feasible_and_never_beats_the_optimum(name, v, lr, niter, dtype):
    """What holds on every run: |q| ≤ ζ, universal matching, L1 ≥ the LP optimum.

    Not where the run ends: whether it ends below its start depends on the machine's rounding.
    """
    zeta = 0.04 * abs(v[-1] - v[0])
    optimum = lp_optimum(v, zeta)
    ext = extract(Record.from_table(v), method="reference", lr=lr, niter=niter, dtype=dtype)
    assert ext.method == "reference" and ext.lower_bound is None and ext.gap is None and ext.certificate is None
    assert ext.zeta == zeta and ext.settings["niter"] == niter and ext.settings["lr"] == lr
    assert ext.settings["dtype"] == dtype
    _check_solution(v, zeta, ext.and_, ext.or_, ext.q, ext.objective)
    assert ext.matching_error() <= 1e-12 * max(1.0, ext.objective)
    np.testing.assert_allclose(ext.reconstruct(), v + ext.q, rtol=0, atol=1e-12 * max(1.0, ext.objective))
    assert ext.objective >= optimum - 1e-9
    start = extract(Record.from_table(v), method="reference", lr=lr, niter=1, dtype=dtype)
    assert not np.array_equal(ext.and_, start.and_)  # the run moved, so the bound above is not vacuous


@pytest.mark.parametrize("dtype", DTYPES)
def test_theory_optima_bound_the_reference(dtype):
    for v, lr, niter, optimum in ((X3, 1e-5, 2000, 2.88), (MAX3, 1e-3, 1000, 0.96)):
        ext = extract(Record.from_table(v), method="reference", lr=lr, niter=niter, dtype=dtype)
        assert ext.objective >= optimum - 1e-9


@settings(max_examples=10)
@given(
    v=st.integers(2, 4).flatmap(lambda n: arrays(np.float64, 1 << n, elements=st.floats(-4, 4))),
    q_bound=st.sampled_from([0.0, 0.02, 0.04, 0.2]),
    dtype=st.sampled_from(DTYPES),
)
def test_random_tables_never_beat_the_lp_optimum(v, q_bound, dtype):
    zeta = q_bound * abs(v[-1] - v[0])
    sol = reference_sgd(v, zeta, lr=1e-3, niter=400, dtype=dtype)
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


@pytest.mark.parametrize("dtype", DTYPES)
def test_q_bound_zero_means_no_noise(dtype):
    ext = extract(Record.from_table(X3), method="reference", q_bound=0.0, lr=1e-4, niter=300, dtype=dtype)
    assert np.all(ext.q == 0.0)
    _check_solution(X3, 0.0, ext.and_, ext.or_, ext.q, ext.objective)
    assert ext.objective >= 3.0 - 1e-9  # docs/theory.md §6: optimum without q


@pytest.mark.parametrize("device", [None, "cpu"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_the_box_lies_inside_zeta(device, dtype):
    """ζ = 0.1 is no float32 (the nearest is above it): float32 runs clamp to the largest float32 below."""
    zeta = 0.1
    bound = zeta if dtype == "float64" else float(np.nextafter(np.float32(zeta), np.float32(0.0)))
    assert float(np.float32(zeta)) > zeta and bound <= zeta
    v = np.random.default_rng(3).normal(size=8)
    sol = reference_sgd(v, zeta, lr=1.0, niter=2, dtype=dtype, device=device)  # one huge step: q leaves the box
    assert np.max(np.abs(sol.q)) == bound
    _check_solution(v, zeta, sol.and_, sol.or_, sol.q, sol.objective)


@pytest.mark.parametrize("dtype", DTYPES)
def test_losses_log_every_evaluation(dtype):
    sol = reference_sgd(X3, 0.12, lr=1e-5, niter=50, dtype=dtype)
    tol = {"float64": 1e-12, "float32": 1e-4}[dtype]  # float32: the rounding of ~500 tiny |I| adds up
    assert sol.losses.shape == (50,)
    _, m, _, i_or = _matrices(8)
    assert sol.losses[0] == pytest.approx(np.abs(m @ (X3 / 2)).sum() + np.abs(i_or @ (X3 / 2)).sum(), rel=tol)
    assert sol.losses[-1] == pytest.approx(sol.reference_loss, rel=tol)  # the same γ, q in float64


def test_dtype_is_checked_and_recorded():
    with pytest.raises(InputError, match="dtype"):
        reference_sgd(SUM3, 0.1, niter=2, dtype="float16")
    with pytest.raises(InputError, match="dtype"):
        extract(SUM3, method="exact", dtype="float32")
    with pytest.raises(InputError, match="float32's range"):
        reference_sgd(SUM3 * 1e39, 0.1, niter=2, dtype="float32")
    assert extract(SUM3, method="reference", niter=2).settings["dtype"] == "float64"


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
