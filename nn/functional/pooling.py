"""Pooling (``max_pool1d/2d``, ``avg_pool1d/2d``, ``adaptive_avg_pool1d/2d``) as compositions of engine ops.

Max and average pooling pad the input (with -inf or 0) and reduce every window with
``window_max`` / ``window_sum``, which walk the kernel offsets with strided slices: for a
non-overlapping 2×2 pool that is three elementwise maxima, no window copy and no argmax in the
forward pass. Output sizes, ``ceil_mode`` and the average divisors follow PyTorch's formulas;
adaptive pooling averages PyTorch's ``[floor(i·n/out), ceil((i+1)·n/out))`` ranges with one
small matrix product per spatial dimension.
"""
from __future__ import annotations

import math

import numpy as np

import autograd_core as ag
from autograd_core import Tensor

from .checks import check_floating, check_int, ntuple

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d"]


def _check_input(x: Tensor, k: int, name: str) -> None:
    check_floating(name, x)  # PyTorch lacks integer kernels for most poolings; ours are floating only
    if x.ndim not in (k + 1, k + 2) or any(n == 0 for n in x.shape[-k - 1:]):
        raise ValueError(f"{name}: expected a {k + 1}-d or {k + 2}-d input with non-zero channel and spatial "
                         f"sizes, got shape {x.shape}")


