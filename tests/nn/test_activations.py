"""Activations: central differences, hand-computed values, PyTorch forward/backward and ±1e4 stability."""
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from autograd_core.testing import assert_gradients_close, assert_second_gradients_close

# the grid hits the kinks (0, ±1, ±3, 1.5, -2) and the extremes on purpose
GRID = np.array([-1e4, -30, -3, -2, -1, -0.5, 0, 0.25, 1, 1.5, 3, 30, 1e4, -4.2, -2.7, -1.3,
                 -0.1, 0.4, 0.9, 2.2, 3.6, 5.1, 19.0, 21.0]).reshape(4, 6)

# (name, ours, torch reference, smooth) -- smooth ones are gradchecked anywhere, the others off their kinks
CASES = [
    ("sigmoid", F.sigmoid, lambda T, t: T.sigmoid(t), True),
    ("tanh", F.tanh, lambda T, t: T.tanh(t), True),
    ("relu", F.relu, lambda T, t: T.nn.functional.relu(t), False),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda T, t: T.nn.functional.leaky_relu(t, 0.2), False),
    ("elu", lambda x: F.elu(x, 1.5), lambda T, t: T.nn.functional.elu(t, 1.5), False),
    ("selu", F.selu, lambda T, t: T.nn.functional.selu(t), False),
    ("softplus", F.softplus, lambda T, t: T.nn.functional.softplus(t), True),
    ("softplus_beta", lambda x: F.softplus(x, 2.0, 5.0), lambda T, t: T.nn.functional.softplus(t, 2.0, 5.0), False),
    ("hardsigmoid", F.hardsigmoid, lambda T, t: T.nn.functional.hardsigmoid(t), False),
    ("hardtanh", lambda x: F.hardtanh(x, -2.0, 1.5), lambda T, t: T.nn.functional.hardtanh(t, -2.0, 1.5), False),
    ("gelu_tanh", lambda x: F.gelu(x, "tanh"), lambda T, t: T.nn.functional.gelu(t, approximate="tanh"), True),
    ("silu", F.silu, lambda T, t: T.nn.functional.silu(t), True),
    ("softsign", F.softsign, lambda T, t: T.nn.functional.softsign(t), False),
    ("softmax", lambda x: F.softmax(x, 1), lambda T, t: T.softmax(t, 1), True),
    ("log_softmax", lambda x: F.log_softmax(x, 0), lambda T, t: T.log_softmax(t, 0), True),
]
IDS = [c[0] for c in CASES]


def _run(fn, data, cotangent):
    x = ag.Tensor(data, requires_grad=True)
    y = fn(x)
    (y * ag.Tensor(cotangent.astype(data.dtype))).sum().backward()
    return y.data, x.grad.data


def _torch_run(torch, fn, data, cotangent):
    t = torch.tensor(data, requires_grad=True)
    y = fn(torch, t)
    (y * torch.tensor(cotangent.astype(data.dtype))).sum().backward()
    return y.detach().numpy(), t.grad.numpy()


@pytest.mark.parametrize("name, ours, ref, smooth", CASES, ids=IDS)
def test_matches_torch_float64_including_kinks_and_extremes(torch, name, ours, ref, smooth):
    v = np.random.default_rng(1).standard_normal(GRID.shape)
    y, g = _run(ours, GRID, v)
    ty, tg = _torch_run(torch, ref, GRID, v)
    np.testing.assert_allclose(y, ty, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-8)  # torch's hardsigmoid slope is float32 1/6


