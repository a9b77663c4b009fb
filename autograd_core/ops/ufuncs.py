"""More elementwise primitives: inverse/hyperbolic trigonometry, base-2/10 logs, log-add-exp, hypot, modulo.

Each is a numpy ufunc dispatched from ``np.NAME(tensor)`` and exported under PyTorch's name
(``asin`` with numpy's ``arcsin`` as an alias, ...). Subgradients follow PyTorch: ``remainder``
and ``fmod`` pass ``d/dx = 1`` and ``d/dy = -floor(x/y)`` resp. ``-trunc(x/y)``; ``fmax``/``fmin``
ignore NaN and give a tie to their first argument; ``nan_to_num`` passes no gradient to the
replaced elements; ``copysign`` passes none to the sign source. Constants are Python floats, so
they never change a tensor's float dtype.
"""
from __future__ import annotations

import math

import numpy as np

from ..registry import (EVEN_GRID, NONZERO, ODD_GRID, POSITIVE, REAL, UNIT, Composite, Domain,
                        Primitive, register)
from ..tensor import Tensor, data_of, new_tensor
from .comparison import integer_checked
from .elementwise import unary

ABOVE_ONE = Domain("above_one", 1.2, 3.0)  # acosh is smooth for x > 1
_LN2, _LN10 = math.log(2.0), math.log(10.0)
_DEG = math.pi / 180.0


def _const(array) -> Tensor:
    """A constant (untracked) tensor computed from saved data: a piecewise-constant factor."""
    return new_tensor(np.asarray(array))


TAN = unary("tan", np.tan, lambda g, out: g * (out * out + 1), saves=("out",), domain=UNIT)  # tan' = 1 + tan²
ASIN = unary("asin", np.arcsin, lambda g, x: g / _ops.sqrt(1 - x * x), api=("asin", "arcsin"), domain=UNIT)
ACOS = unary("acos", np.arccos, lambda g, x: -g / _ops.sqrt(1 - x * x), api=("acos", "arccos"), domain=UNIT)
ATAN = unary("atan", np.arctan, lambda g, x: g / (x * x + 1), api=("atan", "arctan"))
SINH = unary("sinh", np.sinh, lambda g, x: g * _ops.cosh(x))
COSH = unary("cosh", np.cosh, lambda g, x: g * _ops.sinh(x))
ASINH = unary("asinh", np.arcsinh, lambda g, x: g / _ops.sqrt(x * x + 1), api=("asinh", "arcsinh"))
ACOSH = unary("acosh", np.arccosh, lambda g, x: g / _ops.sqrt(x * x - 1), api=("acosh", "arccosh"),
              domain=ABOVE_ONE)
ATANH = unary("atanh", np.arctanh, lambda g, x: g / (1 - x * x), api=("atanh", "arctanh"), domain=UNIT)
EXP2 = unary("exp2", np.exp2, lambda g, out: g * out * _LN2, saves=("out",))  # (2^x)' = 2^x ln 2
LOG2 = unary("log2", np.log2, lambda g, x: g / (x * _LN2), domain=POSITIVE)
LOG10 = unary("log10", np.log10, lambda g, x: g / (x * _LN10), domain=POSITIVE)
RSQRT = unary("rsqrt", lambda x: 1 / np.sqrt(x), lambda g, out: g * out * out * out * -0.5, saves=("out",),
              domain=POSITIVE, numpy=())  # (x^-1/2)' = -x^-3/2 / 2
CBRT = unary("cbrt", np.cbrt, lambda g, out: g / (out * out * 3), saves=("out",), domain=NONZERO,
             torch=lambda T, x: T.sign(x) * T.abs(x) ** (1 / 3))
# sinc x = sin(πx)/(πx); sinc' = (cos(πx) - sinc x)/x, and 0 at x = 0 (PyTorch's value)
SINC = unary("sinc", np.sinc, lambda g, x, out: g * _ops.where(
    x.data == 0, 0.0, (_ops.cos(x * math.pi) - out) / _ops.where(x.data == 0, 1.0, x)),
    saves=("x", "out"), domain=NONZERO)


