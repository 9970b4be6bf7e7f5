"""Images: a grid of patches over a CHW tensor, n of them as variables, masked to a baseline image.

The n patches are all of them, a given list, or the top n by a cheap attribution: |gradient ×
(input − baseline)| summed over the patch (|gradient × input| for a zero baseline), or the output
change when the patch alone is masked (occlusion). Patches not chosen are background: they keep
the image's pixels on every mask (docs/theory.md §1). The baseline is zero, the channel mean, a blurred
copy of the image (Gaussian or box blur, done in torch), or learned (``baseline="learned"``: each pixel
moved from zero by at most 0.1 × the pixel range to make the interactions sparse, see
:mod:`symlogic.baselines`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from ..baselines import LearnedBaseline
from ..errors import InputError
from ..model_record import OUTPUTS, OutputSpec, eval_mode, predicted_class, scalar_output
from ..record import Record
from .base import (MaskedInputAdapter, baseline_options, keep_background, learn_adapter_baseline, learned_bound,
                   learned_description, model_dtype)

__all__ = ["ImageAdapter", "record_image", "gaussian_blur", "box_blur", "patch_name", "IMAGE_BASELINES", "PATCH_SELECTIONS"]

#: Named baselines: zeros, the per-channel mean, a Gaussian blur, a box blur of the image, or learned
#: (see :mod:`symlogic.baselines`).
IMAGE_BASELINES = ("zero", "mean", "blur", "box", "learned")
#: Ways to choose the top-n patches.
PATCH_SELECTIONS = ("gradient", "occlusion")


def patch_name(row: int, col: int) -> str:
    """The variable name of the patch in grid row ``row``, column ``col``: "p{row}_{col}"."""
    return f"p{row}_{col}"


def _separable(img: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Convolve each channel of [C, H, W] with ``kernel`` along W then H, replicating the border."""
    c = img.shape[0]
    r = (kernel.numel() - 1) // 2
    x = img[None]
    kw = kernel.to(img.dtype).view(1, 1, 1, -1).expand(c, 1, 1, -1)
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="replicate"), kw, groups=c)
    x = F.conv2d(F.pad(x, (0, 0, r, r), mode="replicate"), kw.transpose(2, 3), groups=c)
    return x[0]


