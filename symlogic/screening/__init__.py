"""Explanations beyond exact enumeration: screen many candidate variables, then explain a few exactly.

- :func:`screen` (:mod:`.screen`) recovers the few AND / OR interactions that matter among N
  candidates (hundreds of words, patches or features) from a budget of queries, by hierarchical
  aliasing and least squares (docs/theory.md §7), and returns a :class:`Screening`.
- :func:`select_variables` (:mod:`.select`) picks k ≤ 16 of them (from a screening's ranking, or
  the top ones plus the rest grouped into a few super-variables) and records the exact table on
  them with every other candidate held at background, as a :class:`symlogic.Record` whose
  ``meta["selection"]`` says what was chosen, how and from what; :class:`Selection` holds both.
- :func:`candidate_query` (:mod:`.source`) turns a model adapter on one input into the query
  function over its variables.

Modules by job: ``queries`` (designs and the budgeted query log), ``recover`` (least-squares
kernels), ``hierarchy`` (one aliasing pass), ``screen`` (the entry point), ``result`` (the
result types), ``select`` (selection and the exact record), ``source`` (adapters as queries).
"""

from __future__ import annotations

from .result import Screening, ScreeningTerm
from .screen import screen
from .select import MAX_SELECTED, Selection, select_variables
from .source import candidate_query

__all__ = ["screen", "Screening", "ScreeningTerm", "select_variables", "Selection", "candidate_query",
           "MAX_SELECTED"]
