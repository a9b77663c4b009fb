"""Every optimizer, with non-default hyper-parameters, follows its formula and torch.optim step by step."""
import numpy as np
import pytest

import optim

from .problem import INITIAL, X, Y, backward, gradients, loss, make_params
from .reference import REFERENCE

STEPS = 60
TOLERANCE = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-6)}
CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.03, momentum=0.8, dampening=0.3, weight_decay=0.05)),
    ("SGD", dict(lr=0.02, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.01, momentum=0.5, maximize=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.02, weight_decay=0.05, initial_accumulator_value=0.1, eps=1e-6)),
    ("RMSprop", dict(lr=3e-3, alpha=0.9, eps=1e-6)),
    ("RMSprop", dict(lr=3e-3, alpha=0.95, momentum=0.7, centered=True, weight_decay=0.05)),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05)),
    ("Adam", dict(lr=0.02, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.02, betas=(0.85, 0.98), weight_decay=0.1, amsgrad=True)),
    ("NAdam", dict(lr=0.01, betas=(0.85, 0.99), momentum_decay=6e-3, weight_decay=0.05)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adadelta", dict(lr=0.8, rho=0.8, eps=1e-5, weight_decay=0.05)),
    ("Rprop", dict(lr=0.02, etas=(0.4, 1.3), step_sizes=(1e-5, 0.1))),
    ("Rprop", dict(lr=0.01, maximize=True)),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for name, kw in CASES]
DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])


def _ours(name, kwargs, dtype):
    params = make_params(dtype)
    return params, getattr(optim, name)(params, **kwargs)


def _sign(kwargs):
    """Maximized cases climb the negated loss, so they follow a well-conditioned descent path."""
    return -1.0 if kwargs.get("maximize") else 1.0


def _our_step(params, opt, sign=1.0):
    opt.zero_grad()
    backward(params, sign)
    opt.step()


@DTYPES
@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_matches_formula(name, kwargs, dtype):
    params, opt = _ours(name, kwargs, dtype)
    hp = {**opt.defaults, **kwargs}
    arrays = [p.astype(dtype) for p in INITIAL]
    states = [{} for _ in arrays]
    for t in range(1, STEPS + 1):
        _our_step(params, opt, _sign(kwargs))
        grads = gradients(arrays, _sign(kwargs))
        arrays = [REFERENCE[name](a, g, s, t, hp) for a, g, s in zip(arrays, grads, states)]
        for p, a in zip(params, arrays):
            assert p.dtype == dtype
            np.testing.assert_allclose(p.data, a, **TOLERANCE[dtype], err_msg=f"step {t}")


@pytest.fixture
def torch_double(torch):
    """torch with float64 as its default dtype, so scalar state (NAdam's mu_product) is kept in double too."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(previous)


@DTYPES
@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_matches_torch(name, kwargs, dtype, torch_double):
    torch = torch_double
    params, opt = _ours(name, kwargs, dtype)
    tparams = [torch.tensor(p.astype(dtype), requires_grad=True) for p in INITIAL]
    topt = getattr(torch.optim, name)(tparams, **kwargs)
    x, y = torch.tensor(X.astype(dtype)), torch.tensor(Y.astype(dtype))
    for t in range(1, STEPS + 1):
        _our_step(params, opt, _sign(kwargs))
        topt.zero_grad()
        (loss(tparams, x, y) * _sign(kwargs)).backward()
        topt.step()
        for p, tp in zip(params, tparams):
            np.testing.assert_allclose(p.data, tp.detach().numpy(), **TOLERANCE[dtype], err_msg=f"step {t}")


def test_groups_with_their_own_learning_rates_match_torch(torch_double):
    torch = torch_double
    params = make_params(np.float64)
    groups = lambda ps: [{"params": ps[:2], "lr": 0.05, "weight_decay": 0.0}, {"params": ps[2:]}]  # noqa: E731
    opt = optim.Adam(groups(params), lr=0.01, weight_decay=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.01]
    tparams = [torch.tensor(p, requires_grad=True) for p in INITIAL]
    topt = torch.optim.Adam(groups(tparams), lr=0.01, weight_decay=0.1)
    x, y = torch.tensor(X), torch.tensor(Y)
    for _ in range(30):
        _our_step(params, opt)
        topt.zero_grad()
        loss(tparams, x, y).backward()
        topt.step()
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-10)
