"""optim.search: distributions, seeded random/grid/coarse-to-fine search on joblib and Dask, results."""
import math
import sys

import numpy as np
import pytest
from scipy import stats

import autograd_core as ag
from optim import search as S

DISTRIBUTIONS = [S.Uniform(-2.0, 3.0), S.LogUniform(1e-4, 1.0), S.IntUniform(2, 5), S.IntLogUniform(1, 300),
                 S.OneMinusLogUniform(0.9, 0.999)]


def _bowl(lr, x):
    """Best at lr = 1e-2, x = 0.3; x matters far less than lr."""
    return (math.log10(lr) + 2.0) ** 2 + 0.1 * (x - 0.3) ** 2


def _noisy(lr, x, seed):
    """Uses both the engine's global generator (seeded by the worker) and the seed keyword; fails for lr > 0.3."""
    if lr > 0.3:
        raise ValueError(f"diverged at lr={lr:.3f}")
    return _bowl(lr, x) + 0.01 * ag.randn(1).item() + 0.01 * np.random.default_rng(seed).normal()


SPACE = {"lr": S.LogUniform(1e-4, 1.0), "x": S.Uniform(0.0, 1.0)}


def _table(result):
    """What must not depend on how the trials ran (NaN scores of failed trials compare unequal, so None)."""
    return [(t.trial, t.params, None if t.failed else t.score, t.error) for t in result.trials]


# ---- distributions ------------------------------------------------------------------------------------------------

def test_loguniform_is_uniform_in_log10():
    rng = np.random.default_rng(1234)
    log_draws = np.log10([S.LogUniform(1e-4, 1.0).sample(rng) for _ in range(4000)])
    assert stats.kstest(log_draws, "uniform", args=(-4, 4)).pvalue > 0.01
    # The test has power: a linear draw on the same range is nowhere near uniform in log10.
    linear = np.log10([S.Uniform(1e-4, 1.0).sample(rng) for _ in range(4000)])
    assert stats.kstest(linear, "uniform", args=(-4, 4)).pvalue < 1e-6


def test_one_minus_loguniform_is_uniform_in_log10_of_one_minus():
    rng = np.random.default_rng(99)
    draws = np.array([S.OneMinusLogUniform(0.9, 0.999).sample(rng) for _ in range(4000)])
    assert stats.kstest(np.log10(1 - draws), "uniform", args=(-3, 2)).pvalue > 0.01
    assert np.mean(draws < 0.99) == pytest.approx(0.5, abs=0.03)   # as many in 0.9..0.99 as in 0.99..0.999


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=lambda d: type(d).__name__)
def test_draws_stay_in_range_with_the_right_type(dist):
    rng = np.random.default_rng(0)
    draws = [dist.sample(rng) for _ in range(2000)]
    assert all(dist.low <= v <= dist.high for v in draws)
    assert all(type(v) is (int if dist.integer else float) for v in draws)
    if isinstance(dist, S.IntUniform):
        assert set(draws) == {2, 3, 4, 5}
    if isinstance(dist, S.IntLogUniform):
        assert min(draws) == 1 and sum(v < 18 for v in draws) > 800   # half the decades hold half the draws


def test_choice_draws_every_option():
    rng = np.random.default_rng(0)
    assert {S.Choice(["relu", "tanh", None]).sample(rng) for _ in range(200)} == {"relu", "tanh", None}


@pytest.mark.parametrize("make, error, match", [
    (lambda: S.LogUniform(0, 1), ValueError, "low must be > 0"),
    (lambda: S.Uniform(1.0, 1.0), ValueError, "low < high"),
    (lambda: S.IntUniform(1.5, 3), TypeError, "low must be an integer"),
    (lambda: S.IntLogUniform(0, 3), ValueError, "low must be > 0"),
    (lambda: S.OneMinusLogUniform(0.9, 1.0), ValueError, "high < 1"),
    (lambda: S.Uniform(0, math.inf), TypeError, "high must be a finite number"),
    (lambda: S.Choice([]), ValueError, "non-empty"),
])
def test_bad_distribution_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=lambda d: type(d).__name__)
def test_narrow_shrinks_inside_the_range_around_the_best(dist):
    values = [dist.sample(np.random.default_rng(i)) for i in range(5)]
    narrow = dist.narrow(values, values[0], 0.5)
    assert type(narrow) is type(dist)
    assert dist.low <= narrow.low <= values[0] <= narrow.high <= dist.high
    assert narrow.high - narrow.low < dist.high - dist.low
    if not dist.integer:   # exactly half as wide in the sampling coordinate (log10 for the log ones)
        width = lambda d: abs(d._to(d.high) - d._to(d.low))
        assert width(narrow) == pytest.approx(0.5 * width(dist))


