"""Hypothesis strategies and gradient assertions for property-based tests of differentiable code.

Users write ``@given(tensors(shape=(3,), elements=POSITIVE))`` and
``assert_gradients_close(f, x)``; the project's own registry-driven tests use exactly these
pieces. Value domains (``REAL``, ``POSITIVE``, ``NONZERO``, ``UNIT``, ``bounded(low, high)``)
keep values where a function is smooth. ``Sampler`` is the small drawing interface that
registry records use to describe their test inputs without importing hypothesis themselves.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .gradcheck import _gradient_function, compare_gradients
from .registry import BOOL, NONZERO, POSITIVE, REAL, UNIT, Domain
from .tensor import Tensor

__all__ = ["Sampler", "values", "arrays", "tensors", "broadcastable_shapes", "assert_gradients_close",
           "assert_second_gradients_close", "Domain", "REAL", "POSITIVE", "NONZERO", "UNIT", "bounded"]


def bounded(low: float, high: float, avoid: tuple = (), margin: float = 0.05) -> Domain:
    """A value domain ``[low, high]`` kept ``margin`` away from the points in ``avoid`` (kinks, poles)."""
    return Domain(f"bounded({low}, {high})", low, high, tuple(avoid), margin)


def _push_away(domain: Domain) -> Callable[[float], float]:
    def push(x: float) -> float:
        if domain.step:
            x = round((x - domain.offset) / domain.step) * domain.step + domain.offset
        for a in domain.avoid:
            if abs(x - a) < domain.margin:
                x = a + domain.margin if x >= a else a - domain.margin
        return x

    return push


def values(domain: Domain = REAL) -> st.SearchStrategy:
    """Floats in ``domain``, kept away from its kinks."""
    if domain is BOOL:
        return st.booleans()
    return st.floats(domain.low, domain.high, allow_nan=False, allow_infinity=False).map(_push_away(domain))


def arrays(shape, domain: Domain = REAL, dtype=np.float64) -> st.SearchStrategy:
    """ndarrays of ``shape`` with values from ``domain``."""
    dtype = np.bool_ if domain is BOOL else dtype
    return hnp.arrays(dtype, shape, elements=values(domain), unique=domain.unique)


def tensors(shape=None, dtype=np.float64, elements: Domain | st.SearchStrategy = REAL,
            requires_grad: bool = True, min_dims: int = 0, max_dims: int = 3, max_side: int = 4
            ) -> st.SearchStrategy:
    """Tensors of a given (or drawn) shape with values from a domain or element strategy."""
    shapes = st.just(tuple(shape)) if shape is not None else hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=max_side)
    elems = elements if isinstance(elements, st.SearchStrategy) else values(elements)
    return shapes.flatmap(lambda s: hnp.arrays(dtype, s, elements=elems)).map(
        lambda a: Tensor(a, requires_grad=requires_grad and a.dtype.kind == "f"))


def broadcastable_shapes(num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3, min_side: int = 0,
                         max_side: int = 3) -> st.SearchStrategy:
    """Tuples of ``num_shapes`` shapes that broadcast together (numpy rules)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims,
                                             min_side=min_side, max_side=max_side).map(lambda r: r.input_shapes)


class Sampler:
    """The drawing interface registry samplers receive, backed by hypothesis' ``draw``."""

    def __init__(self, draw: Callable) -> None:
        self.draw = draw

    def shape(self, min_dims: int = 0, max_dims: int = 3, min_side: int = 0, max_side: int = 3) -> tuple:
        """An array shape within the given bounds."""
        return self.draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                          max_side=max_side))

    def broadcastable_shapes(self, n: int) -> list:
        """``n`` shapes that broadcast together."""
        return list(self.draw(broadcastable_shapes(n)))

    def array(self, shape, domain: Domain = REAL) -> np.ndarray:
        """A float64 array of ``shape`` with values from ``domain``."""
        return self.draw(arrays(tuple(shape), domain))

    def integers(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``."""
        return self.draw(st.integers(low, high))

    def boolean(self) -> bool:
        """True or False."""
        return self.draw(st.booleans())

    def choice(self, options: Sequence):
        """One of ``options``."""
        return self.draw(st.sampled_from(list(options)))

    def axes(self, ndim: int):
        """None, one axis, or a tuple of distinct axes (negative ones included)."""
        if ndim == 0:
            return None
        return self.draw(st.one_of(
            st.none(), st.integers(-ndim, ndim - 1),
            st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple)))

    def permutation(self, n: int) -> list:
        """A permutation of ``range(n)``."""
        return self.draw(st.permutations(list(range(n))))


def _check(report, what: str, rtol: float, atol: float) -> None:
    if report.error:
        raise AssertionError(f"{what} could not be compared: {report.error}")
    for c in report.inputs:
        if c.excess_error > rtol and abs(c.numeric - c.analytic) > atol:
            raise AssertionError(f"{what} of {c.name} (shape {c.shape}) disagree: relative error "
                                 f"{c.rel_error:.3g}; worst element {c.worst_index}: numeric {c.numeric:.8g}, "
                                 f"analytic {c.analytic:.8g}\n{report}")


def assert_gradients_close(func: Callable, *inputs, rtol: float = 1e-5, atol: float = 1e-7,
                           eps: float = 1e-6) -> None:
    """Assert the engine's gradients of ``func`` equal float64 central differences at ``inputs``."""
    _check(compare_gradients(func, inputs, eps=eps), "analytic and numeric gradients", rtol, atol)


def assert_second_gradients_close(func: Callable, *inputs, rtol: float = 1e-5, atol: float = 1e-7,
                                  eps: float = 1e-6) -> None:
    """Assert second derivatives (the gradient of a gradient, via ``create_graph``) match differences."""
    _check(compare_gradients(_gradient_function(func, inputs), inputs, eps=eps),
           "analytic and numeric second derivatives", rtol, atol)
