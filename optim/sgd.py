"""Stochastic gradient descent with (Nesterov) momentum, dampening and weight decay."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from autograd_core import Tensor

from .optimizer import Optimizer, check_nonnegative


class SGD(Optimizer):
    r"""Gradient descent with PyTorch's momentum convention.

    With ``g = ∇f(p) + weight_decay·p`` (``-∇f`` first when ``maximize``) and momentum ``μ``::

        b ← g                              at the first step
        b ← μ·b + (1 − dampening)·g        afterwards
        d = g + μ·b   (nesterov)   or   d = b
        p ← p − lr·d

    Without momentum ``d = g``. Textbook forms: the exponentially weighted average
    ``v = βv + (1−β)g`` followed by ``p ← p − α·v`` is this rule with ``momentum=β,
    dampening=β`` (except that PyTorch's buffer starts at ``g`` rather than ``(1−β)g``); the
    "heavy ball" ``v = μv + g`` is ``dampening=0``, where ``lr`` multiplies the sum of past
    gradients, so the effective step is about ``lr/(1−μ)``. Nesterov's look-ahead uses the
    gradient plus ``μ`` times the updated buffer.
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def _validate(self, group: dict) -> None:
        check_nonnegative(group, "momentum", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"Nesterov momentum requires a momentum and zero dampening, got "
                             f"momentum={group['momentum']!r}, dampening={group['dampening']!r}")

    def _update(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        momentum, work = group["momentum"], self._scratch(g, 1)
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= momentum
                if group["dampening"]:
                    buf += np.multiply(g, 1 - group["dampening"], out=work)
                else:
                    buf += g
            if group["nesterov"]:
                g = np.add(g, np.multiply(buf, momentum, out=work), out=work)
            else:
                g = buf
        p.add_(np.multiply(g, -group["lr"], out=work))
