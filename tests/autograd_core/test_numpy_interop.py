"""numpy protocols: asarray, ufuncs and functions with registered counterparts stay tracked."""
import numpy as np
import pytest

import autograd_core as ag


def test_asarray_gives_data():
    x = ag.ones(3)
    assert np.asarray(x) is x.data


@pytest.mark.parametrize("call", [
    lambda t: np.exp(t), lambda t: np.add(t, 1), lambda t: np.sum(t), lambda t: np.matmul(t, t),
    lambda t: np.mean(t), lambda t: np.maximum(t, 0.5), lambda t: np.reshape(t, (3, 1)),
    lambda t: np.concatenate([t, t]), lambda t: np.where(t.data > 1, t, 0.0), lambda t: np.tanh(t),
])
def test_numpy_calls_return_tracked_tensors(call):
    x = ag.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = call(x)
    assert isinstance(y, ag.Tensor) and y.requires_grad
    y.sum().backward()
    assert x.grad is not None


def test_ndarray_on_the_left_returns_tensor():
    x = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = np.array([3.0, 4.0]) * x
    assert isinstance(y, ag.Tensor) and y.dtype == np.float32 or y.dtype == x.dtype
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [3.0, 4.0])


def test_unsupported_function_raises_type_error():
    with pytest.raises(TypeError, match="'sort'"):
        np.sort(ag.ones(3))
