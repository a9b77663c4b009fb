"""Linear algebra forward + backward: ``inv``, ``solve`` and ``cholesky`` of ours against PyTorch.

For each size (64×64 and 256×256, float64) and operation, one step is the forward on a tensor that
requires grad and a backward with a fixed cotangent (``out.backward(C)``): for ``inv`` and
``cholesky`` the gradient of A, for ``solve`` those of A and of 16 right-hand sides B. Matrices are
well-conditioned (``solve``/``inv``: ``M + n I``; ``cholesky``: ``M Mᵀ/n + I``). The contenders
alternate within one run in a process that has imported both libraries, with the garbage collector
on; times are medians of CPU time (``time.process_time``) over the rounds. Every contender runs on
one BLAS/OpenMP thread (``OPENBLAS_NUM_THREADS`` etc. default to 1 unless set), which keeps the
ratios stable on a shared machine.
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads its BLAS

import argparse  # noqa: E402
import time  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402

import autograd_core as ag  # noqa: E402

try:
    import torch  # noqa: E402
except ImportError:  # PyTorch is optional
    torch = None

OPS = ("inv", "solve", "cholesky")


def _inputs(op: str, n: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, n))
    if op == "cholesky":
        return [M @ M.T / n + np.eye(n)]
    if op == "solve":
        return [M + n * np.eye(n), rng.standard_normal((n, 16))]
    return [M + n * np.eye(n)]


def make_step(lib, op: str, arrays: list[np.ndarray]) -> Callable[[], None]:
    """One forward + backward of ``lib.linalg.<op>`` (``lib`` is ``autograd_core`` or ``torch``)."""
    leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
    fn = getattr(lib.linalg, op)
    out_shape = arrays[-1].shape if op == "solve" else arrays[0].shape
    cotangent = lib.tensor(np.random.default_rng(1).standard_normal(out_shape))

    def step() -> None:
        for x in leaves:
            x.grad = None
        fn(*leaves).backward(cotangent)

    return step


def _median_ms(samples: list[float]) -> float:
    return 1e3 * float(np.median(samples))


def run(sizes=(64, 256), rounds: int = 30) -> list[dict]:
    """Interleaved medians for every (size, op); PyTorch's column is None without PyTorch."""
    rows = []
    for n in sizes:
        for op in OPS:
            arrays = _inputs(op, n)
            steps = {"ours": make_step(ag, op, arrays)}
            if torch is not None:
                torch.set_num_threads(1)
                steps["torch"] = make_step(torch, op, arrays)
            times = {name: [] for name in steps}
            for _ in range(rounds):
                for name, step in steps.items():
                    start = time.process_time()
                    step()
                    times[name].append(time.process_time() - start)
            ours = _median_ms(times["ours"])
            theirs = _median_ms(times["torch"]) if "torch" in times else None
            rows.append({"n": n, "op": op, "ours": ours, "torch": theirs,
                         "ratio": ours / theirs if theirs else None})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    rows = run(rounds=args.rounds)
    print("| n | op | ours ms | PyTorch ms | ours / PyTorch |")
    print("|---|---|---|---|---|")
    for r in rows:
        theirs = f"{r['torch']:.3f}" if r["torch"] is not None else "n/a"
        ratio = f"**{r['ratio']:.2f}**" if r["ratio"] is not None else "n/a"
        print(f"| {r['n']} | {r['op']} | {r['ours']:.3f} | {theirs} | {ratio} |")


if __name__ == "__main__":
    main()
