"""Argument checks shared by layers and their modules, so a bad argument always gets the same clear error.

Each check names the argument it refuses: ``TypeError`` for a value of the wrong type (a float or string
where an int belongs, an integer tensor where a floating one does), ``ValueError`` for a value out of range.
They cost a few comparisons per call, never a pass over the elements.
"""
from __future__ import annotations

import numbers

import numpy as np

from autograd_core.utils.checks import _is_int, check_int, check_real, ntuple

__all__ = ["check_real", "check_int", "ntuple", "sizes", "check_dropout_p", "check_floating"]


def sizes(value, name: str) -> tuple[int, ...]:
    """An int or a sequence of ints (each >= 0) as a tuple, e.g. ``normalized_shape``; else a clear error."""
    items = (value,) if _is_int(value) else value
    if not isinstance(items, (tuple, list)) or not all(_is_int(v) for v in items):
        raise TypeError(f"{name} must be an int or a sequence of ints, got {value!r}")
    if any(v < 0 for v in items):
        raise ValueError(f"{name} must not hold negative sizes, got {value!r}")
    return tuple(int(v) for v in items)


def check_dropout_p(p: float, name: str = "dropout probability p") -> None:
    """``TypeError`` unless ``p`` is a number, ``ValueError`` unless it lies in [0, 1]; both name ``p``."""
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(p).__name__} {p!r}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {p}")


def check_floating(name: str, input, error: type = TypeError, **others) -> None:
    """Raise ``error`` naming every dtype unless ``input`` and the ``others`` given (None skipped) share one
    floating dtype.

    PyTorch's layers refuse integer inputs and mixed precisions (``mat1 and mat2 must have the same dtype``)
    rather than promote them. One attribute test when ``input`` alone is floating: it runs on every forward.
    """
    kind = input.dtype.kind
    if kind == "f" and not others:
        return
    given = [("input", input.dtype)] + [(k, t.dtype) for k, t in others.items() if t is not None]
    if kind != "f" or any(d != input.dtype for _, d in given[1:]):
        listed = ", ".join(f"{k} ({d})" for k, d in given)
        raise error(f"{name}: {listed} must have {'one floating dtype' if len(given) > 1 else 'a floating dtype'}")
