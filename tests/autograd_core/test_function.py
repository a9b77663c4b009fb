"""User-defined primitives through ``autograd_core.Function``."""
import numpy as np

import autograd_core as ag
from autograd_core.testing import assert_gradients_close, assert_second_gradients_close


class Cube(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x  # engine operations: twice differentiable


class NumpyBackward(ag.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g.data * b.data, None  # ndarray gradient and a non-differentiable input


def test_custom_function_gradients_and_name():
    x = ag.tensor(np.array([1.0, -2.0, 0.5]), requires_grad=True)
    y = Cube.apply(x)
    assert y.grad_fn.name == "CubeBackward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 * x.data ** 2)
    assert_gradients_close(Cube.apply, x)
    assert_second_gradients_close(Cube.apply, x)


def test_function_may_return_arrays_and_none():
    a = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = ag.tensor(np.array([3.0, 4.0]), requires_grad=True)
    NumpyBackward.apply(a, b).sum().backward()
    np.testing.assert_allclose(a.grad.data, [3.0, 4.0])
    assert b.grad is None


def test_function_under_no_grad_records_nothing():
    x = ag.ones(2, requires_grad=True)
    with ag.no_grad():
        assert Cube.apply(x).grad_fn is None
