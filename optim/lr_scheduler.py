"""Learning-rate schedules that rewrite the optimizer groups' ``lr``, with PyTorch's sequences.

A scheduler is created after its optimizer and stepped once per epoch, after ``optimizer.step()``.
Construction performs the first step, so ``get_last_lr()`` is the epoch-0 rate straight away.
Like PyTorch, the multiplicative schedules (``StepLR``, ``MultiStepLR``, ``ExponentialLR``,
``CosineAnnealingLR``, ``LinearLR``) are *recursive*: each step rescales the group's current
``lr``, so they compose with other changes to it; ``LambdaLR``, ``InverseTimeLR`` and
``InverseSqrtLR`` are closed forms in the group's initial rate. ``ReduceLROnPlateau`` reacts to a
monitored metric instead of the epoch count.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Any, Callable, Iterable, Sequence

from .optimizer import Optimizer


class LRScheduler:
    """Base: records ``initial_lr`` in each group (``base_lrs``), counts ``last_epoch`` and applies ``get_lr``."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        elif any("initial_lr" not in group for group in optimizer.param_groups):
            raise KeyError("resuming a schedule (last_epoch >= 0) needs 'initial_lr' in every parameter group")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self.step()

    def get_lr(self) -> list[float]:
        """The learning rates for epoch ``last_epoch`` (called by ``step``)."""
        raise NotImplementedError

    def _current(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self) -> None:
        """Advance one epoch and write the new rates into the optimizer's groups."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self._current()

    def get_last_lr(self) -> list[float]:
        """The rates set by the latest ``step``, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (and functions, which cannot be saved)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the counters and settings saved by ``state_dict``."""
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Staircase decay: multiply the rate by ``gamma`` every ``step_size`` epochs (``lr0·γ^⌊t/step_size⌋``)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        if step_size < 1:
            raise ValueError(f"Invalid step_size: {step_size!r} (must be >= 1)")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class MultiStepLR(LRScheduler):
    """Multiply the rate by ``gamma`` at each milestone epoch (``lr0·γ^(milestones passed)``)."""

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones, self.gamma = Counter(milestones), gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        hits = self.milestones.get(self.last_epoch, 0)
        return [lr * self.gamma ** hits for lr in self._current()] if hits else self._current()


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every epoch (``lr0·γᵗ``)."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._step_count == 1:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class LambdaLR(LRScheduler):
    """``lr = lr0 · lr_lambda(epoch)``, one function for all groups or one per group."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        groups = len(optimizer.param_groups)
        self.lr_lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * groups
        if len(self.lr_lambdas) != groups:
            raise ValueError(f"expected {groups} lr_lambdas, got {len(self.lr_lambdas)}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * fn(self.last_epoch) for base, fn in zip(self.base_lrs, self.lr_lambdas)]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing from ``lr0`` to ``eta_min`` over ``T_max`` epochs, then back up (period ``2·T_max``).

    The closed form is ``η_t = η_min + ½(lr0 − η_min)(1 + cos(π t / T_max))``; like PyTorch the rate is
    computed recursively, ``η_t = η_min + (η_{t−1} − η_min)·(1 + cos(πt/T))/(1 + cos(π(t−1)/T))``, with an
    additive step where that ratio is 0/0 (the bottom of each period).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        if T_max < 1:
            raise ValueError(f"Invalid T_max: {T_max!r} (must be >= 1)")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, period, low = self.last_epoch, self.T_max, self.eta_min
        if self._step_count == 1:
            return self._current()
        if (t - 1 - period) % (2 * period) == 0:
            return [lr + (base - low) * (1 - math.cos(math.pi / period)) / 2
                    for lr, base in zip(self._current(), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return [ratio * (lr - low) + low for lr in self._current()]


class LinearLR(LRScheduler):
    """Linear warm-up (or decay) of the factor from ``start_factor`` to ``end_factor`` over ``total_iters`` epochs."""

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1) -> None:
        if not 0 < start_factor <= 1:
            raise ValueError(f"Invalid start_factor: {start_factor!r} (must be in (0, 1])")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"Invalid end_factor: {end_factor!r} (must be in [0, 1])")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, start, end = self.last_epoch, self.start_factor, self.end_factor
        if t == 0:
            return [lr * start for lr in self._current()]
        if self._step_count == 1 or t > self.total_iters:
            return self._current()
        # factor(t)/factor(t−1) with factor(t) = start + (end − start)·t/total_iters
        ratio = 1.0 + (end - start) / (self.total_iters * start + (t - 1) * (end - start))
        return [lr * ratio for lr in self._current()]


class InverseTimeLR(LRScheduler):
    """Inverse-time decay ``lr = lr0 / (1 + decay_rate·epoch)``: steps sum to infinity, squares do not."""

    def __init__(self, optimizer: Optimizer, decay_rate: float, last_epoch: int = -1) -> None:
        if not decay_rate >= 0:
            raise ValueError(f"Invalid decay_rate: {decay_rate!r} (must be >= 0)")
        self.decay_rate = decay_rate
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base / (1 + self.decay_rate * self.last_epoch) for base in self.base_lrs]


