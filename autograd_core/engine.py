"""Reverse-mode engine: iterative backward in reverse creation order, shared by ``backward`` and ``grad``.

Nodes wait in a heap keyed by their creation number and run newest first (no recursion, so
million-node chains work): every consumer of a node was created after it, so by its turn all
of them have delivered and its summed gradient is complete, with no pass that counts consumers
beforehand. Leaves accumulate once every node has run; each pending gradient is dropped as soon
as it is consumed. The engine owns the cross-cutting work:
version checks on saved tensors, summing broadcast gradients back to input shapes,
hooks, ``retain_grad``, anomaly checks and freeing saved values unless ``retain_graph``.
VJPs run under grad mode only with ``create_graph``, which makes gradients differentiable.
"""
from __future__ import annotations

import gc
import threading
from heapq import heappop, heappush
from typing import Sequence

import numpy as np

from .grad_mode import state
from .node import _ABSENT, _FRESH_OUT, Node, restore
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


def _edges_of(node: Node) -> tuple:
    """The node's inputs in order, with None for the constants (inputs without grad)."""
    a, b = node.a, node.b
    a = a if type(a) is Node or isinstance(a, Tensor) else None
    if b is _ABSENT:
        return (a,)
    b = b if type(b) is Node or isinstance(b, Tensor) else None
    if node.rest is None:
        return (a, b)
    return (a, b) + tuple(p if type(p) is Node or isinstance(p, Tensor) else None for p in node.rest)


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
            if edge in targets or any(p in needed for p in _edges_of(edge) if p is not None):
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
        stack.extend((p, False) for p in _edges_of(edge) if p is not None and p not in seen)
    return needed


def _saved_values(node: Node, edges: tuple, as_arrays: bool) -> list:
    """The node's saved values (not yet freed) as the VJPs expect them (Tensors, or bare arrays for
    ``array_vjp``), after checking none was modified in place."""
    saved = node.saved
    restored = []
    for j, (kind, i) in enumerate(node.prim.save_plan):
        value, version = saved[2 * j], saved[2 * j + 1]
        if kind == "in" or kind == "in_if":
            if version is not None or type(value) is np.ndarray:  # (a saved number or an unsaved None: as is)
                value = restore(value, edges[i], version, node, as_arrays)
        elif kind == "out":
            if node.memory_owner._version != version:
                raise RuntimeError(_modified_output_message(node))
            value = node.out if as_arrays else new_tensor(node.out, node)
        elif kind == "all":
            value = tuple(restore(v, p, ver, node) for v, p, ver in zip(value, edges, version))
        restored.append(value)
    return restored


def _modified_output_message(node: Node) -> str:
    return (f"the output of {node.name} was modified by an in-place operation but is needed for gradient "
            "computation")


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
    if g.data.dtype is not dtype and g.data.dtype != dtype:
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
    """Apply tensor hooks in order; a hook's result replaces the gradient and must look like it."""
    for hook in hooks:
        result = hook(g)
        if result is None:
            continue
        name = getattr(hook, "__qualname__", repr(hook))
        if not isinstance(result, Tensor):
            raise TypeError(f"hook {name} returned a {type(result).__name__}; a hook must return a Tensor "
                            "(or None to keep the gradient)")
        if result.shape != g.shape or result.dtype != g.dtype:
            raise ValueError(f"hook {name} returned a gradient of shape {result.shape} and dtype {result.dtype} "
                             f"for a gradient of shape {g.shape} and dtype {g.dtype}; they must match")
        g = result
    return g


class _Ownership:
    """Which gradient arrays someone outside the engine may hold (roots, hook arguments and results,
    retained and captured gradients) or that already serve as a ``.grad``.

    A leaf's first gradient is stored without a copy only when its array is the engine's own fresh
    result: not a view, not escaped and not stored anywhere yet (PyTorch's AccumulateGrad steals
    only unshared gradients too). Everything else is copied, so ``.grad`` arrays never alias.
    """

    __slots__ = ("ids", "keep", "graph")

    def __init__(self, create_graph: bool) -> None:
        self.graph = create_graph  # gradients that are graph nodes are handed out as they are
        self.ids: set = set()
        self.keep: list = []  # the arrays behind ``ids``, alive so their ids stay unique during backward

    def escape(self, g: Tensor) -> None:
        self.ids.add(id(g.data))
        self.keep.append(g.data)

    def owned(self, g: Tensor) -> Tensor:
        """``g`` itself if the engine may hand it out as a gradient, else a copy; marks it handed out."""
        if self.graph:
            return g
        if g.data.base is not None or id(g.data) in self.ids:
            g = new_tensor(np.array(g.data, copy=True))
        self.escape(g)
        return g