def _sample_nan_to_num(s, domains):
    x = s.array(s.shape(), REAL)
    nan, posinf, neginf = s.choice([0.0, 1.5]), s.choice([None, 3.0]), s.choice([None, -3.0])
    x[x > 1.5] = np.nan
    if posinf is not None:  # an infinity only where its replacement is moderate, so differences hold
        x[(x > 1.0) & (x <= 1.5)] = np.inf
    if neginf is not None:
        x[x < -1.5] = -np.inf
    return [x], {"nan": nan, "posinf": posinf, "neginf": neginf}


NAN_TO_NUM = register(Primitive(
    "nan_to_num", lambda x, nan=0.0, posinf=None, neginf=None: np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf),
    saves=("x",), sample=_sample_nan_to_num, numpy=(np.nan_to_num,),
    vjp=lambda g, x, **limits: g * _const(np.isfinite(x.data))))  # replaced elements are constants

# sign-related
COPYSIGN = register(Primitive(
    "copysign", np.copysign, inputs=("a", "b"), saves=("a", "out"), broadcasts=True, domain=(NONZERO, NONZERO),
    numpy=(np.copysign,),
    # copysign(a, b) = ±a: d/da = out/a (0 where a = 0), the sign source passes nothing (PyTorch: zeros)
    vjp=(lambda g, a, out: g * _const(np.where(a.data == 0, 0, out.data / np.where(a.data == 0, 1, a.data))
                                      .astype(out.dtype)), lambda g, a, out: None)))
SIGNBIT = register(Primitive("signbit", np.signbit, vjp=None, order=0, numpy=(np.signbit,)))

# binary
ATAN2 = register(Primitive(
    "atan2", np.arctan2, api=("atan2", "arctan2"), inputs=("y", "x"), saves=("y", "x"), broadcasts=True,
    domain=(NONZERO, NONZERO), numpy=(np.arctan2,),
    # d atan2(y, x) = (x dy - y dx) / (x² + y²)
    vjp=(lambda g, y, x: g * x / (x * x + y * y), lambda g, y, x: -g * y / (x * x + y * y))))
LOGADDEXP = register(Primitive(
    "logaddexp", np.logaddexp, inputs=("a", "b"), saves=("a", "b", "out"), broadcasts=True, domain=(REAL, REAL),
    numpy=(np.logaddexp,),
    vjp=(lambda g, a, b, out: g * _ops.exp(a - out),    # d/da log(e^a + e^b) = e^(a - out)
         lambda g, a, b, out: g * _ops.exp(b - out))))
LOGADDEXP2 = register(Primitive(
    "logaddexp2", np.logaddexp2, inputs=("a", "b"), saves=("a", "b", "out"), broadcasts=True, domain=(REAL, REAL),
    numpy=(np.logaddexp2,),
    vjp=(lambda g, a, b, out: g * _ops.exp2(a - out),   # d/da log2(2^a + 2^b) = 2^(a - out)
         lambda g, a, b, out: g * _ops.exp2(b - out))))
HYPOT = register(Primitive(
    "hypot", np.hypot, inputs=("a", "b"), saves=("a", "b", "out"), broadcasts=True, domain=(NONZERO, NONZERO),
    numpy=(np.hypot,),
    vjp=(lambda g, a, b, out: g * a / out, lambda g, a, b, out: g * b / out)))  # d√(a²+b²)/da = a/out


def _first_wins(a, b, larger: bool) -> Tensor:
    """Share of ``fmax``'s (``larger``) or ``fmin``'s gradient that goes to ``a``: 1 where ``a`` is
    chosen, ties and a NaN ``b`` included (PyTorch's rule), else 0."""
    a, b = data_of(a), data_of(b)
    chosen = ((a >= b) if larger else (a <= b)) | np.isnan(b)
    return new_tensor(chosen.astype(np.result_type(a, b)))


FMAX = register(Primitive(
    "fmax", np.fmax, inputs=("a", "b"), saves=("a", "b"), broadcasts=True, domain=(EVEN_GRID, ODD_GRID),
    numpy=(np.fmax,),
    vjp=(lambda g, a, b: g * _first_wins(a, b, True), lambda g, a, b: g * (1 - _first_wins(a, b, True)))))
