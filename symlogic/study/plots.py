"""Pictures of a study: order distributions with their spread, sparsity per sample, share of claims that hold.

Each returns a matplotlib Figure of exactly the requested pixel size (:mod:`symlogic.figures.canvas`)
and saves it when given a path (.svg or .png).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import InputError
from ..figures.canvas import AND_COLOR, OR_COLOR, PathLike, finish, new_figure, short
from .stats import OrderDistribution, Sparsity

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .results import StudyClaim

__all__ = ["plot_order_distribution", "plot_sparsity", "plot_claim_shares"]

_SERIES = ("#1f5fa8", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e")
_LABELS = {"strength": "Σ|I| of salient concepts", "count": "salient concepts", "share": "share of salient strength"}


def plot_order_distribution(distributions: OrderDistribution | Mapping[str, OrderDistribution], path: PathLike | None = None,
                            *, what: str = "share", width: int = 900, height: int = 420, dpi: int = 100,
                            fmt: str | None = None, title: str | None = None) -> "Figure":
    """Mean (bar) and spread (± one standard deviation, whisker) over samples of ``what`` per order.

    One distribution: AND and OR stacked (blue, orange). Several (e.g. {"train": …, "test": …}):
    grouped bars per order, AND and OR together, for comparing them (docs/theory.md §5.3).

    Args:
        distributions: one :class:`OrderDistribution` or a mapping of labels to them.
        what: "share" (each order's part of a sample's salient strength), "strength" or "count".
    """
    if what not in _LABELS:
        raise InputError(f"what must be one of {sorted(_LABELS)}, got {what!r}")
    many = dict(distributions) if isinstance(distributions, Mapping) else {"": distributions}
    if not many:
        raise InputError("no order distribution to draw")
    fig = new_figure(width, height, dpi)
    ax = fig.add_axes((0.09, 0.14, 0.88, 0.76))
    k = max(d.orders.shape[0] for d in many.values())
    x = np.arange(1, k + 1)

    def pad(a: np.ndarray) -> np.ndarray:
        out = np.zeros(k)
        out[:a.shape[0]] = a
        return out

    if len(many) == 1 and what != "share":
        d = next(iter(many.values()))
        a, o = pad(d.mean(f"and_{what}")), pad(d.mean(f"or_{what}"))
        ax.bar(x, a, color=AND_COLOR, edgecolor="black", linewidth=0.5, label="AND")
        ax.bar(x, o, bottom=a, color=OR_COLOR, edgecolor="black", linewidth=0.5, label="OR")
        ax.errorbar(x, a + o, yerr=pad(d.spread(what)), fmt="none", ecolor="black", capsize=3, linewidth=1)
    else:
        w = 0.8 / len(many)
        for j, (label, d) in enumerate(many.items()):
            pos = x - 0.4 + w * (j + 0.5)
            ax.bar(pos, pad(d.mean(what)), width=w, color=_SERIES[j % len(_SERIES)], edgecolor="black", linewidth=0.5,
                   label=f"{short(label or 'samples', 30)} ({d.samples})")
            ax.errorbar(pos, pad(d.mean(what)), yerr=pad(d.spread(what)), fmt="none", ecolor="black", capsize=2, linewidth=1)
    ax.set_xticks(x)
    ax.set_xlabel("order |S|")
    ax.set_ylabel(f"{_LABELS[what]} (mean ± sd)")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title(short(title or f"Order distribution over samples: {_LABELS[what]}", 200))
    return finish(fig, path, fmt)


def plot_sparsity(sparsity: Sparsity, path: PathLike | None = None, *, references: Mapping[str, float] | None = None,
                  width: int = 700, height: int = 380, dpi: int = 100, fmt: str | None = None,
                  title: str | None = None) -> "Figure":
    """Histogram of each sample's share of salient concepts (in %), its mean, and reference values
    (e.g. published figures, as {label: share}) as dashed lines."""
    fig = new_figure(width, height, dpi)
    ax = fig.add_axes((0.1, 0.15, 0.86, 0.74))
    values = 100 * sparsity.per_sample
    if values.size:
        ax.hist(values, bins=max(5, min(30, int(math.sqrt(values.size)) + 3)), color="#9db7d9", edgecolor="black", linewidth=0.5)
        ax.axvline(100 * sparsity.mean, color="black", linewidth=1.5, label=f"mean {100 * sparsity.mean:.3g} %")
    for j, (label, share) in enumerate((references or {}).items()):
        ax.axvline(100 * share, color=_SERIES[(j + 1) % len(_SERIES)], linestyle="--", linewidth=1.2,
                   label=f"{short(label, 40)}: {100 * share:.3g} %")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("salient concepts / 2^n (%)")
    ax.set_ylabel("samples")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title(short(title or f"Sparsity ({sparsity.kind}, τ = {sparsity.tau:g}), {sparsity.n.size} samples", 200))
    return finish(fig, path, fmt)


def plot_claim_shares(claims: Sequence["StudyClaim"], path: PathLike | None = None, *, width: int = 800,
                      height: int | None = None, dpi: int = 100, fmt: str | None = None,
                      title: str = "Share of samples on which each claim holds") -> "Figure":
    """One horizontal bar per claim: the shares of applicable samples where it holds (green), is
    refuted (blue) or undecided (grey)."""
    height = height or int(min(max(240, 130 + 36 * len(claims)), 3000))
    fig = new_figure(width, height, dpi)
    bottom = 90 / height  # room for the axis label and the legend under it
    ax = fig.add_axes((0.38, bottom, 0.58, 1 - bottom - 40 / height))
    if not claims:
        ax.text(0.5, 0.5, "no claims", ha="center", va="center", transform=ax.transAxes, color="gray")
        ax.set_xticks([])
        ax.set_yticks([])
    else:
        y = np.arange(len(claims))
        left = np.zeros(len(claims))
        for status, color, label in (("holds", "#1b7a2f", "holds"), ("fails", "#1f4e9c", "refuted"),
                                     (None, "#9a9a9a", "undecided / unknown")):
            share = np.array([(c.counts[status] if status else c.counts["undecided"] + c.counts["unknown"])
                              / max(c.applicable, 1) for c in claims])
            ax.barh(y, 100 * share, left=100 * left, color=color, edgecolor="black", linewidth=0.5, label=label)
            left += share
        ax.set_yticks(y, [short(f"{c.claim} [{c.target}]", 48) for c in claims], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of applicable samples")
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -45 / (height * (1 - bottom) - 40)), ncol=3,
                  frameon=False)
    ax.set_title(short(title, 200))
    return finish(fig, path, fmt)

