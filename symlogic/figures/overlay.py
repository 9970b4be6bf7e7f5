"""Concepts drawn over the input they explain: image patches and text tokens.

- :func:`plot_image_concepts`: one small panel per strongest concept, the image with that concept's
  patches tinted and outlined (AND blue, OR orange) and everything else dimmed;
- :func:`plot_text_concepts`: one row per strongest concept, the sentence with that concept's
  words highlighted (green when its coefficient is positive, red when negative; solid border AND,
  dashed border OR).

Both take what the adapters provide (an :class:`~symlogic.adapters.ImageAdapter` or
:class:`~symlogic.adapters.TextAdapter`, or their ``membership``) or plain arrays and lists, return a
matplotlib Figure of exactly the requested pixel size, and save it when given a path (.svg/.png),
as the pictures of :mod:`.plots` do. Each concept is one Axes, so ``len(fig.axes)`` is the number of
panels. Nothing here imports torch: tensors are read through ``.detach().cpu().numpy()``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError, short_repr
from ..export.style import NEG_EDGE, POS_EDGE
from ..logic import LogicModel, Term
from .canvas import AND_COLOR, OR_COLOR, PathLike, finish, new_figure, short

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_image_concepts", "plot_text_concepts", "strongest_concepts"]

_PATCH_NAME = re.compile(r"p(\d+)_(\d+)")


# ---- shared ----------------------------------------------------------------------------------
def strongest_concepts(lm: LogicModel, top: int | None = 6) -> list[Term]:
    """The ``top`` concepts with the largest |coefficient| (all of them when ``top`` is None);
    ties broken by kind then mask, as in :func:`~symlogic.figures.plots.plot_concept_strengths`."""
    _check_model(lm)
    if top is not None and (isinstance(top, (bool, np.bool_)) or not isinstance(top, (int, np.integer)) or top < 1):
        raise InputError(f"top must be a whole number ≥ 1 (or None for every concept), got {top!r}")
    terms = sorted(lm.concepts, key=lambda t: (-abs(t.coefficient), t.kind, t.mask))
    return terms if top is None else terms[: int(top)]


def _check_model(lm: Any) -> None:
    if not isinstance(lm, LogicModel):
        raise InputError(f"expected a LogicModel, got {type(lm).__name__}")


def _array(value: Any, what: str) -> np.ndarray:
    """A numpy array from an array-like or a torch tensor (read without importing torch)."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what} must be an array, got {short_repr(value)} ({exc})") from None
    if arr.dtype == object:
        raise InputError(f"{what} must be a numeric array, got {short_repr(value)}")
    return arr


def _kind_color(term: Term) -> str:
    return AND_COLOR if term.kind == "and" else OR_COLOR


def _empty(fig: "Figure", message: str) -> None:
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", color="gray", transform=ax.transAxes)


