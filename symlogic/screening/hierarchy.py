"""One aliasing pass: find the Möbius atoms of a sparse game by splitting buckets of candidates.

The N candidates start in B₀ random buckets. Asking ``fn`` on bucket masks (every bucket present
or absent as a whole) gives a game on the buckets whose Möbius coefficient on a bucket set J is
the sum of the candidates' coefficients a_S over the sets S that land exactly on J (docs/theory.md
§7). Each level fits the atoms of that game by least squares, keeps the significant ones, splits
every bucket they use in two at random, and offers the children of the kept atoms (each bucket of
an atom replaced by one or both of its halves) as the next level's candidates, plus their subsets
of order ≤ ``closure`` and the children of every set whose subsets one smaller were all kept
(:func:`completions`). Buckets no kept atom uses leave the game. The pass ends when every bucket
left holds one candidate.

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
from .recover import Atom, atom_design, backward_select, bonferroni_z, normal_equations, normal_fit

__all__ = ["Settings", "LevelInfo", "PassResult", "aliasing_pass", "level0_buckets", "dictionary_size",
           "minimum_budget", "completions", "MAX_EXHAUSTIVE"]

#: The largest bucket count for which all 2^B bucket patterns may be asked.
MAX_EXHAUSTIVE = 16


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
            value = d.get(name, 0 if name == "pruned" else None)
            want = bool if name == "exhaustive" else float if name == "resid_std" else int
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


def dictionary_size(buckets: int, max_order: int) -> int:
    """Atoms of order ≤ max_order over ``buckets`` buckets, the constant included."""
    return sum(math.comb(buckets, r) for r in range(0, min(buckets, max_order) + 1))


def _rows(atoms: int, buckets: int, settings: Settings) -> tuple[int, bool]:
    """Rows a level asks: ⌈rows_per_atom·atoms⌉ (at least atoms + 8), or all 2^B patterns when fewer."""
    need = max(math.ceil(settings.rows_per_atom * atoms), atoms + 8)
    if buckets <= MAX_EXHAUSTIVE and (1 << buckets) <= need:
        return 1 << buckets, True
    return need, False


def level0_buckets(n: int, budget: int, settings: Settings) -> int:
    """The initial bucket count: ``initial_buckets`` (at most n), fewer when level 0 would take more
    than half of ``budget``."""
    b = min(settings.initial_buckets, n)
    while b > 1 and _rows(dictionary_size(b, settings.max_order), b, settings)[0] > budget // 2:
        b -= 1
    return b


def _levels_left(largest: int) -> int:
    return max(math.ceil(math.log2(max(largest, 1))), 0) + 1


def minimum_budget(n: int, settings: Settings) -> int:
    """A lower bound on the queries one pass needs: level 0 with two buckets, then one two-row
    split per level for a single atom."""
    rows0 = _rows(dictionary_size(min(2, n), settings.max_order), min(2, n), settings)[0]
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


def _children(atom: Atom, kids: dict[int, list[int]], max_order: int) -> list[Atom]:
    """Each bucket of ``atom`` replaced by one or both of its halves, of order ≤ max_order."""
    options = [[(k[0],)] if len(k) == 1 else [(k[0],), (k[1],), (k[0], k[1])] for k in (kids[c] for c in atom)]
    out = []
    for combo in itertools.product(*options):
        child = tuple(sorted(itertools.chain.from_iterable(combo)))
        if len(child) <= max_order:
            out.append(child)
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
    b0 = level0_buckets(n, budget, settings)
    if _rows(dictionary_size(b0, settings.max_order), b0, settings)[0] > budget:
        raise InputError(f"a screening pass over {n} candidates needs at least "
                         f"{minimum_budget(n, settings)} queries, but only {budget} are left; raise budget")
    buckets = [np.sort(part) for part in np.array_split(rng.permutation(n), b0)]
    atoms: list[Atom] = [a for r in range(settings.max_order + 1) for a in itertools.combinations(range(b0), r)]
    groups: list[np.ndarray] = []  # children of strongly significant parents: one of each must stay
    levels: list[LevelInfo] = []
    used = 0
    noise, noise_dof, scale = None, 0, 0.0
    level = 0
    while True:
        largest = max((b.size for b in buckets), default=1)
        final = largest <= 1
        rows, exhaustive = _rows(len(atoms), len(buckets), settings)
        patterns, masks = bucket_masks(rng, buckets, n, None if exhaustive else rows)
        y = ask(masks)
        used += masks.shape[0]
        g, bvec, yy, m = normal_equations(atom_design(patterns, atoms), y)
        if level == 0:
            # rounding in the fits is relative to the answers' size, their spread is what terms explain
            scale = max(float(np.std(y)), 1e-3 * float(np.sqrt(np.mean(y ** 2))))
            if tol_abs is None:
                tol_abs = tol_rel * scale
            full = normal_fit(g, bvec, yy, m, None, settings.sigma)
            if m > len(atoms):
                noise, noise_dof = full.resid_std, m - len(atoms)
        orders = np.array([len(a) for a in atoms])
        strict = bonferroni_z(settings.alpha, len(atoms) - 1)
        fit = backward_select(g, bvec, yy, m, orders, strict if final else settings.keep_z, tol_abs, settings.sigma)
        kept = np.zeros(len(atoms), dtype=bool)
        kept[fit.idx] = True
        t_all = np.zeros(len(atoms))
        t_all[fit.idx] = fit.t
        orphans = [grp for grp in groups if not kept[grp].any()]
        if orphans:  # a strongly significant parent lives on in at least one child: its best one
            t_full = normal_fit(g, bvec, yy, m, None, settings.sigma).t
            for grp in orphans:
                kept[grp[np.argmax(t_full[grp])]] = True
        strong = kept & (t_all > strict)
        levels.append(LevelInfo(pass_index, level, len(buckets), int(largest), len(atoms), int(masks.shape[0]),
                                exhaustive, int(kept.sum()) - 1, float(fit.resid_std)))
        chosen = [atoms[j] for j in np.flatnonzero(kept) if atoms[j]]
        if final or not chosen:
            resolved = [tuple(sorted(int(buckets[c][0]) for c in a)) for a in chosen if all(buckets[c].size == 1 for c in a)]
            return PassResult(resolved, levels, noise, noise_dof, scale, True, used)
        active = sorted({c for a in chosen for c in a})
        buckets, kids = _split(buckets, active, rng)
        order = sorted((j for j in np.flatnonzero(kept) if atoms[j]), key=lambda j: (not strong[j], -t_all[j], atoms[j]))
        extra = completions(chosen, settings.max_order)
        atoms, groups, pruned = _next_candidates([atoms[j] for j in order] + extra,
                                                 [bool(strong[j]) for j in order] + [False] * len(extra), kids,
                                                 settings, budget - used, _levels_left(max(b.size for b in buckets)),
                                                 len(buckets))
        if pruned:
            levels[-1] = LevelInfo(**{**levels[-1].to_dict(), "pruned": pruned})  # type: ignore[arg-type]
        if len(atoms) == 1:  # nothing fits in what is left of the budget
            return PassResult([], levels, noise, noise_dof, scale, False, used)
        level += 1


def _next_candidates(parents: list[Atom], strong: list[bool], kids: dict[int, list[int]], settings: Settings,
                     left: int, levels_left: int, buckets: int) -> tuple[list[Atom], list[np.ndarray], int]:
    """The children of ``parents`` (strongest first) and their low-order subsets, as many parents'
    as the budget share of this level allows.

    Returns (atoms with the constant first, index groups of each strong parent's children, the
    number of candidate atoms left out).
    """
    allow = left if levels_left <= 1 else (2 * left) // (levels_left + 1)
    index: dict[Atom, int] = {(): 0}
    atoms: list[Atom] = [()]
    groups: list[np.ndarray] = []
    offered: set[Atom] = set()
    for parent, is_strong in zip(parents, strong):
        kids_of = _children(parent, kids, settings.max_order)
        fresh = [c for c in kids_of if c not in index]
        extra = {s for c in kids_of for r in range(1, min(settings.closure, len(c) - 1) + 1)
                 for s in itertools.combinations(c, r) if s not in index} - set(fresh)
        offered.update(fresh, extra)
        need = _rows(len(atoms) + len(fresh) + len(extra), buckets, settings)[0]
        # the strongest parent may take what is left; the others must fit this level's share
        if need > (left if len(atoms) == 1 else allow):
            continue
        for c in fresh + sorted(extra):
            index[c] = len(atoms)
            atoms.append(c)
        if is_strong:
            groups.append(np.array([index[c] for c in kids_of], dtype=np.int64))
    return atoms, groups, len(offered - set(index))
