"""nn.utils: clipping, parameter vectors, penalties, gradcheck_module and draw_model."""
import numpy as np
import pytest

import autograd_core as ag
import nn

from ..wrong_gradients import wrong_square


def _with_grads(seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    params = [ag.Tensor(rng.standard_normal(s), requires_grad=True) for s in [(3, 4), (4,), (2, 2)]]
    for p in params:
        p.grad = ag.Tensor(rng.standard_normal(p.shape) * scale)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    ours = _with_grads()
    theirs = [torch.tensor(p.data, requires_grad=True) for p in ours]
    for t, p in zip(theirs, ours):
        t.grad = torch.tensor(p.grad.data)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert float(total.item()) == pytest.approx(float(expected), rel=1e-12)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.data, t.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_edge_cases():
    assert nn.utils.clip_grad_norm_([ag.zeros(2, requires_grad=True)], 1.0).item() == 0.0
    params = _with_grads()
    params[0].grad.data[0, 0] = np.nan
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    lin = nn.Linear(2, 2)
    lin(ag.ones(1, 2) * 100).sum().backward()
    nn.utils.clip_grad_norm_(lin, 1e-3)  # a Module means its parameters
    assert np.sqrt(sum((p.grad.data.astype(np.float64) ** 2).sum() for p in lin.parameters())) < 1.001e-3


def test_clip_grad_value():
    params = _with_grads(scale=3)
    nn.utils.clip_grad_value_(params, 0.5)
    assert all(np.abs(p.grad.data).max() <= 0.5 for p in params)
    assert any(np.abs(p.grad.data).max() == 0.5 for p in params)


def test_parameters_vector_round_trip_and_differentiable():
    m = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = nn.utils.parameters_to_vector(m.parameters())
    assert vec.shape == (m.num_parameters(),)
    np.testing.assert_array_equal(vec.data[:6], m[0].weight.data.ravel())
    (vec * vec).sum().backward()
    np.testing.assert_allclose(m[0].weight.grad.data, 2 * m[0].weight.data)
    nn.utils.vector_to_parameters(np.arange(m.num_parameters(), dtype=np.float64), m.parameters())
    np.testing.assert_array_equal(m[0].bias.data, [6, 7]) and np.testing.assert_array_equal(m[1].bias.data, [10])
    with pytest.raises(ValueError, match="vector of 11 elements"):
        nn.utils.vector_to_parameters(np.zeros(3), m.parameters())


def test_penalties_weights_only_by_default():
    m = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    w = m[0].weight.data.astype(np.float64)
    assert nn.utils.l2_penalty(m.parameters()).item() == pytest.approx((w ** 2).sum(), rel=1e-6)
    assert nn.utils.l1_penalty(m).item() == pytest.approx(np.abs(w).sum(), rel=1e-6)
    every = sum((p.data.astype(np.float64) ** 2).sum() for p in m.parameters())
    assert nn.utils.l2_penalty(m, include_all=True).item() == pytest.approx(every, rel=1e-6)
    nn.utils.l2_penalty(m).backward()
    np.testing.assert_allclose(m[0].weight.grad.data, 2 * m[0].weight.data)
    assert m[0].bias.grad is None


def _mlp():
    return nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.Dropout(0.2), nn.Linear(5, 2))


def _mse(y, t):
    return ((y - t) ** 2).mean()


def test_gradcheck_module_passes_and_restores_state():
    m = _mlp().train()
    m[2].eval()  # only the random layer switched off: BatchNorm stays in training mode
    before = m.state_dict()
    x, t = ag.randn(6, 3), ag.randn(6, 2)
    report = nn.utils.gradcheck_module(m, _mse, x, t)
    assert report.ok and report.rel_error < 1e-7 and report.verdict == "correct"
    assert report.num_parameters == m.num_parameters()
    assert "relative error" in str(report) and report.parameter in dict(m.named_parameters())
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)  # parameters and running stats untouched
    assert all(isinstance(p, nn.Parameter) and p.dtype == np.float32 for p in m.parameters())


def test_gradcheck_module_refuses_random_layers_in_training():
    m = _mlp()
    with pytest.raises(RuntimeError, match=r"'2' \(Dropout\).*model.eval\(\)"):
        nn.utils.gradcheck_module(m, _mse, ag.randn(4, 3), ag.randn(4, 2))
    assert nn.utils.gradcheck_module(m.eval(), _mse, ag.randn(4, 3), ag.randn(4, 2)).ok


_OFF_AT_1_2 = np.ones((2, 3))
_OFF_AT_1_2[1, 2] = 3.0
_WrongSquare = wrong_square(_OFF_AT_1_2)  # x² whose backward is off by a factor on element (1, 2) only


class _Buggy(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.Linear(2, 3)
        self.table = nn.Parameter(np.random.default_rng(0).uniform(1, 2, (2, 3)).astype(np.float32))

    def forward(self, x):
        return self.first(x) * _WrongSquare.apply(self.table).sum(axis=0)


def test_gradcheck_module_names_the_parameter_and_element_that_is_off():
    m = _Buggy()
    args = (m, lambda y, t: (y * t).sum(), ag.randn(4, 2), ag.randn(4, 3))
    report = nn.utils.gradcheck_module(*args, raise_exception=False)
    assert not report.ok and report.parameter == "table" and report.index == (1, 2)
    with pytest.raises(RuntimeError, match=r"table\[1, 2\]"):
        nn.utils.gradcheck_module(*args)


def test_gradcheck_module_shared_parameters():
    lin = nn.Linear(2, 2)
    assert nn.utils.gradcheck_module(nn.Sequential(lin, lin), _mse, ag.randn(3, 2), ag.randn(3, 2)).ok


def test_draw_model_clusters_modules_and_names_parameters():
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    dot = nn.utils.draw_model(m, ag.randn(5, 3)).source
    for name in ("0.weight", "0.bias", "1.weight", "2.weight", "2.bias"):
        assert f"<B>{name}</B>" in dot
    for label in ("0: Linear", "1: BatchNorm1d", "2: Linear"):
        assert label in dot
    assert dot.count("subgraph cluster_") == 4  # Sequential + its three children


def test_draw_model_with_nested_outputs():
    lstm = nn.LSTM(3, 4)
    dot = nn.utils.draw_model(lstm, ag.randn(2, 1, 3)).source
    assert dot.count("<B>output ") == 3 and "weight_ih_l0" in dot
