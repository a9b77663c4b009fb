"""One training step of an MLP 784-256-128-10 (ReLU, float32): our engine against numpy by hand and PyTorch.

A step is forward, cross-entropy, backward and an optimizer update: Adam by default
(``optim.Adam`` / Adam by hand with in-place ``out=`` updates / ``torch.optim.Adam``), or plain
SGD with ``--optimizer sgd``. "numpy by hand" writes the same network's forward, backward and
update directly in numpy (no graph): the floor for any numpy-based engine. PyTorch (CPU, one
thread) runs when installed. The contenders alternate within one run, so the ratios are
measured under the same machine load; times are medians of CPU time (``time.process_time``).
Peak memory per step comes from ``tracemalloc`` (which sees numpy's allocations, not PyTorch's),
in a separate pass so tracing does not slow the timings.
Every contender runs its matrix products on one thread (``OPENBLAS_NUM_THREADS`` etc. default to 1
unless set), which keeps the ratios stable on a shared machine; set them to compare multi-threaded.
"""
from __future__ import annotations

import os

import harness  # first: it pins the BLAS threads before numpy loads

import argparse
import gc
import tracemalloc
from typing import Callable

import numpy as np

import autograd_core as ag
import nn
import nn.functional as F
import optim

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None

SIZES = (784, 256, 128, 10)
LR = {"sgd": 0.01, "adam": 1e-3}
BETAS, EPS = (0.9, 0.999), 1e-8


def _weights(seed: int = 0) -> list[np.ndarray]:
    """Initial (weight, bias) arrays of the three layers, shared by every contender."""
    model = nn.Sequential(*(nn.Linear(a, b) for a, b in zip(SIZES[:-1], SIZES[1:])))
    return [p.data.copy() for p in model.parameters()]


def _data(batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, SIZES[0])).astype(np.float32), rng.integers(0, SIZES[-1], batch)


def make_ours(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, method: str) -> Callable[[], float]:
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    model.load_state_dict(dict(zip(model.state_dict(), weights)))
    opt = (optim.Adam(model.parameters(), lr=LR[method], betas=BETAS, eps=EPS) if method == "adam"
           else optim.SGD(model.parameters(), lr=LR[method]))
    return harness.training_step(ag.Tensor, F.cross_entropy, model, opt, x, y)


def _numpy_sgd(params: list[np.ndarray]) -> Callable[[list[np.ndarray]], None]:
    def update(grads: list[np.ndarray]) -> None:
        for w, g in zip(params, grads):
            w -= LR["sgd"] * g

    return update


def make_numpy(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, method: str) -> Callable[[], float]:
    w1, b1, w2, b2, w3, b3 = params = [w.copy() for w in weights]
    update = harness.numpy_adam(params, LR["adam"], BETAS, EPS) if method == "adam" else _numpy_sgd(params)

    def step() -> float:
        h1 = x @ w1.T + b1
        a1 = np.maximum(h1, 0)
        h2 = a1 @ w2.T + b2
        a2 = np.maximum(h2, 0)
        z = a2 @ w3.T + b3
        loss, g = harness.numpy_cross_entropy(z, y)
        gw3, gb3 = g.T @ a2, g.sum(axis=0)
        g = (g @ w3) * (h2 > 0)
        gw2, gb2 = g.T @ a1, g.sum(axis=0)
        g = (g @ w2) * (h1 > 0)
        gw1, gb1 = g.T @ x, g.sum(axis=0)
        update([gw1, gb1, gw2, gb2, gw3, gb3])
        return loss

    return step


def make_torch(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, method: str) -> Callable[[], float]:
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                torch.nn.ReLU(), torch.nn.Linear(128, 10))
    model.load_state_dict({k: torch.tensor(w) for k, w in zip(model.state_dict(), weights)})
    opt = (torch.optim.Adam(model.parameters(), lr=LR[method], betas=BETAS, eps=EPS) if method == "adam"
           else torch.optim.SGD(model.parameters(), lr=LR[method]))
    return harness.training_step(torch.tensor, torch.nn.functional.cross_entropy, model, opt, x, y)


def _peak_mib(step: Callable[[], float]) -> float:
    gc.collect()
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2 ** 20


def run(batch: int, repeats: int, method: str) -> dict:
    """Median step time (ms) and peak traced memory (MiB) per contender for one batch size."""
    weights, (x, y) = _weights(), _data(batch)
    makers = {"ours": make_ours, "numpy": make_numpy}
    if torch is not None:
        makers["torch"] = make_torch
    steps = {name: make(weights, x, y, method) for name, make in makers.items()}
    result = {name: {"ms": ms} for name, ms in harness.interleaved_medians(steps, repeats).items()}
    for name in ("ours", "numpy"):
        result[name]["peak"] = _peak_mib(steps[name])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--batches", type=int, nargs="+", default=[128, 1024])
    parser.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    args = parser.parse_args()
    if torch is not None:
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    print(f"BLAS threads: {os.environ['OPENBLAS_NUM_THREADS']}")
    print(f"MLP {'-'.join(map(str, SIZES))} ReLU float32, one {args.optimizer} step (forward, cross-entropy, "
          f"backward, update); median CPU time of {args.repeats} interleaved runs")
    print("| batch | ours ms | numpy by hand ms | PyTorch ms | ours / numpy | ours / PyTorch | "
          "peak ours MiB | peak numpy MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for batch in args.batches:
        r = run(batch, args.repeats, args.optimizer)
        ours, numpy_ms = r["ours"]["ms"], r["numpy"]["ms"]
        torch_ms, vs_torch = ("n/a", "n/a") if "torch" not in r else (f"{r['torch']['ms']:.2f}",
                                                                       f"{ours / r['torch']['ms']:.2f}")
        print(f"| {batch} | {ours:.2f} | {numpy_ms:.2f} | {torch_ms} | {ours / numpy_ms:.2f} | {vs_torch} | "
              f"{r['ours']['peak']:.1f} | {r['numpy']['peak']:.1f} |")


if __name__ == "__main__":
    main()
