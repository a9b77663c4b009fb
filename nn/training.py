"""``nn.fit``: the training loop with dev-set evaluation, callbacks, early stopping and progress bars.

``fit`` takes the optimizer and scheduler as objects (it never imports ``optim``): a scheduler
whose ``step`` needs an argument (``ReduceLROnPlateau``) gets the epoch's dev loss. Training
batches run in ``train()`` mode, evaluation in ``eval()`` mode under ``no_grad``. Per-epoch
figures go into a ``History``, which plots the curves, round-trips through JSON and states the
bias/variance diagnosis from the train and dev errors.
"""
from __future__ import annotations

import inspect
import math
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.tensor import data_of
from autograd_core.utils.data import DataLoader, TensorDataset

from .module import Module

__all__ = ["fit", "History", "EarlyStopping", "Callback", "Diagnosis", "bias_variance"]

EVAL_BATCH = 1024  # rows per batch, at least, of fit's own eval passes (eval mode: batch size cannot matter)
HOOKS = ("on_train_begin", "on_epoch_begin", "on_batch_end", "on_epoch_end", "on_train_end")


class Callback:
    """Base class for ``fit`` callbacks; every hook is optional and does nothing here.

    Hooks receive the ``History`` (with ``history.model`` and ``history.optimizer`` set during
    training); setting ``history.stop_training = True`` ends training after the current epoch.
    """

    def on_train_begin(self, history: History) -> None: ...
    def on_epoch_begin(self, history: History, epoch: int) -> None: ...
    def on_batch_end(self, history: History, epoch: int, batch: int, loss: float) -> None: ...
    def on_epoch_end(self, history: History, epoch: int, logs: dict[str, float]) -> None: ...
    def on_train_end(self, history: History) -> None: ...


# ----------------------------------------------------------------- metrics
def accuracy(output: np.ndarray, target: np.ndarray) -> float:
    """Fraction of correct predictions: argmax over classes, or ``logit > 0`` for a single output column."""
    if output.ndim == 1 or output.shape[1] == 1:
        predicted = output.reshape(len(output)) > 0
        return float(np.mean(predicted == target.reshape(len(target)).astype(bool)))
    if target.ndim == output.ndim:  # class probabilities / one-hot targets
        target = target.argmax(axis=1)
    return np.count_nonzero(output.argmax(axis=1) == target) / len(target)


METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {"accuracy": accuracy}


def _metric_fns(metrics: Iterable[str | Callable] | None) -> dict[str, Callable]:
    out = {}
    for m in metrics or ():
        if callable(m):
            out[getattr(m, "__name__", type(m).__name__)] = m
        elif m in METRICS:
            out[m] = METRICS[m]
        else:
            raise ValueError(f"unknown metric {m!r}: use one of {sorted(METRICS)} or a function (output, target)")
    return out


# ----------------------------------------------------------------- history and diagnosis
@dataclass
class Diagnosis:
    """Bias/variance reading of train and dev errors against the Bayes (best achievable) error."""

    train_error: float
    dev_error: float
    bayes_error: float
    tolerance: float

    @property
    def avoidable_bias(self) -> float:
        return self.train_error - self.bayes_error

    @property
    def variance(self) -> float:
        return self.dev_error - self.train_error

    @property
    def verdict(self) -> str:
        bias, variance = self.avoidable_bias > self.tolerance, self.variance > self.tolerance
        return {(True, True): "high bias and high variance", (True, False): "high bias",
                (False, True): "high variance", (False, False): "fine"}[bias, variance]

    @property
    def advice(self) -> str:
        return {"high bias": "fit the training set better: a bigger network, longer training, a better optimizer",
                "high variance": "generalize better: more data, regularization (L2, dropout, augmentation)",
                "high bias and high variance": "first a bigger network or longer training, then regularize",
                "fine": "train and dev errors are both close to the Bayes error"}[self.verdict]

    def __str__(self) -> str:
        return (f"train error {self.train_error:.1%}, dev error {self.dev_error:.1%} (Bayes {self.bayes_error:.1%}): "
                f"avoidable bias {self.avoidable_bias:.1%}, variance {self.variance:.1%} -> {self.verdict}; "
                f"{self.advice}")


