"""Convolution layers: ``Conv1d``, ``Conv2d``, ``ConvTranspose1d``, ``ConvTranspose2d`` (PyTorch's signatures).

One base class holds the hyper-parameters, the weight and the bias for all four; each layer is
only its dimension count and the ``nn.functional`` call it makes. A ``padding_mode`` other than
``"zeros"`` (``"reflect"``, ``"replicate"``, ``"circular"``) pads the input before the convolution,
as PyTorch does.
"""
from __future__ import annotations

from autograd_core import Tensor

from .. import functional as F
from ..functional.checks import check_int, ntuple
from ..functional.conv import check_groups, conv_padding, pad_by_mode
from ..module import Module
from .linear import empty_parameter, reset_affine

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]


class _ConvNd(Module):
    """Shared state of the convolution layers; ``transposed`` flips the weight's first two axes."""

    _dims = 2
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", output_padding=0,
                 dtype=None) -> None:
        super().__init__()
        k = self._dims
        in_channels, out_channels = check_int(in_channels, "in_channels", 0), check_int(out_channels, "out_channels", 0)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.groups = check_groups(groups, in_channels, out_channels)
        self.kernel_size = ntuple(kernel_size, k, "kernel_size")
        self.stride, self.dilation = ntuple(stride, k, "stride"), ntuple(dilation, k, "dilation")
        if padding_mode != "zeros" and (self.transposed or padding_mode not in ("reflect", "replicate", "circular")):
            raise ValueError(f"padding_mode must be 'zeros'{'' if self.transposed else ', reflect, replicate or '}"
                             f"{'' if self.transposed else 'circular'}, got {padding_mode!r}")
        self.padding_mode = padding_mode
        if isinstance(padding, str) and not self.transposed:
            conv_padding(padding, self.kernel_size, self.stride, self.dilation)  # validate now, as PyTorch does
            self.padding = padding
        else:
            self.padding = ntuple(padding, k, "padding", minimum=0)
        self.output_padding = ntuple(output_padding, k, "output_padding", minimum=0)
        shape = ((in_channels, out_channels // self.groups) if self.transposed
                 else (out_channels, in_channels // self.groups))
        self.weight = empty_parameter(*shape, *self.kernel_size, dtype=dtype)
        self.bias = empty_parameter(out_channels, dtype=dtype) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw the weights with PyTorch's default initialization."""
        reset_affine(self.weight, self.bias)

    def _padded(self, x: Tensor) -> tuple[Tensor, object]:
        """The input and the padding left for the convolution: with a non-zero ``padding_mode`` the
        input is padded here (PyTorch's way) and the convolution pads nothing."""
        if self.padding_mode == "zeros":
            return x, self.padding
        pads = conv_padding(self.padding, self.kernel_size, self.stride, self.dilation)
        return pad_by_mode(x, pads, self.padding_mode), 0

    def extra_repr(self) -> str:
        k = self._dims
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * k:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * k:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * k:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text + ("" if self.padding_mode == "zeros" else f", padding_mode={self.padding_mode}")


class _Conv(_ConvNd):
    """A convolution layer's signature (PyTorch's, without ``output_padding``) and forward, for any ``_dims``."""

    _function = staticmethod(F.conv2d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        x, padding = self._padded(x)
        return self._function(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv1d(_Conv):
    """1-D cross-correlation over ``(N, C, L)`` with ``out_channels`` filters of shape ``(in/groups, k)``."""

    _dims = 1
    _function = staticmethod(F.conv1d)


class Conv2d(_Conv):
    """2-D cross-correlation with ``out_channels`` filters of shape ``(in_channels/groups, kh, kw)`` plus a bias."""


class _ConvTransposeNd(_ConvNd):
    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, dtype=dtype)

    def _output_padding(self, x: Tensor, output_size) -> tuple:
        """``output_padding``, or the one that makes the output ``output_size`` (PyTorch's ``forward`` argument)."""
        if output_size is None:
            return self.output_padding
        k = self._dims
        wanted = tuple(output_size)[-k:]
        smallest = tuple((n - 1) * s - 2 * p + d * (w - 1) + 1 for n, s, p, d, w in
                         zip(x.shape[-k:], self.stride, self.padding, self.dilation, self.kernel_size))
        extra = tuple(o - m for o, m in zip(wanted, smallest))
        if len(wanted) != k or any(not 0 <= e < max(s, d) for e, s, d in zip(extra, self.stride, self.dilation)):
            raise ValueError(f"output_size {tuple(output_size)} is not reachable: the output can be from "
                             f"{smallest} up to stride/dilation - 1 larger")
        return extra

    def forward(self, x: Tensor, output_size=None) -> Tensor:
        return self._function(x, self.weight, self.bias, self.stride, self.padding,
                              self._output_padding(x, output_size), self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution (a learnable upsampling), weight ``(in, out/groups, k)``."""

    _dims = 1
    _function = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution (a learnable upsampling), weight ``(in, out/groups, kh, kw)``."""

    _function = staticmethod(F.conv_transpose2d)
