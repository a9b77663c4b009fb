"""Cumulative and statistical reductions: cumsum, cumprod, logcumsumexp, diff, ptp, average, nansum, nanmean.

``cumsum``/``cumprod`` take PyTorch's ``dim`` (required) as functions and methods, while
``np.cumsum``/``np.cumprod`` keep numpy's signature (``axis=None`` flattens first). The
``cumprod`` VJP is exact at zeros, to every order (PyTorch's values). ``logcumsumexp`` is a
primitive because ``log(cumsum(exp(x)))`` overflows; numpy spells it ``np.logaddexp.accumulate``.
``nansum``/``nanmean`` treat NaNs as absent (no gradient to them); the mean of an all-NaN slice
and its gradient are NaN, as in PyTorch. ``diff``, ``ptp`` and ``average`` are compositions of
slicing and reductions.
"""
from __future__ import annotations

import numpy as np

from ..registry import BOOL, DISTINCT, NONZERO, Composite, Primitive, normalize_axis, register, sample_reduction
from ..tensor import Tensor, new_tensor
from .reduction import expand_reduced, reduction_args


def _reversed(x: Tensor, axis: int) -> Tensor:
    return x[(slice(None),) * axis + (slice(None, None, -1),)]


def _reverse_cumsum(g: Tensor, axis: int) -> Tensor:
    """``out_k = Σ_{j ≥ k} g_j`` along ``axis``: the VJP of a cumulative sum."""
    return _reversed(cumsum(_reversed(g, axis), axis), axis) if g.ndim else g


def _cumprod_vjp(g, x, out, axis):
    # d out_j / d x_k = Π_{i ≤ j, i ≠ k} x_i for j ≥ k. Without zeros that is out_j / x_k, so the
    # gradient is revcumsum(g·out) / x. With zeros it is out_{k-1} · Π_{k < i ≤ j} x_i, built as an
    # n × n cumprod per slice (quadratic, only then), which keeps every order exact.
    if x.ndim == 0:
        return g
    if not (x.data == 0).any():
        return _reverse_cumsum(g * out, axis) / x
    x, g, out = (_ops.swapaxes(t, axis, -1) for t in (x, g, out))
    n = x.shape[-1]
    k, j = np.arange(n)[:, None], np.arange(n)[None, :]
    after = cumprod(_ops.where(j > k, _ops.unsqueeze(x, -2), 1.0), -1)  # [k, j] = Π_{k < i ≤ j} x_i
    before = _ops.concatenate([Tensor(np.ones(x.shape[:-1] + (1,), x.dtype)), out[..., :-1]], axis=-1)
    grad = before * _ops.sum(_ops.where(j >= k, _ops.unsqueeze(g, -2) * after, 0.0), axis=-1)
    return _ops.swapaxes(grad, axis, -1)


def _sample_cumulative(s, domains, numpy=False):
    shape = s.shape(min_dims=0)
    x = s.array(shape, domains[0])
    if domains[0] is NONZERO and s.boolean():  # exact zeros exercise cumprod's zero rule
        x[s.array(shape, BOOL)] = 0.0
    dim = s.integers(-max(len(shape), 1), max(len(shape), 1) - 1)
    return [x], ({"axis": s.choice([None, dim])} if numpy else {"dim": dim})


def _cumulative_forward(fn):
    return lambda x, axis: fn(x, axis=axis) if x.ndim else x.copy()


CUMSUM = register(Primitive(
    "cumsum", _cumulative_forward(np.cumsum), sample=_sample_cumulative, numpy=(np.cumsum,),
    numpy_sample=lambda s, d: _sample_cumulative(s, d, numpy=True),
    vjp=lambda g, axis: _reverse_cumsum(g, axis)))
CUMPROD = register(Primitive(
    "cumprod", _cumulative_forward(np.cumprod), saves=("x", "out"), domain=(NONZERO,), sample=_sample_cumulative,
    numpy=(np.cumprod,), numpy_sample=lambda s, d: _sample_cumulative(s, d, numpy=True), vjp=_cumprod_vjp))


