"""Layout primitives and the views composed from them: reshape, permute, broadcasting, padding, casts.

Every layout change ends in ``reshape``, ``permute`` or ``broadcast_to``; ``broadcast_to`` and
``sum_to`` are a pair, each the other's VJP (the engine reduces broadcast gradients with
``sum_to``). The public functions have PyTorch's spelling (``transpose(dim0, dim1)``,
``squeeze(dim)`` ignoring dims of size != 1, out-of-range dims raising ``IndexError``); the
``numpy_form`` adapters give ``np.transpose``, ``np.squeeze``, ``np.reshape`` ... numpy's
exact signature and meaning on top of the same records.
"""
from __future__ import annotations

import math

import numpy as np

from ..registry import Composite, Primitive, register, sequence_arg
from ..tensor import Tensor, data_of


def as_tensor_arg(x) -> Tensor:
    """A Tensor for ``x`` (lists and arrays are wrapped, Tensors pass through)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def wrap_dim(dim, ndim: int, name: str | None = None) -> int:
    """PyTorch's dim check: ``dim`` in ``[-ndim, ndim)`` (a 0-d tensor has dims 0 and -1).

    Raises numpy's ``AxisError``, which is both the ``IndexError`` PyTorch raises and the
    ``ValueError`` numpy raises; ``name`` (the argument's) prefixes the message."""
    n = max(ndim, 1)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"dim must be an integer, got {dim!r}")
    if not -n <= dim < n:
        raise np.exceptions.AxisError(f"{name + ': ' if name else ''}Dimension out of range (expected to be in "
                                      f"range of [{-n}, {n - 1}], but got {dim})")
    return int(dim) % n


def wrap_dims(dims, ndim: int) -> tuple[int, ...]:
    """``wrap_dim`` for an int or a sequence of distinct dims."""
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    out = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(out)) != len(out):
        raise ValueError(f"dims {dims} repeat a dimension")
    return out


