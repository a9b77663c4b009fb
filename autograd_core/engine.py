"""Reverse-mode engine: iterative backward in Kahn order, shared by ``backward`` and ``grad``.

Dependencies are counted with an explicit stack (no recursion, so million-node chains
work), then nodes run once all their consumers have delivered gradients; each pending
gradient is dropped as soon as it is consumed. The engine owns the cross-cutting work:
version checks on saved tensors, summing broadcast gradients back to input shapes,
hooks, ``retain_grad``, anomaly checks and freeing saved values unless ``retain_graph``.
VJPs run under grad mode only with ``create_graph``, which makes gradients differentiable.
"""
from __future__ import annotations

import sys
from typing import Sequence

import numpy as np

from .grad_mode import state
from .node import Node, _modified_error, restore
from .tensor import Tensor, new_tensor

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


def _root_gradient(t: Tensor, gradient) -> Tensor:
    if gradient is None:
        if t.data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs "
                               f"(got an output of shape {t.shape}); pass `gradient`")
        return new_tensor(np.ones_like(t.data))
    g = gradient if isinstance(gradient, Tensor) else Tensor(gradient, dtype=t.dtype)
    if g.shape != t.shape:
        raise ValueError(f"gradient has shape {g.shape} but the output has shape {t.shape}; they must match")
    return g


def _count_dependencies(roots: Sequence) -> dict:
    """Number of consumers of every node and leaf reachable from ``roots``."""
    deps = dict.fromkeys(roots, 0)
    stack = [r for r in deps if type(r) is Node]
    while stack:
        node = stack.pop()
        for p in node.parents:
            if p is None:
                continue
            if p in deps:
                deps[p] += 1
            else:
                deps[p] = 1
                if type(p) is Node:
                    stack.append(p)
    return deps


def _leading_to(roots: Sequence, targets: dict) -> set:
    """The edges from which some edge in ``targets`` is reachable (post-order walk, no recursion).

    ``grad()`` computes VJPs only into these, so branches that cannot reach its inputs cost nothing.
    """
    needed: set = set()
    seen: set = set()
    stack = [(r, False) for r in roots]
    while stack:
        edge, finished = stack.pop()
        if finished:
            if edge in targets or any(p in needed for p in edge.parents if p is not None):
                needed.add(edge)
            continue
        if edge in seen:
            continue
        seen.add(edge)
        if type(edge) is not Node:
            if edge in targets:
                needed.add(edge)
            continue
        stack.append((edge, True))  # finished after all its parents (a DAG has no path back)
        stack.extend((p, False) for p in edge.parents if p is not None and p not in seen)
    return needed


def _saved_values(node: Node) -> tuple:
    """The node's saved values as the VJPs expect them, after checking none was modified in place."""
    saved = node.saved
    if saved is None:
        raise RuntimeError(_FREED_MESSAGE)
    plan = node.prim.save_plan
    if plan is None:  # a user Function: values as saved, tensors stamped with their versions
        for value, version in zip(saved, node.versions):
            if version is not None and value._owner()._version != version:
                raise _modified_error(node, value.shape, value._owner()._version, version)
        return saved
    restored = []
    for (kind, i), value, version in zip(plan, saved, node.versions):
        if kind == "in":
            value = restore(value, node.parents[i], version, node)
        elif kind == "out":
            if node.memory_owner._version != version:
                raise RuntimeError(f"the output of {node.name} was modified by an in-place operation "
                                   "but is needed for gradient computation")
            value = new_tensor(node.out, node)
        elif kind == "all":
            value = tuple(restore(v, p, ver, node) for v, p, ver in zip(value, node.parents, version))
        restored.append(value)
    return restored


def _fit_gradient(node: Node, g, parent) -> Tensor:
    """Check the gradient for one input and sum it back to that input's shape if broadcast."""
    if not isinstance(g, Tensor):
        g = new_tensor(np.asarray(g))
    shape, dtype = (parent.shape, parent.dtype) if type(parent) is Node else (parent.data.shape, parent.data.dtype)
    if g.data.shape != shape:
        if node.prim.broadcasts and _sums_to(g.data.shape, shape):
            g = _ops.sum_to(g, shape)
        else:
            raise ValueError(f"{node.name} returned a gradient of shape {g.data.shape} for an input of "
                             f"shape {shape}")
    if g.data.dtype != dtype:
        g = _ops.astype(g, dtype)
    if state.anomaly and not np.all(np.isfinite(g.data)):
        site = node.stack or "<not recorded: created outside detect_anomaly>"
        raise RuntimeError(f"Function '{node.name}' returned nan or inf values in its gradient; "
                           f"the operation was created at {site}")
    return g


def _sums_to(gshape: tuple, shape: tuple) -> bool:
    """True when ``shape`` broadcasts to ``gshape`` (so summing recovers it)."""
    if len(shape) > len(gshape):
        return False
    return all(s == 1 or s == g for s, g in zip(shape[::-1], gshape[::-1]))


