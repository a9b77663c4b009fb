"""RMSprop: gradient steps scaled by a moving root-mean-square of recent gradients."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from autograd_core import Tensor

from .optimizer import Optimizer, check_nonnegative


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture 6e) with PyTorch's centred and momentum variants.

    With ``g = ∇f(p) + weight_decay·p``::

        v ← α·v + (1 − α)·g²
        ḡ ← α·ḡ + (1 − α)·g                    (centered only)
        a = √(v − ḡ²) + eps   (centered)   or   √v + eps
        b ← μ·b + g / a,   p ← p − lr·b        (momentum μ > 0)
        p ← p − lr · g / a                      (otherwise)

    Textbook form: ``s = βs + (1−β)g²``, ``p ← p − α g / √(s + ε)`` with ``β = alpha``; PyTorch
    adds ``eps`` outside the root. The centred variant divides by an estimate of the gradient's
    standard deviation instead of its root mean square.
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def _validate(self, group: dict) -> None:
        check_nonnegative(group, "alpha", "eps", "weight_decay", "momentum")

    def _init_state(self, p: Tensor, group: dict) -> dict:
        state = {"step": 0, "square_avg": np.zeros_like(p.data)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(p.data)
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(p.data)
        return state

    def _update(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        state["step"] += 1
        alpha, square_avg, work = group["alpha"], state["square_avg"], self._scratch(g, 1)
        square_avg *= alpha
        square_avg += np.multiply(np.multiply(g, g, out=work), 1 - alpha, out=work)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += np.multiply(g, 1 - alpha, out=work)
            np.subtract(square_avg, np.multiply(grad_avg, grad_avg, out=work), out=work)
            np.sqrt(work, out=work)
        else:
            np.sqrt(square_avg, out=work)
        work += group["eps"]
        np.divide(g, work, out=work)
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += work
            np.multiply(buf, -group["lr"], out=work)
        else:
            work *= -group["lr"]
        p.add_(work)
