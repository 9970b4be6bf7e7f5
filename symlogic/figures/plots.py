"""Pictures of a logic model: concept strengths, order profile, error curve, fit (docs/theory.md §3–§5).

Each returns a matplotlib Figure of exactly the requested pixel size and saves it when given a path
(see :mod:`.canvas`). Which concepts count in the order profile is the rule of :mod:`symlogic.salience`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from ..defaults import WEAK
from ..errors import InputError
from ..logic import LogicModel, Term
from ..salience import is_salient, salient_sets
from .canvas import AND_COLOR, OR_COLOR, PathLike, finish, new_figure, short

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "order_profile",
    "plot_concept_strengths",
    "plot_order_profile",
    "plot_error_curve",
    "plot_pareto",
    "plot_fit",
]

TermSource = Union[LogicModel, Iterable[Term]]


def _terms_of(source: TermSource) -> list["Term"]:
    """The non-bias terms of a LogicModel or of an iterable of Terms."""
    concepts = getattr(source, "concepts", None)
    terms = list(concepts) if concepts is not None else list(source)  # type: ignore[arg-type]
    return [t for t in terms if t.kind != "bias"]


# ---- concept strengths --------------------------------------------------------------------
def plot_concept_strengths(source: TermSource, path: PathLike | None = None, *, top: int | None = None,
                           width: int = 800, height: int | None = None, dpi: int = 100, fmt: str | None = None,
                           title: str = "Concept strengths") -> "Figure":
    """Horizontal bars of |coefficient| for each concept, strongest first; AND blue, OR orange.

    Negative coefficients are hatched and every bar is labelled with its signed value.

    Args:
        source: a LogicModel or an iterable of Terms (the bias is skipped).
        path: where to save (.svg/.png); nothing is saved when None.
        top: show only the ``top`` strongest concepts.
        width, height: size in pixels (height grows with the number of bars when None).
    """
    terms = sorted(_terms_of(source), key=lambda t: (-abs(t.coefficient), t.kind, t.mask))
    if top is not None:
        terms = terms[: max(int(top), 0)]
    if height is None:
        height = int(min(max(300, 90 + 22 * len(terms)), 4000))
    fig = new_figure(width, height, dpi)
    ax = fig.add_axes((0.34, 0.08, 0.6, 0.84))
    if not terms:
        _empty(ax, "no concepts")
    else:
        y = np.arange(len(terms))
        values = np.array([abs(t.coefficient) for t in terms])
        colors = [AND_COLOR if t.kind == "and" else OR_COLOR for t in terms]
        bars = ax.barh(y, values, color=colors, edgecolor="black", linewidth=0.5)
        for bar, t in zip(bars, terms):
            if t.coefficient < 0:
                bar.set_hatch("///")
        ax.set_yticks(y, [short(t.label(), 40) for t in terms], fontsize=_tick_size(len(terms), height))
        ax.invert_yaxis()
        span = float(values.max()) or 1.0
        for yi, t in zip(y, terms):
            ax.text(abs(t.coefficient) + 0.01 * span, yi, f"{t.coefficient:+.4g}", va="center", ha="left",
                    fontsize=_tick_size(len(terms), height))
        ax.set_xlim(0, span * 1.18)
        ax.set_xlabel("|coefficient|")
        _kind_legend(ax, negative=any(t.coefficient < 0 for t in terms))
    ax.set_title(short(title, 200))
    return finish(fig, path, fmt)


def _tick_size(count: int, height: int) -> float:
    return float(np.clip(0.55 * height / max(count, 1) / 1.6, 5.0, 10.0))


def _kind_legend(ax: "Axes", negative: bool = False) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=AND_COLOR, edgecolor="black", label="AND (all present)"),
               Patch(facecolor=OR_COLOR, edgecolor="black", label="OR (any present)")]
    if negative:
        handles.append(Patch(facecolor="white", edgecolor="black", hatch="///", label="negative"))
    ax.legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.9)


def _empty(ax: "Axes", message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="gray")
    ax.set_xticks([])
    ax.set_yticks([])


# ---- order profile ------------------------------------------------------------------------
def order_profile(source: TermSource | Mapping[str, Any], *, threshold: float = 0.0) -> dict[str, dict[str, np.ndarray]]:
    """Strength Σ|I| and count of concepts per order k, for AND and OR separately (docs/theory.md §5.3).

    Args:
        source: a LogicModel, an iterable of Terms, or ``{"and": I_and, "or": I_or}`` with full
            interaction tables of length 2^n (index = mask; I(∅), the constant, is not a concept).
        threshold: only entries with |I| ≥ threshold (and ≠ 0) count; e.g.
            :func:`symlogic.salience.salience_threshold` of the tables (the rule of
            :mod:`symlogic.salience`).

    Returns:
        ``{"and": {"strength": [...], "count": [...]}, "or": {...}}``, arrays indexed by order 0…K,
        K the highest order that counts.
    """
    pairs: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # kind -> orders, values, counted
    if isinstance(source, Mapping):
        for kind in ("and", "or"):
            table = np.asarray(source.get(kind, np.zeros(1)), dtype=np.float64).ravel()
            n = int(table.size).bit_length() - 1
            if table.size != 1 << n:
                raise InputError(f"the {kind!r} interaction table has length {table.size}, not a power of two (2^n entries, index = mask)")
            orders = np.bitwise_count(np.arange(table.size, dtype=np.uint64)).astype(np.int64)
            pairs[kind] = (orders, table, salient_sets(table, threshold))
    else:
        terms = _terms_of(source)
        for kind in ("and", "or"):
            sel = [t for t in terms if t.kind == kind]
            values = np.array([t.coefficient for t in sel])
            pairs[kind] = (np.array([t.order for t in sel], dtype=np.int64), values, is_salient(values, threshold))
    top = max((int(orders[keep].max()) for orders, _, keep in pairs.values() if keep.any()), default=0)
    out: dict[str, dict[str, np.ndarray]] = {}
    for kind, (orders, values, keep) in pairs.items():
        out[kind] = {
            "strength": np.bincount(orders[keep], weights=np.abs(values[keep]), minlength=top + 1)[: top + 1],
            "count": np.bincount(orders[keep], minlength=top + 1)[: top + 1].astype(np.int64),
        }
    return out


def plot_order_profile(source: TermSource | Mapping[str, Any], path: PathLike | None = None, *,
                       threshold: float = 0.0, width: int = 900, height: int = 420, dpi: int = 100,
                       fmt: str | None = None, title: str = "Concepts by order") -> "Figure":
    """Two panels: strength Σ|coefficient| per order and number of concepts per order, AND vs OR.

    ``source`` and ``threshold`` are as for :func:`order_profile`.
    """
    prof = order_profile(source, threshold=threshold)
    fig = new_figure(width, height, dpi)
    axes = fig.subplots(1, 2)
    orders = np.arange(len(prof["and"]["count"]))
    w = 0.4
    for ax, key, label in ((axes[0], "strength", "Σ |coefficient|"), (axes[1], "count", "number of concepts")):
        if prof["and"][key].sum() == 0 and prof["or"][key].sum() == 0:
            _empty(ax, "no concepts")
        else:
            ax.bar(orders - w / 2, prof["and"][key], w, color=AND_COLOR, label="AND")
            ax.bar(orders + w / 2, prof["or"][key], w, color=OR_COLOR, label="OR")
            ax.set_xticks(orders)
            ax.legend(fontsize=8)
        ax.set_xlabel("order |S|")
        ax.set_ylabel(label)
    if prof["and"]["count"].sum() + prof["or"]["count"].sum():
        from matplotlib.ticker import MaxNLocator

        axes[1].yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(short(title, 200))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.86, wspace=0.28)
    return finish(fig, path, fmt)


# ---- error curve ---------------------------------------------------------------------------
def _finish_curve(fig: "Figure", ax: "Axes", xlabel: str, ylabel: str, title: str, path: PathLike | None,
                  fmt: str | None) -> "Figure":
    """Labels, title, grid and margins of the size-against-error pictures, then save or return."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(short(title, 200))
    ax.grid(True, alpha=0.3)
    fig.subplots_adjust(left=0.13, right=0.97, bottom=0.13, top=0.9)
    return finish(fig, path, fmt)


