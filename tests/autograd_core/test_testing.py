"""``autograd_core.testing`` as a user meets it: property tests of one's own functions and Functions."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.testing import (NONZERO, POSITIVE, UNIT, Sampler, arrays, assert_gradients_close,
                                   assert_second_gradients_close, bounded, broadcastable_shapes, tensors, values)

from .test_function import Cube  # a user primitive whose backward uses engine operations


# ------------------------------------------------------------------ what a user writes
def softplus(x):
    return (x.exp() + 1).log()


class CubeWrong(Cube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * g * x  # dropped a factor x


class CubeNumpyBackward(Cube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ag.Tensor(3 * x.data ** 2)  # right value, but its own derivative is lost


@given(tensors(shape=(2, 3)), tensors(shape=(3,), elements=POSITIVE))
def test_user_function_gradients(x, w):
    assert_gradients_close(lambda x, w: (softplus(x) * w.log()).sum(axis=0), x, w)


@settings(max_examples=8)
@given(tensors(max_dims=2, elements=bounded(-1.5, 1.5)))
def test_user_function_primitive(x):
    assert_gradients_close(Cube.apply, x)
    assert_second_gradients_close(Cube.apply, x)


@given(broadcastable_shapes(2, min_side=1), st.data())
def test_broadcasting_user_function(shapes, data):
    a = data.draw(tensors(shape=shapes[0]))
    b = data.draw(tensors(shape=shapes[1], elements=NONZERO))
    assert (a / b).shape == np.broadcast_shapes(*shapes)
    assert_gradients_close(lambda a, b: a / b, a, b)


# ------------------------------------------------------------------ the assertions catch mistakes
def test_assert_gradients_close_raises_for_a_wrong_backward():
    x = ag.Tensor([1.5, -2.0, 0.5], requires_grad=True)
    with pytest.raises(AssertionError, match=r"input 0 .*worst element \(\d,\): numeric .*analytic "):
        assert_gradients_close(CubeWrong.apply, x)


def test_assert_gradients_close_raises_for_a_wrongly_shaped_gradient():
    class Broadcast(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return np.broadcast_to(x, (4,) + x.shape).copy()

        @staticmethod
        def backward(ctx, g):
            return g  # forgot to sum over the new axis

    with pytest.raises(AssertionError, match=r"BroadcastBackward.*\(4, 3\).*\(3,\)"):
        assert_gradients_close(Broadcast.apply, ag.Tensor(np.ones(3), requires_grad=True))


def test_assert_second_gradients_close_raises_for_a_non_differentiable_backward():
    x = ag.Tensor([1.5, -2.0, 0.5], requires_grad=True)
    assert_gradients_close(CubeNumpyBackward.apply, x)
    with pytest.raises(AssertionError, match="second derivatives"):
        assert_second_gradients_close(CubeNumpyBackward.apply, x)


# ------------------------------------------------------------------ the strategies draw what they promise
@settings(max_examples=30)
@given(tensors(dtype=np.float32, elements=UNIT, min_dims=1, max_dims=2, max_side=3))
def test_tensors_respect_shape_dtype_and_domain(x):
    assert x.dtype == np.float32 and x.requires_grad and x.is_leaf
    assert 1 <= x.ndim <= 2 and all(side <= 3 for side in x.shape)
    assert np.all(np.abs(x.data) <= 0.9)


@settings(max_examples=30)
@given(tensors(shape=(4,), elements=st.integers(0, 3).map(float), requires_grad=False),
       arrays((2, 2), NONZERO), values(bounded(-1, 1, avoid=(0.0,), margin=0.25)))
def test_element_strategies_and_domains(t, a, v):
    assert not t.requires_grad and set(t.data.tolist()) <= {0.0, 1.0, 2.0, 3.0}
    assert a.shape == (2, 2) and np.all(np.abs(a) >= 0.2)
    assert -1 <= v <= 1 and abs(v) >= 0.25


@settings(max_examples=20)
@given(st.data())
def test_sampler_draws_through_hypothesis(data):
    s = Sampler(data.draw)
    shape = s.shape(min_dims=1, max_dims=2, min_side=1)
    axes = s.axes(len(shape))
    assert axes is None or isinstance(axes, (int, tuple))
    assert s.array(shape, POSITIVE).min() >= 0.2
    assert sorted(s.permutation(3)) == [0, 1, 2] and s.choice("ab") in "ab" and 0 <= s.integers(0, 2) <= 2
    np.broadcast_shapes(*s.broadcastable_shapes(3))
