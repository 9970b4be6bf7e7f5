"""Row-and-column generation with a warm-started HiGHS master (see :mod:`._exact_master`).

Each round: re-solve the master from its previous basis; compute on *all* 2^n masks the residual
Za + Oo − v and on all 2·2^n atoms the prices Zᵀy, Oᵀy with the butterflies (torch, on the GPU
when there is one); add the most violated masks (with their AND atoms in both signs, which keeps
the master feasible: D restricted to them is unitriangular) and the atoms that price in (in the
sign that prices in). Stops when no mask is violated and no atom prices in, i.e. the master's
(x, y) is optimal for the full LP. Every round also yields an honest lower bound (y scaled into
feasibility) and, when no mask is violated, a feasible split; the best of each is kept, so that a
time-limited answer is the best seen, not the last.
"""

from __future__ import annotations

import os
import time

import numpy as np
import torch

from ..progress import Progress
from ..transforms import mobius, n_from_length, or_interactions, or_sum, or_sum_transpose, subset_sum, superset_sum
from ._exact_master import Master

__all__ = ["generate"]

_DEBUG = bool(os.environ.get("SYMLOGIC_EXACT_DEBUG"))
PRICE_TOL = 1e-9


def _top(score: np.ndarray, k: int) -> np.ndarray:
    """Indices of the (at most) k largest positive entries of ``score``, largest first."""
    pos = np.flatnonzero(score > 0)
    if pos.size > k:
        pos = pos[np.argpartition(-score[pos], k - 1)[:k]]
    return pos[np.argsort(-score[pos])]


def _initial(v: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seed masks ∅, N, singletons and their complements; atoms: the largest AND and OR
    interactions of v itself in the sign of the interaction, and every singleton OR atom."""
    N = 1 << n
    full = N - 1
    rows = np.unique(np.r_[0, full, [1 << i for i in range(n)], [full ^ (1 << i) for i in range(n)]])
    k = min(N - 1, 4 * n)
    and_i = mobius(v)
    or_i = or_interactions(v)
    or_i[0] = 0.0
    top_a = np.argpartition(-np.abs(and_i), k)[:k]
    top_o = np.argpartition(-np.abs(or_i), k)[:k]
    top_o = top_o[top_o != 0]
    singles = np.array([1 << i for i in range(n)])
    atoms = np.r_[top_a, N + top_o, N + singles, N + singles]
    signs = np.r_[np.sign(and_i[top_a]), np.sign(or_i[top_o]), np.ones(n), -np.ones(n)]
    signs[signs == 0] = 1
    return rows, atoms.astype(np.int64), signs.astype(np.int64)


def generate(v: np.ndarray, zeta: float, count_empty: bool, device: torch.device, deadline: float | None,
             progress: bool | None, max_rounds: int, bound_fn) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, str]:
    """Returns (a, o, y, iterations, rounds, status); (a, o) the best feasible split seen (or the
    last master solution when none was feasible), y the dual with the best certified bound.

    ``bound_fn(y)`` gives the certified lower bound of a dual vector (exact.dual_bound).
    """
    N = v.shape[0]
    n = n_from_length(N)
    vt = torch.tensor(np.array(v, dtype=np.float64), device=device)
    master = Master(v, zeta, count_empty)
    rows, atoms, signs = _initial(v, n)
    master.add_cols(np.r_[atoms, rows, rows], np.r_[signs, np.ones(rows.size, np.int64), -np.ones(rows.size, np.int64)])
    master.add_rows(rows)
    status = "round_limit"
    best_primal: tuple[float, np.ndarray, np.ndarray] | None = None
    best_dual: tuple[float, np.ndarray] | None = None
    a = np.zeros(N)
    o = np.zeros(N)
    rnd = 0
    start_col = 1 if not count_empty else 0
    t0 = time.perf_counter()
    with Progress(max_rounds, "exact AND-OR split", enabled=progress) as bar:
        for rnd in range(1, max_rounds + 1):
            left = None if deadline is None else deadline - time.perf_counter()
            if left is not None and left <= 0:
                status = "time_limit"
                break
            ts = time.perf_counter()
            x, y_r, ok, msg = master.solve(left)
            t_lp = time.perf_counter() - ts
            bar.update()
            if not ok:
                status = "time_limit" if deadline is not None and time.perf_counter() >= deadline else "not_converged"
                break
            a, o = master.values(x)
            y = np.zeros(N)
            y[master.rows] = y_r
            bound = bound_fn(y)
            if best_dual is None or bound > best_dual[0]:
                best_dual = (bound, y)
            # full residual and full pricing with the butterflies (on the device)
            at = torch.as_tensor(a, device=device)
            ot = torch.as_tensor(o, device=device)
            yt = torch.as_tensor(y, device=device)
            row_viol = ((subset_sum(at) + or_sum(ot) - vt).abs() - zeta).cpu().numpy()
            row_viol[master.rows] = -1.0
            dty = torch.cat([superset_sum(yt), or_sum_transpose(yt)]).cpu().numpy()
            price = np.abs(dty) - 1.0 - PRICE_TOL
            if not count_empty:
                price[0] = -1.0
            price[N] = -1.0  # o(∅) is not an atom
            n_rows = int((row_viol > 0).sum())
            n_cols = int((price > 0).sum())
            obj = float(np.abs(x).sum() - (np.abs(a[0]) if not count_empty else 0.0))
            if n_rows == 0:
                pobj = float(np.abs(a[start_col:]).sum() + np.abs(o[1:]).sum())
                if best_primal is None or pobj < best_primal[0]:
                    best_primal = (pobj, a, o)
            if _DEBUG:
                print(f"  rnd {rnd:3d} R={master.rows.size:6d} C={master.atoms.size:6d} lp={t_lp:6.2f}s "
                      f"it={master.iterations:7d} obj={obj:.6f} bound={bound:.6f} viol_rows={n_rows} "
                      f"price_cols={n_cols} t={time.perf_counter() - t0:.1f}", flush=True)
            if n_rows == 0 and n_cols == 0:
                status = "optimal"
                break
            batch = max(8 * n, master.rows.size // 4)
            if n_rows:
                new_rows = _top(row_viol, batch)
                master.add_cols(np.r_[new_rows, new_rows],
                                np.r_[np.ones(new_rows.size, np.int64), -np.ones(new_rows.size, np.int64)])
                master.add_rows(new_rows)
            if n_cols:
                batch_c = max(8 * n, master.atoms.size // 4)
                new = _top(price, batch_c)
                master.add_cols(new, np.where(dty[new] > 0, 1, -1).astype(np.int64))
    if status == "optimal" or best_primal is None:
        out_a, out_o = a, o
    else:
        out_a, out_o = best_primal[1], best_primal[2]
    y_out = best_dual[1] if best_dual is not None else np.zeros(N)
    if status == "optimal":
        y_out = y  # the final y certifies the final x
    return out_a, out_o, y_out, master.iterations, rnd, status
