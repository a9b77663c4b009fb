"""``Dropout``: inverted dropout while training, the exact identity in evaluation."""
from __future__ import annotations

from autograd_core import Tensor

from .. import functional as F
from ..module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)`` while training.

    ``is_random = True`` marks layers whose training-mode output is random, so
    ``nn.utils.gradcheck_module`` refuses to check them until ``eval()``.
    """

    is_random = True

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
