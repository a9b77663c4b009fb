"""Non-differentiable operations: comparisons, predicates, logic, argmax/argmin, rounding, ``//``,
``any``/``all``, ``nonzero``, ``unique``, ``bincount``.

They return tensors that never require grad, so a mask such as ``x < 0`` can be used inside
a differentiable expression (``x * (x < 0)``) and passes no gradient itself. PyTorch's spelling
on methods and ``autograd_core.NAME`` (``nonzero`` gives an ``(N, ndim)`` index matrix); numpy's
through ``np.NAME(t)`` (``np.nonzero`` a tuple). Whole-tensor queries (``allclose``, ``equal`` and
numpy's ``np.array_equal``/``np.array_equiv``) answer a Python bool, as both libraries do;
``bincount`` takes integer data, so it is a plain function rather than a record.
"""
from __future__ import annotations

import numpy as np

from ..registry import EVEN_GRID, NONZERO, REAL, Primitive, register
from ..tensor import Tensor, data_of


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
TRUNC = _nondiff("trunc", np.trunc, api=("trunc", "fix"), numpy=(np.trunc, np.fix))
ISNAN = _nondiff("isnan", np.isnan)
ISINF = _nondiff("isinf", np.isinf)
ISFINITE = _nondiff("isfinite", np.isfinite)
LOGICAL_NOT = _nondiff("logical_not", np.logical_not)
LOGICAL_AND = _nondiff("logical_and", np.logical_and, arity=2)
LOGICAL_OR = _nondiff("logical_or", np.logical_or, arity=2)
LOGICAL_XOR = _nondiff("logical_xor", np.logical_xor, arity=2)


def _sample_close(s, domains):
    """Operands that are equal, close or apart (NaNs in the same places, or none), with tolerances."""
    shape = s.shape()
    a = s.array(shape, REAL)
    b = np.asarray(a + s.choice([0.0, 1e-9, 1e-3, 1.0]) * s.array(shape, REAL))
    if s.boolean():
        a[a > 1.5] = b[a > 1.5] = np.nan
    if b.ndim and len(b) and s.boolean():  # broadcasting (the answer then mostly compares a to its first row)
        b = np.asarray(b[0])
    return [a, b], {"rtol": s.choice([1e-5, 1e-2]), "atol": s.choice([1e-8, 0.0]), "equal_nan": s.boolean()}


def _sample_equal(s, domains, numpy=False):
    """Operands that are equal, differ in a value, or differ in shape (NaNs optional)."""
    a = s.array(s.shape(), REAL)
    if s.boolean():
        a[a > 1.5] = np.nan
    b = s.choice(["same", "value", "shape"])
    b = a.copy() if b == "same" else np.asarray(a + 1.0) if b == "value" else a.reshape(-1)[:1]
    return [a, b], {"equal_nan": s.boolean()} if numpy else {}


def _sample_equiv(s, domains):
    """A stack of equal rows and its row (equivalent by broadcasting), or two drawn arrays."""
    row = s.array(s.shape(max_dims=2), REAL)
    a = np.broadcast_to(row, (s.integers(1, 3),) + row.shape).copy()
    return [a, row if s.boolean() else s.array(a.shape, REAL)], {}


ISCLOSE = _nondiff("isclose", np.isclose, arity=2, sample=_sample_close)
ALLCLOSE = _nondiff("allclose", np.allclose, arity=2, sample=_sample_close)
EQUAL = _nondiff("equal", np.array_equal, numpy=(np.array_equal,), arity=2, sample=_sample_equal,
                 numpy_sample=lambda s, d: _sample_equal(s, d, numpy=True))
ARRAY_EQUIV = _nondiff("array_equiv", np.array_equiv, api=(), arity=2, sample=_sample_equiv)


@SIGN.public
def sign(input) -> Tensor:
    """-1, 0 or 1 by the sign; 0 at NaN as PyTorch (``np.sign(t)`` keeps numpy's NaN)."""
    out = _apply(SIGN, input)
    nan = np.isnan(out.data) if out.dtype.kind == "f" else None
    if nan is not None and nan.any():
        out.data[nan] = 0
    return out


@SIGN.numpy_form
def numpy_sign(x, **kwargs) -> Tensor:
    """``np.sign`` on Tensors: NaN stays NaN, as numpy."""
    return _apply(SIGN, x, **kwargs)


