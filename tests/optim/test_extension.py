"""Optimizers are safe to extend: the update sees a read-only gradient, weight decay is handled in one
place for every optimizer, and ``zero_grad`` behaves like ``Module.zero_grad``."""
import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from optim.optimizer import Optimizer


class SignDescent(Optimizer):
    """A user's optimizer: p ← p − lr·sign(g), written against the documented extension points."""

    def __init__(self, params, lr=0.1, weight_decay=0.0, decoupled_weight_decay=False):
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, p, g, state, group):
        p.sub_(np.sign(g) * group["lr"])


class InPlaceWriter(Optimizer):
    def __init__(self, params):
        super().__init__(params, dict(lr=0.1))

    def _update(self, p, g, state, group):
        g *= 2  # forbidden: g may be the parameter's own .grad or a scratch buffer


def _param(values):
    p = ag.tensor(np.array(values, dtype=np.float64), requires_grad=True)
    p.grad = ag.tensor(np.array([0.5, -2.0]))
    return p


def test_update_gets_a_read_only_gradient():
    p = _param([1.0, 2.0])
    with pytest.raises(ValueError, match="read-only"):
        InPlaceWriter([p]).step()
    np.testing.assert_array_equal(p.grad.data, [0.5, -2.0])


@pytest.mark.parametrize("decoupled", [False, True])
def test_weight_decay_is_applied_by_the_base_class_for_any_optimizer(decoupled):
    p = _param([1.0, -3.0])
    SignDescent([p], lr=0.1, weight_decay=0.5, decoupled_weight_decay=decoupled).step()
    if decoupled:  # p·(1 − lr·wd), then the sign step on the raw gradient
        expected = np.array([1.0, -3.0]) * (1 - 0.1 * 0.5) - 0.1 * np.sign([0.5, -2.0])
    else:  # sign of g + wd·p
        expected = np.array([1.0, -3.0]) - 0.1 * np.sign(np.array([0.5, -2.0]) + 0.5 * np.array([1.0, -3.0]))
    np.testing.assert_allclose(p.data, expected)


def test_adamw_keeps_its_decoupled_rule_through_the_base_class(torch):
    w0 = np.array([1.0, -2.0, 3.0])
    g = np.array([0.1, 0.2, -0.3])
    p = ag.tensor(w0.copy(), requires_grad=True)
    tp = torch.tensor(w0.copy(), requires_grad=True)
    ours, theirs = optim.AdamW([p], lr=0.1, weight_decay=0.3), torch.optim.AdamW([tp], lr=0.1, weight_decay=0.3)
    for _ in range(3):
        p.grad, tp.grad = ag.tensor(g.copy()), torch.tensor(g.copy())
        ours.step()
        theirs.step()
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12)


def test_zero_grad_without_none_zeroes_in_place_for_optimizer_and_module_alike():
    model = nn.Linear(2, 1)
    model(ag.ones(3, 2)).sum().backward()
    grads = [p.grad for p in model.parameters()]
    optim.SGD(model.parameters(), lr=0.1).zero_grad(set_to_none=False)
    assert all(p.grad is g and not g.data.any() for p, g in zip(model.parameters(), grads))
    model(ag.ones(3, 2)).sum().backward()
    model.zero_grad(set_to_none=False)
    assert all(p.grad is g and not g.data.any() for p, g in zip(model.parameters(), grads))
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