def _run_hooks(hooks, g: Tensor) -> Tensor:
    for hook in hooks:
        result = hook(g)
        if result is not None:
            g = result if isinstance(result, Tensor) else new_tensor(np.asarray(result))
    return g


def _accumulate(t: Tensor, g: Tensor, create_graph: bool) -> None:
    """Add ``g`` into ``t.grad``. A first gradient is stored as is only when nothing else can
    reach it (its own array, referenced only here), like PyTorch's AccumulateGrad; otherwise it
    is copied, so a later in-place change of one ``.grad`` can never alter another."""
    if t.grad is None:
        if create_graph:
            t.grad = g
        elif g.data.base is None and sys.getrefcount(g) <= _SOLE_TENSOR_REFS and sys.getrefcount(g.data) <= 2:
            t.grad = g
        else:
            t.grad = new_tensor(np.array(g.data, copy=True))
    else:
        t.grad = t.grad + g


# References to a gradient tensor that only the engine's loop holds: its local variable, the
# argument of ``_accumulate`` and the argument of ``sys.getrefcount``.
_SOLE_TENSOR_REFS = 3


def run_backward(roots: Sequence[Tensor], grads: Sequence[Tensor], retain_graph: bool,
                 create_graph: bool, capture: dict | None = None) -> None:
    """Propagate ``grads`` from ``roots`` through the graph.

    Leaves that require grad accumulate into ``.grad``, unless ``capture`` is given: then the
    total gradient of every edge (node or leaf) in ``capture`` is stored there instead and no
    ``.grad`` is touched (``autograd_core.grad``).
    """
    edges = [t.grad_fn if t.grad_fn is not None else t for t in roots]
    deps = _count_dependencies(edges)
    needed = None if capture is None else _leading_to(edges, capture)
    pending: dict = {}
    for e, g in zip(edges, grads):
        pending[e] = pending[e] + g if e in pending else g
    ready = [e for e in dict.fromkeys(edges) if deps[e] == 0]
    prev_mode = state.grad_enabled
    state.grad_enabled = create_graph
    try:
        while ready:
            edge = ready.pop()
            g = pending.pop(edge, None)
            if type(edge) is not Node:  # a leaf
                if g is None:
                    continue
                if edge._hooks:
                    g = _run_hooks(edge._hooks, g)
                if capture is None:
                    _accumulate(edge, g, create_graph)
                elif edge in capture:
                    capture[edge] = g
                continue
            node = edge
            if g is not None:
                extra = node.extra
                if extra is not None:
                    if extra.hooks:
                        g = _run_hooks(extra.hooks, g)
                    if extra.retained is not None and capture is None:
                        t = extra.retained()
                        if t is not None:
                            _accumulate(t, g, create_graph)
                if capture is not None and node in capture:
                    capture[node] = g
                saved = _saved_values(node)
                vjps = node.prim.vjp
                params = node.params
            for i, parent in enumerate(node.parents):
                if parent is None:
                    continue
                if g is not None and (needed is None or parent in needed):
                    gi = vjps[i](g, *saved, **params)
                    if gi is not None:
                        gi = _fit_gradient(node, gi, parent)
                        pending[parent] = pending[parent] + gi if parent in pending else gi
                        gi = None  # the pending entry is then its only holder (see _accumulate)
                left = deps[parent] - 1
                deps[parent] = left
                if left == 0:
                    ready.append(parent)
            if g is not None and not retain_graph:
                node.saved = node.versions = node.out = None
    finally:
        state.grad_enabled = prev_mode


def backward(tensor: Tensor, gradient=None, retain_graph: bool = False, create_graph: bool = False) -> None:
    """``Tensor.backward``: accumulate gradients of ``tensor`` into the leaves' ``.grad``."""
    if not tensor.requires_grad:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    run_backward([tensor], [_root_gradient(tensor, gradient)], retain_graph or create_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, returned without touching ``.grad``."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad_outputs has {len(grad_outputs)} entries for {len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"input {i} of grad() does not require grad")
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            raise RuntimeError(f"output {i} of grad() does not require grad and does not have a grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    capture = {(t.grad_fn if t.grad_fn is not None else t): None for t in inputs}
    grads = [_root_gradient(t, g) for t, g in zip(outputs, grad_outputs)]
    run_backward(outputs, grads, retain_graph, create_graph, capture)
    result = []
    for i, t in enumerate(inputs):
        g = capture[t.grad_fn if t.grad_fn is not None else t]
        if g is None and not allow_unused:
            raise RuntimeError(f"input {i} (shape {t.shape}) was not used in the graph of the outputs; "
                               "pass allow_unused=True to get None for it")
        result.append(g)
    return tuple(result)


from . import ops as _ops  # noqa: E402
