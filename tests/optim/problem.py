"""A fixed small regression problem (a tanh network with biases) shared by the optimizer tests."""
from __future__ import annotations

import numpy as np

import autograd_core as ag

_rng = np.random.default_rng(1234)
X = _rng.normal(size=(16, 3))
Y = _rng.normal(size=(16,))
INITIAL = [_rng.normal(size=(4, 3)) * 0.5, _rng.normal(size=(4,)) * 0.1, _rng.normal(size=(4,)), np.array(0.2)]


def loss(params, x, y):
    """Mean squared error of ``tanh(x W1ᵀ + b1)·w2 + b2``; works on engine and torch tensors alike."""
    w1, b1, w2, b2 = params
    return (((x @ w1.T + b1).tanh() @ w2 + b2 - y) ** 2).mean()


def make_params(dtype) -> list[ag.Tensor]:
    """Fresh engine parameters at the fixed starting point."""
    return [ag.Tensor(p.astype(dtype), requires_grad=True) for p in INITIAL]


def backward(params: list[ag.Tensor], sign: float = 1.0) -> float:
    """Compute the gradient of ``sign·loss`` into ``.grad`` of the engine parameters."""
    dtype = params[0].dtype
    value = loss(params, ag.Tensor(X.astype(dtype)), ag.Tensor(Y.astype(dtype))) * sign
    value.backward()
    return value.item()


def gradients(arrays: list[np.ndarray], sign: float = 1.0) -> list[np.ndarray]:
    """The gradient of ``sign·loss`` at plain arrays (used by the numpy reference implementations)."""
    params = [ag.Tensor(np.array(a), requires_grad=True) for a in arrays]  # 0-d results are numpy scalars
    backward(params, sign)
    return [p.grad.data for p in params]
