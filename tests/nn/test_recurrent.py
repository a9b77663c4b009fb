"""RNN, LSTM and GRU: parameter layout and init, outputs and every gradient against PyTorch
with copied weights (float64), central differences, and error cases."""
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
from autograd_core.testing import assert_gradients_close

KINDS = {"RNN": {}, "RNN_relu": {"nonlinearity": "relu"}, "LSTM": {}, "GRU": {}}
CONFIGS = [
    {},
    {"num_layers": 2},
    {"batch_first": True},
    {"bias": False},
    {"bidirectional": True, "num_layers": 2},
]


def _pair(torch, kind, **config):
    """Our layer and a float64 torch layer holding the same weights."""
    cls = kind.split("_")[0]
    ours = getattr(nn, cls)(3, 4, **KINDS[kind], **config)
    ref = getattr(torch.nn, cls)(3, 4, **KINDS[kind], **config).double()
    with torch.no_grad():
        for name, p in ref.named_parameters():
            p.copy_(torch.tensor(getattr(ours, name).data.astype(np.float64)))
    for p in ours.parameters():
        p.data = p.data.astype(np.float64)
    return ours, ref


@pytest.mark.parametrize("initial_state", [False, True], ids=["zero_state", "given_state"])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(c) or "default")
@pytest.mark.parametrize("kind", list(KINDS))
def test_outputs_and_all_gradients_match_torch(torch, kind, config, initial_state):
    ours, ref = _pair(torch, kind, **config)
    rng = np.random.default_rng(0)
    seq, batch = 5, 2
    x = rng.standard_normal((batch, seq, 3) if config.get("batch_first") else (seq, batch, 3))
    layers = config.get("num_layers", 1) * (2 if config.get("bidirectional") else 1)
    n_states = 2 if kind == "LSTM" else 1
    states = [rng.standard_normal((layers, batch, 4)) for _ in range(n_states)] if initial_state else []

    xs = [ag.Tensor(a, requires_grad=True) for a in [x, *states]]
    ts = [torch.tensor(a, requires_grad=True) for a in [x, *states]]
    hx = None if not states else (tuple(xs[1:]) if kind == "LSTM" else xs[1])
    thx = None if not states else (tuple(ts[1:]) if kind == "LSTM" else ts[1])
    out, h = ours(xs[0], hx)
    tout, th = ref(ts[0], thx)
    finals, tfinals = (list(h), list(th)) if kind == "LSTM" else ([h], [th])

    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    for f, tf in zip(finals, tfinals):
        np.testing.assert_allclose(f.data, tf.detach().numpy(), rtol=1e-10, atol=1e-12)

    vs = [rng.standard_normal(t.shape) for t in [tout, *tfinals]]
    loss = sum(((o * ag.Tensor(v)).sum() for o, v in zip([out, *finals], vs)), ag.Tensor(0.0))
    tloss = sum((o * torch.tensor(v)).sum() for o, v in zip([tout, *tfinals], vs))
    loss.backward()
    tloss.backward()
    for a, t in zip(xs, ts):
        np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12)
    for name, p in ref.named_parameters():
        np.testing.assert_allclose(getattr(ours, name).grad.data, p.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_unbatched_input_matches_torch(torch, kind):
    ours, ref = _pair(torch, kind, num_layers=2)
    x = np.random.default_rng(1).standard_normal((4, 3))
    out, h = ours(ag.Tensor(x))
    tout, th = ref(torch.tensor(x))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10)
    h, th = (h[1], th[1]) if kind == "LSTM" else (h, th)
    assert h.shape == (2, 4)
    np.testing.assert_allclose(h.data, th.detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_parameter_names_shapes_and_init_match_torch(torch, kind):
    ours = getattr(nn, kind)(3, 16, num_layers=2, bidirectional=True)
    ref = getattr(torch.nn, kind)(3, 16, num_layers=2, bidirectional=True)
    assert [(n, p.shape) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in ref.named_parameters()]
    assert repr(ours) == repr(ref)
    bound = 1 / math.sqrt(16)
    values = np.concatenate([p.data.ravel() for p in ours.parameters()])
    assert values.dtype == np.float32 and np.all(np.abs(values) <= bound)
    assert abs(values.std() - bound / math.sqrt(3)) < 0.01  # U(-b, b) has standard deviation b/√3


def test_init_follows_manual_seed():
    ag.manual_seed(3)
    a = [p.data.copy() for p in nn.GRU(2, 3).parameters()]
    ag.manual_seed(3)
    b = [p.data for p in nn.GRU(2, 3).parameters()]
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_reprs_match_torch(torch):
    pairs = [(nn.LSTM(3, 4, batch_first=True, bias=False), torch.nn.LSTM(3, 4, batch_first=True, bias=False)),
             (nn.RNN(3, 4, nonlinearity="relu"), torch.nn.RNN(3, 4, nonlinearity="relu")),
             (nn.GRU(3, 4, 3), torch.nn.GRU(3, 4, 3))]
    for ours, ref in pairs:
        assert repr(ours) == repr(ref)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_gradients_match_central_differences(kind):
    layer = getattr(nn, kind)(2, 3, num_layers=2)
    for p in layer.parameters():
        p.data = p.data.astype(np.float64)
    rng = np.random.default_rng(2)
    x = ag.Tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    h0 = ag.Tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)

    def run(x, h0):
        out, h = layer(x, (h0, h0 * 0.5) if kind == "LSTM" else h0)
        return out

    assert_gradients_close(run, x, h0)


