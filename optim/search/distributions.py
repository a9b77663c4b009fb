"""Search-space distributions: where each hyper-parameter is drawn from, and how its range narrows.

A continuous distribution is a uniform draw in a transformed coordinate ``t``: the value itself
(``Uniform``), its log10 (``LogUniform``, the course's ``10 ** (-4 * rand())``) or log10 of its
distance to 1 (``OneMinusLogUniform``, for β near 1). Integer variants round the same draw.
``narrow`` zooms a range in that coordinate, so ``coarse_to_fine`` shrinks a learning rate's range
by decades rather than by absolute amounts. ``Choice`` draws among listed options and narrows to
the options that did well.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

# Columns of the result table; a hyper-parameter may not take one of these names.
RESERVED = ("trial", "round", "score", "seconds", "error", "seed")


class Distribution:
    """Base class of search-space entries: ``sample(rng)`` draws a value and ``narrow`` returns the
    same kind of distribution over a smaller range around given values."""

    scale = "linear"  # matplotlib x-axis scale for SearchResult.plot

    def sample(self, rng: np.random.Generator) -> Any:
        raise NotImplementedError

    def narrow(self, values: Sequence, best: Any, shrink: float) -> Distribution:
        raise NotImplementedError


@dataclass(frozen=True)
class _Range(Distribution):
    """A uniform draw of ``t = _to(x)`` over ``[_to(low), _to(high)]``; subclasses fix the map."""

    low: float
    high: float
    integer = False

    def __post_init__(self) -> None:
        name = type(self).__name__
        for arg in ("low", "high"):
            value = getattr(self, arg)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not math.isfinite(value):
                raise TypeError(f"{name}: {arg} must be a finite number, got {value!r}")
            if self.integer and value != int(value):
                raise TypeError(f"{name}: {arg} must be an integer, got {value!r}")
        kind = int if self.integer else float
        object.__setattr__(self, "low", kind(self.low))
        object.__setattr__(self, "high", kind(self.high))
        if not (self.low <= self.high if self.integer else self.low < self.high):
            raise ValueError(f"{name}: need low {'<=' if self.integer else '<'} high, got low={self.low!r}, "
                             f"high={self.high!r}")
        self._check_domain()

    def _check_domain(self) -> None:
        pass

    @staticmethod
    def _to(x):
        return x

    @staticmethod
    def _from(t):
        return t

    def _t_bounds(self) -> tuple[float, float]:
        # Integers are drawn on [low - 1/2, high + 1/2] and rounded, so the end values are as likely as the others.
        pad = 0.5 if self.integer else 0.0
        a, b = self._to(self.low - pad), self._to(self.high + pad)
        return (a, b) if a <= b else (b, a)

    def sample(self, rng: np.random.Generator) -> float | int:
        x = self._from(rng.uniform(*self._t_bounds()))
        if self.integer:
            return int(min(max(round(x), self.low), self.high))
        return float(min(max(x, self.low), self.high))

    def narrow(self, values: Sequence, best: float, shrink: float) -> _Range:
        """The range ``shrink`` times as wide in ``t``, centred on the mean ``t`` of ``values`` and then moved
        as little as needed to lie inside this range and to contain ``best``."""
        lo, hi = sorted((self._to(self.low), self._to(self.high)))
        t_best, width = self._to(best), shrink * (hi - lo)
        start = float(np.mean([self._to(v) for v in values])) - width / 2
        start = min(max(start, t_best - width), t_best)   # contain best ...
        start = min(max(start, lo), hi - width)           # ... and stay inside (still containing best)
        low, high = sorted((self._from(start), self._from(start + width)))
        if self.integer:
            low, high = math.ceil(low - 1e-9), math.floor(high + 1e-9)
        # Round-off in the maps must neither widen the range nor lose the best value.
        low, high = min(max(low, self.low), best), max(min(high, self.high), best)
        return type(self)(low, high)


class Uniform(_Range):
    """A float uniform on ``[low, high]``."""


class LogUniform(_Range):
    """A float whose log10 is uniform on ``[log10(low), log10(high)]``, for scale parameters such as
    learning rates: ``LogUniform(1e-4, 1)`` is the course's ``10 ** (-4 * rand())``."""

    scale = "log"

    def _check_domain(self) -> None:
        if self.low <= 0:
            raise ValueError(f"{type(self).__name__}: low must be > 0, got {self.low!r}")

    _to = staticmethod(np.log10)

    @staticmethod
    def _from(t):
        return 10.0 ** t


class IntUniform(_Range):
    """An integer uniform on ``low..high`` (both included)."""

    integer = True


class IntLogUniform(LogUniform):
    """An integer in ``low..high`` (both included, ``low >= 1``) drawn log-uniformly and rounded, for
    sizes such as hidden units or batch sizes."""

    integer = True


class OneMinusLogUniform(_Range):
    """A float in ``[low, high]`` within ``[0, 1)`` with ``log10(1 - x)`` uniform, for averaging constants
    near 1: ``OneMinusLogUniform(0.9, 0.999)`` gives ``1 − 10 ** uniform(-3, -1)``, as many draws in
    0.9..0.99 as in 0.99..0.999."""

    scale = "logit"

    def _check_domain(self) -> None:
        if not (0 <= self.low and self.high < 1):
            raise ValueError(f"{type(self).__name__}: need 0 <= low < high < 1, got low={self.low!r}, "
                             f"high={self.high!r}")

    @staticmethod
    def _to(x):
        return np.log10(1.0 - x)

    @staticmethod
    def _from(t):
        return 1.0 - 10.0 ** t


@dataclass(frozen=True, init=False)
class Choice(Distribution):
    """One of ``options``, each equally likely (activation names, optimizers, layer counts)."""

    options: tuple
    scale = "categorical"

    def __init__(self, options: Sequence) -> None:
        if isinstance(options, (str, bytes)) or not isinstance(options, Sequence) or len(options) == 0:
            raise ValueError(f"Choice: options must be a non-empty sequence, got {options!r}")
        object.__setattr__(self, "options", tuple(options))

    def sample(self, rng: np.random.Generator) -> Any:
        return self.options[int(rng.integers(len(self.options)))]

    def narrow(self, values: Sequence, best: Any, shrink: float) -> Choice:
        """The options that occur among ``values`` or equal ``best``, in their original order."""
        return Choice([o for o in self.options if o == best or any(o == v for v in values)])


def check_space(space: dict, what: str = "space") -> None:
    """Raise a clear error unless ``space`` maps allowed names to distributions."""
    if not isinstance(space, dict) or not space:
        raise TypeError(f"{what} must be a non-empty dict of name -> distribution, got {space!r}")
    for name, dist in space.items():
        if not isinstance(name, str) or name in RESERVED:
            raise ValueError(f"{what}: parameter name {name!r} is not allowed (names must be strings other than "
                             f"{', '.join(RESERVED)})")
        if not isinstance(dist, Distribution):
            hint = " (use Choice([...]) to choose among values)" if isinstance(dist, (list, tuple, set)) else ""
            raise TypeError(f"{what}[{name!r}] must be a distribution (LogUniform, Uniform, IntUniform, IntLogUniform, "
                            f"OneMinusLogUniform or Choice), got {type(dist).__name__}{hint}; fix constants in the "
                            f"objective instead")
