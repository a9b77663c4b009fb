"""The ``Optimizer`` base: parameter groups, per-parameter state, the step template and checkpoints.

The base class owns everything that is not update math (DeZero's ``update``/``update_one`` split):
it loops over the groups and over the parameters that have a gradient, applies ``maximize`` and
weight decay (coupled L2 or decoupled, in one place) and hands the update a read-only gradient,
creates each parameter's state on first use and runs the subclass's ``_update`` under ``no_grad``.
State is keyed by the parameter object itself (a ``Tensor`` hashes by identity), and ``state_dict``
refers to parameters by their position, as PyTorch does, so a checkpoint can be loaded into a fresh
optimizer over new parameter objects. Updates write the parameters' storage in place and bump their
version counters; scratch arrays are reused between steps, so a step allocates nothing beyond what a
formula needs."""
from __future__ import annotations

import copy
from itertools import chain
from typing import Any, Callable, Iterable

import numpy as np

from autograd_core import Tensor, enable_grad, no_grad
from autograd_core.engine import reset_grads
from autograd_core.utils.checks import check_real


def as_pair(value: Any, name: str) -> tuple:
    """``value`` as a tuple of two reals, or ``TypeError`` naming the hyper-parameter (e.g. ``betas=0.9``)."""
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{name} must be a pair of numbers, got {type(value).__name__} {value!r}")
    if len(value) != 2:
        raise ValueError(f"{name} must be a pair ({name[:-1]}1, {name[:-1]}2), got {value!r}")
    for i, v in enumerate(value):
        check_real(v, f"{name}[{i}]")
    return tuple(value)


def check_nonnegative(group: dict, *names: str) -> None:
    """Raise ``ValueError`` naming the value when any of ``group[name]`` is negative (or NaN); ``TypeError``
    when it is not a number."""
    for name in names:
        value = group[name]
        check_real(value, name)
        if not value >= 0:
            raise ValueError(f"Invalid {name} value: {value!r} (must be >= 0)")


def check_unit_interval(value: float, what: str, closed: bool = False) -> None:
    """Raise ``ValueError`` unless ``0 <= value < 1`` (``<= 1`` when ``closed``); ``TypeError`` for a non-number."""
    check_real(value, what)
    if not (0.0 <= value <= 1.0 if closed else 0.0 <= value < 1.0):
        raise ValueError(f"Invalid {what}: {value!r} (must be in [0, {'1]' if closed else '1)'})")


