"""Convolutions (``conv1d``, ``conv2d``, ``conv_transpose1d``, ``conv_transpose2d``) as compositions of engine ops.

One im2col formulation serves all of them, for any number of spatial dimensions. A convolution
views every window (``sliding_window``), copies the windows once into a contiguous
``(groups, C/groups·kernel, N·positions)`` matrix and multiplies it by the weight: one matrix
product per group forward and per gradient (their VJPs), and one ``col2im`` for the input
gradient. A transposed convolution is the same algebra run backwards (the weight's transpose
times the input, then ``col2im``), which is exactly a convolution's input gradient.
"""
from __future__ import annotations

import math

import autograd_core as ag
from autograd_core import Tensor

from .checks import check_floating, check_int, ntuple

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]

_SPATIAL = {1: "L", 2: "H×W"}


def check_groups(groups, in_channels: int, out_channels: int) -> int:
    """``groups`` as a positive int that divides both channel counts (PyTorch's rule), else a clear error."""
    groups = check_int(groups, "groups")
    if in_channels % groups or out_channels % groups:
        raise ValueError(f"in_channels ({in_channels}) and out_channels ({out_channels}) must be divisible by "
                         f"groups ({groups})")
    return int(groups)


def conv_padding(padding, kernel: tuple, stride: tuple, dilation: tuple) -> tuple[tuple[int, int], ...]:
    """``(before, after)`` per spatial dim from an int/tuple padding, ``"valid"`` (none) or ``"same"``.

    ``"same"`` keeps the size at stride 1 with PyTorch's split of an odd total: the extra element
    goes after (right/bottom), e.g. ``(0, 1)`` for a kernel of 2.
    """
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * len(kernel)
        if padding != "same":
            raise ValueError(f"padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(f"padding='same' is not supported for strided convolutions (stride={stride})")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    return tuple((p, p) for p in ntuple(padding, len(kernel), "padding", minimum=0))


_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}  # PyTorch's names -> numpy's


def pad_by_mode(x: Tensor, pads: tuple, mode: str) -> Tensor:
    """Pad the last ``len(pads)`` dims of ``x`` by ``(before, after)`` each with PyTorch's non-constant modes:
    ``"reflect"`` (mirror without the edge), ``"replicate"`` (repeat the edge) or ``"circular"`` (wrap around),
    with PyTorch's limits on the widths; the gradient of a repeated element accumulates (``ag.pad``'s numpy
    modes do the gathering)."""
    if mode not in _MODES:
        raise ValueError(f"padding mode must be 'zeros'/'constant' or one of {tuple(_MODES)}, got {mode!r}")
    for n, (lo, hi) in zip(x.shape[x.ndim - len(pads):], pads):  # (ag.pad refuses negative widths)
        if (mode == "reflect" and max(lo, hi) >= n) or (mode == "circular" and max(lo, hi) > n):
            raise ValueError(f"{mode} padding of {max(lo, hi)} needs a larger dimension than {n}")
    return ag.pad(x, [(0, 0)] * (x.ndim - len(pads)) + list(pads), mode=_MODES[mode])


def _prepare(x: Tensor, weight: Tensor, bias, groups, k: int, name: str,
             layout: str) -> tuple[Tensor, bool, tuple[int, ...], int]:
    """``(x with a batch dimension, whether it had none, the kernel, groups)`` after the checks both directions
    share: one floating dtype for input, weight and bias (PyTorch refuses a mix too), a ``(k+2)``-d weight laid
    out as ``layout`` says, an int ``groups``. PyTorch also accepts one unbatched ``(C, *spatial)`` sample."""
    check_floating(name, x, weight=weight, bias=bias)
    if weight.ndim != k + 2:
        raise ValueError(f"{name}: expected a {k + 2}-d weight ({layout}), got shape {weight.shape}")
    kernel, groups = tuple(weight.shape[2:]), check_int(groups, "groups")
    if x.ndim == k + 1:
        return ag.reshape(x, (1,) + x.shape), True, kernel, groups
    if x.ndim != k + 2:
        raise ValueError(f"{name}: expected a {k + 2}-d (N×C×{_SPATIAL[k]}) or {k + 1}-d input, got shape {x.shape}")
    return x, False, kernel, groups


def _add_bias(out: Tensor, bias: Tensor | None, name: str) -> Tensor:
    if bias is None:
        return out
    if bias.shape != (out.shape[1],):
        raise ValueError(f"{name}: bias of shape {bias.shape} does not fit {out.shape[1]} output channels")
    return out + ag.reshape(bias, (1, -1) + (1,) * (out.ndim - 2))