def bias_variance(train_error: float, dev_error: float, bayes_error: float = 0.0,
                  tolerance: float = 0.02) -> Diagnosis:
    """Diagnose errors: high bias when train error exceeds Bayes error by more than ``tolerance``,
    high variance when dev error exceeds train error by more than ``tolerance``."""
    return Diagnosis(float(train_error), float(dev_error), float(bayes_error), float(tolerance))


class History:
    """Per-epoch figures of a ``fit`` run: ``history["train_loss"]``, ``["dev_accuracy"]``, ``["lr"]``, ``["time"]``.

    ``best_epoch`` is the epoch (1-based) with the best monitored dev figure, ``stopped_epoch``
    the epoch at which early stopping ended training (None if it ran to the end), and
    ``final_epoch`` the epoch whose weights the model holds after ``fit``. The per-epoch train
    figures are running means over the epoch in training mode (dropout active); ``train_eval``
    holds the training set's loss and metrics for the final weights in eval mode.
    """

    def __init__(self, records: dict[str, list[float]] | None = None, best_epoch: int | None = None,
                 stopped_epoch: int | None = None, final_epoch: int | None = None,
                 train_eval: dict[str, float] | None = None) -> None:
        self.records = {k: list(v) for k, v in (records or {}).items()}
        self.best_epoch, self.stopped_epoch, self.final_epoch = best_epoch, stopped_epoch, final_epoch
        self.train_eval = dict(train_eval or {})
        self.stop_training = False
        self.model: Module | None = None
        self.optimizer: Any = None

    def __getitem__(self, key: str) -> list[float]:
        return self.records[key]

    def __contains__(self, key: str) -> bool:
        return key in self.records

    @property
    def epochs(self) -> int:
        return len(next(iter(self.records.values()), []))

    def append(self, logs: dict[str, float]) -> None:
        """Record one epoch's figures."""
        before = self.epochs
        for k, v in logs.items():
            self.records.setdefault(k, [math.nan] * before).append(float(v))

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and numbers, for ``json.dumps``; ``History.from_dict`` reads it back."""
        return {"records": {k: list(v) for k, v in self.records.items()}, "best_epoch": self.best_epoch,
                "stopped_epoch": self.stopped_epoch, "final_epoch": self.final_epoch, "train_eval": self.train_eval}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        """Rebuild a History from ``to_dict()`` output."""
        return cls(d["records"], d.get("best_epoch"), d.get("stopped_epoch"), d.get("final_epoch"), d.get("train_eval"))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, History) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.records.items() if v)
        return f"History({self.epochs} epochs, best_epoch={self.best_epoch}: {last})"

    def diagnose(self, bayes_error: float = 0.0, tolerance: float = 0.02, metric: str = "accuracy") -> Diagnosis:
        """Bias/variance diagnosis of the final weights from ``1 - accuracy`` (the losses when no accuracy was kept).

        The train error is the eval-mode one (``train_eval``) when recorded, so dropout does not inflate it.
        """
        epoch = (self.final_epoch or self.epochs) - 1
        key = f"dev_{metric}" if f"dev_{metric}" in self.records else "dev_loss"
        if key not in self.records:
            raise ValueError("diagnose needs dev figures: pass dev_data to nn.fit")
        name = key[4:]
        train = self.train_eval.get(f"train_{name}", self.records[f"train_{name}"][epoch])
        dev = self.records[key][epoch]
        if name == metric:
            train, dev = 1 - train, 1 - dev
        return bias_variance(train, dev, bayes_error, tolerance)

    def plot(self, path: str | None = None):
        """A matplotlib Figure: the loss and each metric over epochs, train and dev on the same axes.

        The best epoch is marked; ``path`` saves the figure (PNG, SVG, PDF by extension).
        """
        from matplotlib.figure import Figure

        names = ["loss"] + sorted({k[6:] for k in self.records if k.startswith("train_") and k != "train_loss"})
        fig = Figure(figsize=(5 * len(names), 3.6), layout="constrained")
        epochs = np.arange(1, self.epochs + 1)
        for ax, name in zip(fig.subplots(1, len(names), squeeze=False)[0], names):
            for part in ("train", "dev"):
                if f"{part}_{name}" in self.records:
                    ax.plot(epochs, self.records[f"{part}_{name}"], label=part, marker="." if len(epochs) < 30 else "")
            if self.best_epoch:
                ax.axvline(self.best_epoch, color="grey", linestyle=":", label=f"best epoch {self.best_epoch}")
            ax.set(xlabel="epoch", ylabel=name, title=name)
            ax.legend()
        if path is not None:
            fig.savefig(path)
        return fig


# ----------------------------------------------------------------- early stopping
class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    Losses must decrease and accuracies increase; with ``restore_best`` the weights (and
    buffers) of the best epoch are put back when training ends.
    """

    def __init__(self, monitor: str = "dev_loss", patience: int = 5, min_delta: float = 0.0,
                 restore_best: bool = True) -> None:
        if patience < 0 or min_delta < 0:
            raise ValueError(f"EarlyStopping: patience and min_delta must be >= 0, got {patience}, {min_delta}")
        self.monitor, self.patience, self.min_delta, self.restore_best = monitor, patience, min_delta, restore_best
        self.sign = -1.0 if "acc" in monitor else 1.0  # minimize sign * value

    def on_train_begin(self, history: History) -> None:
        self.best, self.wait = math.inf, 0
        # the best epoch's weights, copied into arrays allocated once (not a state_dict per improvement)
        self.best_weights = _Snapshot(history.model) if self.restore_best else None

    def on_epoch_end(self, history: History, epoch: int, logs: dict[str, float]) -> None:
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, which fit does not record "
                             f"(recorded: {sorted(logs)}); pass dev_data or another monitor")
        value = self.sign * logs[self.monitor]
        if value < self.best - self.min_delta:
            self.best, self.wait, history.best_epoch = value, 0, epoch
            if self.best_weights is not None:
                self.best_weights.take()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                history.stop_training, history.stopped_epoch = True, epoch

    def on_train_end(self, history: History) -> None:
        if self.best_weights is not None and self.best_weights.arrays:  # (empty until an epoch improved)
            self.best_weights.restore()
            history.final_epoch = history.best_epoch


