"""Running trials: random, grid and coarse-to-fine search on joblib, seeded per trial.

Each trial ``i`` gets its own ``numpy.random.SeedSequence(seed, spawn_key=(i,))``: one child draws
its parameters (in the calling process) and the other gives the integer seed its evaluation runs
under. Nothing depends on which worker runs which trial or in what order trials finish, so a seeded
search gives the same table sequentially, on local processes (``n_jobs>1``) or on a cluster
(``backend="dask"``). The objective is called as ``objective(**params)`` (plus ``seed=`` when it has
a ``seed`` parameter) after ``autograd_core.manual_seed(seed)``; it returns a number to minimize
(or maximize). Workers that run trials side by side in threads (a Dask worker with several threads)
share the engine's global generator, so there an objective should draw its randomness from ``seed``
(``np.random.default_rng(seed)``, ``generator=``). An exception inside a trial is recorded on that
trial and the search goes on; Ctrl-C stops the search and returns the trials that had finished.
"""
from __future__ import annotations

import contextlib
import inspect
import itertools
import math
import sys
import time
from numbers import Integral, Real
from typing import Any, Callable, Sequence

import numpy as np

from autograd_core import default_generator, manual_seed

from .distributions import Choice, check_space
from .result import SearchResult, Trial

Objective = Callable[..., float]


def _check_count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_direction(direction: str) -> None:
    if direction not in ("minimize", "maximize"):
        raise ValueError(f"direction must be 'minimize' or 'maximize', got {direction!r}")


def _entropy(seed: int | None) -> int:
    if seed is None:
        return np.random.SeedSequence().entropy
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
    return int(seed)


def _trial_streams(entropy: int, index: int) -> tuple[np.random.Generator, int]:
    """The parameter generator and the evaluation seed of trial ``index``."""
    params, run = np.random.SeedSequence(entropy, spawn_key=(index,)).spawn(2)
    return np.random.default_rng(params), int(run.generate_state(1)[0])


def _takes_seed(objective: Objective) -> bool:
    try:
        parameter = inspect.signature(objective).parameters.get("seed")
    except (TypeError, ValueError):  # builtins without a signature
        return False
    return parameter is not None and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)


def _evaluate(objective: Objective, index: int, params: dict, seed: int, pass_seed: bool) -> tuple:
    """Run one trial in the worker: seed the engine, call the objective, time it, catch its error."""
    saved = default_generator().bit_generator.state  # an in-process trial leaves the caller's stream alone
    manual_seed(seed)
    start = time.perf_counter()
    try:
        score = float(objective(**params, seed=seed) if pass_seed else objective(**params))
        error = None if math.isfinite(score) else f"objective returned {score}"
    except Exception as e:  # noqa: BLE001 - a failing trial is data, not a reason to stop
        score, error = math.nan, f"{type(e).__name__}: {e}"
    finally:
        manual_seed(0).bit_generator.state = saved
    return index, (score if error is None else math.nan), time.perf_counter() - start, error


class _Progress:
    """A ``tqdm.auto`` bar over trials with the best score so far (a widget in Jupyter, text in a terminal);
    silent when ``progress`` is off or the bar's stream (stderr) is not a terminal, as in ``nn.fit``."""

    def __init__(self, total: int, progress: bool, desc: str, direction: str) -> None:
        from tqdm.auto import tqdm
        from tqdm.notebook import tqdm as notebook_tqdm

        self.sign, self.best, self.failed, self.bar = (-1.0 if direction == "maximize" else 1.0), math.inf, 0, None
        if progress and (issubclass(tqdm, notebook_tqdm) or sys.stderr.isatty()):
            self.bar = tqdm(total=total, desc=desc, unit="trial")

    def record(self, trial: Trial) -> None:
        self.failed += trial.failed
        if not trial.failed:
            self.best = min(self.best, self.sign * trial.score)
        if self.bar is not None:
            best = f"best={self.sign * self.best:.4g}" if self.best < math.inf else "best=-"
            self.bar.set_postfix_str(best + (f", failed={self.failed}" if self.failed else ""))
            self.bar.update()

    def describe(self, desc: str) -> None:
        if self.bar is not None:
            self.bar.set_description(desc)

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()


def _run(objective: Objective, jobs: list[tuple], n_jobs: int, backend, bar: _Progress) -> tuple[list, bool]:
    """Evaluate ``jobs`` (index, round, params, seed) through joblib; returns the finished trials in index
    order and whether Ctrl-C stopped the run."""
    from joblib import Parallel, delayed, parallel_config  # here: `import optim` need not pay for joblib

    pass_seed = _takes_seed(objective)
    by_index = {index: (round_, params) for index, round_, params, _ in jobs}
    done, interrupted = [], False
    tasks = (delayed(_evaluate)(objective, index, params, seed, pass_seed) for index, _, params, seed in jobs)
    # parallel_config (not Parallel's own argument) is what loads joblib's external backends such as "dask".
    try:
        with parallel_config(backend=backend) if backend is not None else contextlib.nullcontext():
            for index, score, seconds, error in Parallel(n_jobs=n_jobs, return_as="generator_unordered")(tasks):
                round_, params = by_index[index]
                done.append(Trial(index, params, score, seconds, error, round_))
                bar.record(done[-1])
    except KeyboardInterrupt:
        interrupted = True
    return sorted(done, key=lambda t: t.trial), interrupted


