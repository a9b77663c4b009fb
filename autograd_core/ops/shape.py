"""Shape primitives and compositions: reshape, permute, broadcasting, joining, padding, flips, casts.

``broadcast_to`` and ``sum_to`` are a pair, each the other's VJP; the engine uses ``sum_to``
to reduce broadcast gradients. ``squeeze``/``unsqueeze``/``flatten`` are reshapes;
``stack``/``split``/``repeat``/``tile`` are compositions. ``repeat`` has numpy's meaning
(each element repeated along an axis); PyTorch's ``Tensor.repeat`` is our ``tile``.
"""
from __future__ import annotations

import numpy as np

from ..registry import Composite, Primitive, normalize_axis, register, sequence_arg
from ..tensor import Tensor


def _sample_reshape(s, domains):
    shape = s.shape()
    new = list(shape)[::-1]
    if new and np.prod(shape) > 0 and s.boolean():
        new[0] = -1
    return [s.array(shape, domains[0]), tuple(new)], {}


def _sample_permute(s, domains):
    shape = s.shape()
    return [s.array(shape, domains[0]), tuple(s.permutation(len(shape)))], {}


def _sample_broadcast_to(s, domains):
    shape = s.shape(max_dims=3)
    target = tuple(n if n != 1 else s.integers(1, 3) for n in shape)
    return [s.array(shape, domains[0]), (s.integers(1, 3),) * s.integers(0, 1) + target], {}


def _sample_sum_to(s, domains):
    target = s.shape(max_dims=3)
    shape = (s.integers(1, 3),) * s.integers(0, 1) + tuple(n if n != 1 else s.integers(1, 3) for n in target)
    return [s.array(shape, domains[0]), target], {}


def _sample_axis(s, domains):
    shape = s.shape(min_dims=1)
    return [s.array(shape, domains[0])], {"axis": s.integers(-len(shape), len(shape) - 1)}


def _sample_two_axes(s, domains):
    shape = s.shape(min_dims=1)
    n = len(shape)
    return [s.array(shape, domains[0])], {"axis1": s.integers(-n, n - 1), "axis2": s.integers(-n, n - 1)}


def _sample_tile(s, domains):
    shape = s.shape(max_dims=3)
    return [s.array(shape, domains[0])], {"reps": tuple(s.integers(1, 2) for _ in range(s.integers(1, 3)))}


def _sample_join(s, domains):
    shape = s.shape(min_dims=1, max_dims=3)
    axis = s.integers(0, len(shape) - 1)
    arrays = []
    for _ in range(s.integers(1, 3)):
        part = list(shape)
        part[axis] = s.integers(0, 3)
        arrays.append(s.array(tuple(part), domains[0]))
    return [arrays], {"axis": axis}


def _sample_stack(s, domains):
    shape = s.shape(max_dims=3)
    return [[s.array(shape, domains[0]) for _ in range(s.integers(1, 3))]], {"axis": s.integers(0, len(shape))}


def _sample_split(s, domains):
    shape = s.shape(min_dims=1)
    axis = s.integers(0, len(shape) - 1)
    cuts = sorted(s.integers(0, shape[axis]) for _ in range(s.integers(0, 2)))
    return [s.array(shape, domains[0])], {"indices_or_sections": cuts, "axis": axis}


def _sample_pad(s, domains):
    shape = s.shape(max_dims=3)
    return [s.array(shape, domains[0])], {
        "pad_width": tuple((s.integers(0, 2), s.integers(0, 2)) for _ in shape), "value": s.choice([0.0, 1.5])}


def _reshape_forward(x, shape):
    return np.reshape(x, shape), x.shape


def _permute_forward(x, axes):
    return np.transpose(x, axes)


def _broadcast_forward(x, shape):
    return np.broadcast_to(x, shape), x.shape


def _sum_to_forward(x, shape):
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
    return (np.sum(x, axis=axes, keepdims=True).reshape(shape) if axes else x.reshape(shape)), x.shape


def _concatenate_forward(*arrays, axis):
    return np.concatenate(arrays, axis=axis), np.cumsum([0] + [a.shape[axis] for a in arrays])


