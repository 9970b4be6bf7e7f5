"""The QP phase of the canonical tie-break: a dense least-norm QP solved exactly (docs/theory.md §3.7).

:mod:`._canonical` reduces the tie-break, on the masks and atoms its LP phase found, to the QP of
:class:`QP`: min ½‖u‖² + pᵀu + πᵀt over the signed atoms u ≥ 0 and each mask's slack 0 ≤ t ≤ W.
:func:`solve_qp` solves it, trying in turn a primal-dual active-set method (:func:`active_set`,
exact to rounding where it settles), a Mehrotra interior point (:func:`interior`) followed by the
active-set method from its active set, the least-norm solution on that active set ("projected"),
or the interior point itself ("interior"). The matrices are dense (the caller bounds their size by
its QP_MAX_MASKS and QP_MAX_ENTRIES) and solved with one BLAS thread (:func:`blas_threads`).
Growing the masks and atoms until the answer solves the problem over all 2^n masks, and choosing
the first active set (:func:`active_set_of` the LP vertex), are the caller's (``_qp_phase`` of
:mod:`._canonical`).
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from dataclasses import dataclass

import numpy as np

__all__ = ["QP", "solve_qp", "active_set", "interior", "active_set_of", "qp_value", "blas_threads", "DEBUG",
           "QP_TOL", "RCOND", "POLISH_STEPS", "GUESS_STEPS", "IPM_TOL", "IPM_STALL", "IPM_OK"]

QP_TOL = 1e-11  # relative tolerance of the active-set tests (signs of values and multipliers)
RCOND = 1e-11  # singular values below RCOND·max are treated as 0 in the least-squares solves
POLISH_STEPS = 12  # active-set steps after the interior point ...
GUESS_STEPS = 6  # ... and from a guess before it
IPM_TOL = 1e-13  # the interior point stops at this merit max(relative residual, μ/scale²) ...
IPM_STALL = 8  # ... or, once within IPM_OK, when its best merit has not improved for this many steps
IPM_OK = 1e-8  # ... and its best iterate counts as converged at this merit
#: Print the progress of each QP round and interior-point step (environment SYMLOGIC_CANON_DEBUG set).
DEBUG = bool(os.environ.get("SYMLOGIC_CANON_DEBUG"))


@dataclass
class QP:
    """min ½‖u‖² + pᵀu + πᵀt  s.t.  A u − σ∘t = b,  u ≥ 0,  0 ≤ t ≤ W  (one row per mask).

    u: signed atom columns (``atoms``, ``signs``); t: each mask's slack from the bound b that its
    LP dual prices (σ = +1: t = (Au)_T − (v_T − ζ); σ = −1: t = (v_T + ζ) − (Au)_T), W = 2ζ.
    p = (c − s·Dᵀy)/ε and π = |y|/ε: L1/ε up to a constant (docs/theory.md §3.7, the docstring of
    :mod:`._canonical`).
    """

    A: np.ndarray
    b: np.ndarray
    sigma: np.ndarray
    p: np.ndarray
    pi: np.ndarray
    W: float


def active_set(qp: QP, free: np.ndarray, state: np.ndarray, deadline: float | None,
               max_steps: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, bool]:
    """Primal-dual active-set (semismooth Newton) from the guess ``free`` (columns with u > 0) and
    ``state`` (per row: 0 = t at 0, 1 = t inside, 2 = t at W).

    Each step solves the equality-constrained least-norm problem of the guess exactly (SVD):
    u_F = −g + A_B⁺(h_B + A_B g) with the bound rows B at their t and the inside rows' π moved
    into g; then every column whose value is negative leaves, every column whose multiplier is
    negative enters, every bound row whose multiplier has the wrong sign goes inside and every
    inside row whose t leaves [0, W] goes to that bound. A guess that repeats is the answer (its
    KKT conditions hold up to the tolerances). Returns (u, t, w, steps, converged); unconverged,
    the last step's least-norm solution, not clipped (with ``max_steps`` 1: the projection of
    the guess).

    Where masks depend on each other the multipliers w_B of the bound masks are not unique, and
    the least-norm choice can break a sign that another choice keeps: the method then does not
    settle (planted and additive tables), and :func:`solve_qp` falls back on the interior point.
    """
    A, b, sigma, p, pi, W = qp.A, qp.b, qp.sigma, qp.p, qp.pi, qp.W
    m, K = A.shape
    seen: set[bytes] = set()
    u = np.zeros(K)
    t = np.zeros(m)
    w = np.zeros(m)
    max_steps = max_steps or POLISH_STEPS
    for step in range(1, max_steps + 1):
        key = np.packbits(free).tobytes() + state.astype(np.int8).tobytes()
        F = np.flatnonzero(free)
        inside = state == 1
        B = np.flatnonzero(~inside)
        I = np.flatnonzero(inside)
        tb = np.where(state == 2, W, 0.0)
        g = p[F] + A[np.ix_(I, F)].T @ (sigma[I] * pi[I])
        AB = A[np.ix_(B, F)]
        h = b[B] + sigma[B] * tb[B]
        u = np.zeros(K)
        w = np.zeros(m)
        if F.size and B.size:
            U, s, Vt = np.linalg.svd(AB, full_matrices=False)
            r = int(np.count_nonzero(s > RCOND * s[0])) if s.size and s[0] > 0 else 0
            U, s, Vt = U[:, :r], s[:r], Vt[:r]
            delta = Vt.T @ ((U.T @ (h + AB @ g)) / s)
            u[F] = delta - g
            w[B] = U @ ((Vt @ delta) / s)
        elif F.size:
            u[F] = -g
        w[I] = -sigma[I] * pi[I]
        t = np.where(inside, sigma * (A @ u - b), tb)
        # multipliers: z_u = u + p − Aᵀw on columns, ν = π + σw (= z_t − z_w) on rows
        zu = p - A.T @ w
        nu = pi + sigma * w
        scale_u = max(float(np.abs(u).max(initial=0.0)), float(np.abs(b).max(initial=0.0)), 1e-300)
        scale_w = max(float(np.abs(w[B]).max(initial=0.0)), scale_u)
        tol_u, tol_z, tol_t = QP_TOL * scale_u, QP_TOL * scale_w, QP_TOL * scale_u
        new_free = np.where(free, u > -tol_u, zu < -tol_z)
        new_free &= ~(free & (u <= tol_u) & (zu > tol_z))  # tiny values whose multiplier says leave
        new_state = state.copy()
        new_state[(state == 0) & (nu < -tol_z)] = 1
        new_state[(state == 2) & (nu > tol_z)] = 1
        if W > 0:
            new_state[inside & (t < -tol_t)] = 0
            new_state[inside & (t > W + tol_t)] = 2
            # bound masks that the free atoms cannot meet (the least-squares solve left them off
            # their bound): inside, where the next solve will see where they fall
            off = np.zeros(m, dtype=bool)
            off[B] = np.abs(AB @ u[F] - h) > tol_t if F.size else np.abs(h) > tol_t
            new_state[off] = 1
        else:
            new_state[:] = 0
        met = W > 0 or not B.size or float(np.abs((AB @ u[F] if F.size else 0.0) - h).max()) <= tol_t
        if met and np.array_equal(new_free, free) and np.array_equal(new_state, state):
            return np.maximum(u, 0.0), np.clip(t, 0.0, W), w, step, True
        seen.add(key)
        free, state = new_free, new_state
        nkey = np.packbits(free).tobytes() + state.astype(np.int8).tobytes()
        if nkey in seen or (deadline is not None and time.perf_counter() >= deadline):
            break
    return u, t, w, max_steps, False


def interior(qp: QP, deadline: float | None, max_iter: int = 80
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """Mehrotra predictor-corrector for the QP of :class:`QP`, every mask's t boxed by t, s ≥ 0,
    t + s = W (held at t = 0 when W = 0). Normal equations in the masks:
    (A H_u⁻¹ Aᵀ + H_t⁻¹) Δw = r with H_u = 1 + z/u, H_t = z_t/t + z_w/s. Returns the best
    iterate (u, t, s, w, z, ν = z_t − z_w) and whether its merit max(relative residual, μ/scale²)
    is within IPM_OK: on these degenerate problems (dependent masks) the residuals stop near
    1e-10 and μ then wanders, so the best iterate is kept."""
    A, b, sigma, p, pi, W = qp.A, qp.b, qp.sigma, qp.p, qp.pi, qp.W
    m, K = A.shape
    theta = max(float(np.abs(b).max(initial=0.0)), 1e-300)
    box = W > 0
    nb = m if box else 0
    u = np.full(K, 0.1 * theta)
    z = np.maximum(p, 0.0) + 0.1 * theta
    t = np.full(m, 0.5 * W)
    sw = np.full(m, 0.5 * W)
    zt = (np.maximum(pi, 0.0) + 0.1 * theta) if box else np.zeros(m)
    zw = np.full(m, 0.1 * theta) if box else np.zeros(m)
    w = np.zeros(m)
    best: tuple[float, int, tuple[np.ndarray, ...]] = (math.inf, 0, ())
    for it in range(max_iter):
        r_u = u + p - A.T @ w - z
        r_b = A @ u - sigma * t - b
        if box:
            r_t = pi + sigma * w - zt + zw
            r_s = t + sw - W
            mu = (u @ z + t @ zt + sw @ zw) / (K + 2 * nb)
        else:
            r_t = r_s = np.zeros(m)
            mu = (u @ z) / K
        # relative to the size of the terms summed (p and π reach 1/ε off the face; Aᵀw cancels)
        aw = np.abs(A).T @ np.abs(w)
        err = max(float(np.max(np.abs(r_u) / (theta + np.abs(p) + aw + z), initial=0.0)),
                  float(np.max(np.abs(r_b) / (theta + np.abs(A) @ np.abs(u)), initial=0.0)),
                  float(np.abs(r_s).max(initial=0.0)) / theta,
                  float(np.max(np.abs(r_t) / (theta + pi + np.abs(w) + zt + zw), initial=0.0)))
        if DEBUG:
            print(f"      ipm {it}: err {err:.1e} ru {np.abs(r_u).max():.1e} rb {np.abs(r_b).max(initial=0):.1e} "
                  f"rt {np.abs(r_t).max(initial=0):.1e} rs {np.abs(r_s).max(initial=0):.1e} mu {mu:.2e}")
        merit = max(err, mu / (theta * theta))
        if merit < best[0]:
            best = (merit, it, (u, t, sw, w, z, zt - zw))
        if merit <= IPM_TOL or (best[0] <= IPM_OK and it - best[1] >= IPM_STALL):  # done, or at the floor
            break
        if deadline is not None and time.perf_counter() >= deadline:
            break
        Hu = 1.0 + z / u
        Ht_inv = 1.0 / (zt / t + zw / sw) if box else np.zeros(m)
        M = (A / Hu) @ A.T
        # a hair of regularisation keeps the factor finite where masks are dependent (a mask's row
        # is often a sum of others on the restricted atoms)
        reg = 1e-13 * max(float(np.trace(M)) / max(m, 1), 1e-300)
        M[np.diag_indices(m)] += Ht_inv + reg
        try:
            L = np.linalg.cholesky(M)
        except np.linalg.LinAlgError:
            M[np.diag_indices(m)] += 1e3 * reg
            try:
                L = np.linalg.cholesky(M)
            except np.linalg.LinAlgError:
                break  # the best iterate so far is returned

        def direction(r_zu: np.ndarray, r_zt: np.ndarray, r_zw: np.ndarray
                      ) -> tuple[np.ndarray, ...]:
            rho_u = -r_u - r_zu / u
            rho_t = (-r_t - r_zt / t + (r_zw - zw * r_s) / sw) if box else np.zeros(m)
            rhs = -r_b - A @ (rho_u / Hu) + sigma * rho_t * Ht_inv
            dw = _cho_solve(L, rhs)
            du = (A.T @ dw + rho_u) / Hu
            dz = (-r_zu - z * du) / u
            if not box:
                zero = np.zeros(m)
                return du, zero, zero, dw, dz, zero, zero
            dt = (rho_t - sigma * dw) * Ht_inv
            ds = -r_s - dt
            dzt = (-r_zt - zt * dt) / t
            dzw = (-r_zw - zw * ds) / sw
            return du, dt, ds, dw, dz, dzt, dzw

        def step(d: tuple[np.ndarray, ...]) -> float:
            a = 1.0
            pairs = [(u, d[0]), (z, d[4])] + ([(t, d[1]), (sw, d[2]), (zt, d[5]), (zw, d[6])] if box else [])
            for x, dx in pairs:
                neg = dx < 0
                if neg.any():
                    a = min(a, float(np.min(-x[neg] / dx[neg])))
            return a

        def comp(a: float, d: tuple[np.ndarray, ...]) -> float:
            c = (u + a * d[0]) @ (z + a * d[4])
            if box:
                c += (t + a * d[1]) @ (zt + a * d[5]) + (sw + a * d[2]) @ (zw + a * d[6])
            return c / (K + 2 * nb)

        aff = direction(u * z, t * zt, sw * zw)
        mu_aff = comp(step(aff), aff)
        target = mu * min(1.0, (mu_aff / mu) ** 3)
        d = direction(u * z + aff[0] * aff[4] - target, t * zt + aff[1] * aff[5] - target,
                      sw * zw + aff[2] * aff[6] - target)
        a = min(1.0, 0.995 * step(d))
        if DEBUG:
            print(f"         step {a:.2e} (affine {step(aff):.2e})")
        u, t, sw, w, z, zt, zw = (u + a * d[0], t + a * d[1], sw + a * d[2], w + a * d[3], z + a * d[4],
                                  zt + a * d[5], zw + a * d[6])
    merit, _, (u, t, sw, w, z, nu) = best
    return u, t, sw, w, z, nu, merit <= IPM_OK


def _cho_solve(L: np.ndarray, r: np.ndarray) -> np.ndarray:
    from scipy.linalg import solve_triangular

    return solve_triangular(L.T, solve_triangular(L, r, lower=True, check_finite=False), lower=False,
                            check_finite=False)


def blas_threads() -> contextlib.AbstractContextManager[object]:
    """One BLAS thread for the dense solves of this stage. Measured on 2 shared cores: a 367 × 367
    Cholesky took 0.12–0.5 s with OpenBLAS's default threads and 1.5 ms with one, and a 1024-row
    SVD 1.8 s; the matrices here are at most QP_MAX_MASKS square, where one thread is no loss."""
    try:
        from threadpoolctl import threadpool_limits  # scikit-learn's dependency
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def solve_qp(qp: QP, guess: tuple[np.ndarray, np.ndarray] | None, deadline: float | None
             ) -> tuple[np.ndarray, np.ndarray, str, int]:
    """The QP's solution and multipliers. First the active-set method from ``guess`` (free atoms,
    mask states: the LP vertex, or the previous round's answer): where the optimum is unique or
    the face small that settles in a step or two, with the KKT conditions holding to rounding
    ("exact"). Otherwise the interior point, and the active-set method from its active set
    (u > z: free; z_t > t: t at 0; z_w > s: t at W); if that does not settle either (the
    multipliers of dependent masks), the least-norm solution on the interior point's active set
    when it is feasible and no worse than the interior point ("projected": feasible to rounding,
    optimal to the interior point's accuracy), else the interior point ("interior", accurate to
    ~1e-9). Returns (u, w, how, steps); how is "failed" when the interior point did not converge."""
    steps = 0
    with blas_threads():
        if guess is not None:
            pu, _, pw, steps, settled = active_set(qp, guess[0].copy(), guess[1].copy(), deadline,
                                                   max_steps=GUESS_STEPS)
            if settled:
                return pu, pw, "exact", steps
        u, t, sw, w, z, nu, ok = interior(qp, deadline)
        if not ok:
            return u, w, "failed", steps
        free = u > z
        state = (np.where(nu > t, 0, np.where(-nu > sw, 2, 1)) if qp.W > 0
                 else np.zeros(qp.A.shape[0], dtype=np.int64))
        pu, _, pw, more, settled = active_set(qp, free.copy(), state.copy(), deadline)
        steps += more
        if settled:
            return pu, pw, "exact", steps
        pu, pt, _, _, _ = active_set(qp, free, state, deadline, max_steps=1)
    u = np.maximum(u, 0.0)
    t_ipm = qp.sigma * (qp.A @ u - qp.b)
    tol = QP_TOL * max(float(np.abs(qp.b).max(initial=0.0)), float(u.max(initial=0.0)), 1e-300)
    t_pu = qp.sigma * (qp.A @ pu - qp.b)
    if pu.min(initial=0.0) >= -tol and t_pu.min(initial=0.0) >= -tol and t_pu.max(initial=0.0) <= qp.W + tol:
        pu = np.maximum(pu, 0.0)
        if qp_value(qp, pu, np.clip(t_pu, 0.0, qp.W)) <= qp_value(qp, u, np.clip(t_ipm, 0.0, qp.W)) + tol * tol:
            return pu, w, "projected", steps
    # the interior point alone is accurate to its tolerance (what it leaves on inactive atoms, ~μ/z,
    # is cut by the caller's ZERO; cutting more here would move masks out of the box)
    return u, w, "interior", steps


def qp_value(qp: QP, u: np.ndarray, t: np.ndarray) -> float:
    """½‖u‖² + pᵀu + πᵀt, summed exactly."""
    return math.fsum(np.concatenate([0.5 * u * u, qp.p * u, qp.pi * t]))


def active_set_of(qp: QP, u: np.ndarray, near: float) -> tuple[np.ndarray, np.ndarray]:
    """The active set of a point u: its non-zero atoms free, each mask at the bound its slack t
    sits within ``near`` of (the LP vertex sits on a narrower box), or inside."""
    t = qp.sigma * (qp.A @ u - qp.b)
    if qp.W <= 0:
        return u > 0, np.zeros(t.shape[0], dtype=np.int64)
    near = min(near + 1e-9 * qp.W, 0.25 * qp.W)
    return u > 0, np.where(t <= near, 0, np.where(t >= qp.W - near, 2, 1))