_ACCUMULATE_LOCK = threading.Lock()


def _accumulate(t: Tensor, g: Tensor, owner: _Ownership) -> None:
    """Add ``g`` into ``t.grad`` (thread-safe: concurrent backward calls into one leaf lose nothing)."""
    with _ACCUMULATE_LOCK:
        grad = t.grad
        if grad is None:
            t.grad = owner.owned(g)
        elif owner.graph or grad.requires_grad or not grad.data.flags.writeable:
            t.grad = grad + g
        else:  # in place, as PyTorch: the same .grad tensor keeps accumulating
            np.add(grad.data, g.data, out=grad.data, casting="same_kind")
            grad._bump()


def run_backward(roots: Sequence[Tensor], grads: Sequence[Tensor], retain_graph: bool,
                 create_graph: bool, capture: dict | None = None) -> None:
    """Propagate ``grads`` from ``roots`` through the graph.

    Leaves that require grad accumulate into ``.grad``, unless ``capture`` is given: then the
    total gradient of every edge (node or leaf) in ``capture`` is stored there instead and no
    ``.grad`` is touched (``autograd_core.grad``).
    """
    edges = [t.grad_fn if t.grad_fn is not None else t for t in roots]
    needed = None if capture is None else _leading_to(edges, capture)
    owner = _Ownership(create_graph)
    # Without create_graph the pending gradients are bare arrays: primitives with an ``array_vjp`` take
    # and return them directly, the others get them wrapped; leaves, hooks and captures see Tensors.
    arrays = not create_graph
    # the gradient summed so far for every edge that has received one; its nodes also wait in ``ready``,
    # a heap keyed by -seq (newest first), and the leaves are taken from it after the last node
    pending: dict = {}
    ready: list = []
    for e, g in zip(edges, grads):
        owner.escape(g)
        if arrays:
            g = g.data
        if e in pending:
            pending[e] = _summed(pending[e], g)
        else:
            pending[e] = g
            if type(e) is Node:
                heappush(ready, (-e.seq, e))
    prev_mode = state.grad_enabled
    state.grad_enabled = create_graph
    # The walk creates no reference cycles of its own, so the cyclic collector has nothing to find
    # in what it allocates; pausing it spares full passes over the whole graph (and every other live
    # object of the process). Cycles that user hooks might create are collected after the walk.
    collecting = gc.isenabled()
    gc.disable()
    anomaly = state.anomaly
    try:
        while ready:
            node = heappop(ready)[1]
            g = pending.pop(node)
            if node.extra is not None or capture is not None:
                g = _observed(node, new_tensor(g) if arrays else g, owner, capture)
                if arrays:
                    g = g.data
            saved = node.saved
            if saved is None:
                raise RuntimeError(_FREED_MESSAGE)
            prim = node.prim
            on_arrays = arrays and prim.array_vjp is not None
            parents = _edges_of(node)
            if saved is _FRESH_OUT:  # only the output, as it was: the common case of _saved_values, inline
                if node._version:
                    raise RuntimeError(_modified_output_message(node))
                saved = (node.out,) if on_arrays else (new_tensor(node.out, node),)
            elif saved:
                saved = _saved_values(node, parents, on_arrays)
            if on_arrays:
                vjps = prim.array_vjp
            else:
                vjps = prim.vjp
                if arrays:
                    g = new_tensor(g)
            params = node.params
            for i, parent in enumerate(parents):
                if parent is None or (needed is not None and parent not in needed):
                    continue
                gi = vjps[i](g, *saved, **params)
                if gi is None:
                    continue
                if type(parent) is Node:
                    shape, dtype = parent.shape, parent.dtype
                else:
                    shape, dtype = parent.data.shape, parent.data.dtype
                # the common case inline: a result of the input's shape and dtype
                if arrays:
                    if type(gi) is not np.ndarray:
                        gi = gi.data if isinstance(gi, Tensor) else np.asarray(gi)
                    if gi.shape != shape or gi.dtype is not dtype or anomaly:
                        gi = _fit_gradient(node, new_tensor(gi), parent).data
                elif type(gi) is not Tensor or gi.data.shape != shape or gi.data.dtype is not dtype or anomaly:
                    gi = _fit_gradient(node, gi, parent)
                prev = pending.get(parent)
                if prev is not None:
                    pending[parent] = _summed(prev, gi)
                else:
                    pending[parent] = gi
                    if type(parent) is Node:
                        heappush(ready, (-parent.seq, parent))
            if not retain_graph:
                node.saved = node.out = None
        for leaf, g in pending.items():  # only leaves are left, each with its total gradient
            if arrays:
                g = new_tensor(g)
            if leaf._hooks:
                g = _hooked(leaf._hooks, g, owner)
            if capture is None:
                _accumulate(leaf, g, owner)
            elif leaf in capture:
                capture[leaf] = owner.owned(g)
    finally:
        state.grad_enabled = prev_mode
        if collecting:
            gc.enable()


