"""Joint extraction of generalizable interactions across models or samples (docs/theory.md §3.8).

``extract_joint([rec_1, …, rec_m])`` splits every member's table v^(i) into AND and OR
interactions with its own allocation γ^(i) = γ̄ + γ̂^(i) and noise |q^(i)| ≤ ζ_i, minimising

    Σ_S [(1 − α)·max_i |I^(i)(S)| + α·Σ_i |I^(i)(S)|]   (AND and OR entries)

(Chen et al., ICLR 2024, Eq. 6): a set pays its largest interaction once, so members are pushed
to explain themselves with the same sets. It is a linear program, solved in one sparse HiGHS model
(:mod:`._lp`), re-checked on all 2^n masks of every member, and certified with a dual bound
(:func:`.bound.joint_dual_bound`). With one member it is exactly ``extract``'s problem.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..defaults import Q_BOUND
from ..errors import InputError, ResourceError
from ..params import flag, positive_seconds
from ..record import Record
from .bound import check_alpha, joint_dual_bound, joint_loss
from .result import JOINT_METHOD, JointExtraction

__all__ = ["extract_joint", "MAX_COLUMNS"]

#: The LP has about m·2^n·(n + 6) columns; beyond this many extract_joint refuses (memory and
#: hours of interior-point time: n = 10 with m = 4 already takes a minute or more on 2 cores).
MAX_COLUMNS = 1 << 23


def _records(records: Sequence[Any]) -> list[Record]:
    """The members as records on one variable layout, else an :class:`InputError` naming the odd one."""
    if isinstance(records, (Record, np.ndarray)) or not isinstance(records, Sequence) or isinstance(records, str):
        raise InputError("extract_joint takes a list of records (one per model or sample), e.g. "
                         "extract_joint([rec_a, rec_b]); for one record use extract(rec)")
    if len(records) == 0:
        raise InputError("extract_joint needs at least one record")
    recs = [r if isinstance(r, Record) else Record.from_table(r) for r in records]
    first = recs[0]
    for i, rec in enumerate(recs[1:], start=1):
        if rec.n != first.n:
            raise InputError(f"record {i} has n = {rec.n} variables but record 0 has n = {first.n}; joint extraction "
                             "needs one variable layout: record every member on the same variables")
        if rec.names != first.names:
            raise InputError(f"record {i} names its variables {list(rec.names)} but record 0 {list(first.names)}; "
                             "joint extraction matches sets by variable, so record every member with the same "
                             "variables in the same order (or rename them to agree)")
        if rec.output != first.output:
            raise InputError(f"record {i} records the output {rec.output!r} but record 0 {first.output!r}; "
                             "the joint loss adds interactions of all members, so record them all with one output")
    return recs


def _finish(a: np.ndarray, o: np.ndarray, v: np.ndarray, zetas: np.ndarray,
            count_empty: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every member's split made exactly feasible (:func:`symlogic.extraction.certified._finish_primal`)."""
    from ..extraction.certified import _finish_primal

    done = [_finish_primal(a[i], o[i], v[i], float(zetas[i]), count_empty) for i in range(v.shape[0])]
    return np.stack([d[0] for d in done]), np.stack([d[1] for d in done]), np.stack([d[2] for d in done])


def _violation(q: np.ndarray, zetas: np.ndarray) -> float:
    from ..extraction.split import box_violation

    return max(box_violation(q[i], float(zetas[i])) for i in range(q.shape[0]))