def _check_shape(shape: tuple, size: int) -> tuple:
    """Validate a target shape for ``size`` elements (at most one -1, no other negative entry), -1 resolved.

    Runs on every reshape, backward ones included, so the common all-``int`` shape costs a few
    Python-level passes and no numpy call."""
    if not all(type(n) is int for n in shape):
        if any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) for n in shape):
            raise TypeError(f"reshape: shape entries must be integers, got {shape}")
        shape = tuple(int(n) for n in shape)
    if min(shape, default=0) < -1:
        raise ValueError(f"reshape: invalid shape dimension in {shape} (only -1 may be negative)")
    inferred = shape.count(-1)
    if inferred > 1:
        raise ValueError(f"reshape: only one dimension can be inferred (-1), got {shape}")
    known = math.prod(n for n in shape if n != -1) if inferred else math.prod(shape)
    if inferred:
        if known == 0 or size % known:
            raise ValueError(f"reshape: shape {shape} is invalid for input of size {size}")
        return tuple(size // known if n == -1 else n for n in shape)
    if known != size:
        raise ValueError(f"reshape: shape {shape} is invalid for input of size {size}")
    return shape


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


def _sample_pad(s, domains):
    shape = s.shape(max_dims=3)
    return [s.array(shape, domains[0])], {
        "pad_width": tuple((s.integers(0, 2), s.integers(0, 2)) for _ in shape), "value": s.choice([0.0, 1.5])}


def _np_sample_pad(s, domains):
    shape = s.shape(min_dims=1, max_dims=3)  # numpy refuses the empty pad_width of a 0-d array
    width = tuple((s.integers(0, 2), s.integers(0, 2)) for _ in shape)
    return [s.array(shape, domains[0]), s.choice([width, width[0], 1])], {"constant_values": s.choice([0.0, 1.5])}


def _sum_to_forward(x, shape):
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
    return (np.sum(x, axis=axes, keepdims=True).reshape(shape) if axes else x.reshape(shape)), x.shape


def _pad_vjp(g, pad_width, value):
    return g[tuple(slice(lo, g.shape[i] - hi) for i, (lo, hi) in enumerate(pad_width))]


RESHAPE = register(Primitive(
    "reshape", lambda x, shape: (np.reshape(x, shape), x.shape), extras=("in_shape",), saves=("in_shape",),
    sample=_sample_reshape, view=True, numpy=(np.reshape,),
    vjp=lambda g, in_shape, shape: reshape(g, in_shape)))
PERMUTE = register(Primitive(
    "permute", np.transpose, sample=_sample_permute, view=True,
    vjp=lambda g, axes: _apply(PERMUTE, g, axes=tuple(np.argsort(axes)))))
BROADCAST_TO = register(Primitive(
    "broadcast_to", lambda x, shape: (np.broadcast_to(x, shape), x.shape), extras=("in_shape",),
    saves=("in_shape",), sample=_sample_broadcast_to, view=True, numpy=(np.broadcast_to,),
    vjp=lambda g, in_shape, shape: sum_to(g, in_shape)))
SUM_TO = register(Primitive(
    "sum_to", _sum_to_forward, extras=("in_shape",), saves=("in_shape",), sample=_sample_sum_to,
    torch=lambda T, x, shape: x.sum_to_size(shape) if shape else x.sum(),
    vjp=lambda g, in_shape, shape: broadcast_to(g, in_shape)))
PAD = register(Primitive(
    "pad", lambda x, pad_width, value: np.pad(x, pad_width, constant_values=value) if x.ndim else x.copy(),
    sample=_sample_pad, numpy_sample=_np_sample_pad, numpy=(np.pad,), vjp=_pad_vjp,
    torch=lambda T, x, pad_width, value: T.nn.functional.pad(x, [w for pair in pad_width[::-1] for w in pair],
                                                             value=value)))
ASTYPE = register(Primitive(
    "astype", lambda x, dtype: x.astype(dtype), order=2, casts=True,
    sample=lambda s, d: ([s.array(s.shape(), d[0])], {"dtype": np.float64}),
    torch=lambda T, x, dtype: x.to(T.float64),
    vjp=lambda g, dtype: g))  # the engine casts the gradient back to the input's dtype
CLONE = register(Primitive("clone", np.copy, numpy=(np.copy,), vjp=lambda g: g))

clone = CLONE.function


def varargs(args: tuple, keyword, name: str) -> tuple:
    """PyTorch's ``f(x, 1, 2)``, ``f(x, (1, 2))`` and ``f(x, name=(1, 2))`` forms of a sizes or dims argument."""
    if keyword is not None:
        if args:
            raise TypeError(f"{name} given both positionally and as a keyword")
        return (keyword,) if isinstance(keyword, (int, np.integer)) else tuple(keyword)
    return sequence_arg(args)


@RESHAPE.public
def reshape(x, *args, shape=None) -> Tensor:
    """Same data in a new shape; one dimension may be -1 (inferred)."""
    x = as_tensor_arg(x)
    return _apply(RESHAPE, x, shape=_check_shape(varargs(args, shape, "shape"), x.data.size))


@RESHAPE.numpy_form
def _np_reshape(a, /, shape=None, order="C", *, copy=None) -> Tensor:
    if order != "C" or copy is False:
        raise ValueError(f"np.reshape on Tensors supports order='C' and copy=None/True only, got {order=}, {copy=}")
    return reshape(a, (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape))


@PERMUTE.public
def permute(x, *args, dims=None) -> Tensor:
    """Reorder dimensions: output dimension i is input dimension ``dims[i]``."""
    x = as_tensor_arg(x)
    dims = varargs(args, dims, "dims")
    wrapped = tuple(wrap_dim(d, x.ndim) for d in dims)
    if sorted(wrapped) != list(range(x.ndim)):
        raise ValueError(f"permute: dims {dims} are not a permutation of the {x.ndim} dimensions")
    return _apply(PERMUTE, x, axes=wrapped)


@BROADCAST_TO.public
def broadcast_to(x, shape) -> Tensor:
    """Broadcast to ``shape`` (numpy rules, as ``torch.broadcast_to``); the gradient is summed back."""
    return _apply(BROADCAST_TO, x, shape=(shape,) if isinstance(shape, (int, np.integer)) else tuple(shape))


@BROADCAST_TO.numpy_form
def _np_broadcast_to(array, shape, subok=False) -> Tensor:
    return broadcast_to(array, shape)


@SUM_TO.public
def sum_to(x, *shape) -> Tensor:
    """Sum ``x`` down to ``shape``, the inverse of broadcasting it there."""
    shape = sequence_arg(shape)
    if not _broadcastable_to(shape, np.shape(data_of(x))):
        raise ValueError(f"sum_to: shape {shape} does not broadcast to {x.shape}")
    return _apply(SUM_TO, x, shape=shape)


def _broadcastable_to(shape, target) -> bool:
    return len(shape) <= len(target) and all(s in (1, t) for s, t in zip(shape[::-1], target[::-1]))


_INDEX_MODES = ("edge", "reflect", "symmetric", "wrap")  # numpy's modes that repeat the array's own elements


@PAD.public
def pad(x, pad_width, value: float = 0.0, *, mode: str = "constant", constant_values=None) -> Tensor:
    """Padding with numpy's ``pad_width`` (int, ``(before, after)`` or one pair per axis): ``mode="constant"``
    fills with ``value``; ``"edge"``, ``"reflect"``, ``"symmetric"`` and ``"wrap"`` repeat elements as numpy does.

    PyTorch's last-dim-first ``F.pad`` order (and its mode names) lives in ``nn.functional.pad``."""
    if mode != "constant" and mode not in _INDEX_MODES:
        raise ValueError(f"pad: mode must be 'constant' or one of {_INDEX_MODES} on Tensors, got mode={mode!r}")
    if constant_values is not None:
        if np.ndim(constant_values):
            raise ValueError(f"pad: constant_values must be one number, got {constant_values!r}")
        value = constant_values
    ndim = np.ndim(data_of(x))
    width = np.asarray(pad_width, dtype=int)
    width = np.broadcast_to(width if width.size else np.zeros(2, int), (ndim, 2))
    if (width < 0).any():
        raise ValueError(f"pad: widths must be non-negative, got {pad_width}")
    if mode != "constant" and width.any():
        return _pad_by_index(as_tensor_arg(x), width.tolist(), mode)
    return _apply(PAD, x, pad_width=tuple(map(tuple, width.tolist())), value=value)


def _pad_by_index(x: Tensor, pad_width: list, mode: str) -> Tensor:
    """Pad with one of numpy's repeating modes: each padded axis is one integer-index gather, its positions
    computed by ``np.pad`` of the axis' indices (so the values follow numpy exactly, for any width), and the
    gradient of an element that appears several times accumulates."""
    for axis, (lo, hi) in enumerate(pad_width):
        if not lo and not hi:
            continue
        if x.shape[axis] == 0:
            raise ValueError(f"pad: mode={mode!r} cannot pad axis {axis}, which is empty")
        index = np.pad(np.arange(x.shape[axis]), (lo, hi), mode=mode)
        x = x[(slice(None),) * axis + (index,)]
    return x


@PAD.numpy_form
def _np_pad(array, pad_width, mode="constant", **kwargs) -> Tensor:
    unknown = set(kwargs) - {"constant_values", "reflect_type"}
    if unknown:
        raise TypeError(f"np.pad on Tensors: unsupported keywords {sorted(unknown)}")
    if kwargs.get("reflect_type", "even") != "even":
        raise ValueError("np.pad on Tensors: only reflect_type='even' (numpy's default) is supported")
    return pad(array, pad_width, mode=mode, constant_values=kwargs.get("constant_values", 0.0))


@ASTYPE.public
def astype(x, dtype) -> Tensor:
    """Differentiable cast to ``dtype``; the gradient is cast back."""
    dtype = np.dtype(dtype)
    if isinstance(x, Tensor) and x.data.dtype == dtype:
        return x
    return _apply(ASTYPE, x, dtype=dtype)


# ------------------------------------------------------------------------- compositions
def _sample_dim(s, domains, extra: int = 0):
    shape = s.shape(min_dims=0)
    n = max(len(shape) + extra, 1)
    return [s.array(shape, domains[0]), s.integers(-n, n - 1)], {}


def _sample_squeeze(s, domains):
    shape = s.shape(min_dims=1, max_side=2)
    dim = s.choice([None, s.integers(-len(shape), len(shape) - 1),
                    tuple(i for i, n in enumerate(shape) if n == 1 or s.boolean())])
    return [s.array(shape, domains[0])], {"dim": dim}


def _np_sample_squeeze(s, domains):
    shape = s.shape(min_dims=1, max_side=2)
    ones = tuple(i for i, n in enumerate(shape) if n == 1)
    return [s.array(shape, domains[0])], {"axis": s.choice([None, ones] + [i - len(shape) for i in ones])}


def _sample_expand_dims(s, domains):
    shape = s.shape(max_dims=2)
    n = len(shape) + 2
    return [s.array(shape, domains[0])], {"axis": s.choice([s.integers(-n + 1, n - 2), (0, -1)])}


def _sample_expand(s, domains):
    shape = s.shape(max_dims=3)
    sizes = tuple(s.choice([-1, n]) if n != 1 else s.choice([-1, 1, 3]) for n in shape)
    return [s.array(shape, domains[0]), (s.integers(1, 2),) * s.integers(0, 1) + sizes], {}


def _sample_flatten(s, domains):
    shape = s.shape()
    n = max(len(shape), 1)
    a, b = sorted([s.integers(-n, n - 1) % n, s.integers(-n, n - 1) % n])
    return [s.array(shape, domains[0]), a, b], {}


def _sample_unflatten(s, domains):
    shape = s.shape(min_dims=1)
    dim = s.integers(0, len(shape) - 1)
    sizes = (shape[dim], 1) if s.boolean() or shape[dim] == 0 else (1, -1)
    return [s.array(shape, domains[0]), dim, sizes], {}


def _sample_as(s, domains):
    shape = s.shape()
    return [s.array(shape, domains[0]), s.array(shape[::-1], domains[0])], {}


def _sample_expand_as(s, domains):
    (x, target), _ = _sample_broadcast_to(s, domains)
    return [x, s.array(target, domains[0])], {}


def _one(s, domains, **kw):
    return [s.array(s.shape(**kw), domains[0])], {}


VIEW = register(Composite("view", sample=_sample_reshape, torch=lambda T, x, shape: x.view(shape)))
VIEW_AS = register(Composite("view_as", api=("view_as", "reshape_as"), sample=_sample_as,
                             torch=lambda T, x, other: x.reshape(other.shape)))
SQUEEZE = register(Composite("squeeze", sample=_sample_squeeze, numpy_sample=_np_sample_squeeze, numpy=(np.squeeze,),
                             torch=lambda T, x, dim: T.squeeze(x) if dim is None else T.squeeze(x, dim)))
UNSQUEEZE = register(Composite("unsqueeze", sample=lambda s, d: _sample_dim(s, d, extra=1)))
EXPAND_DIMS = register(Composite("expand_dims", sample=_sample_expand_dims, numpy=(np.expand_dims,),
                                 torch=lambda T, x, axis: x.reshape(np.expand_dims(np.empty(x.shape), axis).shape)))
EXPAND = register(Composite("expand", sample=_sample_expand, torch=lambda T, x, sizes: x.expand(sizes)))
EXPAND_AS = register(Composite("expand_as", sample=_sample_expand_as, torch=lambda T, x, other: x.expand_as(other)))
FLATTEN = register(Composite("flatten", sample=_sample_flatten))
UNFLATTEN = register(Composite("unflatten", sample=_sample_unflatten))
RAVEL = register(Composite("ravel", sample=_one, numpy=(np.ravel,)))
ATLEAST = [register(Composite(f"atleast_{n}d", method=False, sample=_one, numpy=(fn,)))
           for n, fn in ((1, np.atleast_1d), (2, np.atleast_2d), (3, np.atleast_3d))]


@VIEW.public
def view(x, *args, size=None) -> Tensor:
    """PyTorch's ``view``: ``reshape`` (every tensor here is contiguous)."""
    return reshape(x, varargs(args, size, "size"))


@VIEW_AS.public
def view_as(x, other) -> Tensor:
    """``x`` reshaped to ``other``'s shape."""
    return reshape(x, tuple(other.shape))


@SQUEEZE.public
def squeeze(x, dim=None, *, axis=None) -> Tensor:
    """Remove dimensions of size 1: all of them, or those of ``dim`` (an int or tuple) that have size 1."""
    x = as_tensor_arg(x)
    dim = axis if dim is None else dim
    dims = range(x.ndim) if dim is None else wrap_dims(dim, x.ndim)
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1)))