# ----------------------------------------------------------------- fit
def _loader(data: Any, batch_size: int, shuffle: bool, what: str) -> DataLoader:
    if isinstance(data, DataLoader):
        loader = data
    elif isinstance(data, (tuple, list)):
        loader = DataLoader(TensorDataset(*data), batch_size=batch_size, shuffle=shuffle and len(data[0]) > 0)
    elif hasattr(data, "__getitem__") and hasattr(data, "__len__"):
        loader = DataLoader(data, batch_size=batch_size, shuffle=shuffle and len(data) > 0)
    else:
        raise TypeError(f"{what} must be a DataLoader, a Dataset or a tuple of arrays (inputs, targets), "
                        f"got {type(data).__name__}")
    if len(loader) == 0:
        raise ValueError(f"{what} is empty: fit needs at least one batch")
    return loader


def _split(batch: Any) -> tuple[tuple, Any]:
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise ValueError("fit expects batches (inputs..., targets); got a batch of "
                         f"{len(batch) if isinstance(batch, (tuple, list)) else type(batch).__name__}")
    return tuple(batch[:-1]), batch[-1]


def _progress(progress: bool):
    """The tqdm class to use, or None when bars are off (``progress=False`` or stderr is not a terminal)."""
    if not progress:
        return None
    from tqdm.auto import tqdm
    from tqdm.notebook import tqdm as notebook_tqdm

    return tqdm if issubclass(tqdm, notebook_tqdm) or sys.stderr.isatty() else None


