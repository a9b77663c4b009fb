"""Learning-rate schedules that rewrite the optimizer groups' ``lr``, with PyTorch's sequences.

A scheduler is created after its optimizer and stepped once per epoch, after ``optimizer.step()``.
Construction performs the first step, so ``get_last_lr()`` is the epoch-0 rate straight away.
Like PyTorch, the multiplicative schedules (``StepLR``, ``MultiStepLR``, ``ExponentialLR``,
``CosineAnnealingLR``, ``LinearLR``) are *recursive*: each step rescales the group's current
``lr``, so they compose with other changes to it; ``LambdaLR``, ``InverseTimeLR`` and
``InverseSqrtLR`` are closed forms in the group's initial rate, and so are
``CosineAnnealingWarmRestarts`` and ``OneCycleLR`` (stepped per batch; it also cycles the momentum).
``ReduceLROnPlateau`` reacts to a monitored metric instead of the epoch count.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Any, Callable, Iterable, Sequence

from autograd_core.utils.checks import check_int

from .optimizer import Optimizer, check_real


def _check_optimizer(optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


class LRScheduler:
    """Base: records ``initial_lr`` in each group (``base_lrs``), counts ``last_epoch`` and applies ``get_lr``."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
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
        if isinstance(step_size, bool) or not isinstance(step_size, int):
            raise TypeError(f"step_size must be an int, got {type(step_size).__name__} {step_size!r}")
        if step_size < 1:
            raise ValueError(f"Invalid step_size: {step_size!r} (must be >= 1)")
        check_real(gamma, "gamma")
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
        check_real(gamma, "gamma")
        if isinstance(milestones, str) or not isinstance(milestones, Iterable):
            raise TypeError(f"milestones must be a sequence of epochs, got {type(milestones).__name__} {milestones!r}")
        self.milestones, self.gamma = Counter(check_int(m, "milestones", 0) for m in milestones), gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        hits = self.milestones.get(self.last_epoch, 0)
        return [lr * self.gamma ** hits for lr in self._current()] if hits else self._current()


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every epoch (``lr0·γᵗ``)."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        check_real(gamma, "gamma")
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
        _check_optimizer(optimizer)
        groups = len(optimizer.param_groups)
        self.lr_lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * groups
        if len(self.lr_lambdas) != groups:
            raise ValueError(f"expected {groups} lr_lambdas, got {len(self.lr_lambdas)}")
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda must be a function of the epoch (or one per group), got "
                                f"{type(fn).__name__} {fn!r}")
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
        check_real(T_max, "T_max"), check_real(eta_min, "eta_min")
        if T_max < 1:  # PyTorch takes any T_max and divides by it; <= 0 makes no schedule
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
        check_real(start_factor, "start_factor"), check_real(end_factor, "end_factor")
        check_real(total_iters, "total_iters")
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
        check_real(decay_rate, "decay_rate")
        if not decay_rate >= 0:
            raise ValueError(f"Invalid decay_rate: {decay_rate!r} (must be >= 0)")
        self.decay_rate = decay_rate
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base / (1 + self.decay_rate * self.last_epoch) for base in self.base_lrs]


class InverseSqrtLR(LRScheduler):
    """Inverse-square-root decay ``lr = k·lr0 / √(epoch + 1)``."""

    def __init__(self, optimizer: Optimizer, k: float, last_epoch: int = -1) -> None:
        check_real(k, "k")
        if not k > 0:
            raise ValueError(f"Invalid k: {k!r} (must be > 0)")
        self.k = k
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [self.k * base / math.sqrt(self.last_epoch + 1) for base in self.base_lrs]


