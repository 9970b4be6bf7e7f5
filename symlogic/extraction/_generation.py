"""Row-and-column generation with a warm-started HiGHS master (see :mod:`._master`).

Each round: re-solve the master from its previous basis; compute on *all* 2^n masks the residual
Za + Oo − v and on all 2·2^n atoms the prices Zᵀy, Oᵀy with the butterflies (torch, on the GPU
when there is one); add the most violated masks (with their AND atoms in both signs, which keeps
the master feasible: D restricted to them is unitriangular) and the atoms that price in (in the
sign that prices in); drop rows and atoms that have left the active set (each at most once per
stage, which rules out cycling). A stage ends when no mask is violated and no atom prices in,
i.e. the master's (x, y) is optimal for the full LP with that box.

Continuation in ζ (measured: what makes real-network tables tractable). With the target box from
the start, the first masters fit a handful of masks and are wild elsewhere, so thousands of masks
come in before the active set settles (n = 12 did not finish in 300 s). Solving first for a box
8ζ (small support, fast), then halving the box (only the row bounds change: the basis stays dual
feasible and the re-solve is warm), each stage starts near its optimum and only the masks whose
residual lies between the old and the new box come in (n = 12: 35 s instead of > 300 s).

Every round yields an honest lower bound for the *target* box (y does not depend on ζ, and is
scaled into feasibility), and, in the last stage, a feasible split when no mask is violated; the
best of each is kept, so a time-limited answer is the best seen, not the last.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..progress import Progress
from ..transforms import mobius, n_from_length, or_interactions, or_sum, or_sum_transpose, subset_sum, superset_sum
from ._master import Master

__all__ = ["generate", "Seed"]

_DEBUG = bool(os.environ.get("SYMLOGIC_EXACT_DEBUG"))  # per-round log on stdout
PRICE_TOL = 1e-9
ROW_BATCH = (8, 0.5)  # per round at most max(8·n, 0.5·|R|) masks ...
COL_BATCH = (8, 0.5)  # ... and max(8·n, 0.5·|C|) atoms (measured: 0.25–1 all within 25%)
DROP_THETA = 0.5  # drop a zero atom only when its reduced cost is ≥ this
CONT_TOP, CONT_FACTOR = 8.0, 2.0  # continuation: boxes 8ζ, 4ζ, 2ζ, ζ


@dataclass
class Seed:
    """A start for the master: masks (sorted) with their side (−1 lower bound, +1 upper, 0 basic),
    and the signed atoms of the support, all basic."""

    masks: np.ndarray
    side: np.ndarray
    atoms: np.ndarray
    signs: np.ndarray


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


def _prune(master: Master, x: np.ndarray, y_r: np.ndarray, dty: np.ndarray, rb: np.ndarray, cb: np.ndarray,
           dropped_rows: set[int], dropped_cols: set[int]) -> None:
    """Drop basic rows with zero dual and non-basic zero columns whose reduced cost is ≥ DROP_THETA
    (so the basis stays valid and the next solve warm); each row/column at most once per stage (one
    that comes back stays), which rules out cycling. The AND atoms of kept rows are kept (they keep
    the master feasible). Measured: halves the time at n = 11 (smaller masters, cheaper pivots)."""
    rows = master.rows
    keyc = master.atoms * 2 + (master.signs > 0)
    drop_r = rb & (np.abs(y_r) <= 1e-12) & ~np.isin(rows, np.fromiter(dropped_rows, np.int64))
    kept_rows = rows[~drop_r]
    cost = np.ones(master.atoms.size)
    if not master.count_empty:
        cost[master.atoms == 0] = 0.0
    red = cost - master.signs * dty[master.atoms]
    drop_c = (~cb) & (x == 0) & (red >= DROP_THETA) & ~np.isin(keyc, np.fromiter(dropped_cols, np.int64))
    drop_c &= ~np.isin(master.atoms, kept_rows)
    dropped_rows.update(rows[drop_r].tolist())
    dropped_cols.update(keyc[drop_c].tolist())
    master.drop(np.flatnonzero(drop_r), np.flatnonzero(drop_c))


def _schedule(zeta: float) -> list[float]:
    """Boxes ζ_K > … > ζ_0 = ζ for the continuation (geometric, factor CONT_FACTOR, from CONT_TOP·ζ)."""
    zs = [zeta]
    if zeta > 0:
        while zs[-1] * CONT_FACTOR <= CONT_TOP * zeta * (1 + 1e-9):
            zs.append(zs[-1] * CONT_FACTOR)
    return zs[::-1]


def generate(v: np.ndarray, zeta: float, zeta_true: float, count_empty: bool, device: torch.device,
             deadline: float | None, progress: bool | None, max_rounds: int,
             bound_fn: Callable[[np.ndarray], float],
             seed: Seed | None = None, dense_rows: int | None = None,
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, str]:
    """Solve for the box ``zeta`` (slightly inside ``zeta_true``, the box of the answer).

    ``seed`` starts the master from its masks and signed atoms, and their basis, at the target
    box without continuation: a crossover from an interior solution (:mod:`._ipm`) that
    already knows the active masks and the support.

    ``dense_rows``: stop after the first stage of the continuation, with status "dense", when its
    master holds that many masks or more. The first stage's master size tells dense optima from
    sparse ones early (measured on MLP tables at n = 11–14: ≥ 692 masks on the four that
    generation could not finish in 20 s, ≤ 402 on the twelve it finished in 0.3–12 s).

    Returns (a, o, y, iterations, rounds, status): (a, o) the best split seen that is feasible
    for ``zeta_true`` (or the last master solution when none was), y the dual with the best
    certified bound; ``bound_fn(y)`` is that bound (certified.dual_bound for the target box).
    """
    N = v.shape[0]
    n = n_from_length(N)
    vt = torch.tensor(np.array(v, dtype=np.float64), device=device)
    schedule = _schedule(zeta) if seed is None else [zeta]
    master = Master(v, schedule[0], count_empty)
    rows, atoms, signs = _initial(v, n) if seed is None else (seed.masks, seed.atoms, seed.signs)
    ones = np.ones(rows.size, np.int64)
    master.add_cols(np.r_[atoms, rows, rows], np.r_[signs, ones, -ones])
    master.add_rows(rows)
    if seed is not None:
        key = master.atoms * 2 + (master.signs > 0)
        master.set_basis(np.isin(key, seed.atoms * 2 + (seed.signs > 0)),
                         seed.side[np.searchsorted(seed.masks, master.rows)])
    status = "round_limit"
    best_primal: tuple[float, np.ndarray, np.ndarray] | None = None
    best_dual: tuple[float, np.ndarray] | None = None
    a = np.zeros(N)
    o = np.zeros(N)
    y = np.zeros(N)
    rnd = 0
    start_col = 1 if not count_empty else 0
    t0 = time.perf_counter()
    done = False
    # the bar counts the stages of the continuation; its note shows the round, the box and the
    # best certified bound so far (a long solve shows its gap closing)
    with Progress(len(schedule), "exact AND-OR split", enabled=progress) as bar:
        for stage, z in enumerate(schedule):
            final = stage == len(schedule) - 1
            master.set_zeta(z)
            dropped_rows: set[int] = set()
            dropped_cols: set[int] = set()
            tightened = 0
            while not done:
                if rnd >= max_rounds:
                    done = True
                    break
                left = None if deadline is None else deadline - time.perf_counter()
                if left is not None and left <= 0:
                    status = "time_limit"
                    done = True
                    break
                rnd += 1
                ts = time.perf_counter()
                x, y_r, ok, msg = master.solve(left)
                t_lp = time.perf_counter() - ts
                if not ok:
                    if _DEBUG:
                        print(f"  master not optimal: {msg}", flush=True)
                    timed_out = deadline is not None and time.perf_counter() >= deadline
                    status = "time_limit" if timed_out else "not_converged"
                    done = True
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
                res = (subset_sum(at, check_finite=False) + or_sum(ot, check_finite=False) - vt).abs().cpu().numpy()
                # a row counts as violated only beyond half the solve margin (ζ_true − ζ): rows met
                # to rounding (common on tables with many ties, e.g. planted ones, where thousands
                # sit exactly on the box) pass the exact check later, and adding them would only
                # grow the master without moving its solution
                row_viol = res - (z + 0.5 * (zeta_true - zeta))
                row_viol[master.rows] = -1.0
                dty = torch.cat([superset_sum(yt, check_finite=False),
                                 or_sum_transpose(yt, check_finite=False)]).cpu().numpy()
                price = np.abs(dty) - 1.0 - PRICE_TOL
                if not count_empty:
                    price[0] = -1.0
                price[N] = -1.0  # o(∅) is not an atom
                # atoms already in the master in the sign that would price in are optimal there up
                # to HiGHS's (scaled) tolerance: never re-priced (that would stall)
                have = master.atoms[master.signs == 1]
                price[have[dty[have] > 0]] = -1.0
                have = master.atoms[master.signs == -1]
                price[have[dty[have] < 0]] = -1.0
                n_rows = int((row_viol > 0).sum())
                n_cols = int((price > 0).sum())
                stage_done = n_rows == 0 and n_cols == 0
                bar.update(int(stage_done), note=f"round {rnd}, box +-{z:.4g}, L1 {float(np.abs(x).sum()):.6g}, "
                                                 f"bound {best_dual[0]:.6g}, {n_rows} rows / {n_cols} atoms to add")
                feasible = final and float(res.max()) <= zeta_true
                if feasible:
                    pobj = float(np.abs(a[start_col:]).sum() + np.abs(o[1:]).sum())
                    if best_primal is None or pobj < best_primal[0]:
                        best_primal = (pobj, a, o)
                if _DEBUG:
                    obj = float(np.abs(x).sum() - (np.abs(a[0]) if not count_empty else 0.0))
                    print(f"  rnd {rnd:3d} z={z:.4g} R={master.rows.size:6d} C={master.atoms.size:6d} "
                          f"lp={t_lp:6.2f}s it={master.iterations:7d} obj={obj:.6f} bound={bound:.6f} "
                          f"viol_rows={n_rows} price_cols={n_cols} t={time.perf_counter() - t0:.1f}", flush=True)
                if stage_done:
                    if not final:
                        break
                    if feasible or tightened >= 3:
                        status = "optimal" if feasible else "not_converged"
                        done = True
                        break
                    # rows of the master met only to HiGHS's tolerance (1e-9): move their bounds in
                    # by twice the excess and re-solve (warm), rather than repair densely later
                    over = np.flatnonzero(res[master.rows] > zeta_true)
                    master.tighten(over, 2 * (res[master.rows][over] - z) + 1e-15 * (1 + np.abs(v).max()))
                    tightened += 1
                    continue
                rb, cb = master.basis()
                if rnd >= 2:
                    _prune(master, x, y_r, dty, rb, cb, dropped_rows, dropped_cols)
                if n_rows:
                    new_rows = _top(row_viol, max(int(ROW_BATCH[0] * n), int(master.rows.size * ROW_BATCH[1])))
                    ones = np.ones(new_rows.size, np.int64)
                    master.add_cols(np.r_[new_rows, new_rows], np.r_[ones, -ones])
                    master.add_rows(new_rows)
                if n_cols:
                    new = _top(price, max(int(COL_BATCH[0] * n), int(master.atoms.size * COL_BATCH[1])))
                    master.add_cols(new, np.where(dty[new] > 0, 1, -1).astype(np.int64))
            if done:
                break
            if stage == 0 and dense_rows is not None and master.rows.size >= dense_rows and not final:
                status = "dense"  # the caller has a better method for this table
                break
    if status == "optimal":
        return a, o, y, master.iterations, rnd, status  # the final y certifies the final (a, o)
    out_a, out_o = (a, o) if best_primal is None else (best_primal[1], best_primal[2])
    y_out = best_dual[1] if best_dual is not None else np.zeros(N)
    return out_a, out_o, y_out, master.iterations, rnd, status