@ROUND.public
def round(input, *, decimals: int = 0) -> Tensor:
    """Round half to even, to ``decimals`` decimal places (PyTorch's keyword)."""
    return _apply(ROUND, input, decimals=int(decimals))


@ROUND.numpy_form
def numpy_round(a, decimals: int = 0, out=None) -> Tensor:
    """``np.round``/``np.around`` on Tensors."""
    if out is not None:
        raise TypeError("np.round(..., out=...) is not supported on Tensors")
    return round(a, decimals=decimals)


@ISCLOSE.public
def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol·|other|`` (PyTorch's and numpy's defaults agree)."""
    return _apply(ISCLOSE, input, other, rtol=rtol, atol=atol, equal_nan=bool(equal_nan))


@ALLCLOSE.public
def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when every element is ``isclose`` (a Python bool, as ``torch.allclose`` and ``np.allclose``)."""
    return bool(_apply(ALLCLOSE, input, other, rtol=rtol, atol=atol, equal_nan=bool(equal_nan)).data)


@EQUAL.public
def equal(input, other) -> bool:
    """True when both have the same shape and elements (a Python bool, as ``torch.equal``)."""
    return bool(_apply(EQUAL, input, other).data)


@EQUAL.numpy_form
def numpy_array_equal(a1, a2, equal_nan: bool = False) -> bool:
    """``np.array_equal`` on Tensors: same shape and elements (NaNs equal with ``equal_nan``)."""
    return bool(_apply(EQUAL, a1, a2, equal_nan=bool(equal_nan)).data)


@ARRAY_EQUIV.public  # (numpy's name only: dispatched from np.array_equiv, not exported)
def array_equiv(a1, a2) -> bool:
    """``np.array_equiv`` on Tensors: equal elements once broadcast together (False when they cannot be)."""
    return bool(_apply(ARRAY_EQUIV, a1, a2).data)


def _data(x) -> np.ndarray:
    return np.asarray(data_of(x))


def _sample_axis_reduction(s, domains):
    # forward's (numpy's) parameter names; the public function takes PyTorch's dim/keepdim too
    shape = s.shape(min_side=1)
    axis = s.choice([None] + list(range(-len(shape), len(shape))))
    return [s.array(shape, domains[0])], {"axis": axis, "keepdims": axis is not None and s.boolean()}


def _axis_reduction_fronts(record, doc: str):
    """PyTorch's ``(input, dim, keepdim)`` function and numpy's ``(a, axis, out, keepdims)`` form of a
    non-differentiable reduction (any, all, argmax, argmin). numpy's dispatcher has already checked the
    arguments against its own signature (``keepdims`` is keyword-only for argmax), so one form serves all."""
    def front(input, dim=None, keepdim: bool = False, *, axis=None, keepdims=None) -> Tensor:
        axis = dim if dim is not None else axis
        if axis is not None:
            axis = int(axis) if isinstance(axis, (int, np.integer)) else tuple(axis)
        return _apply(record, input, axis=axis, keepdims=bool(keepdim if keepdims is None else keepdims))

    def numpy_form(a, axis=None, out=None, keepdims=False, *, where=None) -> Tensor:
        if out is not None or where is not None:
            raise TypeError(f"np.{record.name}(..., out=/where=) is not supported on Tensors")
        return front(a, axis, keepdims)

    front.__name__ = front.__qualname__ = record.name
    front.__doc__ = doc
    numpy_form.__name__ = numpy_form.__qualname__ = f"numpy_{record.name}"
    record.numpy_form(numpy_form)
    return record.public(front)


ANY = _nondiff("any", np.any, domain=(EVEN_GRID,), sample=_sample_axis_reduction,
               torch=lambda T, x, axis=None, keepdims=False: T.any(x) if axis is None else T.any(x, axis, keepdims))
ALL = _nondiff("all", np.all, domain=(EVEN_GRID,), sample=_sample_axis_reduction,
               torch=lambda T, x, axis=None, keepdims=False: T.all(x) if axis is None else T.all(x, axis, keepdims))
any, all = (_axis_reduction_fronts(r, f"Whether {r.name} elements are nonzero, over ``dim`` (all elements when "
                                      "None); a bool tensor.") for r in (ANY, ALL))

