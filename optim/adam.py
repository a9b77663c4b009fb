"""The Adam family: Adam, AdamW (decoupled weight decay) and NAdam (Nesterov momentum).

All three keep exponentially weighted first and second moments of the gradient, updated by one
shared helper (``_update_moments``), and differ only in how the moments become a step.
"""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from autograd_core import Tensor

from .optimizer import Optimizer, as_pair, check_nonnegative, check_unit_interval


def _update_moments(state: dict, g: np.ndarray, betas: tuple[float, float], work: np.ndarray) -> int:
    """In place: ``m ← β₁m + (1−β₁)g``, ``v ← β₂v + (1−β₂)g²``; returns the new step number."""
    beta1, beta2 = betas
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m *= beta1
    m += np.multiply(g, 1 - beta1, out=work)
    v *= beta2
    v += np.multiply(np.multiply(g, g, out=work), 1 - beta2, out=work)
    state["step"] += 1
    return state["step"]


class _AdamFamily(Optimizer):
    """Validation and moment state shared by Adam, AdamW and NAdam."""

    def _validate(self, group: dict) -> None:
        check_nonnegative(group, "eps", "weight_decay")
        for i, beta in enumerate(as_pair(group["betas"], "betas")):
            check_unit_interval(beta, f"beta parameter at index {i}")

    def _init_state(self, p: Tensor, group: dict) -> dict:
        return {"step": 0, "exp_avg": np.zeros_like(p.data), "exp_avg_sq": np.zeros_like(p.data)}

    def _update(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        work = self._scratch(g, 1)
        step = _update_moments(state, g, group["betas"], work)
        self._apply_moments(p, g, state, group, step, work)

    def _apply_moments(self, p: Tensor, g: np.ndarray, state: dict, group: dict, step: int,
                       work: np.ndarray) -> None:
        """Turn the updated moments into the parameter step (``work`` is free scratch)."""
        raise NotImplementedError


class Adam(_AdamFamily):
    r"""Adam (Kingma & Ba, 2015), with optional AMSGrad and decoupled weight decay.

    With ``g = ∇f(p) + weight_decay·p`` (L2; see ``AdamW`` for the decoupled form) and step ``t``::

        m ← β₁·m + (1 − β₁)·g,      v ← β₂·v + (1 − β₂)·g²
        v_max ← max(v_max, v)        (amsgrad; used in place of v below)
        m̂ = m / (1 − β₁ᵗ),           v̂ = v / (1 − β₂ᵗ)
        p ← p − lr · m̂ / (√v̂ + eps)

    ``m`` is momentum as an exponentially weighted average (SGD's ``dampening = momentum = β₁``),
    ``v`` is RMSprop's average of squares, and the bias corrections undo their start at zero, which
    would otherwise shrink the early steps (``m`` averages only ``t`` terms whose weights sum to
    ``1 − β₁ᵗ``). AMSGrad keeps the largest ``v`` seen so step sizes never grow again.
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=as_pair(betas, "betas"), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _init_state(self, p: Tensor, group: dict) -> dict:
        state = super()._init_state(p, group)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(p.data)
        return state

    def _apply_moments(self, p, g, state, group, step, work) -> None:
        beta1, beta2 = group["betas"]
        v = state["exp_avg_sq"]
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        # m̂/(√v̂ + eps) = m·√c₂/c₁ / (√v + eps·√c₂) with cᵢ = 1 − βᵢᵗ: two passes fewer than dividing v̂.
        root_c2 = math.sqrt(1 - beta2 ** step)
        np.sqrt(v, out=work)
        work += group["eps"] * root_c2
        np.divide(state["exp_avg"], work, out=work)
        p.add_(np.multiply(work, -group["lr"] * root_c2 / (1 - beta1 ** step), out=work))


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    The decay shrinks the parameters directly, ``p ← p·(1 − lr·weight_decay)``, before the Adam
    step, instead of adding ``weight_decay·p`` to the gradient. With L2 in the gradient Adam divides
    the decay by ``√v̂`` too, so heavily updated weights would be decayed less; decoupling restores
    plain weight decay. Defaults as PyTorch's (``weight_decay=1e-2``).
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, decoupled_weight_decay=True)


class NAdam(_AdamFamily):
    r"""NAdam (Dozat, 2016): Adam with Nesterov momentum and PyTorch's momentum schedule.

    With the moments ``m, v`` updated as in Adam and step ``t``::

        μ_t = β₁ · (1 − ½ · 0.96^(t·momentum_decay)),     Π_t = μ₁·μ₂···μ_t
        p ← p − lr · [ (1 − μ_t)/(1 − Π_t) · g + μ_{t+1}/(1 − Π_{t+1}) · m ] / (√(v/(1 − β₂ᵗ)) + eps)

    Nesterov's look-ahead replaces Adam's bias-corrected ``m̂`` by a mix of the current gradient
    and the next step's momentum; ``μ_t`` warms the momentum up from ``β₁/2`` towards ``β₁``, and the
    product ``Π_t`` (state ``mu_product``) plays the role of Adam's ``β₁ᵗ`` in the bias correction.
    """

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=as_pair(betas, "betas"), eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        check_nonnegative(group, "momentum_decay")

    def _init_state(self, p: Tensor, group: dict) -> dict:
        return {**super()._init_state(p, group), "mu_product": 1.0}

    def _apply_moments(self, p, g, state, group, step, work) -> None:
        beta1, beta2 = group["betas"]
        lr, decay = group["lr"], group["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * decay))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        np.divide(state["exp_avg_sq"], 1 - beta2 ** step, out=work)
        np.sqrt(work, out=work)
        work += group["eps"]
        current = np.multiply(g, lr * (1 - mu) / (1 - mu_product), out=self._scratch(g, 2))
        current /= work
        np.divide(state["exp_avg"], work, out=work)
        work *= lr * mu_next / (1 - mu_product * mu_next)
        work += current
        p.sub_(work)
