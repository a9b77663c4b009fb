"""Reductions: ``sum``, ``prod``, ``amax``/``amin``, ``max``/``min``, ``logsumexp``, softmax.

Tensor methods and ``autograd_core.NAME`` take PyTorch's ``dim``/``keepdim`` (numpy's
``axis``/``keepdims`` are accepted as aliases); ``np.sum(t, axis=...)`` and friends go through
``numpy_form`` adapters with numpy's exact signatures into the same records. ``amax``/``amin``
are the value-only primitives and split the gradient evenly among ties; ``max``/``min`` are
PyTorch's front ends: ``max()`` is the value, ``max(dim)`` a ``(values, indices)`` named tuple
whose gradient goes to the selected index, ``max(a, b)`` the elementwise maximum (norms live
in ``norms.py``); ``logsumexp``, ``softmax`` and ``log_softmax`` are primitives because their
naive compositions overflow.
"""
from __future__ import annotations

import builtins as _builtins
from collections import namedtuple

import numpy as np

from ..registry import DISTINCT, NONZERO, REAL, Composite, Primitive, normalize_axis, register, sample_reduction
from ..tensor import Tensor, data_of, new_tensor


def reduction_args(x, axis, keepdims, dim, keepdim) -> tuple:
    """Resolve PyTorch aliases and normalise ``axis`` for a tensor of ``x.ndim`` dimensions."""
    if dim is not None:
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if axis is None:  # the common full reduction: nothing to normalise
        return None, bool(keepdims)
    ndim = x.data.ndim if isinstance(x, Tensor) else np.ndim(x)
    axis = normalize_axis(axis, ndim)
    return (None if ndim == 0 else axis), bool(keepdims)  # a 0-d tensor reduces over dim 0/-1 as PyTorch


def torch_dims(x, dim, keepdim, axis=None, keepdims=None) -> tuple:
    """``(axis, keepdims)`` from PyTorch's ``dim``/``keepdim`` or numpy's ``axis``/``keepdims`` aliases."""
    return reduction_args(x, axis, keepdim if keepdims is None else keepdims, dim, None)


def refuse_numpy_extras(name: str, **extras) -> None:
    """numpy keywords the engine cannot honour on Tensors (``out=``, ``where=``): a clear TypeError."""
    for key, value in extras.items():
        if value is not None and value is not True:
            raise TypeError(f"np.{name}(..., {key}=...) is not supported on Tensors; compute the result and "
                            f"{'assign it' if key == 'out' else 'mask it with ag.where'} instead")


def cast(x, dtype):
    """``x`` cast to ``dtype`` first, as PyTorch's ``dtype=`` argument of the reductions does; a Python
    list of tensors is stacked first (tracked), so ``ag.mean([a, b])`` keeps the graph."""
    if isinstance(x, (list, tuple)) and any(isinstance(t, Tensor) for t in x):
        x = _ops.stack(x)
    return x if dtype is None else _ops.astype(x, dtype)


def kept_dims(g, shape: tuple, axis, keepdims: bool):
    """A reduction's result ``g`` (array or Tensor) with its reduced axes put back as size 1, so that it
    broadcasts against the input ``shape``; unchanged when they lead (a full reduction among them), since
    broadcasting prepends those by itself: the common case records no reshape."""
    if not keepdims and axis is not None and axis != tuple(range(len(axis))):
        return g.reshape(tuple(1 if i in axis else n for i, n in enumerate(shape)))
    return g


def expand_reduced(g, shape: tuple, axis, keepdims: bool):
    """Broadcast a reduction's gradient ``g`` back to the input ``shape``: a recorded Tensor for a Tensor
    ``g``, a read-only view for an array (the array VJPs)."""
    g = kept_dims(g, shape, axis, keepdims)
    return _ops.broadcast_to(g, shape) if type(g) is Tensor else np.broadcast_to(g, shape)


def squared_magnitude(a: np.ndarray) -> np.ndarray:
    """``|a|²`` elementwise: real for complex ``a`` (``a · conj(a)``), ``a · a`` otherwise."""
    return (a * a.conj()).real if a.dtype.kind == "c" else a * a


def with_shape(fn):
    """Forward that also returns the input shape (saved for the VJP instead of the input)."""
    return lambda x, axis=None, keepdims=False: (fn(x, axis=axis, keepdims=keepdims), x.shape)