def plot_error_curve(k_values: Sequence[float], eps_values: Sequence[float], path: PathLike | None = None, *,
                     chosen_k: int | None = None, target: float | None = None, width: int = 700, height: int = 420,
                     dpi: int = 100, fmt: str | None = None, title: str = "Error vs number of concepts") -> "Figure":
    """The tightest ε = max_T |v(T) − f_k(T)| of the model built from the top-k concepts, against k.

    A log scale is used when the errors span more than two decades. ``chosen_k`` marks the model
    kept; ``target`` draws the requested tolerance.
    """
    k = np.asarray(k_values, dtype=np.float64).ravel()
    eps = np.asarray(eps_values, dtype=np.float64).ravel()
    if k.shape != eps.shape:
        raise InputError(f"k_values and eps_values must have the same length, got {k.size} and {eps.size}")
    if not (np.isfinite(k).all() and np.isfinite(eps).all()) or (eps < 0).any():
        raise InputError("k_values and eps_values must be finite, and errors non-negative")
    fig = new_figure(width, height, dpi)
    ax = fig.add_subplot()
    if k.size == 0:
        _empty(ax, "no error curve")
    else:
        order = np.argsort(k, kind="stable")
        ax.plot(k[order], eps[order], "o-", color=AND_COLOR, markersize=4, linewidth=1.5, label="ε (top-k model)")
        positive = eps[eps > 0]
        if positive.size and positive.max() / positive.min() > 100:
            ax.set_yscale("log")
        if target is not None:
            ax.axhline(float(target), color="gray", linestyle="--", linewidth=1, label=f"target ε = {float(target):.3g}")
        if chosen_k is not None and (k == chosen_k).any():
            e = float(eps[k == chosen_k][0])
            ax.plot([chosen_k], [e], "o", markersize=10, markerfacecolor="none", markeredgecolor="red",
                    label=f"chosen k = {chosen_k} (ε = {e:.3g})")
        ax.legend(fontsize=8)
    return _finish_curve(fig, ax, "number of concepts k", "max |v − f| over all masks", title, path, fmt)