def _output_size(n: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size; in ``ceil_mode`` the last window must start inside the input or left padding."""
    span = n + 2 * pad - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= n + pad:
        out -= 1
    return out


def _windows(x: Tensor, kernel_size, stride, padding, dilation, ceil_mode: bool, k: int, name: str):
    """Checked pooling geometry: ``(kernel, stride, dilation, pads, out)`` with pads ``(before, after)`` per dim,
    where ``after`` also covers the windows ``ceil_mode`` adds past the end."""
    _check_input(x, k, name)
    kernel = ntuple(kernel_size, k, "kernel_size")
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) else \
        ntuple(stride, k, "stride")
    pad, dilation = ntuple(padding, k, "padding", minimum=0), ntuple(dilation, k, "dilation")
    if any(2 * p > w for p, w in zip(pad, kernel)):
        raise ValueError(f"{name}: padding {padding} should be at most half of kernel_size {kernel_size}")
    spatial = x.shape[-k:]
    out = tuple(_output_size(*a, ceil_mode) for a in zip(spatial, kernel, stride, pad, dilation))
    if any(o < 1 for o in out):
        raise ValueError(f"{name}: input of spatial size {spatial} is too small for kernel_size {kernel} with "
                         f"padding {pad} and dilation {dilation} (output size {out})")
    after = tuple(max(0, (o - 1) * s + d * (w - 1) + 1 - n - p)
                  for o, s, d, w, n, p in zip(out, stride, dilation, kernel, spatial, pad))
    return kernel, stride, dilation, tuple(zip(pad, after)), out


def _padded(x: Tensor, pads: tuple, fill: float) -> Tensor:
    if not any(lo or hi for lo, hi in pads):
        return x
    return ag.pad(x, ((0, 0),) * (x.ndim - len(pads)) + pads, fill)


def _max_pool(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, k: int, name: str):
    kernel, stride, dilation, pads, out = _windows(x, kernel_size, stride, padding, dilation, ceil_mode, k, name)
    xp = _padded(x, pads, -np.inf)
    values = ag.window_max(xp, kernel, stride, dilation)
    if not return_indices:
        return values
    # PyTorch's indices: flat positions in each unpadded input plane of the selected elements
    digits = np.unravel_index(ag.window_argmax(xp, kernel, stride, dilation).data, kernel)
    flat = np.zeros(values.shape, dtype=np.int64)
    for i, (digit, s, d, (lo, _)) in enumerate(zip(digits, stride, dilation, pads)):
        start = (np.arange(out[i]) * s - lo).reshape((-1,) + (1,) * (k - 1 - i))
        flat = flat * x.shape[x.ndim - k + i] + start + digit * d
    return values, Tensor(flat)


def _avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, k: int, name: str):
    kernel, stride, _, pads, out = _windows(x, kernel_size, stride, padding, 1, ceil_mode, k, name)
    total = ag.window_sum(_padded(x, pads, 0.0), kernel, stride)
    if divisor_override is not None:
        return total / check_int(divisor_override, "divisor_override")
    if all(hi <= lo for lo, hi in pads) and (count_include_pad or not any(lo for lo, _ in pads)):
        return total / math.prod(kernel)  # every window lies inside the (padded) input
    # PyTorch's divisor: the window clipped to the padded input (count_include_pad) or to the input itself
    mask = np.ones((), dtype=x.dtype)
    for n, (lo, hi) in zip(x.shape[-k:], pads):
        line = np.zeros(lo + n + hi, dtype=x.dtype)
        line[(0 if count_include_pad else lo):(n + 2 * lo if count_include_pad else lo + n)] = 1
        mask = np.multiply.outer(mask, line)
    return total / ag.window_sum(Tensor(mask), kernel, stride).data


def _range_matrix(n: int, size: int, dtype) -> np.ndarray:
    """``(size, n)`` averaging matrix over PyTorch's adaptive ranges ``[floor(i·n/size), ceil((i+1)·n/size))``."""
    m = np.zeros((size, n), dtype=dtype)
    for i in range(size):
        lo, hi = i * n // size, -(-(i + 1) * n // size)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


def _adaptive_avg_pool(x: Tensor, output_size, k: int, name: str) -> Tensor:
    _check_input(x, k, name)
    spatial = x.shape[-k:]
    sizes = (output_size,) * k if output_size is None or isinstance(output_size, (int, np.integer)) else output_size
    if not isinstance(sizes, (tuple, list)):
        raise TypeError(f"{name}: output_size must be an int or a tuple of {k}, got {output_size!r}")
    if len(sizes) != k:
        raise ValueError(f"{name}: output_size must be an int or a tuple of {k}, got {output_size!r}")
    # an output size of 0 gives an empty output, as in PyTorch
    sizes = tuple(n if s is None else check_int(s, "output_size", 0) for s, n in zip(sizes, spatial))
    out = x
    for axis, (n, size) in enumerate(zip(spatial, sizes)):
        if n == size:
            continue
        m = _range_matrix(n, size, x.dtype)
        if axis == k - 1:  # the last dim: (..., n) @ (n, size)
            out = ag.matmul(out, Tensor(np.ascontiguousarray(m.T)))
        else:              # the dim before it: (size, n) @ (..., n, w)
            out = ag.matmul(Tensor(m), out)
    return out


def max_pool1d(x: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Maximum over each window of an ``(N, C, L)`` input (see ``max_pool2d``)."""
    return _max_pool(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1, "max_pool1d")


def max_pool2d(x: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Maximum over each window of an NCHW input; padding never wins (it is -inf), NaN propagates.

    As in PyTorch the whole gradient of a window goes to its first maximal element, also when
    several tie, and ``return_indices=True`` also returns those elements' flat positions in their
    input plane (``h·W + w``, int64).
    """
    return _max_pool(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2, "max_pool2d")


def avg_pool1d(x: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over each window of an ``(N, C, L)`` input (see ``avg_pool2d``)."""
    return _avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1, "avg_pool1d")


def avg_pool2d(x: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean over each window of an NCHW input, with PyTorch's divisors.

    Padded zeros count in the divisor unless ``count_include_pad=False``; windows that ``ceil_mode``
    lets run past the padded input divide by the part inside it; ``divisor_override`` replaces all.
    """
    return _avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2,
                     "avg_pool2d")


def adaptive_avg_pool1d(x: Tensor, output_size) -> Tensor:
    """Average pooling of an ``(N, C, L)`` input to ``output_size`` positions (PyTorch's ranges)."""
    return _adaptive_avg_pool(x, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(x: Tensor, output_size) -> Tensor:
    """Average pooling of an NCHW input to ``output_size`` (an int, a pair, ``None`` keeps a dim), with
    PyTorch's ranges ``[floor(i·H/oh), ceil((i+1)·H/oh))`` when the sizes do not divide."""
    return _adaptive_avg_pool(x, output_size, 2, "adaptive_avg_pool2d")