def _cumulative(record):
    def public(x, dim=None, *, dtype=None, axis=None) -> Tensor:
        dim = axis if dim is None else dim
        if dim is None:
            raise TypeError(f"{record.name}() missing required argument 'dim'")
        x = x if isinstance(x, Tensor) else Tensor(x)
        if dtype is not None:
            x = _ops.astype(x, dtype)
        return _apply(record, x, axis=normalize_axis(dim, x.ndim)[0])

    def numpy_form(a, axis=None, dtype=None, out=None) -> Tensor:
        if out is not None:
            raise TypeError(f"np.{record.name}(..., out=...) is not supported on Tensors")
        if axis is None or np.ndim(a) == 0:  # numpy flattens (a 0-d array becomes 1-d)
            a, axis = _ops.reshape(a, (-1,)), (0 if axis is None else axis)
        return public(a, axis, dtype=dtype)

    public.__name__ = public.__qualname__ = record.name
    public.__doc__ = f"Cumulative ``{record.name[3:]}`` along ``dim`` (PyTorch's signature; ``axis`` accepted)."
    numpy_form.__doc__ = f"``np.{record.name}``: flattened when ``axis`` is None."
    record.numpy_form(numpy_form)
    return record.public(public)


cumsum, cumprod = _cumulative(CUMSUM), _cumulative(CUMPROD)


def _logcumsumexp_forward(x, axis):
    if not x.ndim:
        return x.copy()
    with np.errstate(invalid="ignore"):  # a NaN input gives NaN from there on, as PyTorch (numpy warns)
        return np.logaddexp.accumulate(x, axis=axis)  # each step is a stable log(e^a + e^b)


def _reverse_logcumsumexp(t: Tensor, axis: int) -> Tensor:
    """``log Σ_{j ≥ k} exp(t_j)`` along ``axis``."""
    return _reversed(logcumsumexp(_reversed(t, axis), axis), axis) if t.ndim else t


def _logcumsumexp_vjp(g, x, out, axis):
    # out_j = log Σ_{i≤j} e^{x_i}, so d out_j / d x_k = e^{x_k - out_j} for k ≤ j, and the gradient is
    # grad_k = Σ_{j≥k} g_j e^{x_k - out_j}. With g = g⁺ - g⁻ (both ≥ 0) each half is a reverse
    # logcumsumexp: Σ_{j≥k} g⁺_j e^{x_k - out_j} = exp(x_k + log Σ_{j≥k} exp(log g⁺_j - out_j)), stable
    # for any magnitudes (the sign-split form of TensorFlow's and PyTorch's logcumsumexp gradients).
    # log 0 is taken as the dtype's lowest finite number: log g± - out stays finite, so this VJP
    # differentiates again (its own VJP adds two such numbers: the overflow to -inf is exp's 0, so it is
    # not reported). Where out_j = -inf (a prefix of -inf) the gradient is NaN, as logsumexp's.
    lowest = float(np.finfo(x.dtype).min)

    def half(part: Tensor) -> Tensor:
        positive = part.data > 0
        log_part = _ops.where(positive, _ops.log(_ops.where(positive, part, 1.0)), lowest)
        return _ops.exp(x + _reverse_logcumsumexp(log_part - out, axis))

    with np.errstate(over="ignore"):
        return half(g) - half(-g)


def _sample_logcumsumexp(s, domains):
    (x,), params = _sample_cumulative(s, domains)
    # spreads up to 40 (weights down to e^-40); magnitudes where exp overflows are tested in test_cumulative,
    # since at |x| ~ 800 float32 cannot resolve the gradient to the dtype tests' 2e-5 (ulp(800) = 6e-5)
    x *= s.choice([1.0, 10.0])
    return [x], params


LOGCUMSUMEXP = register(Primitive(
    "logcumsumexp", _logcumsumexp_forward, saves=("x", "out"), sample=_sample_logcumsumexp,
    vjp=_logcumsumexp_vjp))


@LOGCUMSUMEXP.public
def logcumsumexp(input, dim: int) -> Tensor:
    """``log(cumsum(exp(input)))`` along ``dim``, computed stably (large inputs and -inf entries)."""
    x = input if isinstance(input, Tensor) else Tensor(input)
    return _apply(LOGCUMSUMEXP, x, axis=normalize_axis(dim, x.ndim)[0])


# ------------------------------------------------------------------------- compositions
def _sample_diff(s, domains, numpy=False):
    shape = s.shape(min_dims=1, min_side=1)
    params = {"n": s.integers(0, 2), "axis" if numpy else "dim": s.integers(-len(shape), len(shape) - 1)}
    if s.boolean():
        params["prepend"] = s.choice([0.5, -1.0])
    return [s.array(shape, domains[0])], params


