"""numpy protocols: asarray, ufuncs and functions with registered counterparts stay tracked."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core.testing import assert_gradients_close


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
    with pytest.raises(TypeError, match="'histogram'"):
        np.histogram(ag.ones(3))


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
        np.pad(x, 1, mode="mean")  # a statistic, not a repetition of elements: not on Tensors


@pytest.mark.parametrize("mode", ["edge", "reflect", "symmetric", "wrap"])
@pytest.mark.parametrize("width", [2, ((1, 2), (0, 3)), ((4, 7), (1, 0))])  # wider than the axis too
def test_np_pad_repeating_modes_follow_numpy(mode, width):
    a = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(np.pad(ag.tensor(a), width, mode=mode).data, np.pad(a, width, mode=mode))
    assert_gradients_close(lambda t: np.pad(t, width, mode=mode), ag.tensor(a, dtype=np.float64, requires_grad=True))


def test_np_pad_refuses_what_it_cannot_repeat():
    with pytest.raises(ValueError, match="axis 0, which is empty"):
        np.pad(ag.tensor(np.zeros((0, 3))), 1, mode="edge")
    with pytest.raises(ValueError, match="reflect_type='even'"):
        np.pad(ag.tensor(np.ones(3)), 1, mode="reflect", reflect_type="odd")


# ------------------------------------------------------------------ no silent graph loss
def test_asarray_of_a_tensor_that_requires_grad_raises_like_pytorch():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    for convert in (np.asarray, np.array, lambda t: np.mean([t, t + 2])):
        with pytest.raises(RuntimeError, match=r"requires grad.*detach\(\).*ag\.stack"):
            convert(x)
    with ag.no_grad():
        assert np.asarray(x) is x.data
    assert np.asarray(x.detach()) is x.data
    np.testing.assert_array_equal(np.array(x.detach(), dtype=np.float64), [1.0, 2.0])


def test_shape_queries_just_answer():
    x = ag.ones(2, 3, requires_grad=True)
    assert np.shape(x) == (2, 3) and np.ndim(x) == 2 and np.size(x) == 6 and np.size(x, 1) == 3
    assert np.result_type(x, 1.0) == np.float32 and np.result_type(x.double(), np.float32) == np.float64
    assert np.isrealobj(x) and not np.iscomplexobj(x)


def test_r_and_c_join_tensors_without_grad():
    a, b = ag.tensor([1.0, 2.0]), ag.tensor([3.0, 4.0])
    np.testing.assert_array_equal(np.r_[a, b], [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(np.c_[a, b], [[1.0, 3.0], [2.0, 4.0]])
    with pytest.raises(RuntimeError, match="ag.stack"):  # np.r_ converts each item with np.array first
        np.r_[a.requires_grad_(), b]


# ------------------------------------------------------------------ ufunc keywords
def test_ufunc_keywords():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = np.exp(x, dtype=np.float64)
    assert y.dtype == np.float64 and y.requires_grad
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, np.exp([1.0, 2.0]), rtol=1e-6)
    assert np.add(x, 1, out=None).requires_grad and np.add(x, 1, where=True, casting="same_kind").requires_grad
    with pytest.raises(TypeError, match="out="):
        np.exp(x, out=(np.zeros(2, np.float32),))
    with pytest.raises(TypeError, match="where=.*np.where"):
        np.exp(x, where=np.array([True, False]))
    with pytest.raises(TypeError, match="casting='unsafe'"):
        np.exp(x, casting="unsafe")
    with pytest.raises(TypeError, match="dtype=int64"):
        np.exp(x, dtype=np.int64)


# ------------------------------------------------------------------ PyTorch's gradients at the edges
def test_remainder_and_fmod_gradients():
    x = ag.tensor(np.array([5.5, -5.5, 2.0]), requires_grad=True)
    y = ag.tensor(np.array([2.0, 2.0, -1.5]), requires_grad=True)
    for op, rounding in ((lambda a, b: a % b, np.floor), (np.fmod, np.trunc), (ag.remainder, np.floor)):
        x.grad = y.grad = None
        op(x, y).sum().backward()
        np.testing.assert_array_equal(x.grad.data, 1.0)
        np.testing.assert_array_equal(y.grad.data, -rounding(x.data / y.data))
    assert (3.0 % y).requires_grad and np.mod(x, 2).requires_grad


def test_fmax_fmin_ignore_nan_and_give_ties_to_the_first_argument(torch):
    a = np.array([1.0, np.nan, 2.0, 3.0, np.nan])
    b = np.array([1.0, 0.5, np.nan, 4.0, np.nan])
    for name in ("fmax", "fmin"):
        x, y = ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)
        tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        out, tout = getattr(np, name)(x, y), getattr(torch, name)(tx, ty)
        np.testing.assert_array_equal(out.data, tout.detach().numpy())
        out.sum().backward()
        tout.sum().backward()
        np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())
        np.testing.assert_array_equal(y.grad.data, ty.grad.numpy())


@pytest.mark.parametrize("name", ["relu", "abs"])
def test_gradients_at_nan_inputs_follow_pytorch(torch, name):
    data = np.array([np.nan, 1.5, -1.5, 0.0])
    x, tx = ag.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    getattr(ag, name)(x).sum().backward()
    getattr(torch, name)(tx).sum().backward()
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())


def test_nan_to_num_passes_no_gradient_to_replaced_elements():
    x = ag.tensor(np.array([np.nan, np.inf, -np.inf, 2.0]), requires_grad=True)
    y = np.nan_to_num(x, nan=1.0, posinf=5.0, neginf=-5.0)
    np.testing.assert_array_equal(y.data, [1.0, 5.0, -5.0, 2.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0, 1.0])


def test_real_conj_positive_of_real_tensors_are_the_tensor_and_imag_is_zero():
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    assert np.real(x) is x and np.conjugate(x) is x and np.positive(x) is x and ag.conj(x) is x
    z = np.imag(x)
    assert z.requires_grad and z.dtype == x.dtype
    np.testing.assert_array_equal(z.data, 0.0)


def test_clip_spellings_and_python_base_powers():
    x = ag.tensor(np.array([-2.0, 0.3, 2.0]), requires_grad=True)
    for y in (np.clip(x, a_min=-1.0, a_max=1.0), np.clip(x, -1.0, 1.0), np.clip(x, min=-1.0, max=1.0),
              ag.clamp(x, min=-1.0, max=1.0), x.clip(-1.0, 1.0)):
        np.testing.assert_array_equal(y.data, [-1.0, 0.3, 1.0])
    assert np.clip(x, None, 0.0).data.tolist() == [-2.0, 0.0, 0.0]
    with pytest.raises(TypeError, match="out="):
        np.clip(x, 0, 1, out=np.zeros(3))
    (2 ** x).sum().backward()  # log 2 enters as a float64 constant: PyTorch's value to round-off
    np.testing.assert_allclose(x.grad.data, 2 ** x.data * np.log(2.0), rtol=1e-15)


def test_mean_and_sum_of_a_list_of_tensors_stack_them():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    m = ag.mean([a, a + 2])
    assert m.requires_grad and m.item() == 2.5
    (m + ag.sum([a, a])).backward()
    np.testing.assert_array_equal(a.grad.data, [2.5, 2.5])


@pytest.mark.parametrize("call", [
    lambda t: np.add.reduce(t), lambda t: np.add.reduce(t, axis=1, keepdims=True),
    lambda t: np.multiply.reduce(t, None), lambda t: np.maximum.reduce(t, 1), lambda t: np.minimum.reduce(t),
    lambda t: np.add.accumulate(t, axis=1), lambda t: np.multiply.accumulate(t),
])
def test_ufunc_reduce_and_accumulate_keep_numpy_defaults(call):
    x = ag.tensor(np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]), requires_grad=True)
    y = call(x)
    np.testing.assert_allclose(y.data, call(x.data))
    assert y.requires_grad
    with pytest.raises(TypeError, match="'add.reduce' with initial"):
        np.add.reduce(x, initial=1.0)