def gaussian_blur(img: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian blur of a [C, H, W] image with standard deviation ``sigma`` pixels (kernel radius ⌈3σ⌉)."""
    if not sigma > 0:
        raise InputError(f"blur_sigma must be positive, got {sigma}")
    r = max(1, math.ceil(3 * sigma))
    t = torch.arange(-r, r + 1, dtype=torch.float64)
    k = torch.exp(-(t**2) / (2 * sigma**2))
    return _separable(img, k / k.sum())


def box_blur(img: torch.Tensor, size: int) -> torch.Tensor:
    """Mean over a ``size`` × ``size`` window (``size`` odd) around each pixel of a [C, H, W] image."""
    if size < 1 or size % 2 == 0:
        raise InputError(f"blur_size must be an odd positive number of pixels, got {size}")
    return _separable(img, torch.full((size,), 1.0 / size, dtype=torch.float64))


def _divisors(k: int) -> list[int]:
    return [d for d in range(1, k + 1) if k % d == 0]


@dataclass
class ImageAdapter(MaskedInputAdapter):
    """One image split into a grid of patches, n of which are the input variables.

    Args:
        model: a torch module (or callable) taking a batch [B, C, H, W] and returning logits.
        x: the image, [C, H, W].
        patch: patch size in pixels, an int (square) or (height, width); must divide H and W.
        patches: the candidate patches: "all" (default) or a list of (row, col) pairs, names
            "p{row}_{col}", or flat grid indices row · cols + col.
        n: keep the top ``n`` candidates by ``select`` (default: keep every candidate).
        select: "gradient" (|gradient × (x − baseline)| summed per patch) or "occlusion"
            (|v(x) − v(x with that patch alone masked)|), used when ``n`` is given.
        baseline: "zero" (default), "mean" (per-channel mean of ``reference`` images, else of ``x``),
            "blur" (Gaussian blur of ``x``), "box" (box blur of ``x``), a number, a tensor that
            broadcasts to [C, H, W], or "learned": learned by :func:`symlogic.baselines.learn_baseline`
            (a differentiable torch model), starting from ``baseline_options["start"]`` (default
            "zero"; any of the other baselines) and moving each pixel of the chosen patches by at
            most δ = ``bound`` × the pixel range (max − min of ``reference``, else of ``x``; ``bound``
            0.1), or an absolute ``delta``. Patches are chosen (``n``) with the start baseline.
        blur_sigma: Gaussian σ in pixels for "blur" (default: half the larger patch side).
        blur_size: odd window side for "box" (default: the larger patch side, made odd).
        reference: images [N, C, H, W] (or one [C, H, W]) for the "mean" baseline.
        target: the class whose output is recorded (default: the model's prediction on ``x``).
        output: "log-odds" (default), "logit", "prob" or a callable on the raw model outputs.
        baseline_options: for ``baseline="learned"`` only: "start", "bound" or "delta", and the
            options of :func:`symlogic.baselines.learn_baseline` ("steps", "lr", "split", "seed",
            "batch_size", "max_variables", "gamma_lr", "threads").

    Attributes (resolved on construction):
        input_tensor, baseline_tensor: [C, H, W] in the model's dtype (the baseline equals the
            image on background patches, which are never masked).
        membership: boolean [n, C, H, W]; row i marks the pixels (all channels) of patch i.
        grid: (rows, cols) of the patch grid; patch_size: (height, width).
        chosen: the (row, col) of each variable, in raster order; variable_names: "p{row}_{col}".
        scores: attribution score of every candidate by name (when ``n`` was given), else None.
        target_class: the class recorded (None for a callable ``output``).
        learned: the :class:`~symlogic.baselines.LearnedBaseline` for ``baseline="learned"``, else None.

    Example:
        >>> import torch
        >>> from symlogic.adapters import ImageAdapter
        >>> _ = torch.manual_seed(0)
        >>> cnn = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(),
        ...                           torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 3))
        >>> img = torch.rand(3, 16, 16)
        >>> adapter = ImageAdapter(cnn, img, patch=4, n=6, select="occlusion", baseline="blur")
        >>> rec = adapter.record()
        >>> rec.n, adapter.grid, rec.names[0][0], rec.baseline
        (6, (4, 4), 'p', 'gaussian blur of the image (sigma 2.0 px)')
    """

    model: Any
    x: Any
    patch: int | tuple[int, int] = 4
    patches: str | Sequence[Any] = "all"
    n: int | None = None
    select: str = "gradient"
    baseline: str | float | Any = "zero"
    blur_sigma: float | None = None
    blur_size: int | None = None
    reference: Any = None
    target: int | None = None
    output: OutputSpec = "log-odds"
    baseline_options: dict[str, Any] | None = None

    input_tensor: torch.Tensor = field(init=False, repr=False)
    baseline_tensor: torch.Tensor = field(init=False, repr=False)
    membership: torch.Tensor = field(init=False, repr=False)
    grid: tuple[int, int] = field(init=False)
    patch_size: tuple[int, int] = field(init=False)
    chosen: tuple[tuple[int, int], ...] = field(init=False)
    variable_names: tuple[str, ...] = field(init=False)
    scores: dict[str, float] | None = field(init=False, repr=False)
    target_class: int | None = field(init=False)
    baseline_description: str = field(init=False)
    learned: LearnedBaseline | None = field(init=False, repr=False)
    _learned_info: dict[str, Any] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        if not callable(self.model):
            hint = (": for a scikit-learn estimator on pixels use TabularAdapter on the flattened image (x.reshape(-1), "
                    "with columns=[[...pixels of a patch...], ...]), which accepts an estimator as it is"
                    if any(hasattr(self.model, m) for m in ("predict_proba", "decision_function", "predict")) else "")
            raise InputError(f"ImageAdapter needs a torch module or a callable on an image batch [B, C, H, W], "
                             f"got a {type(self.model).__name__}{hint}")
        img = torch.as_tensor(self.x)
        if img.ndim != 3:
            hint = " (drop the batch axis: x[0])" if img.ndim == 4 else " (add a channel axis: x[None])" if img.ndim == 2 else ""
            raise InputError(f"x must be one image [C, H, W], got shape {tuple(img.shape)}{hint}")
        dtype = model_dtype(self.model)
        img = img.detach().to(dtype)
        c, h, w = img.shape
        ph, pw = (self.patch, self.patch) if isinstance(self.patch, int) else tuple(int(p) for p in self.patch)
        if ph < 1 or pw < 1:
            raise InputError(f"patch size must be positive, got {self.patch!r}")
        if h % ph or w % pw:
            common = sorted(set(_divisors(h)) & set(_divisors(w)))
            raise InputError(
                f"patch size {ph}×{pw} does not divide the image of {h}×{w} pixels; use sides that divide "
                f"H = {h} and W = {w} (square sizes that fit both: {common})"
            )
        self.patch_size = (ph, pw)
        self.grid = (h // ph, w // pw)
        self.input_tensor = img
        is_learned = isinstance(self.baseline, str) and self.baseline == "learned"
        options = baseline_options(self.baseline_options, is_learned)
        self.baseline_tensor, self.baseline_description = self._resolve_baseline(img, options.get("start", "zero") if is_learned else self.baseline)
        candidates = self._resolve_patches()
        if not (callable(self.output) or self.output in OUTPUTS):
            raise InputError(f"output must be one of {OUTPUTS} or a callable, got {self.output!r}")
        self.target_class = self._resolve_target()
        self.scores = None
        if self.n is not None:
            if isinstance(self.n, bool) or not isinstance(self.n, int) or not 1 <= self.n <= len(candidates):
                raise InputError(
                    f"n = {self.n!r} patches asked for, but there are {len(candidates)} candidate patches "
                    f"({self.grid[0]}×{self.grid[1]} grid of {ph}×{pw} patches); pass 1 ≤ n ≤ {len(candidates)}, "
                    "or smaller patches for more of them"
                )
            if self.select not in PATCH_SELECTIONS:
                raise InputError(f"unknown patch selection {self.select!r}; use one of {PATCH_SELECTIONS}")
            score = self._gradient_scores(candidates) if self.select == "gradient" else self._occlusion_scores(candidates)
            self.scores = {patch_name(r, cc): float(s) for (r, cc), s in zip(candidates, score.tolist())}
            order = sorted(range(len(candidates)), key=lambda k: -float(score[k]))  # stable: ties keep raster order
            candidates = sorted(candidates[k] for k in order[: self.n])
        self.chosen = tuple(candidates)
        self.variable_names = tuple(patch_name(r, cc) for r, cc in self.chosen)
        self.membership = self._membership(self.chosen)
        self.baseline_tensor = keep_background(img, self.baseline_tensor, self.membership)
        self.learned = None
        if is_learned:
            self._learn(options)

    def _learn(self, options: dict[str, Any]) -> None:
        """Replace the start baseline by the learned one (see :mod:`symlogic.baselines`)."""
        img = self.input_tensor
        if self.reference is not None and "delta" not in options:
            ref = torch.as_tensor(self.reference).to(torch.float64)
            lo, hi, where = float(ref.min()), float(ref.max()), "reference"
        else:
            lo, hi, where = float(img.min()), float(img.max()), "the image"
        delta, bound_what, rel = learned_bound(options, hi - lo, "pixel range", tuple(img.shape))
        if rel is not None:
            bound_what += f" of {where} ({rel * (hi - lo):.4g})"
        start_what = self.baseline_description
        self.learned = learn_adapter_baseline(self.model, self.target_class, self.output, img, self.baseline_tensor,
                                              self.membership, delta, options, self._device(), eval_mode(self.model))
        self.baseline_tensor = keep_background(img, self.learned.values.to("cpu"), self.membership)
        self.baseline_description = learned_description(start_what, bound_what, self.learned)
        self._learned_info = {"from": start_what, "bound": rel, "scale": f"pixel range of {where}" if rel is not None else None}

    def _resolve_baseline(self, img: torch.Tensor, b: Any) -> tuple[torch.Tensor, str]:
        ph, pw = self.patch_size
        if isinstance(b, str):
            if b == "learned":
                raise InputError("baseline_options['start'] is where learning starts: one of 'zero', 'mean', 'blur', "
                                 "'box', a number or a tensor, not 'learned'")
            if b not in IMAGE_BASELINES:
                raise InputError(f"unknown baseline {b!r}; use one of {IMAGE_BASELINES}, a number, or a tensor broadcastable to {tuple(img.shape)}")
            if b == "zero":
                return torch.zeros_like(img), "zero"
            if b == "mean":
                if self.reference is not None:
                    ref = torch.as_tensor(self.reference).to(img.dtype)
                    ref = ref[None] if ref.ndim == 3 else ref
                    if ref.ndim != 4 or ref.shape[1] != img.shape[0]:
                        raise InputError(f"reference must be images [N, C, H, W] with C = {img.shape[0]}, got shape {tuple(ref.shape)}")
                    mean = ref.mean(dim=(0, 2, 3))
                    what = f"per-channel mean of reference ({ref.shape[0]} images)"
                else:
                    mean = img.mean(dim=(1, 2))
                    what = "per-channel mean of the image"
                return mean[:, None, None].expand_as(img).clone(), what
            if b == "blur":
                sigma = float(self.blur_sigma) if self.blur_sigma is not None else max(ph, pw) / 2
                return gaussian_blur(img, sigma), f"gaussian blur of the image (sigma {sigma} px)"
            size = int(self.blur_size) if self.blur_size is not None else 2 * (max(ph, pw) // 2) + 1
            return box_blur(img, size), f"box blur of the image ({size}×{size} px)"
        base = torch.as_tensor(b).to(img.dtype)
        try:
            base = torch.broadcast_to(base, img.shape).clone()
        except RuntimeError as exc:
            raise InputError(f"a baseline of shape {tuple(base.shape)} does not broadcast to the image's {tuple(img.shape)}") from exc
        if base.ndim == 0 or bool((base == base.reshape(-1)[0]).all()):
            return base, f"constant {float(base.reshape(-1)[0])!r}"
        return base, f"given tensor of shape {tuple(torch.as_tensor(b).shape)}"

    def _resolve_patches(self) -> list[tuple[int, int]]:
        rows, cols = self.grid
        if isinstance(self.patches, str):
            if self.patches != "all":
                raise InputError(f"patches must be 'all' or a list of (row, col) pairs / names like 'p0_1', got {self.patches!r}")
            return [(r, c) for r in range(rows) for c in range(cols)]
        out: list[tuple[int, int]] = []
        for item in self.patches:
            if isinstance(item, str):
                try:
                    r_s, c_s = item[1:].split("_") if item.startswith("p") else ("x", "x")
                    r, c = int(r_s), int(c_s)
                except ValueError:
                    raise InputError(f"patch name {item!r} is not of the form 'p<row>_<col>', e.g. 'p0_1'") from None
            elif isinstance(item, (tuple, list)) and len(item) == 2:
                r, c = int(item[0]), int(item[1])
            elif isinstance(item, int) and not isinstance(item, bool):
                if not 0 <= item < rows * cols:
                    raise InputError(f"flat patch index {item} is out of range 0 … {rows * cols - 1} for a {rows}×{cols} grid")
                r, c = divmod(item, cols)
            else:
                raise InputError(f"a patch must be (row, col), a name like 'p0_1' or a flat index, got {item!r}")
            if not (0 <= r < rows and 0 <= c < cols):
                raise InputError(f"patch ({r}, {c}) is outside the {rows}×{cols} grid (rows 0 … {rows - 1}, cols 0 … {cols - 1})")
            if (r, c) in out:
                raise InputError(f"patch {patch_name(r, c)} is listed twice")
            out.append((r, c))
        if not out:
            raise InputError("patches is empty; pass at least one patch (or 'all')")
        return out

    def _membership(self, chosen: Sequence[tuple[int, int]]) -> torch.Tensor:
        ph, pw = self.patch_size
        member = torch.zeros(len(chosen), *self.input_tensor.shape, dtype=torch.bool)
        for i, (r, c) in enumerate(chosen):
            member[i, :, r * ph : (r + 1) * ph, c * pw : (c + 1) * pw] = True
        return member

    def _device(self) -> torch.device:
        if isinstance(self.model, torch.nn.Module):
            for p in self.model.parameters():
                return p.device
        return torch.device("cpu")

    def _resolve_target(self) -> int | None:
        if self.target is not None or callable(self.output):
            return self.target
        with eval_mode(self.model), torch.inference_mode():
            return predicted_class(self.model(self.input_tensor[None].to(self._device())))

    def _gradient_scores(self, candidates: list[tuple[int, int]]) -> torch.Tensor:
        dev = self._device()
        x = self.input_tensor.to(dev).clone().requires_grad_(True)
        with eval_mode(self.model), torch.enable_grad():
            logits = self.model(x[None])
            if not (isinstance(logits, torch.Tensor) and logits.requires_grad):
                raise InputError("select='gradient' needs a differentiable torch model (this one's outputs carry no "
                                 "gradient); use select='occlusion'")
            v = scalar_output(logits, self.target_class, self.output).sum()
            (grad,) = torch.autograd.grad(v, x)
        contrib = (grad * (x.detach() - self.baseline_tensor.to(dev))).abs().to("cpu", torch.float64)
        member = self._membership(candidates).to(torch.float64)
        return (member * contrib).flatten(1).sum(dim=1)

    def _occlusion_scores(self, candidates: list[tuple[int, int]], chunk: int = 256) -> torch.Tensor:
        dev = self._device()
        member = self._membership(candidates)
        x, base = self.input_tensor.to(dev), self.baseline_tensor.to(dev)
        out = []
        with eval_mode(self.model), torch.inference_mode():
            full = scalar_output(self.model(x[None]), self.target_class, self.output)
            for s in range(0, len(candidates), chunk):
                m = member[s : s + chunk].to(dev)
                batch = torch.where(m, base, x)  # each row: only that patch masked
                out.append((full - scalar_output(self.model(batch), self.target_class, self.output)).abs().cpu())
        return torch.cat(out)

    def _recorded(self) -> tuple[Any, int | None, dict[str, Any]]:
        meta = {"adapter": "image", "patch": list(self.patch_size), "grid": list(self.grid),
                "patches": [list(p) for p in self.chosen], "selection": None if self.n is None else self.select,
                "scores": self.scores}
        if self.learned is not None:
            meta["learned_baseline"] = self.learned.to_meta(**self._learned_info)
        return self.model, self.target_class, meta


def record_image(
    model: Any,
    x: Any,
    patch: int | tuple[int, int] = 4,
    patches: str | Sequence[Any] = "all",
    n: int | None = None,
    select: str = "gradient",
    baseline: str | float | Any = "zero",
    *,
    blur_sigma: float | None = None,
    blur_size: int | None = None,
    reference: Any = None,
    target: int | None = None,
    output: OutputSpec = "log-odds",
    baseline_options: dict[str, Any] | None = None,
    batch_size: int | None = None,
    device: torch.device | str | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    max_seconds: float | None = None,
) -> Record:
    """``ImageAdapter(model, x, ...).record(...)`` in one call; see :class:`ImageAdapter`."""
    adapter = ImageAdapter(
        model, x, patch, patches, n, select, baseline, blur_sigma=blur_sigma, blur_size=blur_size,
        reference=reference, target=target, output=output, baseline_options=baseline_options,
    )
    return adapter.record(batch_size=batch_size, device=device, checkpoint=checkpoint, progress=progress,
                          max_seconds=max_seconds)
