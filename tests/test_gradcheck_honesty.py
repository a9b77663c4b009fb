"""Gradient checks never pass a random function, and round-off allowance never hides a real error."""
import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from autograd_core.gradcheck import verdict

from .wrong_gradients import wrong_square


class RandomInside(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 2)

    def forward(self, x):
        return F.dropout(self.lin(x), 0.5, training=True)


def test_gradcheck_module_refuses_a_random_loss():
    model = RandomInside().double()
    with pytest.raises(RuntimeError, match="the loss is random"):
        nn.utils.gradcheck_module(model, F.mse_loss, ag.randn(4, 3), ag.randn(4, 2))


def test_check_gradients_refuses_a_random_function():
    x = ag.randn(5, dtype=np.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="the function is random"):
        ag.check_gradients(lambda t: F.dropout(t, 0.3, training=True).sum(), (x,))


def test_round_off_allowance_never_passes_an_error_above_1e_3():
    assert verdict(2e-3, resolution=0.99) == "bug"
    assert verdict(0.5, resolution=0.6) == "bug"
    assert verdict(5e-4, resolution=4.99e-4) == "probably correct"
    assert verdict(5e-4) == "suspicious"


def test_suspicious_is_not_ok():
    Off = wrong_square(1 + 1e-4)  # a relative error of about 5e-5: suspicious
    x = ag.tensor([0.5, -1.0, 2.0], dtype=np.float64, requires_grad=True)
    report = ag.check_gradients(lambda t: Off.apply(t).sum(), (x,))
    assert report.inputs[0].verdict == "suspicious" and not report.ok
    assert "suspicious" in str(report)


def test_deterministic_model_still_passes():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    report = nn.utils.gradcheck_module(model, F.mse_loss, ag.randn(5, 3), ag.randn(5, 1))
    assert report.ok and report.verdict in ("correct", "probably correct")
