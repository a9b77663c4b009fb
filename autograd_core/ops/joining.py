"""Joining and splitting: cat/stack and their numpy relatives, split/chunk/unbind, broadcasting together.

``concatenate`` is the one primitive (its VJP slices the gradient back into the pieces); all
the rest are compositions of it, of reshapes and of basic slicing, whose gradients follow.
PyTorch's ``split(split_size_or_sections, dim)`` makes chunks of a size (or of listed
sizes); ``np.split(t, indices_or_sections, axis)`` cuts into equal sections or at indices,
as numpy does. ``tensor_split`` is numpy's ``array_split``.
"""
from __future__ import annotations

import numpy as np

from ..registry import Composite, Primitive, register
from ..tensor import Tensor
from .shape import as_tensor_arg, atleast_1d, atleast_2d, atleast_3d, broadcast_to, reshape, unsqueeze, wrap_dim


def _sample_join(s, domains):
    shape = s.shape(min_dims=1, max_dims=3)
    axis = s.integers(0, len(shape) - 1)
    arrays = []
    for _ in range(s.integers(1, 3)):
        part = list(shape)
        part[axis] = s.integers(0, 3)
        arrays.append(s.array(tuple(part), domains[0]))
    return [arrays], {"dim": axis}


def _sample_stack(s, domains):
    shape = s.shape(max_dims=3)
    return [[s.array(shape, domains[0]) for _ in range(s.integers(1, 3))]], {"dim": s.integers(0, len(shape))}


def _axis_keyword(sample):
    """The same draw in numpy's spelling: ``axis=`` for PyTorch's ``dim=``."""
    def numpy_sample(s, domains):
        args, params = sample(s, domains)
        return args, {"axis": params["dim"]}

    return numpy_sample


def _np_sample_split(s, domains):
    shape = s.shape(min_dims=1)
    axis = s.integers(-len(shape), len(shape) - 1)
    n = shape[axis]
    sections = s.choice([d for d in (1, 2, 3) if n % d == 0] + [sorted(s.integers(0, n) for _ in range(2))])
    return [s.array(shape, domains[0]), sections], {"axis": axis}


def _sample_stack_family(min_dims):
    def sample(s, domains):
        shape = s.shape(min_dims=min_dims, max_dims=3, min_side=1)
        return [[s.array(shape, domains[0]) for _ in range(s.integers(1, 3))]], {}

    return sample


def _sample_append(s, domains):
    shape = s.shape(min_dims=1, max_dims=3)
    axis = s.choice([None, s.integers(0, len(shape) - 1)])
    return [s.array(shape, domains[0]), s.array(shape, domains[0])], {"axis": axis}


def _sample_split(s, domains):
    shape = s.shape(min_dims=1)
    dim = s.integers(-len(shape), len(shape) - 1)
    n = shape[dim]
    if s.boolean():
        return [s.array(shape, domains[0]), s.integers(1, max(n, 1) + 1)], {"dim": dim}
    first = s.integers(0, n)
    return [s.array(shape, domains[0]), [first, n - first]], {"dim": dim}


def _sample_tensor_split(s, domains):
    shape = s.shape(min_dims=1)
    dim = s.integers(0, len(shape) - 1)
    sections = s.choice([s.integers(1, 4), sorted(s.integers(0, shape[dim]) for _ in range(s.integers(0, 2)))])
    return [s.array(shape, domains[0]), sections, dim], {}


def _sample_hsplit(min_dims, axis):
    def sample(s, domains):
        shape = s.shape(min_dims=min_dims, min_side=1)
        n = shape[axis if len(shape) > 1 or axis != 1 else 0]
        sections = s.choice([d for d in (1, 2, 3) if n % d == 0] + [[s.integers(0, n)]])
        return [s.array(shape, domains[0]), sections], {}

    return sample


def _sample_chunk(s, domains):
    shape = s.shape(min_dims=1)
    return [s.array(shape, domains[0]), s.integers(1, 4), s.integers(-len(shape), len(shape) - 1)], {}


def _sample_broadcast(s, domains):
    return [[s.array(shape, domains[0]) for shape in s.broadcastable_shapes(s.integers(1, 3))]], {}


def _concatenate_forward(*arrays, axis):
    return np.concatenate(arrays, axis=axis), np.cumsum([0] + [a.shape[axis] for a in arrays])


def _concatenate_vjp(g, offsets, axis, index):
    piece = [slice(None)] * g.ndim
    piece[axis] = slice(int(offsets[index]), int(offsets[index + 1]))
    return g[tuple(piece)]


CONCATENATE = register(Primitive(
    "concatenate", _concatenate_forward, api=("cat", "concatenate", "concat"), method=False, variadic=True,
    extras=("offsets",), saves=("offsets",), sample=_sample_join, numpy_sample=_axis_keyword(_sample_join),
    numpy=(np.concatenate,),
    torch=lambda T, xs, dim: T.cat(xs, dim=dim), vjp=_concatenate_vjp))
STACK = register(Composite("stack", method=False, sample=_sample_stack, numpy_sample=_axis_keyword(_sample_stack),
                           numpy=(np.stack,)))