# ---- images ----------------------------------------------------------------------------------
def _display_image(image: Any) -> np.ndarray:
    """The image as [H, W] (one channel) or [H, W, 3|4], floats in [0, 1] for colour images.

    Accepts [H, W], [C, H, W] (as torch and the image adapter use) and [H, W, C], C ∈ {1, 3, 4}.
    """
    arr = _array(image, "image")
    if arr.dtype == bool:
        arr = arr.astype(np.float64)
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise InputError(f"image must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim == 4 and arr.shape[0] == 1:
        raise InputError(f"image must be one image, got shape {arr.shape} (drop the batch axis: image[0])")
    if arr.ndim == 3:
        first, last = arr.shape[0] in (1, 3, 4), arr.shape[2] in (1, 3, 4)
        if first:  # [C, H, W]: channel first, as torch and ImageAdapter
            arr = np.moveaxis(arr, 0, -1)
        elif not last:
            raise InputError(f"image of shape {arr.shape} has no channel axis of 1, 3 or 4: pass [H, W], [C, H, W] "
                             "or [H, W, C]")
        if arr.shape[2] == 1:
            arr = arr[..., 0]
    elif arr.ndim != 2:
        raise InputError(f"image must be [H, W], [C, H, W] or [H, W, C], got shape {arr.shape}")
    if arr.size == 0:
        raise InputError(f"image is empty (shape {arr.shape})")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise InputError("image must be finite (no NaN or inf)")
    if arr.ndim == 3:  # colour: matplotlib wants [0, 1] floats
        lo, hi = float(arr.min()), float(arr.max())
        if hi > 1.0 or lo < 0.0:
            arr = arr / 255.0 if lo >= 0.0 and hi <= 255.0 else (arr - lo) / ((hi - lo) or 1.0)
    return arr


def _spatial(member: np.ndarray, height: int, width: int, image_shape: tuple[int, ...], what: str) -> np.ndarray:
    """Membership rows [n, *shape] as [n, H, W]: extra (channel or embedding) axes are reduced with any()."""
    if member.ndim < 2:
        raise InputError(f"{what} must be [n, H, W] or [n, *image shape] (one row per variable), got shape {member.shape}")
    shape = member.shape[1:]
    if member.dtype != bool:
        if not np.issubdtype(member.dtype, np.number) or not np.isin(member, (0, 1)).all():
            raise InputError(f"{what} must be boolean (or 0/1): row i marks the pixels of variable i")
        member = member.astype(bool)
    if shape == (height, width):
        return member
    if len(shape) == 3 and shape[1:] == (height, width):
        return member.any(axis=1)
    if len(shape) == 3 and shape[:2] == (height, width):
        return member.any(axis=3)
    raise InputError(f"{what} has shape {member.shape}: its rows do not match the image of {height}×{width} pixels "
                     f"(image shape {image_shape}); pass [n, {height}, {width}] or [n, *image shape]")


def _patch_masks(names: Sequence[str], patch: Any, height: int, width: int) -> np.ndarray:
    """Masks of square/rectangular patches named "p{row}_{col}" (as ImageAdapter names them)."""
    if isinstance(patch, (int, np.integer)) and not isinstance(patch, (bool, np.bool_)):
        ph = pw = int(patch)
    elif isinstance(patch, Sequence) and len(patch) == 2 and all(
            isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_)) for p in patch):
        ph, pw = (int(p) for p in patch)
    else:
        raise InputError(f"a patch size is an int or (height, width), got {short_repr(patch)}")
    if ph < 1 or pw < 1:
        raise InputError(f"patch size must be positive, got {short_repr(patch)}")
    out = np.zeros((len(names), height, width), dtype=bool)
    for i, name in enumerate(names):
        m = _PATCH_NAME.fullmatch(name)
        if not m:
            raise InputError(f"variable {name!r} is not a patch name 'p<row>_<col>'; with a patch size the model's "
                             "variables must be named as ImageAdapter names them, else pass the membership masks")
        r, c = int(m.group(1)), int(m.group(2))
        if (r + 1) * ph > height or (c + 1) * pw > width:
            raise InputError(f"patch {name} of {ph}×{pw} pixels lies outside the image of {height}×{width} pixels")
        out[i, r * ph:(r + 1) * ph, c * pw:(c + 1) * pw] = True
    return out