@SQUEEZE.numpy_form
def _np_squeeze(a, axis=None) -> Tensor:
    a = as_tensor_arg(a)
    if axis is not None and any(a.shape[d] != 1 for d in wrap_dims(axis, a.ndim)):
        raise ValueError(f"cannot select an axis to squeeze out which has size not equal to one "
                         f"(axis {axis}, shape {a.shape})")
    return squeeze(a, axis)


@UNSQUEEZE.public
def unsqueeze(x, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim`` (in ``[-ndim-1, ndim]``)."""
    x = as_tensor_arg(x)
    shape = list(x.shape)
    shape.insert(wrap_dim(dim, x.ndim + 1), 1)
    return reshape(x, tuple(shape))


@EXPAND_DIMS.public
def expand_dims(a, axis) -> Tensor:
    """numpy's expand_dims: insert size-1 dimensions at ``axis`` (an int or tuple, in the result's numbering)."""
    a = as_tensor_arg(a)
    new = wrap_dims(axis, a.ndim + (1 if isinstance(axis, (int, np.integer)) else len(axis)))
    rest = iter(a.shape)
    return reshape(a, tuple(1 if i in new else next(rest) for i in range(a.ndim + len(new))))


@EXPAND.public
def expand(x, *args, size=None) -> Tensor:
    """Broadcast to ``size`` without copying; -1 keeps a dimension's size, new dimensions go in front."""
    x = as_tensor_arg(x)
    sizes = varargs(args, size, "size")
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise RuntimeError(f"expand: {len(sizes)} sizes given for a tensor with {x.ndim} dimensions")
    if any(n == -1 for n in sizes[:lead]):
        raise RuntimeError(f"expand: -1 is not allowed for the new leading dimensions in {sizes}")
    return broadcast_to(x, tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes)))