HSTACK = register(Composite("hstack", method=False, sample=_sample_stack_family(0), numpy=(np.hstack,)))
VSTACK = register(Composite("vstack", api=("vstack", "row_stack"), method=False, sample=_sample_stack_family(0),
                            numpy=(np.vstack,)))
DSTACK = register(Composite("dstack", method=False, sample=_sample_stack_family(0), numpy=(np.dstack,)))
COLUMN_STACK = register(Composite("column_stack", method=False, sample=_sample_stack_family(1),
                                  numpy=(np.column_stack,)))
APPEND = register(Composite("append", method=False, sample=_sample_append, numpy=(np.append,)))
SPLIT = register(Composite("split", sample=_sample_split, numpy_sample=_np_sample_split, numpy=(np.split,)))
TENSOR_SPLIT = register(Composite("tensor_split", sample=_sample_tensor_split, numpy=(np.array_split,)))
HSPLIT = register(Composite("hsplit", sample=_sample_hsplit(1, 1), numpy=(np.hsplit,)))
VSPLIT = register(Composite("vsplit", sample=_sample_hsplit(2, 0), numpy=(np.vsplit,)))
DSPLIT = register(Composite("dsplit", sample=_sample_hsplit(3, 2), numpy=(np.dsplit,)))
CHUNK = register(Composite("chunk", sample=_sample_chunk))
UNBIND = register(Composite("unbind", sample=lambda s, d: ([s.array(s.shape(min_dims=1), d[0]), 0], {})))
BROADCAST_TENSORS = register(Composite("broadcast_tensors", api=("broadcast_tensors", "broadcast_arrays"),
                                       method=False, sample=_sample_broadcast, numpy=(np.broadcast_arrays,),
                                       numpy_sample=lambda s, d: (_sample_broadcast(s, d)[0][0], {}),
                                       torch=lambda T, xs: T.broadcast_tensors(*xs)))


def _tensors(tensors, what: str) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{what} expects a sequence of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{what} needs at least one tensor")
    return [as_tensor_arg(t) for t in tensors]


@CONCATENATE.public
def cat(tensors, dim: int = 0, *, axis=None) -> Tensor:
    """Join tensors along an existing dimension ``dim`` (``axis`` is accepted as an alias)."""
    tensors = _tensors(tensors, "cat")
    dim = wrap_dim(dim if axis is None else axis, tensors[0].ndim)
    return _apply(CONCATENATE, *tensors, axis=dim)


@CONCATENATE.numpy_form
def _np_concatenate(arrays, /, axis=0, out=None, *, dtype=None, casting="same_kind") -> Tensor:
    _no_out("concatenate", out, dtype)
    if axis is None:  # numpy's meaning: flatten every operand first
        return cat([reshape(t, -1) for t in _tensors(arrays, "concatenate")])
    return cat(arrays, axis)


def _no_out(name: str, out, dtype=None) -> None:
    if out is not None or dtype is not None:
        raise TypeError(f"np.{name} on Tensors does not support out= or dtype=")


@STACK.public
def stack(tensors, dim: int = 0, *, axis=None) -> Tensor:
    """Join tensors of equal shape along a new dimension ``dim``."""
    tensors = _tensors(tensors, "stack")
    dim = wrap_dim(dim if axis is None else axis, tensors[0].ndim + 1)
    if any(t.shape != tensors[0].shape for t in tensors):
        raise ValueError(f"stack expects tensors of equal shape, got {[t.shape for t in tensors]}")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


@STACK.numpy_form
def _np_stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind") -> Tensor:
    _no_out("stack", out, dtype)
    return stack(list(arrays), axis)


@HSTACK.public
def hstack(tensors) -> Tensor:
    """Join along dimension 1 (dimension 0 for 1-d tensors)."""
    tensors = [atleast_1d(t) for t in _tensors(tensors, "hstack")]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


@VSTACK.public
def vstack(tensors) -> Tensor:
    """Join along dimension 0 after making every tensor at least 2-d."""
    return cat([atleast_2d(t) for t in _tensors(tensors, "vstack")], 0)


@DSTACK.public
def dstack(tensors) -> Tensor:
    """Join along dimension 2 after making every tensor at least 3-d."""
    return cat([atleast_3d(t) for t in _tensors(tensors, "dstack")], 2)


@COLUMN_STACK.public
def column_stack(tensors) -> Tensor:
    """Join as columns: 1-d tensors become ``(n, 1)`` columns, the rest join along dimension 1."""
    tensors = _tensors(tensors, "column_stack")
    return cat([reshape(t, (-1, 1)) if t.ndim <= 1 else t for t in tensors], 1)


@APPEND.public
def append(arr, values, axis=None) -> Tensor:
    """numpy's append: ``values`` joined after ``arr`` along ``axis`` (both flattened when None)."""
    arr, values = as_tensor_arg(arr), as_tensor_arg(values)
    if axis is None:
        return cat([reshape(arr, -1), reshape(values, -1)])
    return cat([arr, values], axis)


