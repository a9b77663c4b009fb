"""Stateless layer functions (PyTorch's ``nn.functional``), each a composition of engine operations."""
from __future__ import annotations

import autograd_core as ag
from autograd_core import Tensor

__all__ = ["linear"]


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias`` with PyTorch's ``(out_features, in_features)`` weight layout."""
    y = ag.matmul(x, weight.T)
    return y if bias is None else y + bias