class _Totals:
    """Running sums of loss and metrics over an epoch, weighted by batch size."""

    def __init__(self, metric_fns: dict[str, Callable]) -> None:
        self.metric_fns, self.n, self.sums = metric_fns, 0, dict.fromkeys(["loss", *metric_fns], 0.0)

    def add(self, loss: float, output: Tensor, target: Any) -> None:
        n = len(output.data) if output.ndim else 1
        self.n += n
        self.sums["loss"] += loss * n
        if self.metric_fns:
            out, tgt = output.data, np.asarray(data_of(target))
            for name, fn in self.metric_fns.items():
                self.sums[name] += fn(out, tgt) * n

    def means(self, prefix: str) -> dict[str, float]:
        return {f"{prefix}_{k}": v / self.n for k, v in self.sums.items()}


class _Snapshot:
    """The model's parameters and persistent buffers, copied (``np.copyto``) into arrays allocated once.

    These are the "last good weights" that a non-finite loss puts back; unlike a ``state_dict`` per
    epoch, taking one allocates nothing unless a tensor was replaced by one of another shape or dtype.
    """

    def __init__(self, model: Module) -> None:
        self.model, self.arrays = model, {}

    def take(self) -> None:
        old = self.arrays
        self.arrays = {k: _copy_into(old.get(k), t.data) for k, t in self.model._state_tensors().items()}

    def finite(self) -> bool:
        """Whether every parameter and buffer of the model (as it is now) is finite."""
        return all(np.isfinite(t.data).all() for t in self.model._state_tensors().values())

    def restore(self) -> None:
        self.model.load_state_dict(self.arrays)


def _copy_into(out: np.ndarray | None, value: np.ndarray) -> np.ndarray:
    if out is None or out.shape != value.shape or out.dtype != value.dtype:
        return value.copy()
    np.copyto(out, value)
    return out


def _diverged(history: History, epoch: int, batch: int, loss: float, good: _Snapshot) -> RuntimeError:
    if good.finite():
        kept = "kept the weights from before this batch"
    else:  # an earlier step, or this batch's forward (batch-norm running statistics), spoiled the state
        good.restore()
        kept = f"restored the weights from the start of epoch {epoch}"
    err = RuntimeError(f"nn.fit: the loss is {loss} at epoch {epoch}, batch {batch}; training stopped and {kept} "
                       "(try a lower learning rate, gradient clipping, or check the data for NaN/inf)")
    err.history = history
    return err


def _eval_loader(loader: DataLoader) -> DataLoader:
    """The samples of a training ``loader`` in order, in batches of at least ``EVAL_BATCH``.

    Unshuffled, so evaluating the training set draws nothing from any generator (seeded code that
    runs after ``fit`` does not depend on it), and large batches keep the per-batch cost small.
    The final short batch that ``drop_last`` skips in training is evaluated too.
    """
    size = None if loader.batch_size is None else max(loader.batch_size, EVAL_BATCH)
    return DataLoader(loader.dataset, batch_size=size, sampler=loader.sampler, collate_fn=loader.collate_fn)


def evaluate(model: Module, loss_fn: Callable, loader: DataLoader, metric_fns: dict[str, Callable],
             prefix: str = "dev") -> dict[str, float]:
    """Mean loss and metrics of ``model`` over ``loader`` in eval mode, without recording graphs."""
    was_training = model.training
    model.eval()
    totals = _Totals(metric_fns)
    with ag.no_grad():
        for batch in loader:
            inputs, target = _split(batch)
            output = model(*inputs)
            totals.add(loss_fn(output, target).item(), output, target)
    model.train(was_training)
    return totals.means(prefix)


