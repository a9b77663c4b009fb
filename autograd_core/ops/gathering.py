"""Gathers and scatters by index: gather, take_along_dim, index_select, take, select, masked ops, index_put.

All are compositions of the ``getitem``/``index_add`` pair (a gather's gradient is a scatter-add
into zeros, so repeated indices accumulate) and of ``where``. ``index_put`` is the out-of-place
form of ``t[idx] = v``; ``Tensor.__setitem__`` records it when the assignment must be tracked.
Masks must be boolean: a float mask raises ``TypeError`` instead of being read as numbers.
"""
from __future__ import annotations

import numpy as np

from ..registry import BOOL, REAL, Composite, register
from ..tensor import Tensor, data_of
from .indexing import INDEX_ADD, getitem, normalize_index
from .shape import as_tensor_arg, broadcast_to, reshape, wrap_dim


def _int_index(index, what: str) -> np.ndarray:
    index = np.asarray(data_of(index))
    if index.dtype.kind not in "iu":
        raise TypeError(f"{what}: index must be an integer tensor, got dtype {index.dtype}")
    return index


def _bool_mask(mask, what: str) -> np.ndarray:
    mask = np.asarray(data_of(mask))
    if mask.dtype != np.bool_:
        raise TypeError(f"{what}: the mask must be a bool tensor, got dtype {mask.dtype}")
    return mask


def _grid(index: np.ndarray, dim: int) -> tuple:
    """The advanced index that reads ``x[..., index[i, j, k], ...]`` (``index`` along ``dim``) at every position."""
    grid = list(np.ix_(*(np.arange(n) for n in index.shape)))
    grid[dim] = index
    return tuple(grid)


def _sample_gather(s, domains):
    shape = s.shape(min_dims=1, min_side=1)
    dim = s.integers(-len(shape), len(shape) - 1)
    ishape = tuple(s.integers(0, n) if i != dim % len(shape) else s.integers(0, 4) for i, n in enumerate(shape))
    index = np.array([s.integers(0, shape[dim] - 1) for _ in range(int(np.prod(ishape)))], dtype=np.int64)
    index = index.reshape(ishape)
    return [s.array(shape, domains[0]), dim, index], {}


def _sample_along(s, domains):
    """An input, a dim and indices broadcastable with the input outside that dim (size n or 1)."""
    shape = s.shape(min_dims=1, min_side=1)
    dim = s.integers(0, len(shape) - 1)
    ishape = tuple(s.integers(0, 3) if i == dim else s.choice([1, n]) for i, n in enumerate(shape))
    index = np.array([s.integers(0, shape[dim] - 1) for _ in range(int(np.prod(ishape)))], dtype=np.int64)
    return s.array(shape, domains[0]), index.reshape(ishape), dim - len(shape) * s.integers(0, 1)


def _sample_take_along(s, domains):
    x, index, dim = _sample_along(s, domains)
    return [x, index], {"dim": dim if index.ndim > 1 or s.boolean() else None}


def _np_sample_take_along(s, domains):
    x, index, dim = _sample_along(s, domains)
    return [x, index], {"axis": dim}


def _sample_index_select(s, domains):
    shape = s.shape(min_dims=1, min_side=1)
    dim = s.integers(-len(shape), len(shape) - 1)
    return [s.array(shape, domains[0]), dim,
            np.array([s.integers(-shape[dim], shape[dim] - 1) % shape[dim] for _ in range(s.integers(0, 4))],
                     dtype=np.int64)], {}


def _sample_take(s, domains):
    shape = s.shape(min_dims=1, min_side=1)
    n = int(np.prod(shape))
    index = np.array([s.integers(-n, n - 1) for _ in range(s.integers(0, 4))], dtype=np.int64)
    return [s.array(shape, domains[0]), index], {}


def _np_sample_take(s, domains):
    shape = s.shape(min_dims=1, min_side=1)
    axis = s.choice([None, s.integers(0, len(shape) - 1)])
    n = int(np.prod(shape)) if axis is None else shape[axis]
    index = np.array([s.integers(-n, n - 1) for _ in range(s.integers(0, 4))], dtype=np.int64)
    return [s.array(shape, domains[0]), index], {"axis": axis}


def _sample_select(s, domains):
    shape = s.shape(min_dims=1, min_side=1)
    dim = s.integers(-len(shape), len(shape) - 1)
    return [s.array(shape, domains[0]), dim, s.integers(-shape[dim], shape[dim] - 1)], {}


def _sample_scatter_add(s, domains):
    (x, dim, index), _ = _sample_gather(s, domains)
    src = s.array(index.shape, domains[0])  # (a larger src works here, but torch's backward rejects it)
    return [x, dim, index, src], {}


def _sample_masked_fill(s, domains):
    shape = s.shape()
    mask = np.array([s.boolean() for _ in range(int(np.prod(shape)))], dtype=bool).reshape(shape)
    return [s.array(shape, domains[0]), mask, s.choice([0.0, -1.5])], {}


