"""OneCycleLR and CosineAnnealingWarmRestarts against torch.optim.lr_scheduler: the learning rates and the
cycled momentum / Adam β₁ of every group at every step, fractional step(epoch), resuming, errors."""
import math

import numpy as np
import pytest

import autograd_core as ag
import optim
from optim import lr_scheduler as S


def _optimizers(torch, kind, lrs=(0.1, 0.02), **kwargs):
    """Our optimizer and torch's, two parameter groups each."""
    ours = getattr(optim, kind)([{"params": [ag.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs], **kwargs)
    theirs = getattr(torch.optim, kind)([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs],
                                        **kwargs)
    return ours, theirs


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def _sequences(opt, scheduler, steps, advance=lambda sched, i: sched.step()):
    """Per step: (learning rates, momenta) after construction and after each of ``steps`` steps."""
    seq = [(scheduler.get_last_lr(), _momenta(opt))]
    for i in range(steps):
        opt.step()
        advance(scheduler, i)
        seq.append((scheduler.get_last_lr(), _momenta(opt)))
    return seq


ONE_CYCLE = [
    ("SGD", {"momentum": 0.9}, {"max_lr": 1.0, "total_steps": 20}),
    ("SGD", {"momentum": 0.9}, {"max_lr": [1.0, 0.3], "epochs": 4, "steps_per_epoch": 6, "pct_start": 0.25,
                                "anneal_strategy": "linear"}),
    ("SGD", {"momentum": 0.9}, {"max_lr": 0.5, "total_steps": 30, "three_phase": True, "div_factor": 10.0,
                                "final_div_factor": 100.0}),
    ("SGD", {"momentum": 0.9}, {"max_lr": 0.5, "total_steps": 17, "three_phase": True, "anneal_strategy": "linear",
                                "base_momentum": [0.8, 0.7], "max_momentum": (0.9, 0.99)}),
    ("Adam", {}, {"max_lr": 0.01, "total_steps": 25}),
    ("AdamW", {}, {"max_lr": 0.01, "total_steps": 25, "pct_start": 0.5, "base_momentum": 0.6}),
    ("SGD", {}, {"max_lr": 0.2, "total_steps": 15, "cycle_momentum": False}),
    ("Adagrad", {}, {"max_lr": 0.2, "total_steps": 15, "cycle_momentum": False}),
]


@pytest.mark.parametrize("kind, opt_kwargs, kwargs", ONE_CYCLE,
                         ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(ONE_CYCLE)])
def test_one_cycle_matches_torch(torch, kind, opt_kwargs, kwargs):
    ours, theirs = _optimizers(torch, kind, **opt_kwargs)
    sched = S.OneCycleLR(ours, **kwargs)
    tsched = torch.optim.lr_scheduler.OneCycleLR(theirs, **kwargs)
    steps = sched.total_steps - 1
    seq, tseq = _sequences(ours, sched, steps), _sequences(theirs, tsched, steps)
    for i, ((lrs, moms), (tlrs, tmoms)) in enumerate(zip(seq, tseq)):
        np.testing.assert_allclose(lrs, tlrs, rtol=1e-12, atol=1e-18, err_msg=f"step {i}")
        assert (moms == tmoms) if None in tmoms else np.allclose(moms, tmoms, rtol=1e-12), f"step {i}"
    for group, tgroup in zip(ours.param_groups, theirs.param_groups):
        for key in ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"):
            assert (key in group) == (key in tgroup) and group.get(key) == pytest.approx(tgroup.get(key))


def test_one_cycle_peaks_at_max_lr_and_ends_far_below_the_start():
    opt = optim.SGD([ag.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=100)
    lrs, moms = zip(*[(lr[0], m[0]) for lr, m in _sequences(opt, sched, 99)])
    assert lrs[0] == pytest.approx(1.0 / 25) and max(lrs) == pytest.approx(1.0) and np.argmax(lrs) == 29
    assert lrs[-1] == pytest.approx(1.0 / 25 / 1e4)
    assert moms[0] == 0.95 and min(moms) == pytest.approx(0.85) and moms[-1] == pytest.approx(0.95)


def test_one_cycle_raises_past_total_steps_like_torch(torch):
    ours, theirs = _optimizers(torch, "SGD", momentum=0.9)
    sched, tsched = S.OneCycleLR(ours, 1.0, total_steps=3), torch.optim.lr_scheduler.OneCycleLR(theirs, 1.0,
                                                                                                 total_steps=3)
    for opt, s in ((ours, sched), (theirs, tsched)):
        for _ in range(3):
            opt.step()
            s.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        tsched.step()


def test_one_cycle_resumes_from_its_state_dict():
    def make():
        opt = optim.Adam([ag.zeros(1, requires_grad=True)], lr=0.1)
        return opt, S.OneCycleLR(opt, max_lr=0.05, total_steps=12, three_phase=True)

    opt, sched = make()
    straight = [lr for lr, _ in _sequences(opt, sched, 11)]
    opt, sched = make()
    for _ in range(5):
        sched.step()
    opt2, sched2 = make()
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(sched.state_dict())
    assert [lr for lr, _ in _sequences(opt2, sched2, 6)] == straight[5:]


def test_one_cycle_errors():
    sgd = optim.SGD([ag.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="either total_steps OR"):
        S.OneCycleLR(sgd, 1.0, epochs=3)
    with pytest.raises(ValueError, match="positive integer total_steps"):
        S.OneCycleLR(sgd, 1.0, total_steps=0)
    with pytest.raises(ValueError, match="pct_start"):
        S.OneCycleLR(sgd, 1.0, total_steps=10, pct_start=1.5)
    with pytest.raises(ValueError, match="anneal_strategy"):
        S.OneCycleLR(sgd, 1.0, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="expected 1 values for max_lr, got 2"):
        S.OneCycleLR(sgd, [1.0, 2.0], total_steps=10)
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        S.OneCycleLR(optim.Adagrad([ag.zeros(1, requires_grad=True)]), 1.0, total_steps=10)


# ----------------------------------------------------------------------------- CosineAnnealingWarmRestarts
WARM_RESTARTS = [{"T_0": 5}, {"T_0": 3, "T_mult": 2, "eta_min": 0.001}, {"T_0": 2, "T_mult": 3}]


@pytest.mark.parametrize("kwargs", WARM_RESTARTS, ids=lambda k: "-".join(f"{a}={b}" for a, b in k.items()))
def test_warm_restarts_match_torch_epoch_by_epoch(torch, kwargs):
    ours, theirs = _optimizers(torch, "SGD")
    seq = _sequences(ours, S.CosineAnnealingWarmRestarts(ours, **kwargs), 40)
    tseq = _sequences(theirs, torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(theirs, **kwargs), 40)
    np.testing.assert_allclose([lrs for lrs, _ in seq], [lrs for lrs, _ in tseq], rtol=1e-12, atol=1e-18)


@pytest.mark.parametrize("kwargs", WARM_RESTARTS, ids=lambda k: "-".join(f"{a}={b}" for a, b in k.items()))
def test_warm_restarts_with_fractional_epochs_match_torch(torch, kwargs):
    """``step(epoch + batch / batches)`` inside epochs, then jumps back and forth."""
    epochs = [e + b / 4 for e in range(12) for b in range(4)] + [30, 7.5, 0, 21.25, 13]

    def advance(sched, i):
        sched.step(epochs[i])

    ours, theirs = _optimizers(torch, "SGD")
    sched = S.CosineAnnealingWarmRestarts(ours, **kwargs)
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(theirs, **kwargs)
    seq = _sequences(ours, sched, len(epochs), advance)
    tseq = _sequences(theirs, tsched, len(epochs), advance)
    np.testing.assert_allclose([lrs for lrs, _ in seq], [lrs for lrs, _ in tseq], rtol=1e-12, atol=1e-18)
    assert (sched.last_epoch, sched.T_i, sched.T_cur) == (tsched.last_epoch, tsched.T_i, tsched.T_cur)


def test_warm_restarts_formula():
    opt = optim.SGD([ag.zeros(1, requires_grad=True)], lr=1.0)
    sched = S.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2, eta_min=0.1)
    lrs = [lr[0] for lr, _ in _sequences(opt, sched, 12)]
    cur = [0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 0]
    period = [4] * 4 + [8] * 8 + [16]
    np.testing.assert_allclose(lrs, [0.1 + 0.9 * (1 + math.cos(math.pi * c / p)) / 2 for c, p in zip(cur, period)])


def test_warm_restarts_errors():
    opt = optim.SGD([ag.zeros(1, requires_grad=True)], lr=1.0)
    with pytest.raises(ValueError, match="positive integer T_0"):
        S.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="integer T_mult >= 1"):
        S.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=1.5)
    with pytest.raises(ValueError, match="non-negative epoch"):
        S.CosineAnnealingWarmRestarts(opt, T_0=2).step(-1)
