"""Adadelta: step sizes from the ratio of moving RMS of past updates and of gradients."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from autograd_core import Tensor

from .optimizer import Optimizer, check_nonnegative, check_unit_interval


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012) with PyTorch's extra ``lr`` factor.

    With ``g = ∇f(p) + weight_decay·p``::

        v ← ρ·v + (1 − ρ)·g²
        Δ = √(u + eps) / √(v + eps) · g
        u ← ρ·u + (1 − ρ)·Δ²
        p ← p − lr·Δ

    The paper's rule is ``lr=1``: the ratio of the RMS of past updates to the RMS of gradients
    gives each coordinate a step with the parameter's units, so no global rate is needed.
    """

    def __init__(self, params: Iterable, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def _validate(self, group: dict) -> None:
        check_nonnegative(group, "eps", "weight_decay")
        check_unit_interval(group["rho"], "rho value", closed=True)

    def _init_state(self, p: Tensor, group: dict) -> dict:
        return {"step": 0, "square_avg": np.zeros_like(p.data), "acc_delta": np.zeros_like(p.data)}

    def _update(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        state["step"] += 1
        rho, eps = group["rho"], group["eps"]
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        std, delta = self._scratch(g, 1), self._scratch(g, 2)
        square_avg *= rho
        square_avg += np.multiply(np.multiply(g, g, out=std), 1 - rho, out=std)
        np.sqrt(np.add(square_avg, eps, out=std), out=std)
        np.sqrt(np.add(acc_delta, eps, out=delta), out=delta)
        delta /= std
        delta *= g
        acc_delta *= rho
        acc_delta += np.multiply(np.multiply(delta, delta, out=std), 1 - rho, out=std)
        p.add_(np.multiply(delta, -group["lr"], out=delta))
