"""Learned baselines: baseline values, near a default one, that make the AND-OR interactions sparse.

The masked state of a variable is a choice (docs/concepts.md, "Learned baselines"). Following the
baseline learning of Ren et al. (ICLR 2023, "Can we faithfully represent masked states to compute
Shapley values on a DNN?"; CVPR 2023, "Defining and quantifying the emergence of sparse concepts in
DNNs"), :func:`learn_baseline` starts from a default baseline b0 and moves it, within a box
|b_i − b0_i| ≤ δ_i around it, to lower the sparsity loss of the recorded table v_b:

    L(b) = Σ_{S≠∅} |I_and(S)| + Σ_{S≠∅} |I_or(S)|,   I_and = Möbius(v_and), I_or = OR-interactions(v_or),

with the AND-OR split of the reference convention v_and = ½v + γ, v_or = ½v − γ (docs/theory.md §3):

- ``split="half"`` (the default): γ = 0, v_and = v_or = v/2, a fixed split, so L is a function of b alone;
- ``split="gamma"``: γ is learned too (the reference code's split parameter), first alone at b0 for
  ``steps`` steps (no model calls: that loss is the "before"), then jointly with b;
- ``split="and"``: v_and = v, v_or = 0: the Harsanyi (AND-only) loss of the CVPR 2023 paper.

The ∅ terms are left out (they only carry the constant). The model's outputs on all 2^n masked
samples are differentiated with respect to b by torch autograd (the masked samples are
``where(present, x, b)``), in chunks of ``batch_size`` masks when 2^n is larger. Each step is an Adam
step on t, with b = b0 + δ·t, followed by the projection t ← clamp(t, −1, 1), so ``lr`` is in units
of δ. The lowest-loss iterate is returned (b0 included), so the loss never ends above the default
baseline's; the returned values satisfy |b_i − b0_i| ≤ δ_i exactly, in float64 and in the input's dtype
(an entry that rounding would put past the bound is moved towards b0 by one ulp at a time).

Each step evaluates the model on all 2^n masked inputs: learning is refused above
:data:`MAX_LEARN_VARIABLES` variables unless ``max_variables`` raises the cap. The run is deterministic
for a fixed ``seed`` (torch's global RNG is seeded inside a fork and left as it was; torch's CPU
thread count, set to ``threads`` while learning, is restored).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .errors import InputError
from .model_record import variable_membership
from .record import masks_tensor

__all__ = ["LearnedBaseline", "learn_baseline", "sparsity_loss", "SPLITS", "MAX_LEARN_VARIABLES", "LEARN_DEFAULTS",
           "BASELINE_OPTIONS", "META_VALUES_LIMIT"]

#: The AND-OR splits the loss can use (see the module docstring).
SPLITS = ("half", "gamma", "and")
#: Above this many variables learning is refused unless ``max_variables`` is raised: every step runs
#: the model on all 2^n masked inputs.
MAX_LEARN_VARIABLES = 12
#: Defaults of :func:`learn_baseline`'s options.
LEARN_DEFAULTS: dict[str, Any] = {"steps": 100, "lr": 0.05, "split": "half", "seed": 0, "batch_size": 4096,
                                  "max_variables": MAX_LEARN_VARIABLES, "gamma_lr": None, "threads": 1}
#: The keys an adapter's ``baseline_options`` accepts: where to start, the relative ``bound``
#: (fraction of the adapter's scale) or an absolute ``delta``, and :func:`learn_baseline`'s options.
BASELINE_OPTIONS = ("start", "bound", "delta", "steps", "lr", "split", "seed", "batch_size", "max_variables",
                    "gamma_lr", "threads")
#: Learned values are kept in a record's meta up to this many input elements (the input fingerprint
#: covers them always).
META_VALUES_LIMIT = 1 << 16


def _mobius(v: torch.Tensor) -> torch.Tensor:
    """Möbius transform along the last axis, out of place (autograd-friendly)."""
    length = v.shape[-1]
    n = length.bit_length() - 1
    lead = v.shape[:-1]
    for i in range(n):
        y = v.reshape(*lead, 1 << (n - 1 - i), 2, 1 << i)
        lo, hi = y[..., 0, :], y[..., 1, :]
        v = torch.stack((lo, hi - lo), dim=-2).reshape(*lead, length)
    return v


def sparsity_loss(v: torch.Tensor, split: str = "half", gamma: torch.Tensor | None = None) -> torch.Tensor:
    """L = Σ_{S≠∅} |I_and(S)| + Σ_{S≠∅} |I_or(S)| of the table ``v`` (length 2^n) under the AND-OR split.

    ``split``: "half" (v_and = v_or = v/2), "gamma" (v_and = v/2 + γ, v_or = v/2 − γ with ``gamma``)
    or "and" (v_and = v, v_or = 0). Differentiable in ``v`` and ``gamma`` (torch autograd).
    """
    if split not in SPLITS:
        raise InputError(f"split must be one of {SPLITS}, got {split!r}")
    if split == "and":
        return _mobius(v)[..., 1:].abs().sum(-1)
    w_and, w_or = 0.5 * v, 0.5 * v
    if split == "gamma":
        if gamma is None:
            raise InputError("split='gamma' needs gamma, a table of the same length as v")
        w_and, w_or = w_and + gamma, w_or - gamma
    # I_or(S) = −(M u_rev)(S) for S ≠ ∅ (symlogic.transforms.or_interactions).
    return _mobius(w_and)[..., 1:].abs().sum(-1) + _mobius(w_or.flip(-1))[..., 1:].abs().sum(-1)


@dataclass(frozen=True)
class LearnedBaseline:
    """The result of :func:`learn_baseline`.

    Attributes:
        values: the learned baseline, the input's shape and dtype (equal to ``start`` where δ = 0 and
            on background elements).
        start: the default baseline b0 it started from.
        bound: δ, float64, the input's shape (0 on background elements, which never move).
        loss_before: L at b0 (for ``split="gamma"``: with γ learned at b0).
        loss_after: L at the returned values (≤ ``loss_before``).
        steps: the number of Adam steps taken; best_step: the step whose iterate was kept (0 = b0).
        lr: the step size in units of δ; split, seed: as passed.
        losses: L at every evaluated iterate (steps + 1 of them), float64.
        gamma: the learned γ (``split="gamma"``), else None.
    """

    values: torch.Tensor
    start: torch.Tensor
    bound: torch.Tensor
    loss_before: float
    loss_after: float
    steps: int
    best_step: int
    lr: float
    split: str
    seed: int
    losses: np.ndarray = field(repr=False)
    gamma: np.ndarray | None = field(default=None, repr=False)

    @property
    def max_shift(self) -> float:
        """max_i |b_i − b0_i|."""
        d = (self.values.detach().to("cpu", torch.float64) - self.start.detach().to("cpu", torch.float64)).abs()
        return float(d.max()) if d.numel() else 0.0

    def to_meta(self, **extra: Any) -> dict[str, Any]:
        """JSON-friendly summary for a record's meta: the losses and steps, and the values, start and δ
        (δ as one number when it is the same on every element that may move; the tensors only up to
        :data:`META_VALUES_LIMIT` elements, else None: the record's input fingerprint covers them)."""
        small = self.values.numel() <= META_VALUES_LIMIT
        bound = self.bound.detach().cpu()
        owned_bounds = bound[bound > 0]
        out: dict[str, Any] = {
            "loss_before": float(self.loss_before), "loss_after": float(self.loss_after), "steps": int(self.steps),
            "best_step": int(self.best_step), "lr": float(self.lr), "split": self.split, "seed": int(self.seed),
            "max_shift": self.max_shift,
            "delta_max": float(owned_bounds.max()) if owned_bounds.numel() else 0.0,
            "values": self.values.detach().to("cpu", torch.float64).tolist() if small else None,
            "start": self.start.detach().to("cpu", torch.float64).tolist() if small else None,
            "delta": (float(owned_bounds[0]) if owned_bounds.numel() and bool((owned_bounds == owned_bounds[0]).all())
                      else bound.to(torch.float64).tolist() if small else None),
        }
        out.update(extra)
        return out


def _check_options(steps: Any, lr: Any, split: Any, seed: Any, batch_size: Any, max_variables: Any,
                   gamma_lr: Any) -> None:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise InputError(f"steps must be an integer ≥ 0, got {steps!r}")
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (math.isfinite(lr) and lr > 0):
        raise InputError(f"lr must be a positive number (the Adam step in units of the bound δ), got {lr!r}")
    if split not in SPLITS:
        raise InputError(f"split must be one of {SPLITS}, got {split!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InputError(f"seed must be an integer, got {seed!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise InputError(f"batch_size must be a positive integer, got {batch_size!r}")
    if isinstance(max_variables, bool) or not isinstance(max_variables, (int, np.integer)) or max_variables < 1:
        raise InputError(f"max_variables must be a positive integer, got {max_variables!r}")
    if gamma_lr is not None and (isinstance(gamma_lr, bool) or not isinstance(gamma_lr, (int, float))
                                 or not (math.isfinite(gamma_lr) and gamma_lr > 0)):
        raise InputError(f"gamma_lr must be a positive number or None, got {gamma_lr!r}")


def _within(values: torch.Tensor, start: torch.Tensor, bound64: torch.Tensor) -> torch.Tensor:
    """Move entries that rounding put past |b − b0| ≤ δ (checked in float64 and in the values' dtype)
    towards b0, one ulp at a time, until every one is inside."""
    start = start.to(values.dtype)
    bound_native = bound64.to(values.dtype)
    for _ in range(64):
        over = ((values.to(torch.float64) - start.to(torch.float64)).abs() > bound64) | ((values - start).abs() > bound_native)
        if not bool(over.any()):
            return values
        values = torch.where(over, torch.nextafter(values, start), values)
    return torch.where(over, start, values)  # never reached in practice: b0 itself is inside


def learn_baseline(
    model_fn: Callable[[torch.Tensor], torch.Tensor],
    x: Any,
    b0: Any,
    membership: Any,
    bound: Any,
    *,
    steps: int = LEARN_DEFAULTS["steps"],
    lr: float = LEARN_DEFAULTS["lr"],
    split: str = LEARN_DEFAULTS["split"],
    seed: int = LEARN_DEFAULTS["seed"],
    batch_size: int = LEARN_DEFAULTS["batch_size"],
    max_variables: int = LEARN_DEFAULTS["max_variables"],
    gamma_lr: float | None = LEARN_DEFAULTS["gamma_lr"],
    threads: int | None = LEARN_DEFAULTS["threads"],
    device: torch.device | str | None = None,
) -> LearnedBaseline:
    """Learn baseline values near ``b0`` that lower the AND-OR sparsity loss (see the module docstring).

    Args:
        model_fn: maps a batch of masked inputs [B, *x.shape] (float, on ``device``) to B scalar
            outputs, differentiably with torch autograd (e.g. a module followed by
            :func:`symlogic.model_record.scalar_output`); the caller puts a module in eval mode.
        x: the input, without batch axis, floating point (token ids are refused: learn an
            embedding baseline instead).
        b0: the default baseline, broadcastable to ``x``.
        membership: boolean [n, *x.shape] (or index groups, as :func:`symlogic.record_model` takes).
        bound: δ ≥ 0, a number or a tensor broadcastable to ``x``: |b_i − b0_i| ≤ δ_i. Background
            elements (owned by no variable) never move.
        steps: Adam steps (100). lr: step size in units of δ (0.05). split: "half", "gamma" or "and".
        seed: torch seed used inside (the global RNG state is restored).
        batch_size: masks per forward pass (4096; above it, a pass without gradients gives dL/dv
            and a second pass pushes it through the model chunk by chunk).
        max_variables: refuse larger n (12).
        gamma_lr: Adam step for γ (default: a tenth of the mean |interaction| of the half split at b0).
        threads: torch's CPU threads while learning (1: a step's batches are small, and torch's thread
            pool stalls when the cores are busy, 40× slower on a loaded 2-core machine; None: leave
            torch's setting); the setting is restored after.
        device: where to run (default: ``x``'s).

    Returns:
        A :class:`LearnedBaseline`; ``values`` has ``x``'s shape and dtype.
    """
    _check_options(steps, lr, split, seed, batch_size, max_variables, gamma_lr)
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1):
        raise InputError(f"threads must be a positive integer or None, got {threads!r}")
    x_t = torch.as_tensor(x).detach()
    if not x_t.is_floating_point():
        raise InputError(
            f"the input holds {x_t.dtype} values (token ids?): a learned baseline moves continuous values by "
            "gradient descent and a token baseline is discrete; use the embedding baseline instead "
            "(TextAdapter(..., baseline='learned') masks through inputs_embeds, starting from the [MASK] "
            "token's embedding)"
        )
    dev = torch.device(device) if device is not None else x_t.device
    x_t = x_t.to(dev)
    try:
        b0_t = torch.broadcast_to(torch.as_tensor(b0).detach().to(dev, x_t.dtype), x_t.shape).clone()
        delta = torch.broadcast_to(torch.as_tensor(bound).detach().to(dev, torch.float64), x_t.shape).clone()
    except RuntimeError as exc:
        raise InputError(f"b0 and bound must broadcast to the input's shape {tuple(x_t.shape)}: {exc}") from exc
    if not bool(torch.isfinite(b0_t).all()):
        raise InputError("the starting baseline b0 has NaN or infinite values")
    if not bool((torch.isfinite(delta) & (delta >= 0)).all()):
        raise InputError("the bound δ must be finite and ≥ 0 everywhere")
    member = variable_membership(membership, tuple(x_t.shape)).to(dev)  # [n, numel]
    n = int(member.shape[0])
    if n > max_variables:
        raise InputError(
            f"baseline='learned' runs the model on all 2^n masked inputs at each of its {steps} steps; n = {n} "
            f"variables (2^{n} = {1 << n} inputs a step) is more than {max_variables}: choose fewer variables "
            f"(columns=[...], n=..., patches=[...] or variables=[...]), or raise the cap deliberately with "
            f"baseline_options={{'max_variables': {n}}} (max_variables={n} for learn_baseline)"
        )
    owned = member.any(dim=0)
    flat_x, flat_b0 = x_t.reshape(-1), b0_t.reshape(-1)
    delta = torch.where(owned.reshape(x_t.shape), delta, torch.zeros_like(delta))
    flat_delta = delta.reshape(-1)
    member_f = member.to(torch.float32)
    size = 1 << n

    def present(start: int, stop: int) -> torch.Tensor:
        return ((masks_tensor(start, stop, n, dev).to(torch.float32) @ member_f) > 0) | ~owned

    def no_gradient() -> InputError:
        return InputError(
            "the model's outputs carry no gradient with respect to the input: a learned baseline needs a model "
            "differentiable with torch autograd (a torch module, or a callable of torch operations); a "
            "scikit-learn estimator or numpy code is not: use a fixed baseline (e.g. 'mean'), or a torch model"
        )

    def outputs(t: torch.Tensor, start: int, stop: int) -> torch.Tensor:
        b = (flat_b0.to(torch.float64) + flat_delta * t).to(x_t.dtype)
        batch = torch.where(present(start, stop), flat_x, b).reshape(stop - start, *x_t.shape)
        try:
            out = model_fn(batch)
        except RuntimeError as exc:  # numpy code on a tensor that requires grad
            if "requires grad" in str(exc):
                raise no_gradient() from exc
            raise
        if not isinstance(out, torch.Tensor):
            raise InputError(
                f"model_fn returned a {type(out).__name__}, not a torch tensor: a learned baseline needs outputs "
                "differentiable with torch autograd (a torch module, or a callable of torch operations); a "
                "scikit-learn estimator or numpy code is not: use a fixed baseline"
            )
        out = out.reshape(-1).to(torch.float64)
        if out.shape[0] != stop - start:
            raise InputError(f"model_fn returned {out.shape[0]} outputs for a batch of {stop - start} inputs")
        return out

    def table(t: torch.Tensor, grad: bool) -> torch.Tensor:
        with torch.set_grad_enabled(grad):
            parts = [outputs(t, s, min(s + batch_size, size)) for s in range(0, size, batch_size)]
        return torch.cat(parts)

    def loss_and_grads(t: torch.Tensor, gamma: torch.Tensor | None, want_t: bool) -> tuple[float, Any, Any]:
        """L at (t, γ) and its gradients in t (when ``want_t``) and γ (when learned)."""
        one_pass = size <= batch_size and want_t
        if one_pass:
            t_req = t.detach().requires_grad_(True)
            v = table(t_req, True)
            if not v.requires_grad:
                raise no_gradient()
            v_leaf = v
        else:
            with torch.no_grad():
                v_det = table(t, False)
            v_leaf = v_det.detach().requires_grad_(want_t)
            t_req = None
        g_in = gamma.detach().requires_grad_(True) if gamma is not None else None
        with torch.enable_grad():
            loss = sparsity_loss(v_leaf, split, g_in)
            wrt = ([t_req] if one_pass else [v_leaf] if want_t else []) + ([g_in] if g_in is not None else [])
            grads = list(torch.autograd.grad(loss, wrt)) if wrt else []
        value = float(loss.detach())
        if not math.isfinite(value):
            raise InputError("the sparsity loss is NaN or infinite: the model's outputs on the masked inputs are not "
                             "finite there; check the model and output definition")
        g_gamma = grads.pop() if g_in is not None else None
        g_t = None
        if want_t:
            g_t = grads[0]
            if not one_pass:  # second pass: push dL/dv through the model, chunk by chunk
                g_v = g_t
                g_t = torch.zeros_like(t)
                for s in range(0, size, batch_size):
                    stop = min(s + batch_size, size)
                    t_req = t.detach().requires_grad_(True)
                    with torch.enable_grad():
                        out = outputs(t_req, s, stop)
                        if not out.requires_grad:
                            raise no_gradient()
                        (g,) = torch.autograd.grad((out * g_v[s:stop]).sum(), [t_req], allow_unused=True)
                    if g is not None:
                        g_t += g
        return value, g_t, g_gamma

    def run() -> LearnedBaseline:
        torch.manual_seed(int(seed))
        t = torch.zeros(flat_x.shape[0], dtype=torch.float64, device=dev)
        gamma = None
        g_lr = 0.0
        if split == "gamma":  # γ alone at b0 first (no model calls): its best loss is the "before"
            with torch.no_grad():
                v0 = table(t, False)
            # default: a tenth of the mean |interaction| of the half split at b0 per step
            scale = float(sparsity_loss(v0, "half")) / (2 * max(size - 1, 1))
            g_lr = gamma_lr if gamma_lr is not None else 0.1 * max(scale, 1e-12)
            g_var = torch.zeros(size, dtype=torch.float64, device=dev, requires_grad=True)
            opt_g = torch.optim.Adam([g_var], lr=g_lr)
            best_gl, gamma = math.inf, g_var.detach().clone()
            for k in range(steps + 1):
                with torch.enable_grad():
                    loss = sparsity_loss(v0, split, g_var)
                    value = float(loss.detach())
                    if value < best_gl:
                        best_gl, gamma = value, g_var.detach().clone()
                    if k == steps:
                        break
                    (g_var.grad,) = torch.autograd.grad(loss, [g_var])
                opt_g.step()
        t_var = t.clone().requires_grad_(True)
        params: list[dict[str, Any]] = [{"params": [t_var], "lr": float(lr)}]
        g_var = None
        if gamma is not None:
            g_var = gamma.clone().requires_grad_(True)
            params.append({"params": [g_var], "lr": g_lr})
        opt = torch.optim.Adam(params)
        losses: list[float] = []
        best: tuple[float, int, torch.Tensor, torch.Tensor | None] = (math.inf, 0, t.clone(), gamma)
        for k in range(steps + 1):
            value, g_t, g_g = loss_and_grads(t_var.detach(), None if g_var is None else g_var.detach(), k < steps)
            losses.append(value)
            if value < best[0]:
                best = (value, k, t_var.detach().clone(), None if g_var is None else g_var.detach().clone())
            if k == steps:
                break
            t_var.grad = g_t
            if g_var is not None:
                g_var.grad = g_g
            opt.step()
            with torch.no_grad():
                t_var.clamp_(-1.0, 1.0)
        loss_after, best_step, t_best, gamma_best = best
        values = (flat_b0.to(torch.float64) + flat_delta * t_best).to(x_t.dtype).reshape(x_t.shape)
        values = _within(values, b0_t, delta)
        return LearnedBaseline(
            values=values.detach(), start=b0_t, bound=delta, loss_before=float(losses[0]), loss_after=float(loss_after),
            steps=int(steps), best_step=int(best_step), lr=float(lr), split=split, seed=int(seed),
            losses=np.asarray(losses, dtype=np.float64),
            gamma=None if gamma_best is None else gamma_best.detach().cpu().numpy(),
        )

    devices = [dev] if dev.type == "cuda" else []
    saved_threads = torch.get_num_threads()
    if threads is not None and dev.type == "cpu" and threads != saved_threads:
        torch.set_num_threads(int(threads))
    try:
        with torch.random.fork_rng(devices=devices):
            return run()
    finally:
        if torch.get_num_threads() != saved_threads:
            torch.set_num_threads(saved_threads)
