"""Statistics: ``mean``, ``var``, ``std`` and ``median``, each one record behind two spellings.

PyTorch's spelling on methods and ``autograd_core.NAME`` (``t.var()`` is unbiased:
``correction=1``, with ``unbiased=`` and numpy's ``ddof=`` accepted; ``t.median()`` is the lower
median, ``t.median(dim)`` a ``(values, indices)`` named tuple); numpy's through ``np.var(t)``
(``ddof=0``) and ``np.median(t)`` (the mean of the two middle values). ``std`` has gradient 0
where it is 0, as in PyTorch, instead of ``sqrt``'s infinite slope.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..registry import DISTINCT, Composite, Primitive, normalize_axis, register, sample_reduction
from ..tensor import Tensor
from .reduction import (as_tensor_arg, cast, expand_reduced, indexed_reduction, kept_dims, refuse_numpy_extras,
                        sample_dims, sample_one_dim, shared_evenly, squared_magnitude, torch_dims, with_shape)


def _sample_spread(s, domains):
    # every reduced slice has >= 2 distinct values: std stays away from its kink at zero spread
    # and N - correction > 0 for correction 0 or 1
    shape = s.shape(min_dims=1, max_dims=3, min_side=2)
    axes = s.axes(len(shape))
    params = {"correction": s.integers(0, 1), "keepdim": s.boolean()}
    return [s.array(shape, DISTINCT)], params if axes is None else {**params, "dim": axes}


def _numpy_sample_spread(s, domains):
    shape = s.shape(min_dims=1, max_dims=3, min_side=2)
    return [s.array(shape, DISTINCT)], {"axis": s.axes(len(shape)), "ddof": s.integers(0, 1),
                                        "keepdims": s.boolean()}


def _numpy_sample_median(s, domains):
    shape = s.shape(min_dims=0, max_dims=3, min_side=1)
    return [s.array(shape, DISTINCT)], {"axis": s.axes(len(shape)), "keepdims": s.boolean()}


def _count(shape: tuple, axis) -> int:
    """Number of elements reduced over the (normalised) ``axis`` of an array or tensor of ``shape``."""
    return math.prod(shape[a] for a in axis) if axis is not None else math.prod(shape)


def _var_forward(x: np.ndarray, axis=None, keepdims: bool = False, correction=1) -> np.ndarray:
    """numpy's two-pass variance (the mean, then the mean squared deviation) without ``np.var``'s
    Python layers; real for complex input; inf or nan where ``N - correction <= 0``, as PyTorch."""
    n = _count(x.shape, axis)
    if n > correction:
        return _two_pass_variance(x, axis, keepdims, n, n - correction)
    with np.errstate(divide="ignore", invalid="ignore"):  # (an errstate costs more than the variance itself)
        return _two_pass_variance(x, axis, keepdims, n, 0)


def _two_pass_variance(x: np.ndarray, axis, keepdims: bool, n: int, dof) -> np.ndarray:
    centered = x - np.add.reduce(x, axis, keepdims=True) / n
    return np.add.reduce(squared_magnitude(centered), axis, keepdims=keepdims) / dof


def _var_vjp(g, x, axis, keepdims, correction):
    """PyTorch's var_backward, ``(2 / (N - correction)) · g · (x - mean)``, written with methods that
    arrays and tensors share (so it serves both backward paths)."""
    n = _count(x.shape, axis)
    dof = n - correction
    return (kept_dims(g, x.shape, axis, keepdims) * (2.0 / dof if dof > 0 else math.inf)
            * (x - x.sum(axis=axis, keepdims=True) / n))


def _mean_forward(x: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:
    """The sum over ``axis`` divided by the count (nan for an empty slice, without numpy's warning)."""
    n = _count(x.shape, axis)
    total = np.add.reduce(x, axis, keepdims=keepdims)
    return total / n if n else total * np.nan


def _mean_vjp(g, shape, axis=None, keepdims=False):
    """``g / N`` spread over the reduced slice (arrays or tensors alike; an empty slice gets nothing)."""
    n = _count(shape, axis)
    return expand_reduced(g / n if n else g, shape, axis, keepdims)


MEAN = register(Primitive("mean", with_shape(_mean_forward), extras=("shape",), saves=("shape",), vjp=_mean_vjp,
                          array_vjp=True, sample=sample_dims, numpy=(np.mean,), numpy_sample=sample_reduction))
VAR = register(Primitive("var", _var_forward, saves=("x",), vjp=_var_vjp, array_vjp=True, sample=_sample_spread,
                         numpy=(np.var,), numpy_sample=_numpy_sample_spread))
STD = register(Composite("std", sample=_sample_spread, numpy=(np.std,), numpy_sample=_numpy_sample_spread))
MEDIAN = register(Composite("median", sample=sample_one_dim, domain=(DISTINCT,), numpy=(np.median,),
                            numpy_sample=_numpy_sample_median))


def _floating(name: str, x) -> Tensor:
    x = as_tensor_arg(x)
    if x.dtype.kind not in "fc":
        raise TypeError(f"{name}() needs a floating tensor, got dtype {x.dtype}; pass dtype= or call .float() "
                        "first (as in PyTorch)")
    return x


def _numpy_float(x):
    """numpy's statistics of integer or bool data are float64."""
    x = as_tensor_arg(x)
    return x if x.dtype.kind in "fc" else cast(x, np.float64)


@MEAN.public
def mean(input, dim=None, keepdim: bool = False, *, dtype=None, axis=None, keepdims=None) -> Tensor:
    """Arithmetic mean over ``dim``; integer input needs ``dtype=`` (as in PyTorch)."""
    x = _floating("mean", cast(input, dtype))
    axis, keepdims = torch_dims(x, dim, keepdim, axis, keepdims)
    return _apply(MEAN, x, axis=axis, keepdims=keepdims)


def _correction(correction, ddof, unbiased) -> float:
    """PyTorch's ``correction`` (default 1), or ``ddof`` (numpy's name), or ``unbiased`` (True = 1)."""
    given = [v for v in (correction, ddof) if v is not None]
    if len(given) > 1:
        raise TypeError("var/std: pass only one of correction= and ddof=")
    if given:
        return given[0]
    return 1 if unbiased is None else int(bool(unbiased))


@VAR.public
def var(input, dim=None, unbiased: bool | None = None, keepdim: bool = False, *, correction=None, ddof=None,
        axis=None, keepdims=None) -> Tensor:
    """Variance ``Σ(x - mean)² / (N - correction)``, unbiased (``correction=1``) by default as in PyTorch."""
    if isinstance(dim, bool):  # PyTorch's var(unbiased) overload
        dim, unbiased = None, dim
    x = _floating("var", input)
    axis, keepdims = torch_dims(x, dim, keepdim, axis, keepdims)
    correction = _correction(correction, ddof, unbiased)
    n = _count(x.shape, axis)
    if n - correction <= 0:
        warnings.warn(f"var/std: degrees of freedom <= 0 ({n} elements per slice, correction {correction}); "
                      "the result is inf or nan", RuntimeWarning, stacklevel=2)
    return _apply(VAR, x, axis=axis, keepdims=keepdims, correction=correction)


@STD.public
def std(input, dim=None, unbiased: bool | None = None, keepdim: bool = False, *, correction=None, ddof=None,
        axis=None, keepdims=None) -> Tensor:
    """Standard deviation ``sqrt(var)``, unbiased by default; its gradient is 0 where it is 0 (PyTorch's)."""
    v = var(input, dim, unbiased, keepdim, correction=correction, ddof=ddof, axis=axis, keepdims=keepdims)
    zero = v.data == 0
    if not zero.any():
        return _ops.sqrt(v)
    # sqrt(1) on the zero-spread slices, then masked to 0: no 0 · inf there, in any order
    return _ops.where(zero, 0.0, _ops.sqrt(_ops.where(zero, 1.0, v)))


def _numpy_spread(fn, name):
    def numpy_form(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
                   correction=None):
        refuse_numpy_extras(name, out=out, where=where, mean=mean)
        x = _numpy_float(a) if dtype is None else cast(a, dtype)
        return fn(x, axis=axis, keepdims=keepdims, ddof=ddof if correction is None else correction)

    numpy_form.__name__ = numpy_form.__qualname__ = f"numpy_{name}"
    numpy_form.__doc__ = f"``np.{name}`` on Tensors: ``ddof=0`` by default (numpy's meaning)."
    return numpy_form


numpy_var = VAR.numpy_form(_numpy_spread(var, "var"))
numpy_std = STD.numpy_form(_numpy_spread(std, "std"))


@MEAN.numpy_form
def numpy_mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None) -> Tensor:
    """``np.mean`` on Tensors: integer data averages to float64, as numpy does."""
    refuse_numpy_extras("mean", out=out, where=where)
    return mean(_numpy_float(a) if dtype is None else cast(a, dtype), axis=axis, keepdims=keepdims)


