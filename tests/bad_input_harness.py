"""Run a bad input through our library and through PyTorch and judge the two outcomes (PyTorch's ``error_inputs`` idea).

An outcome is a result or an exception. Ours must be clean on its own: an exception of a public, meaningful
type whose message names the offending argument, shape or dtype (one of the case's ``names``), never an
internal one (``AttributeError``, ``KeyError``, ``ZeroDivisionError``, a numpy broadcasting message...). With
PyTorch at hand the two must agree: equal results (values, shapes and dtypes), or both an exception of a
compatible type. PyTorch raises ``RuntimeError`` from its C++ checks for what Python calls a bad value, shape or
type; our convention (README, "Bad inputs") is the Python type, so its ``RuntimeError`` accepts our
``ValueError``/``TypeError``/``IndexError``, and its ``NotImplementedError`` for a dtype without a kernel our
``TypeError``. PyTorch's own ``AssertionError``/``ZeroDivisionError`` (Python checks inside a few of its
constructors) accept our ``ValueError``, its ``AttributeError`` (it tripped over an object of the wrong type)
our ``TypeError``. A case may accept more (``also``), and a record may declare cases where we refuse what
PyTorch accepts (``stricter``) or accept what it refuses (``lenient``), each with its reason.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

from autograd_core import Tensor

_COMPATIBLE = {RuntimeError: (RuntimeError, ValueError, TypeError, IndexError),
               NotImplementedError: (NotImplementedError, TypeError),
               AssertionError: (ValueError,), ZeroDivisionError: (ValueError,), AttributeError: (TypeError,)}
_PUBLIC = (ValueError, TypeError, IndexError, RuntimeError, NotImplementedError)
# numpy's own words, which would mean a check is missing and numpy tripped over the input instead
_NUMPY_WORDS = ("could not be broadcast", "operands could not", "broadcast input array", "ufunc", "numpy boolean",
                "cannot reshape array", "object has no attribute", "index out of range", "unsupported operand",
                "not supported between instances", "negative dimensions are not allowed",
                "cannot be interpreted as an integer")


class Raised:
    """The exception an outcome raised (kept apart from results so ``None`` can be a result)."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __repr__(self) -> str:
        return f"{type(self.error).__name__}: {self.error}"


def outcome(run: Callable[[], Any]) -> Any:
    """``run()``'s result, or ``Raised`` holding its exception (warnings silenced: PyTorch warns on some cases)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return run()
        except Exception as e:  # noqa: BLE001 - judging the exception is the point
            return Raised(e)


def check_clean(ours: Any, names: tuple[str, ...], case: str, also: tuple = ()) -> None:
    """Our outcome alone: a result, or a public exception (or one of ``also``) whose message names one of ``names``."""
    if not isinstance(ours, Raised):
        return
    error, text = ours.error, str(ours.error)
    assert isinstance(error, _PUBLIC + tuple(also)), f"{case}: obscure exception {ours!r}"
    assert not any(w in text for w in _NUMPY_WORDS), f"{case}: numpy's message leaked out: {ours!r}"
    assert any(n.lower() in text.lower() for n in names), f"{case}: the message names none of {names}: {ours!r}"


def _leaves(value: Any) -> list:
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _array(value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "detach"):  # a torch tensor
        return value.detach().numpy()
    return np.asarray(value)


def check_same(ours: Any, theirs: Any, case: str, also: tuple = (), stricter: str | None = None,
               lenient: str | None = None) -> None:
    """Both outcomes agree: results equal to float32 round-off with equal shapes and dtypes, or compatible errors.

    ``also`` are further exception types accepted for PyTorch's; ``stricter`` (a reason) lets us raise where
    PyTorch returns a result, ``lenient`` (a reason) return a result where PyTorch raises."""
    if isinstance(theirs, Raised):
        if lenient is not None and not isinstance(ours, Raised):
            return
        assert isinstance(ours, Raised), f"{case}: PyTorch raises {theirs!r}, we return a result"
        accepted = _COMPATIBLE.get(type(theirs.error), (type(theirs.error),)) + tuple(also)
        assert isinstance(ours.error, accepted), f"{case}: PyTorch raises {theirs!r}, we raise {ours!r}"
        return
    if stricter is not None and isinstance(ours, Raised):
        return
    assert not isinstance(ours, Raised), f"{case}: PyTorch returns a result, we raise {ours!r}"
    mine, refs = _leaves(ours), _leaves(theirs)
    assert len(mine) == len(refs), f"{case}: {len(mine)} outputs, PyTorch has {len(refs)}"
    for a, b in zip(mine, refs):
        if a is None or b is None:
            assert a is None and b is None, f"{case}: {a!r} against PyTorch's {b!r}"
            continue
        a, b = _array(a), _array(b)
        assert a.shape == b.shape, f"{case}: shape {a.shape}, PyTorch's {b.shape}"
        assert a.dtype == b.dtype, f"{case}: dtype {a.dtype}, PyTorch's {b.dtype}"
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5, err_msg=case)  # gradients of sums cancel to ~1e-6


def judge(ours: Any, theirs: Any, names: tuple[str, ...], case: str, have_torch: bool, also: tuple = (),
          stricter: str | None = None, lenient: str | None = None) -> None:
    """``check_clean`` always, ``check_same`` when PyTorch ran."""
    check_clean(ours, names, case, also)
    if have_torch:
        check_same(ours, theirs, case, also, stricter, lenient)
