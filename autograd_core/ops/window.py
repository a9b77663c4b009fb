"""Window primitives behind convolution and pooling: ``sliding_window`` (the im2col view) and ``col2im``,
window maxima and sums, and the gather/scatter pair at one position inside each window.

Every forward here walks the *kernel offsets*: for a 3×3 window it touches nine strided slices,
each covering all windows at once, never a Python loop over output pixels (numpy reductions
over the small trailing axes of a window view measure 20-50× slower than that). The pairs
``sliding_window``/``col2im`` and ``window_take``/``window_put`` are each other's VJP;
``window_max`` sends each window's gradient to its first maximum (PyTorch's rule for ties)
through ``window_put``, and ``window_sum`` spreads its gradient back with ``col2im``.
"""
from __future__ import annotations

import itertools

import numpy as np

from ..registry import DISTINCT, Primitive, register
from ..tensor import Tensor, data_of
from ..utils.checks import ntuple


def _output_size(shape, window, stride, dilation) -> tuple:
    sizes = tuple((n - d * (w - 1) - 1) // s + 1 for n, w, s, d in zip(shape, window, stride, dilation))
    if any(o <= 0 for o in sizes):
        raise ValueError(f"sliding_window: window {window} with dilation {dilation} does not fit in "
                         f"spatial shape {shape}")
    return sizes


def _views(a: np.ndarray, window, stride, dilation, sizes) -> list:
    """One strided view of ``a``'s last dims per kernel offset (row-major): that element of every window."""
    return [a[(Ellipsis,) + tuple(slice(o * d, o * d + s * (n - 1) + 1, s)
                                  for o, d, s, n in zip(offset, dilation, stride, sizes))]
            for offset in itertools.product(*(range(w) for w in window))]


def _input_views(x: np.ndarray, window, stride, dilation) -> list:
    return _views(x, window, stride, dilation, _output_size(x.shape[-len(window):], window, stride, dilation))


def _window_forward(x, window, stride, dilation):
    k = len(window)
    out = _output_size(x.shape[-k:], window, stride, dilation)
    strides = (x.strides[:-k] + tuple(st * s for st, s in zip(x.strides[-k:], stride))
               + tuple(st * d for st, d in zip(x.strides[-k:], dilation)))
    view = np.lib.stride_tricks.as_strided(x, x.shape[:-k] + out + tuple(window), strides, writeable=False)
    return view, x.shape


def _col2im_forward(g, shape, window_shape, stride, dilation):
    k = len(window_shape)
    out = np.zeros(shape, dtype=g.dtype)
    parts = [g[(Ellipsis,) + o] for o in itertools.product(*(range(w) for w in window_shape))]
    for target, part in zip(_views(out, window_shape, stride, dilation, g.shape[-2 * k:-k]), parts):
        target += part
    return out


def _max_forward(x, window_shape, stride, dilation):
    first, *rest = _input_views(x, window_shape, stride, dilation)
    out = first.copy()
    for v in rest:
        np.maximum(out, v, out=out)  # propagates NaN, as PyTorch's pooling does
    return out


def _sum_forward(x, window_shape, stride, dilation):
    first, *rest = _input_views(x, window_shape, stride, dilation)
    out = first.copy()
    for v in rest:
        out += v
    return out, x.shape


def _first_max(x: np.ndarray, best: np.ndarray, window_shape, stride, dilation) -> np.ndarray:
    """Row-major position in each window of its first element equal to ``best`` (its last NaN where
    ``best`` is NaN), which is where PyTorch's pooling sends the gradient and points its indices."""
    n = int(np.prod(window_shape))
    dtype = np.min_scalar_type(n)
    index = np.full(best.shape, n, dtype=dtype)
    views = _input_views(x, window_shape, stride, dilation)
    for k in range(n - 1, -1, -1):  # the minimum k with a hit, by arithmetic (masked writes are slower)
        np.minimum(index, n - (views[k] == best) * dtype.type(n - k), out=index)
    nan = np.isnan(best)
    if nan.any():
        for k, v in enumerate(views):
            index[nan & np.isnan(v)] = k
    return index


def _take_forward(x, indices, window_shape, stride, dilation):
    out = np.zeros(indices.shape, dtype=x.dtype)
    for k, v in enumerate(_input_views(x, window_shape, stride, dilation)):
        out = np.where(indices == k, v, out)
    return out, x.shape


def _put_forward(g, indices, shape, window_shape, stride, dilation):
    out = np.zeros(shape, dtype=g.dtype)
    finite = bool(np.isfinite(g).all())  # then g * mask is exact (no 0 * inf) and faster than where()
    disjoint = all(s >= d * (w - 1) + 1 for w, s, d in zip(window_shape, stride, dilation))
    for k, target in enumerate(_views(out, window_shape, stride, dilation, g.shape[-len(window_shape):])):
        hit = indices == k
        if disjoint and finite:  # each element belongs to one window: write, no read-modify-write
            np.multiply(g, hit, out=target)
        else:
            target += g * hit if finite else np.where(hit, g, 0)
    return out


def _spread(g, window_shape):
    """``g`` broadcast over a trailing window: every element of a window receives its window's value."""
    k = len(window_shape)
    return _ops.broadcast_to(_ops.reshape(g, g.shape + (1,) * k), g.shape + tuple(window_shape))


# ----------------------------------------------------------------------------- test metadata
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


def _sample_take(s, domains):
    (x,), p = _sample_window(s, domains)
    k = len(p["window_shape"])
    out = x.shape[:-k] + _output_size(x.shape[-k:], p["window_shape"], p["stride"], p["dilation"])
    n = int(np.prod(p["window_shape"]))
    indices = np.array([s.integers(0, n - 1) for _ in range(int(np.prod(out)))], dtype=np.int64)
    return [x], dict(p, indices=indices.reshape(out))


def _sample_put(s, domains):
    (x,), p = _sample_take(s, domains)
    return [s.array(p["indices"].shape, domains[0])], dict(p, shape=x.shape)


def _torch_window(reduce: str):
    """PyTorch reference for a window maximum or sum: leading dims folded into a batch of 2-D planes."""

    def ref(T, x, window_shape, stride, dilation):
        k = len(window_shape)
        lead, spatial = tuple(x.shape[:-k]), tuple(x.shape[-k:])
        one = (1,) * (2 - k)  # a 1-D window is a 1×w window on a 1×L plane
        planes = x.reshape((int(np.prod(lead)), 1) + one + spatial)
        args = one + window_shape, one + dilation, 0, one + stride
        if reduce == "max":
            out = T.nn.functional.max_pool2d(planes, args[0], args[3], 0, args[1])
        else:
            out = T.nn.functional.unfold(planes, *args).sum(1)
        return out.reshape(lead + _output_size(spatial, window_shape, stride, dilation))

    return ref


# ----------------------------------------------------------------------------- records
SLIDING_WINDOW = register(Primitive(
    "sliding_window", lambda x, window_shape, stride, dilation: _window_forward(x, window_shape, stride, dilation),
    extras=("in_shape",), saves=("in_shape",), sample=_sample_window, torch=None, view=True,
    vjp=lambda g, in_shape, window_shape, stride, dilation: _apply(
        COL2IM, g, shape=in_shape, window_shape=window_shape, stride=stride, dilation=dilation)))
COL2IM = register(Primitive(
    "col2im", _col2im_forward, method=False, sample=_sample_col2im, torch=None,
    vjp=lambda g, shape, window_shape, stride, dilation: sliding_window(g, window_shape, stride, dilation)))
WINDOW_MAX = register(Primitive(
    "window_max", _max_forward, method=False, saves=("x", "out"), sample=_sample_window, domain=(DISTINCT,),
    torch=_torch_window("max"),
    vjp=lambda g, x, out, window_shape, stride, dilation: _apply(
        WINDOW_PUT, g, indices=_first_max(x.data, out.data, window_shape, stride, dilation), shape=x.shape,
        window_shape=window_shape, stride=stride, dilation=dilation)))
WINDOW_SUM = register(Primitive(
    "window_sum", _sum_forward, method=False, extras=("in_shape",), saves=("in_shape",), sample=_sample_window,
    torch=_torch_window("sum"),
    vjp=lambda g, in_shape, window_shape, stride, dilation: _apply(
        COL2IM, _spread(g, window_shape), shape=in_shape, window_shape=window_shape, stride=stride,
        dilation=dilation)))
WINDOW_TAKE = register(Primitive(
    "window_take", _take_forward, method=False, extras=("in_shape",), saves=("in_shape",), sample=_sample_take,
    torch=None,
    vjp=lambda g, in_shape, indices, window_shape, stride, dilation: _apply(
        WINDOW_PUT, g, indices=indices, shape=in_shape, window_shape=window_shape, stride=stride,
        dilation=dilation)))
WINDOW_PUT = register(Primitive(
    "window_put", _put_forward, api=(), sample=_sample_put, torch=None,
    vjp=lambda g, indices, shape, window_shape, stride, dilation: _apply(
        WINDOW_TAKE, g, indices=indices, window_shape=window_shape, stride=stride, dilation=dilation)))
WINDOW_ARGMAX = register(Primitive(
    "window_argmax", lambda x, window_shape, stride, dilation: _first_max(
        x, _max_forward(x, window_shape, stride, dilation), window_shape, stride, dilation).astype(np.int64),
    method=False, vjp=None, order=0, sample=_sample_window, domain=(DISTINCT,), torch=None))


def _window_params(x, window_shape, stride, dilation) -> dict:
    """Normalised ``window_shape``/``stride``/``dilation`` tuples, checked against the rank of ``x``
    (an array, a tensor or, for ``col2im``, the target shape)."""
    window = ntuple(window_shape, 1 if isinstance(window_shape, (int, np.integer)) else len(window_shape),
                    "sliding_window: window_shape")
    k = len(window)
    ndim = len(x) if isinstance(x, tuple) else np.ndim(data_of(x))
    if ndim < k:
        raise ValueError(f"sliding_window: a {k}-d window needs at least {k} dimensions, got {ndim}")
    return {"window_shape": window, "stride": ntuple(stride, k, "sliding_window: stride"),
            "dilation": ntuple(dilation, k, "sliding_window: dilation")}


@SLIDING_WINDOW.public
def sliding_window(x, window_shape, stride=1, dilation=1) -> Tensor:
    """Every window of ``window_shape`` over the last dimensions: shape ``(..., *out, *window)`` (a view)."""
    return _apply(SLIDING_WINDOW, x, **_window_params(x, window_shape, stride, dilation))


@COL2IM.public
def col2im(cols, shape, window_shape, stride=1, dilation=1) -> Tensor:
    """Add every window of ``cols`` (``(..., *out, *window)``, as ``sliding_window`` lays them out) back into
    an array of ``shape``: the adjoint of ``sliding_window``, and what transposed convolutions are made of."""
    shape = tuple(int(n) for n in shape)
    p = _window_params(shape, window_shape, stride, dilation)
    k = len(p["window_shape"])
    expected = shape[:-k] + _output_size(shape[-k:], p["window_shape"], p["stride"], p["dilation"]) + p["window_shape"]
    if tuple(np.shape(data_of(cols))) != expected:
        raise ValueError(f"col2im: windows of shape {np.shape(cols)} do not tile shape {tuple(shape)} "
                         f"(expected {expected})")
    return _apply(COL2IM, cols, shape=shape, **p)


@WINDOW_MAX.public
def window_max(x, window_shape, stride=1, dilation=1) -> Tensor:
    """Maximum of every window over the last dimensions, shape ``(..., *out)``; NaN propagates.

    Its gradient goes to the first maximal element of each window (row-major), as in PyTorch's pooling.
    """
    return _apply(WINDOW_MAX, x, **_window_params(x, window_shape, stride, dilation))


@WINDOW_SUM.public
def window_sum(x, window_shape, stride=1, dilation=1) -> Tensor:
    """Sum of every window over the last dimensions, shape ``(..., *out)`` (average pooling's numerator)."""
    return _apply(WINDOW_SUM, x, **_window_params(x, window_shape, stride, dilation))


@WINDOW_ARGMAX.public
def window_argmax(x, window_shape, stride=1, dilation=1) -> Tensor:
    """Row-major position (int64) inside every window of its first maximum: what ``window_max`` selects."""
    return _apply(WINDOW_ARGMAX, x, **_window_params(x, window_shape, stride, dilation))


@WINDOW_TAKE.public
def window_take(x, indices, window_shape, stride=1, dilation=1) -> Tensor:
    """The element at row-major position ``indices`` inside every window (a gather; its VJP scatters back)."""
    index = np.asarray(data_of(indices))
    return _apply(WINDOW_TAKE, x, indices=index, **_window_params(x, window_shape, stride, dilation))


from ..node import apply as _apply  # noqa: E402
from .. import ops as _ops  # noqa: E402
