"""Tensor creation, dtype rules, factories, seeded randomness, attributes and repr."""
import numpy as np
import pytest

import autograd_core as ag


def test_dtype_rules():
    assert ag.tensor([1.0, 2.0]).dtype == np.float32
    assert ag.tensor(3.0).dtype == np.float32
    assert ag.tensor([1, 2]).dtype == np.int64
    assert ag.tensor(np.zeros(2, np.float64)).dtype == np.float64
    assert ag.tensor(np.float64(0.2)).dtype == np.float64 and ag.tensor(np.float32(1)).dtype == np.float32
    assert ag.tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert ag.tensor([True, False]).dtype == np.bool_


def test_default_dtype_can_be_changed():
    try:
        ag.set_default_dtype(np.float64)
        assert ag.tensor([1.0]).dtype == np.float64 and ag.zeros(2).dtype == np.float64
    finally:
        ag.set_default_dtype(np.float32)
    assert ag.get_default_dtype() == np.float32
    with pytest.raises(TypeError, match="floating"):
        ag.set_default_dtype(np.int32)


def test_only_floating_tensors_require_grad():
    with pytest.raises(TypeError, match="floating"):
        ag.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="floating"):
        ag.tensor([1, 2]).requires_grad_()


def test_scalars_and_arrays_do_not_upcast_float32():
    x = ag.tensor([1.0, 2.0])
    assert (x * 2.5).dtype == np.float32
    assert (x + np.ones(2, np.float64)).dtype == np.float32
    assert (np.ones(2) * x).dtype == np.float32
    assert (2 ** x).dtype == np.float32


def test_attributes():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert isinstance(x.data, np.ndarray) and x.shape == (2, 3) and x.ndim == 2
    assert x.size() == (2, 3) and x.size(-1) == 3
    assert x.numel() == 6 and x.is_leaf and x.grad_fn is None and x.grad is None
    y = x * 2
    assert not y.is_leaf and y.grad_fn.name == "MulBackward"
    assert x.T.shape == (3, 2)
    assert x.detach().requires_grad is False and x.detach().data is x.data
    assert y.numel() == 6
    assert ag.tensor([[1.5]]).item() == 1.5
    with pytest.raises(ValueError, match="one element"):
        x.item()
    assert x.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert x.astype(np.float64).dtype == np.float64
    c = x.clone()
    assert c.grad_fn.name == "CloneBackward" and not np.shares_memory(c.data, x.data)


def test_repr():
    assert repr(ag.tensor([1.0, 2.0], requires_grad=True)) == "Tensor([1., 2.], requires_grad=True)"
    x = ag.tensor(1.5, requires_grad=True)
    assert repr(x * 2) == "Tensor(3., grad_fn=<MulBackward>)"
    assert "dtype=float64" in repr(ag.tensor(np.zeros(2)))


def test_factories():
    for f in (ag.zeros, ag.ones, ag.empty, ag.rand, ag.randn):
        t = f(2, 3)
        assert t.shape == (2, 3) and t.dtype == np.float32
        assert f((2, 3), dtype=np.float64, requires_grad=True).requires_grad
    assert ag.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert ag.eye(3).data.trace() == 3
    assert ag.arange(4).dtype == np.int64 and ag.arange(0.0, 1.0, 0.5).dtype == np.float32
    assert np.allclose(ag.linspace(0, 1, 5).data, [0, 0.25, 0.5, 0.75, 1])
    r = ag.randint(0, 5, size=(100,))
    assert r.dtype == np.int64 and r.data.min() >= 0 and r.data.max() < 5
    x = ag.randn(3, dtype=np.float64)
    for f in (ag.zeros_like, ag.ones_like, ag.randn_like):
        assert f(x).shape == (3,) and f(x).dtype == np.float64
    assert ag.full_like(x, 2.0).tolist() == [2.0] * 3


def test_manual_seed_reproduces_bit_for_bit():
    ag.manual_seed(123)
    a = ag.randn(5).data.copy(), ag.rand(5).data.copy(), ag.randint(0, 9, size=(5,)).data.copy()
    ag.manual_seed(123)
    b = ag.randn(5).data, ag.rand(5).data, ag.randint(0, 9, size=(5,)).data
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    g = np.random.default_rng(1)
    assert ag.randn(3, generator=g).shape == (3,)


def test_in_place_methods_bump_version_and_respect_grad_mode():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        w.add_(1.0)
    with pytest.raises(RuntimeError, match="in-place"):
        w[0] = 5.0
    with ag.no_grad():
        w.add_(1.0).mul_(2.0).sub_(ag.tensor([1.0, 1.0]), alpha=2).div_(2.0)
        assert w.tolist() == [1.0, 2.0]
        w.clamp_(0.0, 1.5)
        w[1] = 0.5
        w.copy_(np.array([3.0, 4.0]))
        w.fill_(1.0).zero_()
    assert w.tolist() == [0.0, 0.0] and w._version == 9
    plain = ag.tensor([1.0, 2.0])
    plain[0] = 3.0
    assert plain.tolist() == [3.0, 2.0]


def test_len_iter_bool():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert len(x) == 2 and [r.tolist() for r in x] == [[1.0, 2.0], [3.0, 4.0]]
    assert bool(ag.tensor(1.0)) and float(ag.tensor(2.0)) == 2.0


def test_integer_operands_never_upcast_float32():
    x = ag.tensor([1.0, 2.0, 3.0])
    assert (x * ag.arange(3)).dtype == np.float32 and (x + ag.tensor([1, 2, 3])).dtype == np.float32
    i = ag.tensor([1, 2, 4])
    assert (i / i).dtype == np.float32 and i.exp().dtype == np.float32 and ag.sqrt(i).dtype == np.float32
    assert (i * 1.5).dtype == np.float32 and (i + 1).dtype == np.int64
    assert (ag.tensor(np.ones(2)) * ag.arange(2)).dtype == np.float64


def test_small_api_details():
    assert "size=(0, 3)" in repr(ag.zeros(0, 3))
    with pytest.raises(TypeError, match="floating"):
        ag.randint(0, 3, size=(2,), requires_grad=True)
    x = ag.ones(2, requires_grad=True)
    y = x * 2
    assert y.requires_grad_() is y
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
