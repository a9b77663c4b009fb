"""Non-differentiable operations: comparisons, argmax/argmin, sign, rounding, ``//`` and ``%``.

They return tensors that never require grad, so a mask such as ``x < 0`` can be used inside
a differentiable expression (``x * (x < 0)``) and passes no gradient itself.
"""
from __future__ import annotations

import numpy as np

from ..registry import NONZERO, REAL, Primitive, register


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
FLOORDIV = _nondiff("floordiv", np.floor_divide, arity=2, domain=(REAL, NONZERO),
                    torch=lambda T, a, b: T.floor_divide(a, b))
MOD = _nondiff("mod", np.mod, arity=2, domain=(REAL, NONZERO), torch=lambda T, a, b: T.remainder(a, b))
SIGN = _nondiff("sign", np.sign)
FLOOR = _nondiff("floor", np.floor)
CEIL = _nondiff("ceil", np.ceil)
ROUND = _nondiff("round", np.round, numpy=(np.round, np.around))
ARGMAX = _nondiff("argmax", lambda x, axis=None, keepdims=False: np.argmax(x, axis=axis, keepdims=keepdims),
                  numpy=(np.argmax,), sample=lambda s, d: _sample_arg(s, d),
                  torch=lambda T, x, axis=None, keepdims=False: T.argmax(x, dim=axis, keepdim=keepdims))
ARGMIN = _nondiff("argmin", lambda x, axis=None, keepdims=False: np.argmin(x, axis=axis, keepdims=keepdims),
                  numpy=(np.argmin,), sample=lambda s, d: _sample_arg(s, d),
                  torch=lambda T, x, axis=None, keepdims=False: T.argmin(x, dim=axis, keepdim=keepdims))


def _sample_arg(s, domains):
    shape = s.shape(min_side=1)
    axis = s.choice([None] + list(range(-len(shape), len(shape))))
    return [s.array(shape, domains[0])], {"axis": axis, "keepdims": axis is not None and s.boolean()}


eq, ne, lt, le, gt, ge, floordiv, mod, sign, floor, ceil, round, argmax, argmin = (
    r.function for r in (EQ, NE, LT, LE, GT, GE, FLOORDIV, MOD, SIGN, FLOOR, CEIL, ROUND, ARGMAX, ARGMIN))
