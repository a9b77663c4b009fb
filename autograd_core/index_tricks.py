"""``ag.r_`` and ``ag.c_``: numpy's index-expression concatenators, building tracked tensors.

``np.r_[a, b]`` cannot record a graph: numpy's ``AxisConcatenator`` turns every item into an
ndarray with ``np.array`` (not dispatchable) before concatenating, so on tensors that require
grad it raises like ``np.asarray`` and names these. They follow numpy's semantics for tensors,
arrays, scalars, slices (``start:stop:step``, a complex step ``nj`` meaning ``n`` points as in
``linspace``) and a leading directive string (``'axis'``, ``'axis,ndmin[,trans1d]'``, ``'r'``/``'c'``),
and join through ``concatenate``, ``reshape`` and ``permute``, so gradients flow to every tensor.
"""
from __future__ import annotations

import numpy as np

from .ops import astype, cat, permute, reshape
from .tensor import Tensor


class AxisConcatenator:
    """``obj[item, item, ...]`` joins the items along ``axis`` after giving each ``ndmin`` dimensions
    (a tensor with fewer has its dimensions placed at ``trans1d``, numpy's rule)."""

    def __init__(self, name: str, axis: int = 0, ndmin: int = 1, trans1d: int = -1) -> None:
        self.name, self.axis, self.ndmin, self.trans1d = name, axis, ndmin, trans1d

    def __getitem__(self, key) -> Tensor:
        if isinstance(key, str):
            raise TypeError(f"ag.{self.name}[{key!r}]: numpy's matrix-building string is not supported; pass the "
                            "tensors to join")
        items = key if isinstance(key, tuple) else (key,)
        axis, ndmin, trans1d, matrix = self.axis, self.ndmin, self.trans1d, None
        if items and isinstance(items[0], str):
            axis, ndmin, trans1d, matrix = self._directive(items[0], axis, ndmin, trans1d)
            items = items[1:]
        pieces = [self._piece(item, ndmin, trans1d) for item in items]
        if not pieces:
            raise ValueError(f"ag.{self.name}[...] needs at least one item to join")
        dtype = np.result_type(*(p if _is_scalar(p) else p.dtype for p in pieces))
        joined = cat([_as_dtype(p, dtype, ndmin) for p in pieces], axis)
        if matrix is None:
            return joined
        if joined.ndim > 2:
            raise ValueError(f"ag.{self.name}[{matrix!r}, ...] makes a matrix, but the result has shape {joined.shape}")
        return reshape(joined, (-1, 1) if matrix == "c" else (1, -1)) if joined.ndim == 1 else joined

    def _directive(self, text: str, axis: int, ndmin: int, trans1d: int) -> tuple:
        """The leading string: ``'r'``/``'c'`` (a row or column matrix), ``'axis'`` or ``'axis,ndmin[,trans1d]'``."""
        if text in ("r", "c"):
            return axis, ndmin, trans1d, text
        try:
            numbers = [int(part) for part in text.split(",")]
        except ValueError:
            numbers = []
        if not 1 <= len(numbers) <= 3:
            raise ValueError(f"ag.{self.name}: unknown directive {text!r} (expected 'r', 'c', 'axis' or "
                             "'axis,ndmin[,trans1d]')")
        numbers += [ndmin, trans1d][len(numbers) - 1:]  # what the string leaves out keeps its default
        return numbers[0], numbers[1], numbers[2], None

    def _piece(self, item, ndmin: int, trans1d: int):
        """A tensor or array with at least ``ndmin`` dimensions, or a scalar (widened once the dtype is known)."""
        if isinstance(item, str):
            raise ValueError(f"ag.{self.name}: a directive string must be the first item, got {item!r}")
        if isinstance(item, slice):
            item = _range(item)
        elif _is_scalar(item):
            return item
        x = item if isinstance(item, Tensor) else np.asarray(item)
        if x.ndim >= ndmin:
            return x
        widened = reshape(x, (1,) * (ndmin - x.ndim) + x.shape) if isinstance(x, Tensor) else x.reshape(
            (1,) * (ndmin - x.ndim) + x.shape)
        if trans1d == -1:
            return widened
        # numpy's rule: the item's own dimensions move to start at axis trans1d
        k2, k1 = ndmin - x.ndim, trans1d + (ndmin - x.ndim + 1 if trans1d < 0 else 0)
        axes = tuple(range(k1)) + tuple(range(k2, ndmin)) + tuple(range(k1, k2))
        return permute(widened, axes) if isinstance(widened, Tensor) else widened.transpose(axes)


def _is_scalar(item) -> bool:
    return type(item) in np.ScalarType


def _range(item: slice) -> np.ndarray:
    """``start:stop:step`` as ``np.arange``, or ``start:stop:nj`` as ``n`` points of ``np.linspace``."""
    start = 0 if item.start is None else item.start
    step = 1 if item.step is None else item.step
    if isinstance(step, (complex, np.complexfloating)):
        return np.linspace(start, item.stop, num=int(abs(step)))
    return np.arange(start, item.stop, step)


def _as_dtype(piece, dtype: np.dtype, ndmin: int):
    """``piece`` in the joint dtype: a scalar as a ``(1,)*ndmin`` array, a tensor through a tracked cast."""
    if _is_scalar(piece):
        return np.full((1,) * ndmin, piece, dtype=dtype)
    if isinstance(piece, Tensor):
        return piece if piece.dtype == dtype else astype(piece, dtype)
    return piece.astype(dtype, copy=False)


r_ = AxisConcatenator("r_")
c_ = AxisConcatenator("c_", axis=-1, ndmin=2, trans1d=0)
