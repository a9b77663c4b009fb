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


def test_numpy_transpose_pad_and_flat_concatenate():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert np.transpose(x).shape == (3, 2)
    padded = np.pad(x, 1, constant_values=2.0)
    assert padded.shape == (4, 5) and padded.data[0, 0] == 2.0
    flat = np.concatenate([x, x], axis=None)
    assert flat.shape == (12,)
    flat.sum().backward()
    np.testing.assert_array_equal(x.grad.data, 2.0)
    with pytest.raises(ValueError, match="mode"):
        np.pad(x, 1, mode="edge")