def fit(model: Module, loss_fn: Callable, optimizer: Any, train_data: Any, dev_data: Any = None, epochs: int = 10,
        batch_size: int = 32, scheduler: Any = None, metrics: Sequence[str | Callable] | None = ("accuracy",),
        early_stopping: EarlyStopping | None = None, callbacks: Iterable[Any] = (), progress: bool = True) -> History:
    """Train ``model`` on ``train_data`` for ``epochs``, evaluating on ``dev_data`` after each epoch.

    Data are DataLoaders, Datasets or tuples of arrays ``(inputs..., targets)`` (training data
    shuffled into batches of ``batch_size``; dev data, which batch size cannot change, in
    batches of at least ``EVAL_BATCH`` rows). Each batch: ``loss_fn(model(*inputs), targets)``, ``zero_grad``,
    ``backward``, ``optimizer.step()``. A non-finite loss raises ``RuntimeError`` naming the epoch
    and batch, with finite weights kept. At the end the training set is evaluated once more, in
    order and with the final weights, for ``History.train_eval``. Returns the ``History``.
    """
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    train_loader = _loader(train_data, batch_size, True, "train_data")
    dev_loader = None if dev_data is None else _loader(dev_data, max(batch_size, EVAL_BATCH), False, "dev_data")
    metric_fns = _metric_fns(metrics)
    wants_metric = scheduler is not None and any(
        p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        for p in inspect.signature(scheduler.step).parameters.values())
    cbs = [*callbacks, *([early_stopping] if early_stopping is not None else [])]
    hooks = {h: [getattr(cb, h) for cb in cbs if callable(getattr(cb, h, None))] for h in HOOKS}
    bar_cls = _progress(progress)
    history = History()
    history.model, history.optimizer = model, optimizer
    good = _Snapshot(model)
    for hook in hooks["on_train_begin"]:
        hook(history)
    epoch_bar = bar_cls(range(1, epochs + 1), desc="epochs", unit="epoch") if bar_cls else range(1, epochs + 1)
    batch_bar = bar_cls(total=len(train_loader), desc="epoch 1", leave=False, unit="batch") if bar_cls else None
    try:
        for epoch in epoch_bar:
            start = time.perf_counter()
            for hook in hooks["on_epoch_begin"]:
                hook(history, epoch)
            good.take()
            lr = float(optimizer.param_groups[0]["lr"]) if hasattr(optimizer, "param_groups") else math.nan
            model.train()
            totals = _Totals(metric_fns)
            if batch_bar is not None:  # one bar for every epoch: set up once, reset here
                batch_bar.set_description(f"epoch {epoch}", refresh=False)
                batch_bar.set_postfix_str("", refresh=False)
                batch_bar.reset()
            for i, batch in enumerate(train_loader, 1):
                inputs, target = _split(batch)
                output = model(*inputs)
                loss = loss_fn(output, target)
                value = loss.item()
                if not math.isfinite(value):
                    raise _diverged(history, epoch, i, value, good)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                totals.add(value, output, target)
                if batch_bar is not None:
                    batch_bar.set_postfix_str(f"loss={totals.sums['loss'] / totals.n:.4f}", refresh=False)
                    batch_bar.update()
                for hook in hooks["on_batch_end"]:
                    hook(history, epoch, i, value)
            logs = totals.means("train")
            if dev_loader is not None:
                logs.update(evaluate(model, loss_fn, dev_loader, metric_fns))
            logs["lr"], logs["time"] = lr, time.perf_counter() - start
            history.append(logs)
            if wants_metric:
                scheduler.step(logs.get("dev_loss", logs["train_loss"]))
            elif scheduler is not None:
                scheduler.step()
            if early_stopping is None:
                monitor = "dev_loss" if "dev_loss" in logs else "train_loss"
                if history.best_epoch is None or logs[monitor] < history[monitor][history.best_epoch - 1]:
                    history.best_epoch = epoch
            for hook in hooks["on_epoch_end"]:
                hook(history, epoch, logs)
            if bar_cls:  # shown at the bar's next refresh (tqdm limits those to 10 per second)
                epoch_bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items() if k not in ("lr", "time")},
                                      refresh=False)
            if history.stop_training:
                break
        history.final_epoch = history.epochs
    finally:
        if bar_cls:
            batch_bar.close()
            epoch_bar.close()
    for hook in hooks["on_train_end"]:
        hook(history)
    if history.epochs:
        history.train_eval = evaluate(model, loss_fn, _eval_loader(train_loader), metric_fns, "train")
    return history
