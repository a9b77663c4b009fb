"""Tensor factories and seeded randomness.

One global ``numpy.random.Generator`` serves every random factory, initializer, dropout mask
and data shuffle, so ``manual_seed`` makes a run reproducible bit for bit; each random
function also accepts its own ``generator=``.
"""
from __future__ import annotations

import numpy as np

from .dtypes import as_array, get_default_dtype
from .tensor import Tensor

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator; returns it."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def default_generator() -> np.random.Generator:
    """The global generator used when no ``generator=`` is passed."""
    return _generator


def _make(data: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor(data, requires_grad=requires_grad)


def _shape(shape) -> tuple:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


def _float(dtype) -> np.dtype:
    return np.dtype(dtype) if dtype is not None else get_default_dtype()


def tensor(data, requires_grad: bool = False, dtype=None) -> Tensor:
    """Like ``Tensor(data, ...)`` but always copies array data, as ``torch.tensor`` does: changing
    the source array afterwards cannot change the tensor. ``Tensor(ndarray)`` shares the array
    (like ``torch.from_numpy``), which is what wrapping without a copy needs."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray):
        data = data.copy()
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def zeros(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """Tensor of zeros."""
    return _make(np.zeros(_shape(shape), _float(dtype)), requires_grad)


def ones(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """Tensor of ones."""
    return _make(np.ones(_shape(shape), _float(dtype)), requires_grad)


def empty(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uninitialized tensor."""
    return _make(np.empty(_shape(shape), _float(dtype)), requires_grad)


def full(shape, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    """Tensor filled with ``fill_value``."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    dtype = dtype if dtype is not None else as_array(fill_value).dtype
    return _make(np.full(shape, fill_value, dtype), requires_grad)


def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False) -> Tensor:
    """Identity matrix."""
    return _make(np.eye(n, m, dtype=_float(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in ``[start, end)``; integer unless a bound is a float."""
    if end is None:
        start, end = 0, start
    data = np.arange(start, end, step)
    return _make(as_array(data.tolist() if dtype is None else data, dtype), requires_grad)


def linspace(start, end, steps: int, dtype=None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    return _make(np.linspace(start, end, steps, dtype=_float(dtype)), requires_grad)


def rand(*shape, dtype=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Uniform samples on ``[0, 1)``."""
    g = generator or _generator
    return _make(g.random(_shape(shape)).astype(_float(dtype)), requires_grad)


def randn(*shape, dtype=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Standard normal samples."""
    g = generator or _generator
    return _make(g.standard_normal(_shape(shape)).astype(_float(dtype)), requires_grad)


def randint(low: int, high: int | None = None, size=(), dtype=np.int64, requires_grad: bool = False,
            generator=None) -> Tensor:
    """Integers uniform on ``[low, high)`` (``requires_grad`` is accepted but integers cannot require grad)."""
    if high is None:
        low, high = 0, low
    g = generator or _generator
    return Tensor(g.integers(low, high, size=size).astype(dtype), requires_grad=requires_grad)


def _like(x, dtype):
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    return data.shape, (dtype if dtype is not None else data.dtype)


def zeros_like(x, dtype=None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``x``'s shape and dtype."""
    shape, dtype = _like(x, dtype)
    return _make(np.zeros(shape, dtype), requires_grad)


def ones_like(x, dtype=None, requires_grad: bool = False) -> Tensor:
    """Ones with ``x``'s shape and dtype."""
    shape, dtype = _like(x, dtype)
    return _make(np.ones(shape, dtype), requires_grad)


def full_like(x, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` with ``x``'s shape and dtype."""
    shape, dtype = _like(x, dtype)
    return _make(np.full(shape, fill_value, dtype), requires_grad)


def randn_like(x, dtype=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Standard normal samples with ``x``'s shape and dtype."""
    shape, dtype = _like(x, dtype)
    return _make((generator or _generator).standard_normal(shape).astype(dtype), requires_grad)
