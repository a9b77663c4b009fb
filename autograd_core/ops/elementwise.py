"""Elementwise primitives: exponentials, logarithms, trigonometry, activations, max/min, clip, where.

Subgradients at kinks follow PyTorch: ``relu'(0) = 0``; ``maximum``/``minimum`` split the
gradient evenly between tied inputs; ``clip`` passes the gradient at its bounds
(``min <= x <= max``). ``sigmoid`` is a primitive rather than ``1 / (1 + exp(-x))`` because
that composition overflows for large negative ``x``.
"""
from __future__ import annotations

import functools

import numpy as np

from ..registry import AWAY_FROM_ZERO, BOOL, EVEN_GRID, ODD_GRID, POSITIVE, REAL, UNIT, Domain, Primitive, register
from ..tensor import Tensor, data_of, new_tensor


def _mask(condition: np.ndarray) -> Tensor:
    """A boolean condition as a constant tensor (multiplying by it keeps the float dtype)."""
    return new_tensor(condition)


def _tie_weight(a, b) -> Tensor:
    """Share of the gradient ``maximum(a, b)`` sends to ``a``: 1 where a > b, ½ at ties, else 0."""
    a, b = (data_of(x) for x in (a, b))
    return new_tensor(np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0)).astype(np.result_type(a, b)))


@functools.cache
def _special():
    """scipy.special, imported on first use (only erf and sigmoid need it)."""
    import scipy.special

    return scipy.special


def _erf_forward(x):
    return _special().erf(x)


def _sigmoid_forward(x):
    # scipy's expit evaluates 1/(1+e^-x) with full relative precision in both tails (the form
    # (1 + tanh(x/2))/2 loses it for x << 0 and underflows to 0 near x = -38), keeping float32 float32
    return _special().expit(x)


def unary(name, forward, vjp, saves=("x",), domain=REAL, torch=None, numpy=None, **kw):
    """Register a one-input primitive; its numpy alias defaults to the ufunc ``forward`` itself."""
    return register(Primitive(name, forward, vjp=vjp, saves=saves, domain=(domain,), torch=torch,
                              numpy=(forward,) if numpy is None else numpy, **kw))


EXP = unary("exp", np.exp, lambda g, out: g * out, saves=("out",), array_vjp=True)
LOG = unary("log", np.log, lambda g, x: g / x, domain=POSITIVE, array_vjp=True)
LOG1P = unary("log1p", np.log1p, lambda g, x: g / (x + 1), domain=POSITIVE, array_vjp=True)
EXPM1 = unary("expm1", np.expm1, lambda g, x: g * _ops.exp(x),  # exp(x), not out + 1: exact for x << 0
              array_vjp=lambda g, x: g * np.exp(x))
SQRT = unary("sqrt", np.sqrt, lambda g, out: g / (out * 2), saves=("out",), domain=POSITIVE, array_vjp=True)
SIN = unary("sin", np.sin, lambda g, x: g * _ops.cos(x), array_vjp=lambda g, x: g * np.cos(x))
COS = unary("cos", np.cos, lambda g, x: -g * _ops.sin(x), array_vjp=lambda g, x: -g * np.sin(x))
ERF = unary("erf", _erf_forward, lambda g, x: g * _ops.exp(-x * x) * (2 / np.sqrt(np.pi)),  # erf' = 2/√π e^(-x²)
             numpy=())


def _tanh_grad(g, out):
    """g · tanh'(x) from the output: g (1 - out²)."""
    return g * (1 - out * out)


def _sigmoid_grad(g, out):
    """g · sigmoid'(x) from the output: g out (1 - out)."""
    return g * out * (1 - out)


# The VJPs of tanh and sigmoid are primitives of their own, one numpy expression instead of
# three engine calls in every backward pass (speed); their own VJPs keep higher orders exact.
# Without create_graph the same numpy expression serves as the array VJP directly.
TANH_BACKWARD = register(Primitive(
    "tanh_backward", _tanh_grad, api=(), inputs=("g", "y"), saves=("g", "y"), broadcasts=True,
    domain=(REAL, UNIT), torch=lambda T, g, y: T.ops.aten.tanh_backward(g, y), array_vjp=True,
    vjp=(lambda h, g, y: h * (1 - y * y),      # d/dg [g (1 - y²)] = 1 - y²
         lambda h, g, y: h * g * y * -2.0)))   # d/dy [g (1 - y²)] = -2 g y
SIGMOID_BACKWARD = register(Primitive(
    "sigmoid_backward", _sigmoid_grad, api=(), inputs=("g", "y"), saves=("g", "y"), broadcasts=True,
    domain=(REAL, UNIT), torch=lambda T, g, y: T.ops.aten.sigmoid_backward(g, y), array_vjp=True,
    vjp=(lambda h, g, y: h * y * (1 - y),        # d/dg [g y (1 - y)] = y (1 - y)
         lambda h, g, y: h * g * (1 - y * 2.0))))  # d/dy [g y (1 - y)] = g (1 - 2y)