def test_errors():
    lstm = nn.LSTM(3, 4)
    with pytest.raises(ValueError, match=r"input of shape \(5, 2, 2\)"):
        lstm(ag.zeros(5, 2, 2))
    with pytest.raises(ValueError, match=r"initial state has shape \(1, 3, 4\), expected \(1, 2, 4\)"):
        lstm(ag.zeros(5, 2, 3), (ag.zeros(1, 3, 4), ag.zeros(1, 3, 4)))
    with pytest.raises(ValueError, match="expected 2 initial state tensors"):
        lstm(ag.zeros(5, 2, 3), (ag.zeros(1, 2, 4),))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="must be positive"):
        nn.GRU(3, 0)


def test_dropout_between_layers_in_training_only(torch):
    ours, ref = _pair(torch, "GRU", num_layers=2, dropout=0.5)
    assert repr(ours) == repr(ref)
    x = ag.Tensor(np.random.default_rng(3).standard_normal((6, 2, 3)))
    ours.eval()
    np.testing.assert_allclose(ours(x)[0].data, ref.eval()(torch.tensor(x.data))[0].detach().numpy(), rtol=1e-10)
    ours.train()
    ag.manual_seed(5)
    a = ours(x)[0].data
    ag.manual_seed(5)
    np.testing.assert_array_equal(ours(x)[0].data, a)
    assert not np.allclose(a, ours.eval()(x)[0].data)
    assert ours.is_random and not nn.GRU(3, 4, num_layers=2).is_random


def test_dropout_one_feeds_zeros_to_the_next_layer():
    rnn = nn.RNN(3, 4, num_layers=2, dropout=1.0)
    top = nn.RNN(4, 4)
    for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(top, f"{k}_l0").data = getattr(rnn, f"{k}_l1").data
    out, _ = rnn(ag.randn(5, 2, 3))
    np.testing.assert_allclose(out.data, top(ag.zeros(5, 2, 4))[0].data, rtol=1e-6)


def test_dropout_with_one_layer_warns_and_bad_probability_raises():
    with pytest.warns(UserWarning, match="no effect"):
        nn.LSTM(3, 4, dropout=0.2)
    with pytest.raises(ValueError, match="dropout probability"):
        nn.LSTM(3, 4, num_layers=2, dropout=1.5)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_gradcheck_module_checks_every_parameter_and_refuses_while_dropout_is_active(kind):
    layer = getattr(nn, kind)(2, 3, num_layers=2, dropout=0.3)
    x, target = ag.Tensor(np.random.default_rng(6).standard_normal((3, 2, 2))), ag.zeros(3, 2, 3)

    def loss_fn(result, target):
        return nn.functional.mse_loss(result[0], target)

    with pytest.raises(RuntimeError, match="random layer"):
        nn.utils.gradcheck_module(layer, loss_fn, (x,), target)
    assert nn.utils.gradcheck_module(layer.eval(), loss_fn, (x,), target).ok
