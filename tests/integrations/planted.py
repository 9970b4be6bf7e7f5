"""The planted 4-variable table and model the integration tests explain (no fixtures here)."""

from __future__ import annotations

import numpy as np

from symlogic import LogicModel, Record

NAMES = ["not", "good", "movie", "plot"]
#: One claim that holds on the table below and one that is refuted (its smallest counterexample: {not}).
CLAIMS = ["present(not) & present(good) -> output >= 1", "present(not) | good -> output < 0"]


def planted_record() -> Record:
    """v = 1.5·AND(not, good) + 0.75·OR(movie, plot) + a dyadic wobble of at most 1/64."""
    masks = np.arange(16)
    bit = lambda i: (masks >> i) & 1  # noqa: E731
    values = 1.5 * bit(0) * bit(1) + 0.75 * np.maximum(bit(2), bit(3)) + (masks % 3 - 1) / 64
    return Record.from_table(values, NAMES, output="log-odds")


def planted_model() -> LogicModel:
    return LogicModel.from_terms(NAMES, 0.0, [("and", ["not", "good"], 1.5), ("or", ["movie", "plot"], 0.75)])
