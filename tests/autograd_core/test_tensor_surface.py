"""The Tensor surface a PyTorch program reaches for: size(), dtypes and casts, devices, format, index."""
import numpy as np
import pytest

import autograd_core as ag


def test_size_is_a_method_like_pytorch():
    x = ag.ones(2, 3, 4)
    assert x.size() == (2, 3, 4) and x.size(0) == 2 and x.size(-1) == 4
    assert x.numel() == 24 and x.dim() == 3
    assert ag.tensor(1.0).size() == ()
    with pytest.raises(IndexError, match="out of range"):
        x.size(3)


def test_dtype_names_are_numpy_dtypes():
    pairs = [(ag.float16, ag.half, np.float16), (ag.float32, ag.float, np.float32), (ag.float64, ag.double, np.float64),
             (ag.int32, ag.int, np.int32), (ag.int64, ag.long, np.int64)]
    for a, b, kind in pairs:
        assert a == b == np.dtype(kind)
        assert ag.zeros(2, dtype=a).dtype == kind
    assert ag.bool == np.dtype(bool)


@pytest.mark.parametrize(("method", "dtype"), [("float", np.float32), ("double", np.float64), ("half", np.float16),
                                               ("long", np.int64), ("int", np.int32), ("bool", np.bool_)])
def test_cast_methods(method, dtype):
    x = ag.tensor([0.0, 1.5, -2.0], requires_grad=True)
    y = getattr(x, method)()
    assert y.dtype == dtype
    assert y.requires_grad == (np.dtype(dtype).kind == "f")


def test_float_casts_are_differentiable(torch):
    x = ag.tensor([0.5, 1.5], dtype=ag.float32, requires_grad=True)
    t = torch.tensor([0.5, 1.5], requires_grad=True)
    (x.double() ** 2).sum().backward()
    (t.double() ** 2).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, t.grad.numpy())


def test_to_type_cpu_contiguous():
    x = ag.tensor([1.0, 2.0])
    assert x.to("cpu") is x and x.to(ag.device("cpu")) is x and x.cpu() is x
    assert x.to(ag.float64).dtype == np.float64 and x.to("cpu", ag.int64).dtype == np.int64
    assert x.to(ag.tensor([1], dtype=ag.int32)).dtype == np.int32
    assert x.to(dtype=ag.double, device="cpu").dtype == np.float64
    c = x.to("cpu", copy=True)
    assert c is not x and not np.shares_memory(c.data, x.data)
    assert x.type() == "autograd_core.FloatTensor" and x.type(ag.long).dtype == np.int64
    assert x.contiguous() is x


def test_device():
    x = ag.ones(2)
    assert x.device == "cpu" and x.device == ag.device("cpu") and str(x.device) == "cpu"
    assert repr(ag.device("cpu")) == "device(type='cpu')"
    assert not ag.cuda.is_available()
    for bad in ("cuda", "cuda:0", "mps"):
        with pytest.raises(RuntimeError, match="numpy.*CPU only"):
            ag.device(bad)
        with pytest.raises(RuntimeError, match="CPU only"):
            x.to(bad)


def test_format_index_item():
    x = ag.tensor(3.14159)
    assert f"{x:.2f}" == "3.14" and f"{ag.tensor([1.0, 2.0])}".startswith("Tensor(")
    with pytest.raises(TypeError, match="0-d"):
        f"{ag.tensor([1.0, 2.0]):.2f}"
    assert [10, 20, 30][ag.tensor(2)] == 30 and list(range(10))[ag.tensor(1):ag.tensor(3)] == [1, 2]
    with pytest.raises(TypeError, match="integer"):
        [1, 2][ag.tensor(1.0)]
    assert x.item() == pytest.approx(3.14159) and isinstance(ag.tensor(3).item(), int)


def test_numpy_of_a_tensor_that_requires_grad_raises():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\)"):
        w.numpy()
    assert w.detach().numpy() is w.data and w.numpy(force=True) is w.data
    assert ag.tensor([1.0]).numpy() is not None


INPLACE = ["w += 1", "w -= x", "w *= 2", "w /= 2", "w **= 2", "w[0] = 1"]


@pytest.mark.parametrize("statement", INPLACE)
def test_inplace_on_a_leaf_that_requires_grad_raises(statement):
    scope = {"w": ag.tensor([1.0, 2.0], requires_grad=True), "x": ag.tensor([0.5, 0.5])}
    with pytest.raises(RuntimeError, match="in-place"):
        exec(statement, {}, scope)


@pytest.mark.parametrize("statement", INPLACE)
def test_inplace_inside_no_grad_updates_in_place_and_bumps_the_version(statement):
    w, x = ag.tensor([1.0, 2.0], requires_grad=True), ag.tensor([0.5, 0.5])
    alias, data, version = w, w.data, w._version
    expected = {"w": data.copy(), "x": x.data, "np": np}
    exec(statement, {}, expected)
    scope = {"w": w, "x": x}
    with ag.no_grad():
        exec(statement, {}, scope)
    assert scope["w"] is alias and scope["w"].data is data and w._version > version
    np.testing.assert_allclose(w.data, expected["w"])


def test_inplace_without_grad_is_in_place_like_pytorch():
    x = ag.zeros(3)
    y = x
    x += 1
    x *= ag.tensor([1.0, 2.0, 3.0])
    assert y is x and y.tolist() == [1.0, 2.0, 3.0]
    i = ag.tensor([1, 2])
    with pytest.raises(TypeError):
        i += 0.5  # as PyTorch: a float result cannot be stored in an integer tensor


def test_inplace_saved_for_backward_is_detected():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    x = ag.tensor([3.0, 4.0])
    y = (w * x).sum()
    x += 1
    with pytest.raises(RuntimeError, match="modified"):
        y.backward()


def test_inplace_on_a_non_leaf_is_recorded(torch):
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    h = w * 2
    h += w * w  # a residual-style update inside a forward pass
    h.sum().backward()
    tw = torch.tensor([1.0, 2.0], requires_grad=True)
    th = tw * 2
    th += tw * tw
    th.sum().backward()
    np.testing.assert_allclose(w.grad.data, tw.grad.numpy())
    acc = ag.zeros(2)
    acc += w  # accumulating a tracked value into a plain tensor joins the graph
    assert acc.requires_grad


@pytest.mark.parametrize(("data", "error", "match"), [
    (None, TypeError, "None"), ([1.0, None], TypeError, "not a number"), ("abc", TypeError, "strings"),
    (["1", "2"], TypeError, "strings"), (np.array([object()], dtype=object), TypeError, "not a number"),
    ([2 ** 70], OverflowError, "int64"), ([[1.0, 2.0], [3.0]], ValueError, "rectangular"),
])
def test_tensor_creation_refuses_what_is_not_numbers(data, error, match):
    with pytest.raises(error, match=match):
        ag.tensor(data)


def test_numbers_held_as_objects_are_accepted():
    assert ag.tensor(np.array([1.5, 2.5], dtype=object)).tolist() == [1.5, 2.5]
    assert ag.tensor([2 ** 62]).dtype == np.int64