TANH = unary("tanh", np.tanh, lambda g, out: _apply(TANH_BACKWARD, g, out), saves=("out",),
             array_vjp=_tanh_grad)
SIGMOID = unary("sigmoid", _sigmoid_forward, lambda g, out: _apply(SIGMOID_BACKWARD, g, out), saves=("out",),
                numpy=(), array_vjp=_sigmoid_grad)
# relu passes the gradient unless out <= 0, so a NaN input passes it too (PyTorch's threshold_backward);
# out = max(x, 0) is never negative, so that test is the one pass out != 0
RELU = unary("relu", lambda x: np.maximum(x, 0), lambda g, out: g * _mask(out.data != 0),
              saves=("out",), domain=AWAY_FROM_ZERO, numpy=(), array_vjp=lambda g, out: g * (out != 0))
MAXIMUM = register(Primitive(
    "maximum", np.maximum, inputs=("a", "b"), saves=("a", "b"), broadcasts=True, domain=(EVEN_GRID, ODD_GRID),
    numpy=(np.maximum,),
    vjp=(lambda g, a, b: g * _tie_weight(a, b), lambda g, a, b: g * _tie_weight(b, a))))
MINIMUM = register(Primitive(
    "minimum", np.minimum, inputs=("a", "b"), saves=("a", "b"), broadcasts=True, domain=(EVEN_GRID, ODD_GRID),
    numpy=(np.minimum,),
    vjp=(lambda g, a, b: g * _tie_weight(b, a), lambda g, a, b: g * _tie_weight(a, b))))
WHERE = register(Primitive(
    "where", np.where, method=False, inputs=("condition", "a", "b"), saves=("condition",), broadcasts=True,
    domain=(BOOL, REAL, REAL), numpy=(np.where,),
    vjp=(None,
         lambda g, condition: _ops.where(condition, g, 0.0),
         lambda g, condition: _ops.where(condition, 0.0, g))))


def _sample_clip(s, domains):
    shape = s.shape()
    low = s.choice([None, -1.0, -0.5])
    high = s.choice([None, 0.5, 1.0]) if low is not None else s.choice([0.5, 1.0])
    return [s.array(shape, Domain("clip", -2, 2, avoid=(-1.0, -0.5, 0.5, 1.0)))], {"min": low, "max": high}


def _clip_forward(x, min=None, max=None):
    if min is None and max is None:
        raise ValueError("clip needs at least one of min and max")
    return np.clip(x, min, max)


CLIP = register(Primitive(
    "clip", _clip_forward, api=("clip", "clamp"), saves=("x",), sample=_sample_clip, numpy=(np.clip,),
    torch=lambda T, x, min=None, max=None: T.clamp(x, min, max),
    vjp=lambda g, x, min=None, max=None: g * _mask(
        ((x.data >= min) if min is not None else True) & ((x.data <= max) if max is not None else True))))

exp, log, log1p, expm1, sqrt, sin, cos, erf, tanh, sigmoid, relu, maximum, minimum = (
    r.function for r in (EXP, LOG, LOG1P, EXPM1, SQRT, SIN, COS, ERF, TANH, SIGMOID, RELU, MAXIMUM, MINIMUM))


@WHERE.public
def where(condition, a, b) -> Tensor:
    """Elementwise ``a`` where ``condition`` holds, else ``b`` (gradient flows to the chosen side)."""
    condition = np.asarray(data_of(condition))
    if condition.dtype.kind in "fc":  # PyTorch refuses a float condition rather than read it as truthiness
        raise TypeError(f"where: condition must be a bool tensor, got dtype {condition.dtype}")
    if condition.dtype != np.bool_:
        condition = condition.astype(bool)
    return _apply(WHERE, condition, a, b)


@CLIP.public
def clip(x, min=None, max=None) -> Tensor:
    """Clamp to ``[min, max]``; the gradient passes where ``min <= x <= max``.

    Tensor bounds are differentiable too (as in PyTorch): a bound gets the gradient where it wins.
    """
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x
        if min is not None:
            out = where(x < min, min, out)
        if max is not None:
            out = where(out > max, max, out)
        return out
    return _apply(CLIP, x, min=min, max=max)


@CLIP.numpy_form
def _np_clip(a, a_min=np._NoValue, a_max=np._NoValue, out=None, *, min=np._NoValue, max=np._NoValue, **kwargs):
    """``np.clip``: numpy's ``a_min``/``a_max`` (or numpy 2's ``min``/``max``) over the same operation."""
    if out is not None or kwargs:
        raise TypeError(f"np.clip on Tensors does not support {'out=' if out is not None else sorted(kwargs)}")
    low, high = (None if v is np._NoValue else v for v in (a_min if min is np._NoValue else min,
                                                           a_max if max is np._NoValue else max))
    return clip(a, low, high)


from .. import ops as _ops  # noqa: E402
from ..node import apply as _apply  # noqa: E402
