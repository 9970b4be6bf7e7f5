"""The reference code's optimiser for the AND-OR split (THEORY §3), for reproducing published results.

Parameters γ and q start at zero; v_and = ½(v + q) + γ and v_or = ½(v + q) − γ; the loss is
Σ_S |I_and(S)| + |I_or(S)| (∅ counted, I_or(∅) = v_or(∅)). SGD with momentum 0.9 (PyTorch's
form: b ← 0.9·b + g, θ ← θ − lr·b), the learning rate decaying log-linearly from ``lr`` to
``lr/10`` over ``niter`` steps, q clamped to the box after each step. It does not reach the
optimum (THEORY §3 measures 4.0 against 2.88); :func:`symlogic.extraction.exact.solve_exact` does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from ..progress import Progress
from ..transforms import and_interactions, or_interactions, reverse_masks, superset_mobius

__all__ = ["ReferenceSolution", "reference_sgd", "reference_loss"]


@dataclass(frozen=True)
class ReferenceSolution:
    """AND/OR coefficients in the basis-pursuit convention (constant in ``and_[0]``, ``or_[0] = 0``)."""

    and_: np.ndarray
    or_: np.ndarray
    q: np.ndarray
    objective: float
    reference_loss: float
    iterations: int
    seconds: float


def reference_loss(v: np.ndarray, gamma: np.ndarray, q: np.ndarray) -> float:
    """The reference objective Σ|I_and| + Σ|I_or| over all sets, ∅ included."""
    w = 0.5 * (np.asarray(v) + q)
    return float(np.abs(and_interactions(w + gamma)).sum() + np.abs(or_interactions(w - gamma)).sum())


def _loss_gradient(w_and, w_or):
    """Gradients of Σ|M w_and| and of Σ|I_or(w_or)| with respect to w_and and w_or."""
    i_and = and_interactions(w_and)
    i_or = or_interactions(w_or)
    sign = torch.sign if isinstance(w_and, torch.Tensor) else np.sign
    g_and = superset_mobius(sign(i_and))
    s_or = sign(i_or)
    s0 = s_or[..., 0].clone() if isinstance(s_or, torch.Tensor) else s_or[..., 0].copy()
    s_or[..., 0] = 0
    # I_or(S) = −(M r)(S) for S ≠ ∅ with r = reversed w_or, and I_or(∅) = w_or(∅) = r(N).
    g_r = -superset_mobius(s_or)
    g_r[..., -1] += s0
    return g_and, reverse_masks(g_r), i_and, i_or


def reference_sgd(
    v: np.ndarray,
    zeta: float,
    *,
    lr: float = 1e-5,
    niter: int = 20000,
    momentum: float = 0.9,
    device: torch.device | str | None = None,
    progress: bool | None = None,
) -> ReferenceSolution:
    """Run the reference schedule on the table ``v`` with the q box |q| ≤ ``zeta``."""
    start = time.perf_counter()
    use_torch = device is not None
    if use_torch:
        dev = torch.device(device)
        vv = torch.as_tensor(np.asarray(v, dtype=np.float64), device=dev)
        zeros = torch.zeros_like
        clamp = lambda x: x.clamp_(-zeta, zeta)  # noqa: E731
    else:
        vv = np.asarray(v, dtype=np.float64)
        zeros = np.zeros_like
        clamp = lambda x: np.clip(x, -zeta, zeta, out=x)  # noqa: E731
    gamma, q = zeros(vv), zeros(vv)
    buf_g, buf_q = zeros(vv), zeros(vv)
    rates = np.logspace(np.log10(lr), np.log10(lr / 10.0), max(niter, 1))
    with Progress(niter, "reference SGD", enabled=progress) as bar:
        # As in the reference: clamp q, evaluate, then step (no step after the last evaluation).
        for it in range(niter - 1):
            clamp(q)
            w = 0.5 * (vv + q)
            g_and, g_or, _, _ = _loss_gradient(w + gamma, w - gamma)
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
    i_and = and_interactions(w + gamma)
    i_or = or_interactions(w - gamma)
    to_np = (lambda x: x.detach().cpu().numpy()) if use_torch else (lambda x: x)
    i_and, i_or, q_np = to_np(i_and), to_np(i_or), to_np(q)
    loss = float(np.abs(i_and).sum() + np.abs(i_or).sum())
    and_ = i_and.copy()
    or_ = i_or.copy()
    and_[0] += or_[0]  # the OR part's constant v_or(∅) joins the AND constant
    or_[0] = 0.0
    objective = float(np.abs(and_).sum() + np.abs(or_).sum())
    return ReferenceSolution(and_=and_, or_=or_, q=q_np.copy(), objective=objective, reference_loss=loss,
                             iterations=niter, seconds=time.perf_counter() - start)
