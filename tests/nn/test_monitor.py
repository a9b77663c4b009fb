"""nn.utils.TrainingMonitor: gradient norms, update ratios, dead ReLUs, saturation, warnings and plots."""
import json
import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
import optim
from nn.data import make_moons

TRAIN = make_moons(64, seed=0)


def _fit(model, monitor, epochs=2, batch_size=16, lr=0.1, **kwargs):
    return nn.fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=lr), TRAIN, epochs=epochs,
                  batch_size=batch_size, callbacks=[monitor], **kwargs)


def test_records_one_value_per_epoch_for_every_parameter_and_activation():
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))
    monitor = nn.utils.TrainingMonitor()
    _fit(model, monitor, epochs=3, dev_data=TRAIN)
    names = [n for n, _ in model.named_parameters()]
    assert list(monitor.records["grad_norm"]) == names == list(monitor.records["update_ratio"])
    assert all(len(v) == 3 for kind in monitor.records.values() for v in kind.values())
    assert list(monitor.records["dead_relu"]) == ["1 (ReLU)"] and list(monitor.records["saturated"]) == ["3 (Tanh)"]
    assert json.loads(json.dumps(monitor.to_dict())) == monitor.to_dict()
    assert "forward" not in model[1].__dict__  # the observation wrapper is gone after training


def test_gradient_norm_and_update_ratio_match_a_hand_computation():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
    before = {n: p.data.copy() for n, p in model.named_parameters()}
    monitor = nn.utils.TrainingMonitor()
    _fit(model, monitor, epochs=1, batch_size=64, lr=0.1)  # one batch: plain SGD, Δw = -lr·g
    for name, p in model.named_parameters():
        g = np.linalg.norm(p.grad.data)
        assert monitor.records["grad_norm"][name][0] == pytest.approx(g, rel=1e-6)
        expected = 0.1 * g / np.linalg.norm(before[name])
        assert monitor.records["update_ratio"][name][0] == pytest.approx(expected, rel=1e-4)


def test_dead_relu_and_saturated_sigmoid_fractions():
    dead = nn.Linear(2, 4)
    with ag.no_grad():
        dead.bias.fill_(-100.0)
    model = nn.Sequential(dead, nn.ReLU(), nn.Linear(4, 6), nn.Sigmoid(), nn.Linear(6, 2))
    with ag.no_grad():
        model[2].weight.fill_(0.0)
        model[2].bias.copy_(np.array([50.0, -50.0, 50.0, -50.0, 0.0, 0.0], np.float32))
    monitor = nn.utils.TrainingMonitor(warn=False)
    _fit(model, monitor, epochs=1, lr=0.0)
    assert monitor.records["dead_relu"]["1 (ReLU)"] == [1.0]
    assert monitor.records["saturated"]["3 (Sigmoid)"] == [pytest.approx(4 / 6)]
    alive = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2))
    with ag.no_grad():
        alive[0].bias.fill_(100.0)
    monitor = nn.utils.TrainingMonitor(warn=False)
    _fit(alive, monitor, epochs=1, lr=0.0)
    assert monitor.records["dead_relu"]["1 (ReLU)"] == [0.0]


def test_only_training_batches_are_observed():
    model = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 2))
    monitor = nn.utils.TrainingMonitor()
    monitor.on_train_begin(type("H", (), {"model": model})())
    monitor.on_epoch_begin(None, 1)
    model(ag.randn(5, 2))  # grad mode on, training: observed
    with ag.no_grad():
        model(ag.randn(5, 2))
    model.eval()
    model(ag.randn(5, 2))
    assert len(monitor._saturation["1 (Sigmoid)"]) == 1
    monitor.on_train_end(None)
    assert "forward" not in model[1].__dict__


def test_warns_about_vanishing_and_exploding_gradients():
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2))
    with pytest.warns(RuntimeWarning, match=r"vanishing gradients from epoch 1.*0\.weight, 2\.weight$"):
        _fit(model, nn.utils.TrainingMonitor(vanishing=1e6), epochs=1)
    with pytest.warns(RuntimeWarning, match=r"exploding gradients from epoch 1.*2\.weight"):
        _fit(model, nn.utils.TrainingMonitor(exploding=1e-9), epochs=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _fit(model, nn.utils.TrainingMonitor(vanishing=1e6), epochs=3)
    assert len(caught) == 1  # once per run and layer, not every epoch


def test_a_run_that_raised_is_unwrapped_by_the_next_one():
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2))
    monitor = nn.utils.TrainingMonitor()
    with pytest.raises(RuntimeError, match="loss is nan"):
        nn.fit(model, lambda out, t: F.cross_entropy(out, t) * float("nan"), optim.SGD(model.parameters(), lr=0.1),
               TRAIN, epochs=1, callbacks=[monitor])
    _fit(model, monitor, epochs=1)
    assert "forward" not in model[1].__dict__
    out = model(ag.randn(3, 2))
    assert out.shape == (3, 2)


def test_plot(tmp_path):
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2))
    monitor = nn.utils.TrainingMonitor()
    with pytest.raises(ValueError, match="nothing recorded"):
        monitor.plot()
    _fit(model, monitor, epochs=2)
    fig = monitor.plot(tmp_path / "monitor.png")
    assert (tmp_path / "monitor.png").exists() and len(fig.axes) == 3
    grad_ax = fig.axes[0]
    assert grad_ax.get_yscale() == "log" and len(grad_ax.get_lines()) == 4
    np.testing.assert_allclose(grad_ax.get_lines()[0].get_ydata(), monitor.records["grad_norm"]["0.weight"])
