"""What the training-step benchmarks share: the step closure, Adam by hand in numpy, CPU timing and
interleaved medians.

Importing it pins numpy's and PyTorch's BLAS to one thread unless the environment says otherwise,
so import it before numpy.
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads its BLAS

import time  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402


def numpy_adam(params: list[np.ndarray], lr: float, betas: tuple[float, float],
               eps: float) -> Callable[[list[np.ndarray]], None]:
    """Adam by hand, moments and parameters updated in place (one scratch buffer per parameter)."""
    b1, b2 = betas
    m = [np.zeros_like(w) for w in params]
    v = [np.zeros_like(w) for w in params]
    scratch = [np.empty_like(w) for w in params]
    t = [0]

    def update(grads: list[np.ndarray]) -> None:
        t[0] += 1
        step_size = lr / (1 - b1 ** t[0])
        root_correction = np.sqrt(1 - b2 ** t[0])
        for w, g, mi, vi, tmp in zip(params, grads, m, v, scratch):
            mi *= b1
            mi += (1 - b1) * g
            vi *= b2
            np.multiply(g, g, out=tmp)
            tmp *= 1 - b2
            vi += tmp
            np.sqrt(vi, out=tmp)
            tmp /= root_correction
            tmp += eps
            np.divide(mi, tmp, out=tmp)
            tmp *= step_size
            w -= tmp

    return update


def numpy_cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of logits ``z`` (rows) against class indices ``y`` by hand, and its gradient
    ``(softmax(z) - one_hot(y)) / n`` with respect to ``z``."""
    n = len(z)
    rows = np.arange(n)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(s[:, 0]) - z[rows, y]))
    g = e / s
    g[rows, y] -= 1
    g /= n
    return loss, g


def training_step(tensor: Callable, cross_entropy: Callable, model, opt, x: np.ndarray,
                  y: np.ndarray) -> Callable[[], float]:
    """One training step (forward, cross-entropy, backward, ``opt.step``) on fixed data, returning the loss;
    the same code for both libraries, given their ``tensor`` constructor and ``cross_entropy``."""
    xt, yt = tensor(x), tensor(y)

    def step() -> float:
        loss = cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss.item()

    return step


def cpu_time(step: Callable[[], float]) -> float:
    """CPU seconds of one call (less disturbed by other load on a shared machine than wall time)."""
    t0 = time.process_time()
    step()
    return time.process_time() - t0


def balanced_order(n: int) -> list[int]:
    """Indices ``0..n-1`` in a cyclic order in which each one runs right after every other one equally
    often and never after itself: an Eulerian circuit of the complete directed graph on ``n`` nodes.

    What ran just before a step (its caches, the code it left warm) changes that step's time; rotating
    one fixed order instead lets some contenders follow the same neighbour most of the time (with three,
    the first follows the last in two rounds out of three)."""
    if n == 1:
        return [0]
    successors = {i: [j for j in range(n) if j != i] for i in range(n)}
    stack, circuit = [0], []
    while stack:  # Hierholzer's algorithm
        if successors[stack[-1]]:
            stack.append(successors[stack[-1]].pop())
        else:
            circuit.append(stack.pop())
    return circuit[::-1][:-1]  # the circuit closes on its start: one cycle of n(n - 1) steps


def interleaved_medians(steps: dict[str, Callable[[], float]], repeats: int) -> dict[str, float]:
    """Median CPU ms per contender over at least ``repeats`` interleaved steps each, after three warm-up
    steps whose losses must agree (every contender follows the same trajectory).

    Interleaved, so slow phases of a shared machine hit all alike, in ``balanced_order``, so each
    contender follows each other one equally often."""
    for _ in range(3):
        losses = {name: step() for name, step in steps.items()}
        assert max(losses.values()) - min(losses.values()) < 1e-4, losses
    samples = interleaved_samples(steps, repeats, cpu_time)
    return {name: float(np.median(v)) * 1e3 for name, v in samples.items()}


def interleaved_samples(runners: dict[str, Callable], repeats: int,
                        timer: Callable[[Callable], float]) -> dict[str, list[float]]:
    """``timer(runner)`` for at least ``repeats`` calls of each runner, interleaved in ``balanced_order``
    (slow phases of a shared machine hit all alike, and each follows every other one equally often)."""
    names = list(runners)
    order = balanced_order(len(names))
    cycles = -(-repeats * len(names) // len(order))  # whole cycles, so every contender gets as many calls
    samples: dict[str, list[float]] = {name: [] for name in names}
    for i in order * cycles:
        samples[names[i]].append(timer(runners[names[i]]))
    return samples