def _image_masks(patches: Any, lm: LogicModel, height: int, width: int,
                 image_shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Variable name → [H, W] bool mask, from an adapter, a membership array, a label grid, a
    mapping name → mask, or a patch size."""
    names = lm.names
    if hasattr(patches, "membership") and hasattr(patches, "variable_names"):  # ImageAdapter (or alike)
        member = _spatial(_array(patches.membership, "the adapter's membership"), height, width, image_shape,
                          "the adapter's membership")
        given = [str(x) for x in patches.variable_names]
        if len(given) != member.shape[0]:
            raise InputError(f"the adapter has {len(given)} variable names but {member.shape[0]} membership rows")
        table = dict(zip(given, member))
    elif isinstance(patches, Mapping):
        table = {}
        for name, mask in patches.items():
            m = _spatial(_array(mask, f"the mask of {name!r}")[None], height, width, image_shape, f"the mask of {name!r}")
            table[str(name)] = m[0]
    elif isinstance(patches, (int, np.integer)) or (isinstance(patches, tuple) and len(patches) == 2
                                                    and all(isinstance(p, (int, np.integer)) for p in patches)):
        return dict(zip(names, _patch_masks(names, patches, height, width)))
    else:
        arr = _array(patches, "patches")
        if arr.ndim == 2 and np.issubdtype(arr.dtype, np.integer):  # a label grid: pixel → variable index, −1 none
            if arr.shape != (height, width):
                raise InputError(f"the patch grid has shape {arr.shape}, the image is {height}×{width} pixels")
            if arr.size and (arr.max() >= len(names) or arr.min() < -1):
                raise InputError(f"the patch grid holds variable indices {int(arr.min())} … {int(arr.max())}; the model "
                                 f"has {len(names)} variables (0 … {len(names) - 1}, −1 for pixels of no variable)")
            return {name: arr == i for i, name in enumerate(names)}
        member = _spatial(arr, height, width, image_shape, "membership")
        if member.shape[0] != len(names):
            raise InputError(f"membership has {member.shape[0]} rows but the model has {len(names)} variables "
                             f"(row i marks the pixels of variable i, {list(names)[:6]}…)")
        return dict(zip(names, member))
    missing = [x for x in names if x not in table]
    if missing:
        raise InputError(f"the model's variables {missing[:8]} have no pixels here (known: {sorted(table)[:8]}…); "
                         "pass the adapter or masks the model was recorded with")
    return {x: table[x] for x in names}


def _outline(ax: "Axes", mask: np.ndarray, color: str, lw: float) -> None:
    """The boundary of ``mask`` along pixel edges (exact, also at the image border)."""
    from matplotlib.collections import LineCollection

    padded = np.pad(mask, 1)
    segments = []
    rows, cols = np.nonzero(padded[1:, :] != padded[:-1, :])  # horizontal edges: between row r-1 and r
    for r, c in zip(rows.tolist(), cols.tolist()):
        if 1 <= c <= mask.shape[1]:
            y = r - 0.5
            segments.append([(c - 1.5, y), (c - 0.5, y)])
    rows, cols = np.nonzero(padded[:, 1:] != padded[:, :-1])  # vertical edges: between column c-1 and c
    for r, c in zip(rows.tolist(), cols.tolist()):
        if 1 <= r <= mask.shape[0]:
            x = c - 0.5
            segments.append([(x, r - 1.5), (x, r - 0.5)])
    if segments:
        ax.add_collection(LineCollection(segments, colors=color, linewidths=lw, capstyle="projecting", zorder=4))


def _grid(count: int, cols: int | None) -> tuple[int, int]:
    if cols is not None:
        if isinstance(cols, bool) or not isinstance(cols, (int, np.integer)) or cols < 1:
            raise InputError(f"cols must be a whole number ≥ 1, got {cols!r}")
        cols = min(int(cols), count)
    elif count <= 4:
        cols = count
    else:
        cols = math.ceil(count / math.ceil(count / 4))
    return math.ceil(count / cols), cols


def plot_image_concepts(image: Any, patches: Any, lm: LogicModel, *, top: int | None = 6,
                        path: PathLike | None = None, show_input: bool = False, cols: int | None = None,
                        panel: int = 180, width: int | None = None, height: int | None = None, dpi: int = 100,
                        fmt: str | None = None, cmap: str = "gray", dim: float = 0.65,
                        title: str | None = "Strongest concepts") -> "Figure":
    """One panel per strongest concept: the image with that concept's patches highlighted.

    In each panel the concept's patches are tinted and outlined in its kind's colour (AND blue,
    OR orange) and the rest of the image is dimmed; the panel title gives the kind, the signed
    coefficient and the variable names. Panels are ordered by |coefficient|, strongest first.

    Args:
        image: the explained image, [H, W], [C, H, W] (as ImageAdapter and torch hold it) or
            [H, W, C] with C ∈ {1, 3, 4}; a numpy array or a tensor. ``None`` takes the adapter's
            ``input_tensor``.
        patches: where each variable lies, any of: an :class:`~symlogic.adapters.ImageAdapter`
            (its ``membership`` and ``variable_names``); a ``membership`` array [n, *image shape]
            or [n, H, W] (bool or 0/1; row i = variable i of ``lm``); an integer label grid [H, W]
            (pixel → variable index, −1 for none); a mapping variable name → [H, W] mask; or a
            patch size (int or (height, width)) when the variables are named "p{row}_{col}".
        lm: the logic model.
        top: how many concepts (None: all).
        path: where to save (.svg/.png); nothing is saved when None.
        show_input: add a first panel with the image and every variable outlined (not counted in ``top``).
        cols: panels per row (default: up to 4, rows balanced).
        panel: the width of a panel in pixels; ``width``/``height`` override the figure size.
        cmap: colour map of a one-channel image ("gray_r" for dark ink on white).
        dim: how much the pixels outside the concept are faded towards white (0 … 1).

    Returns:
        The Figure; ``len(fig.axes)`` is the number of panels.

    Raises:
        InputError: when the masks do not match the image or the model's variables.
    """
    _check_model(lm)
    if image is None and hasattr(patches, "input_tensor"):
        image = patches.input_tensor
    img = _display_image(image)
    h, w = img.shape[:2]
    masks = _image_masks(patches, lm, h, w, tuple(_array(image, "image").shape))
    if not 0.0 <= float(dim) <= 1.0:
        raise InputError(f"dim must lie in [0, 1], got {dim!r}")
    terms = strongest_concepts(lm, top)
    count = len(terms) + (1 if show_input else 0)
    if count == 0:
        fig = new_figure(width or 320, height or 160, dpi)
        _empty(fig, "no concepts")
        return finish(fig, path, fmt)
    rows, ncols = _grid(count, cols)
    panel = int(panel)
    if panel < 40:
        raise InputError(f"panel must be at least 40 pixels wide, got {panel}")
    img_px = panel * h / w
    head, foot, top_px = 38.0, 6.0, (28.0 if title else 4.0)
    width = int(width or ncols * panel)
    height = int(height or round(top_px + rows * (img_px + head + foot)))
    fig = new_figure(width, height, dpi)
    cell_h = (height - top_px) / rows
    cell_w = width / ncols
    font = float(np.clip(cell_w / 26, 6.5, 9.5))
    vmin, vmax = float(img.min()), float(img.max())
    if vmax == vmin:
        vmax = vmin + 1.0

    def axes_at(k: int) -> "Axes":
        r, c = divmod(k, ncols)
        pad = 4.0
        left = (c * cell_w + pad) / width
        bottom = (height - top_px - (r + 1) * cell_h + foot) / height
        ax = fig.add_axes((left, bottom, (cell_w - 2 * pad) / width, (cell_h - head - foot) / height))
        ax.imshow(img, cmap=cmap if img.ndim == 2 else None, vmin=vmin if img.ndim == 2 else None,
                  vmax=vmax if img.ndim == 2 else None, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        return ax

    k = 0
    if show_input:
        ax = axes_at(k)
        for m in masks.values():
            _outline(ax, m, POS_EDGE, 0.8)
        ax.set_title(f"input\n{len(lm.names)} variables", fontsize=font)
        k += 1
    for term in terms:
        ax = axes_at(k)
        k += 1
        inside = np.zeros((h, w), dtype=bool)
        for name in term.names:
            inside |= masks[name]
        color = _kind_color(term)
        layer = np.zeros((h, w, 4))
        layer[~inside] = (1.0, 1.0, 1.0, float(dim))
        rgb = np.array([int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)])
        layer[inside, :3] = rgb
        layer[inside, 3] = 0.3
        ax.imshow(layer, interpolation="nearest", zorder=3)
        _outline(ax, inside, color, 2.0)
        names = short(", ".join(term.names), max(8, int(cell_w / (font * 0.62))))
        ax.set_title(f"{term.kind.upper()} {term.coefficient:+.4g}\n{names}", fontsize=font,
                     color=POS_EDGE if term.coefficient >= 0 else NEG_EDGE)
        for spine in ax.spines.values():
            spine.set_edgecolor(color)
            spine.set_linewidth(1.5)
            spine.set_linestyle("-" if term.kind == "and" else "--")
    if title:
        fig.suptitle(short(title, 200), fontsize=10, y=1 - 4 / height, va="top")
    return finish(fig, path, fmt)


# ---- text ------------------------------------------------------------------------------------
def _token_variables(tokens: Any, lm: LogicModel, membership: Any) -> tuple[list[str], list[set[str]]]:
    """The words to show and, for each, the names of the variables it belongs to."""
    names = list(lm.names)
    if hasattr(tokens, "unit_names") and hasattr(tokens, "variable_names"):  # TextAdapter (or alike)
        if membership is not None:
            raise InputError("pass membership with a list of tokens, not with an adapter (it has its own)")
        units = [str(x) for x in tokens.unit_names]
        texts = [str(x) for x in getattr(tokens, "_unit_texts", units)]
        if len(texts) != len(units):
            texts = units
        unknown = [x for x in names if x not in set(units)]
        if unknown:
            raise InputError(f"the model's variables {unknown[:8]} are not words of the adapter's text ({units[:12]})")
        return texts, [{u} if u in set(names) else set() for u in units]
    if isinstance(tokens, str):
        tokens = tokens.split()
    if isinstance(tokens, (bytes, Mapping)) or not isinstance(tokens, Sequence):
        raise InputError(f"tokens must be a list of words (or a string, split on spaces, or a TextAdapter), "
                         f"got {short_repr(tokens)}")
    words = [str(t) for t in tokens]
    if not words:
        raise InputError("tokens is empty: pass the words of the text")
    if membership is not None:
        member = _array(membership, "membership")
        if member.ndim < 2:
            raise InputError(f"membership must be [n, tokens] (or [n, tokens, …]), got shape {member.shape}")
        if member.dtype != bool:
            if not np.issubdtype(member.dtype, np.number) or not np.isin(member, (0, 1)).all():
                raise InputError("membership must be boolean (or 0/1): row i marks the tokens of variable i")
            member = member.astype(bool)
        if member.shape[0] != len(names):
            raise InputError(f"membership has {member.shape[0]} rows but the model has {len(names)} variables")
        if member.shape[1] != len(words):
            raise InputError(f"membership covers {member.shape[1]} tokens but {len(words)} tokens were given")
        member = member.reshape(member.shape[0], member.shape[1], -1).any(axis=2)
        return words, [{names[i] for i in np.nonzero(member[:, p])[0].tolist()} for p in range(len(words))]
    # By name: the k-th occurrence of a word is the variable "word" (k = 1) or "word#k", as TextAdapter names them.
    seen: dict[str, int] = {}
    index = set(names)
    belongs: list[set[str]] = []
    for word in words:
        seen[word] = seen.get(word, 0) + 1
        key = word if seen[word] == 1 else f"{word}#{seen[word]}"
        belongs.append({key} if key in index else set())
    found = set().union(*belongs)
    missing = [x for x in names if x not in found]
    if missing:
        raise InputError(f"the model's variables {missing[:8]} are not among the tokens {words[:12]}; pass the words "
                         "the model was recorded on, membership=[n, tokens], or the TextAdapter")
    return words, belongs


def _wrap(words: list[str], chars: int) -> list[list[int]]:
    """Token indices per line, at most ``chars`` characters a line (a longer word gets its own line)."""
    lines: list[list[int]] = [[]]
    used = 0
    for i, word in enumerate(words):
        need = len(word) + (1 if lines[-1] else 0)
        if lines[-1] and used + need > chars:
            lines.append([])
            used, need = 0, len(word)
        lines[-1].append(i)
        used += need
    return lines


def plot_text_concepts(tokens: Any, lm: LogicModel, *, top: int | None = 6, path: PathLike | None = None,
                       membership: Any = None, width: int | None = None, height: int | None = None, dpi: int = 100,
                       fmt: str | None = None, fontsize: float = 11.0,
                       title: str | None = "Strongest concepts") -> "Figure":
    """One row per strongest concept: the text with that concept's words highlighted.

    A concept's words get a box coloured by the sign of its coefficient (green positive, red
    negative), with a solid border for AND and a dashed one for OR; the other words are grey. Each
    row starts with the kind and the signed coefficient. Rows are ordered by |coefficient|.

    Args:
        tokens: the words of the text, in order: a list of str (or one str, split on spaces), or a
            :class:`~symlogic.adapters.TextAdapter` (its words; its ``variable_names`` say which are
            variables). With a list, token k is variable "word" for the first occurrence of the
            word and "word#k" for the k-th, as TextAdapter names repeats; tokens that are no
            variable are shown as background.
        lm: the logic model.
        top: how many concepts (None: all).
        path: where to save (.svg/.png); nothing is saved when None.
        membership: instead of matching by name, bool [n, tokens] (or [n, tokens, …], e.g. the
            adapter's ``membership`` with its ``tokens``): row i marks the tokens of variable i.
        width, height: size in pixels (by default from the text's length and the number of rows;
            long texts wrap).
        fontsize: points.

    Returns:
        The Figure; ``len(fig.axes)`` is the number of rows.

    Raises:
        InputError: when the tokens or membership do not match the model's variables.
    """
    _check_model(lm)
    words, belongs = _token_variables(tokens, lm, membership)
    terms = strongest_concepts(lm, top)
    fontsize = float(fontsize)
    if not 4.0 <= fontsize <= 48.0:
        raise InputError(f"fontsize must lie in 4 … 48 points, got {fontsize!r}")
    if not terms:
        fig = new_figure(width or 320, height or 120, dpi)
        _empty(fig, "no concepts")
        return finish(fig, path, fmt)
    char = fontsize * dpi / 72 * 0.6021  # advance of one DejaVu Sans Mono character, in pixels
    line_px = fontsize * dpi / 72 * 1.9
    label_px = char * 13  # "AND  -1.234e+05" fits in 13 characters of the label column
    margin = 12.0
    text_chars = sum(len(w_) for w_ in words) + len(words) - 1
    width = int(width or int(np.clip(2 * margin + label_px + char * (text_chars + 2), 560, 1600)))
    chars = max(8, int((width - 2 * margin - label_px) / char) - 1)
    lines = _wrap([w_.replace("\n", " ") for w_ in words], chars)
    row_px = len(lines) * line_px + 10
    top_px = 30.0 if title else 6.0
    legend_px = 26.0
    height = int(height or round(top_px + len(terms) * row_px + legend_px))
    fig = new_figure(width, height, dpi)
    row_h = (height - top_px - legend_px) / len(terms)
    for r, term in enumerate(terms):
        ax = fig.add_axes((0.0, (height - top_px - (r + 1) * row_h) / height, 1.0, row_h / height))
        ax.set_xlim(0, width)
        ax.set_ylim(row_h, 0)
        ax.axis("off")
        positive = term.coefficient >= 0
        sign_color = POS_EDGE if positive else NEG_EDGE
        color = _kind_color(term)
        ax.text(margin, row_h / 2, f"{term.kind.upper():<3} {term.coefficient:+.4g}", ha="left", va="center",
                family="monospace", fontsize=fontsize, color="white" if term.kind == "and" else "black",
                bbox=dict(boxstyle="square,pad=0.25" if term.kind == "and" else "round,pad=0.25",
                          fc=color, ec="black", lw=0.6))
        members = set(term.names)
        y0 = (row_h - len(lines) * line_px) / 2 + line_px / 2
        for li, line in enumerate(lines):
            x = margin + label_px
            for i in line:
                word = words[i].replace("\n", " ")
                on = bool(belongs[i] & members)
                style = dict(ha="left", va="center", family="monospace", fontsize=fontsize)
                if on:
                    ax.text(x, y0 + li * line_px, short(word, 10_000), color="black", fontweight="bold", zorder=3,
                            bbox=dict(boxstyle="round,pad=0.2", fc=sign_color, alpha=0.35 if positive else 0.3,
                                      ec=sign_color, lw=1.4, ls="-" if term.kind == "and" else "--"), **style)
                else:
                    ax.text(x, y0 + li * line_px, short(word, 10_000), color="#8a8a8a", zorder=3, **style)
                x += char * (len(word) + 1)
        if r:
            ax.axhline(0, color="#dddddd", lw=0.6)
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=POS_EDGE, alpha=0.35, edgecolor=POS_EDGE, label="positive"),
               Patch(facecolor=NEG_EDGE, alpha=0.3, edgecolor=NEG_EDGE, label="negative"),
               Patch(facecolor="white", edgecolor="black", label="AND (all present)"),
               Patch(facecolor="white", edgecolor="black", linestyle="--", label="OR (any present)")]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=8, frameon=False, bbox_to_anchor=(0.5, 0.0))
    if title:
        fig.suptitle(short(title, 200), fontsize=10, y=1 - 4 / height, va="top")
    return finish(fig, path, fmt)
