"""Adagrad: per-coordinate step sizes shrinking with the accumulated squared gradients."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from autograd_core import Tensor

from .optimizer import Optimizer, check_nonnegative


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al., 2011) with PyTorch's learning-rate decay.

    With ``g = ∇f(p) + weight_decay·p`` and ``t`` the step number (from 1)::

        η_t = lr / (1 + (t − 1)·lr_decay)
        s  ← s + g²                       (s starts at initial_accumulator_value)
        p  ← p − η_t · g / (√s + eps)

    The textbook form ``p ← p − α g / √(Σ g²)`` is ``lr_decay=0``: each coordinate's step shrinks
    as its gradients accumulate, which suits sparse features but stalls long runs (RMSprop and
    Adam replace the sum by a moving average).
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize))

    def _validate(self, group: dict) -> None:
        check_nonnegative(group, "lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def _init_state(self, p: Tensor, group: dict) -> dict:
        return {"step": 0, "sum": np.full_like(p.data, group["initial_accumulator_value"])}

    def _update(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        state["step"] += 1
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        total, work = state["sum"], self._scratch(g, 1)
        total += np.multiply(g, g, out=work)
        np.sqrt(total, out=work)
        work += group["eps"]
        np.divide(g, work, out=work)
        p.add_(np.multiply(work, -clr, out=work))
