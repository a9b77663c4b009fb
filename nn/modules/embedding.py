"""``Embedding``: a lookup table of learned vectors indexed by integer ids."""
from __future__ import annotations

import autograd_core as ag
from autograd_core import Tensor

from .. import functional as F
from .. import init
from ..functional.checks import check_int
from ..module import Module
from .linear import empty_parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """Row ``i`` of a ``(num_embeddings, embedding_dim)`` weight for each id ``i``; N(0, 1) initialization.

    The ``padding_idx`` row starts at zero and receives no gradient, as in PyTorch.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None, dtype=None) -> None:
        super().__init__()
        check_int(num_embeddings, "num_embeddings", 0), check_int(embedding_dim, "embedding_dim", 0)
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise ValueError(f"padding_idx {padding_idx} is out of range for {num_embeddings} embeddings")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = None if padding_idx is None else padding_idx % num_embeddings
        self.weight = empty_parameter(num_embeddings, embedding_dim, dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw N(0, 1) and zero the padding row."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with ag.no_grad():
                self.weight[self.padding_idx] = 0

    def forward(self, indices) -> Tensor:
        return F.embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
