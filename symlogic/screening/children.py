"""The candidate terms of a screening level: the children of the parents the level before kept.

A parent is an AND or an OR term over buckets. Splitting every bucket in two turns it into its
children, each bucket replaced by one or both of its halves (docs/theory.md §7.2): the Möbius
coefficient of an AND parent is the sum of its AND children's, and an OR term over candidates S
is the OR over π(S) at every partition π, so an OR parent's mass moves onto one of its OR
children. An OR term of order d fills its Möbius down-set (2^d − 1 atoms, docs/theory.md §2.2):
offered as one OR parent it has at most 3^d children, offered as its down-set about 4^d.

A level therefore first offers a lean dictionary (OR parents read off the kept Möbius atoms by
:func:`symlogic.screening.recover.as_and_or`, no subset closure) and falls back to the full one
(AND children of every Möbius atom, plus their low-order subsets) when the lean fit leaves more
than noise (:mod:`symlogic.screening.hierarchy`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np

from .recover import Atom, as_and_or, down_set

__all__ = ["Term", "children", "down_set", "parent_terms", "mobius_parents", "next_terms"]

#: (kind, atom): kind "and" (the Möbius atom AND_S) or "or" (OR_S).
Term = tuple[str, Atom]


def children(atom: Atom, kids: dict[int, list[int]], max_order: int) -> list[Atom]:
    """Each bucket of ``atom`` replaced by one or both of its halves ``kids[c]``, of order ≤ max_order."""
    options = [[(k[0],)] if len(k) == 1 else [(k[0],), (k[1],), (k[0], k[1])] for k in (kids[c] for c in atom)]
    out = []
    for combo in itertools.product(*options):
        child = tuple(sorted(itertools.chain.from_iterable(combo)))
        if len(child) <= max_order:
            out.append(child)
    return out


def parent_terms(terms: Sequence[Term], coef: np.ndarray, stderr: np.ndarray, t: np.ndarray, strong: np.ndarray,
                 tol_abs: float, z: float) -> tuple[list[Term], list[float]]:
    """The kept terms of a level as parents, strongest first, Möbius atoms rewritten with OR terms.

    The kept AND atoms go through :func:`as_and_or` (an OR term replaces its down-set when that
    clears at least two more atoms than it creates; a coefficient within ``z`` standard errors of
    the OR pattern counts as matching it); kept OR terms stay as they are. An OR parent takes the
    |t| and coefficient of its top atom; an atom the rewriting creates (a remainder) is weak.

    Args:
        terms: the kept non-constant terms.
        coef, stderr, t: their coefficients, standard errors and |t| values.
        strong: whether each is significant at the strict (Bonferroni) level.
        tol_abs: coefficients at most this large count as zero.
        z: standard errors within which a coefficient matches the OR pattern.

    Returns:
        (parents, strength: |coefficient| of each strongly significant parent, 0 for the others),
        ordered by (not strong, −|t|, term).
    """
    info = {term: (float(tj), float(abs(cj)) if sj else 0.0) for term, tj, cj, sj in zip(terms, t, coef, strong)}
    ands = [j for j, (kind, _) in enumerate(terms) if kind == "and"]
    rewritten = as_and_or([terms[j][1] for j in ands], np.asarray(coef)[ands], np.asarray(stderr)[ands], tol_abs, z) \
        if ands else []
    parents = [term for term in terms if term[0] == "or"]
    parents += [term for term in rewritten if term not in parents]
    score = {p: info.get(p, info.get(("and", p[1]), (0.0, 0.0))) for p in parents}
    parents.sort(key=lambda p: (score[p][1] == 0.0, -score[p][0], p[1], p[0]))
    return parents, [score[p][1] for p in parents]


def mobius_parents(parents: Sequence[Term], strong: Sequence[float]) -> tuple[list[Atom], list[float]]:
    """The Möbius atoms of ``parents`` (an OR term's whole down-set, each with the OR's strength), in
    the parents' order, each once."""
    atoms: list[Atom] = []
    flags: list[float] = []
    seen: set[Atom] = set()
    for (kind, atom), is_strong in zip(parents, strong):
        for a in (down_set(atom) if kind == "or" else [atom]):
            if a not in seen:
                seen.add(a)
                atoms.append(a)
                flags.append(is_strong)
    return atoms, flags


def next_terms(parents: Sequence[Term], strong: Sequence[float], kids: dict[int, list[int]], max_order: int,
               closure: int, rows: Callable[[int], int], left: int, levels_left: int
               ) -> tuple[list[Term], list[np.ndarray], list[float], int]:
    """The children of ``parents`` (strongest first) and their AND subsets of order ≤ ``closure``, as
    many parents' as the budget share of this level allows.

    Args:
        parents: (kind, bucket atom) terms; an OR parent has OR children, an AND parent AND ones.
        strong: |coefficient| of each parent significant at the strict level (one child of it must
            stay), 0 for the others.
        kids: each split bucket's halves (one entry for a single candidate).
        max_order: the largest order offered.
        closure: the largest order of the subsets of each AND child offered too (0: none); an OR
            child carries its whole down-set and needs none.
        rows: the rows a level with that many terms asks.
        left: queries left in the pass.
        levels_left: levels still to come, this one included.

    Returns:
        (terms with the constant ("and", ()) first, the index group of each offered parent's
        children, that parent's strength, the number of candidate terms left out).
    """
    allow = left if levels_left <= 1 else (2 * left) // (levels_left + 1)
    index: dict[Term, int] = {("and", ()): 0}
    terms: list[Term] = [("and", ())]
    groups: list[np.ndarray] = []
    flags: list[float] = []
    offered: set[Term] = set()
    for (kind, parent), is_strong in zip(parents, strong):
        kids_of = [(kind, c) for c in children(parent, kids, max_order)]
        fresh = [c for c in kids_of if c not in index]
        extra = {("and", s) for _, c in kids_of for r in range(1, min(closure if kind == "and" else 0, len(c) - 1) + 1)
                 for s in itertools.combinations(c, r) if ("and", s) not in index} - set(fresh)
        offered.update(fresh, extra)
        # the strongest parent may take what is left; the others must fit this level's share
        if rows(len(terms) + len(fresh) + len(extra)) > (left if len(terms) == 1 else allow):
            continue
        for c in fresh + sorted(extra):
            index[c] = len(terms)
            terms.append(c)
        groups.append(np.array([index[c] for c in kids_of], dtype=np.int64))
        flags.append(float(is_strong))
    return terms, groups, flags, len(offered - set(index))
