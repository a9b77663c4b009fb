"""Default floating dtype and the rules that turn Python data into arrays.

PyTorch's conventions: Python floats and float lists become the default dtype (float32
unless changed), integer data stays int64, floating numpy arrays keep their dtype, and only
floating tensors may require gradients.
"""
from __future__ import annotations

import numpy as np

_default_dtype = np.dtype(np.float32)


def set_default_dtype(dtype) -> None:
    """Set the floating dtype used for Python numbers and lists (float32 or float64)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"default dtype must be a floating dtype, got {dtype}")
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    """The floating dtype that Python numbers and lists become."""
    return _default_dtype


def as_array(data, dtype=None) -> np.ndarray:
    """Convert user data to an ndarray following PyTorch's dtype inference."""
    if dtype is not None:
        return np.asarray(data, dtype=dtype)
    if isinstance(data, np.ndarray):
        return data
    if isinstance(data, np.generic):  # a numpy scalar keeps its dtype, like an array
        return np.asarray(data)
    arr = np.asarray(data)
    if arr.dtype.kind == "f" or (arr.dtype.kind == "O" and arr.size):
        return arr.astype(_default_dtype, copy=False)
    if arr.dtype.kind == "i":
        return arr.astype(np.int64, copy=False)
    if arr.size == 0 and arr.dtype == np.float64:
        return arr.astype(_default_dtype)
    return arr


def check_requires_grad(dtype: np.dtype) -> None:
    """Raise unless tensors of ``dtype`` may require gradients (floating types only)."""
    if dtype.kind not in "fc":
        raise TypeError(
            f"only floating-point tensors can require gradients, got dtype {dtype}; "
            "create the tensor with dtype=np.float32 (or float64)"
        )