def _conv(x: Tensor, weight: Tensor, bias, stride, padding, dilation, groups, k: int, name: str) -> Tensor:
    """Cross-correlation over the last ``k`` dims: ``out[n, o, p] = Σ_ci weight[o, c, i] x[n, gC/G + c, sp + di]``."""
    x, unbatched, kernel, groups = _prepare(x, weight, bias, groups, k, name, "out×in/groups×kernel")
    out_ch, per_group = weight.shape[:2]
    if out_ch % groups or x.shape[1] != per_group * groups:
        raise ValueError(f"{name}: input of shape {x.shape} does not fit weight of shape {weight.shape} with "
                         f"groups={groups} (expected N×{per_group * groups}×{_SPATIAL[k]})")
    stride, dilation = ntuple(stride, k, "stride"), ntuple(dilation, k, "dilation")
    pads = conv_padding(padding, kernel, stride, dilation)
    spatial = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads))
    if any(n < d * (w - 1) + 1 for n, w, d in zip(spatial, kernel, dilation)):
        raise ValueError(f"{name}: padded input size {spatial} is smaller than the dilated kernel "
                         f"{tuple(d * (w - 1) + 1 for w, d in zip(kernel, dilation))}")
    if any(lo or hi for lo, hi in pads):
        x = ag.pad(x, ((0, 0), (0, 0)) + pads, 0.0)
    windows = ag.sliding_window(x, kernel, stride, dilation)              # (N, C, *out, *kernel)
    n, positions = x.shape[0], windows.shape[2:2 + k]
    axes = (1,) + tuple(range(2 + k, 2 + 2 * k)) + (0,) + tuple(range(2, 2 + k))
    cols = ag.reshape(ag.permute(windows, axes),                           # the one im2col copy:
                      (groups, per_group * math.prod(kernel), n * math.prod(positions)))  # (G, C/G·K, N·P)
    w = ag.reshape(weight, (groups, out_ch // groups, per_group * math.prod(kernel)))
    out = ag.reshape(ag.matmul(w, cols), (out_ch, n) + positions)        # (O, N, *out), one product per group
    out = _add_bias(ag.swapaxes(out, 0, 1), bias, name)
    if per_group == 0:  # PyTorch's answer for an input without channels: an empty output, bias dropped
        out = out[:, :0]
    return ag.reshape(out, out.shape[1:]) if unbatched else out


def _conv_transpose(x: Tensor, weight: Tensor, bias, stride, padding, output_padding, groups, dilation, k: int,
                    name: str) -> Tensor:
    """The adjoint of ``_conv`` in ``x`` (its input gradient), with a ``(in, out/groups, *kernel)`` weight."""
    x, unbatched, kernel, groups = _prepare(x, weight, bias, groups, k, name, "in×out/groups×kernel")
    in_ch, per_group = weight.shape[:2]
    if in_ch % groups or x.shape[1] != in_ch or in_ch == 0:
        raise ValueError(f"{name}: input of shape {x.shape} does not fit weight of shape {weight.shape} with "
                         f"groups={groups} (expected N×{in_ch}×{_SPATIAL[k]}, at least one input channel)")
    stride, dilation = ntuple(stride, k, "stride"), ntuple(dilation, k, "dilation")
    pads = ntuple(padding, k, "padding", minimum=0)
    extra = ntuple(output_padding, k, "output_padding", minimum=0)
    if any(e >= max(s, d) for e, s, d in zip(extra, stride, dilation)):
        raise ValueError(f"{name}: output_padding {extra} must be smaller than stride {stride} or dilation "
                         f"{dilation}")
    n, positions = x.shape[0], tuple(x.shape[2:])
    full = tuple((p - 1) * s + d * (w - 1) + 1 for p, s, d, w in zip(positions, stride, dilation, kernel))
    if any(f + e - 2 * p <= 0 for f, e, p in zip(full, extra, pads)):
        raise ValueError(f"{name}: padding {pads} leaves no output for input size {positions}")
    xs = ag.reshape(ag.swapaxes(x, 0, 1), (groups, in_ch // groups, n * math.prod(positions)))
    w = ag.reshape(weight, (groups, in_ch // groups, per_group * math.prod(kernel)))
    cols = ag.reshape(ag.matmul(ag.swapaxes(w, 1, 2), xs),                 # (G, out/G·K, N·P)
                      (groups * per_group,) + kernel + (n,) + positions)
    axes = (k + 1, 0) + tuple(range(k + 2, 2 * k + 2)) + tuple(range(1, k + 1))
    out = ag.col2im(ag.permute(cols, axes), shape=(n, groups * per_group) + full, window_shape=kernel,
                    stride=stride, dilation=dilation)
    if any(extra):
        out = ag.pad(out, ((0, 0), (0, 0)) + tuple((0, e) for e in extra), 0.0)
    if any(pads):
        out = out[(slice(None), slice(None)) + tuple(slice(p, out.shape[2 + i] - p) for i, p in enumerate(pads))]
    out = _add_bias(out, bias, name)
    return ag.reshape(out, out.shape[1:]) if unbatched else out


def conv1d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """1-D cross-correlation of an ``(N, C, L)`` input with an ``(out, C/groups, k)`` weight (see ``conv2d``)."""
    return _conv(x, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """2-D cross-correlation of an NCHW input with an ``(out, C/groups, kh, kw)`` weight, plus a per-channel bias.

    ``padding`` is an int, a pair, ``"valid"`` or ``"same"``; with ``groups`` > 1 the channels split
    into that many independent convolutions (PyTorch's meaning). As in PyTorch, an input with zero
    channels gives an empty ``(N, 0, ...)`` output.
    """
    return _conv(x, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv_transpose1d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """1-D transposed convolution (the gradient of ``conv1d`` in its input), weight ``(in, out/groups, k)``."""
    return _conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                           "conv_transpose1d")


def conv_transpose2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """2-D transposed convolution, weight ``(in, out/groups, kh, kw)``: output size
    ``(n - 1)·stride - 2·padding + dilation·(k - 1) + output_padding + 1`` per dim, as in PyTorch."""
    return _conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                           "conv_transpose2d")
