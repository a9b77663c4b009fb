"""numpy protocols: ufuncs and functions with a registered counterpart return tracked Tensors.

The dispatch table is built from the registry's numpy aliases, so registering an operation
with ``numpy=(np.foo,)`` is all it takes for ``np.foo(tensor)`` to be differentiable. Queries
(``np.shape``, ``np.ndim``, ...) just answer. Anything else raises ``TypeError`` naming the
numpy function, and turning a tensor that requires grad into an ndarray (``np.asarray``, or a
numpy function handed a list of tensors) raises like PyTorch: the graph is never dropped silently.
"""
from __future__ import annotations

import numpy as np

from .grad_mode import state
from .registry import numpy_table
from .tensor import Tensor, data_of

_table: dict | None = None


_QUERIES = {
    np.shape: lambda a: np.shape(data_of(a)),
    np.ndim: lambda a: np.ndim(data_of(a)),
    np.size: lambda a, axis=None: np.size(data_of(a), axis),
    np.result_type: lambda *args: np.result_type(*map(data_of, args)),
    np.iscomplexobj: lambda x: np.iscomplexobj(data_of(x)),
    np.isrealobj: lambda x: np.isrealobj(data_of(x)),
}

# ufunc keywords a Tensor call accepts only at numpy's default value
_UFUNC_DEFAULTS = {"where": True, "casting": "same_kind", "order": "K", "subok": True}


def _lookup(func):
    global _table
    if _table is None:
        _table = {**numpy_table(), **_QUERIES}
    fn = _table.get(func)
    if fn is None:
        name = getattr(func, "__name__", repr(func))
        raise TypeError(f"numpy function '{name}' is not supported on Tensors (it has no differentiable "
                        "counterpart); use the Tensor operations or pass t.data explicitly")
    return fn


def to_array(t: Tensor, dtype=None, copy=None) -> np.ndarray:
    """``Tensor.__array__``: the data, refused for a tensor that requires grad while grad mode is on."""
    if t.requires_grad and state.grad_enabled:
        raise RuntimeError(
            "Can't call numpy() on Tensor that requires grad: converting it to an ndarray (np.asarray, "
            "np.array, or a numpy function given a list of tensors) would drop its graph. Use "
            "tensor.detach().numpy() for the values, or ag.stack([...]) / ag.concatenate (ag.r_[...] / ag.c_[...] for "
            "np.r_ / np.c_) to join tensors into one tracked tensor first")
    if dtype is not None and np.dtype(dtype) != t.data.dtype:
        return t.data.astype(dtype)
    return t.data.copy() if copy else t.data


def _cast(x, dtype: np.dtype):
    if isinstance(x, Tensor):
        return _ops.astype(x, dtype)
    return x if type(x) in (int, float) else np.asarray(x, dtype=dtype)


def array_ufunc(ufunc, method: str, inputs: tuple, kwargs: dict):
    """``Tensor.__array_ufunc__``: route a ufunc call to the registered operation, with numpy's keywords
    (``out=`` refused, ``dtype=`` casting the inputs, ``where=``/``casting=``/... only at their defaults)."""
    name = f"np.{ufunc.__name__}"
    if method != "__call__":
        return _ufunc_method(ufunc, method, inputs, kwargs)
    out = kwargs.pop("out", None)
    if out is not None and any(o is not None for o in out):
        raise TypeError(f"{name}(..., out=...) is not supported on Tensors: numpy cannot write into a "
                        "tracked tensor; use the returned Tensor instead")
    dtype = kwargs.pop("dtype", None)
    for key, value in kwargs.items():
        if key not in _UFUNC_DEFAULTS or not (value is _UFUNC_DEFAULTS[key] or
                                             (isinstance(value, str) and value == _UFUNC_DEFAULTS[key])):
            hint = (" (numpy leaves the unselected elements undefined without out=; use np.where(cond, "
                    f"{name}(t), other))") if key == "where" else ""
            raise TypeError(f"{name}: keyword {key}={value!r} is not supported on Tensors{hint}")
    fn = _lookup(ufunc)
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"{name}: dtype={dtype} is not supported on Tensors (only floating dtypes)")
        inputs = tuple(_cast(x, dtype) for x in inputs)
    return fn(*inputs)


# ufunc methods with a registered counterpart: (ufunc, method) -> the operation's name
_METHODS = {(np.add, "reduce"): "sum", (np.multiply, "reduce"): "prod", (np.maximum, "reduce"): "amax",
            (np.minimum, "reduce"): "amin", (np.add, "accumulate"): "cumsum", (np.multiply, "accumulate"): "cumprod",
            (np.logaddexp, "accumulate"): "logcumsumexp"}


def _ufunc_method(ufunc, method: str, inputs: tuple, kwargs: dict):
    """``np.add.reduce(t, axis=0)`` and friends: numpy's defaults (``axis=0``) over the matching operation."""
    op = _METHODS.get((ufunc, method))
    extra = sorted(k for k, v in kwargs.items() if k not in ("axis", "dtype", "keepdims") and v is not None)
    if op is None or len(inputs) != 1 or extra:
        detail = f" with {', '.join(extra)}" if extra else ""
        raise TypeError(f"numpy ufunc '{ufunc.__name__}.{method}'{detail} is not supported on Tensors; use the "
                        "matching operation (e.g. ag.sum for np.add.reduce, ag.cumsum for np.add.accumulate)")
    (x,), axis, dtype = inputs, kwargs.get("axis", 0), kwargs.get("dtype")
    if dtype is not None:
        x = _cast(x, np.dtype(dtype))
    if method == "accumulate":
        return getattr(_ops, op)(x, axis)
    return getattr(_ops, op)(x, axis=axis, keepdims=bool(kwargs.get("keepdims", False)))


def array_function(func, args: tuple, kwargs: dict):
    """``Tensor.__array_function__``: route e.g. ``np.sum(t)`` to the registered operation."""
    return _lookup(func)(*args, **kwargs)


from . import ops as _ops  # noqa: E402  (the operations are registered after this module loads)
