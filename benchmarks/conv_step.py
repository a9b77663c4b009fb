"""One Adam step of a LeNet-like network: our engine against numpy im2col by hand and PyTorch.

The network (float32, batch 64, 1×28×28 inputs): conv 1→8 3×3, ReLU, max-pool 2, conv 8→16
3×3, ReLU, max-pool 2, linear 400→10, cross-entropy. A step is forward, loss, backward and an
Adam update. "numpy by hand" writes the same step directly in numpy: each convolution is one
contiguous im2col copy and one matrix product forward, two products and a col2im (one strided
add per kernel offset) backward; max-pooling takes the maximum of the four strided views that
hold one position of each 2×2 block and routes the gradient through equality masks (ties occur
only between ReLU zeros, whose gradient is zero anyway). That is the floor for any numpy-based
engine. The contenders alternate within one run in a process that has imported PyTorch, with
the garbage collector on, so the ratios are measured under the same machine load; times are
medians of CPU time (``time.process_time``). Every contender runs its matrix products on one
thread (``OPENBLAS_NUM_THREADS`` etc. default to 1 unless set), which keeps the ratios stable on
a shared machine.
"""
from __future__ import annotations

import os

import harness  # first: it pins the BLAS threads before numpy loads

import argparse
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

LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8


def _model(lib) -> object:
    """The LeNet-like network in ``nn`` or ``torch.nn`` spelling (the two are the same program)."""
    return lib.Sequential(lib.Conv2d(1, 8, 3), lib.ReLU(), lib.MaxPool2d(2), lib.Conv2d(8, 16, 3), lib.ReLU(),
                          lib.MaxPool2d(2), lib.Flatten(), lib.Linear(400, 10))


def _weights() -> list[np.ndarray]:
    """Initial parameter arrays in ``parameters()`` order, shared by every contender."""
    ag.manual_seed(0)
    return [p.data.copy() for p in _model(nn).parameters()]


def _data(batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, batch)


def make_ours(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> Callable[[], float]:
    model = _model(nn)
    model.load_state_dict(dict(zip(model.state_dict(), weights)))
    opt = optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    return harness.training_step(ag.Tensor, F.cross_entropy, model, opt, x, y)


def _conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Valid 3×3 convolution as one im2col copy, laid out ``(C·kh·kw, N·oh·ow)``, and one product."""
    n, c = x.shape[:2]
    o, _, kh, kw = w.shape
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))  # (N, C, oh, ow, kh, kw)
    oh, ow = windows.shape[2:4]
    cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, n * oh * ow)
    out = w.reshape(o, -1) @ cols
    out += b[:, None]
    return out.reshape(o, n, oh, ow).transpose(1, 0, 2, 3), cols


def _conv_backward(g: np.ndarray, cols: np.ndarray, w: np.ndarray, x_shape: tuple | None) -> tuple:
    """Gradients of weight, bias and (unless ``x_shape`` is None) input: two products and a col2im."""
    o, c, kh, kw = w.shape
    n, oh, ow = g.shape[0], g.shape[2], g.shape[3]
    g2 = g.transpose(1, 0, 2, 3).reshape(o, -1)
    dw, db = (g2 @ cols.T).reshape(w.shape), g2.sum(axis=1)
    if x_shape is None:
        return None, dw, db
    dcols = (w.reshape(o, -1).T @ g2).reshape(c, kh, kw, n, oh, ow).transpose(3, 0, 1, 2, 4, 5)
    dx = np.zeros(x_shape, g.dtype)
    for i in range(kh):
        for j in range(kw):
            dx[:, :, i:i + oh, j:j + ow] += dcols[:, :, i, j]
    return dx, dw, db


def _blocks(x: np.ndarray) -> list[np.ndarray]:
    """The four strided views of x whose elements sit at one position of each 2×2 block."""
    h, w = x.shape[2] // 2 * 2, x.shape[3] // 2 * 2
    return [x[:, :, i:h:2, j:w:2] for i in (0, 1) for j in (0, 1)]


def _pool_forward(x: np.ndarray) -> np.ndarray:
    a, b, c, d = _blocks(x)
    out = np.maximum(a, b)
    np.maximum(out, c, out=out)
    return np.maximum(out, d, out=out)


def _pool_backward(g: np.ndarray, out: np.ndarray, x: np.ndarray) -> np.ndarray:
    dx = np.zeros(x.shape, g.dtype)
    for src, dst in zip(_blocks(x), _blocks(dx)):
        np.multiply(g, src == out, out=dst)
    return dx


def make_numpy(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> Callable[[], float]:
    w1, b1, w2, b2, w3, b3 = params = [w.copy() for w in weights]
    update = harness.numpy_adam(params, LR, BETAS, EPS)
    n = len(x)

    def step() -> float:
        h1, cols1 = _conv_forward(x, w1, b1)
        a1 = np.maximum(h1, 0)
        p1 = _pool_forward(a1)
        h2, cols2 = _conv_forward(p1, w2, b2)
        a2 = np.maximum(h2, 0)
        p2 = _pool_forward(a2)
        flat = p2.reshape(n, -1)
        z = flat @ w3.T + b3
        loss, g = harness.numpy_cross_entropy(z, y)
        gw3, gb3 = g.T @ flat, g.sum(axis=0)
        g = (g @ w3).reshape(p2.shape)
        g = _pool_backward(g, p2, a2) * (h2 > 0)
        g, gw2, gb2 = _conv_backward(g, cols2, w2, p1.shape)
        g = _pool_backward(g, p1, a1) * (h1 > 0)
        _, gw1, gb1 = _conv_backward(g, cols1, w1, None)
        update([gw1, gb1, gw2, gb2, gw3, gb3])
        return loss

    return step


def make_torch(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> Callable[[], float]:
    model = _model(torch.nn)
    model.load_state_dict({k: torch.tensor(w) for k, w in zip(model.state_dict(), weights)})
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    return harness.training_step(torch.tensor, torch.nn.functional.cross_entropy, model, opt, x, y)


def run(batch: int, repeats: int) -> dict[str, float]:
    """Median step time (ms) per contender."""
    weights, (x, y) = _weights(), _data(batch)
    makers = {"ours": make_ours, "numpy": make_numpy}
    if torch is not None:
        makers["torch"] = make_torch
    return harness.interleaved_medians({name: make(weights, x, y) for name, make in makers.items()}, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    if torch is not None:
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    print(f"BLAS threads: {os.environ['OPENBLAS_NUM_THREADS']}")
    print(f"LeNet-like conv net, float32, batch {args.batch}, one Adam step (forward, cross-entropy, backward, "
          f"update); median CPU time of {args.repeats} interleaved runs, GC on, torch imported")
    r = run(args.batch, args.repeats)
    torch_ms, vs_torch = ("n/a", "n/a") if "torch" not in r else (f"{r['torch']:.2f}", f"{r['ours'] / r['torch']:.2f}")
    print("| batch | ours ms | numpy im2col by hand ms | PyTorch ms | ours / numpy | ours / PyTorch |")
    print("|---|---|---|---|---|---|")
    print(f"| {args.batch} | {r['ours']:.2f} | {r['numpy']:.2f} | {torch_ms} | {r['ours'] / r['numpy']:.2f} | "
          f"{vs_torch} |")


if __name__ == "__main__":
    main()
