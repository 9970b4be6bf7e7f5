"""``screen``: the few AND / OR interactions that matter among many candidates, from a budget of queries.

The route (docs/theory.md §7): hierarchical aliasing passes (:mod:`.hierarchy`) find the Möbius
atoms of order ≤ ``max_order``; one least-squares fit on every kept query refines their
coefficients and drops the insignificant ones; when that fit's residual is larger than the noise
level (an F test), another pass runs on the residual with a fresh partition; when the passes
leave something (a dense model, a budget that cut the search), a refinement on uniform masks adds
main effects and pairs; the atoms are then rewritten with OR terms where that is shorter and
refitted; held-out uniform masks measure R².
Everything random is drawn from ``seed``: the same seed and answers give the same result.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from ..params import finite_number, nonnegative_int, positive_int
from ..progress import Progress
from .hierarchy import PassResult, Settings, aliasing_pass, minimum_budget
from .queries import DEFAULT_BATCH, QueryLog, uniform_masks
from .dense import MAX_PAIRS, dense_atoms
from .recover import Atom, as_and_or, bonferroni_z, exceeds_noise, global_fit, term_design
from .result import Screening, make_terms, r2_score
from .source import resolve_source

__all__ = ["screen", "MAX_ORDER", "DEFAULT_HOLDOUT"]

#: The largest ``max_order`` accepted (the level-0 dictionary grows as C(B₀, ≤ max_order)).
MAX_ORDER = 6
#: Held-out masks by default: a tenth of the budget, at most this many.
DEFAULT_HOLDOUT = 1000
#: A pass is not started with fewer queries left than this many times its minimum.
_PASS_MARGIN = 2
#: The refinement asks at most this many uniform masks per feature it offers (at least REFINE_MIN).
REFINE_ROWS_PER_FEATURE = 2
REFINE_MIN = 2000


def _noise_setting(noise: Any) -> float | None:
    if isinstance(noise, str):
        if noise != "auto":
            raise InputError(f"noise must be 'auto' or the noise standard deviation (a number ≥ 0), got {noise!r}")
        return None
    return finite_number(noise, "noise (the standard deviation of fn's noise; 'auto' estimates it)", 0.0)


def screen(
    fn: Any,
    n_candidates: int | None = None,
    *,
    budget: int,
    max_order: int = 4,
    noise: float | str = "auto",
    seed: int = 0,
    names: Sequence[str] | None = None,
    holdout: int | None = None,
    alpha: float = 0.01,
    passes: int = 3,
    initial_buckets: int = 12,
    rows_per_atom: float = 2.0,
    keep_z: float = 3.0,
    closure: int = 2,
    tol: float = 1e-6,
    refine: float = 0.0,
    dense: bool = True,
    blas_threads: int | None = 1,
    batch_size: int | None = None,
    device: torch.device | str | None = None,
    progress: bool | None = None,
) -> Screening:
    """Recover the sparse AND / OR interactions of ``fn`` among N candidates from ≤ ``budget`` queries.

    ``fn`` is asked on boolean masks (one row per query, True = candidate present) chosen by
    hierarchical aliasing (docs/theory.md §7): buckets of candidates present or absent together,
    split in two at every level where they hold a significant interaction. The recovered support is
    refined by least squares on every query kept; terms are tested for significance
    (Bonferroni at ``alpha``) and reported as AND or OR, whichever is shorter.

    Assumptions: the output is close to a sum of a few terms of order ≤ ``max_order`` (a sparse
    Möbius transform) plus noise. Interactions of higher order, or many weak ones, end up in the
    residual (``status`` "residual", lower ``r2``); coefficients below the noise floor are not found.

    Args:
        fn: ``fn(masks)`` with masks a numpy bool array [q, N] returns q outputs (numpy or torch);
            or a model adapter (tabular, image, text, callable) whose variables are the candidates.
        n_candidates: N (taken from an adapter when omitted).
        budget: the most queries to ask, the held-out ones included.
        max_order: the largest interaction order searched (1 … 6).
        noise: "auto" (estimate the noise from the queries) or the standard deviation of ``fn``'s
            noise; 0 for a deterministic ``fn`` that is exactly sparse (every coefficient above
            ``tol`` counts).
        seed: the seed of every random choice (partitions, masks, held-out masks).
        names: candidate names (default x0 … x{N−1}, or the adapter's variable names).
        holdout: held-out uniform masks for R² (default min(1000, budget // 10); 0 skips R²).
        alpha: family-wise significance level of the tests.
        passes: the most aliasing passes (a pass after the first runs on the residual).
        initial_buckets: buckets at the first level (fewer when the budget is small); each pass
            first probes with the fewest that need no more halvings (docs/theory.md §7.3).
        rows_per_atom: queries per candidate atom at each level.
        keep_z: the |t| above which an atom is kept at an intermediate level (false positives cost
            queries, misses cost a pass).
        closure: also test the subsets of order ≤ ``closure`` of every candidate atom (catches
            coefficients that cancel on a coarse bucket set).
        tol: coefficients below ``tol`` × the output's standard deviation count as zero.
        refine: a share of the budget held back from the passes for the refinement (0: the passes
            may use all of it, and the refinement gets what they leave).
        dense: when the passes end with something missing (a dense model, a budget that cut the
            search), spend what they left on uniform masks and choose the atoms by a relaxed Lasso
            over the atoms found, every main effect and the pairs among the most important
            candidates (docs/theory.md §7.4). False reports what the passes found, refitted.
        blas_threads: BLAS threads for the fits while screening runs (restored after); 1 keeps the
            time steady on a busy machine, where waiting BLAS threads make the fits many times
            slower (the same choice as :mod:`symlogic.transforms`); None leaves the pool as it is.
        batch_size: masks per call of ``fn`` (default 4096; 512 for an adapter).
        device: for an adapter: where its model runs.
        progress: a progress bar over the budget (default: on a terminal).

    Returns:
        A :class:`Screening`: ``terms``, ``bias``, ``predict``, ``r2``, ``queries``, ``ranking``.

    Raises:
        InputError: bad arguments, a budget below what one pass needs (the message says how many),
            or outputs that are not one finite real per mask.

    Example:
        >>> from symlogic.screening import screen
        >>> def fn(m):  # 2·AND(x3, x17) − OR(x40, x41) among 64 candidates
        ...     return 2.0 * (m[:, 3] & m[:, 17]) - (m[:, 40] | m[:, 41])
        >>> s = screen(fn, 64, budget=6000, noise=0)
        >>> [str(t) for t in s.terms]
        ['+2·AND(x3, x17)', '-1·OR(x40, x41)']
        >>> s.ranking[:2]
        ('x3', 'x17')
    """
    sigma = _noise_setting(noise)
    budget = positive_int(budget, "budget", "the most queries screen may ask")
    query, n, names_t, _ = resolve_source(fn, n_candidates, names, device=device, batch_size=batch_size)
    max_order = positive_int(max_order, "max_order")
    if max_order > MAX_ORDER:
        raise InputError(f"max_order must be at most {MAX_ORDER} (the first level fits C(buckets, ≤ max_order) atoms), "
                         f"got {max_order}")
    seed = nonnegative_int(seed, "seed")
    alpha = finite_number(alpha, "alpha", 0.0, 0.5, low_open=True)
    passes = positive_int(passes, "passes")
    settings = Settings(
        max_order=max_order, initial_buckets=positive_int(initial_buckets, "initial_buckets"),
        rows_per_atom=finite_number(rows_per_atom, "rows_per_atom", 1.0), keep_z=finite_number(keep_z, "keep_z", 0.0),
        alpha=alpha, closure=nonnegative_int(closure, "closure"), sigma=sigma,
    )
    tol = finite_number(tol, "tol", 0.0, 1.0)
    refine = finite_number(refine, "refine", 0.0, 0.9)
    if not isinstance(dense, bool):
        raise InputError(f"dense must be True or False (whether to refine a model the passes could not finish), "
                         f"got {dense!r}")
    held = min(DEFAULT_HOLDOUT, budget // 10) if holdout is None else nonnegative_int(holdout, "holdout")
    need = minimum_budget(n, settings)
    if budget - held < need:
        raise InputError(f"budget = {budget} leaves {budget - held} queries after {held} held-out masks, but screening "
                         f"{n} candidates needs at least {need}; raise budget (or lower holdout)")
    held_rng, design_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    size = positive_int(batch_size, "batch_size") if batch_size is not None else DEFAULT_BATCH

    threads = None if blas_threads is None else positive_int(blas_threads, "blas_threads")
    with Progress(budget, "screening", enabled=progress, unit="queries") as bar, _blas_limit(threads):
        log = QueryLog(query, n, budget, size, bar)
        fit_budget = budget - held
        pass_budget = max(int(fit_budget * (1.0 - refine)), min(fit_budget, _PASS_MARGIN * need))
        state = _run_passes(log, n, design_rng, pass_budget, settings, passes, tol, need)
        if state.status != "complete" and dense and log.left - held >= n + 8:
            _refine(log, n, design_rng, state, log.left - held, settings)
        masks, values = log.rows()
        atoms = [a for _, a in state.model[1:]]
        kinds = as_and_or(atoms, state.coef[1:], state.stderr[1:], state.tol_abs,
                          z=bonferroni_z(alpha, max(len(atoms), 1)))
        final, ffit = global_fit(masks, values, [("and", ())] + kinds, alpha, state.tol_abs, sigma,
                                 lenient=state.lenient, lenient_z=0.0)
        if held:
            hmasks = uniform_masks(held_rng, n, held)
            r2 = r2_score(log.ask(hmasks, keep=False), term_design(hmasks, final) @ ffit.coef)
        else:
            r2 = math.nan
    return Screening(
        names=names_t, bias=float(ffit.coef[0]), terms=make_terms(final[1:], ffit.coef[1:], ffit.stderr[1:], names_t),
        queries=log.used, budget=budget, r2=r2, holdout=held,
        r2_masks=(f"{held} uniform random masks (each candidate present with probability 1/2), drawn from the seed "
                  "and never used for fitting"),
        noise=float(ffit.resid_std), status=state.status, seed=seed, max_order=max_order, passes=len(state.runs),
        levels=tuple(lv for r in state.runs for lv in r.levels),
        meta={"method": "hierarchical aliasing with least squares (docs/theory.md §7)", "alpha": alpha,
              "noise_setting": "auto" if sigma is None else sigma, "noise_level0": state.runs[0].noise,
              "initial_buckets": settings.initial_buckets, "rows_per_atom": settings.rows_per_atom,
              "keep_z": settings.keep_z, "closure": settings.closure, "tol": tol, "tol_abs": state.tol_abs,
              "refine": refine, "dense": bool(dense), "refine_queries": state.refine_queries, "fitted_queries": int(values.shape[0]),
              "pure_noise": state.runs[0].pure, "pure_noise_dof": state.runs[0].pure_dof,
              "lack_of_fit": state.runs[0].misfit},
    )


def _blas_limit(threads: int | None) -> contextlib.AbstractContextManager[Any]:
    """Limit the BLAS thread pool for the block (threadpoolctl ships with scikit-learn)."""
    if threads is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a scikit-learn dependency
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")


@dataclass
class _State:
    """Where the passes left the model: its Möbius atoms (constant first) and fit, and the status."""

    model: list[tuple[str, Atom]]
    coef: np.ndarray
    stderr: np.ndarray
    fit_std: float
    fit_dof: int
    tol_abs: float
    runs: list[PassResult]
    status: str
    refine_queries: int = 0
    lenient: frozenset[tuple[str, Atom]] = frozenset()


def _run_passes(log: QueryLog, n: int, rng: np.random.Generator, budget: int, settings: Settings, passes: int,
                tol: float, need: int) -> _State:
    """Aliasing passes within ``budget`` queries, each on the residual of the model so far, until the
    global fit leaves nothing but noise (docs/theory.md §7)."""
    found: set[Atom] = set()
    state: _State | None = None
    runs: list[PassResult] = []
    for p in range(passes):
        left = budget - log.used
        if p and left < _PASS_MARGIN * need:
            break
        current = [] if state is None else list(state.model)
        current_coef = np.zeros(0) if state is None else state.coef

        def ask(masks: np.ndarray, current: list[tuple[str, Atom]] = current, c: np.ndarray = current_coef) -> np.ndarray:
            return log.ask(masks) - (term_design(masks, current) @ c if current else 0.0)

        run = aliasing_pass(ask, n, rng, max(left, 0), settings, pass_index=p,
                            tol_abs=None if state is None else state.tol_abs, tol_rel=tol)
        runs.append(run)
        tol_abs = tol * run.scale if state is None else state.tol_abs
        new = set(run.atoms) - found
        found |= new
        masks, values = log.rows()
        terms = [("and", ())] + [("and", a) for a in sorted(found, key=lambda a: (len(a), a))]
        model, fit = global_fit(masks, values, terms, settings.alpha, tol_abs, settings.sigma)
        state = _State(model, fit.coef, fit.stderr, fit.resid_std, fit.dof, tol_abs, runs, "residual")
        if not run.complete or any(lv.pruned for lv in run.levels):
            state.status = "budget"  # the budget cut the search: some candidates were never tested
            break
        if runs[0].misfit:
            break  # effects above max_order: no further pass resolves them ("residual"; the refinement may)
        if not _misses(state, settings):
            state.status = "complete"
            break
        if not new:
            break
    assert state is not None
    return state


def _misses(state: _State, settings: Settings) -> bool:
    """Whether the global fit leaves more than noise: an F test against the first pass's level-0 noise
    estimate, a χ² test against a known σ, or (σ = 0) any residual above the zero tolerance; False
    when there is no model-free noise estimate to compare with."""
    noise0, dof0 = state.runs[0].noise, state.runs[0].noise_dof
    if settings.sigma is None and (noise0 is None or dof0 < 20):
        return False
    return exceeds_noise(state.fit_std, state.fit_dof, noise0, dof0, settings.sigma, settings.alpha, state.tol_abs)


def _refine(log: QueryLog, n: int, rng: np.random.Generator, state: _State, queries: int, settings: Settings) -> None:
    """Spend up to ``queries`` uniform masks on a model the passes could not finish, and choose its
    atoms by the relaxed Lasso over the atoms found, every main effect and the pairs among the most
    important candidates (:mod:`.dense`, docs/theory.md §7.4). The chosen atoms are kept by the
    final fit unless their coefficient is below the zero tolerance."""
    features = n + (min(MAX_PAIRS, math.comb(n, 2)) if settings.max_order >= 2 else 0) + len(state.model)
    queries = min(queries, max(REFINE_MIN, REFINE_ROWS_PER_FEATURE * features))
    log.ask(uniform_masks(rng, n, queries))
    masks, values = log.rows()
    found = [a for _, a in state.model[1:]]
    uniform = np.arange(values.shape[0] - queries, values.shape[0])
    atoms = dense_atoms(masks, values, found, rng, pairs=settings.max_order >= 2, pool=uniform)
    terms = [("and", ())] + [("and", a) for a in atoms]
    model, fit = global_fit(masks, values, terms, settings.alpha, state.tol_abs, settings.sigma,
                            lenient=frozenset(terms), lenient_z=0.0)
    state.model, state.coef, state.stderr = model, fit.coef, fit.stderr
    state.lenient = frozenset(model)
    state.fit_std, state.fit_dof, state.refine_queries = fit.resid_std, fit.dof, queries
    # "complete" needs a test that passes: no noise estimate leaves the status as it was; after a
    # lack of fit at level 0 the test is against the pure error (level 0's residual holds the misfit)
    first = state.runs[0]
    noise, dof = (first.pure, first.pure_dof) if first.misfit else (first.noise, first.noise_dof)
    if not exceeds_noise(state.fit_std, state.fit_dof, noise, dof, settings.sigma, settings.alpha, state.tol_abs):
        state.status = "complete"
    elif state.status != "budget":
        state.status = "residual"
