"""Reductions with ``axis`` (int, tuple or None) and ``keepdims``; PyTorch's ``dim``/``keepdim`` too.

``sum``, ``max``, ``min``, ``prod``, ``logsumexp`` and ``norm`` are primitives; ``mean``,
``var`` and ``std`` are compositions. ``max``/``min`` split the gradient evenly among tied
elements; ``norm`` has gradient 0 at the zero vector (PyTorch's subgradient); ``logsumexp``
is a primitive because the naive composition overflows.
"""
from __future__ import annotations

import numpy as np

from ..registry import DISTINCT, NONZERO, Composite, Primitive, normalize_axis, register, sample_reduction
from ..tensor import Tensor, new_tensor


def reduction_args(x, axis, keepdims, dim, keepdim) -> tuple:
    """Resolve PyTorch aliases and normalise ``axis`` for a tensor of ``x.ndim`` dimensions."""
    if dim is not None:
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    ndim = np.ndim(x.data if isinstance(x, Tensor) else x)
    axis = normalize_axis(axis, ndim)
    return (None if ndim == 0 else axis), bool(keepdims)  # a 0-d tensor reduces over dim 0/-1 as PyTorch


def expand_reduced(g: Tensor, shape: tuple, axis, keepdims: bool) -> Tensor:
    """Broadcast a reduction's gradient ``g`` back to the input ``shape``."""
    if not keepdims:
        kept = tuple(1 if axis is None or i in axis else n for i, n in enumerate(shape))
        g = _ops.reshape(g, kept)
    return _ops.broadcast_to(g, shape)


def _with_shape(fn):
    """Forward that also returns the input shape (saved for the VJP instead of the input)."""
    return lambda x, axis=None, keepdims=False: (fn(x, axis=axis, keepdims=keepdims), x.shape)


def _extreme_vjp(g, x, out, axis, keepdims):
    # gradient shared evenly among the elements equal to the extreme value
    hit = x.data == (out.data if keepdims or axis is None else np.expand_dims(out.data, axis))
    weight = hit / hit.sum(axis=axis, keepdims=True)
    return expand_reduced(g, x.shape, axis, keepdims) * new_tensor(weight.astype(x.dtype))


def _prod_vjp(g, x, out, axis, keepdims):
    # d(prod)/dx_i = product of the others: out / x_i where x_i != 0; with exactly one zero in the
    # slice, the zero's gradient is the product of the rest; with more zeros every gradient is 0.
    zero = x.data == 0
    safe = _ops.where(zero, 1.0, x)
    out_k = expand_reduced(out, x.shape, axis, keepdims)
    rest = expand_reduced(_ops.prod(safe, axis=axis, keepdims=keepdims), x.shape, axis, keepdims)
    single = np.broadcast_to(zero.sum(axis=axis, keepdims=True) == 1, x.shape)
    others = _ops.where(zero, _ops.where(single, rest, 0.0), out_k / safe)
    return expand_reduced(g, x.shape, axis, keepdims) * others


def _logsumexp_forward(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _norm_forward(x, axis=None, keepdims=False):
    return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))


def _norm_vjp(g, x, out, axis, keepdims):
    # d‖x‖/dx = x/‖x‖, taken as 0 at x = 0 (PyTorch's subgradient)
    out_k = expand_reduced(out, x.shape, axis, keepdims)
    return expand_reduced(g, x.shape, axis, keepdims) * x / _ops.where(out_k.data == 0, 1.0, out_k)


def _torch_reduce(name):
    def ref(T, x, axis=None, keepdims=False):
        dim = tuple(range(x.ndim)) if axis is None else axis
        return getattr(T, name)(x, dim=dim, keepdim=keepdims)

    return ref


SUM = register(Primitive(
    "sum", _with_shape(np.sum), extras=("shape",), saves=("shape",), sample=sample_reduction,
    numpy=(np.sum,), torch=_torch_reduce("sum"),
    vjp=lambda g, shape, axis=None, keepdims=False: expand_reduced(g, shape, axis, keepdims)))
