"""Arithmetic primitives: ``+ - * / **``, negation, ``abs``, ``reciprocal`` (and ``square``).

Each record holds the numpy forward and one VJP per input, written with engine operations
(arithmetic only, so the same formulas serve as ``array_vjp`` on bare arrays where they can).
Broadcast operands get their gradients summed back by the engine (``broadcasts=True``).
"""
from __future__ import annotations

import numpy as np

from ..registry import AWAY_FROM_ZERO, NONZERO, POSITIVE, REAL, Composite, Primitive, register
from ..tensor import Tensor, data_of, new_tensor


def _sign(x):
    """sign(x) as a constant tensor: the subgradient of |x| (0 at 0 and at NaN, as PyTorch)."""
    return new_tensor(np.nan_to_num(np.sign(x.data), nan=0.0))


def _pow_exponent_grad(g, a, b, out):
    # d(a^b)/db = a^b log a, taken as 0 where a == 0 and b >= 0 (PyTorch's rule: 0^b is flat there)
    flat = np.logical_and(data_of(a) == 0, data_of(b) >= 0)
    if not isinstance(a, Tensor):  # a Python base: its log is a Python float, so the dtype stays g's
        with np.errstate(invalid="ignore", divide="ignore"):
            return _ops.where(flat, 0.0, g * out * float(np.log(a)))
    return _ops.where(flat, 0.0, g * out * _ops.log(_ops.where(flat, 1.0, a)))


def _pow_base_grad(g, a, b):
    if not isinstance(b, Tensor):  # a Python exponent: decide statically
        return g * 0.0 if b == 0 else g * b * a ** (b - 1)
    return _ops.where(b == 0, 0.0, g * b * a ** (b - 1))


ADD = register(Primitive(
    "add", np.add, inputs=("a", "b"), broadcasts=True, domain=(REAL, REAL), numpy=(np.add,),
    vjp=(lambda g: g, lambda g: g), array_vjp=True))
SUB = register(Primitive(
    "sub", np.subtract, inputs=("a", "b"), broadcasts=True, domain=(REAL, REAL), numpy=(np.subtract,),
    vjp=(lambda g: g, lambda g: -g), array_vjp=True))
MUL = register(Primitive(
    "mul", np.multiply, inputs=("a", "b"), saves=("a", "b"), broadcasts=True, domain=(REAL, REAL),
    numpy=(np.multiply,), array_vjp=True,
    vjp=(lambda g, a, b: g * b,     # d(ab)/da = b
         lambda g, a, b: g * a)))   # d(ab)/db = a
DIV = register(Primitive(
    "div", np.true_divide, inputs=("a", "b"), saves=("a", "b"), broadcasts=True, domain=(REAL, NONZERO),
    numpy=(np.true_divide,), array_vjp=True,
    vjp=(lambda g, a, b: g / b,               # d(a/b)/da = 1/b
         lambda g, a, b: -g * a / (b * b))))  # d(a/b)/db = -a/b²
POW = register(Primitive(
    "pow", np.power, inputs=("a", "b"), saves=("a", "b", "out"), broadcasts=True, domain=(POSITIVE, AWAY_FROM_ZERO),
    numpy=(np.power,),
    # d(a^b)/da = b a^(b-1), taken as 0 where b == 0 (so 0^0 gives 0, not 0·inf) (PyTorch's choice)
    vjp=(lambda g, a, b, out: _pow_base_grad(g, a, b),
         lambda g, a, b, out: _pow_exponent_grad(g, a, b, out))))
NEG = register(Primitive("neg", np.negative, numpy=(np.negative,), vjp=lambda g: -g, array_vjp=True))
ABS = register(Primitive(
    "abs", np.abs, saves=("x",), domain=(AWAY_FROM_ZERO,), numpy=(np.abs, np.fabs),
    vjp=lambda g, x: g * _sign(x)))
RECIPROCAL = register(Primitive(
    "reciprocal", np.reciprocal, saves=("out",), domain=(NONZERO,), numpy=(np.reciprocal,),
    vjp=lambda g, out: -g * out * out, array_vjp=True))  # d(1/x)/dx = -1/x²

add, sub, mul, div, pow, neg, abs, reciprocal = (
    r.function for r in (ADD, SUB, MUL, DIV, POW, NEG, ABS, RECIPROCAL))

SQUARE = register(Composite("square", numpy=(np.square,), torch=lambda T, x: T.square(x)))


@SQUARE.public
def square(x):
    """Elementwise ``x * x``."""
    return mul(x, x)


from .. import ops as _ops  # noqa: E402