class Optimizer:
    """Base class: subclasses give ``defaults`` and implement ``_init_state`` and ``_update``.

    ``params`` is an iterable of Tensors or of dicts ``{"params": [...], **hyper_parameters}``;
    hyper-parameters missing from a group are taken from ``defaults``.
    """

    def __init__(self, params: Iterable, defaults: dict) -> None:
        if isinstance(params, Tensor):
            raise TypeError("params must be an iterable of Tensors or dicts, got a Tensor")
        if isinstance(params, (set, frozenset)):
            raise TypeError("params must be an ordered sequence of Tensors or dicts, not a set (its order, and so "
                            "the state_dict, would be arbitrary)")
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict] = {}
        self.param_groups: list[dict] = []
        self._scratch_arrays: dict[tuple, np.ndarray] = {}
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {value}" for key, value in sorted(group.items()) if key != "params"]
        return "\n".join(lines + [")"])

    # ----------------------------------------------------------------- groups
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyper-parameters (missing ones from ``defaults``)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)) or params is None:
            raise TypeError("parameters must be given as an ordered sequence of Tensors, not a set or None")
        params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter group contains the same parameter more than once")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group["params"] = params
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        check_nonnegative(group, "lr")
        self._validate(group)
        self.param_groups.append(group)

    def _validate(self, group: dict) -> None:
        """Raise ``ValueError`` on an invalid hyper-parameter of ``group`` (subclasses extend)."""

    # ----------------------------------------------------------------- stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients: drop them (default) or zero them in place (as ``Module.zero_grad``)."""
        reset_grads(chain.from_iterable(g["params"] for g in self.param_groups), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter with a gradient; ``closure`` re-evaluates and returns the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state.get(p)
                    if state is None:
                        state = self.state[p] = self._init_state(p, group)
                    self._update(p, self._gradient(p, group), state, group)
        return loss

    def _gradient(self, p: Tensor, group: dict) -> np.ndarray:
        """All weight-decay handling, then the read-only gradient the update rule sees.

        Decoupled decay (``decoupled_weight_decay=True`` in the group, AdamW's rule) shrinks the
        parameter, ``p ← p·(1 − lr·weight_decay)``; otherwise decay is L2, ``g + weight_decay·p``.
        The gradient is negated when maximizing.
        """
        g = p.grad.data
        decay = group.get("weight_decay", 0)
        maximize = group.get("maximize", False)
        if decay and group.get("decoupled_weight_decay", False):
            p.mul_(1 - group["lr"] * decay)
        elif decay:
            out = np.multiply(p.data, decay, out=self._scratch(g, 0))
            g = np.subtract(out, g, out=out) if maximize else np.add(out, g, out=out)
            maximize = False
        if maximize:
            g = np.negative(g, out=self._scratch(g, 0))
        g = g.view()
        g.flags.writeable = False
        return g

    def _scratch(self, like: np.ndarray, slot: int) -> np.ndarray:
        """A reusable work array shaped like ``like``; slot 0 holds the gradient, 1 and 2 the update.

        One flat buffer per slot and dtype, as large as the largest parameter, so the scratch memory
        never exceeds three parameters' worth however many parameters there are.
        """
        key = (slot, like.dtype)
        flat = self._scratch_arrays.get(key)
        if flat is None or flat.size < like.size:
            flat = self._scratch_arrays[key] = np.empty(like.size, like.dtype)
        return flat[:like.size].reshape(like.shape)

    def _init_state(self, p: Tensor, group: dict) -> dict:
        """The state of ``p`` before its first update."""
        return {}

    def _update(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        """Apply one update to ``p`` in place, given its gradient ``g`` after weight decay and ``maximize``.

        ``g`` is read-only and may be a scratch buffer that the next step overwrites: copy it to keep
        it in ``state``. Work arrays come from ``self._scratch(g, 1)`` and ``self._scratch(g, 2)``.
        """
        raise NotImplementedError

    # ----------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``, arrays copied."""
        index = {id(p): i for i, p in enumerate(chain.from_iterable(g["params"] for g in self.param_groups))}
        groups = [{**{k: copy.deepcopy(v) for k, v in g.items() if k != "params"},
                   "params": [index[id(p)] for p in g["params"]]} for g in self.param_groups]
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and state saved by ``state_dict`` (groups must match in size)."""
        missing = [k for k in ("state", "param_groups") if k not in state_dict]
        if missing:
            raise ValueError(f"optimizer state dict is missing {', '.join(missing)}")
        saved = state_dict["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(saved)} parameter groups, "
                             f"the optimizer has {len(self.param_groups)}")
        for i, (mine, theirs) in enumerate(zip(self.param_groups, saved)):
            if len(mine["params"]) != len(theirs["params"]):
                raise ValueError(f"parameter group {i} has {len(mine['params'])} parameters, "
                                 f"the loaded state dict has {len(theirs['params'])}")
        by_index = {int(i): p for g_mine, g_saved in zip(self.param_groups, saved)
                    for i, p in zip(g_saved["params"], g_mine["params"])}
        self.state = {by_index[int(i)]: {k: _cast_like(v, by_index[int(i)]) for k, v in s.items()}
                      for i, s in state_dict["state"].items()}
        self.param_groups = [{**{k: copy.deepcopy(v) for k, v in theirs.items() if k != "params"},
                              "params": mine["params"]} for mine, theirs in zip(self.param_groups, saved)]


def _cast_like(value: Any, p: Tensor) -> Any:
    """A copy of a state entry; floating arrays take the parameter's dtype, as PyTorch casts them."""
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, np.ndarray):
        return value.astype(p.dtype) if np.issubdtype(value.dtype, np.floating) else value.copy()
    return copy.deepcopy(value)
