"""Query designs for screening many candidates, and the budgeted log of ``fn``'s answers.

A query is a boolean mask over the N candidates (True = present). Screening asks for two kinds
(docs/theory.md §7):

- **bucket masks**: the candidates still in play are split into buckets; each bucket is present
  with probability 1/2 and all its candidates go together (tied), so the answers are the outputs
  of a game on the buckets; candidates outside every bucket are present with probability 1/2 each.
  When 2^B is no more than the rows a fit needs, all 2^B bucket patterns are asked instead.
- **uniform masks**: each candidate present with probability 1/2 on its own; the held-out masks
  that measure faithfulness (R²) are of this kind.

:class:`QueryLog` calls ``fn`` in batches, checks every answer (one finite real per mask), counts
the queries against the budget and keeps every mask with its answer for the final fit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..errors import InputError, ResourceError
from ..masks import all_masks
from ..progress import Progress
from ..record import real_outputs

__all__ = ["QueryLog", "bucket_masks", "uniform_masks", "evaluate", "DEFAULT_BATCH"]

#: Masks per call of ``fn`` unless told otherwise.
DEFAULT_BATCH = 4096


def uniform_masks(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """``m`` masks over ``n`` candidates, each present with probability 1/2 on its own: bool [m, n]."""
    return rng.random((m, n)) < 0.5


def bucket_masks(rng: np.random.Generator, buckets: Sequence[np.ndarray], n: int, m: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Masks in which every bucket's candidates are present or absent together.

    Args:
        rng: the random generator (the design is a pure function of its state).
        buckets: disjoint arrays of candidate indices.
        n: the number of candidates.
        m: how many masks; None asks for all 2^B bucket patterns (exhaustive).

    Returns:
        (bucket patterns bool [m, B], candidate masks bool [m, n]); candidates of no bucket are
        present with probability 1/2 each.
    """
    b = len(buckets)
    patterns = all_masks(b) if m is None else rng.random((m, b)) < 0.5
    x = uniform_masks(rng, n, patterns.shape[0])
    if b:
        owner = np.full(n, -1, dtype=np.int64)
        for c, members in enumerate(buckets):
            owner[members] = c
        owned = np.flatnonzero(owner >= 0)
        x[:, owned] = patterns[:, owner[owned]]
    return patterns, x


def _as_masks(masks: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(masks, dtype=bool)


def evaluate(fn: Callable[[np.ndarray], Any], masks: np.ndarray, batch_size: int = DEFAULT_BATCH) -> np.ndarray:
    """``fn`` on ``masks`` (bool [q, N]) in batches, as float64 [q]; one finite real per mask or an error."""
    q = masks.shape[0]
    out = np.empty(q)
    for start in range(0, q, batch_size):
        chunk = masks[start:start + batch_size]
        got = real_outputs(fn(chunk), "fn's outputs")
        got = got.to("cpu", torch.float64).numpy() if isinstance(got, torch.Tensor) else np.asarray(got, dtype=np.float64)
        got = got.reshape(-1)
        if got.shape[0] != chunk.shape[0]:
            raise InputError(
                f"fn returned {got.shape[0]} outputs for a batch of {chunk.shape[0]} masks; it must return one "
                "scalar per mask row (shape [q])"
            )
        bad = np.flatnonzero(~np.isfinite(got))
        if bad.size:
            rows = chunk[bad[:3]]
            shown = "; ".join(f"present {np.flatnonzero(r).tolist()[:12]}{'…' if r.sum() > 12 else ''}" for r in rows)
            raise InputError(
                f"fn returned {bad.size} NaN or infinite outputs in a batch of {chunk.shape[0]} masks (e.g. {shown}); "
                "check the model and output definition on those masked inputs (output='log-odds' is computed stably)"
            )
        out[start:start + chunk.shape[0]] = got
    return out


@dataclass
class QueryLog:
    """Every mask asked and its answer, counted against the budget.

    Attributes:
        fn: the query function (bool [q, N] → q outputs).
        n: the number of candidates N.
        budget: the most queries allowed.
        batch_size: masks per call of ``fn``.
        progress: a progress bar over the budget, or None.
    """

    fn: Callable[[np.ndarray], Any]
    n: int
    budget: int
    batch_size: int = DEFAULT_BATCH
    progress: Progress | None = None
    _masks: list[np.ndarray] = field(default_factory=list, repr=False)
    _values: list[np.ndarray] = field(default_factory=list, repr=False)
    used: int = 0

    @property
    def left(self) -> int:
        """Queries still allowed."""
        return self.budget - self.used

    def ask(self, masks: np.ndarray, *, keep: bool = True) -> np.ndarray:
        """``fn`` on ``masks``; kept for the final fit unless ``keep`` is False (held-out masks)."""
        masks = _as_masks(masks)
        if masks.ndim != 2 or masks.shape[1] != self.n:
            raise InputError(f"masks must have shape [q, {self.n}], got {masks.shape}")
        if self.used + masks.shape[0] > self.budget:
            # the planner sizes every design within the budget; reaching this is a bug, never a silent overrun
            raise ResourceError(f"{masks.shape[0]} more queries would pass the budget of {self.budget} "
                                f"({self.used} used); raise budget")
        values = evaluate(self.fn, masks, self.batch_size)
        self.used += masks.shape[0]
        if self.progress is not None:
            self.progress.update(masks.shape[0])
        if keep:
            self._masks.append(masks)
            self._values.append(values)
        return values

    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        """All kept masks (bool [q, N]) and answers (float64 [q]), in the order asked."""
        if not self._masks:
            return np.zeros((0, self.n), dtype=bool), np.zeros(0)
        if len(self._masks) > 1:  # one array from now on: the final fits read it several times
            self._masks = [np.concatenate(self._masks)]
            self._values = [np.concatenate(self._values)]
        return self._masks[0], self._values[0]