def _extreme_vjp(g, x, out, axis, keepdims):
    # gradient shared evenly among the elements equal to the extreme value; a slice whose extreme
    # is NaN has no such element and gets NaN everywhere (PyTorch's amax/amin)
    hit = x.data == (out.data if keepdims or axis is None else np.expand_dims(out.data, axis))
    count = hit.sum(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(count == 0, np.nan, hit / np.maximum(count, 1))
    return expand_reduced(g, x.shape, axis, keepdims) * new_tensor(weight.astype(x.dtype))


def _prod_vjp(g, x, out, axis, keepdims):
    # d(prod)/dx_i = product of the others: out / x_i where x_i != 0; with exactly one zero in the
    # slice, the zero's gradient is the product of the rest; with more zeros every gradient is 0.
    zero = x.data == 0
    safe = _ops.where(zero, 1.0, x)
    out_k = expand_reduced(out, x.shape, axis, keepdims)
    rest = expand_reduced(_apply(PROD, safe, axis=axis, keepdims=keepdims), x.shape, axis, keepdims)
    single = np.broadcast_to(zero.sum(axis=axis, keepdims=True) == 1, x.shape)
    others = _ops.where(zero, _ops.where(single, rest, 0.0), out_k / safe)
    return expand_reduced(g, x.shape, axis, keepdims) * others


def _logsumexp_forward(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def sample_dims(s, domains, min_side=0):
    """Sampler in PyTorch's spelling: ``dim`` (omitted = all, an int or a tuple) and ``keepdim``."""
    shape = s.shape(min_dims=0, max_dims=3, min_side=min_side)
    axes = s.axes(len(shape))
    return [s.array(shape, domains[0])], ({} if axes is None else {"dim": axes, "keepdim": s.boolean()})


def _sample_nonempty(s, domains):
    return sample_dims(s, domains, min_side=1)


def _torch_all_dims(name):
    """Reference for PyTorch functions whose "all dims" is ``dim=()`` (amax, amin, logsumexp)."""
    return lambda T, x, dim=None, keepdim=False: getattr(T, name)(x, dim=() if dim is None else dim, keepdim=keepdim)


def _torch_reduce(name):
    def ref(T, x, axis=None, keepdims=False):
        dim = tuple(range(x.ndim)) if axis is None else axis
        return getattr(T, name)(x, dim=dim, keepdim=keepdims)

    return ref


def _torch_prod(T, x, dim=None, keepdim=False):
    axes = tuple(range(x.ndim)) if dim is None else tuple(a % _builtins.max(x.ndim, 1) for a in np.atleast_1d(dim))
    for a in sorted(axes, reverse=True):
        x = T.prod(x, dim=a, keepdim=True) if x.ndim else x
    return x if keepdim else x.reshape([n for i, n in enumerate(x.shape) if i not in set(axes)])


SUM = register(Primitive(
    "sum", with_shape(np.add.reduce), extras=("shape",), saves=("shape",), sample=sample_dims,
    numpy=(np.sum,), numpy_sample=sample_reduction, array_vjp=True,
    vjp=lambda g, shape, axis=None, keepdims=False: expand_reduced(g, shape, axis, keepdims)))
AMAX = register(Primitive(
    "amax", np.max, saves=("x", "out"), sample=_sample_nonempty, domain=(DISTINCT,), numpy=(np.max, np.amax),
    numpy_sample=sample_reduction, torch=_torch_all_dims("amax"), vjp=_extreme_vjp))
AMIN = register(Primitive(
    "amin", np.min, saves=("x", "out"), sample=_sample_nonempty, domain=(DISTINCT,), numpy=(np.min, np.amin),
    numpy_sample=sample_reduction, torch=_torch_all_dims("amin"), vjp=_extreme_vjp))
PROD = register(Primitive(
    "prod", np.prod, saves=("x", "out"), sample=sample_dims, domain=(NONZERO,), numpy=(np.prod,),
    numpy_sample=sample_reduction, torch=_torch_prod, vjp=_prod_vjp))
LOGSUMEXP = register(Primitive(
    "logsumexp", _logsumexp_forward, saves=("x", "out"), sample=sample_reduction,
    torch=_torch_reduce("logsumexp"),
    # d lse/dx = softmax(x) = exp(x - lse)
    vjp=lambda g, x, out, axis=None, keepdims=False:
        expand_reduced(g, x.shape, axis, keepdims) * _ops.exp(x - expand_reduced(out, x.shape, axis, keepdims))))

@SUM.public
def sum(input, dim=None, keepdim: bool = False, *, dtype=None, axis=None, keepdims=None) -> Tensor:
    """Sum over ``dim`` (an int, a tuple, or None for all), optionally cast to ``dtype`` first."""
    x = cast(input, dtype)
    axis, keepdims = torch_dims(x, dim, keepdim, axis, keepdims)
    return _apply(SUM, x, axis=axis, keepdims=keepdims)


@PROD.public
def prod(input, dim=None, keepdim: bool = False, *, dtype=None, axis=None, keepdims=None) -> Tensor:
    """Product over ``dim``; the gradient is exact with zeros in the slice."""
    x = cast(input, dtype)
    axis, keepdims = torch_dims(x, dim, keepdim, axis, keepdims)
    return _apply(PROD, x, axis=axis, keepdims=keepdims)


@AMAX.public
def amax(input, dim=(), keepdim: bool = False, *, axis=None, keepdims=None) -> Tensor:
    """Largest value over ``dim`` (``()`` = all); tied elements share the gradient evenly."""
    axis, keepdims = torch_dims(input, None if dim == () else dim, keepdim, axis, keepdims)
    return _apply(AMAX, input, axis=axis, keepdims=keepdims)


@AMIN.public
def amin(input, dim=(), keepdim: bool = False, *, axis=None, keepdims=None) -> Tensor:
    """Smallest value over ``dim`` (``()`` = all); tied elements share the gradient evenly."""
    axis, keepdims = torch_dims(input, None if dim == () else dim, keepdim, axis, keepdims)
    return _apply(AMIN, input, axis=axis, keepdims=keepdims)


@LOGSUMEXP.public
def logsumexp(input, dim=None, keepdim: bool = False, *, axis=None, keepdims=None) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim``, computed stably."""
    axis, keepdims = torch_dims(input, dim, keepdim, axis, keepdims)
    return _apply(LOGSUMEXP, input, axis=axis, keepdims=keepdims)


@SUM.numpy_form
def numpy_sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None) -> Tensor:
    """``np.sum`` on Tensors (``out=``/``where=`` refused)."""
    refuse_numpy_extras("sum", out=out, where=where)
    result = sum(a, axis=axis, keepdims=keepdims, dtype=dtype)
    return result if initial is None else result + initial


@PROD.numpy_form
def numpy_prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None) -> Tensor:
    """``np.prod`` on Tensors (``out=``/``where=`` refused)."""
    refuse_numpy_extras("prod", out=out, where=where)
    result = prod(a, axis=axis, keepdims=keepdims, dtype=dtype)
    return result if initial is None else result * initial


@AMAX.numpy_form
def numpy_max(a, axis=None, out=None, keepdims=False, initial=None, where=None) -> Tensor:
    """``np.max``/``np.amax`` on Tensors (``out=``/``where=`` refused)."""
    refuse_numpy_extras("max", out=out, where=where)
    result = amax(a, axis=axis, keepdims=keepdims)
    return result if initial is None else _ops.maximum(result, initial)


@AMIN.numpy_form
def numpy_min(a, axis=None, out=None, keepdims=False, initial=None, where=None) -> Tensor:
    """``np.min``/``np.amin`` on Tensors (``out=``/``where=`` refused)."""
    refuse_numpy_extras("min", out=out, where=where)
    result = amin(a, axis=axis, keepdims=keepdims)
    return result if initial is None else _ops.minimum(result, initial)


# ------------------------------------------------------------------------- PyTorch's max/min/median
def result_type(name: str):
    """A ``(values, indices)`` named tuple type, like ``torch.return_types.NAME``."""
    cls = namedtuple(name, ("values", "indices"))
    cls.__module__ = "autograd_core.return_types"
    return cls


_RESULTS = {name: result_type(name) for name in ("max", "min", "median")}


def as_tensor_arg(x) -> Tensor:
    """A Tensor for ``x`` (Python data and ndarrays are wrapped, untracked)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def shared_evenly(x: Tensor, mask: np.ndarray) -> Tensor:
    """The value shared by ``x[mask]`` (all equal, or all NaN) with the gradient split evenly among them,
    PyTorch's rule for ``max()``, ``min()`` and ``median()`` over all elements."""
    picked = _ops.getitem(x, mask)
    if np.isnan(picked.data).any():
        return sum(picked) / picked.data.size  # NaN, with the gradient shared among the NaN elements
    return amax(picked)


def select_along(x: Tensor, index: np.ndarray, dim: int, keepdim: bool) -> Tensor:
    """``x`` picked at ``index`` (an integer array of ``x``'s shape with size 1 along ``dim``); the
    gradient goes to the picked elements only (PyTorch's ``max(dim)``/``median(dim)``)."""
    grid = list(np.ix_(*(np.arange(n) for n in x.shape)))
    grid[dim] = index
    values = _ops.getitem(x, tuple(grid))
    return values if keepdim else _ops.reshape(values, tuple(n for i, n in enumerate(index.shape) if i != dim))


def indexed_reduction(name: str, x, dim, keepdim: bool, pick) -> tuple:
    """``(values, indices)`` of ``pick(data, axis) -> index`` along one ``dim``, as a named tuple."""
    x = as_tensor_arg(x)
    if x.ndim == 0:
        normalize_axis(dim, 0)
        values, indices = indexed_reduction(name, _ops.reshape(x, (1,)), 0, False, pick)
        return _RESULTS[name](values, indices)
    (d,) = normalize_axis(dim, x.ndim)
    if x.shape[d] == 0:
        raise IndexError(f"{name}(): dim {dim} of the input shape {x.shape} has size 0")
    index = np.expand_dims(pick(x.data, d), d)
    indices = Tensor(index if keepdim else np.squeeze(index, d))
    return _RESULTS[name](select_along(x, index, d, keepdim), indices)


def _first_nan_or(arg):
    """``arg(a, axis)``, except that a slice holding NaN picks its first NaN (PyTorch propagates NaN)."""
    def pick(a, d):
        if a.dtype.kind not in "fc":
            return arg(a, axis=d)
        nan = np.isnan(a)
        return np.where(nan.any(axis=d), np.argmax(nan, axis=d), arg(a, axis=d))

    return pick


def sample_one_dim(s, domains):
    """Sampler for PyTorch's single-``dim`` reductions: nothing (all elements) or ``dim`` and ``keepdim``."""
    shape = s.shape(min_dims=0, max_dims=3, min_side=1)
    if s.boolean():
        return [s.array(shape, domains[0])], {}
    n = _builtins.max(len(shape), 1)
    return [s.array(shape, domains[0])], {"dim": s.integers(-n, n - 1), "keepdim": s.boolean()}


def _extreme_front(name, record, arg, elementwise):
    def front(input, dim=None, keepdim: bool = False, *, other=None, axis=None, keepdims=None):
        if other is not None or isinstance(dim, (Tensor, np.ndarray)):
            return elementwise(input, dim if other is None else other)
        if dim is None and axis is None:
            x = as_tensor_arg(input)
            if x.data.size == 0:
                raise RuntimeError(f"{name}(): the input is empty; pass dim= or use amax/amin with a default")
            nan = np.isnan(x.data) if x.dtype.kind in "fc" else np.zeros(x.shape, bool)
            return shared_evenly(x, nan) if nan.any() else _apply(record, x, axis=None, keepdims=False)
        return indexed_reduction(name, input, dim if dim is not None else axis,
                                 keepdim if keepdims is None else keepdims, _first_nan_or(arg))

    front.__name__ = front.__qualname__ = name
    front.__doc__ = (f"PyTorch's ``{name}``: ``{name}(x)`` the value, ``{name}(x, dim, keepdim)`` a ``(values, "
                     f"indices)`` named tuple (gradient to the selected index), ``{name}(x, other)`` elementwise.")
    return front


MAX = register(Composite("max", sample=sample_one_dim, domain=(DISTINCT,)))
MIN = register(Composite("min", sample=sample_one_dim, domain=(DISTINCT,)))
max = MAX.public(_extreme_front("max", AMAX, np.argmax, lambda a, b: _ops.maximum(a, b)))
min = MIN.public(_extreme_front("min", AMIN, np.argmin, lambda a, b: _ops.minimum(a, b)))


# ------------------------------------------------------------------------- softmax
def _row_max(x, axis):
    """``np.maximum.reduce(x, axis, keepdims=True)``; a short last axis of many rows (a batch of class logits)
    is reduced as the leading axis of a transposed copy: numpy's inner loop over a handful of elements per
    row is ~10x slower (1024 x 10 float32: 62 -> 6 µs). The maximum is exact, so the order changes nothing."""
    n = x.shape[-1] if x.ndim >= 2 and axis == x.ndim - 1 else 0
    if 2 <= n <= 32 and x.size >= 32 * n:  # (reshape and .T: np.moveaxis and np.expand_dims cost µs themselves)
        return np.maximum.reduce(x.reshape(-1, n).T.copy(), axis=0).reshape(x.shape[:-1] + (1,))
    return np.maximum.reduce(x, axis=axis, keepdims=True)


def log_softmax_forward(x, axis):
    """``x - max - log Σ exp(x - max)`` along ``axis`` in numpy (shared with the fused cross-entropy)."""
    # the ufuncs' own reduce (np.sum and np.max are wrappers around it, a few µs per call on small batches)
    shifted = x - _row_max(x, axis) if x.size else x
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


def _log_softmax_backward_forward(g, y, axis):
    """``g - exp(y) · Σg`` along ``axis`` (``y`` the log-probabilities), in two temporaries."""
    out = np.exp(y)
    out *= np.add.reduce(g, axis=axis, keepdims=True)
    return np.subtract(g, out, out=out)


def _sample_softmax(s, domains):
    shape = s.shape(min_dims=1, max_dims=3, min_side=1)
    return [s.array(shape, domains[0])], {"axis": s.integers(-len(shape), len(shape) - 1)}


def _sample_softmax_backward(s, domains):
    shape = s.shape(min_dims=1, max_dims=3, min_side=1)
    return [s.array(shape, d) for d in domains], {"axis": s.integers(-len(shape), len(shape) - 1)}


# Softmax and log-softmax are primitives for stability (the max shift) and speed (one VJP in
# place of the exp/sum/log chain): what cross-entropy and attention-style code run on. The VJP
# of log-softmax is a primitive too, one numpy expression in place of four engine calls in
# every backward pass (speed); its own VJPs, in engine operations, keep higher orders exact.
LOG_SOFTMAX_BACKWARD = register(Primitive(
    "log_softmax_backward", _log_softmax_backward_forward, api=(), inputs=("g", "y"), saves=("g", "y"),
    sample=_sample_softmax_backward, domain=(REAL, REAL),
    torch=lambda T, g, y, axis: T.ops.aten._log_softmax_backward_data(g, y, axis, g.dtype),
    vjp=(lambda h, g, y, axis: h - sum(h * _ops.exp(y), axis=axis, keepdims=True),    # adjoint of g ↦ g - p Σg
         lambda h, g, y, axis: -h * _ops.exp(y) * sum(g, axis=axis, keepdims=True))))  # d/dy: -h p Σg
LOG_SOFTMAX = register(Primitive(
    "log_softmax", log_softmax_forward, saves=("out",), sample=_sample_softmax,
    torch=lambda T, x, axis: T.log_softmax(x, dim=axis),
    vjp=lambda g, out, axis: _apply(LOG_SOFTMAX_BACKWARD, g, out, axis=axis)))  # g - softmax · Σg
SOFTMAX = register(Primitive(
    "softmax", lambda x, axis: np.exp(log_softmax_forward(x, axis)), saves=("out",), sample=_sample_softmax,
    torch=lambda T, x, axis: T.softmax(x, dim=axis),
    # d softmax: y ⊙ (g - Σ g y)
    vjp=lambda g, out, axis: out * (g - sum(g * out, axis=axis, keepdims=True))))


def _single_axis(x, axis, dim) -> int:
    axis = dim if dim is not None else axis
    return normalize_axis(axis, np.ndim(data_of(x)))[0]


@LOG_SOFTMAX.public
def log_softmax(x, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """``x - logsumexp(x)`` along ``axis``, computed stably."""
    return _apply(LOG_SOFTMAX, x, axis=_single_axis(x, axis, dim))


@SOFTMAX.public
def softmax(x, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """``exp(x) / Σ exp(x)`` along ``axis``, computed stably."""
    return _apply(SOFTMAX, x, axis=_single_axis(x, axis, dim))


from .. import ops as _ops  # noqa: E402
from ..node import apply as _apply  # noqa: E402
