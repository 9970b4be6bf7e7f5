"""One aliasing pass: find the Möbius atoms of a sparse game by splitting buckets of candidates.

The N candidates start in B₀ random buckets (a pass first probes with the fewest buckets that
need no more halvings, :func:`probe_buckets`, and starts again with B₀ when they are crowded).
Asking ``fn`` on bucket masks (every bucket present or absent as a whole) gives a game on the
buckets whose Möbius coefficient on a bucket set J is the sum of the candidates' coefficients a_S
over the sets S that land exactly on J (docs/theory.md §7). Each level fits the terms of that game
by least squares, keeps the significant ones, splits every bucket they use in two at random, and
offers the children of the kept terms (each bucket replaced by one or both of its halves) as the
next level's candidates. Buckets no kept term uses leave the game. The pass ends when every bucket
left holds one candidate.

When level 0 of the first pass leaves a material residual, some of its masks are asked again: the
pure error of those replicates tells noise from a lack of fit (effects above max_order, a dense
model), after which the pass keeps half of what is left for the caller's refinement.

A level first fits a lean dictionary (:mod:`symlogic.screening.children`): the kept Möbius atoms
rewritten with OR terms where that is shorter, an OR parent offering its OR children (an OR term
over candidates stays an OR term over the buckets it meets), an AND parent its AND children and
their single halves. When that fit's residual is larger than noise (an F test against level 0's
model-free estimate) the level asks more rows and fits the full dictionary: the AND children of
every Möbius atom, their subsets of order ≤ ``closure`` and the children of every set whose
subsets one smaller were all kept (:func:`completions`). When the rows cannot tell which child
of a strongly significant parent carries it, the level asks as many rows again.

Two coefficients that cancel on a coarse bucket set hide their atoms at that level; the caller
runs further passes on the residual with a fresh partition when the final fit says something is
missing (:mod:`symlogic.screening.screen`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import InputError
from .queries import bucket_masks
from .children import Term, down_set, mobius_parents, next_terms, parent_terms
from .recover import (Atom, Fit, addition_gains, backward_select, best_addition, bonferroni_z, exceeds_noise,
                      normal_equations, normal_fit, swap_within, term_design)

__all__ = ["Settings", "LevelInfo", "PassResult", "aliasing_pass", "level0_buckets", "dictionary_size",
           "minimum_budget", "completions", "probe_buckets", "MAX_EXHAUSTIVE", "STOP_FACTOR", "DENSE_GROWTH", "MORE_ROUNDS",
           "LEVEL0_SHARE", "CROWDED", "MISFIT", "MISFIT_RESERVE", "REPLICATES"]

#: A next level's dictionary this many times the largest so far marks a dense model (:func:`_projected`).
DENSE_GROWTH = 1.5
#: The largest bucket count for which all 2^B bucket patterns may be asked.
MAX_EXHAUSTIVE = 16
#: A pass stops when the projection of what it will still ask (:func:`_projected`) exceeds this
#: many times the budget left.
STOP_FACTOR = 1.0
#: Level 0 asks this share of ``rows_per_atom`` rows per atom. Its dictionary is complete, so its
#: null high-order atoms leave in the first backward step and the atoms that matter are tested on
#: a small fit; what it misses the later levels and the global fit still see.
LEVEL0_SHARE = 0.75
#: The most times a level doubles its rows because they cannot tell a strong parent's children apart.
MORE_ROUNDS = 2
#: A probing level 0 (:func:`probe_buckets`) that keeps more than this share of its dictionary has
#: buckets too crowded to split cheaply: level 0 starts again with ``initial_buckets``.
CROWDED = 0.25
#: Level 0 of the first pass asks this many of its masks again when its residual is material
#: (:data:`MISFIT`): their differences estimate the noise without any model (pure error), against
#: which level 0's own residual shows a lack of fit.
REPLICATES = 32
#: Level 0's residual is material above this share of the answers' standard deviation (1 % of
#: their variance); a lack of fit then means material effects above max_order.
MISFIT = 0.1
#: ... and a pass with such a lack of fit stops when the rest of it is projected above this share of
#: the budget left (what it leaves goes to the refinement, which models dense outputs better).
MISFIT_RESERVE = 0.5


@dataclass(frozen=True)
class Settings:
    """How a pass designs and tests (see :func:`symlogic.screening.screen` for the meaning of each)."""

    max_order: int = 4
    initial_buckets: int = 12
    rows_per_atom: float = 2.0
    keep_z: float = 3.0
    alpha: float = 0.01
    closure: int = 2
    sigma: float | None = None


@dataclass(frozen=True)
class LevelInfo:
    """What one level of one pass did.

    Attributes:
        pass_index: the pass (0 first).
        level: the level within the pass (0: the initial buckets).
        buckets: buckets in play.
        largest: candidates in the largest bucket.
        candidates: atoms fitted (the constant included).
        queries: masks asked.
        exhaustive: whether all 2^buckets patterns were asked.
        kept: atoms kept (the constant excluded).
        resid_std: the residual standard deviation of the level's fit.
        pruned: candidate atoms left out to stay within the budget.
        expanded: whether the lean dictionary left more than noise and the full one was fitted.
    """

    pass_index: int
    level: int
    buckets: int
    largest: int
    candidates: int
    queries: int
    exhaustive: bool
    kept: int
    resid_std: float
    pruned: int = 0
    expanded: bool = False

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly fields."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> "LevelInfo":
        """Inverse of :meth:`to_dict` (every field checked: it may come from a file)."""
        if not isinstance(d, dict):
            raise InputError(f"a level report must be a dict, got {type(d).__name__}")
        fields = {}
        for name in cls.__dataclass_fields__:
            value = d.get(name, {"pruned": 0, "expanded": False}.get(name))
            want = bool if name in ("exhaustive", "expanded") else float if name == "resid_std" else int
            ok = isinstance(value, bool) if want is bool else (
                isinstance(value, (int, float)) and not isinstance(value, bool) if want is float
                else isinstance(value, int) and not isinstance(value, bool))
            if not ok:
                raise InputError(f"level report field {name!r} must be {want.__name__}, got {value!r:.40}")
            fields[name] = want(value)
        return cls(**fields)  # type: ignore[arg-type]


@dataclass
class PassResult:
    """The atoms one pass resolved to single candidates, and how it went."""

    atoms: list[Atom]
    levels: list[LevelInfo]
    noise: float | None
    noise_dof: int
    scale: float
    complete: bool
    queries: int
    #: pure error: the noise standard deviation from replicated level-0 masks, and its degrees of
    #: freedom (None, 0: no replicates were asked)
    pure: float | None = None
    pure_dof: int = 0
    #: level 0 left a material lack of fit (:data:`MISFIT`) that the pure error (or the known σ)
    #: does not explain: effects above max_order, which no level of this search can resolve
    misfit: bool = False


def dictionary_size(buckets: int, max_order: int) -> int:
    """Atoms of order ≤ max_order over ``buckets`` buckets, the constant included."""
    return sum(math.comb(buckets, r) for r in range(0, min(buckets, max_order) + 1))


def _rows(atoms: int, buckets: int, settings: Settings, share: float = 1.0) -> tuple[int, bool]:
    """Rows a level asks: ⌈share·rows_per_atom·atoms⌉ (at least atoms + 8), or all 2^B patterns when
    they are no more than ⌈rows_per_atom·atoms⌉ (an exact fit beats a random design that size)."""
    if buckets <= MAX_EXHAUSTIVE and (1 << buckets) <= max(math.ceil(settings.rows_per_atom * atoms), atoms + 8):
        return 1 << buckets, True
    return max(math.ceil(share * settings.rows_per_atom * atoms), atoms + 8), False


def level0_buckets(n: int, budget: int, settings: Settings) -> int:
    """The initial bucket count: ``initial_buckets`` (at most n), fewer when level 0 would take more
    than half of ``budget``."""
    b = min(settings.initial_buckets, n)
    while b > 1 and _rows(dictionary_size(b, settings.max_order), b, settings, LEVEL0_SHARE)[0] > budget // 2:
        b -= 1
    return b


def probe_buckets(n: int, full: int) -> int:
    """The fewest buckets that need no more levels than ``full``: ⌈N / 2^L⌉ with L = ⌈log₂(N / full)⌉.

    Level 0 fits every atom of order ≤ max_order over its buckets, C(B, ≤ 4) of them: 163 for 8
    buckets against 794 for 12, while 1024 candidates in 8 or in 12 buckets both need 7 halvings.
    On a sparse game the smaller level 0 is the same search for a fifth of the rows; on a crowded
    one (many terms per bucket) its atoms are mostly significant and level 0 starts again with
    ``full`` buckets (:data:`CROWDED`).
    """
    if full >= n:
        return n
    halvings = math.ceil(math.log2(n / full))
    return min(full, max(math.ceil(n / 2 ** halvings), 1))


def _levels_left(largest: int) -> int:
    return max(math.ceil(math.log2(max(largest, 1))), 0) + 1


def _projected(rows_next: int, levels_left: int, growth: float = 1.0) -> float:
    """What the rest of a pass will ask, from its next level's rows and how much larger the next
    level's dictionary is than the largest one so far (``growth``; level 0's is complete).

    On a sparse game later levels shrink as false positives leave and buckets resolve, about
    linearly to the last (measured on planted games). On a dense model every split reveals more
    significant atoms: a dictionary growing by more than ``DENSE_GROWTH`` is projected to keep
    growing at that rate.
    """
    if growth > DENSE_GROWTH:
        return rows_next * sum(growth ** level for level in range(levels_left))
    return rows_next * (levels_left + 1) / 2


def minimum_budget(n: int, settings: Settings) -> int:
    """A lower bound on the queries one pass needs: level 0 with two buckets, then one two-row
    split per level for a single atom."""
    rows0 = _rows(dictionary_size(min(2, n), settings.max_order), min(2, n), settings, LEVEL0_SHARE)[0]
    return 2 * rows0 + (_levels_left(math.ceil(n / 2)) - 1) * _rows(4, 2, settings)[0]


def completions(atoms: list[Atom], max_order: int) -> list[Atom]:
    """Sets of order 3 … max_order not in ``atoms`` whose every subset one smaller is (Apriori's join).

    An OR term's Möbius coefficients fill its whole down-set (docs/theory.md §2.2); when one of
    them cancels against another term's on a coarse bucket set while its neighbours survive, the
    missing set is proposed again here. Pairs are not completed from singletons: that would pair
    every two single-variable terms.
    """
    have = set(atoms)
    out: list[Atom] = []
    for r in range(3, max_order + 1):
        lower = sorted(a for a in have if len(a) == r - 1)
        by_prefix: dict[Atom, list[Atom]] = {}
        for a in lower:
            by_prefix.setdefault(a[:-1], []).append(a)
        for same in by_prefix.values():
            for a, b in itertools.combinations(same, 2):
                joined = a + (b[-1],)
                if joined not in have and all(sub in have for sub in itertools.combinations(joined, r - 1)):
                    out.append(joined)
        have.update(out)
    return out


def _split(buckets: list[np.ndarray], active: list[int], rng: np.random.Generator) -> tuple[list[np.ndarray], dict[int, list[int]]]:
    """Split every active bucket in two random halves (a single candidate stays whole)."""
    new: list[np.ndarray] = []
    kids: dict[int, list[int]] = {}
    for c in active:
        members = buckets[c]
        if members.size == 1:
            kids[c] = [len(new)]
            new.append(members)
            continue
        shuffled = rng.permutation(members)
        half = shuffled.size // 2
        kids[c] = [len(new), len(new) + 1]
        new.append(np.sort(shuffled[:half]))
        new.append(np.sort(shuffled[half:]))
    return new, kids


def aliasing_pass(ask: Callable[[np.ndarray], np.ndarray], n: int, rng: np.random.Generator, budget: int,
                  settings: Settings, *, pass_index: int = 0, tol_abs: float | None = None,
                  tol_rel: float = 1e-6) -> PassResult:
    """Run one pass within ``budget`` queries.

    Each level after the first fits a lean dictionary first (the parents' children as AND or OR
    terms, no subset closure: :mod:`symlogic.screening.children`); when that fit's residual
    exceeds the level-0 noise estimate (F test at ``alpha``) the level asks more rows and fits the
    full dictionary on all of them (every Möbius atom's AND children and their subsets of order
    ≤ ``closure``). When the rows cannot tell a strong parent's best child from its next best
    (:func:`_ambiguous`), the level asks as many rows again, at most ``MORE_ROUNDS`` times.

    Args:
        ask: answers of the game being screened (the screened function, or its residual) on
            candidate masks bool [m, n].
        n: the number of candidates.
        rng: the generator for partitions and masks.
        budget: the most queries this pass may ask.
        settings: the design and test settings.
        pass_index: recorded in the level reports.
        tol_abs: coefficients at most this large count as zero; None sets it to ``tol_rel`` × the
            standard deviation of the level-0 answers (at least 1e-3 × their root mean square).
        tol_rel: see ``tol_abs``.

    Returns:
        The atoms resolved to single candidates (sorted index tuples, the constant excluded).
    """
    full = level0_buckets(n, budget, settings)
    full_rows0 = _rows(dictionary_size(full, settings.max_order), full, settings, LEVEL0_SHARE)[0]
    if full_rows0 > budget:
        raise InputError(f"a screening pass over {n} candidates needs at least "
                         f"{minimum_budget(n, settings)} queries, but only {budget} are left; raise budget")
    buckets, plan = _level0(n, probe_buckets(n, full), settings, rng)
    fallback: _Plan | None = None  # the full dictionary of this level, when ``plan`` is the lean one
    levels: list[LevelInfo] = []
    used = widest = 0  # queries asked; the largest dictionary fitted so far
    noise, noise_dof, scale = None, 0, 0.0
    pure: float | None = None
    pure_dof, misfit = 0, False
    stop_factor = STOP_FACTOR

    def done(atoms: list[Atom], complete: bool) -> PassResult:
        return PassResult(atoms, levels, noise, noise_dof, scale, complete, used, pure, pure_dof, misfit)

    level = 0
    while True:
        largest = max((b.size for b in buckets), default=1)
        final = largest <= 1
        rows, exhaustive = _rows(len(plan.terms), len(buckets), settings, LEVEL0_SHARE if level == 0 else 1.0)
        patterns, masks = bucket_masks(rng, buckets, n, None if exhaustive else rows)
        y = ask(masks)
        used += masks.shape[0]
        if level == 0:
            # rounding in the fits is relative to the answers' size, their spread is what terms explain
            scale = max(float(np.std(y)), 1e-3 * float(np.sqrt(np.mean(y ** 2))))
            if tol_abs is None:
                tol_abs = tol_rel * scale
        expanded, rounds = False, 0
        while True:
            g, bvec, yy, m = normal_equations(term_design(patterns, plan.terms), y)
            if level == 0 and m > len(plan.terms):  # the complete dictionary: a model-free noise estimate
                noise, noise_dof = normal_fit(g, bvec, yy, m, None, settings.sigma).resid_std, m - len(plan.terms)
            more = 0
            if fallback is not None and exceeds_noise(normal_fit(g, bvec, yy, m, None, settings.sigma).resid_std,
                                                      m - len(plan.terms), noise, noise_dof, settings.sigma,
                                                      settings.alpha, tol_abs):
                # the lean dictionary misses something: the full one, on these rows and more
                plan, fallback, expanded = fallback, None, True
                full_rows = _rows(len(plan.terms), len(buckets), settings)[0]
                more = max(full_rows - m, 0)
                if _projected(full_rows, _levels_left(int(largest))) > stop_factor * (budget - used + m):
                    return done([], False)  # as below: cannot finish
                if plan.pruned:
                    levels[-1] = LevelInfo(**{**levels[-1].to_dict(), "pruned": plan.pruned})  # type: ignore[arg-type]
            else:
                fit, kept, strong = _select(g, bvec, yy, m, plan, final, settings, tol_abs)
                spread = max(noise or 0.0, settings.sigma or 0.0, fit.resid_std, tol_abs)
                # more rows settle which child carries a parent only where the terms explain the rows
                if (rounds < MORE_ROUNDS and not exhaustive and m <= budget - used
                        and not exceeds_noise(fit.resid_std, fit.dof, noise, noise_dof, settings.sigma,
                                              settings.alpha, tol_abs)
                        and _ambiguous(g, bvec, kept, plan, settings.keep_z * spread)):
                    more, rounds = m, rounds + 1
                else:
                    break
            if more > budget - used:
                return done([], False)
            if more:
                p2, m2 = bucket_masks(rng, buckets, n, more)
                y = np.concatenate([y, ask(m2)])
                patterns = np.concatenate([patterns, p2])
                used += more
        fallback = None
        terms = plan.terms
        levels.append(LevelInfo(pass_index, level, len(buckets), int(largest), len(terms), m,
                                exhaustive, int(kept.sum()) - 1, float(fit.resid_std), expanded=expanded))
        if (level == 0 and pass_index == 0 and not misfit and noise is not None
                and max(noise, fit.resid_std) > MISFIT * scale):
            # a material residual (of the complete dictionary, or of the atoms kept): noise, or
            # effects above max_order at the bucket level, or many small ones (a dense model)? The
            # same masks asked again tell (pure error) whether the complete dictionary's residual is
            # noise; on a lack of fit the pass keeps half of what is left for the refinement
            if pure is None and settings.sigma is None and budget - used >= 8 * REPLICATES:
                again = np.resize(np.arange(masks.shape[0]), REPLICATES)  # the rows are random already
                diff = ask(masks[again]) - y[again]
                used += REPLICATES
                pure, pure_dof = float(np.sqrt(np.mean(diff ** 2) / 2.0)), REPLICATES
            misfit = (pure is not None or settings.sigma is not None) and exceeds_noise(
                noise, noise_dof, pure, pure_dof, settings.sigma, settings.alpha, tol_abs)
            stop_factor = STOP_FACTOR * (MISFIT_RESERVE if misfit else 1.0)
        # a probe may start level 0 again with B₀ buckets once (not after a lack of fit, which more
        # buckets do not cure); its rows stay in the caller's fits
        restart = level == 0 and len(buckets) < full and full_rows0 <= budget - used
        if restart and not misfit and kept.sum() - 1 > CROWDED * (len(terms) - 1):
            buckets, plan = _level0(n, full, settings, rng)
            continue
        chosen = [j for j in np.flatnonzero(kept) if terms[j][1]]
        if final or not chosen:
            resolved: dict[Atom, None] = {}
            for j in chosen:
                kind, atom = terms[j]
                if all(buckets[c].size == 1 for c in atom):
                    single = tuple(sorted(int(buckets[c][0]) for c in atom))
                    resolved.update(dict.fromkeys(down_set(single) if kind == "or" else [single]))
            return done(list(resolved), True)
        active = sorted({c for j in chosen for c in terms[j][1]})
        buckets, kids = _split(buckets, active, rng)
        levels_left = _levels_left(max(b.size for b in buckets))
        coef, stderr, t = (np.zeros(len(terms)) for _ in range(3))
        coef[fit.idx], stderr[fit.idx], t[fit.idx] = fit.coef, fit.stderr, fit.t
        parents, pstrong = parent_terms([terms[j] for j in chosen], coef[chosen], stderr[chosen], t[chosen],
                                        strong[chosen], tol_abs, settings.keep_z)
        plan = _plan(*mobius_parents(parents, pstrong), kids, settings, budget - used, levels_left, len(buckets))
        lean = _plan(parents, pstrong, kids, settings, budget - used, levels_left, len(buckets), lean=True)
        if (len(lean.terms) < len(plan.terms) and noise is not None
                and not _rows(len(plan.terms), len(buckets), settings)[1]):
            plan, fallback = lean, plan
        if plan.pruned:
            levels[-1] = LevelInfo(**{**levels[-1].to_dict(), "pruned": plan.pruned})  # type: ignore[arg-type]
        offered = len(plan.terms) + plan.pruned
        widest = max(widest, len(terms))
        projected = _projected(_rows(offered, len(buckets), settings)[0], levels_left, offered / widest)
        if len(plan.terms) == 1 or projected > stop_factor * (budget - used):
            if restart and not misfit and len(plan.terms) > 1:  # the probe split too widely: B₀ buckets
                buckets, plan = _level0(n, full, settings, rng)
                fallback = None
                continue
            # nothing fits, or the pass cannot finish: a dense model for this budget; what is left
            # goes to the refinement (docs/theory.md §7.4)
            return done([], False)
        level += 1


def _level0(n: int, b0: int, settings: Settings, rng: np.random.Generator) -> tuple[list[np.ndarray], "_Plan"]:
    """A random partition into ``b0`` buckets and level 0's complete dictionary over them."""
    buckets = [np.sort(part) for part in np.array_split(rng.permutation(n), b0)]
    terms = [("and", a) for r in range(settings.max_order + 1) for a in itertools.combinations(range(b0), r)]
    return buckets, _Plan(terms, [], [], 0)


@dataclass
class _Plan:
    """A level's candidate terms (constant first), each parent's child group and strength, what was left out."""

    terms: list[Term]
    groups: list[np.ndarray]
    strong: list[float]  # the parent's |coefficient| when strongly significant, else 0
    pruned: int


def _plan(parents: list, strong: list[float], kids: dict[int, list[int]], settings: Settings, left: int,
          levels_left: int, buckets: int, lean: bool = False) -> _Plan:
    """The next level's dictionary: lean (``parents`` as they are, no closure) or full (AND parents
    and the Möbius completions of their down-sets, subsets of order ≤ ``closure``)."""
    if lean:
        terms, flags = list(parents), list(strong)
    else:
        extra = completions(parents, settings.max_order)
        terms = [("and", a) for a in parents] + [("and", a) for a in extra]
        flags = list(strong) + [0.0] * len(extra)
    out = next_terms(terms, flags, kids, settings.max_order, min(settings.closure, 1) if lean else settings.closure,
                     lambda p: _rows(p, buckets, settings)[0], left, levels_left)
    return _Plan(*out)


def _select(g: np.ndarray, b: np.ndarray, yy: float, m: int, plan: _Plan, final: bool, settings: Settings,
            tol_abs: float) -> tuple[Fit, np.ndarray, np.ndarray]:
    """A level's kept terms: backward elimination (|t| > keep_z, Bonferroni on the last level), each
    kept child swapped for a better-fitting sibling, and the best-fitting child of every strongly
    significant parent that kept none (the sum identity of docs/theory.md §7.2).

    Returns (the fit on the kept terms, kept mask, strongly significant mask).
    """
    orders = np.array([len(a) for _, a in plan.terms])
    strict = bonferroni_z(settings.alpha, len(plan.terms) - 1)
    fit = backward_select(g, b, yy, m, orders, strict if final else settings.keep_z, tol_abs, settings.sigma)
    kept = np.zeros(len(plan.terms), dtype=bool)
    kept[swap_within(g, b, fit.idx, plan.groups) if plan.groups else fit.idx] = True
    for grp, is_strong in zip(plan.groups, plan.strong):
        if is_strong > 0 and not kept[grp].any():
            kept[best_addition(g, b, np.flatnonzero(kept), grp)] = True
    if not np.array_equal(np.flatnonzero(kept), fit.idx):
        fit = normal_fit(g, b, yy, m, np.flatnonzero(kept), settings.sigma)
    t = np.zeros(len(plan.terms))
    t[fit.idx] = fit.t
    return fit, kept, kept & (t > strict)


def _ambiguous(g: np.ndarray, b: np.ndarray, kept: np.ndarray, plan: _Plan, margin: float) -> bool:
    """Whether the rows cannot tell which child of some strong parent carries its coefficient.

    Two signs: a child on which the parent's coefficient c would lower the residual sum of
    squares by less than (2·margin)² (c²·den, with the kept terms of other parents fixed: a
    child present in almost every row, say); or a kept child that fits better than its best unkept
    sibling by less than margin², while fitting at least (2·margin)² better than nothing.
    """
    others = np.arange(kept.size)
    for grp, c in zip(plan.groups, plan.strong):
        if c <= 0 or grp.size < 2:
            continue
        inside = np.isin(others, grp)
        _, den = addition_gains(g, b, np.flatnonzero(kept & ~inside), grp)
        if (c * c * den < 4.0 * margin * margin).any():
            return True
        for j in grp[kept[grp]]:
            options = np.concatenate([[j], grp[~kept[grp]]])
            if options.size < 2:
                continue
            gains, _ = addition_gains(g, b, np.flatnonzero(kept & (others != j)), options)
            if gains[0] >= 4.0 * margin ** 2 and gains[0] - gains[1:].max() < margin ** 2:
                return True
    return False