def _concatenate_vjp(g, offsets, axis, index):
    piece = [slice(None)] * g.ndim
    piece[axis] = slice(int(offsets[index]), int(offsets[index + 1]))
    return g[tuple(piece)]


def _pad_vjp(g, pad_width, value):
    return g[tuple(slice(lo, g.shape[i] - hi) for i, (lo, hi) in enumerate(pad_width))]


RESHAPE = register(Primitive(
    "reshape", _reshape_forward, extras=("in_shape",), saves=("in_shape",), sample=_sample_reshape, view=True,
    numpy=(np.reshape,), vjp=lambda g, in_shape, shape: reshape(g, in_shape)))
PERMUTE = register(Primitive(
    "permute", _permute_forward, sample=_sample_permute, view=True,
    torch=lambda T, x, axes: T.permute(x, axes),
    vjp=lambda g, axes: permute(g, tuple(np.argsort(axes)))))
BROADCAST_TO = register(Primitive(
    "broadcast_to", _broadcast_forward, extras=("in_shape",), saves=("in_shape",), sample=_sample_broadcast_to,
    view=True,
    numpy=(np.broadcast_to,), vjp=lambda g, in_shape, shape: sum_to(g, in_shape)))
SUM_TO = register(Primitive(
    "sum_to", _sum_to_forward, extras=("in_shape",), saves=("in_shape",), sample=_sample_sum_to,
    torch=lambda T, x, shape: x.sum_to_size(shape) if shape else x.sum(),
    vjp=lambda g, in_shape, shape: broadcast_to(g, in_shape)))
CONCATENATE = register(Primitive(
    "concatenate", _concatenate_forward, method=False, variadic=True, extras=("offsets",), saves=("offsets",),
    sample=_sample_join, numpy=(np.concatenate,), torch=lambda T, xs, axis: T.cat(xs, dim=axis),
    vjp=_concatenate_vjp))
PAD = register(Primitive(
    "pad", lambda x, pad_width, value: np.pad(x, pad_width, constant_values=value) if x.ndim else x.copy(),
    sample=_sample_pad,
    numpy=(np.pad,), vjp=_pad_vjp,
    torch=lambda T, x, pad_width, value: T.nn.functional.pad(x, [w for pair in pad_width[::-1] for w in pair],
                                                             value=value)))
FLIP = register(Primitive(
    "flip", lambda x, axis: np.flip(x, axis), sample=_sample_axis, numpy=(np.flip,), view=True,
    torch=lambda T, x, axis: T.flip(x, (axis,)),
    vjp=lambda g, axis: flip(g, axis)))
ASTYPE = register(Primitive(
    "astype", lambda x, dtype: x.astype(dtype), order=2, casts=True,
    sample=lambda s, d: ([s.array(s.shape(), d[0])], {"dtype": np.float64}),
    torch=lambda T, x, dtype: x.to(T.float64),
    vjp=lambda g, dtype: g))  # the engine casts the gradient back to the input's dtype
CLONE = register(Primitive("clone", np.copy, numpy=(np.copy,), vjp=lambda g: g))

clone = CLONE.function


@RESHAPE.public
def reshape(x, *shape) -> Tensor:
    """Same data in a new shape (one dimension may be -1)."""
    return _apply(RESHAPE, x, shape=sequence_arg(shape))


@PERMUTE.public
def permute(x, *axes) -> Tensor:
    """Reorder dimensions: output dimension i is input dimension ``axes[i]``."""
    axes = sequence_arg(axes)
    ndim = np.ndim(x.data if isinstance(x, Tensor) else x)
    if sorted(a % max(ndim, 1) for a in axes) != list(range(ndim)):
        raise ValueError(f"permute: axes {axes} are not a permutation of the {ndim} dimensions")
    return _apply(PERMUTE, x, axes=tuple(a % max(ndim, 1) for a in axes))


TRANSPOSE = register(Composite("transpose", sample=lambda s, d: ([s.array(s.shape(), d[0])], {}),
                               numpy=(np.transpose,), torch=lambda T, x: x.permute(tuple(reversed(range(x.ndim))))))