def _lower_median_index(a: np.ndarray, d: int) -> np.ndarray:
    """Index of the lower median along ``d`` (of the first NaN when a slice has one, as PyTorch)."""
    order = np.argsort(a, axis=d, kind="stable")  # NaN sorts last
    index = np.take(order, (a.shape[d] - 1) // 2, axis=d)
    if a.dtype.kind in "fc":
        nan = np.isnan(a)
        index = np.where(nan.any(axis=d), np.argmax(nan, axis=d), index)
    return index


@MEDIAN.public
def median(input, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
    """PyTorch's median: the lower of the two middle values; ``median(x, dim)`` returns ``(values,
    indices)``. Over all elements the gradient is shared among the elements equal to the median."""
    x = as_tensor_arg(input)
    if dim is None and axis is None:
        if x.data.size == 0:
            raise RuntimeError("median(): the input is empty")
        flat = x.data.reshape(-1)
        value = flat[_lower_median_index(flat, 0)]
        return shared_evenly(x, np.isnan(x.data) if np.isnan(value) else x.data == value)
    return indexed_reduction("median", x, dim if dim is not None else axis,
                             keepdim if keepdims is None else keepdims, _lower_median_index)


@MEDIAN.numpy_form
def numpy_median(a, axis=None, out=None, overwrite_input: bool = False, keepdims: bool = False) -> Tensor:
    """``np.median`` on Tensors: the mean of the two middle values (NaN where a slice holds NaN)."""
    refuse_numpy_extras("median", out=out)
    x = _numpy_float(a)
    axes = normalize_axis(axis, x.ndim)
    axes = tuple(range(x.ndim)) if axes is None else axes
    rest = [i for i in range(x.ndim) if i not in axes]
    kept_shape = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
    x = _ops.reshape(_ops.permute(x, rest + list(axes)), tuple(x.shape[i] for i in rest) + (-1,))
    order = np.argsort(x.data, axis=-1, kind="stable")
    n = x.shape[-1]
    halves = [_take_last(x, order[..., k]) for k in sorted({(n - 1) // 2, n // 2})]
    value = halves[0] if len(halves) == 1 else (halves[0] + halves[1]) * 0.5
    nan = np.isnan(x.data).any(axis=-1)
    if nan.any():
        value = _ops.where(nan, np.nan, value)
    return _ops.reshape(value, kept_shape if keepdims else tuple(x.shape[:-1]))


def _take_last(x: Tensor, index: np.ndarray) -> Tensor:
    """``x[..., index]`` picking one element per row of the last dimension."""
    grid = np.ix_(*(np.arange(n) for n in x.shape[:-1]))
    return _ops.getitem(x, tuple(grid) + (index,))


from .. import ops as _ops  # noqa: E402
from ..node import apply as _apply  # noqa: E402