MAX = register(Primitive(
    "max", np.max, api=("max", "amax"), saves=("x", "out"), sample=sample_reduction, domain=(DISTINCT,), numpy=(np.max, np.amax),
    torch=_torch_reduce("amax"), vjp=_extreme_vjp))
MIN = register(Primitive(
    "min", np.min, api=("min", "amin"), saves=("x", "out"), sample=sample_reduction, domain=(DISTINCT,), numpy=(np.min, np.amin),
    torch=_torch_reduce("amin"), vjp=_extreme_vjp))
PROD = register(Primitive(
    "prod", np.prod, saves=("x", "out"), sample=sample_reduction, domain=(NONZERO,), numpy=(np.prod,),
    torch=lambda T, x, axis=None, keepdims=False: _torch_prod(T, x, axis, keepdims), vjp=_prod_vjp))
LOGSUMEXP = register(Primitive(
    "logsumexp", _logsumexp_forward, saves=("x", "out"), sample=sample_reduction,
    torch=_torch_reduce("logsumexp"),
    # d lse/dx = softmax(x) = exp(x - lse)
    vjp=lambda g, x, out, axis=None, keepdims=False:
        expand_reduced(g, x.shape, axis, keepdims) * _ops.exp(x - expand_reduced(out, x.shape, axis, keepdims))))
NORM = register(Primitive(
    "norm", _norm_forward, saves=("x", "out"), sample=sample_reduction, domain=(NONZERO,),
    torch=lambda T, x, axis=None, keepdims=False: T.linalg.vector_norm(x, 2, dim=axis, keepdim=keepdims),
    vjp=_norm_vjp))


def _log_softmax_forward(x, axis):
    shifted = x - np.max(x, axis=axis, keepdims=True) if x.size else x
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _sample_softmax(s, domains):
    shape = s.shape(min_dims=1, max_dims=3, min_side=1)
    return [s.array(shape, domains[0])], {"axis": s.integers(-len(shape), len(shape) - 1)}


# Softmax and log-softmax are primitives for stability (the max shift) and speed (one VJP in
# place of the exp/sum/log chain): what cross-entropy and attention-style code run on.
LOG_SOFTMAX = register(Primitive(
    "log_softmax", _log_softmax_forward, saves=("out",), sample=_sample_softmax,
    torch=lambda T, x, axis: T.log_softmax(x, dim=axis),
    # d log_softmax: g - softmax · Σg
    vjp=lambda g, out, axis: g - _ops.exp(out) * sum(g, axis=axis, keepdims=True)))
SOFTMAX = register(Primitive(
    "softmax", lambda x, axis: np.exp(_log_softmax_forward(x, axis)), saves=("out",), sample=_sample_softmax,
    torch=lambda T, x, axis: T.softmax(x, dim=axis),
    # d softmax: y ⊙ (g - Σ g y)
    vjp=lambda g, out, axis: out * (g - sum(g * out, axis=axis, keepdims=True))))


def _single_axis(x, axis, dim) -> int:
    axis = dim if dim is not None else axis
    return normalize_axis(axis, np.ndim(x.data if isinstance(x, Tensor) else x))[0]


