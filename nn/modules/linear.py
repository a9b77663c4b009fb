"""Affine and shape layers: ``Identity``, ``Linear``, ``Flatten``, ``Unflatten`` and ``Maxout``."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

import autograd_core as ag
from autograd_core import Tensor

from .. import functional as F
from .. import init
from ..functional.checks import check_int
from ..module import Module, Parameter

__all__ = ["Identity", "Linear", "Flatten", "Unflatten", "Maxout"]


def empty_parameter(*shape: int, dtype=None) -> Parameter:
    """An uninitialized parameter of the given shape (default dtype unless ``dtype``)."""
    return Parameter(np.empty(shape, dtype if dtype is not None else ag.get_default_dtype()))


def reset_affine(weight: Parameter, bias: Parameter | None) -> None:
    """PyTorch's default for linear and conv layers: kaiming_uniform_(a=√5) weight, U(±1/√fan_in) bias."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        init.fan_in_uniform_(bias, weight.shape[1] * int(np.prod(weight.shape[2:])))


class Identity(Module):
    """Returns its input unchanged (a placeholder layer); accepts and ignores any arguments."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return x


class Linear(Module):
    """``y = x Wᵀ + b`` with ``W`` of shape ``(out_features, in_features)``."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=None) -> None:
        super().__init__()
        self.in_features, self.out_features = check_int(in_features, "in_features", 0), \
            check_int(out_features, "out_features", 0)
        self.weight = empty_parameter(out_features, in_features, dtype=dtype)
        self.bias = empty_parameter(out_features, dtype=dtype) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw the weights with PyTorch's default initialization."""
        reset_affine(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    """Merge dimensions ``start_dim..end_dim`` (by default all but the batch dimension)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return ag.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dimension ``dim`` into ``unflattened_size`` (one entry may be -1), the inverse of ``Flatten``."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        sizes = tuple(int(s) for s in unflattened_size)
        if not sizes or sum(s == -1 for s in sizes) > 1 or any(s < -1 for s in sizes):
            raise ValueError(f"Unflatten: unflattened_size must be a non-empty sequence of sizes with at most one -1, "
                             f"got {unflattened_size!r}")
        self.dim, self.unflattened_size = dim, sizes

    def forward(self, x: Tensor) -> Tensor:
        if not -x.ndim <= self.dim < x.ndim:
            raise IndexError(f"Unflatten: dim {self.dim} is out of range for an input of shape {x.shape}")
        dim = self.dim % x.ndim
        known = math.prod(s for s in self.unflattened_size if s != -1)
        sizes = self.unflattened_size
        if -1 in sizes and known and x.shape[dim] % known == 0:
            sizes = tuple(x.shape[dim] // known if s == -1 else s for s in sizes)
        if math.prod(sizes) != x.shape[dim]:
            raise ValueError(f"Unflatten: size {x.shape[dim]} of dim {self.dim} (input shape {x.shape}) cannot be "
                             f"split into {self.unflattened_size}")
        return x.reshape(*x.shape[:dim], *sizes, *x.shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Maxout(Module):
    """Each output unit is the maximum of ``k`` affine functions of the input (Goodfellow et al., 2013).

    Stored as one ``(out_features·k, in_features)`` weight whose rows ``j·k .. j·k+k-1`` are
    unit ``j``'s pieces, initialized like a ``Linear`` layer of that size.
    """

    def __init__(self, in_features: int, out_features: int, k: int, bias: bool = True, dtype=None) -> None:
        super().__init__()
        check_int(in_features, "in_features", 0), check_int(out_features, "out_features", 0), check_int(k, "k")
        self.in_features, self.out_features, self.k = in_features, out_features, k
        self.weight = empty_parameter(out_features * k, in_features, dtype=dtype)
        self.bias = empty_parameter(out_features * k, dtype=dtype) if bias else None
        reset_affine(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.maxout(x, self.weight, self.bias, self.k)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, k={self.k}"