def _sampled_jobs(space: dict, entropy: int, indices: range, round_: int) -> list[tuple]:
    jobs = []
    for index in indices:
        rng, seed = _trial_streams(entropy, index)
        jobs.append((index, round_, {name: dist.sample(rng) for name, dist in space.items()}, seed))
    return jobs


def _check_common(direction: str, progress: bool) -> None:
    _check_direction(direction)
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True or False, got {progress!r}")


def random_search(objective: Objective, space: dict, n_trials: int, seed: int | None = None, n_jobs: int = 1,
                  backend: Any = None, direction: str = "minimize", progress: bool = True) -> SearchResult:
    """Evaluate ``objective`` at ``n_trials`` points drawn independently from ``space`` (name -> distribution).

    Random points try a new value of every parameter in each trial, so the important parameters get
    ``n_trials`` distinct values where a grid of the same budget gives them only its side length.
    ``n_jobs``/``backend`` are joblib's (``backend="dask"`` runs on the open ``dask.distributed`` client).
    """
    check_space(space)
    n_trials = _check_count(n_trials, "n_trials")
    _check_common(direction, progress)
    with _Progress(n_trials, progress, "random search", direction) as bar:
        trials, interrupted = _run(objective, _sampled_jobs(space, _entropy(seed), range(n_trials), 0),
                                   n_jobs, backend, bar)
    return SearchResult(trials, direction, [dict(space)], interrupted)


def grid_search(objective: Objective, grid: dict, seed: int | None = None, n_jobs: int = 1, backend: Any = None,
                direction: str = "minimize", progress: bool = True) -> SearchResult:
    """Evaluate ``objective`` at every combination of ``grid`` (name -> sequence of values), the first name
    varying slowest; a baseline for random search (seeds and execution as in ``random_search``)."""
    if not isinstance(grid, dict) or not grid:
        raise TypeError(f"grid must be a non-empty dict of name -> sequence of values, got {grid!r}")
    for name, values in grid.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)) or len(values) == 0:
            raise TypeError(f"grid[{name!r}] must be a non-empty sequence of values, got {values!r}")
    space = {name: Choice([v.item() if isinstance(v, np.generic) else v for v in values])
             for name, values in grid.items()}
    check_space(space, "grid")
    _check_common(direction, progress)
    entropy, names = _entropy(seed), list(space)
    combos = list(itertools.product(*(space[n].options for n in names)))
    jobs = [(i, 0, dict(zip(names, combo)), _trial_streams(entropy, i)[1]) for i, combo in enumerate(combos)]
    with _Progress(len(jobs), progress, "grid search", direction) as bar:
        trials, interrupted = _run(objective, jobs, n_jobs, backend, bar)
    return SearchResult(trials, direction, [space], interrupted)


def _narrowed(space: dict, trials: list[Trial], keep: int | float, shrink: float, direction: str) -> dict:
    """Each distribution narrowed around the ``keep`` best trials so far (unchanged when none succeeded)."""
    ok = [t for t in SearchResult(trials, direction).ranked() if not t.failed]
    if not ok:
        return dict(space)
    kept = ok[:keep if isinstance(keep, Integral) else max(1, math.ceil(keep * len(ok)))]
    return {name: dist.narrow([t.params[name] for t in kept], ok[0].params[name], shrink)
            for name, dist in space.items()}


def coarse_to_fine(objective: Objective, space: dict, rounds: int, n_trials: int, keep: int | float = 0.2,
                   shrink: float = 0.5, seed: int | None = None, n_jobs: int = 1, backend: Any = None,
                   direction: str = "minimize", progress: bool = True) -> SearchResult:
    """``rounds`` random searches of ``n_trials`` each, every round on a narrower space.

    After each round every range becomes ``shrink`` times as wide (in log10 for log distributions),
    centred on the ``keep`` best trials so far (a count, or a fraction of the successful trials) and
    always containing the best one; a ``Choice`` keeps the options those trials used. The result holds
    all trials (with their ``round``) and the space of each round in ``spaces``.
    """
    check_space(space)
    rounds, n_trials = _check_count(rounds, "rounds"), _check_count(n_trials, "n_trials")
    if isinstance(keep, bool) or not (isinstance(keep, Integral) and keep >= 1
                                      or isinstance(keep, Real) and not isinstance(keep, Integral) and 0 < keep <= 1):
        raise ValueError(f"keep must be a count >= 1 or a fraction in (0, 1], got {keep!r}")
    if not (isinstance(shrink, Real) and 0 < shrink < 1):
        raise ValueError(f"shrink must be in (0, 1), got {shrink!r}")
    _check_common(direction, progress)
    entropy, spaces, trials, interrupted = _entropy(seed), [dict(space)], [], False
    with _Progress(rounds * n_trials, progress, "coarse to fine", direction) as bar:
        for r in range(rounds):
            if r:
                spaces.append(_narrowed(spaces[-1], trials, keep, shrink, direction))
            bar.describe(f"round {r + 1}/{rounds}")
            jobs = _sampled_jobs(spaces[-1], entropy, range(r * n_trials, (r + 1) * n_trials), r)
            done, interrupted = _run(objective, jobs, n_jobs, backend, bar)
            trials += done
            if interrupted:
                break
    return SearchResult(trials, direction, spaces, interrupted)
