"""Default floating dtype and the rules that turn Python data into arrays.

PyTorch's conventions: Python floats and float lists become the default dtype (float32
unless changed), integer data stays int64, floating numpy arrays keep their dtype, and only
floating tensors may require gradients.
"""
from __future__ import annotations

import numpy as np

_default_dtype = np.dtype(np.float32)

# PyTorch's dtype names (``autograd_core.float32``, ``autograd_core.long``, ...): numpy dtypes, so they
# are accepted wherever a dtype is and compare equal to ``tensor.dtype``.
DTYPES = {name: np.dtype(kind) for names, kind in (
    (("float16", "half"), np.float16), (("float32", "float"), np.float32), (("float64", "double"), np.float64),
    (("complex64", "cfloat"), np.complex64), (("complex128", "cdouble"), np.complex128),
    (("uint8",), np.uint8), (("int8",), np.int8), (("int16", "short"), np.int16), (("int32", "int"), np.int32),
    (("int64", "long"), np.int64), (("bool",), np.bool_)) for name in names}


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
    """Convert user data to an ndarray following PyTorch's dtype inference; data that is not
    numbers (None, strings, objects, integers beyond int64) raises instead of becoming NaN."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OUSV":
        return data if dtype is None else data.astype(dtype, copy=False)
    if isinstance(data, np.generic) and data.dtype.kind not in "OUSV":  # a numpy scalar keeps its dtype
        return np.asarray(data, dtype=dtype)
    arr = _numeric(data)
    if dtype is not None:
        return arr.astype(dtype, copy=False)
    if arr.dtype.kind == "f":
        return arr.astype(_default_dtype, copy=False)
    if arr.dtype.kind == "i":
        return arr.astype(np.int64, copy=False)
    if arr.size == 0 and arr.dtype == np.float64:
        return arr.astype(_default_dtype)
    return arr


def _numeric(data) -> np.ndarray:
    """``np.asarray(data)``, refusing what is not numeric data with an error that says what was found."""
    if data is None:
        raise TypeError("tensor(): data is None; pass a number, a (nested) list of numbers or an array")
    try:
        arr = np.asarray(data)
    except ValueError as e:
        raise ValueError(f"tensor(): the data is not a rectangular array of numbers ({e})") from None
    if arr.dtype.kind in "USV":
        raise TypeError(f"tensor(): strings are not numbers (got dtype {arr.dtype}); convert them first")
    if arr.dtype.kind == "O":
        for item in arr.reshape(-1):
            if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
                if not -2 ** 63 <= item < 2 ** 63:
                    raise OverflowError(f"tensor(): the integer {item} does not fit in int64")
            elif not isinstance(item, (float, complex, bool, np.number, np.bool_)):
                raise TypeError(f"tensor(): element {item!r} of type {type(item).__name__} is not a number")
        return np.asarray(arr.tolist())  # numbers held as objects (e.g. an object ndarray of floats)
    return arr


def check_requires_grad(dtype: np.dtype) -> None:
    """Raise unless tensors of ``dtype`` may require gradients (floating types only)."""
    if dtype.kind != "f":
        raise TypeError(
            f"only floating-point tensors can require gradients, got dtype {dtype}; "
            "create the tensor with dtype=np.float32 (or float64)"
        )
