"""The Optimizer base: groups, skipping, in-place updates, checkpoints and hyper-parameter validation."""

import numpy as np
import pytest

import autograd_core as ag
import optim

from .problem import backward, make_params

ALL = [
    (optim.SGD, dict(lr=0.02, momentum=0.9, nesterov=True)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.01)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (optim.Adam, dict(lr=0.02, amsgrad=True, weight_decay=0.01)),
    (optim.AdamW, dict(lr=0.02)),
    (optim.NAdam, dict(lr=0.02)),
    (optim.Adadelta, dict(lr=0.5)),
    (optim.Rprop, dict(lr=0.01)),
]
ALL_IDS = [cls.__name__ for cls, _ in ALL]


def _run(params, opt, steps):
    for _ in range(steps):
        opt.zero_grad()
        backward(params)
        opt.step()


@pytest.mark.parametrize("cls, kwargs", ALL, ids=ALL_IDS)
def test_state_dict_round_trip_continues_the_same_trajectory(cls, kwargs):
    straight = make_params(np.float64)
    opt = cls(straight, **kwargs)
    _run(straight, opt, 40)

    first = make_params(np.float64)
    opt1 = cls(first, **kwargs)
    _run(first, opt1, 20)
    saved = opt1.state_dict()
    snapshot = [p.data.copy() for p in first]
    assert sorted(saved["state"]) == [0, 1, 2, 3] and saved["param_groups"][0]["params"] == [0, 1, 2, 3]
    _run(first, opt1, 1)  # the checkpoint holds copies: later steps leave it untouched

    resumed = [ag.Tensor(a, requires_grad=True) for a in snapshot]
    opt2 = cls(resumed, lr=123.0)  # hyper-parameters come from the checkpoint
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == kwargs["lr"]
    _run(resumed, opt2, 20)
    for p, q in zip(resumed, straight):
        np.testing.assert_array_equal(p.data, q.data)


def test_state_dict_survives_nn_save(tmp_path):
    import nn

    params = make_params(np.float64)
    opt = optim.NAdam(params, lr=0.02, betas=(0.8, 0.95))
    _run(params, opt, 5)
    nn.save(opt.state_dict(), tmp_path / "opt.ckpt")
    copy = [ag.Tensor(p.data.copy(), requires_grad=True) for p in params]
    other = optim.NAdam(copy)
    other.load_state_dict(nn.load(tmp_path / "opt.ckpt"))
    assert other.param_groups[0]["betas"] == (0.8, 0.95)
    _run(params, opt, 5)
    _run(copy, other, 5)
    for p, q in zip(params, copy):
        np.testing.assert_array_equal(p.data, q.data)


def test_load_state_dict_rejects_mismatched_groups():
    params = make_params(np.float64)
    saved = optim.SGD(params, lr=0.1).state_dict()
    with pytest.raises(ValueError, match="parameter group 0 has 2 parameters"):
        optim.SGD(params[:2], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="2 parameter groups"):
        optim.SGD(params[:2], lr=0.1).load_state_dict({"state": {}, "param_groups": saved["param_groups"] * 2})


def test_state_is_keyed_by_the_parameter_and_cast_to_its_dtype():
    params = make_params(np.float64)
    opt = optim.Adam(params)
    _run(params, opt, 2)
    assert set(opt.state) == set(params) and opt.state[params[0]]["step"] == 2
    single = make_params(np.float32)
    other = optim.Adam(single)
    other.load_state_dict(opt.state_dict())
    assert other.state[single[0]]["exp_avg"].dtype == np.float32


def test_parameters_without_grad_are_skipped():
    a, b = ag.Tensor([1.0, 2.0], requires_grad=True), ag.Tensor([3.0], requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    (a * a).sum().backward()
    opt.step()
    assert b.grad is None and b.tolist() == [3.0] and b not in opt.state
    assert a._version == 1 and b._version == 0
    np.testing.assert_allclose(a.data, [0.9, 1.9], rtol=1e-6)


def test_update_is_in_place_and_not_recorded():
    w = ag.Tensor([1.0, -2.0], requires_grad=True)
    storage = w.data
    opt = optim.SGD([w], lr=0.5, momentum=0.9)
    (w * w).sum().backward()
    opt.step()
    assert w.data is storage and w.is_leaf and w.requires_grad
    assert w.tolist() == [0.0, 0.0]


def test_zero_grad_drops_or_zeroes():
    w = ag.Tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w])
    (w * w).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert w.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_step_with_closure_returns_the_loss():
    params = make_params(np.float64)
    opt = optim.SGD(params, lr=0.1)

    def closure():
        opt.zero_grad()
        return backward(params)

    with ag.no_grad():  # the closure still records its graph
        first = opt.step(closure)
    assert opt.step(closure) < first