def _pieces(x: Tensor, bounds, dim: int) -> tuple:
    """``x`` sliced along ``dim`` between consecutive ``bounds``."""
    lead = (slice(None),) * dim
    return tuple(x[lead + (slice(int(lo), int(hi)),)] for lo, hi in zip(bounds[:-1], bounds[1:]))


def _sections(n: int, sections, strict: bool, what: str) -> list:
    """Bounds for numpy's ``indices_or_sections``: equal sections (strictly equal for np.split) or cut indices."""
    if isinstance(sections, (int, np.integer)):
        if sections <= 0:
            raise ValueError(f"{what}: number of sections must be positive, got {sections}")
        if strict and n % sections:
            raise ValueError(f"{what}: dimension of size {n} does not divide into {sections} equal sections")
        size, extra = divmod(n, sections)  # the first ``extra`` sections get one more element
        return list(np.cumsum([0] + [size + 1] * extra + [size] * (sections - extra)))
    return [0] + [int(i) for i in sections] + [n]


@SPLIT.public
def split(x, split_size_or_sections, dim: int = 0, *, axis=None) -> tuple:
    """PyTorch's split: chunks of ``split_size_or_sections`` elements along ``dim`` (the last may be
    smaller), or chunks of the listed sizes (which must sum to the dimension)."""
    x = as_tensor_arg(x)
    d = wrap_dim(dim if axis is None else axis, x.ndim)
    n = x.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0 and n:
            raise ValueError(f"split: split_size must be positive, got {size}")
        bounds = list(range(0, n, size)) + [n] if n else [0, 0]
    else:
        sizes = [int(v) for v in split_size_or_sections]
        if sum(sizes) != n or any(v < 0 for v in sizes):
            raise ValueError(f"split: sizes {sizes} must be non-negative and sum to {n}, the size of dim {dim}")
        bounds = list(np.cumsum([0] + sizes))
    return _pieces(x, bounds, d)


@SPLIT.numpy_form
def _np_split(ary, indices_or_sections, axis=0) -> list:
    ary = as_tensor_arg(ary)
    d = wrap_dim(axis, ary.ndim)
    return list(_pieces(ary, _sections(ary.shape[d], indices_or_sections, True, "np.split"), d))


@TENSOR_SPLIT.public
def tensor_split(x, indices_or_sections, dim: int = 0) -> tuple:
    """numpy's ``array_split``: ``n`` nearly equal sections (the first ones one longer), or cuts at indices."""
    x = as_tensor_arg(x)
    d = wrap_dim(dim, x.ndim)
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    return _pieces(x, _sections(x.shape[d], indices_or_sections, False, "tensor_split"), d)


@TENSOR_SPLIT.numpy_form
def _np_array_split(ary, indices_or_sections, axis=0) -> list:
    return list(tensor_split(ary, indices_or_sections, axis))


def _directional_split(x, sections, dim: int, min_dims: int, what: str):
    x = as_tensor_arg(x)
    if x.ndim < min_dims:
        raise ValueError(f"{what} needs a tensor with at least {min_dims} dimensions, got shape {x.shape}")
    d = 0 if what == "hsplit" and x.ndim == 1 else dim
    return _pieces(x, _sections(x.shape[d], sections, True, what), d)


@HSPLIT.public
def hsplit(x, indices_or_sections) -> tuple:
    """Split along dimension 1 (dimension 0 for 1-d tensors) into equal sections or at indices."""
    return _directional_split(x, indices_or_sections, 1, 1, "hsplit")


@VSPLIT.public
def vsplit(x, indices_or_sections) -> tuple:
    """Split along dimension 0 of a tensor with at least 2 dimensions."""
    return _directional_split(x, indices_or_sections, 0, 2, "vsplit")


@DSPLIT.public
def dsplit(x, indices_or_sections) -> tuple:
    """Split along dimension 2 of a tensor with at least 3 dimensions."""
    return _directional_split(x, indices_or_sections, 2, 3, "dsplit")


@CHUNK.public
def chunk(x, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` pieces of ``ceil(size / chunks)`` elements along ``dim`` (PyTorch's chunk)."""
    x = as_tensor_arg(x)
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    d = wrap_dim(dim, x.ndim)
    n = x.shape[d]
    return split(x, -(-n // chunks), d) if n else _pieces(x, [0] * (chunks + 1), d)


@UNBIND.public
def unbind(x, dim: int = 0) -> tuple:
    """The slices along ``dim``, each without that dimension."""
    x = as_tensor_arg(x)
    d = wrap_dim(dim, x.ndim)
    return tuple(x[(slice(None),) * d + (i,)] for i in range(x.shape[d]))


@BROADCAST_TENSORS.public
def broadcast_tensors(*tensors) -> tuple:
    """The tensors broadcast to their common shape (numpy's ``broadcast_arrays``)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    tensors = [as_tensor_arg(t) for t in tensors]
    shape = np.broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t if t.shape == shape else broadcast_to(t, shape) for t in tensors)


@BROADCAST_TENSORS.numpy_form
def _np_broadcast_arrays(*args, subok=False) -> tuple:
    return broadcast_tensors(*args)


from ..node import apply as _apply  # noqa: E402
