"""Activation functions as compositions of ``autograd_core`` operations (no hand-written backward).

Each one matches ``torch.nn.functional`` in value and in its choice of subgradient at kinks
(e.g. ``leaky_relu'(0) = negative_slope``, ``hardtanh'`` is 0 at its bounds). Forms that could
overflow are rewritten so values and gradients stay finite at ±1e4: softplus as
``max(z, 0) + log1p(exp(-|z|))``, ELU applies ``expm1`` only to the non-positive part, softmax
and log-softmax are max-shifted engine primitives.
"""
from __future__ import annotations

import math

import numpy as np

import autograd_core as ag
from autograd_core import Tensor

from .checks import check_floating

__all__ = ["sigmoid", "tanh", "relu", "leaky_relu", "prelu", "rrelu", "elu", "selu", "softplus", "hardsigmoid",
           "hard_logistic", "hardtanh", "gelu", "silu", "softsign", "softmax", "log_softmax"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def sigmoid(x: Tensor) -> Tensor:
    """``1 / (1 + exp(-x))``; the engine primitive, stable for any ``x``."""
    return ag.sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent (engine primitive)."""
    return ag.tanh(x)


def relu(x: Tensor) -> Tensor:
    """``max(x, 0)`` with gradient 0 at 0 (engine primitive); integer inputs stay integer, as in PyTorch."""
    _no_bool(x, "relu")
    return ag.relu(x)


def _no_bool(x: Tensor, name: str) -> None:
    """PyTorch refuses boolean inputs to relu, hardtanh and softsign (integers are fine there)."""
    if x.dtype == np.bool_:
        raise TypeError(f"{name}: input (bool) must have a numeric dtype")


def _negative_part(x: Tensor) -> Tensor:
    """``min(x, 0)`` whose gradient at 0 is 1, so compositions get PyTorch's left derivative there."""
    return ag.where(x > 0, 0.0, x)


def _slope(x: Tensor, slope) -> Tensor:
    """``x`` where positive, ``slope * x`` elsewhere (the gradient at 0 is the slope, as in PyTorch)."""
    return ag.where(x > 0, x, x * slope)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise."""
    check_floating("leaky_relu", x)
    return _slope(x, negative_slope)


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """Leaky ReLU with a learned slope: one per channel (dim 1 of ``x``) or a single shared one."""
    check_floating("prelu", x)
    if weight.numel() != 1:
        channels = x.shape[1] if x.ndim >= 2 else 1
        if weight.ndim != 1 or weight.numel() != channels:
            raise ValueError(f"prelu: weight of shape {weight.shape} does not match {channels} channels "
                             f"(dim 1) of input of shape {x.shape}; use one slope per channel or a single one")
        weight = ag.reshape(weight, (channels,) + (1,) * (x.ndim - 2))
    else:
        weight = ag.reshape(weight, ())
    return _slope(x, weight)


def rrelu(x: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          generator: np.random.Generator | None = None) -> Tensor:
    """Randomized leaky ReLU: in training each element's slope is drawn from ``U(lower, upper)``.

    In eval the slope is the mean ``(lower + upper) / 2``. Slopes come from ``generator`` or the
    global generator at call time (so ``manual_seed`` governs them).
    """
    check_floating("rrelu", x)
    if not training:
        return _slope(x, (lower + upper) / 2)
    rng = generator if generator is not None else ag.default_generator()
    return _slope(x, rng.uniform(lower, upper, size=x.shape).astype(x.dtype))


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    check_floating("elu", x)
    return ag.where(x > 0, x, ag.expm1(_negative_part(x)) * alpha)


def selu(x: Tensor) -> Tensor:
    """Self-normalizing ELU: ``scale * elu(x, alpha)`` with the constants of Klambauer et al. (2017)."""
    return elu(x, _SELU_ALPHA) * _SELU_SCALE


def _log1p_exp(z: Tensor) -> Tensor:
    """``log(1 + exp(z))`` as ``max(z, 0) + log1p(exp(-|z|))``: never overflows; gradient ½ at 0."""
    return ag.maximum(z, 0.0) + ag.log1p(ag.exp(-ag.abs(z)))


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, and exactly ``x`` where ``beta * x > threshold`` (PyTorch's rule)."""
    check_floating("softplus", x)
    z = x * beta
    return ag.where(z > threshold, x, _log1p_exp(z) / beta)


def _hard_clip(y: Tensor, low: float, high: float) -> Tensor:
    """``y`` clipped to ``[low, high]`` with zero gradient at the bounds (PyTorch's hard* convention)."""
    return ag.where(y <= low, low, ag.where(y >= high, high, y))


def hardsigmoid(x: Tensor) -> Tensor:
    """PyTorch's piecewise-linear sigmoid ``clip(x / 6 + 1/2, 0, 1)``."""
    check_floating("hardsigmoid", x)
    return _hard_clip(x / 6.0 + 0.5, 0.0, 1.0)


def hard_logistic(x: Tensor) -> Tensor:
    """Piecewise-linear logistic ``clip(0.25 x + 0.5, 0, 1)``, the slope of the sigmoid at 0."""
    check_floating("hard_logistic", x)
    return _hard_clip(x * 0.25 + 0.5, 0.0, 1.0)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """``x`` clipped to ``[min_val, max_val]``; the gradient is 0 at and beyond the bounds.

    Integer inputs give integers, clipped to the bounds cast to int (PyTorch's result)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    _no_bool(x, "hardtanh")
    if x.dtype.kind in "iu":
        return ag.clip(x, int(min_val), int(max_val))
    return _hard_clip(x, min_val, max_val)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit ``x * Φ(x)``: exactly ``0.5 x (1 + erf(x / √2))`` (the default), or
    with ``approximate='tanh'`` the form ``0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))``.
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    check_floating("gelu", x)
    if approximate == "none":
        return x * (ag.erf(x * math.sqrt(0.5)) + 1.0) * 0.5
    inner = (x + x * x * x * 0.044715) * math.sqrt(2.0 / math.pi)
    return x * (ag.tanh(inner) + 1.0) * 0.5


def silu(x: Tensor) -> Tensor:
    """``x * sigmoid(x)`` (also called swish)."""
    check_floating("silu", x)
    return x * ag.sigmoid(x)


def softsign(x: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    _no_bool(x, "softsign")
    return x / (ag.abs(x) + 1.0)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """``x - logsumexp(x, dim)``: log-probabilities, accurate and finite for any finite logits (engine primitive)."""
    check_floating("log_softmax", x)
    return ag.log_softmax(x, dim)


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """``exp(x - logsumexp(x, dim))``: probabilities along ``dim``, without overflow (engine primitive)."""
    check_floating("softmax", x)
    return ag.softmax(x, dim)