def plot_pareto(terms: Sequence[float], relative_eps: Sequence[float], path: PathLike | None = None, *,
                target: float | None = None, chosen: int | None = None, weak: float = WEAK, width: int = 700,
                height: int = 420, dpi: int = 100, fmt: str | None = None,
                title: str = "Readable vs faithful: formula size against proven error") -> "Figure":
    """The front of (number of terms, proven ε / output range), ε in percent of the range.

    ``target`` draws the requested share; ``chosen`` rings the formula kept; the band above
    ``weak`` (default 5 %) is shaded: a formula there is a weak explanation.
    """
    k = np.asarray(terms, dtype=np.float64).ravel()
    eps = np.asarray(relative_eps, dtype=np.float64).ravel()
    if k.shape != eps.shape:
        raise InputError(f"terms and relative_eps must have the same length, got {k.size} and {eps.size}")
    if not np.isfinite(k).all() or (eps[np.isfinite(eps)] < 0).any():
        raise InputError("terms must be finite and errors non-negative")
    fig = new_figure(width, height, dpi)
    ax = fig.add_subplot()
    if k.size == 0 or not np.isfinite(eps).any():
        _empty(ax, "no front (the outputs are constant)")
    else:
        pct = 100 * eps
        ax.step(k, pct, where="post", color=AND_COLOR, linewidth=1.2, alpha=0.6)
        ax.plot(k, pct, "o", color=AND_COLOR, markersize=4, label="proven ε of the sparsest formula found")
        top = max(float(np.nanmax(pct)), 100 * weak) * 1.05
        ax.axhspan(100 * weak, top, color="#f4cccc", alpha=0.35, label=f"weak: ε > {100 * weak:g} % of the range")
        if target is not None:
            ax.axhline(100 * float(target), color="gray", linestyle="--", linewidth=1,
                       label=f"target {100 * float(target):.3g} %")
        if chosen is not None and (k == chosen).any():
            e = float(pct[k == chosen][0])
            ax.plot([chosen], [e], "o", markersize=11, markerfacecolor="none", markeredgecolor="red",
                    label=f"chosen: {chosen} terms, ε = {e:.3g} %")
        ax.set_ylim(0, top)
        ax.legend(fontsize=8)
    return _finish_curve(fig, ax, "number of terms", "proven max |v − f| / (max v − min v), %", title, path, fmt)


