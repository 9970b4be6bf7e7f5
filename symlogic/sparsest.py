"""The sparsest proven formula for a target error (docs/theory.md §4.6).

:func:`sparsest` returns a logic model with as few terms as the search finds whose max error over
all 2^n masks is *proven* ≤ ε (:func:`symlogic.verify`: exact engine and Z3). ε is a share of the
record's output range max v − min v by default (``relative=True``), else an absolute bound.

The search (measured against the alternatives in ``benchmarks/bench_readable.py``; docs/theory.md
§4.6): greedy forward selection (candidates by the minimax fit's dual price and by correlation with
the residual) to ε, its path pruned by backward elimination (:mod:`symlogic.sparse_search`); on
tables of at most 2^12 masks also the support of the least-norm L1 split with its box opened to ε,
and reweighted L1 over every atom seen, started from that split (:mod:`symlogic.reweighted`), the
two smallest supports pruned; on larger tables the forward path run past ε to ``overshoot``·ε and
pruned instead. The candidate with fewer terms wins (ties: the smaller error). Ties between
candidate atoms are broken by a fixed order. The coefficients on the support found are then the
ones closest to the table in mean square among those within ε
(:func:`symlogic.minimax.canonical_coefficients`): unique where the minimax optimum is a whole
face, and moving continuously with the table, so that one table gives one formula.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .defaults import TARGET
from .errors import InputError, ResourceError
from .logic import LogicModel
from .params import finite_number, flag, positive_int, positive_seconds

if TYPE_CHECKING:
    from .minimax import MinimaxFit
    from .record import Record
    from .verify import Verdict

__all__ = ["sparsest", "absolute_target", "model_of_fit", "search"]

#: The search aims this far below ε so that float64 rounding of the fitted coefficients cannot
#: push the exact error over it (the proof is exact; a miss is retried with more room).
MARGIN = 1e-9
#: Forward selection may run on to this share of ε before pruning back, for at most a quarter more
#: steps than reaching ε took. By default (``overshoot=None``) only on tables too large for the L1
#: and reweighted candidates (more than L1_MAX_MASKS masks), where the overshot path pruned is the
#: second candidate (n = 16: 71 terms with it, 78 without); on smaller tables, since the
#: reweighted-L1 candidate joined, the longer path no longer won a table of the benchmark and cost
#: a third of the time (measured).
OVERSHOOT = 0.7
#: Atoms each forward step refits, by dual price and by residual correlation each (measured: 4 and 6
#: give the same totals within noise, 4 is 1.5× faster).
LOOKAHEAD = 4
#: The L1 candidate: tables of at most this many masks, this many seconds of the certified solver,
#: pruned only when its support is at most this multiple of the forward path's at ε.
L1_MAX_MASKS = 1 << 12
L1_SECONDS = 10.0
L1_RATIO = 1.5
#: Rounds of reweighted L1 over the atoms the other searches saw, and how many of the smallest
#: supports are pruned (:mod:`symlogic.reweighted`).
REWEIGHT_ROUNDS = 6
REWEIGHT_PRUNED = 2


def absolute_target(rec: "Record", epsilon: Any, relative: bool) -> float:
    """ε in the record's units: ``epsilon``·(max v − min v) when ``relative``, else ``epsilon``."""
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.integer, np.floating)):
        raise InputError(f"epsilon must be a number, got {epsilon!r}")
    eps = float(epsilon)
    if not (math.isfinite(eps) and eps > 0):
        raise InputError(f"epsilon must be a finite number > 0, got {epsilon!r}")
    if not relative:
        return eps
    if eps >= 1:
        raise InputError(f"a relative epsilon is a share of the output range, in (0, 1); got {eps} "
                         "(pass relative=False for an absolute bound)")
    spread = float(np.max(rec.values)) - float(np.min(rec.values))
    return eps * spread