@TRANSPOSE.public
def transpose(x, *axes) -> Tensor:
    """numpy's transpose: reverse the dimensions, or permute them by ``axes``."""
    axes = sequence_arg(axes)
    return permute(x, axes or tuple(range(np.ndim(x.data if isinstance(x, Tensor) else x)))[::-1])


@BROADCAST_TO.public
def broadcast_to(x, *shape) -> Tensor:
    """Broadcast to ``shape`` (numpy rules); the gradient is summed back."""
    return _apply(BROADCAST_TO, x, shape=sequence_arg(shape))


@SUM_TO.public
def sum_to(x, *shape) -> Tensor:
    """Sum ``x`` down to ``shape``, the inverse of broadcasting it there."""
    shape = sequence_arg(shape)
    if not _broadcastable_to(shape, np.shape(x.data if isinstance(x, Tensor) else x)):
        raise ValueError(f"sum_to: shape {shape} does not broadcast to {x.shape}")
    return _apply(SUM_TO, x, shape=shape)


def _broadcastable_to(shape, target) -> bool:
    return len(shape) <= len(target) and all(s in (1, t) for s, t in zip(shape[::-1], target[::-1]))


@CONCATENATE.public
def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing ``axis``."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    if axis is None:  # numpy's meaning: flatten every operand first
        tensors, axis = [reshape(t, (-1,)) for t in tensors], 0
    axis = normalize_axis(axis, np.ndim(tensors[0].data if isinstance(tensors[0], Tensor) else tensors[0]))[0]
    return _apply(CONCATENATE, *tensors, axis=axis)


@PAD.public
def pad(x, pad_width, value: float = 0.0, mode: str = "constant", constant_values=None) -> Tensor:
    """Constant padding with numpy's ``pad_width`` (int, ``(before, after)`` or one pair per axis).

    ``mode`` and ``constant_values`` are accepted as in ``np.pad``; only constant mode exists.
    """
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is differentiable here, got mode={mode!r}")
    if constant_values is not None:
        value = constant_values
    ndim = np.ndim(x.data if isinstance(x, Tensor) else x)
    width = np.asarray(pad_width, dtype=int)
    width = np.broadcast_to(width if width.size else np.zeros(2, int), (ndim, 2))
    if (width < 0).any():
        raise ValueError(f"pad: widths must be non-negative, got {pad_width}")
    return _apply(PAD, x, pad_width=tuple(map(tuple, width.tolist())), value=value)


@FLIP.public
def flip(x, axis=None, *, dims=None) -> Tensor:
    """Reverse the order of elements along ``axis`` (all axes when None)."""
    axis = dims if dims is not None else axis
    return _apply(FLIP, x, axis=normalize_axis(axis, np.ndim(x.data if isinstance(x, Tensor) else x)))


@ASTYPE.public
def astype(x, dtype) -> Tensor:
    """Differentiable cast to ``dtype``; the gradient is cast back."""
    dtype = np.dtype(dtype)
    if isinstance(x, Tensor) and x.data.dtype == dtype:
        return x
    return _apply(ASTYPE, x, dtype=dtype)


# ------------------------------------------------------------------------- compositions
SWAPAXES = register(Composite("swapaxes", sample=_sample_two_axes, numpy=(np.swapaxes,),
                              torch=lambda T, x, axis1, axis2: T.swapaxes(x, axis1, axis2)))
SQUEEZE = register(Composite("squeeze", numpy=(np.squeeze,), torch=lambda T, x: T.squeeze(x)))
UNSQUEEZE = register(Composite("unsqueeze", sample=_sample_axis, torch=lambda T, x, axis: T.unsqueeze(x, axis)))
EXPAND_DIMS = register(Composite("expand_dims", sample=_sample_axis, numpy=(np.expand_dims,),
                                 torch=lambda T, x, axis: T.unsqueeze(x, axis)))
FLATTEN = register(Composite("flatten", torch=lambda T, x: T.flatten(x)))
STACK = register(Composite("stack", method=False, sample=_sample_stack, numpy=(np.stack,),
                           torch=lambda T, xs, axis: T.stack(xs, dim=axis)))
