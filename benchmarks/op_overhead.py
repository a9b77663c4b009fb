"""Per-operation overhead of the engine on tiny tensors, against PyTorch eager and plain numpy.

1. A chain of 1,000 small elementwise steps, ``x = tanh(x * 1.01 + 0.1)`` on a 16-element
   float32 vector (3,000 operations): forward + backward time per operation, each call timed
   alone after a ``gc.collect()`` (the lean view).
2. The same chain as users run it (the loaded view): in this process, which has imported
   PyTorch, with the garbage collector on and calls made back to back without collecting
   between them, so the cyclic collector's full passes over every live object land where they
   fall; mean and median per op over consecutive calls.
3. A row sum, mean and variance of a 4x4 tensor (``sum(x, 1)``, ``mean(x, 1)``, ``var(x, 1)``), forward
   only: what a reduction's argument handling costs beside numpy's ``np.add.reduce``, ``np.mean`` and ``np.var``.
4. Backward through a 1,000,000-operation chain: build + backward time and peak memory.

Ours, PyTorch eager (when installed) and hand-written numpy (forward and backward by hand, no
graph: the floor for any numpy engine) are measured interleaved in one run; medians and
ratios are printed. CPU time of this process is used, which is less disturbed by other load.
"""
from __future__ import annotations

import argparse
import functools
import gc
import multiprocessing
import resource
import time

import numpy as np

import autograd_core as ag
from harness import interleaved_samples

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None

STEPS = 1000
OPS = 3 * STEPS
X0 = np.linspace(-1, 1, 16, dtype=np.float32)


def chain(lib, steps: int = STEPS) -> None:
    """The chain in an autograd library with PyTorch's spelling (``autograd_core`` or ``torch``)."""
    x0 = lib.tensor(X0, requires_grad=True)
    x = x0
    for _ in range(steps):
        x = lib.tanh(x * 1.01 + 0.1)
    x.sum().backward()


def chain_numpy(steps: int = STEPS) -> None:
    x = X0
    outs = []
    for _ in range(steps):
        x = np.tanh(x * np.float32(1.01) + np.float32(0.1))
        outs.append(x)
    g = np.ones_like(x)
    for out in reversed(outs):
        g = g * (1 - out * out) * np.float32(1.01)


def reductions(lib, name: str, calls: int = 1000) -> None:
    """``calls`` row reductions (``sum``, ``mean`` or ``var``) of a 4x4 float32 tensor requiring grad: what dim
    normalisation, dispatch and recording cost."""
    x = lib.tensor(X0.reshape(4, 4), requires_grad=True)
    reduce = getattr(lib, name)
    for _ in range(calls):
        reduce(x, 1)


# numpy's bare reduce, its mean, and its variance with PyTorch's default correction
NUMPY_REDUCTIONS = {"sum": np.add.reduce, "mean": np.mean, "var": functools.partial(np.var, ddof=1)}


def reductions_numpy(name: str, calls: int = 1000) -> None:
    x = X0.reshape(4, 4)
    reduce = NUMPY_REDUCTIONS[name]
    for _ in range(calls):
        reduce(x, axis=1)


def _interleaved(runners: dict, repeats: int) -> dict[str, list[float]]:
    """At least ``repeats`` single-call CPU times per contender, each call after a ``gc.collect()``."""
    return interleaved_samples(runners, repeats, lambda fn: _median_time(fn, 1))


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return float(np.median(times))


def _loaded_times(fn, calls: int) -> list[float]:
    """Per-call CPU times of ``calls`` back-to-back calls, the GC left to run whenever it decides."""
    times = []
    for _ in range(calls):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return times


def _long_chain(framework: str, n: int, queue) -> None:
    """Build and backpropagate an n-operation chain; report (build s, backward s, peak RSS MiB)."""
    lib = ag if framework == "ours" else torch
    x0 = lib.tensor(np.array([0.5], dtype=np.float32), requires_grad=True)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.process_time()
    x = x0
    for _ in range(n):
        x = x * 1.0000001
    t1 = time.process_time()
    x.sum().backward()
    t2 = time.process_time()
    queue.put((t1 - t0, t2 - t1, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024))


def long_chain(framework: str, n: int) -> tuple[float, float, float]:
    """Run ``_long_chain`` in a fresh process, so its peak memory is its own."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_long_chain, args=(framework, n, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--long", type=int, default=1_000_000, help="length of the long chain (0 to skip)")
    args = parser.parse_args()
    if torch is not None:
        torch.set_num_threads(1)
    runners = {"ours": functools.partial(chain, ag), "numpy": chain_numpy}
    if torch is not None:
        runners["torch"] = functools.partial(chain, torch)
    for fn in runners.values():  # warm up
        fn(50)
    samples = _interleaved(runners, args.repeats)
    med = {name: float(np.median(v)) / OPS * 1e6 for name, v in samples.items()}
    print(f"chain of {STEPS} x tanh(x * 1.01 + 0.1) on 16 float32 ({OPS} ops), forward + backward, "
          f"median of {len(samples['ours'])}:")
    for name, us in med.items():
        print(f"  {name:6s} {us:7.2f} us/op   ({us / med['ours']:.2f}x ours)")
    print(f"  ratio ours / numpy-by-hand: {med['ours'] / med['numpy']:.2f}")
    if "torch" in med:
        print(f"  ratio ours / torch eager:   {med['ours'] / med['torch']:.2f}")
    for op in NUMPY_REDUCTIONS:
        reducers = {"ours": functools.partial(reductions, ag, op), "numpy": functools.partial(reductions_numpy, op)}
        if torch is not None:
            reducers["torch"] = functools.partial(reductions, torch, op)
        red = {name: float(np.median(v)) / 1000 * 1e6 for name, v in _interleaved(reducers, args.repeats).items()}
        print(f"row {op} of a 4x4 float32 tensor requiring grad, forward only (dim normalisation + dispatch + record):")
        print("  " + ", ".join(f"{name} {us:.2f} us" for name, us in red.items()))
    if torch is not None:
        loaded = {"ours": [], "torch": []}
        for _ in range(args.repeats):  # interleaved blocks of consecutive calls
            for name in loaded:
                loaded[name] += _loaded_times(runners[name], 10)
        print(f"loaded process (PyTorch imported, GC on, {len(loaded['ours'])} consecutive calls each, "
              "no gc.collect() between them):")
        for name, v in loaded.items():
            v = np.array(v) / OPS * 1e6
            print(f"  {name:6s} mean {v.mean():6.2f} us/op, median {np.median(v):6.2f}, "
                  f"slowest call {v.max():6.2f}")
        ratio = np.mean(loaded["ours"]) / np.mean(loaded["torch"])
        print(f"  ratio ours / torch eager (means): {ratio:.2f}")
    if args.long:
        totals = {}
        for framework in ["ours"] + (["torch"] if torch is not None else []):
            build, back, peak = long_chain(framework, args.long)
            totals[framework] = build + back
            print(f"{args.long:,}-op chain (x = x * 1.0000001), {framework}: build {build:.2f} s, "
                  f"backward {back:.2f} s, total {build + back:.2f} s, peak memory +{peak:.0f} MiB")
        if "torch" in totals:
            print(f"  ratio ours / torch eager: {totals['ours'] / totals['torch']:.2f}")


if __name__ == "__main__":
    main()
