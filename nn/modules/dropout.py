"""``Dropout``: inverted dropout while training, the exact identity in evaluation."""
from __future__ import annotations

from autograd_core import Tensor

from .. import functional as F
from ..functional.checks import check_dropout_p
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
        check_dropout_p(p)
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
