"""A structured interior-point method for the whole LP, for dense tables (docs/theory.md §3, route (b)).

Row-and-column generation (:mod:`._generation`) is fast when the optimum is sparse. On tables of
real networks it is not: at n = 12 the optimal split of a random MLP's table can hold 1540 atoms
with 1540 active masks (38% of all), and the simplex master it then has to re-solve costs ~3 ms a
pivot over thousands of pivots a round. An interior-point method does not care how many atoms or
masks are active: it takes 20–40 Newton steps whatever the support.

Primal, every mask a row and every atom a column (x = a⁺, a⁻, o⁺, o⁻ ≥ 0; q = s − ζ, 0 ≤ s ≤ 2ζ)::

    min 1ᵀx   s.t.   Z(a⁺ − a⁻) + O(o⁺ − o⁻) − s = v − ζ

Each Newton step solves the normal equations (D Θ Dᵀ + Θ_s) Δy = r with D = [Z, −Z, O, −O].
That matrix is 2^n × 2^n and dense, but it is *formed* from two butterflies, not a product:
with g_a = Z(θ_a) and g_o = Z(θ_o) (subset sums of the scaling), for masks T, T'

    (Z Θ_a Zᵀ)[T, T'] = g_a(T ∩ T')
    (O Θ_o Oᵀ)[T, T'] = g_o(N) − g_o(N∖T) − g_o(N∖T') + g_o(N∖(T ∪ T'))

(Σ over atoms that fire on both masks). So a step costs one dense Cholesky of order 2^n and a
few butterflies (n = 12 on 2 CPU cores: ~0.5 s a step, most of it the Cholesky, 0.08 s forming
the matrix by halving on the top bit, :func:`_meet_join`). Memory is 16·4^n bytes (the matrix and its factor), which bounds n
(:func:`ipm_memory`): n = 13 needs 1 GiB, n = 15 16 GiB, n = 16 64 GiB.

With ``count_empty=False`` the constant a_∅ has no cost. A free variable of zero cost would have
no centre; but every feasible split has a_∅ = v(∅) + q_∅ (row ∅), so a_∅ is boxed in
[v(∅) − ζ − 1, v(∅) + ζ + 1] without cutting anything off, and a boxed scalar with a column of ones
only adds its scaling θ₀ to θ_a(∅) in the normal matrix.

Mehrotra predictor-corrector with up to CORRECTORS of Gondzio's centrality correctors (each two
triangular solves against the step's factor; 24 steps instead of 32 at n = 13), infeasible start,
one step of iterative refinement per Newton solve against the operator form (butterflies), which
keeps the primal residual near 1e-10.
Every iterate's y is turned into a *certified* lower bound by the caller's ``bound_fn``
(certified.dual_bound), so the stopping test is on a proven gap, and an interrupted run still returns
an honest bound. The primal it returns is interior (every atom slightly non-zero); :func:`polish`
drops the negligible atoms and puts back on the box the few masks that then leave it, and
:mod:`.certified` falls back to a simplex crossover (the generation master seeded with the active
masks, the support and their basis) when the polished split is not within the tolerance.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..transforms import or_sum, or_sum_transpose, subset_sum, superset_sum

__all__ = ["IPMResult", "solve_ipm", "ipm_memory", "polish", "support", "ipm_seconds"]

CPU_FLOPS_PER_THREAD, GPU_FLOPS, GPU_STEP_SECONDS = 4e10, 5e13, 0.05  # for ipm_seconds
X0 = 1.0  # start: every atom at 1 (measured: 1e-3…1 change the step count by ±10%)
STEP = 0.995  # fraction of the step to the boundary
STALL_GAP = 1e-7  # stop when the merit is this small and has stopped halving (solve_ipm) ...
STALL_STEPS = 8  # ... or has not improved at all in this many steps
REFINE = 1  # refinement steps per Newton solve
CORRECTORS = 2  # at most this many centrality correctors a step
LEAF = 256  # blocks of the normal matrix this small are gathered entry by entry


@dataclass
class IPMResult:
    """Interior solution and the best certified dual seen. Arrays are float64 numpy, length 2^n."""

    and_: np.ndarray
    or_: np.ndarray
    q: np.ndarray  # s − ζ on every mask: near ±ζ on the active masks
    y: np.ndarray  # the dual with the best certified bound
    bound: float
    objective: float  # Σ|a| + Σ|o| of the returned primal (convention of count_empty)
    iterations: int
    ok: bool  # the merit reached gap_tol, or STALL_GAP and stopped halving (solve_ipm)
    message: str


def ipm_memory(n: int) -> int:
    """Bytes the method needs at n variables: the normal matrix, its factor, and vectors."""
    N = 1 << n
    return 8 * N * N * 2 + 8 * N * 64


def _meet_join(out: torch.Tensor, ga: torch.Tensor, gj: torch.Tensor, and_idx: torch.Tensor,
               or_idx: torch.Tensor) -> None:
    """out[T, T'] = ga[T ∩ T'] + gj[T ∪ T'] for the masks 0..len(ga)−1, by halving on the top bit.

    With the top bit split off, T ∩ T' has it only when both masks do and T ∪ T' when either does,
    so the four blocks are the same problem on half tables: (0,0) on (ga_lo, gj_lo), (1,1) on
    (ga_hi, gj_hi), and (0,1) = (1,0) on (ga_lo, gj_hi) (that block is symmetric). Three half-size
    calls and a block copy: ~3.5× faster than gathering every entry (measured, n = 12–13).
    Blocks of LEAF masks or fewer are gathered through the index matrices ``and_idx``/``or_idx``.
    """
    m = ga.shape[0]
    if m <= LEAF:
        out.copy_(ga[and_idx[:m, :m]] + gj[or_idx[:m, :m]])
        return
    h = m // 2
    _meet_join(out[:h, :h], ga[:h], gj[:h], and_idx, or_idx)
    _meet_join(out[:h, h:], ga[:h], gj[h:], and_idx, or_idx)
    out[h:, :h].copy_(out[:h, h:])
    _meet_join(out[h:, h:], ga[h:], gj[h:], and_idx, or_idx)


def _normal_matrix(out: torch.Tensor, th_a: torch.Tensor, th_o: torch.Tensor, th_s: torch.Tensor) -> None:
    """Fill ``out`` with Z Θ_a Zᵀ + O Θ_o Oᵀ + diag(θ_s) (module docstring)."""
    N = th_a.shape[0]
    go = subset_sum(th_o, check_finite=False)
    go_rev = go.flip(0)  # go_rev[T] = g_o(N∖T)
    ar = torch.arange(min(N, LEAF), device=th_a.device)
    _meet_join(out, subset_sum(th_a, check_finite=False), go_rev, ar[:, None] & ar, ar[:, None] | ar)
    out += go[-1]
    out -= go_rev[:, None]
    out -= go_rev[None, :]
    out.diagonal().add_(th_s)


def _chol_solve(L: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    """x with L Lᵀ x = r, by two triangular solves. Not torch.cholesky_solve: it copies L on every
    call, a third 2^n × 2^n buffer beside the matrix and its factor (measured on an H200: 24 GiB
    at n = 15 where ipm_memory says 16), and on CPU it is 10× slower (n = 13, 2 threads)."""
    z = torch.linalg.solve_triangular(L, r[:, None], upper=False)
    return torch.linalg.solve_triangular(L.mT, z, upper=True)[:, 0]


def _centring(products: torch.Tensor, smu: float) -> torch.Tensor:
    """Gondzio's corrector target: the move that brings each complementarity product into
    [0.1·σμ, 10·σμ] (a large product is pulled down by at most 10·σμ)."""
    low, high = 0.1 * smu, 10.0 * smu
    return torch.where(products < low, low - products,
                       torch.where(products > high, torch.clamp(high - products, min=-high), torch.zeros_like(products)))


def _max_step(x: torch.Tensor, dx: torch.Tensor) -> float:
    """Largest α ≤ 1 with x + α·dx ≥ 0 (x > 0)."""
    neg = dx < 0
    if not bool(neg.any()):
        return 1.0
    return min(1.0, float((-x[neg] / dx[neg]).min()))


def solve_ipm(v: np.ndarray, zeta: float, count_empty: bool, device: torch.device,
              bound_fn: Callable[[np.ndarray], float], *, deadline: float | None = None, tol: float = 1e-7,
              gap_tol: float = 1e-9, max_iter: int = 120,
              report: Callable[[int, float, float, float], None] | None = None) -> IPMResult:
    """Solve the LP of the module docstring for the box ``zeta`` on all 2^n masks.

    The table is scaled to max|v| = 1 first (the split scales with v, the dual y does not), so
    that the starting point, the tolerances and the stopping test mean the same at every scale
    (measured: without it a table of size 1e-6 stopped at a 1e-5 relative error).

    Each iterate with a primal residual ≤ tol (relative to ‖v‖∞) gets a merit: its certified gap
    |objective − bound_fn(y)| relative to max(1, objective) in the scaled units, plus that
    relative residual (what the polish has to correct, and pays for in L1).
    The iterate of least merit is returned, not the last one: near the end, float64 on an
    ill-conditioned normal matrix can make a step worse (measured: the residual grew from 4e-9
    to 5e-7 in one step at n = 12). Stops when the merit is ≤ gap_tol, or ≤ STALL_GAP and the
    step made it worse or three steps did not halve it (measured on a GPU at n = 13: stuck at
    2.5e-8 for 90 steps); or at
    ``deadline`` (before a step that would leave less than half a step's time for the polish),
    ``max_iter``, or when the normal matrix can no longer be factored or a step is not finite
    (the best certified y is returned either way). ``report(iteration, objective, bound, primal
    residual)`` is called after every step (for a progress bar).
    """
    sigma = max(float(np.abs(v).max(initial=0.0)), float(zeta)) or 1.0
    scaled_report = None if report is None else (
        lambda it, obj, bound, rp: report(it, obj * sigma, bound * sigma, rp))
    res = _solve_scaled(np.asarray(v, dtype=np.float64) / sigma, zeta / sigma, count_empty, device,
                        lambda y: bound_fn(y) / sigma, deadline, tol, gap_tol, max_iter, scaled_report)
    return IPMResult(res.and_ * sigma, res.or_ * sigma, res.q * sigma, res.y, bound_fn(res.y),
                     res.objective * sigma, res.iterations, res.ok, res.message)


def _solve_scaled(v: np.ndarray, zeta: float, count_empty: bool, device: torch.device,
                  bound_fn: Callable[[np.ndarray], float], deadline: float | None, tol: float, gap_tol: float,
                  max_iter: int, report: Callable[[int, float, float, float], None] | None) -> IPMResult:
    """:func:`solve_ipm` on a table scaled to max|v| ≤ 1."""
    N = v.shape[0]
    dt = torch.float64
    vt = torch.tensor(np.asarray(v, dtype=np.float64), dtype=dt, device=device)
    b = vt - zeta
    # the four atom blocks a⁺, a⁻, o⁺, o⁻ side by side; ``act`` marks real columns (o_∅ is not an
    # atom; without count_empty a_∅ is the boxed scalar a0 below instead)
    act = torch.ones(4 * N, dtype=torch.bool, device=device)
    act[2 * N] = act[3 * N] = False
    free0 = not count_empty
    if free0:
        act[0] = act[N] = False
    actf = act.to(dt)
    x = actf * X0
    z = actf.clone()
    s = torch.full((N,), zeta, dtype=dt, device=device)
    g = s.clone()  # U − s, kept as its own variable (no cancellation near the upper bound)
    zs = torch.ones(N, dtype=dt, device=device)
    ws = torch.ones(N, dtype=dt, device=device)
    y = torch.zeros(N, dtype=dt, device=device)
    # a_∅ when it has no cost: a0 = t − B with 0 ≤ t ≤ 2B (g0 = 2B − t), duals z0, w0
    B = abs(float(v[0])) + zeta + 1.0
    t0 = torch.tensor(B, dtype=dt, device=device)
    g0, z0, w0 = t0.clone(), torch.ones((), dtype=dt, device=device), torch.ones((), dtype=dt, device=device)
    boxed = zeta > 0  # ζ = 0: q is fixed at 0 and s, g and their duals drop out
    if not boxed:
        s, g, zs, ws = (torch.zeros(N, dtype=dt, device=device) for _ in range(4))
    n_comp = float(act.sum()) + (2 * N if boxed else 0) + (2 if free0 else 0)
    bnorm = 1.0 + float(b.abs().max())
    M = torch.empty((N, N), dtype=dt, device=device)

    def d_x(xx: torch.Tensor) -> torch.Tensor:
        return (subset_sum(xx[:N] - xx[N:2 * N], check_finite=False)
                + or_sum(xx[2 * N:3 * N] - xx[3 * N:], check_finite=False))

    def dt_y(yy: torch.Tensor) -> torch.Tensor:
        za = superset_sum(yy, check_finite=False)
        zo = or_sum_transpose(yy, check_finite=False)
        return torch.cat([za, -za, zo, -zo]) * actf

    best_y = np.zeros(N)
    best_bound = bound_fn(best_y)
    best_x: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None  # (x, s, t0) of the best primal
    last_x = (x, s, t0)
    merits: list[float] = []  # the best primal's merit after each step
    it = 0
    step_start, last_step = time.perf_counter(), 0.0
    L: torch.Tensor | None = None
    ok = False
    message = "iteration limit"
    for it in range(1, max_iter + 1):
        # residuals: primal, dual (atoms, s, and a0)
        a0 = t0 - B if free0 else 0.0
        r_p = b - (d_x(x) + a0 - s)
        r_d = (actf - dt_y(y) - z) * actf
        r_ds = y - zs + ws
        r_d0 = -y.sum() - z0 + w0
        y_np = y.cpu().numpy()
        if not (np.isfinite(y_np).all() and bool(torch.isfinite(x).all())):
            message = "numerical breakdown"  # the best (or last finite) iterate is kept below
            break
        last_x = (x, s, t0)
        bound = bound_fn(y_np)
        if bound > best_bound:
            best_bound, best_y = bound, y_np
        a = x[:N] - x[N:2 * N]
        if free0:
            a = a.clone()
            a[0] += a0
        o = x[2 * N:3 * N] - x[3 * N:]
        obj = float(a[0 if count_empty else 1:].abs().sum() + o.abs().sum())
        rp = float(r_p.abs().max()) / bnorm
        if report is not None:
            report(it, obj, best_bound, rp)
        # what the polish will have to pay, roughly: the gap, plus the residual it corrects
        merit = abs(obj - best_bound) / max(1.0, abs(obj)) + rp
        if rp <= tol and (not merits or merit < merits[-1]):
            best_x = (x, s, t0)
            merits.append(merit)
        else:
            merits.append(merits[-1] if merits else math.inf)
        # stop at gap_tol, or at STALL_GAP when this step made the merit worse or three steps
        # did not halve it (the limit of float64 on an ill-conditioned system: later steps only
        # lose accuracy; measured at n = 14, two more steps of 45 s each)
        m = merits[-1]
        worse = merit > m
        if m <= gap_tol or (m <= STALL_GAP and (worse or len(merits) > 3 and m > 0.5 * merits[-4])):
            ok, message = True, "optimal"
            break
        if len(merits) > STALL_STEPS and math.isfinite(m) and m >= merits[-1 - STALL_STEPS]:
            message = "stalled"
            break
        now = time.perf_counter()
        # stop when the next step would end too late, leaving half a step's time for the polish
        if deadline is not None and now + 1.5 * last_step >= deadline:
            message = "time limit"
            break
        last_step = now - step_start
        step_start = now
        comp0 = float(t0 * z0 + g0 * w0) if free0 else 0.0
        mu = (float((x * z).sum()) + float((s * zs).sum()) + float((g * ws).sum()) + comp0) / n_comp
        xs = torch.where(act, x, torch.ones_like(x))
        th = torch.where(act, x / torch.where(act, z, torch.ones_like(z)), torch.zeros_like(x))
        th_s = 1.0 / (zs / s + ws / g) if boxed else torch.zeros_like(s)
        th0 = 1.0 / (z0 / t0 + w0 / g0) if free0 else torch.zeros((), dtype=dt, device=device)
        th_a = th[:N] + th[N:2 * N]
        th_a[0] += th0  # a0's column of ones is the AND atom ∅'s column
        L = None  # free the last factor before the next one is made (memory: ipm_memory)
        _normal_matrix(M, th_a, th[2 * N:3 * N] + th[3 * N:], th_s)
        reg = 1e-14 * float(M.diagonal().max())
        for _ in range(6):
            L, info = torch.linalg.cholesky_ex(M)
            if int(info) == 0:
                break
            M.diagonal().add_(reg)
            reg *= 100.0
        else:
            message = "normal equations could not be factored"
            break

        def op(dy: torch.Tensor) -> torch.Tensor:  # the normal matrix as an operator (butterflies)
            return d_x(th * dt_y(dy)) + th_s * dy + th0 * dy.sum()

        def newton(r_xz: torch.Tensor, r_sz: torch.Tensor, r_gw: torch.Tensor, r_tz: torch.Tensor,
                   r_gw0: torch.Tensor) -> tuple:
            """One Newton direction for the complementarity right-hand sides (module docstring)."""
            rh = r_d - r_xz / xs * actf
            rh_s = r_ds - r_sz / s + r_gw / g if boxed else torch.zeros_like(s)
            rh_0 = r_d0 - r_tz / t0 + r_gw0 / g0
            rhs = r_p + d_x(th * rh) - th_s * rh_s + th0 * rh_0
            dy = _chol_solve(L, rhs)
            for _ in range(REFINE):  # iterative refinement against the operator
                dy = dy + _chol_solve(L, rhs - op(dy))
            dx = th * (dt_y(dy) - rh)
            ds = th_s * (-dy - rh_s)
            dt0 = th0 * (dy.sum() - rh_0)
            dz = (r_xz - z * dx) / xs * actf
            dzs = (r_sz - zs * ds) / s if boxed else torch.zeros_like(s)
            dws = (r_gw + ws * ds) / g if boxed else torch.zeros_like(s)
            dz0 = (r_tz - z0 * dt0) / t0
            dw0 = (r_gw0 + w0 * dt0) / g0
            ap = _max_step(x[act], dx[act])
            ad = _max_step(z[act], dz[act])
            if boxed:
                ap = min(ap, _max_step(s, ds), _max_step(g, -ds))
                ad = min(ad, _max_step(zs, dzs), _max_step(ws, dws))
            if free0:
                ap = min(ap, _max_step(t0[None], dt0[None]), _max_step(g0[None], -dt0[None]))
                ad = min(ad, _max_step(z0[None], dz0[None]), _max_step(w0[None], dw0[None]))
            return dy, dx, ds, dt0, dz, dzs, dws, dz0, dw0, ap, ad

        # predictor (affine scaling), then Mehrotra's centring and second-order correction
        dy, dx, ds, dt0, dz, dzs, dws, dz0, dw0, ap, ad = newton(-(x * z), -(s * zs), -(g * ws), -(t0 * z0), -(g0 * w0))
        mu_aff = (float(((x + ap * dx) * (z + ad * dz)).sum()) + float(((s + ap * ds) * (zs + ad * dzs)).sum())
                  + float(((g - ap * ds) * (ws + ad * dws)).sum())) / n_comp
        if free0:
            mu_aff += float((t0 + ap * dt0) * (z0 + ad * dz0) + (g0 - ap * dt0) * (w0 + ad * dw0)) / n_comp
        sigma = min(1.0, (mu_aff / mu) ** 3) if mu > 0 else 0.0
        smu = sigma * mu
        rhs = [(smu - x * z - dx * dz) * actf, smu - s * zs - ds * dzs, smu - g * ws + ds * dws,
               smu - t0 * z0 - dt0 * dz0, smu - g0 * w0 + dt0 * dw0]
        dy, dx, ds, dt0, dz, dzs, dws, dz0, dw0, ap, ad = newton(*rhs)
        # Gondzio's centrality correctors: from the point a slightly longer step would reach, push
        # the complementarity products that are far from σμ back towards it. A corrector costs two
        # triangular solves, not a factorisation, and is kept only if it lengthens the step.
        for _ in range(CORRECTORS):
            tp, td = min(1.0, ap + 0.1), min(1.0, ad + 0.1)
            extra = [_centring((x + tp * dx) * (z + td * dz), smu) * actf,
                     _centring((s + tp * ds) * (zs + td * dzs), smu) if boxed else torch.zeros_like(s),
                     _centring((g - tp * ds) * (ws + td * dws), smu) if boxed else torch.zeros_like(s),
                     _centring((t0 + tp * dt0) * (z0 + td * dz0), smu),
                     _centring((g0 - tp * dt0) * (w0 + td * dw0), smu)]
            trial = newton(*(r + e for r, e in zip(rhs, extra)))
            if trial[-2] + trial[-1] < ap + ad + 0.02:
                break
            rhs = [r + e for r, e in zip(rhs, extra)]
            dy, dx, ds, dt0, dz, dzs, dws, dz0, dw0, ap, ad = trial
        ap *= STEP
        ad *= STEP
        x = x + ap * dx
        s = s + ap * ds
        g = g - ap * ds
        y = y + ad * dy
        z = z + ad * dz
        zs = zs + ad * dzs
        ws = ws + ad * dws
        if free0:
            t0, g0 = t0 + ap * dt0, g0 - ap * dt0
            z0, w0 = z0 + ad * dz0, w0 + ad * dw0
    x, s, t0 = best_x if best_x is not None else last_x
    a = (x[:N] - x[N:2 * N]).clone()
    if free0:
        a[0] += t0 - B
    o = x[2 * N:3 * N] - x[3 * N:]
    a_np = a.cpu().numpy()
    o_np = o.cpu().numpy()
    obj = float(np.abs(a_np[0 if count_empty else 1:]).sum() + np.abs(o_np).sum())
    return IPMResult(a_np, o_np, (s - zeta).cpu().numpy(), best_y, best_bound, obj, it, ok, message)


def ipm_seconds(n: int, device: torch.device) -> float:
    """Rough time of :func:`solve_ipm` at n variables: 30 Newton steps, each a Cholesky of order
    2^n plus as much again for forming the matrix and the triangular solves. Rates measured:
    CPU, 2 threads: 0.5 s a step at n = 12, 3.4 s at n = 13 (4e10 flop/s a thread); an H200 in
    float64: 0.02 s a step at n = 12, 0.05 s at 13, 0.12 s at 14, 2.8 s at 16 (5e13 flop/s and
    0.05 s of kernel launches a step; a GPU with a slow float64 unit takes longer). A fixed
    model, not a timing, so that the choice "auto" makes is the same on every run."""
    flops = 2 * ((1 << n) ** 3 / 3)
    if device.type == "cuda":
        return 30 * (flops / GPU_FLOPS + GPU_STEP_SECONDS)
    return 30 * flops / (CPU_FLOPS_PER_THREAD * max(1, torch.get_num_threads()))


def _inclusion(masks: np.ndarray, atoms: np.ndarray, N: int) -> np.ndarray:
    """Dense D restricted to ``masks`` × ``atoms`` (atom < N: AND 1[S ⊆ T]; else OR 1[S ∩ T ≠ ∅])."""
    T = masks[:, None]
    is_and = atoms < N
    S = np.where(is_and, atoms, atoms - N)[None, :]
    return np.where(is_and[None, :], (S & ~T) == 0, (S & T) != 0).astype(np.float64)


def support(res: IPMResult, threshold: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """(x, atoms): the interior split as one vector x = [a, o] (AND atom S at S, OR atom S at
    N + S, o_∅ set to 0) and the atoms above ``threshold``·max|x|, the support it found."""
    N = res.and_.shape[0]
    x = np.r_[res.and_, res.or_]
    x[N] = 0.0  # o_∅ is not an atom
    return x, np.flatnonzero(np.abs(x) > threshold * float(np.abs(x).max(initial=0.0)))


def polish(v: np.ndarray, zeta: float, res: IPMResult, threshold: float = 1e-6,
           rounds: int = 8, max_rows: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """A sparse split from the interior one, feasible up to rounding and as good to ~1e-9.

    Atoms below ``threshold``·max|x| are set to 0 (an interior point leaves every atom slightly
    non-zero). That and the interior point's own residual move q a little, and some masks that sat
    on the box end up just outside it: those masks are put back on the box edge they crossed by the
    least-norm correction of the kept atoms, repeated (with the masks that the correction pushes
    out) up to ``rounds`` times. The correction is of the size of the residual, so the objective
    moves by about as much; the caller re-checks the split on every mask and against the
    certificate, and falls back to a simplex crossover when it is not good enough. At most
    ``max_rows`` masks are corrected (the least-squares solve is cubic in them): an interior point
    stopped early can leave thousands outside, and those are left to the caller's exact repair.
    """
    N = v.shape[0]
    x, atoms = support(res, threshold)
    out = np.zeros(2 * N)
    out[atoms] = x[atoms]
    rows = np.zeros(0, dtype=np.int64)
    side = np.zeros(0)
    for _ in range(rounds):
        q = subset_sum(out[:N]) + or_sum(out[N:]) - v
        new = np.flatnonzero(np.abs(q) > zeta)
        new = new[~np.isin(new, rows)]
        if new.size == 0 or rows.size + new.size > max_rows:
            break
        rows = np.r_[rows, new]
        side = np.r_[side, np.sign(q[new])]
        D = _inclusion(rows, atoms, N)
        delta, *_ = np.linalg.lstsq(D, v[rows] + side * zeta - D @ out[atoms], rcond=None)
        out[atoms] += delta
    return out[:N], out[N:]