def _fold(a: np.ndarray, o: np.ndarray, q: np.ndarray, v: np.ndarray, zetas: np.ndarray, alpha: float,
          count_empty: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AND and OR over one variable are the same atom: move such OR coefficients to the AND side
    in *every* member at once (folding some members only can raise the max term), kept when all
    members stay in their boxes and the loss does not grow (docs/theory.md §3.2)."""
    from ..extraction.split import residual

    n = v.shape[1].bit_length() - 1
    singles = np.left_shift(1, np.arange(n))
    if not np.any(o[:, singles]):
        return a, o, q
    fa, fo = a.copy(), o.copy()
    fa[:, singles] += fo[:, singles]
    fo[:, singles] = 0.0
    if not (np.isfinite(fa).all()):
        return a, o, q
    fq = np.stack([residual(fa[i], fo[i], v[i]) for i in range(v.shape[0])])
    if _violation(fq, zetas) > 0 or joint_loss(fa, fo, alpha, count_empty) > joint_loss(a, o, alpha, count_empty):
        return a, o, q
    return fa, fo, fq


def _certify(y: np.ndarray, v: np.ndarray, zetas: np.ndarray, alpha: float,
             count_empty: bool) -> tuple[np.ndarray, float]:
    """y scaled so that :func:`joint_dual_bound` accepts it as is (scale 1), and its bound."""
    ys = np.asarray(y, dtype=np.float64)
    for _ in range(4):
        bound, scale = joint_dual_bound(ys, v, zetas, alpha, count_empty)
        if scale == 1.0:
            return ys, bound
        ys = ys / (scale * (1 + 1e-12))
    return ys, joint_dual_bound(ys, v, zetas, alpha, count_empty)[0]


def extract_joint(records: Sequence[Record | Any], alpha: float = 0.1, q_bound: float = Q_BOUND, *,
                  count_empty: bool = True, time_limit: float | None = None, tol: float = 1e-6) -> JointExtraction:
    """Extract AND-OR interactions of m models (or m samples) jointly, certified (docs/theory.md §3.8).

    Args:
        records: m records on one variable layout (same n, names and output); tables of 2^n
            numbers are wrapped as records.
        alpha: weight of Σ_i|I^(i)(S)| against max_i|I^(i)(S)| (0.1 in Chen et al.): α = 1 is m
            separate extractions, α = 0 pays each set only once, for its largest member.
        q_bound: ζ_i = q_bound·|v^(i)(N) − v^(i)(∅)| bounds member i's noise, as in ``extract``.
        count_empty: count the constant in the loss (the reference convention).
        time_limit: seconds for the LP; on expiry the best feasible splits are returned with a
            certified bound and ``status`` "time_limit".
        tol: "optimal" when the certified gap ≤ tol·max(|loss|, 1e-2·max|v|).

    Returns:
        A :class:`~symlogic.generalization.result.JointExtraction`; ``members[i]`` is record i's split.

    Raises:
        InputError: records on different layouts, a bad α, q_bound, tol or time limit.
        ResourceError: an LP beyond :data:`MAX_COLUMNS` columns.

    Examples:
        Member 0 is x0 + x1, which one table can write as AND(x0) + AND(x1) or as
        OR(x0, x1) + AND(x0, x1) at the same L1; member 1 is OR(x0, x1) + 3·x2. Jointly the shared
        OR(x0, x1) wins: loss 0.9·(1 + 1 + 3) + 0.1·(1 + 1 + 1 + 3) = 5.1.

        >>> import numpy as np
        >>> x = (np.arange(8)[:, None] >> np.arange(3)) & 1   # mask T → 0/1 of each variable
        >>> v0 = x[:, 0] + x[:, 1]
        >>> v1 = np.maximum(x[:, 0], x[:, 1]) + 3 * x[:, 2]
        >>> jx = extract_joint([v0, v1], alpha=0.1, q_bound=0.0)
        >>> jx.status, round(jx.objective, 9)
        ('optimal', 5.1)
        >>> [str(c) for c in jx.shared_concepts()]
        ['OR(x0, x1) = [+1, +1]']
    """
    from ..extraction.certified import _rounding, _single_kind_splits, _unit_exponent, gap_scale
    from ..extraction.result import Extraction
    from ..extraction.solvers import MAX_TOL
    from ..extraction.split import noise_box, primal_objective
    from ._lp import solve_joint_lp

    start = time.perf_counter()
    recs = _records(records)
    alpha = check_alpha(alpha)
    if isinstance(q_bound, bool) or not (isinstance(q_bound, (int, float, np.floating, np.integer))
                                         and math.isfinite(q_bound) and q_bound >= 0):
        raise InputError(f"q_bound must be a finite number ≥ 0 (0.04 in the reference papers), got {q_bound!r}")
    q_bound = float(q_bound)
    count_empty = flag(count_empty, "count_empty")
    if time_limit is not None:
        time_limit = positive_seconds(time_limit, "time_limit", none_means="no limit")
    if isinstance(tol, bool) or not (isinstance(tol, (int, float)) and 0 <= tol <= MAX_TOL):
        raise InputError(f"tol must be a number in [0, {MAX_TOL}] (the relative gap called optimal), got {tol!r}")
    m, n = len(recs), recs[0].n
    N = 1 << n
    columns = m * N * (n + 6)
    if columns > MAX_COLUMNS:
        raise ResourceError(f"joint extraction of m = {m} members at n = {n} is an LP of about {columns:,} columns "
                            f"(more than {MAX_COLUMNS:,}); use fewer members or variables (each variable less "
                            "halves it)")
    v = np.stack([r.values for r in recs])
    zetas = np.array([noise_box(r.values, q_bound) for r in recs])
    if not np.isfinite(zetas).all():
        raise InputError("a noise box ζ = q_bound·|v(N) − v(∅)| overflows float64; rescale the outputs by a power "
                         "of two (numpy.ldexp(values, -k) is exact) or use a smaller q_bound")
    # Solved at unit scale (a power of two: exact), in boxes shrunk by a hair so that the solver's
    # residuals keep the re-checked splits inside the true boxes (as extract's exact solver does).
    e = _unit_exponent(float(np.abs(v).max(initial=0.0)))
    vs, zs = np.ldexp(v, -e), np.ldexp(zetas, -e)
    big = np.maximum(1.0, np.abs(vs).max(axis=1))
    margin = np.minimum(0.5 * zs, 1e-9 * zs + 1e-11 * big)
    lp = solve_joint_lp(vs, zs - margin, alpha, count_empty, time_limit)

    candidates: list[tuple[str, np.ndarray, np.ndarray]] = []
    if lp.and_ is not None and lp.or_ is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            a, o = np.ldexp(lp.and_, e), np.ldexp(lp.or_, e)
        if np.isfinite(a).all() and np.isfinite(o).all():
            candidates.append(("highs-ipx", a, o))
    if not lp.ok or not candidates:  # an unfinished solve: the single-kind splits may do better
        kinds = [_single_kind_splits(v[i], float(zetas[i]), count_empty) for i in range(m)]
        for name in ("+all-and", "+all-or"):
            if all(name in k for k in kinds):
                candidates.append((name.lstrip("+"), np.stack([k[name][0] for k in kinds]),
                                   np.stack([k[name][1] for k in kinds])))
    if not candidates:
        raise InputError("no float64 split of these tables exists (their interactions overflow); rescale the "
                         "outputs by a power of two (numpy.ldexp(values, -k) is exact)")
    best: tuple[tuple[float, float], str, np.ndarray, np.ndarray, np.ndarray] | None = None
    for name, ca, co in candidates:
        fa, fo, fq = _finish(ca, co, v, zetas, count_empty)
        key = (_violation(fq, zetas), joint_loss(fa, fo, alpha, count_empty))
        if best is None or key < best[0]:
            best = key, name, fa, fo, fq
    assert best is not None
    _, solver, a, o, q = best
    a, o, q = _fold(a, o, q, v, zetas, alpha, count_empty)
    objective = joint_loss(a, o, alpha, count_empty)
    violation = _violation(q, zetas)
    y = lp.y if lp.y is not None and np.isfinite(lp.y).all() else np.zeros_like(v)
    y, bound = _certify(y, v, zetas, alpha, count_empty)
    gap = objective - bound
    within = math.isfinite(objective) and gap <= tol * gap_scale(objective, v.ravel())
    rounding = max(_rounding(a[i], o[i], v[i]) for i in range(m))
    feasible = violation == 0.0 or (violation <= rounding and float(zetas.max()) <= rounding)
    if within and feasible:
        status = "optimal"
    elif time_limit is not None and "time" in lp.message.lower():
        status = "time_limit"
    else:
        status = "not_converged"
    seconds = time.perf_counter() - start
    settings = {"status": status, "tol": tol, "seconds": seconds, "solver": solver, "lp_status": lp.message,
                "iterations": lp.iterations, "lp_seconds": lp.seconds, "violation": violation,
                "time_limit": time_limit}
    members = tuple(
        Extraction(record=recs[i], and_=a[i], or_=o[i], q=q[i], objective=primal_objective(a[i], o[i], count_empty),
                   lower_bound=None, gap=None, certificate=None, method=JOINT_METHOD, q_bound=q_bound,
                   count_empty=count_empty,
                   settings={"solver": f"joint ({solver})", "joint_status": status, "alpha": alpha, "member": i,
                             "members": m, "seconds": seconds})
        for i in range(m))
    return JointExtraction(members=members, alpha=alpha, q_bound=q_bound, objective=objective, lower_bound=bound,
                           gap=gap, certificate=y, count_empty=count_empty, settings=settings)