def test_choice_narrows_to_the_options_used():
    assert S.Choice(["a", "b", "c"]).narrow(["c", "a"], "a", 0.5) == S.Choice(["a", "c"])


def test_bad_spaces():
    with pytest.raises(TypeError, match=r"space\['act'\].*use Choice"):
        S.random_search(_bowl, {"act": ["relu", "tanh"]}, 2, progress=False)
    with pytest.raises(ValueError, match="'score' is not allowed"):
        S.random_search(_bowl, {"score": S.Uniform(0, 1)}, 2, progress=False)
    for bad in dict(n_trials=0), dict(direction="up"), dict(seed=-1):
        with pytest.raises(ValueError, match=next(iter(bad))):
            S.random_search(_bowl, SPACE, **{"n_trials": 2, "progress": False, **bad})


# ---- execution ----------------------------------------------------------------------------------------------------

def test_reproducible_across_n_jobs_and_failures_recorded():
    one = S.random_search(_noisy, SPACE, 12, seed=7, progress=False)
    two = S.random_search(_noisy, SPACE, 12, seed=7, n_jobs=2, progress=False)
    assert _table(one) == _table(two)
    assert _table(S.random_search(_noisy, SPACE, 12, seed=7, progress=False)) == _table(one)
    assert _table(S.random_search(_noisy, SPACE, 12, seed=8, progress=False)) != _table(one)
    failed = [t for t in one.trials if t.failed]
    assert failed and len(failed) < 12 and [t.trial for t in one.trials] == list(range(12))
    for t in failed:
        assert t.params["lr"] > 0.3 and math.isnan(t.score) and t.error.startswith("ValueError: diverged at lr=")
    assert not one.best.failed and one.best.score == min(t.score for t in one.trials if not t.failed)


def _rand_after_seed(seed):
    ag.manual_seed(seed)
    return ag.rand(1).item()


def test_trial_seeds_and_the_callers_generator():
    seen = S.random_search(lambda x, seed: seed, {"x": S.Uniform(0, 1)}, 6, seed=3, progress=False)
    seeds = [int(t.score) for t in seen.trials]
    assert len(set(seeds)) == 6
    # the engine's generator is seeded with the seed the objective receives, before the objective runs
    draws = S.random_search(lambda x: ag.rand(1).item(), {"x": S.Uniform(0, 1)}, 6, seed=3, progress=False)
    expected = [_rand_after_seed(s) for s in seeds]
    ag.manual_seed(5)
    before = ag.default_generator().bit_generator.state
    assert [t.score for t in draws.trials] == expected
    # an in-process search leaves the caller's random stream where it was
    S.random_search(lambda x: ag.randn(3).sum().item(), {"x": S.Uniform(0, 1)}, 3, seed=0, progress=False)
    assert ag.default_generator().bit_generator.state == before


def _on_a_dask_worker(lr, x, seed):
    from distributed import get_worker

    get_worker()   # raises (and so fails the trial) unless the trial really runs on a Dask worker
    return _bowl(lr, x) + 0.01 * np.random.default_rng(seed).normal()


def test_dask_backend_gives_the_same_trials():
    distributed = pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed "
                                                                 "(pip install -e '.[cluster]')")
    # Threads in this process, talking over loopback TCP so that objectives and results are really serialized;
    # two trials may run at once in one process, so the objective's randomness comes from its seed keyword.
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster, distributed.Client(cluster):
        on_dask = S.random_search(_on_a_dask_worker, SPACE, 10, seed=11, backend="dask", progress=False)
    assert not any(t.failed for t in on_dask.trials), on_dask
    local = S.random_search(lambda lr, x, seed: _bowl(lr, x) + 0.01 * np.random.default_rng(seed).normal(),
                            SPACE, 10, seed=11, progress=False)
    assert _table(on_dask) == _table(local)


