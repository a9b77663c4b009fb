"""Loss modules: thin ``Module`` wrappers that store a loss's options and call ``nn.functional``.

``_Loss`` validates ``reduction`` and holds the names of the options each loss passes through,
so ``forward`` is written once. Class weights are buffers (saved in ``state_dict``), as in PyTorch.
"""
from __future__ import annotations

from typing import Callable

from autograd_core import Tensor

from ..functional import losses as F
from ..module import Module

__all__ = ["MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
           "NLLLoss", "KLDivLoss"]


class _Loss(Module):
    """Calls ``function(input, target, reduction=..., **options)`` with the options named in ``_options``."""

    function: Callable[..., Tensor]
    _options: tuple[str, ...] = ()
    _reductions: tuple[str, ...] = ("mean", "sum", "none")

    def __init__(self, reduction: str = "mean", **options) -> None:
        super().__init__()
        if reduction not in self._reductions:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {self._reductions}, got {reduction!r}")
        self.reduction = reduction
        for name, value in options.items():
            if name in ("weight", "pos_weight"):  # buffers, as in PyTorch, so they follow state_dict
                self.register_buffer(name, value if value is None or isinstance(value, Tensor) else Tensor(value))
            else:
                setattr(self, name, value)

    def forward(self, input: Tensor, target) -> Tensor:
        return type(self).function(input, target, reduction=self.reduction,
                                   **{name: getattr(self, name) for name in self._options})


class MSELoss(_Loss):
    """Mean squared error."""

    function = staticmethod(F.mse_loss)


class L1Loss(_Loss):
    """Mean absolute error."""

    function = staticmethod(F.l1_loss)


class HuberLoss(_Loss):
    """Huber loss with threshold ``delta``."""

    function = staticmethod(F.huber_loss)
    _options = ("delta",)

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction, delta=delta)


class SmoothL1Loss(_Loss):
    """Huber loss divided by ``beta``."""

    function = staticmethod(F.smooth_l1_loss)
    _options = ("beta",)

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction, beta=beta)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities, with optional element weights."""

    function = staticmethod(F.binary_cross_entropy)
    _options = ("weight",)

    def __init__(self, weight=None, reduction: str = "mean") -> None:
        super().__init__(reduction, weight=weight)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy in one stable expression; optional ``pos_weight``."""

    function = staticmethod(F.binary_cross_entropy_with_logits)
    _options = ("weight", "pos_weight")

    def __init__(self, weight=None, reduction: str = "mean", pos_weight=None) -> None:
        super().__init__(reduction, weight=weight, pos_weight=pos_weight)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on logits with class weights, ``ignore_index`` and label smoothing."""

    function = staticmethod(F.cross_entropy)
    _options = ("weight", "ignore_index", "label_smoothing")

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction, weight=weight, ignore_index=ignore_index, label_smoothing=label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood on log-probabilities."""

    function = staticmethod(F.nll_loss)
    _options = ("weight", "ignore_index")

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction, weight=weight, ignore_index=ignore_index)


class KLDivLoss(_Loss):
    """Pointwise KL divergence; ``reduction='batchmean'`` gives the true KL divergence."""

    function = staticmethod(F.kl_div)
    _options = ("log_target",)
    _reductions = ("mean", "sum", "none", "batchmean")

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction, log_target=log_target)
