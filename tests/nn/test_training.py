"""End to end: a small MLP with BatchNorm and Dropout learns two moons (inline SGD with momentum)."""
import numpy as np

import autograd_core as ag
import nn
import nn.functional as F


def _moons(n: int, rng: np.random.Generator, noise: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles with Gaussian noise (scikit-learn's make_moons recipe)."""
    t = rng.uniform(0, np.pi, n)
    label = rng.integers(0, 2, n)
    x = np.where(label[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
    return (x + rng.normal(0, noise, x.shape)).astype(np.float32), label


def test_mlp_with_batchnorm_and_dropout_learns_moons():
    rng = np.random.default_rng(0)
    x_train, y_train = _moons(1000, rng)
    x_test, y_test = _moons(500, rng)
    model = nn.Sequential(nn.Linear(2, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.1),
                          nn.Linear(32, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 2))
    params = list(model.parameters())
    velocity = [np.zeros_like(p.data) for p in params]
    for _ in range(30):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), 64):
            idx = order[start:start + 64]
            loss = F.cross_entropy(model(ag.Tensor(x_train[idx])), ag.Tensor(y_train[idx]))
            model.zero_grad()
            loss.backward()
            with ag.no_grad():
                for p, v in zip(params, velocity):
                    v *= 0.9
                    v += p.grad.data
                    p.sub_(v, alpha=0.05)
    model.eval()
    with ag.no_grad():
        accuracy = (model(ag.Tensor(x_test)).data.argmax(axis=1) == y_test).mean()
    assert accuracy >= 0.97, accuracy
