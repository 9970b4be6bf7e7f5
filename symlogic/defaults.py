"""The package's default settings, in one place for the CLI, the pipeline, extraction and the claims.

- ``TAU``: the salience threshold as a fraction of the largest interaction (docs/theory.md §3.6);
  ``SALIENCE`` is the same number as an exact rational, for the claims that decide salience exactly.
- ``Q_BOUND``: the noise bound ζ = q_bound·|v(N) − v(∅)| of extraction (docs/theory.md §3.1; 0.04
  in the reference papers).
- ``WEAK``: a proven ε above this share of the record's output range max v − min v makes the formula
  a weak explanation, said so wherever a verdict is shown (docs/theory.md §4.6).
- ``TARGET``: the relative ε that ``sparsest`` / ``pareto`` / ``explain --epsilon`` aim at by default.
"""

from __future__ import annotations

from fractions import Fraction

__all__ = ["TAU", "SALIENCE", "Q_BOUND", "WEAK", "TARGET"]

TAU: float = 0.05
SALIENCE: Fraction = Fraction(1, 20)
Q_BOUND: float = 0.04
WEAK: float = 0.05
TARGET: float = 0.05