def _sample_masked_select(s, domains):
    shape = s.shape()
    mask = np.array([s.boolean() for _ in range(int(np.prod(shape[1:])))], dtype=bool).reshape(shape[1:])
    return [s.array(shape, domains[0]), mask], {}


def _sample_index_put(s, domains):
    shape = s.shape(min_dims=1, min_side=1)
    k = s.integers(0, shape[0])
    rows = np.array(s.permutation(shape[0])[:k], dtype=np.int64)  # distinct: without accumulate, repeats are ambiguous
    accumulate = s.boolean()
    if accumulate and k:
        rows = np.concatenate([rows, rows[:1]])
    return [s.array(shape, domains[0]), (rows,), s.array((len(rows),) + shape[1:], domains[0])], \
        {"accumulate": accumulate}


def _sample_choices(s, domains):
    shape = s.shape()
    conds = [np.array([s.boolean() for _ in range(int(np.prod(shape)))], dtype=bool).reshape(shape) for _ in range(2)]
    return [conds, [s.array(shape, domains[0]) for _ in range(2)]], {"default": s.choice([0.0, 1.5])}


GATHER = register(Composite("gather", sample=_sample_gather,
                            torch=lambda T, x, dim, index: T.gather(x, dim, T.tensor(index))))
TAKE_ALONG_DIM = register(Composite("take_along_dim", sample=_sample_take_along, numpy_sample=_np_sample_take_along,
                                    numpy=(np.take_along_axis,),
                                    torch=lambda T, x, index, dim: T.take_along_dim(x, T.tensor(index), dim)))
INDEX_SELECT = register(Composite("index_select", sample=_sample_index_select,
                                  torch=lambda T, x, dim, index: T.index_select(x, dim, T.tensor(index))))
TAKE = register(Composite("take", sample=_sample_take, numpy_sample=_np_sample_take, numpy=(np.take,),
                          torch=lambda T, x, index: T.take(x, T.tensor(index))))
SELECT = register(Composite("select", sample=_sample_select))
SCATTER_ADD = register(Composite("scatter_add", sample=_sample_scatter_add,
                                 torch=lambda T, x, dim, index, src: T.scatter_add(x, dim, T.tensor(index), src)))
MASKED_FILL = register(Composite("masked_fill", sample=_sample_masked_fill, domain=(REAL, BOOL),
                                 torch=lambda T, x, mask, value: x.masked_fill(T.tensor(mask), value)))
MASKED_SELECT = register(Composite("masked_select", sample=_sample_masked_select,
                                   torch=lambda T, x, mask: T.masked_select(x, T.tensor(mask))))
INDEX_PUT = register(Composite("index_put", sample=_sample_index_put,
                               torch=lambda T, x, indices, values, accumulate: T.index_put(
                                   x, tuple(T.tensor(i) for i in indices), values, accumulate)))
CHOICES = register(Composite("select_choices", api=(), sample=_sample_choices, numpy=(np.select,)))


