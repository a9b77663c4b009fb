"""Sorting: sort and topk return ``(values, indices)`` (values tracked, indices not); argsort the indices.

The values are a gather at the sorted indices, so their gradient scatters back through those
indices (the ``getitem``/``index_add`` pair). ``np.sort`` gives the values only and
``np.argsort`` the indices, with numpy's ``axis=-1`` signature; ties keep their input order.
"""
from __future__ import annotations

import numpy as np

from ..registry import DISTINCT, Composite, Primitive, register
from ..tensor import Tensor
from .gathering import take_along_dim
from .reduction import result_type
from .shape import as_tensor_arg, wrap_dim

_SORT, _TOPK = result_type("sort"), result_type("topk")


def _order(a: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable argsort along ``axis``; descending keeps equal elements in input order too."""
    if a.ndim == 0:
        return np.zeros((), dtype=np.int64)
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    # descending by (-value, position): lexsort's last key is the primary one
    moved = np.moveaxis(a, axis, -1)
    pos = np.broadcast_to(np.arange(moved.shape[-1]), moved.shape)
    keys = -moved if moved.dtype.kind != "b" else ~moved
    return np.moveaxis(np.lexsort((pos, keys), axis=-1), -1, axis)


def _gathered(result_type, x: Tensor, indices: np.ndarray, d: int) -> tuple:
    """``(values, indices)``: the values gathered from ``x`` at ``indices`` along ``d`` (tracked)."""
    return result_type(take_along_dim(x, indices, d) if x.ndim else x, Tensor(indices))


def _sample_sort(s, domains):
    shape = s.shape()
    n = max(len(shape), 1)
    return [s.array(shape, domains[0])], {"dim": s.integers(-n, n - 1), "descending": s.boolean()}


def _np_sample_sort(s, domains):
    shape = s.shape(min_dims=1)
    return [s.array(shape, domains[0])], {"axis": s.choice([-1, 0, None])}


def _sample_topk(s, domains):
    shape = s.shape(min_dims=1)
    dim = s.integers(-len(shape), len(shape) - 1)
    return [s.array(shape, domains[0]), s.integers(0, shape[dim])], {"dim": dim, "largest": s.boolean()}


SORT = register(Composite("sort", domain=(DISTINCT,), sample=_sample_sort, numpy_sample=_np_sample_sort,
                          numpy=(np.sort,)))
ARGSORT = register(Primitive(
    "argsort", lambda x, dim=-1, descending=False: _order(x, dim, descending), vjp=None, domain=(DISTINCT,),
    sample=_sample_sort, numpy_sample=_np_sample_sort, numpy=(np.argsort,)))
TOPK = register(Composite("topk", domain=(DISTINCT,), sample=_sample_topk))


@SORT.public
def sort(input, dim: int = -1, descending: bool = False, stable: bool = False) -> tuple:
    """``(values, indices)`` sorted along ``dim``; the values' gradient goes back through the indices.

    The sort is always stable (equal elements keep their order), which also satisfies ``stable=False``."""
    x = as_tensor_arg(input)
    d = wrap_dim(dim, x.ndim)
    return _gathered(_SORT, x, _order(x.data, d, descending), d)


def _numpy_sorting(name: str, by_axis):
    """numpy's ``np.sort``/``np.argsort`` signature over ``by_axis(tensor, axis)``; ``axis=None`` flattens."""
    def numpy_form(a, axis=-1, kind=None, order=None, *, stable=None) -> Tensor:
        if order is not None:
            raise TypeError(f"np.{name} on Tensors does not support order= (structured arrays)")
        a = as_tensor_arg(a)
        if axis is None:
            a, axis = a.reshape(-1), 0
        return by_axis(a, axis)

    numpy_form.__name__ = numpy_form.__qualname__ = f"numpy_{name}"
    return numpy_form


@ARGSORT.public
def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (not differentiable)."""
    x = as_tensor_arg(input)
    return _apply(ARGSORT, x, dim=wrap_dim(dim, x.ndim), descending=bool(descending))


SORT.numpy_form(_numpy_sorting("sort", lambda a, axis: sort(a, axis).values))
ARGSORT.numpy_form(_numpy_sorting("argsort", argsort))


@TOPK.public
def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> tuple:
    """``(values, indices)`` of the ``k`` largest (or smallest) elements along ``dim``, in sorted order."""
    x = as_tensor_arg(input)
    d = wrap_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if not 0 <= k <= n:
        raise IndexError(f"topk: k={k} is out of range for dimension {dim} of size {n}")
    indices = _order(x.data, d, largest)[(slice(None),) * d + (slice(0, k),)] if x.ndim else _order(x.data, 0, False)
    return _gathered(_TOPK, x, indices, d)


from ..node import apply as _apply  # noqa: E402
