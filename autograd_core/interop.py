"""numpy protocols: ufuncs and functions with a registered counterpart return tracked Tensors.

The dispatch table is built from the registry's numpy aliases, so registering an operation
with ``numpy=(np.foo,)`` is all it takes for ``np.foo(tensor)`` to be differentiable.
Anything else raises ``TypeError`` naming the numpy function, rather than silently
dropping the graph.
"""
from __future__ import annotations

from .registry import numpy_table

_table: dict | None = None


def _lookup(func):
    global _table
    if _table is None:
        _table = numpy_table()
    fn = _table.get(func)
    if fn is None:
        name = getattr(func, "__name__", repr(func))
        raise TypeError(f"numpy function '{name}' is not supported on Tensors (it has no differentiable "
                        "counterpart); use the Tensor operations or pass t.data explicitly")
    return fn


def array_ufunc(ufunc, method: str, inputs: tuple, kwargs: dict):
    """``Tensor.__array_ufunc__``: route a plain ufunc call to the registered operation."""
    if method != "__call__" or kwargs.get("out") is not None:
        raise TypeError(f"numpy ufunc '{ufunc.__name__}.{method}' (or out=) is not supported on Tensors")
    kwargs = {k: v for k, v in kwargs.items() if k != "out"}
    return _lookup(ufunc)(*inputs, **kwargs)


def array_function(func, args: tuple, kwargs: dict):
    """``Tensor.__array_function__``: route e.g. ``np.sum(t)`` to the registered operation."""
    return _lookup(func)(*args, **kwargs)
