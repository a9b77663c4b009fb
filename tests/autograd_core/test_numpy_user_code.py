"""A numpy user's gradient code runs unchanged on Tensors: functions written with ``np.*`` only,
differentiated with ``ag.grad`` and checked with ``ag.gradcheck`` (first and second order)."""
import numpy as np
import pytest

import autograd_core as ag

FUNCTIONS = {
    "sinh_cosh": (lambda x: np.sum(np.sinh(x) * np.cosh(x)), 1),
    "arctan2": (lambda x, y: np.sum(np.arctan2(y, x) * x), 2),
    "cumsum": (lambda x: np.sum(np.cumsum(x) ** 2), 1),
    "cumprod_diff": (lambda x: np.sum(np.diff(np.cumprod(x)) ** 2), 1),
    "logaddexp": (lambda x, y: np.sum(np.logaddexp(x, y) + np.logaddexp2(y, 2 * x)), 2),
    "hypot": (lambda x, y: np.sum(np.hypot(x, y) / (1 + np.square(y))), 2),
    "where": (lambda x: np.sum(np.where(x > 0, x ** 2, np.exp(x))), 1),
    "clip": (lambda x: np.sum(np.clip(x, a_min=-0.5, a_max=0.5) * np.tanh(x)), 1),
    "mean_of_list": (lambda x, y: ag.mean([x, x * y + 2]) + ag.sum([y, x]), 2),
    "nan_to_num": (lambda x: np.sum(np.sin(np.nan_to_num(x, nan=0.5, posinf=3.0)) ** 2), 1),
    "trigonometry": (lambda x: np.mean(np.tan(x) + np.arcsin(x / 3) + np.arccos(x / 3) * np.arctan(x)), 1),
    "logs_and_powers": (lambda x: np.sum(np.log10(x * x + 1) + np.log2(np.exp2(x) + 1) + 2 ** x), 1),
    "modulo": (lambda x, y: np.sum(np.fmod(x, 0.7) * np.remainder(y, 0.9) + x % 0.6), 2),
    "average_nanmean": (lambda x, y: np.average(x, weights=np.exp(y)) + np.nanmean(x * y), 2),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_numpy_gradient_code_runs_unchanged(name):
    fn, arity = FUNCTIONS[name]
    rng = np.random.default_rng(len(name))
    inputs = [ag.tensor(rng.uniform(0.2, 1.4, size=4), requires_grad=True) for _ in range(arity)]
    if name == "nan_to_num":
        inputs[0] = ag.tensor(np.array([0.5, np.inf, 1.2, np.nan]), requires_grad=True)
    grads = ag.grad(fn(*inputs), inputs)
    assert all(g.shape == x.shape and np.all(np.isfinite(g.data)) for g, x in zip(grads, inputs))
    assert ag.gradcheck(fn, inputs)
    assert ag.gradgradcheck(fn, inputs)
