"""Argument checks shared by ``nn`` and ``optim``: a hyper-parameter of the wrong type raises a ``TypeError``
that names it, instead of failing later inside a comparison (``'<=' not supported between str and int``), and
one out of range a ``ValueError`` that names it."""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..tensor import Tensor


def check_real(value: Any, name: str) -> None:
    """Raise ``TypeError`` naming the argument unless ``value`` is a real number (not a bool or string)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, Tensor)) or (
            isinstance(value, Tensor) and value.numel() != 1):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_int(value, name: str, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum``: ``TypeError`` for a non-integer, ``ValueError`` for a smaller one."""
    if not _is_int(value):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        bound = {0: "non-negative", 1: "positive"}.get(minimum, f">= {minimum}")
        raise ValueError(f"{name} must be {bound}, got {value}")
    return int(value)


def ntuple(value, k: int, name: str, minimum: int = 1) -> tuple[int, ...]:
    """``value`` as ``k`` ints (an int is repeated), each at least ``minimum``; ``name`` is the argument's.

    A float or other non-integer raises ``TypeError``, a wrong count or a too small value ``ValueError``.
    """
    items = (value,) * k if _is_int(value) else value
    if not isinstance(items, (tuple, list)) or not all(_is_int(v) for v in items):
        raise TypeError(f"{name} must be an int or a tuple of {k} ints, got {value!r}")
    if len(items) != k:
        raise ValueError(f"{name} must be an int or a tuple of {k} ints, got {value!r}")
    if any(v < minimum for v in items):
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return tuple(int(v) for v in items)


def same_float_dtype(name: str, *operands, dtype=None):
    """PyTorch's products refuse tensors of different float dtypes where numpy promotes them: a RuntimeError
    naming both dtypes instead of a silent float64 result from float32 weights. Lists of tensors count too.
    Returns the operands' float dtype (None without floating tensors); ``dtype`` is one already seen."""
    for t in operands:
        if isinstance(t, Tensor):
            d = t.data.dtype
            if d.kind != "f" or d is dtype:
                continue
            if dtype is not None and d != dtype:
                pair = " and ".join(sorted((str(dtype), str(d))))
                raise RuntimeError(f"{name}: expected tensors of the same dtype, got {pair} (PyTorch does not promote "
                                   "in products); cast one with .float() or .double()")
            dtype = d
        elif isinstance(t, (list, tuple)):
            dtype = same_float_dtype(name, *t, dtype=dtype)
    return dtype