@pytest.mark.parametrize("name, ours, ref, smooth", CASES, ids=IDS)
def test_stable_at_extremes_float32_matches_torch(torch, name, ours, ref, smooth):
    data = np.array([[-1e4, -1e3, -50.0, 0.0, 50.0, 1e3, 1e4]], dtype=np.float32)
    v = np.ones(data.shape)
    y, g = _run(ours, data, v)
    assert y.dtype == np.float32 and np.all(np.isfinite(y)) and np.all(np.isfinite(g))
    ty, tg = _torch_run(torch, ref, data, v)
    np.testing.assert_allclose(y, ty, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g, tg, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, ours, ref, smooth", CASES, ids=IDS)
def test_gradients_match_central_differences(name, ours, ref, smooth):
    rng = np.random.default_rng(2)
    x = rng.uniform(-4, 4, (3, 4))
    if not smooth:  # keep every point at least 0.05 away from the kinks
        for kink in (-3, -2, 0, 1.5, 3, 2.5):
            x = np.where(np.abs(x - kink) < 0.05, kink + 0.1, x)
    assert_gradients_close(ours, ag.Tensor(x, requires_grad=True))


def test_hard_logistic_values_and_slope():
    x = ag.Tensor(np.array([-5.0, -2.0, -1.0, 0.0, 1.0, 2.0, 5.0]), requires_grad=True)
    y = F.hard_logistic(x)
    np.testing.assert_array_equal(y.data, [0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.25, 0.25, 0.25, 0.0, 0.0])


def test_hand_computed_values():
    x = ag.Tensor(np.array([-1.0, 0.0, 1.0]))
    np.testing.assert_allclose(F.elu(x).data, [math.exp(-1) - 1, 0, 1])
    np.testing.assert_allclose(F.softplus(x).data, [math.log1p(math.exp(-1)), math.log(2), math.log1p(math.e)])
    np.testing.assert_allclose(F.softsign(x).data, [-0.5, 0, 0.5])
    np.testing.assert_allclose(F.hardsigmoid(x).data, [1 / 3, 0.5, 2 / 3])
    np.testing.assert_allclose(F.selu(x).data, [1.0507009873554805 * 1.6732632423543772 * (math.exp(-1) - 1), 0,
                                                1.0507009873554805])
    np.testing.assert_allclose(F.silu(x).data, [-1 / (1 + math.e), 0, 1 / (1 + math.exp(-1))])
    p = F.softmax(ag.Tensor(np.array([[0.0, math.log(3.0)]])), dim=1)
    np.testing.assert_allclose(p.data, [[0.25, 0.75]])
    np.testing.assert_allclose(F.log_softmax(ag.Tensor(np.array([5.0, 5.0])), 0).data, [-math.log(2)] * 2)


def test_softplus_threshold_is_exactly_linear():
    x = ag.Tensor(np.array([20.5, 30.0]))
    np.testing.assert_array_equal(F.softplus(x).data, x.data)
    np.testing.assert_array_equal(F.softplus(x, beta=0.5, threshold=20).data[1], math.log1p(math.exp(15)) / 0.5)


@pytest.mark.parametrize("shape, slopes", [((2, 3, 4), 3), ((5, 3), 3), ((2, 3, 2, 2), 1), ((4,), 1)])
def test_prelu_matches_torch_with_slope_gradient(torch, shape, slopes):
    rng = np.random.default_rng(3)
    data, w, v = rng.standard_normal(shape), rng.uniform(0.05, 0.5, slopes), rng.standard_normal(shape)
    x, weight = ag.Tensor(data, requires_grad=True), ag.Tensor(w, requires_grad=True)
    (F.prelu(x, weight) * ag.Tensor(v)).sum().backward()
    tx, tw = torch.tensor(data, requires_grad=True), torch.tensor(w, requires_grad=True)
    (torch.nn.functional.prelu(tx, tw) * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(weight.grad.data, tw.grad.numpy(), rtol=1e-12)
    assert_gradients_close(F.prelu, ag.Tensor(data, requires_grad=True), ag.Tensor(w, requires_grad=True))


def test_prelu_module_learns_its_slope():
    m = nn.PReLU(3, init=0.1)
    assert [n for n, _ in m.named_parameters()] == ["weight"] and np.allclose(m.weight.data, 0.1)
    x = ag.Tensor(-np.ones((2, 3, 4)))
    m(x).sum().backward()
    np.testing.assert_allclose(m.weight.grad.data, [-8.0, -8.0, -8.0])


def test_prelu_rejects_mismatched_weight():
    with pytest.raises(ValueError, match=r"weight of shape \(2,\).*3 channels"):
        F.prelu(ag.ones(4, 3), ag.ones(2))


def test_rrelu_training_draws_uniform_slopes():
    lower, upper = 0.1, 0.4
    x = ag.Tensor(-np.ones(200_000), requires_grad=True)
    slopes = -F.rrelu(x, lower, upper, training=True).data
    assert slopes.min() >= lower and slopes.max() <= upper
    assert abs(slopes.mean() - (lower + upper) / 2) < 2e-3
    assert abs(slopes.var() - (upper - lower) ** 2 / 12) < 2e-4
    positive = ag.Tensor(np.arange(1.0, 5.0))
    np.testing.assert_array_equal(F.rrelu(positive, training=True).data, positive.data)


def test_rrelu_gradient_is_the_drawn_slope():
    x = ag.Tensor(np.array([-2.0, -1.0, 0.0, 3.0]), requires_grad=True)
    y = F.rrelu(x, training=True)
    y.sum().backward()
    slopes = y.data[:2] / x.data[:2]
    np.testing.assert_allclose(x.grad.data[:2], slopes)
    assert 1 / 8 <= x.grad.data[2] <= 1 / 3 and x.grad.data[3] == 1.0


def test_rrelu_eval_uses_exact_mean_slope():
    x = ag.Tensor(np.array([-3.0, 2.0]))
    np.testing.assert_array_equal(F.rrelu(x, 0.2, 0.6).data, [-3.0 * 0.4, 2.0])
    m = nn.RReLU(0.2, 0.6).eval()
    np.testing.assert_array_equal(m(x).data, [-3.0 * 0.4, 2.0])


def test_rrelu_follows_manual_seed_and_explicit_generator():
    x = ag.Tensor(-np.ones(10))
    ag.manual_seed(7)
    a = F.rrelu(x, training=True).data
    ag.manual_seed(7)
    b = nn.RReLU()(x).data  # modules start in training mode
    np.testing.assert_array_equal(a, b)
    c = F.rrelu(x, training=True, generator=np.random.default_rng(7)).data
    np.testing.assert_array_equal(a, c)
    assert nn.RReLU.is_random


@pytest.mark.skipif(not hasattr(ag, "erf"), reason="autograd_core has no erf primitive yet")
def test_gelu_exact_matches_torch(torch):
    v = np.ones(GRID.shape)
    y, g = _run(F.gelu, GRID, v)
    ty, tg = _torch_run(torch, lambda T, t: T.nn.functional.gelu(t), GRID, v)
    np.testing.assert_allclose(y, ty, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-12)


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(ag.ones(2), approximate="sigmoid")
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")


def test_hardtanh_rejects_inverted_bounds():
    with pytest.raises(ValueError, match="min_val"):
        F.hardtanh(ag.ones(2), 1.0, -1.0)
    with pytest.raises(ValueError, match="min_val"):
        nn.Hardtanh(1.0, -1.0)


def test_rrelu_rejects_bad_bounds():
    with pytest.raises(ValueError, match="lower"):
        nn.RReLU(0.5, 0.1)


MODULES = [
    (nn.Sigmoid(), F.sigmoid), (nn.Tanh(), F.tanh), (nn.ReLU(), F.relu),
    (nn.LeakyReLU(0.3), lambda x: F.leaky_relu(x, 0.3)), (nn.ELU(0.7), lambda x: F.elu(x, 0.7)),
    (nn.SELU(), F.selu), (nn.Softplus(2.0, 3.0), lambda x: F.softplus(x, 2.0, 3.0)),
    (nn.Hardsigmoid(), F.hardsigmoid), (nn.HardLogistic(), F.hard_logistic),
    (nn.Hardtanh(-0.5, 2.0), lambda x: F.hardtanh(x, -0.5, 2.0)), (nn.GELU("tanh"), lambda x: F.gelu(x, "tanh")),
    (nn.SiLU(), F.silu), (nn.Softsign(), F.softsign), (nn.Softmax(0), lambda x: F.softmax(x, 0)),
    (nn.LogSoftmax(1), lambda x: F.log_softmax(x, 1)), (nn.RReLU().eval(), F.rrelu),
]


@pytest.mark.parametrize("module, fn", MODULES, ids=[type(m).__name__ for m, _ in MODULES])
def test_modules_apply_their_function(module, fn):
    x = ag.Tensor(GRID)
    np.testing.assert_array_equal(module(x).data, fn(x).data)
    assert list(module.parameters()) == []


def test_module_reprs_match_torch(torch):
    T = torch.nn
    pairs = [
        (nn.Sigmoid(), T.Sigmoid()), (nn.ReLU(), T.ReLU()), (nn.LeakyReLU(), T.LeakyReLU()),
        (nn.PReLU(3), T.PReLU(3)), (nn.RReLU(), T.RReLU()), (nn.ELU(), T.ELU()), (nn.SELU(), T.SELU()),
        (nn.Softplus(), T.Softplus()), (nn.Hardsigmoid(), T.Hardsigmoid()), (nn.Hardtanh(), T.Hardtanh()),
        (nn.GELU(), T.GELU()), (nn.GELU("tanh"), T.GELU("tanh")), (nn.SiLU(), T.SiLU()),
        (nn.Softsign(), T.Softsign()), (nn.Softmax(dim=1), T.Softmax(dim=1)), (nn.LogSoftmax(0), T.LogSoftmax(0)),
        (nn.Tanh(), T.Tanh()),
    ]
    for ours, ref in pairs:
        assert repr(ours) == repr(ref)
    assert repr(nn.HardLogistic()) == "HardLogistic()"


@pytest.mark.parametrize("name, ours, ref, smooth", [c for c in CASES if c[3]] + [CASES[4], CASES[5]],
                         ids=[c[0] for c in CASES if c[3]] + ["elu", "selu"])
def test_second_derivatives_match_central_differences(name, ours, ref, smooth):
    x = np.random.default_rng(4).uniform(-3, 3, (2, 3))
    x = np.where(np.abs(x) < 0.1, 0.5, x)  # elu's second derivative jumps at 0
    assert_second_gradients_close(ours, ag.Tensor(x, requires_grad=True))


def test_gradcheck_module_refuses_training_rrelu_and_checks_prelu():
    model = nn.Sequential(nn.PReLU(3), nn.RReLU())
    x = ag.Tensor(np.random.default_rng(8).standard_normal((4, 3)))
    with pytest.raises(RuntimeError, match="random layer"):
        nn.utils.gradcheck_module(model, F.mse_loss, (x,), ag.zeros(4, 3))
    assert nn.utils.gradcheck_module(model.eval(), F.mse_loss, (x,), ag.zeros(4, 3)).ok


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(64, 10), (40, 3, 5), (33, 32)], ids=str)
def test_softmax_over_a_short_last_axis_of_many_rows_matches_torch(torch, shape, dtype):
    """Many rows with a short class axis take the row maximum over a transposed copy (a faster numpy
    reduction): values, extremes (±inf, NaN rows) and gradients still agree with PyTorch."""
    x = np.random.default_rng(8).standard_normal(shape).astype(dtype) * 5
    x.reshape(-1, shape[-1])[:3] = [[np.inf], [-np.inf], [np.nan]]  # a row of inf, of -inf and of NaN
    x.reshape(-1, shape[-1])[3, 1] = 1e4  # overflows unless the shift is this row's own maximum
    for ours, ref in ((F.log_softmax, torch.log_softmax), (F.softmax, torch.softmax)):
        t = ag.Tensor(x, requires_grad=True)
        tt = torch.tensor(x, requires_grad=True)
        with np.errstate(invalid="ignore"):  # inf - inf in the shift of the inf row, NaN as in PyTorch
            out = ours(t, dim=-1)
        tout = ref(tt, dim=-1)
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-5, atol=1e-6)
        cot = np.random.default_rng(9).standard_normal(shape).astype(dtype)
        (out * ag.Tensor(cot)).sum().backward()
        (tout * torch.tensor(cot)).sum().backward()
        np.testing.assert_allclose(t.grad.data, tt.grad.numpy(), rtol=1e-5, atol=1e-6)
