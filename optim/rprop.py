"""Rprop: sign-based steps whose per-coordinate sizes adapt to sign agreement."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from autograd_core import Tensor

from .optimizer import Optimizer, as_pair


class Rprop(Optimizer):
    r"""Resilient backpropagation (Riedmiller & Braun, 1993), the iRprop⁻ variant PyTorch implements.

    Each coordinate keeps its own step size ``Δ`` (starting at ``lr``) and the previous gradient::

        s = sign(g · g_prev)
        Δ ← clip(Δ · (η₊ if s > 0, η₋ if s < 0, 1 if s = 0), step_min, step_max)
        g ← 0 where s < 0               (skip the step after a sign change)
        p ← p − sign(g)·Δ,   g_prev ← g

    Only gradient signs are used, so the method ignores the scale of each coordinate: it is meant
    for full-batch gradients, where sign changes mean the minimum was overshot.
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, etas=as_pair(etas, "etas"), step_sizes=as_pair(step_sizes, "step_sizes"),
                                      maximize=maximize))

    def _validate(self, group: dict) -> None:
        eta_minus, eta_plus = as_pair(group["etas"], "etas")
        if not 0.0 < eta_minus < 1.0 < eta_plus:
            raise ValueError(f"Invalid eta values: {group['etas']!r} (need 0 < etaminus < 1 < etaplus)")
        low, high = as_pair(group["step_sizes"], "step_sizes")
        if not 0.0 <= low <= high:  # PyTorch does not check; a negative step size would step uphill
            raise ValueError(f"Invalid step_sizes: {group['step_sizes']!r} (need 0 <= min <= max)")

    def _init_state(self, p: Tensor, group: dict) -> dict:
        return {"step": 0, "prev": np.zeros_like(p.data), "step_size": np.full_like(p.data, group["lr"])}

    def _update(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        state["step"] += 1
        (eta_minus, eta_plus), (low, high) = group["etas"], group["step_sizes"]
        prev, step_size, agree = state["prev"], state["step_size"], self._scratch(g, 1)
        np.multiply(g, prev, out=agree)
        flipped = agree < 0
        factor = np.where(agree > 0, eta_plus, np.where(flipped, eta_minus, 1.0)).astype(g.dtype, copy=False)
        step_size *= factor
        np.clip(step_size, low, high, out=step_size)
        np.copyto(prev, g)
        prev[flipped] = 0
        p.add_(np.multiply(np.negative(np.sign(prev, out=agree), out=agree), step_size, out=agree))
