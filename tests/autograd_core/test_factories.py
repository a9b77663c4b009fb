"""Factories with PyTorch's signatures (dtype=, device=, requires_grad=, generator=) and Generator."""
import numpy as np
import pytest

import autograd_core as ag
import nn

FACTORIES = [
    lambda **kw: ag.zeros(2, 3, **kw), lambda **kw: ag.ones((2, 3), **kw), lambda **kw: ag.empty(2, **kw),
    lambda **kw: ag.full((2,), 1.5, **kw), lambda **kw: ag.eye(3, **kw), lambda **kw: ag.arange(0.0, 1.0, 0.25, **kw),
    lambda **kw: ag.linspace(0, 1, 5, **kw), lambda **kw: ag.rand(3, **kw), lambda **kw: ag.randn(3, **kw),
    lambda **kw: ag.normal(0.0, 1.0, (3,), **kw), lambda **kw: ag.zeros_like(ag.ones(2), **kw),
    lambda **kw: ag.ones_like(ag.ones(2), **kw), lambda **kw: ag.full_like(ag.ones(2), 3.0, **kw),
    lambda **kw: ag.rand_like(ag.ones(2), **kw), lambda **kw: ag.randn_like(ag.ones(2), **kw),
    lambda **kw: ag.empty_like(ag.ones(2), **kw),
]


@pytest.mark.parametrize("factory", FACTORIES)
def test_every_factory_takes_dtype_device_requires_grad(factory):
    t = factory(dtype=ag.float64, device="cpu", requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad and t.is_leaf and t.device == "cpu"
    assert factory(device=ag.device("cpu")).device == "cpu"
    with pytest.raises(RuntimeError, match="CPU only"):
        factory(device="cuda")


def test_integer_factories():
    for t in (ag.randint(10, (3,)), ag.randint(2, 5, (4, 2)), ag.randint(0, 2, size=(6,)), ag.randperm(7),
              ag.arange(5), ag.randint_like(ag.ones(3), 4, dtype=ag.int64)):
        assert t.dtype == np.int64
    assert ag.randint(10, (3,)).shape == (3,) and ag.randint(2, 5, (4, 2)).data.min() >= 2
    assert sorted(ag.randperm(7).tolist()) == list(range(7))
    assert ag.arange(0, 10, 3).tolist() == [0, 3, 6, 9] and ag.arange(1.0, 2.0, 0.5).dtype == np.float32
    assert ag.full((2,), 7).dtype == np.int64 and ag.full((2,), True).dtype == np.bool_
    with pytest.raises(TypeError, match="floating"):
        ag.randint(0, 3, (2,), requires_grad=True)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: ag.arange(0, 10, 0), "nonzero"), (lambda: ag.arange(5, 0, 1), "away"),
    (lambda: ag.randint(5, 5, (2,)), "greater"), (lambda: ag.randperm(-1), "non-negative"),
    (lambda: ag.zeros(-1), "non-negative"), (lambda: ag.multinomial(ag.tensor([1.0, -1.0]), 1), "non-negative"),
    (lambda: ag.multinomial(ag.tensor([1.0, 0.0]), 2), "without replacement"),
    (lambda: ag.normal(0.0, -1.0, (2,)), "std"),
])
def test_bad_factory_arguments_raise_clearly(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_from_numpy_shares_memory_and_as_tensor_avoids_copies():
    a = np.arange(3.0)
    t = ag.from_numpy(a)
    a[0] = 7.0
    assert t.dtype == np.float64 and t.data[0] == 7.0 and np.shares_memory(t.data, a)
    assert np.shares_memory(ag.as_tensor(a).data, a) and ag.as_tensor(t) is t
    assert ag.as_tensor([1.0, 2.0], dtype=ag.float64).dtype == np.float64
    assert not np.shares_memory(ag.tensor(a).data, a)
    with pytest.raises(TypeError, match="ndarray"):
        ag.from_numpy([1.0])


def test_multinomial():
    g = ag.Generator().manual_seed(0)
    draws = ag.multinomial(ag.tensor([0.0, 1.0, 3.0]), 2000, replacement=True, generator=g)
    assert draws.dtype == np.int64 and draws.shape == (2000,) and 0 not in draws.tolist()
    assert abs((draws.data == 2).mean() - 0.75) < 0.05
    rows = ag.multinomial(ag.tensor([[1.0, 1.0, 1.0], [0.0, 2.0, 1.0]]), 2)
    assert rows.shape == (2, 2) and all(len(set(r)) == 2 for r in rows.tolist()) and 0 not in rows.tolist()[1]


def test_normal_forms():
    mean = ag.zeros(3, dtype=ag.float64)
    assert ag.normal(mean, 1.0).shape == (3,) and ag.normal(mean, 1.0).dtype == np.float64
    assert ag.normal(0.0, ag.ones(2, 1)).shape == (2, 1) and ag.normal(2.0, 0.0, (2,)).tolist() == [2.0, 2.0]


def test_generator_mirrors_torch_generator():
    g = ag.Generator()
    assert g.manual_seed(5) is g and g.initial_seed() == 5
    a = ag.rand(4, generator=g).data
    g.manual_seed(5)
    state = g.get_state()
    b = ag.rand(4, generator=g).data
    g.set_state(state)
    c = ag.rand(4, generator=g).data
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(b, c)
    assert isinstance(g, np.random.Generator) and isinstance(g.seed(), int)
    np_gen = np.random.default_rng(1)
    assert ag.randn(2, generator=np_gen).shape == (2,)
    with pytest.raises(TypeError, match="generator"):
        ag.rand(2, generator=3)


def test_manual_seed_reseeds_the_global_generator_in_place():
    held = ag.default_generator()
    assert ag.manual_seed(3) is held and ag.initial_seed() == 3
    first = ag.randn(3).data
    ag.manual_seed(3)
    np.testing.assert_array_equal(first, ag.randn(3).data)
    np.testing.assert_array_equal(first, np.random.default_rng(3).standard_normal(3).astype(np.float32))


def test_tensor_of_tensors_that_require_grad_names_stack():
    a, b = ag.tensor(1.0, requires_grad=True), ag.tensor(2.0, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"ag\.stack.*detach"):
        ag.tensor([a, b])
    assert ag.tensor([a.detach(), b.detach()]).tolist() == [1.0, 2.0]


def test_complex_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="floating"):
        ag.tensor([1 + 2j], requires_grad=True)
    assert ag.tensor([1 + 2j]).dtype.kind == "c"


def test_module_to_and_cpu_accept_devices():
    m = nn.Linear(2, 3)
    assert m.to("cpu") is m and m.cpu() is m and m.to(ag.device("cpu")).weight.dtype == np.float32
    assert m.to("cpu", ag.float64).weight.dtype == np.float64 and m.to(ag.ones(1)).weight.dtype == np.float32
    assert m.half().weight.dtype == np.float16
    with pytest.raises(RuntimeError, match="CPU only"):
        m.to("cuda")
