"""What the training-step benchmarks share: PyTorch's step closure, CPU timing and interleaved medians.

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


def torch_step(torch, model, opt, x: np.ndarray, y: np.ndarray) -> Callable[[], float]:
    """One PyTorch training step (forward, cross-entropy, backward, ``opt.step``) on fixed data; returns the loss."""
    xt, yt = torch.tensor(x), torch.tensor(y)

    def step() -> float:
        loss = torch.nn.functional.cross_entropy(model(xt), yt)
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


def interleaved_medians(steps: dict[str, Callable[[], float]], repeats: int) -> dict[str, float]:
    """Median CPU ms per contender over ``repeats`` interleaved rounds, after three warm-up steps whose
    losses must agree (every contender follows the same trajectory)."""
    for _ in range(3):
        losses = {name: step() for name, step in steps.items()}
        assert max(losses.values()) - min(losses.values()) < 1e-4, losses
    samples: dict[str, list] = {name: [] for name in steps}
    names = list(steps)
    for r in range(repeats):  # interleaved, so slow phases of a shared machine hit all alike;
        for name in names[r % len(names):] + names[:r % len(names)]:  # rotated, so none always runs cold
            samples[name].append(cpu_time(steps[name]))
    return {name: float(np.median(v)) * 1e3 for name, v in samples.items()}
