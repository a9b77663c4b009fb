"""optim.LBFGS against torch.optim.LBFGS: trajectories (parameters, returned losses, closure calls and
state counters after every step) with and without the strong-Wolfe line search, in float64 to 1e-10;
history truncation, state across step() calls and through state_dict, stopping rules, errors."""
import numpy as np
import pytest

import autograd_core as ag
import optim
from tests.optim import problem

ROSENBROCK_START = np.array([-1.5, 2.0])


def _network_loss(params, lib):
    dtype = params[0].dtype
    return problem.loss(params, lib.tensor(problem.X, dtype=dtype), lib.tensor(problem.Y, dtype=dtype))


def _rosenbrock(params, lib):
    x = params[0]
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


PROBLEMS = {"network": (_network_loss, problem.INITIAL), "rosenbrock": (_rosenbrock, [ROSENBROCK_START])}


def _run(lib, make_optimizer, objective, start, steps, dtype=np.float64):
    """Run ``steps`` optimizer steps; return per-step (params, returned loss, closure calls, func_evals, n_iter)."""
    params = [lib.tensor(np.array(a, dtype=dtype), requires_grad=True) for a in start]
    opt = make_optimizer(params)
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        loss = objective(params, lib)
        loss.backward()
        return loss

    record = []
    for _ in range(steps):
        returned = opt.step(closure).item()
        state = opt.state[params[0]]
        record.append(([np.array(p.detach().numpy()) for p in params], returned, calls[0], state["func_evals"],
                       state["n_iter"]))
    return record, opt


# L-BFGS trajectories are chaotic over long runs: a one-ulp difference in a gradient (the engine and
# torch round some VJPs differently) grows with every iteration, fastest on Rosenbrock with unit steps.
# The cases below stay within a horizon (3 steps) where the difference stays below 1e-10, except the
# network with the strong-Wolfe search: its cubic interpolation amplifies a difference about tenfold per step,
# and the network's matrix products round as the CPU's OpenBLAS kernel does (7e-13, 1.4e-10, 1.4e-9 after
# steps 0-2 on an AMD EPYC; smaller on Intel).
CASES = [
    ("network", {}),
    ("rosenbrock", {"max_iter": 7}),
    *[(name, config) for name in PROBLEMS for config in (
        {"line_search_fn": "strong_wolfe"},
        {"history_size": 2, "max_iter": 7},
        {"history_size": 2, "max_iter": 7, "line_search_fn": "strong_wolfe"},
        {"lr": 0.3, "max_iter": 4, "max_eval": 6},
        {"lr": 0.5, "max_iter": 4, "line_search_fn": "strong_wolfe"},
    )],
]


@pytest.mark.parametrize("name, config", CASES,
                         ids=[f"{n}-" + ("-".join(f"{k}={v}" for k, v in c.items()) or "default") for n, c in CASES])
def test_trajectory_matches_torch(torch, name, config):
    objective, start = PROBLEMS[name]
    rtol = 1e-8 if name == "network" and config == {"line_search_fn": "strong_wolfe"} else 1e-10
    ours, opt = _run(ag, lambda ps: optim.LBFGS(ps, **config), objective, start, 3)
    theirs, topt = _run(torch, lambda ps: torch.optim.LBFGS(ps, **config), objective, start, 3)
    for step, ((params, loss, calls, evals, n_iter), (tparams, tloss, tcalls, tevals, tn_iter)) in \
            enumerate(zip(ours, theirs)):
        assert (calls, evals, n_iter) == (tcalls, tevals, tn_iter), f"step {step}"
        np.testing.assert_allclose(loss, tloss, rtol=rtol, atol=1e-15, err_msg=f"step {step}")
        for p, tp in zip(params, tparams):
            np.testing.assert_allclose(p, tp, rtol=rtol, atol=1e-12, err_msg=f"step {step}")
    state, tstate = opt.state[opt.param_groups[0]["params"][0]], next(iter(topt.state.values()))
    assert set(state) == set(tstate)
    assert len(state["old_dirs"]) == len(tstate["old_dirs"]) <= config.get("history_size", 100)
    np.testing.assert_allclose(float(state["H_diag"]), float(tstate["H_diag"]), rtol=10 * rtol)


def test_strong_wolfe_solves_rosenbrock():
    record, _ = _run(ag, lambda ps: optim.LBFGS(ps, line_search_fn="strong_wolfe", max_iter=100), _rosenbrock,
                     [ROSENBROCK_START], 1)
    np.testing.assert_allclose(record[0][0][0], [1.0, 1.0], atol=1e-5)


def test_state_dict_resumes_the_same_trajectory():
    def make(ps):
        return optim.LBFGS(ps, history_size=3, max_iter=3, line_search_fn="strong_wolfe")

    straight, _ = _run(ag, make, _network_loss, problem.INITIAL, 4)
    first, opt = _run(ag, make, _network_loss, problem.INITIAL, 2)
    params = [ag.tensor(p, requires_grad=True) for p in first[-1][0]]
    resumed = make(params)
    resumed.load_state_dict(opt.state_dict())

    def closure():
        resumed.zero_grad()
        loss = _network_loss(params, ag)
        loss.backward()
        return loss

    for _ in range(2):
        resumed.step(closure)
    for p, q in zip(params, straight[-1][0]):
        np.testing.assert_array_equal(p.data, q)


def test_parameters_without_gradient_count_as_zero(torch):
    def objective(params, lib):
        return _rosenbrock(params[:1], lib)

    start = [ROSENBROCK_START, np.ones(3)]
    ours, _ = _run(ag, lambda ps: optim.LBFGS(ps, max_iter=7), objective, start, 2)
    theirs, _ = _run(torch, lambda ps: torch.optim.LBFGS(ps, max_iter=7), objective, start, 2)
    np.testing.assert_allclose(ours[-1][0][0], theirs[-1][0][0], rtol=1e-10)
    np.testing.assert_array_equal(ours[-1][0][1], 1.0)


def test_stops_at_once_on_a_zero_gradient():
    (params, loss, calls, evals, n_iter), = _run(ag, lambda ps: optim.LBFGS(ps), _rosenbrock, [np.ones(2)], 1)[0]
    assert (loss, calls, evals, n_iter) == (0.0, 1, 1, 0)
    np.testing.assert_array_equal(params[0], 1.0)


def test_errors():
    p = ag.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [p]}, {"params": [ag.zeros(1, requires_grad=True)]}])
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe'"):
        optim.LBFGS([p], line_search_fn="armijo")
    with pytest.raises(ValueError, match="needs a closure"):
        optim.LBFGS([p]).step()
    with pytest.raises(ValueError, match="history_size must be positive"):
        optim.LBFGS([p], history_size=0)



@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_float32_parameters_stay_float32_and_agree_to_round_off(torch, line_search_fn):
    ours, _ = _run(ag, lambda ps: optim.LBFGS(ps, max_iter=5, line_search_fn=line_search_fn), _network_loss,
                   problem.INITIAL, 2, np.float32)
    theirs, _ = _run(torch, lambda ps: torch.optim.LBFGS(ps, max_iter=5, line_search_fn=line_search_fn),
                     _network_loss, problem.INITIAL, 2, np.float32)
    for p, tp in zip(ours[-1][0], theirs[-1][0]):
        assert p.dtype == np.float32
        np.testing.assert_allclose(p, tp, rtol=1e-4, atol=1e-4)
