"""The reference code's optimiser for the AND-OR split (docs/theory.md §3), for reproducing published results.

Parameters γ and q start at zero; v_and = ½(v + q) + γ and v_or = ½(v + q) − γ; the loss is
Σ_S |I_and(S)| + |I_or(S)| (∅ counted, I_or(∅) = v_or(∅)). SGD with momentum 0.9 (PyTorch's
form: b ← 0.9·b + g, θ ← θ − lr·b), the learning rate decaying log-linearly from ``lr`` to
``lr/10`` over ``niter`` steps, q clamped to the box after each step. It does not reach the
optimum (docs/theory.md §3.5: about 4.0 against 2.88 after 5·10^4 steps); :func:`symlogic.extraction.certified.solve_exact` does.

The gradient is built from sign(I), so the run is chaotic: one rounding difference that flips a
sign (another CPU, BLAS or precision) changes the trajectory from that step on. Only the
feasibility of the result and its being no better than the optimum hold for every run; the loss
need not even go down (``docs/comparison.md``, "The reference SGD: a run may end above its start").
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from ..progress import Progress
from ..transforms import and_interactions, or_interactions, reverse_masks, superset_mobius
from .split import primal_objective

__all__ = ["ReferenceSolution", "reference_sgd", "reference_loss", "DTYPES"]

DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class ReferenceSolution:
    """AND/OR coefficients in the basis-pursuit convention (constant in ``and_[0]``, ``or_[0] = 0``).

    ``and_``, ``or_``, ``q``, ``objective`` and ``reference_loss`` are float64, computed from the
    run's final γ and q; ``losses[k]`` is the loss at evaluation k (k = 0 … niter − 1) in the run's
    precision, as the published code logs it.
    """

    and_: np.ndarray
    or_: np.ndarray
    q: np.ndarray
    objective: float
    reference_loss: float
    iterations: int
    seconds: float
    losses: np.ndarray
    dtype: str = "float64"


def reference_loss(v: np.ndarray, gamma: np.ndarray, q: np.ndarray) -> float:
    """The reference objective Σ|I_and| + Σ|I_or| over all sets, ∅ included."""
    w = 0.5 * (np.asarray(v) + q)
    return float(np.abs(and_interactions(w + gamma)).sum() + np.abs(or_interactions(w - gamma)).sum())


def _loss_gradient(w_and: Any, w_or: Any) -> tuple[Any, Any, Any, Any]:
    """Gradients of Σ|M w_and| and of Σ|I_or(w_or)| with respect to w_and and w_or.

    Unchecked transforms: a finiteness check per call would make a GPU wait four times a step;
    the run's final split is recomputed with checks (see :func:`reference_sgd`).
    """
    i_and = and_interactions(w_and, check_finite=False)
    i_or = or_interactions(w_or, check_finite=False)
    sign = torch.sign if isinstance(w_and, torch.Tensor) else np.sign
    g_and = superset_mobius(sign(i_and), check_finite=False)
    s_or = sign(i_or)
    s0 = s_or[..., 0].clone() if isinstance(s_or, torch.Tensor) else s_or[..., 0].copy()
    s_or[..., 0] = 0
    # I_or(S) = −(M r)(S) for S ≠ ∅ with r = reversed w_or, and I_or(∅) = w_or(∅) = r(N).
    g_r = -superset_mobius(s_or, check_finite=False)
    g_r[..., -1] += s0
    return g_and, reverse_masks(g_r), i_and, i_or


def _box_in(zeta: float, dtype: str) -> float:
    """The largest number of ``dtype`` that is ≤ ζ: the clamp bound, so that |q| ≤ ζ holds exactly."""
    if dtype == "float64":
        return float(zeta)
    z = np.float32(zeta)
    if float(z) > zeta:
        z = np.nextafter(z, np.float32(0.0))
    return float(z)


def reference_sgd(
    v: np.ndarray,
    zeta: float,
    *,
    lr: float = 1e-5,
    niter: int = 20000,
    momentum: float = 0.9,
    dtype: str = "float64",
    device: torch.device | str | None = None,
    progress: bool | None = None,
) -> ReferenceSolution:
    """Run the reference schedule on the table ``v`` with the q box |q| ≤ ``zeta``.

    ``dtype`` is the precision of the steps: "float64" (the default: the result depends less on
    the machine's rounding) or "float32" (the published code's precision, to reproduce how its
    runs behave; no run reproduces another's bits, see the module docstring). In float32 the box
    is the largest float32 ≤ ζ. Either way the returned split is recomputed in float64 from the
    final γ and q, so it matches v + q to float64 rounding with |q| ≤ ζ.
    """
    if dtype not in DTYPES:
        raise InputError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    start = time.perf_counter()
    v64 = np.asarray(v, dtype=np.float64)
    if dtype == "float32" and np.any(np.abs(v64) > np.finfo(np.float32).max):
        raise InputError(f"the table reaches {float(np.abs(v64).max()):.4g}, beyond float32's range "
                         f"({float(np.finfo(np.float32).max):.4g}); use dtype='float64' or rescale the outputs")
    bound = _box_in(zeta, dtype)
    use_torch = device is not None
    if use_torch:
        dev = torch.device(device)
        vv: Any = torch.as_tensor(v64, device=dev).to(getattr(torch, dtype))
        zeros: Any = torch.zeros_like
        clamp: Any = lambda x: x.clamp_(-bound, bound)  # noqa: E731
        losses: Any = torch.zeros(max(niter, 1), dtype=vv.dtype, device=dev)
        total: Any = lambda a, b: a.abs().sum() + b.abs().sum()  # noqa: E731
    else:
        vv = v64.astype(dtype)
        zeros = np.zeros_like
        clamp = lambda x: np.clip(x, -bound, bound, out=x)  # noqa: E731
        losses = np.zeros(max(niter, 1), dtype=dtype)
        total = lambda a, b: np.abs(a).sum() + np.abs(b).sum()  # noqa: E731
    # Python floats keep every step in the run's dtype (numpy and torch treat them as weak scalars).
    rates = [float(r) for r in np.logspace(np.log10(lr), np.log10(lr / 10.0), max(niter, 1))]
    gamma, q = zeros(vv), zeros(vv)
    buf_g, buf_q = zeros(vv), zeros(vv)
    # A table too large for its dtype overflows in the loss sums; the split recomputed below is
    # checked and refused with the fix, so the overflow is not also a warning here.
    with Progress(niter, "reference SGD", enabled=progress) as bar, np.errstate(over="ignore", invalid="ignore"):
        # As in the reference: clamp q, evaluate, then step (no step after the last evaluation).
        for it in range(niter - 1):
            clamp(q)
            w = 0.5 * (vv + q)
            g_and, g_or, i_and, i_or = _loss_gradient(w + gamma, w - gamma)
            losses[it] = total(i_and, i_or)
            grad_gamma = g_and - g_or
            grad_q = 0.5 * (g_and + g_or)
            buf_g = momentum * buf_g + grad_gamma
            buf_q = momentum * buf_q + grad_q
            gamma = gamma - rates[it] * buf_g
            q = q - rates[it] * buf_q
            if it % 256 == 255:
                bar.update(256)
    clamp(q)
    w = 0.5 * (vv + q)
    with np.errstate(over="ignore", invalid="ignore"):  # as in the loop: the checked split below decides
        losses[max(niter, 1) - 1] = total(and_interactions(w + gamma, check_finite=False),
                                          or_interactions(w - gamma, check_finite=False))
    to_np = (lambda x: x.detach().cpu().numpy()) if use_torch else (lambda x: x)  # noqa: E731
    gamma64 = np.asarray(to_np(gamma), dtype=np.float64)
    q64 = np.asarray(to_np(q), dtype=np.float64)  # float32 → float64 is exact: |q| ≤ bound ≤ ζ still
    w64 = 0.5 * (v64 + q64)
    i_and = and_interactions(w64 + gamma64)
    i_or = or_interactions(w64 - gamma64)
    with np.errstate(over="ignore"):  # an overflowing loss is refused by extract with the fix
        loss = float(np.abs(i_and).sum() + np.abs(i_or).sum())
    and_ = i_and.copy()
    or_ = i_or.copy()
    and_[0] += or_[0]  # the OR part's constant v_or(∅) joins the AND constant
    or_[0] = 0.0
    objective = primal_objective(and_, or_)
    return ReferenceSolution(and_=and_, or_=or_, q=q64, objective=objective, reference_loss=loss,
                             iterations=niter, seconds=time.perf_counter() - start,
                             losses=np.asarray(to_np(losses), dtype=np.float64), dtype=dtype)