class InverseSqrtLR(LRScheduler):
    """Inverse-square-root decay ``lr = k·lr0 / √(epoch + 1)``."""

    def __init__(self, optimizer: Optimizer, k: float, last_epoch: int = -1) -> None:
        if not k > 0:
            raise ValueError(f"Invalid k: {k!r} (must be > 0)")
        self.k = k
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [self.k * base / math.sqrt(self.last_epoch + 1) for base in self.base_lrs]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rate by ``factor`` once a monitored metric has not improved for ``patience`` epochs.

    Improvement means ``metric < best·(1 − threshold)`` (``mode='min'``, ``threshold_mode='rel'``),
    ``metric < best − threshold`` (``'abs'``), or the mirror images for ``mode='max'``. After a
    reduction, ``cooldown`` epochs pass before bad epochs count again; rates never go below
    ``min_lr`` (a number or one per group) and changes smaller than ``eps`` are skipped.
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: float | Sequence[float] = 0, eps: float = 1e-8) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if not factor < 1.0:
            raise ValueError(f"Invalid factor: {factor!r} (must be < 1)")
        if mode not in ("min", "max"):
            raise ValueError(f"Invalid mode: {mode!r} (must be 'min' or 'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"Invalid threshold_mode: {threshold_mode!r} (must be 'rel' or 'abs')")
        groups = len(optimizer.param_groups)
        self.min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * groups
        if len(self.min_lrs) != groups:
            raise ValueError(f"expected {groups} min_lrs, got {len(self.min_lrs)}")
        self.optimizer = optimizer
        self.mode, self.factor, self.patience, self.threshold = mode, factor, patience, threshold
        self.threshold_mode, self.cooldown, self.eps = threshold_mode, cooldown, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = self.last_epoch = 0
        self._last_lr = self._current()

    def _is_better(self, value: float) -> bool:
        sign = 1.0 if self.mode == "min" else -1.0
        if self.threshold_mode == "rel":
            return sign * value < sign * self.best * (1.0 - sign * self.threshold)
        return sign * value < sign * self.best - self.threshold

    def step(self, metrics: float) -> None:  # type: ignore[override]
        """Record this epoch's metric and reduce the rates after ``patience`` epochs without improvement."""
        value = float(metrics)
        self.last_epoch += 1
        if self._is_better(value):
            self.best, self.num_bad_epochs = value, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, low in zip(self.optimizer.param_groups, self.min_lrs):
                new_lr = max(group["lr"] * self.factor, low)
                if group["lr"] - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = self._current()


__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "LambdaLR", "CosineAnnealingLR", "LinearLR",
           "InverseTimeLR", "InverseSqrtLR", "ReduceLROnPlateau"]