# ---- fit -----------------------------------------------------------------------------------
def plot_fit(record_values: Sequence[float], model_values: Sequence[float], epsilon: float | None = None,
             path: PathLike | None = None, *, width: int = 900, height: int = 420, dpi: int = 100,
             fmt: str | None = None, title: str = "Recorded output vs logic model, all masks") -> "Figure":
    """Left: v(T) against f(T) for every mask with the band |v − f| ≤ ε; right: histogram of v − f.

    Points outside the band are red. ε defaults to the observed max |v − f|. Dense scatters are
    rasterized so an SVG of 2^20 masks stays small.
    """
    v = np.asarray(record_values, dtype=np.float64).ravel()
    f = np.asarray(model_values, dtype=np.float64).ravel()
    if v.shape != f.shape:
        raise InputError(f"record_values and model_values must have the same length (one per mask), got {v.size} and {f.size}")
    if not (np.isfinite(v).all() and np.isfinite(f).all()):
        raise InputError("record_values and model_values must be finite")
    err = v - f
    worst = float(np.abs(err).max()) if err.size else 0.0
    eps = worst if epsilon is None else float(epsilon)
    if not math.isfinite(eps) or eps < 0:
        raise InputError(f"epsilon must be a finite non-negative number, got {epsilon!r}")
    fig = new_figure(width, height, dpi)
    ax, hx = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
    if v.size == 0:
        _empty(ax, "no masks")
        _empty(hx, "no masks")
    else:
        lo, hi = float(min(v.min(), f.min())), float(max(v.max(), f.max()))
        pad = 0.05 * (hi - lo) or 1.0
        line = np.array([lo - pad, hi + pad])
        ax.fill_between(line, line - eps, line + eps, color=AND_COLOR, alpha=0.15, linewidth=0, label=f"|v − f| ≤ ε = {eps:.3g}")
        ax.plot(line, line, color=AND_COLOR, linewidth=1)
        outside = np.abs(err) > eps
        dense = v.size > 5000
        size = 4 if dense else 14
        ax.scatter(f[~outside], v[~outside], s=size, color="black", alpha=0.6 if dense else 0.9, linewidths=0,
                   rasterized=dense, label=f"masks ({v.size})")
        if outside.any():
            ax.scatter(f[outside], v[outside], s=size * 2, color="red", linewidths=0, rasterized=dense,
                       label=f"outside band ({int(outside.sum())})")
        ax.set_xlim(line)
        ax.set_ylim(line)
        ax.set_xlabel("logic model f(T)")
        ax.set_ylabel("recorded output v(T)")
        ax.legend(fontsize=8, loc="upper left")
        bins = int(np.clip(np.sqrt(v.size), 10, 80))
        hx.hist(err, bins=bins, color="gray")
        for s in (-eps, eps):
            hx.axvline(s, color=AND_COLOR, linestyle="--", linewidth=1)
        hx.set_xlabel("v(T) − f(T)")
        hx.set_ylabel("masks")
        hx.set_title(f"max |v − f| = {worst:.3g}", fontsize=9)
    fig.suptitle(short(title, 200))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.86, wspace=0.25)
    return finish(fig, path, fmt)
