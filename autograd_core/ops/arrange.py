"""Reordering: dimensions (transpose, t, swapaxes, movedim, rollaxis) and elements (flip, roll, rot90, tiling).

PyTorch's spellings are the public functions: ``transpose(dim0, dim1)`` swaps two dims,
``flip(dims)`` needs its dims, ``repeat(*sizes)`` tiles. numpy's meanings come through the
``numpy_form`` adapters on the same records: ``np.transpose(t)`` reverses (or permutes) the
dims, ``np.flip(t)`` flips all of them, and ``np.repeat`` is ``repeat_interleave``. Every
result ends in the ``permute``, ``flip``, ``reshape``/``broadcast_to`` or ``getitem`` primitives.
"""
from __future__ import annotations

import numpy as np

from ..registry import Composite, Primitive, register
from ..tensor import Tensor, data_of
from .shape import PERMUTE, as_tensor_arg, broadcast_to, permute, reshape, varargs, wrap_dim, wrap_dims


def _one(s, domains, **kw):
    return [s.array(s.shape(**kw), domains[0])], {}


def _sample_two_dims(s, domains):
    shape = s.shape(min_dims=1)
    n = len(shape)
    return [s.array(shape, domains[0]), s.integers(-n, n - 1), s.integers(-n, n - 1)], {}


def _np_sample_transpose(s, domains):
    shape = s.shape()
    return [s.array(shape, domains[0])], ({} if s.boolean() else {"axes": tuple(s.permutation(len(shape)))})


def _sample_movedim(s, domains):
    shape = s.shape(min_dims=1)
    src = tuple(s.permutation(len(shape)))[:s.integers(1, len(shape))]
    dst = tuple(s.permutation(len(shape)))[:len(src)]
    return [s.array(shape, domains[0]), src, dst], {}


def _sample_rollaxis(s, domains):
    shape = s.shape(min_dims=1)
    n = len(shape)
    return [s.array(shape, domains[0]), s.integers(-n, n - 1), s.integers(0, n)], {}


TRANSPOSE = register(Composite("transpose", api=("transpose", "swapdims"), sample=_sample_two_dims,
                               numpy_sample=_np_sample_transpose, numpy=(np.transpose,)))
T_ = register(Composite("t", sample=lambda s, d: _one(s, d, max_dims=2)))
SWAPAXES = register(Composite("swapaxes", sample=_sample_two_dims, numpy=(np.swapaxes,)))
MOVEDIM = register(Composite("movedim", api=("movedim", "moveaxis"), sample=_sample_movedim,
                             numpy=(np.moveaxis,)))
ROLLAXIS = register(Composite("rollaxis", method=False, sample=_sample_rollaxis, numpy=(np.rollaxis,)))


@TRANSPOSE.public
def transpose(x, dim0: int, dim1: int) -> Tensor:
    """PyTorch's transpose: swap dimensions ``dim0`` and ``dim1`` (``np.transpose`` reverses or permutes)."""
    x = as_tensor_arg(x)
    dims = list(range(x.ndim))
    a, b = wrap_dim(dim0, x.ndim), wrap_dim(dim1, x.ndim)
    if x.ndim == 0:
        return x
    dims[a], dims[b] = dims[b], dims[a]
    return _apply(PERMUTE, x, axes=tuple(dims))


@TRANSPOSE.numpy_form
def _np_transpose(a, axes=None) -> Tensor:
    a = as_tensor_arg(a)
    return permute(a, tuple(range(a.ndim))[::-1] if axes is None else tuple(axes))


@T_.public
def t(x) -> Tensor:
    """Transpose a matrix; 0-d and 1-d tensors come back unchanged (PyTorch's ``t``)."""
    x = as_tensor_arg(x)
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return transpose(x, 0, -1) if x.ndim == 2 else x


@SWAPAXES.public
def swapaxes(x, axis0: int, axis1: int) -> Tensor:
    """Exchange two dimensions (``transpose``; PyTorch's and numpy's name)."""
    return transpose(x, axis0, axis1)


@SWAPAXES.numpy_form
def _np_swapaxes(a, axis1, axis2) -> Tensor:
    return transpose(a, axis1, axis2)