SPLIT = register(Composite("split", sample=_sample_split, numpy=(np.split,),
                           torch=lambda T, x, indices_or_sections, axis: T.tensor_split(x, indices_or_sections, axis)))
REPEAT = register(Composite("repeat", sample=_sample_axis, numpy=(np.repeat,),
                            torch=lambda T, x, axis: T.repeat_interleave(x, 2, dim=axis)))
TILE = register(Composite("tile", sample=_sample_tile, numpy=(np.tile,), torch=lambda T, x, reps: T.tile(x, reps)))


@SWAPAXES.public
def swapaxes(x, axis1: int, axis2: int) -> Tensor:
    """Exchange two dimensions."""
    axes = list(range(np.ndim(x.data if isinstance(x, Tensor) else x)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return permute(x, axes)


@SQUEEZE.public
def squeeze(x, axis=None, *, dim=None) -> Tensor:
    """Remove dimensions of size 1 (all of them, or those in ``axis``)."""
    axis = dim if dim is not None else axis
    shape = x.shape
    axes = normalize_axis(axis, len(shape))
    axes = tuple(i for i, n in enumerate(shape) if n == 1) if axes is None else axes
    if any(shape[a] != 1 for a in axes):
        raise ValueError(f"squeeze: cannot remove axis {axis} of size != 1 from shape {shape}")
    return reshape(x, tuple(n for i, n in enumerate(shape) if i not in axes))


@UNSQUEEZE.public
def unsqueeze(x, axis: int) -> Tensor:
    """Insert a dimension of size 1 at ``axis``."""
    shape = list(x.shape)
    shape.insert(axis % (len(shape) + 1), 1)
    return reshape(x, tuple(shape))


@EXPAND_DIMS.public
def expand_dims(x, axis: int) -> Tensor:
    """numpy spelling of ``unsqueeze``."""
    return unsqueeze(x, axis)


@FLATTEN.public
def flatten(x, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one."""
    shape = x.shape
    if not shape:
        return reshape(x, (1,))
    start, end = start_dim % len(shape), end_dim % len(shape)
    return reshape(x, shape[:start] + (int(np.prod(shape[start:end + 1])),) + shape[end + 1:])


@STACK.public
def stack(tensors, axis: int = 0) -> Tensor:
    """Join tensors of equal shape along a new ``axis``."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    return concatenate([unsqueeze(t, axis) for t in tensors], axis=axis)


@SPLIT.public
def split(x, indices_or_sections=2, axis: int = 0) -> list:
    """numpy's split: ``n`` equal sections, or cut before each index in a list."""
    n = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        if indices_or_sections <= 0 or n % indices_or_sections:
            raise ValueError(f"split: axis of length {n} does not divide into {indices_or_sections} sections")
        cuts = list(range(0, n + 1, n // indices_or_sections)) if n else [0] * (indices_or_sections + 1)
    else:
        cuts = [0] + list(indices_or_sections) + [n]
    piece = [slice(None)] * x.ndim
    parts = []
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        piece[axis] = slice(lo, hi)
        parts.append(x[tuple(piece)])
    return parts


@REPEAT.public
def repeat(x, repeats=2, axis=None) -> Tensor:
    """numpy's repeat: each element repeated ``repeats`` times along ``axis`` (flattened when None)."""
    if axis is None:
        x, axis = flatten(x), 0
    axis = axis % x.ndim
    index = np.repeat(np.arange(x.shape[axis]), repeats)
    return x[(slice(None),) * axis + (index,)]


@TILE.public
def tile(x, reps) -> Tensor:
    """numpy's tile (PyTorch's ``Tensor.repeat``): the whole tensor repeated ``reps`` times per axis."""
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    ndim = max(len(reps), x.ndim)
    reps = (1,) * (ndim - len(reps)) + reps
    shape = (1,) * (ndim - x.ndim) + x.shape
    interleaved = reshape(x, tuple(v for n in shape for v in (1, n)))
    expanded = broadcast_to(interleaved, tuple(v for r, n in zip(reps, shape) for v in (r, n)))
    return reshape(expanded, tuple(r * n for r, n in zip(reps, shape)))


from ..node import apply as _apply  # noqa: E402
