"""RNNCell, LSTMCell and GRUCell against PyTorch (outputs and every gradient, float32 and float64, copied
weights), the layers' time loop equal to a loop of cells, size-0 batches and error cases."""
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F

CELLS = {"RNNCell": {}, "RNNCell_relu": {"nonlinearity": "relu"}, "LSTMCell": {}, "GRUCell": {}}
TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}


def _pair(torch, kind, dtype, **config):
    """Our cell and a torch cell of ``dtype`` holding the same weights."""
    cls = kind.split("_")[0]
    ours = getattr(nn, cls)(3, 4, **CELLS[kind], **config)
    ref = getattr(torch.nn, cls)(3, 4, **CELLS[kind], **config).to(getattr(torch, np.dtype(dtype).name))
    for p in ours.parameters():
        p.data = p.data.astype(dtype)
    with torch.no_grad():
        for name, p in ref.named_parameters():
            p.copy_(torch.from_numpy(getattr(ours, name).data.copy()))
    return ours, ref


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("with_hx", [False, True], ids=["no_hx", "hx"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("kind", list(CELLS))
def test_outputs_and_all_gradients_match_torch(torch, kind, bias, with_hx, batched, dtype):
    ours, ref = _pair(torch, kind, dtype, bias=bias)
    rng = np.random.default_rng(0)
    lead = (2,) if batched else ()
    arrays = [rng.standard_normal((*lead, 3)).astype(dtype)]
    if with_hx:
        arrays += [rng.standard_normal((*lead, 4)).astype(dtype) for _ in range(2 if kind == "LSTMCell" else 1)]
    xs = [ag.Tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    hx = None if not with_hx else (tuple(xs[1:]) if kind == "LSTMCell" else xs[1])
    thx = None if not with_hx else (tuple(ts[1:]) if kind == "LSTMCell" else ts[1])
    outs, touts = ours(xs[0], hx), ref(ts[0], thx)
    outs, touts = (list(outs), list(touts)) if kind == "LSTMCell" else ([outs], [touts])

    for o, t in zip(outs, touts):
        assert o.dtype == dtype and o.shape == tuple(t.shape)
        np.testing.assert_allclose(o.data, t.detach().numpy(), **TOL[dtype])
    vs = [rng.standard_normal(o.shape).astype(dtype) for o in outs]
    sum((o * ag.Tensor(v)).sum() for o, v in zip(outs, vs)).backward()
    sum((t * torch.tensor(v)).sum() for t, v in zip(touts, vs)).backward()
    for a, t in zip(xs, ts):
        np.testing.assert_allclose(a.grad.data, t.grad.numpy(), **TOL[dtype])
    for name, p in ref.named_parameters():
        np.testing.assert_allclose(getattr(ours, name).grad.data, p.grad.numpy(), err_msg=name, **TOL[dtype])


@pytest.mark.parametrize("kind", list(CELLS))
def test_parameters_init_and_repr_match_torch(torch, kind):
    cls = kind.split("_")[0]
    for config in ({}, {"bias": False}):
        ours = getattr(nn, cls)(3, 16, **CELLS[kind], **config)
        ref = getattr(torch.nn, cls)(3, 16, **CELLS[kind], **config)
        assert [(n, p.shape) for n, p in ours.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in ref.named_parameters()]
        assert repr(ours) == repr(ref)
    values = np.concatenate([p.data.ravel() for p in getattr(nn, cls)(3, 16).parameters()])
    bound = 1 / math.sqrt(16)
    assert values.dtype == np.float32 and np.all(np.abs(values) <= bound)
    assert abs(values.std() - bound / math.sqrt(3)) < 0.01  # U(-b, b)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_a_layer_is_its_cell_run_over_time(kind):
    """The layer's time loop and the cell share one step: a one-layer layer equals a loop of cells."""
    layer, cell = getattr(nn, kind)(3, 4), getattr(nn, kind + "Cell")(3, 4)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, name).data = getattr(layer, name + "_l0").data
    x = ag.randn(5, 2, 3)
    out, _ = layer(x)
    state = None
    for t in range(5):
        state = cell(x[t], state)
        h = state[0] if kind == "LSTM" else state
        np.testing.assert_allclose(h.data, out.data[t], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", list(CELLS))
def test_every_parameter_gradient_matches_central_differences(kind):
    """Without torch too: the whole cell, all parameters as one float64 vector."""
    cell = getattr(nn, kind.split("_")[0])(3, 4, **CELLS[kind])
    x = ag.Tensor(np.random.default_rng(3).standard_normal((2, 3)))

    def loss_fn(out, target):
        return sum(F.mse_loss(o, target) for o in (out if isinstance(out, tuple) else (out,)))

    assert nn.utils.gradcheck_module(cell, loss_fn, (x,), ag.zeros(2, 4)).ok


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_size_zero_batches_give_empty_outputs_like_torch(torch, kind):
    for batch_first in (False, True):
        ours = getattr(nn, kind)(3, 4, batch_first=batch_first)
        ref = getattr(torch.nn, kind)(3, 4, batch_first=batch_first)
        shape = (0, 5, 3) if batch_first else (5, 0, 3)
        x = ag.zeros(*shape, requires_grad=True)
        out, h = ours(x)
        tout, th = ref(torch.zeros(shape))
        assert out.shape == tuple(tout.shape)
        h, th = (h[0], th[0]) if kind == "LSTM" else (h, th)
        assert h.shape == tuple(th.shape) == (1, 0, 4)
        out.sum().backward()
        assert x.grad.shape == shape
    cell, tcell = getattr(nn, kind + "Cell")(3, 4), getattr(torch.nn, kind + "Cell")(3, 4)
    h, th = cell(ag.zeros(0, 3)), tcell(torch.zeros(0, 3))
    h, th = (h[1], th[1]) if kind == "LSTM" else (h, th)
    assert h.shape == tuple(th.shape) == (0, 4)


def test_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"LSTM: expected a sequence length larger than 0"):
        nn.LSTM(3, 4)(ag.zeros(0, 2, 3))
    cell = nn.LSTMCell(3, 4)
    with pytest.raises(ValueError, match=r"LSTMCell: input of shape \(2, 5\) must be \(batch, 3\) or \(3,\)"):
        cell(ag.zeros(2, 5))
    with pytest.raises(ValueError, match=r"LSTMCell: input of shape \(1, 2, 3\)"):
        cell(ag.zeros(1, 2, 3))
    with pytest.raises(ValueError, match="LSTMCell: expected 2 initial state tensors, got 1"):
        cell(ag.zeros(2, 3), ag.zeros(2, 4))
    with pytest.raises(ValueError, match=r"GRUCell: initial state has shape \(3, 4\), expected \(2, 4\)"):
        nn.GRUCell(3, 4)(ag.zeros(2, 3), ag.zeros(3, 4))
    with pytest.raises(ValueError, match=r"RNNCell: initial state has shape \(1, 4\), expected \(4,\)"):
        nn.RNNCell(3, 4)(ag.zeros(3), ag.zeros(1, 4))
    with pytest.raises(ValueError, match="RNNCell: nonlinearity must be 'tanh' or 'relu'"):
        nn.RNNCell(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="must be positive"):
        nn.GRUCell(0, 4)
