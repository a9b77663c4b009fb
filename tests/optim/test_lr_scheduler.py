"""Learning-rate schedules: 30-epoch sequences against their formulas and torch.optim.lr_scheduler."""
import math
from bisect import bisect_right

import numpy as np
import pytest

import autograd_core as ag
import optim
from optim import lr_scheduler as S

EPOCHS = 30
LRS = (0.1, 0.02)
MILESTONES = [3, 7, 7, 20]


def _lambda(t):
    return 0.95 ** t + 0.1 * (t % 3)


# (scheduler, its arguments, closed form f(lr0, t)); torch has no InverseTimeLR/InverseSqrtLR, so there the
# reference is torch's LambdaLR with the closed form as its factor.
CASES = [
    ("StepLR", dict(step_size=4, gamma=0.5), lambda lr, t: lr * 0.5 ** (t // 4)),
    ("MultiStepLR", dict(milestones=MILESTONES, gamma=0.3), lambda lr, t: lr * 0.3 ** bisect_right(MILESTONES, t)),
    ("ExponentialLR", dict(gamma=0.9), lambda lr, t: lr * 0.9 ** t),
    ("LambdaLR", dict(lr_lambda=_lambda), lambda lr, t: lr * _lambda(t)),
    ("CosineAnnealingLR", dict(T_max=8, eta_min=1e-3),
     lambda lr, t: 1e-3 + (lr - 1e-3) * (1 + math.cos(math.pi * t / 8)) / 2),
    ("LinearLR", dict(start_factor=0.25, end_factor=0.9, total_iters=10),
     lambda lr, t: lr * (0.25 + 0.65 * min(t, 10) / 10)),
    ("LinearLR", dict(), lambda lr, t: lr * (1 / 3 + 2 / 3 * min(t, 5) / 5)),
    ("InverseTimeLR", dict(decay_rate=0.5), lambda lr, t: lr / (1 + 0.5 * t)),
    ("InverseSqrtLR", dict(k=2.0), lambda lr, t: 2.0 * lr / math.sqrt(t + 1)),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items() if k != 'lr_lambda') or 'defaults'}"
       for name, kw, _ in CASES]


def _optimizer():
    w, b = ag.Tensor([1.0], requires_grad=True), ag.Tensor([0.0], requires_grad=True)
    return optim.SGD([{"params": [w], "lr": LRS[0]}, {"params": [b], "lr": LRS[1]}], momentum=0.9)


def _sequence(scheduler, opt, epochs=EPOCHS):
    lrs = [scheduler.get_last_lr()]
    for _ in range(epochs - 1):
        opt.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
        assert lrs[-1] == [g["lr"] for g in opt.param_groups]
    return np.array(lrs)


@pytest.mark.parametrize("name, kwargs, formula", CASES, ids=IDS)
def test_sequence_matches_formula(name, kwargs, formula):
    opt = _optimizer()
    expected = [[formula(lr, t) for lr in LRS] for t in range(EPOCHS)]
    np.testing.assert_allclose(_sequence(getattr(S, name)(opt, **kwargs), opt), expected, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("name, kwargs, formula", CASES, ids=IDS)
def test_sequence_matches_torch(name, kwargs, formula, torch):
    tparams = [torch.zeros(1, requires_grad=True) for _ in LRS]
    topt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(tparams, LRS)], momentum=0.9)
    if hasattr(torch.optim.lr_scheduler, name):
        tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    else:
        tsched = torch.optim.lr_scheduler.LambdaLR(topt, lambda t: formula(1.0, t))
    opt = _optimizer()
    np.testing.assert_allclose(_sequence(getattr(S, name)(opt, **kwargs), opt), _sequence(tsched, topt), rtol=1e-13)


