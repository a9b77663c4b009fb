"""Normalization layers: ``BatchNorm1d``/``BatchNorm2d`` (one shared implementation), ``LayerNorm``, ``GroupNorm``."""
from __future__ import annotations

from typing import Sequence

import numpy as np

import autograd_core as ag
from autograd_core import Tensor

from .. import functional as F
from .. import init
from ..functional.checks import check_int, sizes
from ..module import Module
from .linear import empty_parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm"]


class _Affine(Module):
    """A normalization's optional per-feature scale ``weight`` and shift ``bias`` (either may be None)."""

    def reset_parameters(self) -> None:
        """Weight 1, bias 0."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)


class _BatchNorm(_Affine):
    """Batch normalization over axis 1; subclasses only declare which input ranks they accept.

    Buffers ``running_mean`` (0), ``running_var`` (1) and ``num_batches_tracked`` follow PyTorch.
    ``momentum=None`` gives a cumulative average (factor ``1/num_batches_tracked``).
    """

    _ranks: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, dtype=None) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = check_int(num_features, "num_features", 0), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = empty_parameter(num_features, dtype=dtype) if affine else None
        self.bias = empty_parameter(num_features, dtype=dtype) if affine else None
        dtype = dtype if dtype is not None else ag.get_default_dtype()
        if track_running_stats:
            self.register_buffer("running_mean", ag.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ag.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self) -> None:
        """Reset the running statistics and set weight 1, bias 0."""
        self.reset_running_stats()
        super().reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self._ranks or x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}) expects input of rank "
                             f"{' or '.join(map(str, self._ranks))} with {self.num_features} channels on axis 1, "
                             f"got shape {x.shape}")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            with ag.no_grad():
                self.num_batches_tracked.add_(1)
            if momentum is None:
                momentum = 1.0 / int(self.num_batches_tracked.item())
        # Without running statistics (track_running_stats=False) batch statistics are used in eval too.
        use_batch = self.training or self.running_mean is None
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, use_batch, momentum,
                            self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of ``(N, C)`` or ``(N, C, L)`` inputs per channel."""

    _ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of NCHW inputs per channel."""

    _ranks = (4,)


class LayerNorm(_Affine):
    """Normalize each sample over its trailing ``normalized_shape`` dims, with elementwise scale and shift."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, dtype=None) -> None:
        super().__init__()
        shape = sizes(normalized_shape, "normalized_shape")
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        self.weight = empty_parameter(*shape, dtype=dtype) if elementwise_affine else None
        self.bias = empty_parameter(*shape, dtype=dtype) if elementwise_affine and bias else None
        self.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(_Affine):
    """Normalize each sample over groups of ``num_channels/num_groups`` channels, with a per-channel scale and shift.

    Unlike batch norm it uses no batch statistics, so training and evaluation compute the same thing.
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if check_int(num_channels, "num_channels", 0) % check_int(num_groups, "num_groups"):
            raise ValueError(f"GroupNorm: num_channels={num_channels} must be divisible by num_groups={num_groups}")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        self.weight = empty_parameter(num_channels, dtype=dtype) if affine else None
        self.bias = empty_parameter(num_channels, dtype=dtype) if affine and bias else None
        self.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm({self.num_groups}, {self.num_channels}) expects (N, {self.num_channels}, *) "
                             f"input, got shape {x.shape}")
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