def test_param_groups_keep_their_own_hyper_parameters():
    params = make_params(np.float64)
    opt = optim.SGD([{"params": params[:2]}, {"params": params[2:], "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [(g["lr"], g["momentum"]) for g in opt.param_groups] == [(0.1, 0), (0.5, 0.9)]
    extra = ag.Tensor([1.0], requires_grad=True)
    opt.add_param_group({"params": extra, "nesterov": True, "momentum": 0.5})
    assert opt.param_groups[-1]["params"] == [extra] and opt.param_groups[-1]["lr"] == 0.1
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [params[0]]})


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD(p, lr=-0.1), "lr value: -0.1"),
    (lambda p: optim.SGD(p, momentum=-0.5), "momentum value: -0.5"),
    (lambda p: optim.SGD(p, nesterov=True), "Nesterov"),
    (lambda p: optim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "dampening=0.1"),
    (lambda p: optim.SGD(p, weight_decay=-1e-4), "weight_decay value: -0.0001"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "beta parameter at index 0: 1.0"),
    (lambda p: optim.AdamW(p, betas=(0.9, -0.1)), "beta parameter at index 1: -0.1"),
    (lambda p: optim.NAdam(p, eps=-1e-8), "eps value: -1e-08"),
    (lambda p: optim.NAdam(p, momentum_decay=-1.0), "momentum_decay value: -1.0"),
    (lambda p: optim.Adagrad(p, lr_decay=-0.1), "lr_decay value: -0.1"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), "initial_accumulator_value value: -1"),
    (lambda p: optim.RMSprop(p, alpha=-0.9), "alpha value: -0.9"),
    (lambda p: optim.Adadelta(p, rho=1.5), "rho value: 1.5"),
    (lambda p: optim.Rprop(p, etas=(1.2, 0.5)), r"eta values: \(1.2, 0.5\)"),
    (lambda p: optim.Rprop(p, step_sizes=(1.0, 0.1)), r"step_sizes: \(1.0, 0.1\)"),
    (lambda p: optim.Adam([{"params": p, "lr": -1.0}]), "lr value: -1.0"),
    (lambda p: optim.SGD([p[0], p[0]]), "same parameter more than once"),
    (lambda p: optim.SGD([]), "empty parameter list"),
    (lambda p: optim.SGD([p[0] * 2]), "non-leaf"),
])
def test_bad_arguments_raise_value_error_naming_the_value(make, message):
    with pytest.raises(ValueError, match=message):
        make([ag.Tensor([1.0], requires_grad=True)])


def test_bad_parameter_containers_raise_type_error():
    w = ag.Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError):
        optim.SGD(w)
    with pytest.raises(TypeError):
        optim.SGD([{"params": {w}}])
    with pytest.raises(TypeError):
        optim.SGD([np.zeros(2)])


def test_repr_lists_the_groups():
    text = repr(optim.Adam([ag.Tensor([1.0], requires_grad=True)], lr=0.01))
    assert text.startswith("Adam (") and "lr: 0.01" in text and "params" not in text


@pytest.mark.parametrize("cls, kwargs", ALL, ids=ALL_IDS)
def test_step_leaves_gradients_untouched_and_bumps_versions(cls, kwargs):
    params = make_params(np.float32)
    opt = cls(params, maximize=True, **kwargs)
    for step in range(1, 4):
        opt.zero_grad()
        backward(params)
        grads = [p.grad.data.copy() for p in params]
        opt.step()
        for p, g in zip(params, grads):
            np.testing.assert_array_equal(p.grad.data, g)
            assert p.dtype == np.float32 and p._version >= step