def _summed(a, b):
    """The sum of two gradients for one edge (numpy answers a sum of 0-d arrays with a scalar: kept an array)."""
    total = a + b
    return np.asarray(total) if isinstance(total, np.generic) else total


def _observed(node: Node, g: Tensor, owner: _Ownership, capture: dict | None) -> Tensor:
    """The gradient reaching ``node`` after its hooks, handed to its ``retain_grad`` tensor and to ``capture``."""
    extra = node.extra
    if extra is not None:
        if extra.hooks:
            g = _hooked(extra.hooks, g, owner)
        if extra.retained is not None and capture is None:
            t = extra.retained()
            if t is not None:
                _accumulate(t, g, owner)
    if capture is not None and node in capture:
        capture[node] = owner.owned(g)
    return g


def _hooked(hooks, g: Tensor, owner: _Ownership) -> Tensor:
    """Run hooks on ``g``; what a hook saw or returned may be held by user code from then on."""
    owner.escape(g)
    g = _run_hooks(hooks, g)
    owner.escape(g)
    return g


def backward(tensor: Tensor, gradient=None, retain_graph: bool = False, create_graph: bool = False) -> None:
    """``Tensor.backward``: accumulate gradients of ``tensor`` into the leaves' ``.grad``."""
    if not tensor.requires_grad:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    run_backward([tensor], [_root_gradient(tensor, gradient)], retain_graph or create_graph, create_graph)


def roots(outputs, gradients, caller: str) -> tuple[list, list]:
    """The output tensors of ``caller`` (``grad()``, ``backward()``) and their seed gradients, checked:
    one gradient per output (None for scalar outputs), every output part of a graph."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    if gradients is None or isinstance(gradients, Tensor):
        gradients = [gradients] * len(outputs)
    if len(gradients) != len(outputs):
        raise ValueError(f"{caller}: {len(gradients)} gradients given for {len(outputs)} outputs")
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            raise RuntimeError(f"{caller}: output {i} does not require grad and does not have a grad_fn")
    return outputs, [_root_gradient(t, g) for t, g in zip(outputs, gradients)]


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, returned without touching ``.grad``."""
    outputs, grads = roots(outputs, grad_outputs, "grad()")
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"input {i} of grad() does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    capture = {(t.grad_fn if t.grad_fn is not None else t): None for t in inputs}
    run_backward(outputs, grads, retain_graph, create_graph, capture)
    result = []
    for i, t in enumerate(inputs):
        g = capture[t.grad_fn if t.grad_fn is not None else t]
        if g is None and not allow_unused:
            raise RuntimeError(f"input {i} (shape {t.shape}) was not used in the graph of the outputs; "
                               "pass allow_unused=True to get None for it")
        result.append(g)
    return tuple(result)


def reset_grads(tensors, set_to_none: bool = True) -> None:
    """``zero_grad`` for ``Module`` and ``Optimizer`` alike: drop each ``.grad``, or cut it from any
    graph and zero it in place (the same array, as PyTorch's ``set_to_none=False``)."""
    for t in tensors:
        if t.grad is None:
            continue
        if set_to_none:
            t.grad = None
        else:
            if t.grad.grad_fn is not None:
                t.grad = t.grad.detach()
            t.grad.requires_grad = False
            t.grad.zero_()


from . import ops as _ops  # noqa: E402