# ---- strategies ---------------------------------------------------------------------------------------------------

def test_coarse_to_fine_narrows_around_the_best_and_improves():
    improved = 0
    for seed in range(20):
        result = S.coarse_to_fine(_bowl, SPACE, rounds=4, n_trials=16, keep=3, seed=seed, progress=False)
        assert [t.round for t in result.trials] == [r for r in range(4) for _ in range(16)]
        assert len(result.spaces) == 4 and result.spaces[0] == SPACE
        for r in range(1, 4):
            best = min((t for t in result.trials if t.round < r), key=lambda t: t.score)
            for name, new in result.spaces[r].items():
                old = result.spaces[r - 1][name]
                assert old.low <= new.low <= best.params[name] <= new.high <= old.high
                assert new.high - new.low < old.high - old.low
            assert all(result.spaces[r][n].low <= t.params[n] <= result.spaces[r][n].high
                       for t in result.trials if t.round == r for n in SPACE)
        scores = [[t.score for t in result.trials if t.round == r] for r in range(4)]
        assert np.median(scores[3]) < 0.1 * np.median(scores[0])   # the last round samples the good region
        improved += min(scores[1] + scores[2] + scores[3]) < min(scores[0])
    assert improved >= 18   # a lucky first round is rarely beaten (19 of these 20 seeds improve on it)


def test_coarse_to_fine_arguments():
    for bad in dict(keep=0), dict(keep=1.5), dict(shrink=1.0), dict(rounds=0):
        with pytest.raises(ValueError, match=next(iter(bad))):
            S.coarse_to_fine(_bowl, SPACE, **{"rounds": 2, "n_trials": 3, "progress": False, **bad})


@pytest.mark.parametrize("seed", range(5))
def test_random_search_beats_a_grid_of_the_same_budget(seed):
    # Only `a` matters: the 4 x 4 grid tries 4 values of it, random search 16.
    objective = lambda a, b: (math.log10(a) + 2.0) ** 2 + 1e-3 * b
    grid = S.grid_search(objective, {"a": np.logspace(-4, 0, 4), "b": np.linspace(0, 1, 4)}, progress=False)
    rand = S.random_search(objective, {"a": S.LogUniform(1e-4, 1), "b": S.Uniform(0, 1)}, 16, seed=seed,
                           progress=False)
    assert len(grid.trials) == len(rand.trials) == 16
    assert len({t.params["a"] for t in grid.trials}) == 4 and len({t.params["a"] for t in rand.trials}) == 16
    assert rand.best.score < grid.best.score


def test_grid_search_visits_every_combination_in_order():
    result = S.grid_search(lambda lr, act: lr, {"lr": np.array([0.1, 0.01]), "act": ("relu", "tanh", "gelu")},
                           progress=False)
    assert [tuple(t.params.values()) for t in result.trials] == [
        (0.1, "relu"), (0.1, "tanh"), (0.1, "gelu"), (0.01, "relu"), (0.01, "tanh"), (0.01, "gelu")]
    assert all(type(t.params["lr"]) is float for t in result.trials)
    with pytest.raises(TypeError, match=r"grid\['lr'\] must be a non-empty sequence"):
        S.grid_search(_bowl, {"lr": 0.1}, progress=False)


def test_maximize():
    objective = lambda lr, x: -_bowl(lr, x)
    result = S.random_search(objective, SPACE, 10, seed=0, direction="maximize", progress=False)
    assert result.best.score == max(t.score for t in result.trials)
    assert [t.score for t in result.ranked()] == sorted((t.score for t in result.trials), reverse=True)
    fine = S.coarse_to_fine(objective, SPACE, 2, 10, seed=0, direction="maximize", progress=False)
    best0 = max((t for t in fine.trials if t.round == 0), key=lambda t: t.score)
    assert fine.spaces[1]["lr"].low <= best0.params["lr"] <= fine.spaces[1]["lr"].high


