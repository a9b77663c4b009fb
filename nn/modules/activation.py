"""Activation modules: thin ``Module`` wrappers over ``nn.functional`` activations.

Parameter-free activations share ``_Activation``, which calls its ``function`` with the
hyper-parameters named in ``_hyper`` and prints them PyTorch-style in ``repr``. ``PReLU`` owns a
learned slope ``Parameter``; ``RReLU`` is random while training (``is_random``).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

import autograd_core as ag
from autograd_core import Tensor

from ..functional import activations as F
from ..functional.checks import check_int
from ..module import Module, Parameter

__all__ = ["Sigmoid", "Tanh", "ReLU", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU", "Softplus", "Hardsigmoid",
           "HardLogistic", "Hardtanh", "GELU", "SiLU", "Softsign", "Softmax", "LogSoftmax"]


class _Activation(Module):
    """Applies ``function(x, **hyper-parameters)``; subclasses set ``function`` and ``_hyper``."""

    function: Callable[..., Tensor]
    _hyper: tuple[str, ...] = ()

    def forward(self, x: Tensor) -> Tensor:
        return type(self).function(x, **{name: getattr(self, name) for name in self._hyper})

    def extra_repr(self) -> str:
        return ", ".join(f"{name}={getattr(self, name)!r}" for name in self._hyper)


class Sigmoid(_Activation):
    """Logistic sigmoid ``1 / (1 + exp(-x))``."""

    function = staticmethod(F.sigmoid)


class Tanh(_Activation):
    """Hyperbolic tangent."""

    function = staticmethod(F.tanh)


class ReLU(_Activation):
    """``max(x, 0)``."""

    function = staticmethod(F.relu)


class LeakyReLU(_Activation):
    """``x`` for positive inputs, ``negative_slope * x`` otherwise."""

    function = staticmethod(F.leaky_relu)
    _hyper = ("negative_slope",)

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope


class PReLU(Module):
    """Leaky ReLU whose slope is learned: one ``Parameter`` per channel (dim 1) or one shared."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25) -> None:
        super().__init__()
        self.num_parameters = check_int(num_parameters, "num_parameters")
        self.weight = Parameter(np.full(num_parameters, init, dtype=ag.get_default_dtype()))

    def forward(self, x: Tensor) -> Tensor:
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class RReLU(_Activation):
    """Randomized leaky ReLU: slopes drawn from ``U(lower, upper)`` per element in training, mean in eval."""

    function = staticmethod(F.rrelu)
    _hyper = ("lower", "upper")
    is_random = True  # gradcheck_module refuses while a random layer is training

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3) -> None:
        super().__init__()
        if not lower <= upper:  # PyTorch's only check: a negative lower bound is allowed
            raise ValueError(f"RReLU: need lower <= upper, got lower={lower}, upper={upper}")
        self.lower, self.upper = lower, upper

    def forward(self, x: Tensor) -> Tensor:
        return F.rrelu(x, self.lower, self.upper, training=self.training)


class ELU(_Activation):
    """``x`` for positive inputs, ``alpha * (exp(x) - 1)`` otherwise."""

    function = staticmethod(F.elu)
    _hyper = ("alpha",)

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha


class SELU(_Activation):
    """Scaled ELU with the self-normalizing constants."""

    function = staticmethod(F.selu)


class Softplus(_Activation):
    """Smooth ReLU ``log(1 + exp(beta x)) / beta``, linear where ``beta x > threshold``."""

    function = staticmethod(F.softplus)
    _hyper = ("beta", "threshold")

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold


class Hardsigmoid(_Activation):
    """PyTorch's ``clip(x / 6 + 1/2, 0, 1)``."""

    function = staticmethod(F.hardsigmoid)


class HardLogistic(_Activation):
    """``clip(0.25 x + 0.5, 0, 1)``."""

    function = staticmethod(F.hard_logistic)


class Hardtanh(_Activation):
    """``x`` clipped to ``[min_val, max_val]``."""

    function = staticmethod(F.hardtanh)
    _hyper = ("min_val", "max_val")

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0) -> None:
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
        self.min_val, self.max_val = min_val, max_val


class GELU(_Activation):
    """Gaussian error linear unit ``x Φ(x)``; ``approximate='tanh'`` for the tanh form."""

    function = staticmethod(F.gelu)
    _hyper = ("approximate",)

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate


class SiLU(_Activation):
    """``x * sigmoid(x)``."""

    function = staticmethod(F.silu)


class Softsign(_Activation):
    """``x / (1 + |x|)``."""

    function = staticmethod(F.softsign)


class Softmax(_Activation):
    """Probabilities along ``dim`` (default the last; PyTorch's implicit-dim guess is not reproduced)."""

    function = staticmethod(F.softmax)
    _hyper = ("dim",)

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim


class LogSoftmax(Softmax):
    """Log-probabilities along ``dim``, via ``logsumexp``."""

    function = staticmethod(F.log_softmax)
