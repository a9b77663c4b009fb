"""``sliding_window``: the im2col view behind convolution and pooling, and its col2im VJP.

The forward is a zero-copy strided view of every window. Its VJP, ``col2im``, adds each
window's gradient back with one strided slice per *kernel offset* (a 3×3 kernel is nine
vectorised adds), never a Python loop over output pixels. The two are each other's VJP.
"""
from __future__ import annotations

import itertools

import numpy as np

from ..registry import Primitive, register
from ..tensor import Tensor


def _output_size(shape, window, stride, dilation) -> tuple:
    sizes = tuple((n - d * (w - 1) - 1) // s + 1 for n, w, s, d in zip(shape, window, stride, dilation))
    if any(o <= 0 for o in sizes):
        raise ValueError(f"sliding_window: window {window} with dilation {dilation} does not fit in "
                         f"spatial shape {shape}")
    return sizes


def _window_forward(x, window, stride, dilation):
    k = len(window)
    out = _output_size(x.shape[-k:], window, stride, dilation)
    strides = (x.strides[:-k] + tuple(st * s for st, s in zip(x.strides[-k:], stride))
               + tuple(st * d for st, d in zip(x.strides[-k:], dilation)))
    view = np.lib.stride_tricks.as_strided(x, x.shape[:-k] + out + tuple(window), strides, writeable=False)
    return view, x.shape


def _col2im_forward(g, shape, window, stride, dilation):
    k = len(window)
    out = np.zeros(shape, dtype=g.dtype)
    sizes = g.shape[-2 * k:-k]
    lead = (slice(None),) * (len(shape) - k)
    for offset in itertools.product(*(range(w) for w in window)):
        target = tuple(slice(o * d, o * d + s * (n - 1) + 1, s)
                       for o, d, s, n in zip(offset, dilation, stride, sizes))
        out[lead + target] += g[(Ellipsis,) + offset]
    return out


def _sample_window(s, domains):
    k = s.integers(1, 2)
    window = tuple(s.integers(1, 3) for _ in range(k))
    stride = tuple(s.integers(1, 2) for _ in range(k))
    dilation = tuple(s.integers(1, 2) for _ in range(k))
    spatial = tuple(d * (w - 1) + 1 + s.integers(0, 3) for w, d in zip(window, dilation))
    shape = s.shape(max_dims=2, min_side=1, max_side=2) + spatial
    return [s.array(shape, domains[0])], {"window_shape": window, "stride": stride, "dilation": dilation}


def _sample_col2im(s, domains):
    (x,), p = _sample_window(s, domains)
    cols = _window_forward(x, p["window_shape"], p["stride"], p["dilation"])[0]
    return [s.array(cols.shape, domains[0])], dict(p, shape=x.shape)


SLIDING_WINDOW = register(Primitive(
    "sliding_window", lambda x, window_shape, stride, dilation: _window_forward(x, window_shape, stride, dilation),
    extras=("in_shape",), saves=("in_shape",), sample=_sample_window, torch=None, view=True,
    vjp=lambda g, in_shape, window_shape, stride, dilation: _apply(
        COL2IM, g, shape=in_shape, window_shape=window_shape, stride=stride, dilation=dilation)))
COL2IM = register(Primitive(
    "col2im", lambda g, shape, window_shape, stride, dilation: _col2im_forward(g, shape, window_shape, stride,
                                                                                dilation),
    api=(), sample=_sample_col2im, torch=None,
    vjp=lambda g, shape, window_shape, stride, dilation: sliding_window(g, window_shape, stride, dilation)))


def _tuple(value, k: int, what: str) -> tuple:
    value = (value,) * k if isinstance(value, (int, np.integer)) else tuple(value)
    if len(value) != k or any(v < 1 for v in value):
        raise ValueError(f"sliding_window: {what} must be {k} positive integers, got {value}")
    return tuple(int(v) for v in value)


@SLIDING_WINDOW.public
def sliding_window(x, window_shape, stride=1, dilation=1) -> Tensor:
    """Every window of ``window_shape`` over the last dimensions: shape ``(..., *out, *window)``."""
    window = _tuple(window_shape, len(window_shape) if not isinstance(window_shape, int) else 1, "window_shape")
    k = len(window)
    if np.ndim(x.data if isinstance(x, Tensor) else x) < k:
        raise ValueError(f"sliding_window: a {k}-d window needs at least {k} dimensions, got shape {x.shape}")
    return _apply(SLIDING_WINDOW, x, window_shape=window, stride=_tuple(stride, k, "stride"),
                  dilation=_tuple(dilation, k, "dilation"))


from ..node import apply as _apply  # noqa: E402