def _sample_nan(empty_slices: bool, numpy: bool = False):
    """Sampler with NaNs (absent elements); ``empty_slices`` allows a slice with only NaNs."""
    def sample(s, domains):
        (x,), params = sample_reduction(s, domains)
        nan = x > 1.5
        if empty_slices or np.all(np.any(~nan, axis=params["axis"])):
            x[nan] = np.nan
        if not numpy:
            params = {"dim": params["axis"], "keepdim": params["keepdims"]}
        return [x], params

    return sample


def _sample_average(s, domains):
    shape = s.shape(min_dims=1, min_side=1)
    axis = s.choice([None] + list(range(-len(shape), len(shape))))
    params = {"axis": axis, "returned": s.boolean(), "keepdims": s.boolean()}
    if s.boolean():
        wshape = shape if axis is None or s.boolean() else (shape[axis],)
        params["weights"] = s.array(wshape, domains[0]) + 2.5  # positive: the weights' sum is never 0
    return [s.array(shape, domains[0])], params


DIFF = register(Composite("diff", sample=_sample_diff, numpy_sample=lambda s, d: _sample_diff(s, d, numpy=True),
                          numpy=(np.diff,), torch=lambda T, x, prepend=None, **p: T.diff(
                              x, prepend=None if prepend is None else _torch_edge(T, x, prepend, p["dim"]), **p)))
PTP = register(Composite("ptp", method=False, domain=(DISTINCT,), sample=sample_reduction, numpy=(np.ptp,),
                         torch=lambda T, x, axis=None, keepdims=False: _torch_ptp(T, x, axis, keepdims)))
AVERAGE = register(Composite("average", method=False, sample=_sample_average, numpy=(np.average,)))
NANSUM = register(Primitive(
    "nansum", lambda x, axis=None, keepdims=False: np.nansum(x, axis=axis, keepdims=keepdims), saves=("x",),
    sample=_sample_nan(True), numpy_sample=_sample_nan(True, numpy=True), numpy=(np.nansum,),
    # d/dx Σ_{x_i not NaN} x_i = 1 where x is not NaN, else 0: a product with the mask, as PyTorch's, so a
    # non-finite incoming gradient (nanmean's 1/0 at an all-NaN slice) makes the NaN entries' gradient NaN
    vjp=lambda g, x, axis, keepdims: expand_reduced(g, x.shape, axis, keepdims) * new_tensor(
        (~np.isnan(x.data)).astype(x.dtype))))
# (an all-NaN slice makes the mean NaN, which differences cannot check: test_cumulative compares it with PyTorch)
NANMEAN = register(Composite("nanmean", sample=_sample_nan(False), numpy_sample=_sample_nan(False, numpy=True),
                             numpy=(np.nanmean,)))


def _torch_edge(T, x, value, dim):
    shape = list(x.shape)
    shape[dim] = 1
    return T.full(shape, value, dtype=x.dtype)


def _torch_ptp(T, x, axis, keepdims):
    dim = tuple(range(x.ndim)) if axis is None else axis
    return T.amax(x, dim=dim, keepdim=keepdims) - T.amin(x, dim=dim, keepdim=keepdims)


def _edge(value, x: Tensor, axis: int):
    """``prepend``/``append`` of ``diff``: a number becomes a slab of width 1 along ``axis``."""
    if isinstance(value, Tensor) or np.ndim(value):
        return value
    shape = list(x.shape)
    shape[axis] = 1
    return Tensor(np.full(shape, value, dtype=x.dtype))


@DIFF.public
def diff(x, n: int = 1, dim: int = -1, prepend=None, append=None, *, axis: int | None = None) -> Tensor:
    """``n``-th forward difference ``x[1:] - x[:-1]`` along ``dim`` (numpy's ``axis`` accepted), after
    joining ``prepend``/``append`` (numbers or tensors) to the ends."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative, got {n}")
    axis = normalize_axis(dim if axis is None else axis, x.ndim)[0]
    if x.ndim == 0:
        raise ValueError("diff requires a tensor with at least one dimension")
    if n == 0:  # numpy and PyTorch return the input as is, ends not joined
        return x
    parts = [p for p in (prepend, x, append) if p is not None and p is not np._NoValue]
    if len(parts) > 1:
        x = _ops.concatenate([p if p is x else _edge(p, x, axis) for p in parts], axis=axis)
    lead = (slice(None),) * axis
    for _ in range(n):
        x = x[lead + (slice(1, None),)] - x[lead + (slice(None, -1),)]
    return x


@PTP.public
def ptp(x, axis=None, out=None, keepdims: bool = False) -> Tensor:
    """numpy's peak to peak, ``max - min`` over ``axis`` (ties share the gradient evenly)."""
    if out is not None:
        raise TypeError("np.ptp(..., out=...) is not supported on Tensors")
    return _ops.amax(x, axis=axis, keepdims=keepdims) - _ops.amin(x, axis=axis, keepdims=keepdims)