@MOVEDIM.public
def movedim(x, source, destination) -> Tensor:
    """Move dimensions ``source`` to positions ``destination`` (int or sequence); the rest keep their order."""
    x = as_tensor_arg(x)
    src, dst = wrap_dims(source, x.ndim), wrap_dims(destination, x.ndim)
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {source} and destination {destination} differ in length")
    order = [d for d in range(x.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(x, order)


@ROLLAXIS.public
def rollaxis(a, axis: int, start: int = 0) -> Tensor:
    """numpy's rollaxis: move ``axis`` so that it lies before position ``start``."""
    a = as_tensor_arg(a)
    axis = wrap_dim(axis, a.ndim)
    if not -a.ndim <= start <= a.ndim:
        raise np.exceptions.AxisError(f"rollaxis: start {start} is out of range for {a.ndim} dimensions")
    start = start % (a.ndim + 1) if start < 0 else start
    return movedim(a, axis, start - 1 if start > axis else start) if a.ndim else a



# ------------------------------------------------------------------------- flips, rolls, tiling
def _sample_flip(s, domains):
    shape = s.shape(min_dims=1)
    dims = tuple(s.permutation(len(shape)))[:s.integers(0, len(shape))]
    return [s.array(shape, domains[0]), tuple(d - len(shape) if s.boolean() else d for d in dims)], {}


def _sample_roll(s, domains):
    shape = s.shape(min_dims=1)
    if s.boolean():
        return [s.array(shape, domains[0]), s.integers(-4, 4)], {}
    dims = tuple(s.permutation(len(shape)))[:s.integers(1, len(shape))]
    return [s.array(shape, domains[0]), tuple(s.integers(-4, 4) for _ in dims), dims], {}


def _sample_rot90(s, domains):
    shape = s.shape(min_dims=2)
    a, b = tuple(s.permutation(len(shape)))[:2]
    return [s.array(shape, domains[0]), s.integers(-5, 5), (a, b)], {}


def _sample_repeat(s, domains):
    shape = s.shape(max_dims=3)
    return [s.array(shape, domains[0]), tuple(s.integers(0, 2) for _ in range(len(shape) + s.integers(0, 1)))], {}


def _sample_tile(s, domains):
    shape = s.shape(max_dims=3)
    return [s.array(shape, domains[0]), tuple(s.integers(1, 2) for _ in range(s.integers(1, 3)))], {}


def _sample_repeat_interleave(s, domains):
    shape = s.shape(min_dims=1)
    dim = s.choice([None, s.integers(-len(shape), len(shape) - 1)])
    return [s.array(shape, domains[0]), s.integers(0, 3)], {"dim": dim}


def _np_sample_repeat(s, domains):
    args, params = _sample_repeat_interleave(s, domains)
    return args, {"axis": params["dim"]}


FLIP = register(Primitive(
    "flip", lambda x, axes: np.flip(x, axes), sample=_sample_flip, numpy=(np.flip,), view=True,
    vjp=lambda g, axes: _apply(FLIP, g, axes=axes)))  # a flip is its own inverse
FLIPLR = register(Composite("fliplr", sample=lambda s, d: _one(s, d, min_dims=2), numpy=(np.fliplr,)))
FLIPUD = register(Composite("flipud", sample=lambda s, d: _one(s, d, min_dims=1), numpy=(np.flipud,)))
ROLL = register(Composite("roll", sample=_sample_roll, numpy=(np.roll,)))
ROT90 = register(Composite("rot90", sample=_sample_rot90, numpy=(np.rot90,)))
REPEAT = register(Composite("repeat", sample=_sample_repeat, torch=lambda T, x, sizes: x.repeat(sizes)))
TILE = register(Composite("tile", sample=_sample_tile, numpy=(np.tile,)))
REPEAT_INTERLEAVE = register(Composite("repeat_interleave", sample=_sample_repeat_interleave,
                                       numpy_sample=_np_sample_repeat, numpy=(np.repeat,)))


@FLIP.public
def flip(x, *args, dims=None) -> Tensor:
    """PyTorch's flip: reverse the order of elements along ``dims`` (required; ``np.flip`` defaults to all)."""
    if not args and dims is None:
        raise TypeError("flip() missing its required argument 'dims' (use np.flip(t) to flip every axis)")
    x = as_tensor_arg(x)
    axes = wrap_dims(varargs(args, dims, "dims"), x.ndim)
    return _apply(FLIP, x, axes=axes) if x.ndim and axes else x


@FLIP.numpy_form
def _np_flip(m, axis=None) -> Tensor:
    m = as_tensor_arg(m)
    return flip(m, tuple(range(m.ndim)) if axis is None else axis)


@FLIPLR.public
def fliplr(x) -> Tensor:
    """Reverse the columns (dimension 1) of a tensor with at least 2 dimensions."""
    x = as_tensor_arg(x)
    if x.ndim < 2:
        raise ValueError(f"fliplr: input must have at least 2 dimensions, got shape {x.shape}")
    return flip(x, 1)


@FLIPUD.public
def flipud(x) -> Tensor:
    """Reverse the rows (dimension 0) of a tensor with at least 1 dimension."""
    x = as_tensor_arg(x)
    if x.ndim < 1:
        raise ValueError("flipud: input must have at least 1 dimension, got a 0-d tensor")
    return flip(x, 0)


@ROLL.public
def roll(x, shifts, dims=None) -> Tensor:
    """Shift elements cyclically by ``shifts`` along ``dims`` (of the flattened tensor when None)."""
    x = as_tensor_arg(x)
    if dims is None:
        if not isinstance(shifts, (int, np.integer)) and len(shifts) != 1:
            raise ValueError(f"roll: without dims, shifts must be one number, got {shifts}")
        return reshape(roll(reshape(x, -1), shifts if isinstance(shifts, (int, np.integer)) else shifts[0], 0),
                       x.shape)
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: shifts {shifts} and dims {dims} differ in length")
    for shift, dim in zip(shifts, dims):
        d = wrap_dim(dim, x.ndim)
        n = x.shape[d]
        if n:  # out[i] = x[(i - shift) mod n]
            x = x[(slice(None),) * d + ((np.arange(n) - shift) % n,)]
    return x


@ROLL.numpy_form
def _np_roll(a, shift, axis=None) -> Tensor:
    return roll(a, shift, axis)


@ROT90.public
def rot90(x, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``, from the first towards the second."""
    x = as_tensor_arg(x)
    if len(dims) != 2:
        raise ValueError(f"rot90: dims must name two dimensions, got {dims}")
    a, b = wrap_dims(dims, x.ndim)
    k %= 4
    if k == 0:
        return x
    if k == 2:
        return flip(x, (a, b))
    return transpose(flip(x, b), a, b) if k == 1 else flip(transpose(x, a, b), b)


@ROT90.numpy_form
def _np_rot90(m, k=1, axes=(0, 1)) -> Tensor:
    return rot90(m, k, axes)


@REPEAT.public
def repeat(x, *args, repeats=None) -> Tensor:
    """PyTorch's repeat: tile the whole tensor ``sizes[i]`` times along dim i (``np.repeat`` is
    ``repeat_interleave``)."""
    x = as_tensor_arg(x)
    sizes = varargs(args, repeats, "repeats")
    if len(sizes) < x.ndim:
        raise RuntimeError(f"repeat: {len(sizes)} repeat sizes given for a tensor with {x.ndim} dimensions; "
                           "the number of sizes can not be smaller than the number of dimensions")
    return tile(x, sizes)


@TILE.public
def tile(x, dims) -> Tensor:
    """The whole tensor repeated ``dims[i]`` times along each dimension (numpy's ``tile``, PyTorch's too)."""
    x = as_tensor_arg(x)
    reps = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: repetitions must be non-negative, got {reps}")
    ndim = max(len(reps), x.ndim)
    reps = (1,) * (ndim - len(reps)) + reps
    shape = (1,) * (ndim - x.ndim) + x.shape
    interleaved = reshape(x, tuple(v for n in shape for v in (1, n)))
    expanded = broadcast_to(interleaved, tuple(v for r, n in zip(reps, shape) for v in (r, n)))
    return reshape(expanded, tuple(r * n for r, n in zip(reps, shape)))


@REPEAT_INTERLEAVE.public
def repeat_interleave(x, repeats, dim=None, *, output_size=None, axis=None) -> Tensor:
    """Repeat each element ``repeats`` times (an int, or one count per element) along ``dim``
    (of the flattened tensor when None): numpy's ``repeat``."""
    x = as_tensor_arg(x)
    dim = axis if dim is None else dim
    if dim is None:
        x, dim = reshape(x, -1), 0
    d = wrap_dim(dim, x.ndim)
    counts = np.asarray(data_of(repeats))
    if counts.dtype.kind not in "iu" or (counts < 0).any():
        raise ValueError(f"repeat_interleave: repeats must be non-negative integers, got {repeats!r}")
    if x.ndim == 0:
        x, d = reshape(x, 1), 0
    index = np.repeat(np.arange(x.shape[d]), counts)
    return x[(slice(None),) * d + (index,)]


@REPEAT_INTERLEAVE.numpy_form
def _np_repeat(a, repeats, axis=None) -> Tensor:
    return repeat_interleave(a, repeats, axis)


from ..node import apply as _apply  # noqa: E402
