"""What the training workflow costs: ``nn.fit`` against a plain loop, and ``DataLoader`` against hand slicing.

On the digits MLP (64-64-32-10 with BatchNorm and Dropout, Adam, batch 64), one run interleaves:

* ``fit``: ``nn.fit`` with progress bars on (drawn to a terminal-like sink, so tqdm really
  formats them), one callback, a dev set and the accuracy metric;
* ``loop``: the same epochs written by hand over the same ``DataLoader``s: train batches,
  running loss, then a ``no_grad`` dev pass with loss and accuracy;
* ``hand``: the training epochs of ``loop`` with batches cut by slicing arrays shuffled by hand
  once per epoch (``x[perm]``), the floor for any loader.

Each contender trains a fresh copy of the same initial model for ``--epochs`` epochs per
round; medians of CPU time (``time.process_time``) over ``--rounds`` interleaved rounds, and the
median of the per-round ratios. One BLAS thread unless the environment says otherwise.
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads its BLAS

import argparse  # noqa: E402
import contextlib  # noqa: E402
import gc  # noqa: E402
import io  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402

import autograd_core as ag  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
import optim  # noqa: E402
from nn.data import DataLoader, Standardizer, TensorDataset, load_digits, train_dev_test_split  # noqa: E402

BATCH = 64


class _Terminal(io.TextIOBase):
    """A sink that claims to be a terminal, so progress bars are formatted and written as for a user."""

    def isatty(self) -> bool:
        return True

    def write(self, s: str) -> int:
        return len(s)


class _CountBatches(nn.Callback):
    """The "one callback": counts batches, as a minimal user callback would."""

    def __init__(self) -> None:
        self.batches = 0

    def on_batch_end(self, history, epoch, batch, loss) -> None:
        self.batches += 1


def _data(seed: int = 0):
    x, y = load_digits()
    (xt, yt), (xd, yd), _ = train_dev_test_split(x, y, fractions=(0.8, 0.1, 0.1), seed=seed)
    scaler = Standardizer().fit(xt)
    with ag.no_grad():
        return scaler(ag.Tensor(xt)).data, yt, scaler(ag.Tensor(xd)).data, yd


def _model(seed: int = 0) -> nn.Sequential:
    ag.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.1),
                         nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 10))


def _train_batch(model, opt, x, y) -> float:
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


def _dev_pass(model, dev_loader) -> tuple[float, float]:
    model.eval()
    total = correct = n = 0.0
    with ag.no_grad():
        for x, y in dev_loader:
            out = model(x)
            total += F.cross_entropy(out, y).item() * len(y.data)
            correct += float((out.data.argmax(axis=1) == y.data).sum())
            n += len(y.data)
    model.train()
    return total / n, correct / n


def make_contenders(epochs: int, data) -> dict[str, Callable[[], None]]:
    xt, yt, xd, yd = data
    train_loader = DataLoader(TensorDataset(xt, yt), batch_size=BATCH, shuffle=True)
    dev_loader = DataLoader(TensorDataset(xd, yd), batch_size=BATCH)

    def fit() -> None:
        model = _model()
        opt = optim.Adam(model.parameters(), lr=3e-3)
        with contextlib.redirect_stderr(_Terminal()):
            nn.fit(model, F.cross_entropy, opt, train_loader, dev_loader, epochs=epochs, callbacks=[_CountBatches()],
                   progress=True)

    def loop() -> None:
        model = _model()
        opt = optim.Adam(model.parameters(), lr=3e-3)
        for _ in range(epochs):
            model.train()
            running = 0.0
            for x, y in train_loader:
                running += _train_batch(model, opt, x, y)
            _dev_pass(model, dev_loader)

    def hand() -> None:
        model = _model()
        opt = optim.Adam(model.parameters(), lr=3e-3)
        g = ag.default_generator()
        for _ in range(epochs):
            model.train()
            perm = g.permutation(len(yt))
            xs, ys = xt[perm], yt[perm]
            running = 0.0
            for start in range(0, len(ys), BATCH):
                stop = start + BATCH
                running += _train_batch(model, opt, ag.Tensor(xs[start:stop]), ag.Tensor(ys[start:stop]))
            _dev_pass(model, dev_loader)

    return {"fit": fit, "loop": loop, "hand": hand}


def measure(epochs: int, rounds: int) -> dict[str, list[float]]:
    contenders = make_contenders(epochs, _data())
    times = {name: [] for name in contenders}
    for r in range(rounds):
        order = list(contenders)[r % 3:] + list(contenders)[:r % 3]  # rotate who goes first
        for name in order:
            gc.collect()
            start = time.process_time()
            contenders[name]()
            times[name].append(time.process_time() - start)
    return times


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    times = measure(args.epochs, args.rounds)
    med = {k: float(np.median(v)) for k, v in times.items()}
    ratios = {"fit / loop": float(np.median(np.divide(times["fit"], times["loop"]))),
              "loop / hand": float(np.median(np.divide(times["loop"], times["hand"])))}
    print(f"digits MLP, batch {BATCH}, {args.epochs} epochs per round, {args.rounds} interleaved rounds "
          "(median CPU s)")
    for name, t in med.items():
        print(f"  {name:5s} {t:8.3f} s   {1e3 * t / args.epochs:7.1f} ms/epoch")
    print(f"  fit / loop  = {ratios['fit / loop']:.3f}   (target <= 1.05)")
    print(f"  loop / hand = {ratios['loop / hand']:.3f}   (DataLoader vs slicing pre-shuffled arrays; target <= 1.10)")
    sys.stdout.flush()
    return {**med, **ratios}


if __name__ == "__main__":
    main()
