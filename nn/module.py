"""``Module`` and ``Parameter``: the bookkeeping every layer shares, mirroring ``torch.nn.Module``.

A ``Module`` registers the ``Parameter``s, buffers and sub-modules assigned to its attributes
in insertion-ordered dicts, so iteration order, ``state_dict`` keys and optimizer trajectories
are deterministic. Parameter names for graph drawing are stamped when a tensor is assigned
(``"weight"``) and re-stamped with the full dotted path (``"0.weight"``) each time a module is
attached to a parent, so the outermost model's names win.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping, NamedTuple

import numpy as np

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.tensor import data_of
from autograd_core.device import is_device_spec
from autograd_core.engine import reset_grads
from autograd_core.grad_mode import state as _grad_state


def _shape(value: Any) -> tuple:
    """Shape of a state_dict value: a Tensor, an ndarray or anything numpy can read."""
    return value.shape if isinstance(value, Tensor) else tuple(np.shape(value))


class Parameter(Tensor):
    """A Tensor that a ``Module`` registers as learnable; requires grad by default.

    It shares the given data (a Tensor's array or an ndarray) rather than copying it, like
    ``torch.nn.Parameter``.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        super().__init__(np.empty(0, ag.get_default_dtype()) if data is None else data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped: model keys absent from the dict, and dict keys unused."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and model: call it to run ``forward``.

    Attributes holding a ``Parameter``, a registered buffer or a ``Module`` are stored in the
    ordered ``_parameters``, ``_buffers`` and ``_modules`` dicts and found again by
    ``__getattr__``; any other missing attribute raises ``AttributeError`` naming it.
    """

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())  # membership only; order comes from _buffers
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_scope", type(self).__name__)  # cluster label in draw_model; see add_module

    def forward(self, *args, **kwargs):
        """The computation; subclasses override it."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def __call__(self, *args, **kwargs):
        # The scope lets draw_model cluster this module's operations. Unless scopes are being recorded the
        # context manager would do nothing, so it is skipped: an object and two calls per module call.
        if not _grad_state.recording_scopes:
            return self.forward(*args, **kwargs)
        with ag.scope(self._scope):
            return self.forward(*args, **kwargs)

    # ----------------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"call Module.__init__() in {type(self).__name__}.__init__ before assigning '{name}'")
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, Parameter):
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self.add_module(name, value)
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to parameter '{name}' "
                                "(use nn.Parameter or None)")
            params[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} to buffer '{name}' (use a Tensor or None)")
            buffers[name] = value
            if value is not None:
                value.name = name
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to sub-module '{name}' (use a Module or None)")
            modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails: registered members live in the three dicts.
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            members = d.get(store)
            if members is not None and name in members:
                return members[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if any(name in members for members in (self._parameters, self._buffers, self._modules)):
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def _forget(self, name: str) -> None:
        """Drop ``name`` from every registry and the instance dict (before it is registered anew)."""
        for members in (self._parameters, self._buffers, self._modules):
            members.pop(name, None)
        self._non_persistent.discard(name)
        self.__dict__.pop(name, None)

    def _check_name(self, name: str) -> None:
        if not isinstance(name, str):  # PyTorch's types: TypeError for a non-string, KeyError for a bad string
            raise TypeError(f"member name must be a string, got {type(name).__name__} {name!r}")
        if not name or "." in name:
            raise KeyError(f"member name must be a non-empty string without '.', got {name!r}")

    def _register(self, store: dict, name: str, value: Tensor | None, cls: type, what: str, hint: str) -> None:
        """Store a parameter or buffer (None declares it absent) and stamp its graph name."""
        self._check_name(name)
        if value is not None and not isinstance(value, cls):
            raise TypeError(f"cannot register {type(value).__name__} as {what} '{name}' (use {hint})")
        self._forget(name)
        store[name] = value
        if value is not None:
            value.name = name

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or None, a declared but absent parameter) under ``name``."""
        self._register(self._parameters, name, param, Parameter, "parameter", "nn.Parameter")

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a non-learnable tensor (e.g. running statistics) saved in ``state_dict`` when persistent."""
        self._register(self._buffers, name, tensor, Tensor, "buffer", "a Tensor or None")
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register a sub-module under ``name``; prefix its tensors' graph names and label its scope with it.

        The scope label (``"0: Linear"``) keeps sibling modules of one class in separate clusters.
        """
        self._check_name(name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module")
        self._forget(name)
        self._modules[name] = module
        if module is not None:
            object.__setattr__(module, "_scope", f"{name}: {type(module).__name__}")
            for sub, t in (*module.named_parameters(), *module.named_buffers()):
                t.name = f"{name}.{sub}"

    # ----------------------------------------------------------------- traversal
    def named_modules(self, prefix: str = "", remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """``(dotted name, module)`` for this module and every descendant, depth first; a shared module once."""
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate and id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{k}" if name else k, m) for k, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and every descendant."""
        return (m for _, m in self.named_modules())

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` of the direct sub-modules."""
        return ((k, m) for k, m in self._modules.items() if m is not None)

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        return (m for _, m in self.named_children())

    def _named_members(self, store: str, prefix: str, recurse: bool) -> Iterator[tuple[str, Tensor]]:
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mod_name, module in modules:
            for k, t in getattr(module, store).items():
                if t is None or id(t) in seen:
                    continue
                seen.add(id(t))
                yield (f"{mod_name}.{k}" if mod_name else k), t

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs in registration order; shared parameters appear once."""
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The parameters in registration order."""
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """``(dotted name, buffer)`` pairs in registration order."""
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """The buffers in registration order."""
        return (b for _, b in self.named_buffers(recurse=recurse))

    def num_parameters(self, trainable_only: bool = False) -> int:
        """Total number of parameter elements (only those requiring grad if ``trainable_only``)."""
        return sum(p.data.size for p in self.parameters() if p.requires_grad or not trainable_only)

    # ----------------------------------------------------------------- modes and utilities
    def train(self, mode: bool = True) -> Module:
        """Set training mode (batch statistics, active dropout) on this module and its descendants."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Set evaluation mode: same as ``train(False)``."""
        return self.train(False)

    def to(self, *args, dtype=None, device=None, non_blocking: bool = False) -> Module:
        """PyTorch's ``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(tensor)``: cast every floating
        parameter, gradient and buffer in place (the objects stay the same); the only device is the CPU."""
        probe = ag.tensor(0.0).to(*args, dtype=dtype, device=device)  # validates a device as Tensor.to does
        if dtype is None and all(is_device_spec(a) for a in args):
            return self
        dtype = probe.dtype
        if dtype.kind != "f":
            raise TypeError(f"Module.to needs a floating dtype, got {dtype}")
        for t in (*self.parameters(), *self.buffers()):
            if t.data.dtype.kind == "f":
                t.data = t.data.astype(dtype)
                t._version += 1
                if t.grad is not None:
                    t.grad = Tensor(t.grad.data.astype(dtype))
        return self

    def double(self) -> Module:
        """Cast floating parameters and buffers to float64."""
        return self.to(np.float64)

    def float(self) -> Module:
        """Cast floating parameters and buffers to float32."""
        return self.to(np.float32)

    def half(self) -> Module:
        """Cast floating parameters and buffers to float16."""
        return self.to(np.float16)

    def cpu(self) -> Module:
        """The module itself: everything already lives on the CPU."""
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch gradient tracking of every parameter on or off (e.g. to freeze a sub-network)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: drop it (default) or zero it in place (as the optimizers do)."""
        reset_grads(self.parameters(), set_to_none)

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every descendant and then on this module (children first, like PyTorch)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----------------------------------------------------------------- state
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and persistent buffer as ndarrays, keyed by dotted name."""
        return {k: t.data.copy() for k, t in self._state_tensors().items()}

    def load_state_dict(self, state_dict: dict, strict: bool = True) -> IncompatibleKeys:
        """Copy values into the existing tensors in place; returns ``(missing_keys, unexpected_keys)``.

        With ``strict`` every missing key, unexpected key and shape mismatch is reported in one
        ``RuntimeError`` and nothing is loaded. Shape mismatches always raise.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict expects a mapping of names to arrays, got {type(state_dict).__name__}")
        own = self._state_tensors()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        mismatched = [f"{k}: checkpoint {_shape(state_dict[k])} vs model {own[k].shape}"
                      for k in own if k in state_dict and _shape(state_dict[k]) != own[k].shape]
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if mismatched:
            problems.append("shape mismatches: " + "; ".join(mismatched))
        if problems:
            raise RuntimeError(f"error loading state_dict into {type(self).__name__}:\n  " + "\n  ".join(problems))
        with ag.no_grad():
            for k, t in own.items():
                if k in state_dict:
                    value = state_dict[k]
                    t.copy_(np.asarray(data_of(value)))
        return IncompatibleKeys(missing, unexpected)

    def _state_tensors(self) -> dict[str, Tensor]:
        """Every parameter and persistent buffer by dotted name; a shared module appears under each of its names."""
        out = {}
        for mod_name, module in self.named_modules(remove_duplicate=False):
            pre = f"{mod_name}." if mod_name else ""
            out.update((pre + k, p) for k, p in module._parameters.items() if p is not None)
            out.update((pre + k, b) for k, b in module._buffers.items()
                       if b is not None and k not in module._non_persistent)
        return out

    # ----------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in ``repr``; layers override it."""
        return ""

    def __repr__(self) -> str:
        lines = [f"({k}): " + repr(m).replace("\n", "\n  ") for k, m in self._modules.items()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = ([extra] if extra else []) + lines
        return f"{type(self).__name__}(\n  " + "\n  ".join(body) + "\n)"