@GATHER.public
def gather(input, dim: int, index, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j][k] = input[index[i][j][k]][j][k]`` for ``dim`` 0 (and so on): values picked along ``dim``."""
    x = as_tensor_arg(input)
    d = wrap_dim(dim, x.ndim)
    index = _int_index(index, "gather")
    if index.ndim != x.ndim or any(i != d and m > n for i, (m, n) in enumerate(zip(index.shape, x.shape))):
        raise ValueError(f"gather: index of shape {index.shape} does not fit input of shape {x.shape} at dim {dim}")
    return getitem(x, _grid(index, d)) if x.ndim else getitem(x, ())


@TAKE_ALONG_DIM.public
def take_along_dim(input, indices, dim=None) -> Tensor:
    """Values at ``indices`` along ``dim`` (index and input broadcast in the other dims); flattened when None."""
    x = as_tensor_arg(input)
    index = _int_index(indices, "take_along_dim")
    if dim is None:
        return getitem(reshape(x, -1), reshape(Tensor(index), -1).data)
    d = wrap_dim(dim, x.ndim)
    if index.ndim != x.ndim:
        raise ValueError(f"take_along_dim: indices of shape {index.shape} and input {x.shape} differ in dimensions")
    shape = np.broadcast_shapes(*(tuple(np.delete(a, d)) for a in (x.shape, index.shape)))
    xs, ishape = list(shape), list(shape)
    xs.insert(d, x.shape[d])
    ishape.insert(d, index.shape[d])
    x = broadcast_to(x, tuple(xs)) if tuple(xs) != x.shape else x
    return getitem(x, _grid(np.broadcast_to(index, tuple(ishape)), d))


@TAKE_ALONG_DIM.numpy_form
def _np_take_along_axis(arr, indices, axis=-1) -> Tensor:
    return take_along_dim(arr, indices, axis)


@INDEX_SELECT.public
def index_select(input, dim: int, index) -> Tensor:
    """The slices at the 1-d ``index`` along ``dim``."""
    x = as_tensor_arg(input)
    index = _int_index(index, "index_select")
    if index.ndim > 1:
        raise ValueError(f"index_select: index must be 1-d, got shape {index.shape}")
    return getitem(x, (slice(None),) * wrap_dim(dim, x.ndim) + (index.reshape(-1),))


@TAKE.public
def take(input, index) -> Tensor:
    """Elements of the flattened input at ``index`` (PyTorch's ``take``); the result has ``index``'s shape."""
    return getitem(reshape(input, -1), _int_index(index, "take"))


@TAKE.numpy_form
def _np_take(a, indices, axis=None, out=None, mode="raise") -> Tensor:
    if out is not None or mode != "raise":
        raise TypeError("np.take on Tensors supports neither out= nor mode= other than 'raise'")
    a = as_tensor_arg(a)
    if axis is None:
        return take(a, indices)
    return getitem(a, (slice(None),) * wrap_dim(axis, a.ndim) + (_int_index(indices, "np.take"),))


@SELECT.public
def select(input, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, without that dimension (PyTorch's ``select``)."""
    x = as_tensor_arg(input)
    d = wrap_dim(dim, x.ndim)
    if not -x.shape[d] <= index < x.shape[d]:
        raise IndexError(f"select: index {index} is out of range for dim {dim} of size {x.shape[d]}")
    return getitem(x, (slice(None),) * d + (index,))


@SCATTER_ADD.public
def scatter_add(input, dim: int, index, src) -> Tensor:
    """``input`` plus ``src`` added at ``index`` along ``dim`` (repeated indices accumulate)."""
    x, src = as_tensor_arg(input), as_tensor_arg(src)
    d = wrap_dim(dim, x.ndim)
    index = _int_index(index, "scatter_add")
    if index.ndim != x.ndim or any(m > n for m, n in zip(index.shape, src.shape)):
        raise ValueError(f"scatter_add: index of shape {index.shape} does not fit src {src.shape} / input {x.shape}")
    part = getitem(src, tuple(slice(0, n) for n in index.shape))
    return x + _apply(INDEX_ADD, part, index=_grid(index, d), shape=x.shape)


@MASKED_FILL.public
def masked_fill(input, mask, value) -> Tensor:
    """``input`` with ``value`` where the bool ``mask`` (broadcast) is True; a tensor value gets its gradient."""
    x = as_tensor_arg(input)
    mask = _bool_mask(mask, "masked_fill")
    return _ops.where(mask, value if isinstance(value, Tensor) else Tensor(np.asarray(value, dtype=x.dtype)), x)


@MASKED_SELECT.public
def masked_select(input, mask) -> Tensor:
    """The elements where the bool ``mask`` (broadcast with ``input``) is True, as a 1-d tensor."""
    x = as_tensor_arg(input)
    mask = _bool_mask(mask, "masked_select")
    shape = np.broadcast_shapes(x.shape, mask.shape)
    return getitem(broadcast_to(x, shape) if shape != x.shape else x, np.broadcast_to(mask, shape))


@INDEX_PUT.public
def index_put(input, indices, values, accumulate: bool = False) -> Tensor:
    """Out-of-place ``input[indices] = values`` (``+=`` with ``accumulate``); both inputs get gradients.

    ``indices`` is a tuple of index tensors (any numpy index is accepted). Without ``accumulate``,
    repeated positions are ambiguous (as in PyTorch)."""
    x = as_tensor_arg(input)
    index = normalize_index(tuple(indices) if isinstance(indices, list) else indices)
    target = np.zeros(x.shape, dtype=bool)[index].shape
    values = values if isinstance(values, Tensor) else Tensor(np.asarray(values, dtype=x.dtype))
    if values.dtype != x.dtype:
        values = _ops.astype(values, x.dtype)
    scattered = _apply(INDEX_ADD, broadcast_to(values, target) if values.shape != target else values,
                       index=index, shape=x.shape)
    if accumulate:
        return x + scattered
    hit = np.zeros(x.shape, dtype=bool)
    hit[index] = True
    return _ops.where(hit, scattered, x)


@CHOICES.public
def _np_select(condlist, choicelist, default=0) -> Tensor:
    """numpy's select: per element, the first choice whose condition holds, else ``default``."""
    if len(condlist) != len(choicelist):
        raise ValueError("np.select: condlist and choicelist must have the same length")
    out = default if isinstance(default, Tensor) else None
    choices = [as_tensor_arg(c) for c in choicelist]
    if out is None:
        dtype = np.result_type(*(c.dtype for c in choices)) if choices else np.float64
        out = Tensor(np.asarray(default, dtype=dtype))
    for cond, choice in zip(condlist[::-1], choices[::-1]):
        out = _ops.where(_bool_mask(cond, "np.select"), choice, out)
    return out


from .. import ops as _ops  # noqa: E402
from ..node import apply as _apply  # noqa: E402