def model_of_fit(fit: "MinimaxFit", names: tuple[str, ...], meta: dict[str, Any]) -> LogicModel:
    """The logic model of a minimax fit (zero coefficients drop out)."""
    terms = [(kind, mask, float(c)) for (kind, mask), c in zip(fit.atoms, fit.coef)]
    return LogicModel.from_terms(names, float(fit.bias), terms, meta=meta)


def search(values: np.ndarray, target: float, *, lookahead: int = LOOKAHEAD, overshoot: float | None = None,
           max_terms: int = 400, deadline: float | None = None, l1: bool = True,
           reweight: int = REWEIGHT_ROUNDS) -> "MinimaxFit":
    """The fewest-term fit the search finds with float error ≤ ``target`` (module docstring)."""
    from .minimax import fit_minimax
    from .reweighted import reweighted_supports
    from .sparse_search import atom_key, forward, l1_support, prune

    v = np.asarray(values, dtype=np.float64)
    if overshoot is None:
        overshoot = 1.0 if l1 and v.size <= L1_MAX_MASKS else OVERSHOOT
    path = forward(v, target, beyond=overshoot, lookahead=lookahead, max_terms=max_terms, deadline=deadline)
    candidates = []
    reached = [f for f in path if f.error <= target]
    if reached:  # the first point of the path at ε, pruned
        candidates.append(prune(v, reached[0], target, deadline=deadline))
        if path[-1] is not reached[0]:
            candidates.append(prune(v, path[-1], target, deadline=deadline))
    pool = {a for f in path for a in f.atoms}
    sizes: dict = {}
    if l1 and reached and v.size <= L1_MAX_MASKS:
        # The L1 split with the box opened to ε reaches ε by itself, and an OR over several
        # variables that greedy steps would build from singletons is one atom there. On dense
        # tables its support is 2-3× the greedy one (measured), so it is pruned only when small.
        budget = L1_SECONDS if deadline is None else min(L1_SECONDS, max(0.0, deadline - time.perf_counter()))
        if budget > 0:
            start, sizes = l1_support(v, target, time_limit=budget)
            pool |= set(start.atoms)
            if start.error <= target and len(start.atoms) <= L1_RATIO * len(reached[0].atoms):
                candidates.append(prune(v, start, target, deadline=deadline))
    if reweight and reached and reached[0].atoms and sizes:
        # Reweighted L1 over every atom seen, started from the least-norm L1 split (without it the
        # pool is the forward support alone, and unit first weights would let float noise pick
        # the vertex): each round's support reaches ε; the two smallest, pruned.
        ordered = sorted(pool, key=atom_key)
        supports = reweighted_supports(v, target, ordered, rounds=reweight, rows=reached[0].rows, deadline=deadline,
                                       start=[sizes.get(a, 0.0) for a in ordered])
        distinct = sorted({frozenset(s): s for s in supports if s}.values(), key=len)
        fits = [f for f in (fit_minimax(v, s) for s in distinct) if f.error <= target]
        for fit in sorted(fits, key=lambda f: (len(f.atoms), f.error))[:REWEIGHT_PRUNED]:
            candidates.append(prune(v, fit, target, deadline=deadline))
    if not candidates:
        raise ResourceError(f"no formula with at most {max_terms} terms reaches max error {target:.6g} within the time "
                            "limit; raise max_terms or time_limit, or ask for a larger epsilon")
    return min(candidates, key=lambda f: (len(f.atoms), f.error))