def _per_group(name: str, optimizer: Optimizer, value) -> list:
    """``value`` for every parameter group: a list/tuple of one per group, or one value repeated."""
    groups = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != groups:
            raise ValueError(f"expected {groups} values for {name}, got {len(value)}")
    values = list(value) if isinstance(value, (list, tuple)) else [value] * groups
    for v in values:
        check_real(v, name)
    return values


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""SGDR (Loshchilov & Hutter): cosine annealing from ``lr0`` to ``eta_min`` over ``T_i`` epochs, then a restart.

    ``η = η_min + ½(lr0 − η_min)(1 + cos(π T_cur / T_i))``; the first period lasts ``T_0`` epochs and
    each next one ``T_mult`` times longer. ``step(epoch)`` may jump to any (fractional) epoch, e.g.
    ``epoch + batch / batches_per_epoch`` to anneal within an epoch.
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        check_real(T_0, "T_0"), check_real(T_mult, "T_mult"), check_real(eta_min, "eta_min")
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"Expected positive integer T_0, but got {T_0!r}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult!r}")
        self.T_0, self.T_i, self.T_mult, self.eta_min, self.T_cur = T_0, T_0, T_mult, eta_min, last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        low = self.eta_min
        return [low + (base - low) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2 for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or go to ``epoch`` (any non-negative number) when given."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:  # restart, with a period T_mult times longer
                self.T_cur -= self.T_i
                self.T_i *= self.T_mult
        elif epoch < 0:
            raise ValueError(f"Expected non-negative epoch, but got {epoch!r}")
        elif epoch < self.T_0:
            self.T_i, self.T_cur = self.T_0, epoch
        elif self.T_mult == 1:
            self.T_cur = epoch % self.T_0
        else:
            # periods T_0·T_mult^k: n whole periods end at T_0·(T_mult^n − 1)/(T_mult − 1) <= epoch
            n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
            self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
            self.T_i = self.T_0 * self.T_mult ** n
        self._step_count += 1
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self._current()


class OneCycleLR(LRScheduler):
    """Smith's 1cycle policy, stepped once per *batch*: warm up to ``max_lr``, then anneal far below the start.

    The rate rises from ``max_lr/div_factor`` to ``max_lr`` over the first ``pct_start`` of
    ``total_steps`` (or ``epochs·steps_per_epoch``), then falls to ``initial_lr/final_div_factor``
    (``three_phase``: back to the start first, then the fall), by cosine or linear annealing. With
    ``cycle_momentum`` the momentum (or Adam's β₁) moves the opposite way between ``max_momentum``
    and ``base_momentum``. Stepping past ``total_steps`` raises ``ValueError``.
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | Sequence[float], total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | Sequence[float] = 0.85, max_momentum: float | Sequence[float] = 0.95,
                 div_factor: float = 25.0, final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        for name, value in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
            check_real(value, name)
            if not value > 0:
                raise ValueError(f"Invalid {name}: {value!r} (must be > 0)")
        if total_steps is not None:
            check_real(total_steps, "total_steps")  # PyTorch's types: TypeError for a string, ValueError for 2.5
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps!r}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
                check_real(value, name)
                if not isinstance(value, int) or value <= 0:
                    raise ValueError(f"Expected positive integer {name}, but got {value!r}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        if not isinstance(pct_start, (int, float)) or not 0 <= pct_start <= 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy!r}")
        self.anneal_strategy, self.cycle_momentum = anneal_strategy, cycle_momentum
        # phases: (last step of the phase, start and end keys of the rate, of the momentum)
        warm_end, last = float(pct_start * self.total_steps) - 1, self.total_steps - 1
        if three_phase:
            self._phases = [(warm_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr", "base_momentum",
                             "max_momentum"),
                            (last, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            self._phases = [(warm_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (last, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        groups = optimizer.param_groups
        if last_epoch == -1:
            for group, top in zip(groups, _per_group("max_lr", optimizer, max_lr)):
                group.update(initial_lr=top / div_factor, max_lr=top, min_lr=top / div_factor / final_div_factor)
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            if last_epoch == -1:
                for group, top, base in zip(groups, _per_group("max_momentum", optimizer, max_momentum),
                                            _per_group("base_momentum", optimizer, base_momentum)):
                    self._set_momentum(group, top)
                    group.update(max_momentum=top, base_momentum=base)
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict, value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(f"Tried to step {t} times. The specified number of total steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            begin = 0.0
            for i, (end, lr_from, lr_to, m_from, m_to) in enumerate(self._phases):
                if t <= end or i == len(self._phases) - 1:
                    pct = (t - begin) / (end - begin)
                    lrs.append(self._anneal(group[lr_from], group[lr_to], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[m_from], group[m_to], pct))
                    break
                begin = end
        return lrs


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
        _check_optimizer(optimizer)
        for name, value in (("factor", factor), ("threshold", threshold), ("eps", eps)):
            check_real(value, name)
        check_int(patience, "patience", 0), check_int(cooldown, "cooldown", 0)
        if not factor < 1.0:
            raise ValueError(f"Invalid factor: {factor!r} (must be < 1)")
        if mode not in ("min", "max"):
            raise ValueError(f"Invalid mode: {mode!r} (must be 'min' or 'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"Invalid threshold_mode: {threshold_mode!r} (must be 'rel' or 'abs')")
        self.min_lrs = _per_group("min_lr", optimizer, min_lr)
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
           "InverseTimeLR", "InverseSqrtLR", "ReduceLROnPlateau", "CosineAnnealingWarmRestarts", "OneCycleLR"]
