"""Thread-local switches: whether operations record the graph, and anomaly detection.

``no_grad``/``enable_grad`` work as context managers and decorators, like PyTorch's. The
state lives in a ``threading.local`` so one thread's ``no_grad`` never affects another.
"""
from __future__ import annotations

import functools
import threading


class _State(threading.local):
    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.annotate = False  # anomaly mode or scope recording: nodes then carry extra annotations
        self.recording_scopes = False
        self.scope: tuple = ()


state = _State()


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad record the graph."""
    return state.grad_enabled


class _GradModeContext:
    """Base of the grad-mode context managers; usable as a decorator too, with or without
    parentheses (``@no_grad()`` and ``@no_grad``)."""

    mode: bool

    def __new__(cls, *args, **kwargs):
        if cls._bare_decorator and len(args) == 1 and callable(args[0]) and not kwargs:
            return cls()(args[0])  # used as ``@no_grad`` without parentheses
        return super().__new__(cls)

    _bare_decorator = True

    def __enter__(self) -> None:
        self._prev = state.grad_enabled
        state.grad_enabled = self.mode

    def __exit__(self, *exc) -> None:
        state.grad_enabled = self._prev

    def _fresh(self) -> "_GradModeContext":
        """A new context with the same settings (each call of a decorated function gets its own)."""
        return self.__class__()

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self._fresh():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Operations inside run without recording the graph (inference, optimizer updates)."""

    mode = False


class enable_grad(_GradModeContext):
    """Re-enable graph recording inside a ``no_grad`` block."""

    mode = True


class inference_mode(_GradModeContext):
    """PyTorch's ``inference_mode(mode=True)``: like ``no_grad`` (no graph is recorded) when ``mode``."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = not mode

    def _fresh(self) -> "inference_mode":
        return inference_mode(not self.mode)


class set_grad_enabled(_GradModeContext):
    """Set graph recording on or off: immediately when called (``set_grad_enabled(False)`` as a plain
    statement switches the mode, as in PyTorch), restored at the end of a ``with`` block; as a
    decorator it applies the mode to each call instead."""

    _bare_decorator = False

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._prev = state.grad_enabled
        state.grad_enabled = self.mode

    def __enter__(self) -> None:
        pass  # the mode was switched when the object was made; __exit__ puts back the previous one

    def _fresh(self) -> "_ScopedMode":
        return _ScopedMode(self.mode)

    def __call__(self, fn):
        state.grad_enabled = self._prev  # decorating must not switch the mode of the decorating code
        return super().__call__(fn)


class _ScopedMode(_GradModeContext):
    """``with`` block setting the grad mode to ``mode`` (what a ``set_grad_enabled`` decorator runs)."""

    def __init__(self, mode: bool) -> None:
        self.mode = mode


def is_inference_mode_enabled() -> bool:
    """True where graph recording is off through ``inference_mode``/``no_grad`` (one mode here)."""
    return not state.grad_enabled


class detect_anomaly:
    """Record where each operation was created and make backward raise at the first NaN/inf.

    The error names the operation whose gradient went non-finite and the source line that
    created it. Costs a stack capture per operation, so use it only to debug.
    """

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        self._prev = state.anomaly
        state.anomaly = self.mode
        _refresh_annotate()

    def __exit__(self, *exc) -> None:
        state.anomaly = self._prev
        _refresh_annotate()


class set_detect_anomaly(detect_anomaly):
    """PyTorch's ``set_detect_anomaly(mode)``: switches anomaly detection immediately; as a context
    manager the previous setting comes back at the end of the block."""

    def __init__(self, mode: bool) -> None:
        super().__init__(mode)
        self._prev = state.anomaly
        state.anomaly = bool(mode)
        _refresh_annotate()

    def __enter__(self) -> None:
        pass


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()``."""
    return state.anomaly


def _refresh_annotate() -> None:
    state.annotate = state.anomaly or state.recording_scopes


class record_scopes:
    """Inside, every recorded node remembers the ``scope`` names active when it was created.

    ``nn`` pushes a module's name with ``scope(name)`` while it runs, so a drawing of the
    graph can group each module's operations (``nn.utils.draw_model``). Off by default: the
    bookkeeping costs nothing unless asked for.
    """

    def __enter__(self) -> None:
        self._prev = state.recording_scopes
        state.recording_scopes = True
        _refresh_annotate()

    def __exit__(self, *exc) -> None:
        state.recording_scopes = self._prev
        _refresh_annotate()


class scope:
    """Push ``name`` onto the current scope path while recording scopes (no-op otherwise)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        self._prev = state.scope
        if state.recording_scopes:
            state.scope = state.scope + (self.name,)

    def __exit__(self, *exc) -> None:
        state.scope = self._prev