def sparsest(rec: "Record", epsilon: float = TARGET, *, relative: bool = True, lookahead: int = LOOKAHEAD,
             overshoot: float | None = None, max_terms: int = 400, time_limit: float | None = None,
             prove: bool = True) -> LogicModel:
    """A formula with as few terms as found whose max error over all masks is proven ≤ ε.

    Args:
        rec: the recorded table.
        epsilon: the target: a share of the output range max v − min v (``relative``, default
            5 %), or an absolute bound.
        lookahead: atoms refitted per forward step (the best-priced ones).
        overshoot: forward selection runs to ``overshoot``·ε before pruning, in (0, 1]; None
            (default): 0.7 on tables of more than 2^12 masks, else 1 (no overshoot).
        max_terms: give up beyond this many terms.
        time_limit: seconds for the search (the proof has its own, :func:`symlogic.verify`'s).
        prove: run :func:`symlogic.verify` at ε (default). Without it the model is only checked by
            the exact engine; ``meta["proof"]`` says which.

    Returns:
        The logic model; ``meta`` holds the target (absolute and relative), the error proven, the
        verdict's status and engines, and the search settings.

    Raises:
        InputError: a bad argument; ResourceError: no formula within ``max_terms`` / the time limit.

    Examples:
        >>> import numpy as np, symlogic as sl
        >>> rec = sl.Record.from_table(np.array([0.0, 1.0, 2.0, 4.0]), names=["a", "b"])
        >>> lm = sl.sparsest(rec, 0.2)       # ε = 20 % of the range 4: two terms suffice
        >>> len(lm), lm.meta["proof"]["status"]
        (2, 'holds')
    """
    from .exact_error import max_error
    from .minimax import canonical_coefficients
    from .verify import verify

    start = time.perf_counter()
    lookahead = positive_int(lookahead, "lookahead", "it is how many atoms each forward step refits")
    max_terms = positive_int(max_terms, "max_terms", "it caps the formula's size")
    if overshoot is not None:
        overshoot = finite_number(overshoot, "overshoot", 0.0, 1.0, low_open=True)
    deadline = None if time_limit is None else start + positive_seconds(time_limit, "time_limit")
    target = absolute_target(rec, epsilon, relative)
    spread = float(np.max(rec.values)) - float(np.min(rec.values))
    lm, verdict, aim = None, None, target * (1 - MARGIN)
    for _ in range(3):  # float rounding at the very edge: retry with more room
        fit = search(rec.values, aim, lookahead=lookahead, overshoot=overshoot, max_terms=max_terms, deadline=deadline)
        meta = {"source": "sparsest", "target": target, "target_relative": target / spread if spread else None,
                "relative": bool(relative), "lookahead": lookahead, "overshoot": overshoot,
                "coefficients": "least squares within ε", "search_seconds": time.perf_counter() - start}
        # The support's minimax coefficients are a vertex of a face; the least-squares point within
        # ε is the one answer that moves continuously with the table.
        try:
            bias, coef = canonical_coefficients(rec.values, fit.atoms, max(aim, fit.error), rows=fit.rows)
            fit = replace(fit, bias=bias, coef=coef)
        except InputError as exc:  # the QP at the very edge of its box: keep the minimax vertex (still proven)
            meta["coefficients"] = f"minimax (the least-squares program did not solve: {exc})"
        lm = model_of_fit(fit, rec.names, meta)
        if max_error(lm, rec.values).value <= target:
            break
        aim *= 1 - 1e-6
    assert lm is not None
    if flag(prove, "prove"):
        verdict = verify(lm, rec, target)
        if not verdict.holds:  # the exact engine agreed above, so only a Z3 time-out gets here
            raise ResourceError(f"the formula found ({len(lm)} terms) could not be proven within the time limit: "
                                f"{verdict.explanation}")
        proof = _proof(verdict)
    else:
        worst = max_error(lm, rec.values)
        proof = {"status": "holds" if worst.value <= target else "fails", "epsilon": target,
                 "max_error": worst.as_float_upper(), "engines": {"exact": "holds" if worst.value <= target else "fails"}}
    lm.meta["proof"] = proof
    lm.meta["seconds"] = time.perf_counter() - start
    return lm


def _proof(verdict: "Verdict") -> dict[str, Any]:
    """What ``meta["proof"]`` keeps of a verdict (JSON-safe)."""
    return {"status": verdict.status, "epsilon": verdict.epsilon, "epsilon_exact": verdict.epsilon_exact,
            "relative_epsilon": verdict.relative_epsilon, "max_error": verdict.max_error,
            "engines": verdict.engine_results, "model_sha256": verdict.model_sha256,
            "record_sha256": verdict.record_sha256}
