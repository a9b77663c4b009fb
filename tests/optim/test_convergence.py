"""Convergence behaviour the textbooks describe, each with a real assertion."""
import numpy as np

import autograd_core as ag
import optim
from optim import lr_scheduler

CURVATURES = np.logspace(0, 2, 10)  # a diagonal quadratic with condition number 100


def _steps_to_converge(opt_class, tolerance=1e-6, max_steps=3000, **kwargs):
    """Steps until ½·xᵀHx falls below ``tolerance`` times its starting value (``max_steps`` if never)."""
    x = ag.Tensor(np.ones(10), requires_grad=True)
    h = ag.Tensor(CURVATURES)
    opt = opt_class([x], **kwargs)
    start = 0.5 * CURVATURES.sum()
    for step in range(max_steps):
        opt.zero_grad()
        value = 0.5 * (h * x * x).sum()
        if value.item() < tolerance * start:
            return step
        value.backward()
        opt.step()
    return max_steps


def test_momentum_and_adam_beat_the_best_plain_sgd_on_an_ill_conditioned_quadratic():
    # plain SGD is stable only for lr < 2/λ_max = 0.02; take its best rate on a grid below that
    sgd = min(_steps_to_converge(optim.SGD, lr=lr) for lr in np.linspace(0.002, 0.0199, 10))
    # heavy ball with Polyak's tuning for eigenvalues in [μ, L]: lr = 4/(√L+√μ)², β = ((√κ−1)/(√κ+1))²
    momentum = _steps_to_converge(optim.SGD, lr=4 / 121, momentum=(9 / 11) ** 2)
    adam = min(_steps_to_converge(optim.Adam, lr=lr) for lr in (0.01, 0.03, 0.05, 0.1))
    assert sgd > 200  # √κ-times slower: the error of the flattest direction shrinks by (κ−1)/(κ+1) per step
    assert momentum * 4 < sgd and adam * 4 < sgd, (sgd, momentum, adam)


def _minibatch_sgd_distance(make_scheduler, epochs=30):
    """Mean distance to the least-squares solution over the last epoch of seeded mini-batch SGD."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 5))
    y = x @ rng.normal(size=5) + 0.5 * rng.normal(size=256)
    best = np.linalg.lstsq(x, y, rcond=None)[0]
    w = ag.Tensor(np.zeros(5), requires_grad=True)
    opt = optim.SGD([w], lr=0.05)
    scheduler = make_scheduler(opt)
    distances = []
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), 8):
            batch = order[start:start + 8]
            opt.zero_grad()
            residual = ag.Tensor(x[batch]) @ w - ag.Tensor(y[batch])
            (residual * residual).mean().backward()
            opt.step()
            if epoch == epochs - 1:
                distances.append(np.linalg.norm(w.data - best))
        if scheduler is not None:
            scheduler.step()
    return np.mean(distances)


def test_learning_rate_decay_lets_noisy_sgd_settle_closer():
    constant = _minibatch_sgd_distance(lambda opt: None)
    for make in (lambda opt: lr_scheduler.InverseTimeLR(opt, decay_rate=0.5),
                 lambda opt: lr_scheduler.StepLR(opt, step_size=10, gamma=0.1)):
        assert _minibatch_sgd_distance(make) * 5 < constant


def test_rprop_converges_on_a_badly_scaled_problem():
    scales = ag.Tensor(np.logspace(-4, 4, 9))  # curvatures spanning eight orders of magnitude

    def run(opt_class, **kwargs):
        x = ag.Tensor(np.zeros(9), requires_grad=True)
        opt = opt_class([x], **kwargs)
        for _ in range(300):
            opt.zero_grad()
            (scales * (x - 1) ** 2).sum().backward()
            opt.step()
        return np.abs(x.data - 1).max()

    assert run(optim.Rprop, lr=0.01) < 1e-5
    assert run(optim.SGD, lr=0.9 / 1e4) > 0.9  # the largest stable rate barely moves the flat directions