FMIN = register(Primitive(
    "fmin", np.fmin, inputs=("a", "b"), saves=("a", "b"), broadcasts=True, domain=(EVEN_GRID, ODD_GRID),
    numpy=(np.fmin,),
    vjp=(lambda g, a, b: g * _first_wins(a, b, False), lambda g, a, b: g * (1 - _first_wins(a, b, False)))))


def _sample_modulo(s, domains):
    """Operands with ``a / b`` kept 0.1 away from the integers, where ``a mod b`` jumps."""
    shape_a, shape_b = s.broadcastable_shapes(2)
    b = s.array(shape_b, NONZERO)
    shape = np.broadcast_shapes(shape_a, shape_b)
    whole = np.round(s.array(shape, Domain("whole", -2.0, 2.0)))
    frac = s.array(shape, Domain("fraction", 0.1, 0.9))
    return [np.asarray((whole + frac) * b), b], {}


def _quotient_vjp(rounding):
    # x mod y = x - y·round(x/y) with round = floor (remainder) or trunc (fmod): d/dy = -round(x/y)
    return lambda g, a, b: -g * _const(rounding(np.true_divide(data_of(a), data_of(b))))


REMAINDER = register(Primitive(
    "remainder", integer_checked(np.remainder, "modulo"), api=("remainder", "mod"), inputs=("a", "b"),
    saves=("a", "b"), broadcasts=True, sample=_sample_modulo, numpy=(np.remainder,),
    vjp=(lambda g, a, b: g, _quotient_vjp(np.floor))))
FMOD = register(Primitive(
    "fmod", integer_checked(np.fmod, "fmod"), inputs=("a", "b"), saves=("a", "b"), broadcasts=True,
    sample=_sample_modulo, numpy=(np.fmod,), vjp=(lambda g, a, b: g, _quotient_vjp(np.trunc))))

# compositions
DEG2RAD = register(Composite("deg2rad", numpy=(np.deg2rad, np.radians)))
RAD2DEG = register(Composite("rad2deg", numpy=(np.rad2deg, np.degrees)))
LERP = register(Composite("lerp", domain=(REAL, REAL, UNIT)))
POS = register(Composite("positive", numpy=(np.positive,)))
REAL_PART = register(Composite("real", method=False, numpy=(np.real,)))
CONJ = register(Composite("conj", numpy=(np.conjugate,)))
IMAG = register(Composite("imag", api=(), numpy=(np.imag,), torch=lambda T, x: T.zeros_like(x)))


@DEG2RAD.public
def deg2rad(x) -> Tensor:
    """Degrees to radians, ``x · π/180``."""
    return x * _DEG


@RAD2DEG.public
def rad2deg(x) -> Tensor:
    """Radians to degrees, ``x · 180/π``."""
    return x * (1 / _DEG)


@LERP.public
def lerp(input, end, weight) -> Tensor:
    """Linear interpolation ``input + weight · (end - input)`` (weight a number or a tensor)."""
    return input + weight * (end - input)


def _real_input(x, name: str) -> Tensor:
    x = x if isinstance(x, Tensor) else Tensor(x)
    if x.dtype.kind == "c":
        raise TypeError(f"{name}: complex tensors are not supported by the differentiable operations")
    return x


@POS.public
def positive(x) -> Tensor:
    """``+x``: the tensor itself, as PyTorch."""
    return _real_input(x, "positive")


@REAL_PART.public
def real(x) -> Tensor:
    """The real part of a real tensor: the tensor itself (as PyTorch's ``real`` of a real tensor)."""
    return _real_input(x, "real")


@CONJ.public
def conj(x) -> Tensor:
    """The complex conjugate of a real tensor: the tensor itself."""
    return _real_input(x, "conj")


@IMAG.public
def imag(x) -> Tensor:
    """numpy's ``imag`` of a real array: zeros of its shape and dtype (gradient 0)."""
    x = _real_input(x, "imag")
    return _ops.where(np.zeros(x.shape, bool), x, 0.0)


from .. import ops as _ops  # noqa: E402
