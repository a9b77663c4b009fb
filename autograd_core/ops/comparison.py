"""Non-differentiable operations: comparisons, argmax/argmin, sign, rounding and ``//``.

They return tensors that never require grad, so a mask such as ``x < 0`` can be used inside
a differentiable expression (``x * (x < 0)``) and passes no gradient itself.
"""
from __future__ import annotations

import numpy as np

from ..registry import NONZERO, REAL, Primitive, register
from ..tensor import Tensor


def _nondiff(name, forward, numpy=None, arity=1, domain=None, **kw):
    inputs = ("a", "b") if arity == 2 else ("x",)
    return register(Primitive(name, forward, vjp=None, inputs=inputs, domain=domain or (REAL,) * arity, order=0,
                              numpy=(forward,) if numpy is None else numpy, **kw))


EQ = _nondiff("eq", np.equal, arity=2)
NE = _nondiff("ne", np.not_equal, arity=2)
LT = _nondiff("lt", np.less, arity=2)
LE = _nondiff("le", np.less_equal, arity=2)
GT = _nondiff("gt", np.greater, arity=2)
GE = _nondiff("ge", np.greater_equal, arity=2)


def integer_checked(ufunc, name):
    """``ufunc`` that raises ``ZeroDivisionError`` on an integer zero divisor, as PyTorch does
    (numpy would return 0 with a warning)."""
    def forward(a, b):
        if np.result_type(a, b).kind in "iub" and np.any(np.asarray(b) == 0):
            raise ZeroDivisionError(f"integer {name} by zero")
        return ufunc(a, b)

    return forward


FLOORDIV = _nondiff("floordiv", integer_checked(np.floor_divide, "floor division"), numpy=(np.floor_divide,),
                    arity=2, domain=(REAL, NONZERO), torch=lambda T, a, b: T.floor_divide(a, b))
SIGN = _nondiff("sign", np.sign)
FLOOR = _nondiff("floor", np.floor)
CEIL = _nondiff("ceil", np.ceil)
ROUND = _nondiff("round", np.round, numpy=(np.round, np.around))


def _sample_arg(s, domains):
    # numpy's parameter names (the forward's; the public function accepts them as aliases of dim/keepdim)
    shape = s.shape(min_side=1)
    axis = s.choice([None] + list(range(-len(shape), len(shape))))
    return [s.array(shape, domains[0])], {"axis": axis, "keepdims": axis is not None and s.boolean()}


ARGMAX = _nondiff("argmax", np.argmax, sample=_sample_arg,
                  torch=lambda T, x, axis=None, keepdims=False: T.argmax(x, dim=axis, keepdim=keepdims))
ARGMIN = _nondiff("argmin", np.argmin, sample=_sample_arg,
                  torch=lambda T, x, axis=None, keepdims=False: T.argmin(x, dim=axis, keepdim=keepdims))


def _arg_front(record):
    def front(input, dim=None, keepdim: bool = False, *, axis=None, keepdims=None) -> Tensor:
        axis = dim if dim is not None else axis
        return _apply(record, input, axis=None if axis is None else int(axis),
                      keepdims=bool(keepdim if keepdims is None else keepdims))

    def numpy_form(a, axis=None, out=None, *, keepdims=False) -> Tensor:
        if out is not None:
            raise TypeError(f"np.{record.name}(..., out=...) is not supported on Tensors")
        return front(a, axis, keepdims)

    front.__name__ = front.__qualname__ = record.name
    front.__doc__ = f"Index of the {record.name[3:]}imum over ``dim`` (of the flattened tensor when None), as int64."
    numpy_form.__name__ = numpy_form.__qualname__ = f"numpy_{record.name}"
    record.numpy_form(numpy_form)
    return record.public(front)


argmax, argmin = _arg_front(ARGMAX), _arg_front(ARGMIN)
eq, ne, lt, le, gt, ge, floordiv, sign, floor, ceil, round = (
    r.function for r in (EQ, NE, LT, LE, GT, GE, FLOORDIV, SIGN, FLOOR, CEIL, ROUND))


from ..node import apply as _apply  # noqa: E402