@LOG_SOFTMAX.public
def log_softmax(x, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """``x - logsumexp(x)`` along ``axis``, computed stably."""
    return _apply(LOG_SOFTMAX, x, axis=_single_axis(x, axis, dim))


@SOFTMAX.public
def softmax(x, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """``exp(x) / Σ exp(x)`` along ``axis``, computed stably."""
    return _apply(SOFTMAX, x, axis=_single_axis(x, axis, dim))


def _torch_prod(T, x, axis, keepdims):
    axes = tuple(range(x.ndim)) if axis is None else tuple(a % x.ndim for a in np.atleast_1d(axis))
    for a in sorted(axes, reverse=True):
        x = T.prod(x, dim=a, keepdim=True)
    return x if keepdims else x.reshape([n for i, n in enumerate(x.shape) if i not in set(axes)])


def _reducer(record):
    def reduce(x, axis=None, keepdims=False, *, dim=None, keepdim=None) -> Tensor:
        axis, keepdims = reduction_args(x, axis, keepdims, dim, keepdim)
        return _apply(record, x, axis=axis, keepdims=keepdims)

    reduce.__name__ = record.name
    reduce.__doc__ = f"``{record.name}`` over ``axis`` (int, tuple or None = all), optionally keeping dims."
    return record.public(reduce)


sum, max, min, prod, logsumexp = (_reducer(r) for r in (SUM, MAX, MIN, PROD, LOGSUMEXP))

MEAN = register(Composite("mean", sample=sample_reduction, numpy=(np.mean,), torch=_torch_reduce("mean")))
VAR = register(Composite(
    "var", sample=sample_reduction, numpy=(np.var,),
    torch=lambda T, x, axis=None, keepdims=False: T.var(x, dim=axis, keepdim=keepdims, correction=0)))
def _sample_spread(s, domains):
    # every reduced slice has >= 2 distinct values, keeping std away from its kink at zero variance
    shape = s.shape(min_dims=1, max_dims=3, min_side=2)
    return [s.array(shape, DISTINCT)], {"axis": s.axes(len(shape)), "keepdims": s.boolean()}


STD = register(Composite(
    "std", sample=_sample_spread, numpy=(np.std,),
    torch=lambda T, x, axis=None, keepdims=False: T.std(x, dim=axis, keepdim=keepdims, correction=0)))


def _count(x, axis) -> int:
    shape = x.shape
    return int(np.prod([shape[a] for a in axis])) if axis is not None else x.size


@MEAN.public
def mean(x, axis=None, keepdims=False, *, dim=None, keepdim=None) -> Tensor:
    """Arithmetic mean over ``axis``."""
    axis, keepdims = reduction_args(x, axis, keepdims, dim, keepdim)
    return sum(x, axis=axis, keepdims=keepdims) / _count(x, axis)


@VAR.public
def var(x, axis=None, ddof: int = 0, keepdims=False, *, dim=None, keepdim=None, correction=None) -> Tensor:
    """Variance ``sum((x - mean)²) / (N - ddof)``; ``ddof=0`` by default (numpy's meaning)."""
    axis, keepdims = reduction_args(x, axis, keepdims, dim, keepdim)
    if correction is not None:
        ddof = correction
    centered = x - mean(x, axis=axis, keepdims=True)
    return sum(centered * centered, axis=axis, keepdims=keepdims) / (_count(x, axis) - ddof)


@STD.public
def std(x, axis=None, ddof: int = 0, keepdims=False, *, dim=None, keepdim=None, correction=None) -> Tensor:
    """Standard deviation, ``sqrt(var)``."""
    return _ops.sqrt(var(x, axis, ddof, keepdims, dim=dim, keepdim=keepdim, correction=correction))


@NORM.public
def norm(x, ord=2, axis=None, keepdims=False, *, p=None, dim=None, keepdim=None) -> Tensor:
    """Vector norm over ``axis``: ``ord=2`` (Euclidean/Frobenius, the default), 1 or ``inf``."""
    axis, keepdims = reduction_args(x, axis, keepdims, dim, keepdim)
    ord = p if p is not None else ord
    if ord in (2, "fro"):
        return _apply(NORM, x, axis=axis, keepdims=keepdims)
    if ord == 1:
        return sum(_ops.abs(x), axis=axis, keepdims=keepdims)
    if ord == np.inf:
        return max(_ops.abs(x), axis=axis, keepdims=keepdims)
    raise ValueError(f"norm supports ord 1, 2 and inf, got {ord!r}")


from .. import ops as _ops  # noqa: E402
from ..node import apply as _apply  # noqa: E402