@AVERAGE.public
def average(a, axis=None, weights=None, returned: bool = False, *, keepdims: bool = False):
    """numpy's weighted mean ``Σ a·w / Σ w`` over ``axis``; 1-D ``weights`` run along an int ``axis``.
    With ``returned`` also the sum of the weights (broadcast to the result's shape)."""
    a = a if isinstance(a, Tensor) else Tensor(a)
    axis, _ = reduction_args(a, axis, keepdims, None, None)
    if weights is None:
        avg = _ops.mean(a, axis=axis, keepdims=keepdims)
        total = Tensor(np.full(avg.shape, a.data.size // max(avg.data.size, 1), dtype=avg.dtype))
    else:
        if not isinstance(weights, Tensor):  # array weights follow a's float dtype, like any operand
            weights = np.asarray(weights)
            weights = Tensor(weights.astype(a.dtype) if weights.dtype.kind in "fiu" else weights)
        wshape = weights.shape
        if wshape != a.shape:
            if axis is None or len(axis) != 1 or len(wshape) != 1:
                raise TypeError(f"average: weights of shape {wshape} need an int axis and one dimension "
                                f"when they differ from a's shape {a.shape}")
            if wshape[0] != a.shape[axis[0]]:
                raise ValueError(f"average: {wshape[0]} weights for an axis of length {a.shape[axis[0]]}")
            weights = _ops.reshape(weights, tuple(n if i == axis[0] else 1 for i, n in enumerate(a.shape)))
        total = _ops.sum(_ops.broadcast_to(weights, a.shape), axis=axis, keepdims=keepdims)
        if np.any(total.data == 0):
            raise ZeroDivisionError("average: the weights sum to zero, so the average is undefined")
        avg = _ops.sum(a * weights, axis=axis, keepdims=keepdims) / total
    return (avg, total) if returned else avg


def _nan_args(x, dim, keepdim, dtype, axis, keepdims) -> tuple:
    """``(x, axis, keepdims)``: ``x`` as a tensor cast to ``dtype``, PyTorch's or numpy's names resolved."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    if dtype is not None:
        x = _ops.astype(x, dtype)
    keep = keepdim if keepdims is None else keepdims
    return (x,) + reduction_args(x, axis if dim is None else dim, keep, None, None)


@NANSUM.public
def nansum(x, dim=None, keepdim: bool = False, *, dtype=None, axis=None, keepdims=None) -> Tensor:
    """Sum over ``dim`` with NaNs counted as 0 (they receive no gradient)."""
    x, axis, keepdims = _nan_args(x, dim, keepdim, dtype, axis, keepdims)
    return _apply(NANSUM, x, axis=axis, keepdims=keepdims)


@NANMEAN.public
def nanmean(x, dim=None, keepdim: bool = False, *, dtype=None, axis=None, keepdims=None) -> Tensor:
    """Mean over ``dim`` of the elements that are not NaN: ``nansum / count``, as PyTorch, so an all-NaN
    slice gives NaN and so does its gradient (silently, where numpy warns "Mean of empty slice")."""
    x, axis, keepdims = _nan_args(x, dim, keepdim, dtype, axis, keepdims)
    count = np.sum(~np.isnan(x.data), axis=axis, keepdims=keepdims).astype(x.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _apply(NANSUM, x, axis=axis, keepdims=keepdims) / Tensor(count)  # (axis already normalised)


def _numpy_nan_reduction(public):
    def numpy_form(a, axis=None, dtype=None, out=None, keepdims=False) -> Tensor:
        if out is not None:
            raise TypeError(f"np.{public.__name__}(..., out=...) is not supported on Tensors")
        return public(a, axis, keepdims, dtype=dtype)

    numpy_form.__doc__ = f"``np.{public.__name__}``: numpy's signature over the same computation."
    return numpy_form


NANSUM.numpy_form(_numpy_nan_reduction(nansum))
NANMEAN.numpy_form(_numpy_nan_reduction(nanmean))

from .. import ops as _ops  # noqa: E402
from ..node import apply as _apply  # noqa: E402