def test_state_dict_round_trip_continues_the_sequence():
    opt = _optimizer()
    straight = _sequence(S.CosineAnnealingLR(opt, T_max=6), opt, 20)

    opt = _optimizer()
    sched = S.CosineAnnealingLR(opt, T_max=6)
    first = _sequence(sched, opt, 10)
    opt.step()
    sched.step()
    opt_state, sched_state = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in sched_state and sched_state["last_epoch"] == 10

    opt2 = _optimizer()
    sched2 = S.CosineAnnealingLR(opt2, T_max=1)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(sched_state)
    np.testing.assert_array_equal(np.concatenate([first, _sequence(sched2, opt2, 10)]), straight)


PLATEAU_METRICS = [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.46, 0.44, 0.44, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]


def test_plateau_reduces_after_patience_epochs_without_improvement():
    opt = _optimizer()
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=2, threshold=0.1)
    lrs = []
    for metric in PLATEAU_METRICS[:8]:
        sched.step(metric)
        lrs.append(sched.get_last_lr()[0])
    # epochs 2-4 do not improve on 1.0 by 10%: the third bad epoch halves the rate; the same after 0.5
    assert lrs == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025])


@pytest.mark.parametrize("kwargs", [
    dict(factor=0.5, patience=2, threshold=0.1),
    dict(mode="max", factor=0.3, patience=1, threshold=0.05, threshold_mode="abs", cooldown=2),
    dict(factor=0.2, patience=0, cooldown=1, min_lr=[0.01, 0.005]),
    dict(mode="max", patience=3, threshold_mode="rel", eps=1e-3),
], ids=["min-rel", "max-abs-cooldown", "min_lr-per-group", "max-rel-eps"])
def test_plateau_matches_torch(kwargs, torch):
    tparams = [torch.zeros(1, requires_grad=True) for _ in LRS]
    topt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(tparams, LRS)])
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    opt = _optimizer()
    sched = S.ReduceLROnPlateau(opt, **kwargs)
    sign = -1 if kwargs.get("mode") == "max" else 1
    for metric in PLATEAU_METRICS + PLATEAU_METRICS[::-1]:
        sched.step(sign * metric)
        tsched.step(sign * metric)
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-13)
        assert sched.num_bad_epochs == tsched.num_bad_epochs and sched.last_epoch == tsched.last_epoch


@pytest.mark.parametrize("make, error, message", [
    (lambda o: S.StepLR(o, step_size=0), ValueError, "step_size: 0"),
    (lambda o: S.CosineAnnealingLR(o, T_max=0), ValueError, "T_max: 0"),
    (lambda o: S.LinearLR(o, start_factor=0.0), ValueError, "start_factor: 0.0"),
    (lambda o: S.LinearLR(o, end_factor=1.5), ValueError, "end_factor: 1.5"),
    (lambda o: S.InverseTimeLR(o, decay_rate=-1.0), ValueError, "decay_rate: -1.0"),
    (lambda o: S.InverseSqrtLR(o, k=0.0), ValueError, "k: 0.0"),
    (lambda o: S.LambdaLR(o, [_lambda]), ValueError, "expected 2 lr_lambdas"),
    (lambda o: S.ReduceLROnPlateau(o, factor=1.0), ValueError, "factor: 1.0"),
    (lambda o: S.ReduceLROnPlateau(o, mode="lowest"), ValueError, "mode: 'lowest'"),
    (lambda o: S.ReduceLROnPlateau(o, threshold_mode="pct"), ValueError, "threshold_mode: 'pct'"),
    (lambda o: S.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 values for min_lr"),
    (lambda o: S.ExponentialLR(o, gamma=0.9, last_epoch=3), KeyError, "initial_lr"),
    (lambda o: S.StepLR(object(), step_size=2), TypeError, "not an Optimizer"),
])
def test_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make(_optimizer())


def test_plateau_state_dict_round_trip():
    opt = _optimizer()
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    for metric in PLATEAU_METRICS[:6]:
        sched.step(metric)
    opt2 = _optimizer()
    sched2 = S.ReduceLROnPlateau(opt2)
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(sched.state_dict())
    for metric in PLATEAU_METRICS[6:]:
        sched.step(metric)
        sched2.step(metric)
        assert sched2.get_last_lr() == sched.get_last_lr()
    assert (sched2.patience, sched2.best) == (1, 0.3)
