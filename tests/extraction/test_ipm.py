"""Tests of the structured interior-point route (symlogic.extraction._ipm) and of how
``solve_exact`` picks it. The closed-form optima, random tables against an independent LP and
certificate re-checks run for method="ipm" in test_certified.py (its METHODS list)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import symlogic.extraction._ipm as ipm
import symlogic.extraction.certified as certified
from symlogic.errors import ResourceError
from symlogic.extraction._ipm import LEAF, _normal_matrix, polish, solve_ipm
from symlogic.extraction.certified import dual_bound, solve_exact
from .test_certified import atoms, check_certificate, dense_optimum, mlp_values


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 6), seed=st.integers(0, 2**32 - 1), leaf=st.sampled_from([1, 2, 8, 256]))
def test_normal_matrix_equals_the_dense_product(n, seed, leaf):
    """The matrix formed from two butterflies is D Θ Dᵀ + diag(θ_s), D built by brute force; with
    small leaves the halving recursion runs several levels deep."""
    ipm.LEAF = leaf  # restored below (hypothesis and function-scoped fixtures do not mix)
    N = 1 << n
    rng = np.random.default_rng(seed)
    th_a, th_o, th_s = rng.exponential(size=N), rng.exponential(size=N), rng.exponential(size=N)
    th_o[0] = 0.0  # o_∅ is not an atom
    D = atoms(n)  # [AND S (all) | OR S ≠ ∅]
    theta = np.r_[th_a, th_o[1:]]
    want = D @ np.diag(theta) @ D.T + np.diag(th_s)
    got = torch.empty((N, N), dtype=torch.float64)
    try:
        _normal_matrix(got, torch.tensor(th_a), torch.tensor(th_o), torch.tensor(th_s))
    finally:
        ipm.LEAF = LEAF
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)


@settings(max_examples=12, deadline=None)
@given(n=st.integers(2, 5), seed=st.integers(0, 2**32 - 1), count_empty=st.booleans())
def test_interior_point_reaches_the_lp_optimum(n, seed, count_empty):
    """solve_ipm alone: its certified bound and its (polished) primal meet the independent LP."""
    v = np.random.default_rng(seed).normal(size=1 << n)
    zeta = 0.04 * abs(v[-1] - v[0])
    res = solve_ipm(v, zeta, count_empty, torch.device("cpu"), lambda y: dual_bound(y, v, zeta, count_empty)[0])
    opt = dense_optimum(v, zeta, count_empty)
    assert res.ok
    assert res.bound <= opt + 1e-9
    assert res.bound == pytest.approx(opt, rel=1e-7, abs=1e-9)
    a, o = polish(v, zeta, res)
    q = certified.residual(a, o, v)
    assert np.abs(q).max() <= zeta * (1 + 1e-6)
    assert certified.primal_objective(a, o, count_empty) == pytest.approx(opt, rel=1e-7, abs=1e-9)


def test_an_interrupted_run_still_gives_an_honest_bound():
    v = mlp_values(8)
    zeta = 0.04 * abs(v[-1] - v[0])
    res = solve_ipm(v, zeta, True, torch.device("cpu"), lambda y: dual_bound(y, v, zeta)[0],
                    deadline=time.perf_counter() + 1e-9)
    assert not res.ok and res.message == "time limit"
    assert res.bound <= solve_exact(v, zeta).objective + 1e-9


def test_centrality_correctors_save_steps_and_keep_the_optimum(monkeypatch):
    """The correctors refine each step: the same optimum in fewer steps over a set of tables (not
    on every table: measured over 24 tables at n = 9–11, 460 steps against 523, with 3 tables
    taking more; at n = 13, 24 steps against 32)."""
    steps = {0: 0, 2: 0}
    for seed in range(4):
        v = mlp_values(9, seed=seed)
        zeta = 0.04 * abs(v[-1] - v[0])
        bounds = []
        for k in steps:
            monkeypatch.setattr(ipm, "CORRECTORS", k)
            res = solve_ipm(v, zeta, True, torch.device("cpu"), lambda y: dual_bound(y, v, zeta)[0])
            assert res.ok
            steps[k] += res.iterations
            bounds.append(res.bound)
        assert bounds[1] == pytest.approx(bounds[0], rel=1e-8)
    assert steps[2] < steps[0]


def test_the_iterate_of_least_merit_comes_back_when_the_steps_stall(monkeypatch):
    """With no gap target (gap_tol and STALL_GAP at 0) the run ends only when STALL_STEPS steps
    did not improve the merit; the returned primal is the best iterate's, not the last one's."""
    monkeypatch.setattr(ipm, "STALL_GAP", 0.0)
    v = mlp_values(8, seed=3)
    zeta = 0.04 * abs(v[-1] - v[0])
    sigma = max(np.abs(v).max(), zeta)
    seen = []
    res = solve_ipm(v, zeta, True, torch.device("cpu"), lambda y: dual_bound(y, v, zeta)[0], gap_tol=0.0,
                    report=lambda it, obj, bound, rp: seen.append((obj, bound, rp)))
    assert res.message == "stalled" and not res.ok
    merit = [abs(obj - bound) / sigma / max(1.0, obj / sigma) + rp if rp <= 1e-7 else np.inf
             for obj, bound, rp in seen]
    best = int(np.argmin(merit))
    assert best < len(seen) - ipm.STALL_STEPS  # the last steps did not improve on it
    assert res.objective == pytest.approx(seen[best][0], rel=1e-12)
    assert res.bound <= solve_exact(v, zeta, method="factored").objective + 1e-9


def test_a_step_that_is_not_finite_ends_the_run_with_the_best_iterate(monkeypatch):
    """A Newton solve that returns NaN (seen once on a GPU at n = 15) must not reach the caller:
    the run stops and returns its best finite iterate and certified bound."""
    v = mlp_values(8, seed=1)
    zeta = 0.04 * abs(v[-1] - v[0])
    real, calls = ipm._chol_solve, []

    def poisoned(L, r):
        calls.append(1)
        return real(L, r) * np.nan if len(calls) > 40 else real(L, r)  # 4 to 8 solves a step

    monkeypatch.setattr(ipm, "_chol_solve", poisoned)
    res = solve_ipm(v, zeta, True, torch.device("cpu"), lambda y: dual_bound(y, v, zeta)[0])
    assert res.message == "numerical breakdown" and not res.ok
    assert all(np.isfinite(x).all() for x in (res.and_, res.or_, res.q, res.y))
    opt = solve_exact(v, zeta, method="factored").objective
    assert 0 < res.bound <= opt + 1e-9
    assert res.objective >= opt * (1 - 1e-6)


def test_atoms_far_below_the_largest_are_kept_by_the_finer_polish():
    """An optimal atom at 1e-7 of the largest falls under the first threshold (1e-6·max); the
    route then polishes with 1e-9·max and keeps it, landing on the exact optimum."""
    m = np.arange(1 << 6)
    v = 1e3 * ((0b000111 & ~m) == 0) + 1e-4 * ((0b110000 & ~m) == 0) + 0.5 * ((0b011000 & m) != 0)
    sol = solve_exact(v, 0.0, method="ipm", device="cpu")
    assert sol.solver == "ipm+polish" and sol.status == "optimal"
    assert sol.objective == pytest.approx(1e3 + 1e-4 + 0.5, rel=1e-12)
    assert sol.and_[0b110000] == pytest.approx(1e-4, rel=1e-6)


def test_auto_switches_to_the_interior_point_on_a_stalled_generation(monkeypatch):
    """When generation runs past the interior point's estimated time, "auto" switches (here the
    estimate is 0: a switch on the first round) and the answer is still optimal and certified."""
    monkeypatch.setattr(certified, "ipm_seconds", lambda n, device: 0.0)
    v = mlp_values(11)
    zeta = 0.04 * abs(v[-1] - v[0])
    sol = solve_exact(v, zeta, device="cpu")
    assert sol.solver.startswith("generate->ipm")
    assert sol.status == "optimal"
    check_certificate(sol, v, zeta)


def test_auto_switches_after_a_dense_first_stage(monkeypatch):
    """A first generation stage with DENSE_ROWS masks or more marks a dense table: "auto" goes to
    the interior point right away (here any first stage counts as dense)."""
    monkeypatch.setattr(certified, "DENSE_ROWS", 1)
    v = mlp_values(11, seed=1)
    zeta = 0.04 * abs(v[-1] - v[0])
    stages = []
    real = certified.generate

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        stages.append((kwargs.get("dense_rows"), out[5]))
        return out

    monkeypatch.setattr(certified, "generate", spy)
    sol = solve_exact(v, zeta, device="cpu")
    assert stages[0] == (1, "dense")
    assert sol.solver.startswith("generate->ipm") and sol.status == "optimal"
    check_certificate(sol, v, zeta)


def test_no_early_switch_without_time_for_the_interior_point(monkeypatch):
    """With a deadline far shorter than the interior point's estimate (less than IPM_EARLY of it),
    a dense first stage does not switch: generation keeps the time (its answer still certified)."""
    monkeypatch.setattr(certified, "DENSE_ROWS", 1)
    monkeypatch.setattr(certified, "ipm_seconds", lambda n, device: 1e6)
    v = mlp_values(11, seed=1)
    zeta = 0.04 * abs(v[-1] - v[0])
    sol = solve_exact(v, zeta, device="cpu", time_limit=60)
    assert sol.solver == "generate+highspy"
    check_certificate(sol, v, zeta, tol=np.inf)


def test_a_failed_polish_falls_back_to_the_simplex_crossover(monkeypatch):
    monkeypatch.setattr(certified, "polish", lambda v, zeta, res, **kw: (np.zeros_like(v), np.zeros_like(v)))
    v = mlp_values(9, seed=2)
    zeta = 0.04 * abs(v[-1] - v[0])
    sol = solve_exact(v, zeta, method="ipm", device="cpu")
    assert sol.solver == "ipm+crossover"
    assert sol.status == "optimal"
    check_certificate(sol, v, zeta)
    assert sol.objective == pytest.approx(solve_exact(v, zeta, method="factored").objective, rel=1e-7)


def test_polish_keeps_a_vertex_support_on_random_tables():
    """On a generic table the interior point is strictly complementary: the polished split has
    no more atoms than masks (a vertex's count) and matches the factored LP."""
    v = np.random.default_rng(5).normal(size=1 << 9)
    zeta = 0.04 * abs(v[-1] - v[0])
    sol = solve_exact(v, zeta, method="ipm", device="cpu")
    ref = solve_exact(v, zeta, method="factored")
    assert sol.status == "optimal" and sol.solver == "ipm+polish"
    assert sol.support <= 1 << 9
    assert sol.objective == pytest.approx(ref.objective, rel=1e-8)


def test_ipm_refuses_a_table_beyond_memory_with_the_fix(monkeypatch):
    monkeypatch.setattr(certified, "_free_memory", lambda device: 1 << 20)
    with pytest.raises(ResourceError, match="GiB.*method='generate'"):
        solve_exact(np.zeros(1 << 10), 0.1, method="ipm", device="cpu")


def test_running_out_of_gpu_memory_is_a_resource_error_with_the_fix(monkeypatch):
    def oom(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 32.00 GiB")

    monkeypatch.setattr(certified, "solve_ipm", oom)
    with pytest.raises(ResourceError, match="GiB.*method='generate'"):
        solve_exact(mlp_values(8), 0.1, method="ipm", device="cpu")


@settings(max_examples=20, deadline=None)
@given(m=st.integers(1, 40), seed=st.integers(0, 2**32 - 1))
def test_the_cholesky_solve_by_two_triangular_solves(m, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(m, m))
    M = A @ A.T + m * np.eye(m)
    r = rng.normal(size=m)
    L = torch.linalg.cholesky(torch.tensor(M))
    np.testing.assert_allclose(ipm._chol_solve(L, torch.tensor(r)).numpy(), np.linalg.solve(M, r), rtol=1e-10, atol=1e-12)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_interior_point_matches_cpu():
    v = mlp_values(9, seed=1)
    zeta = 0.04 * abs(v[-1] - v[0])
    gpu = solve_exact(v, zeta, method="ipm", device="cuda")
    cpu = solve_exact(v, zeta, method="ipm", device="cpu")
    assert gpu.status == cpu.status == "optimal"
    assert gpu.objective == pytest.approx(cpu.objective, rel=1e-7)
    check_certificate(gpu, v, zeta)


def test_a_time_limited_interior_point_returns_its_polished_split_without_a_crossover():
    """Stopped by the deadline, the route must not start a crossover (which has no time left and
    once ran a minute past the limit): the polished split comes back, feasible and certified."""
    v = mlp_values(10, seed=2)
    zeta = 0.04 * abs(v[-1] - v[0])
    sol = solve_exact(v, zeta, method="ipm", device="cpu", time_limit=0.05)
    assert sol.status == "time_limit" and sol.solver.startswith("ipm+polish")
    check_certificate(sol, v, zeta, tol=np.inf)