NONZERO_RECORD = _nondiff("nonzero", np.argwhere, api=("nonzero",), numpy=(np.nonzero,),
                          domain=(EVEN_GRID,), sample=lambda s, d: ([s.array(s.shape(min_dims=1), EVEN_GRID)], {}))


@NONZERO_RECORD.public
def nonzero(input, *, as_tuple: bool = False):
    """Indices of the nonzero elements: an ``(N, ndim)`` int64 tensor, or one 1-D tensor per dim with
    ``as_tuple=True`` (PyTorch's spelling; ``np.nonzero(t)`` keeps numpy's tuple)."""
    index = _apply(NONZERO_RECORD, input)
    if not as_tuple:
        return index
    return tuple(Tensor(index.data[:, d]) for d in range(index.shape[1])) if index.ndim == 2 else (index,)


@NONZERO_RECORD.numpy_form
def numpy_nonzero(a) -> tuple:
    """``np.nonzero`` on Tensors: a tuple of index tensors (``np.argwhere`` is PyTorch's ``nonzero``)."""
    data = _data(a)
    return tuple(Tensor(i.astype(np.int64)) for i in np.nonzero(data))


UNIQUE = _nondiff("unique", lambda x, axis=None: np.unique(x, axis=axis), numpy=(np.unique,), domain=(EVEN_GRID,))



@UNIQUE.public
def unique(input, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """The sorted distinct values (always sorted, as PyTorch on the CPU), optionally with the inverse
    indices (``input``'s shape) and the counts; along ``dim`` the distinct slices."""
    values = _apply(UNIQUE, input, axis=dim)
    if not (return_inverse or return_counts):
        return values
    data = _data(input)
    _, inverse, counts = np.unique(data, return_inverse=True, return_counts=True, axis=dim)
    extra = ((Tensor(inverse.reshape(data.shape if dim is None else -1).astype(np.int64)),) if return_inverse else ()
             ) + ((Tensor(counts.astype(np.int64)),) if return_counts else ())
    return (values,) + extra


@UNIQUE.numpy_form
def numpy_unique(ar, return_index: bool = False, return_inverse: bool = False, return_counts: bool = False,
                 axis=None, *, equal_nan: bool = True):
    """``np.unique`` on Tensors, with numpy's flags and result order."""
    results = np.unique(_data(ar), return_index=return_index, return_inverse=return_inverse,
                        return_counts=return_counts, axis=axis, equal_nan=equal_nan)
    return tuple(Tensor(r) for r in results) if isinstance(results, tuple) else Tensor(results)


def bincount(input, weights=None, minlength: int = 0) -> Tensor:
    """Occurrences of each non-negative integer in the 1-D ``input`` (summed ``weights`` when given,
    in the weights' dtype as PyTorch)."""
    data = _data(input)
    if data.ndim != 1 or data.dtype.kind not in "iu" or (data.size and data.min() < 0):
        raise ValueError(f"bincount: input must be a 1-D tensor of non-negative integers, got shape {data.shape} "
                         f"and dtype {data.dtype}")
    if weights is None:
        return Tensor(np.bincount(data, minlength=int(minlength)).astype(np.int64))
    w = _data(weights)
    return Tensor(np.bincount(data, weights=w, minlength=int(minlength)).astype(w.dtype))



ARGMAX = _nondiff("argmax", np.argmax, sample=_sample_axis_reduction,
                  torch=lambda T, x, axis=None, keepdims=False: T.argmax(x, dim=axis, keepdim=keepdims))
ARGMIN = _nondiff("argmin", np.argmin, sample=_sample_axis_reduction,
                  torch=lambda T, x, axis=None, keepdims=False: T.argmin(x, dim=axis, keepdim=keepdims))
argmax, argmin = (_axis_reduction_fronts(r, f"Index of the {r.name[3:]}imum over ``dim`` (of the flattened tensor "
                                            "when None), as int64.") for r in (ARGMAX, ARGMIN))
eq, ne, lt, le, gt, ge, floordiv, floor, ceil, trunc, isnan, isinf, isfinite = (
    r.function for r in (EQ, NE, LT, LE, GT, GE, FLOORDIV, FLOOR, CEIL, TRUNC, ISNAN, ISINF, ISFINITE))
logical_not, logical_and, logical_or, logical_xor = (
    r.function for r in (LOGICAL_NOT, LOGICAL_AND, LOGICAL_OR, LOGICAL_XOR))


from ..node import apply as _apply  # noqa: E402