@EXPAND_AS.public
def expand_as(x, other) -> Tensor:
    """``x`` expanded to ``other``'s shape."""
    return expand(x, tuple(other.shape) if not isinstance(other, tuple) else other)


@FLATTEN.public
def flatten(x, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one (a 0-d tensor becomes 1-d)."""
    x = as_tensor_arg(x)
    shape = x.shape
    start, end = wrap_dim(start_dim, x.ndim, "start_dim"), wrap_dim(end_dim, x.ndim, "end_dim")
    if not shape:
        return reshape(x, (1,))
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return reshape(x, shape[:start] + (int(np.prod(shape[start:end + 1])),) + shape[end + 1:])


@UNFLATTEN.public
def unflatten(x, dim: int, sizes) -> Tensor:
    """Split dimension ``dim`` into ``sizes`` (one entry may be -1)."""
    x = as_tensor_arg(x)
    if x.ndim == 0:
        raise RuntimeError("unflatten: a 0-d tensor has no dimension to unflatten")
    d = wrap_dim(dim, x.ndim)
    inner = _check_shape(tuple(sizes), x.shape[d])
    return reshape(x, x.shape[:d] + inner + x.shape[d + 1:])


@RAVEL.public
def ravel(x) -> Tensor:
    """The elements as a 1-d tensor."""
    return reshape(x, -1)


@RAVEL.numpy_form
def _np_ravel(a, order="C") -> Tensor:
    if order not in ("C", "A", "K"):
        raise ValueError(f"np.ravel on Tensors supports C order only, got order={order!r}")
    return ravel(a)


def _atleast(n: int):
    def atleast(*tensors):
        """The tensor(s) viewed with at least ``n`` dimensions (numpy's and PyTorch's rules); one result or a tuple."""
        if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) and all(
                isinstance(t, Tensor) for t in tensors[0]):
            tensors = tuple(tensors[0])  # PyTorch also takes one sequence of tensors
        out = []
        for x in map(as_tensor_arg, tensors):
            shape = x.shape
            if n == 3 and x.ndim in (1, 2):  # (N,) -> (1, N, 1) and (M, N) -> (M, N, 1)
                shape = (1,) * (2 - x.ndim) + shape + (1,)
            elif x.ndim < n:
                shape = (1,) * (n - x.ndim) + shape
            out.append(reshape(x, shape) if shape != x.shape else x)
        return out[0] if len(out) == 1 else tuple(out)

    atleast.__name__ = atleast.__qualname__ = f"atleast_{n}d"
    return atleast


atleast_1d, atleast_2d, atleast_3d = (rec.public(_atleast(i + 1)) for i, rec in enumerate(ATLEAST))


from ..node import apply as _apply  # noqa: E402