def test_failures_of_every_kind():
    def objective(x):
        if x < 0.3:
            raise RuntimeError("boom")
        return math.nan if x > 0.7 else x

    result = S.random_search(objective, {"x": S.Uniform(0, 1)}, 20, seed=0, progress=False)
    errors = {t.error for t in result.trials}
    assert {"RuntimeError: boom", "objective returned nan", None} == errors
    assert all(math.isnan(t.score) == t.failed for t in result.trials)
    assert 0.3 <= result.best.params["x"] <= 0.7
    n_failed = sum(t.failed for t in result.trials)
    assert [t.failed for t in result.ranked()] == [False] * (20 - n_failed) + [True] * n_failed
    with pytest.raises(ValueError, match="no trial succeeded.*RuntimeError: boom"):
        _ = S.random_search(objective, {"x": S.Uniform(0, 0.2)}, 2, progress=False).best


def test_keyboard_interrupt_returns_the_finished_trials():
    def objective(x, seed):
        if objective.calls == 3:
            raise KeyboardInterrupt
        objective.calls += 1
        return x

    objective.calls = 0
    result = S.coarse_to_fine(objective, {"x": S.Uniform(0, 1)}, 3, 2, seed=0, progress=False)
    assert result.interrupted and [t.trial for t in result.trials] == [0, 1, 2] and "interrupted" in str(result)


# ---- results ------------------------------------------------------------------------------------------------------

def _result():
    space = {"lr": S.LogUniform(1e-4, 1), "beta": S.OneMinusLogUniform(0.9, 0.999), "act": S.Choice(["relu", "tanh"]),
             "width": S.IntUniform(4, 64)}
    return S.random_search(lambda lr, beta, act, width: 1 / 0 if width < 20 else _bowl(lr, beta) + (act == "tanh"),
                           space, 12, seed=2, progress=False)


def test_table_lists_trials_best_first():
    result = _result()
    lines = str(result).splitlines()
    assert lines[0].startswith("12 trials (") and f"best: trial {result.best.trial}, score " in lines[0]
    assert lines[1].split() == ["trial", "lr", "beta", "act", "width", "score", "seconds", "error"]
    assert [int(line.split()[0]) for line in lines[2:]] == [t.trial for t in result.ranked()]
    assert lines[2].split()[0] == str(result.best.trial)
    assert any("ZeroDivisionError: division by zero" in line for line in lines)
    assert repr(result) == "SearchResult(12 trials, minimize)"


def test_to_dataframe(monkeypatch):
    pd = pytest.importorskip("pandas")
    result = _result()
    df = result.to_dataframe()
    assert isinstance(df, pd.DataFrame) and len(df) == 12
    assert list(df.columns) == ["trial", "round", "lr", "beta", "act", "width", "score", "seconds", "error"]
    assert df["lr"].tolist() == [t.params["lr"] for t in result.trials]
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="needs pandas: pip install pandas"):
        result.to_dataframe()


def test_plot_has_an_axis_per_parameter_on_its_scale(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    fig = _result().plot(tmp_path / "search.png")
    try:
        axes = fig.axes
        assert [ax.get_xlabel() for ax in axes] == ["lr", "beta", "act", "width"]
        assert [ax.get_xscale() for ax in axes] == ["log", "logit", "linear", "linear"]
        assert [t.get_text() for t in axes[2].get_xticklabels()] == ["relu", "tanh"]
        assert (tmp_path / "search.png").stat().st_size > 0
    finally:
        plt.close(fig)


def test_progress_bar_only_when_interactive(monkeypatch, capsys):
    S.random_search(_bowl, SPACE, 3, seed=0)   # captured output is not a terminal: no bar
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    S.random_search(_bowl, SPACE, 3, seed=0, progress=False)
    assert capsys.readouterr().err == ""
    S.random_search(_bowl, SPACE, 3, seed=0)
    err = capsys.readouterr().err
    assert "3/3" in err and "best=" in err
