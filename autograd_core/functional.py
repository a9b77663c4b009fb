"""Functional transforms mirroring ``torch.autograd.functional``: vjp, jvp, jacobian, hessian, hvp, vhp.

Everything is built on ``autograd_core.grad`` alone. Forward-mode products come from the
reverse engine by the double-VJP trick: ``u -> J^T u`` is linear in the cotangent ``u``, so
the gradient of ``<J^T u, v>`` with respect to ``u`` is ``J v``. Inputs and outputs are a
Tensor or a tuple of Tensors, and results keep that structure, as in PyTorch.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .engine import grad
from .grad_mode import enable_grad
from .creation import zeros, zeros_like
from .ops import reshape, stack
from .tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(x, what: str, fn: str) -> tuple[bool, tuple]:
    """``(was_tuple, tuple_of_tensors)``, checking every entry is a Tensor."""
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn}: entry {i} of {what} must be a Tensor, got {type(t).__name__}")
    return is_tuple, items


def _unpack(items: tuple, is_tuple: bool):
    return items if is_tuple else items[0]


def _prepare(inputs: tuple, create_graph: bool) -> tuple:
    """Inputs to differentiate with respect to: cut from the caller's graph unless ``create_graph``
    asks for results that are differentiable with respect to the caller's tensors."""
    return tuple(x if create_graph and x.requires_grad else x.detach().requires_grad_(True) for x in inputs)


def _call(func: Callable, inputs: tuple, fn: str) -> tuple[bool, tuple]:
    with enable_grad():
        return _as_tuple(func(*inputs), "the outputs of the user-provided function", fn)


def _finish(tensors: tuple, create_graph: bool) -> tuple:
    """Detach results unless the caller wants to differentiate through them."""
    return tensors if create_graph else tuple(t.detach() for t in tensors)


def _vectors(v, like: tuple, what: str, fn: str) -> tuple:
    """Validate ``v`` against the shapes of ``like``; ``None`` means ones for single-element ``like``."""
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(f"{fn}: v can only be None if the {what} is a single Tensor with a single element")
        return (Tensor(np.ones(like[0].shape, like[0].dtype)),)
    vs = tuple(v) if isinstance(v, (tuple, list)) else (v,)
    if len(vs) != len(like):
        raise RuntimeError(f"{fn}: v has {len(vs)} entries but the {what} has {len(like)}")
    out = []
    for i, (vi, t) in enumerate(zip(vs, like)):
        vi = vi if isinstance(vi, Tensor) else Tensor(np.asarray(vi, dtype=t.dtype))
        if vi.shape != t.shape:
            raise RuntimeError(f"{fn}: entry {i} in v has shape {vi.shape} but the {what} entry has shape {t.shape}")
        out.append(vi)
    return tuple(out)


def _grads(outputs: tuple, inputs: tuple, cotangents: tuple, create_graph: bool,
           retain_graph: bool | None = None) -> tuple:
    """``sum_k d<outputs_k, cotangents_k>/d inputs``; inputs the outputs don't depend on get zeros."""
    pairs = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
    result = [None] * len(inputs)
    if pairs:
        result = list(grad([o for o, _ in pairs], inputs, [c for _, c in pairs], retain_graph=retain_graph,
                           create_graph=create_graph, allow_unused=True))
    return tuple(g if g is not None else zeros_like(x) for g, x in zip(result, inputs))


def vjp(func: Callable, inputs, v=None, create_graph: bool = False) -> tuple:
    """``(func(inputs), v^T J)``: the vector-Jacobian product, one gradient per input."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "vjp")
    xs = _prepare(xs, create_graph)
    out_tuple, outs = _call(func, xs, "vjp")
    vs = _vectors(v, outs, "output of the user-provided function", "vjp")
    with enable_grad():
        grads = _grads(outs, xs, vs, create_graph)
    return _unpack(_finish(outs, create_graph), out_tuple), _unpack(_finish(grads, create_graph), in_tuple)


def _forward_product(outs: tuple, xs: tuple, vs: tuple, create_graph: bool) -> tuple:
    """``J v`` by the double-VJP trick: differentiate ``u -> J^T u`` (linear in ``u``) along ``v``."""
    us = tuple(zeros_like(o, requires_grad=True) for o in outs)
    transposed = _grads(outs, xs, us, create_graph=True)
    return _grads(transposed, us, vs, create_graph)


def jvp(func: Callable, inputs, v=None, create_graph: bool = False) -> tuple:
    """``(func(inputs), J v)``: the Jacobian-vector (forward-mode) product, one entry per output."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "jvp")
    xs = _prepare(xs, create_graph)
    vs = _vectors(v, xs, "input", "jvp")
    out_tuple, outs = _call(func, xs, "jvp")
    with enable_grad():
        products = _forward_product(outs, xs, vs, create_graph)
    return _unpack(_finish(outs, create_graph), out_tuple), _unpack(_finish(products, create_graph), out_tuple)


def _jacobian_blocks(outs: tuple, xs: tuple, create_graph: bool) -> tuple:
    """``blocks[i][j]`` = d outs[i] / d xs[j] of shape ``outs[i].shape + xs[j].shape``, one backward per row."""
    blocks = []
    for o in outs:
        rows = [[] for _ in xs]
        for k in range(o.numel()):
            e = np.zeros(o.numel(), dtype=o.dtype)
            e[k] = 1
            for row, g in zip(rows, _grads((o,), xs, (Tensor(e.reshape(o.shape)),), create_graph,
                                           retain_graph=True)):
                row.append(g)
        blocks.append(tuple(
            reshape(stack(row), o.shape + x.shape) if row else zeros(o.shape + x.shape, dtype=x.dtype)
            for row, x in zip(rows, xs)))
    return tuple(blocks)


def _nest(blocks: tuple, out_tuple: bool, in_tuple: bool, create_graph: bool):
    """Shape the blocks like PyTorch: nested tuples only where the caller passed tuples."""
    blocks = tuple(_finish(row, create_graph) for row in blocks)
    if not out_tuple:
        return _unpack(blocks[0], in_tuple)
    return tuple(_unpack(row, in_tuple) for row in blocks)


def jacobian(func: Callable, inputs, create_graph: bool = False):
    """The Jacobian of ``func`` at ``inputs``; block ``[i][j]`` has shape ``out_i.shape + in_j.shape``."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "jacobian")
    xs = _prepare(xs, create_graph)
    out_tuple, outs = _call(func, xs, "jacobian")
    with enable_grad():
        blocks = _jacobian_blocks(outs, xs, create_graph)
    return _nest(blocks, out_tuple, in_tuple, create_graph)


def _scalar_gradient(func: Callable, inputs, create_graph: bool, fn: str) -> tuple:
    """``(in_tuple, xs, out, grad out)`` for a ``func`` returning one single-element Tensor; the
    gradient is recorded (``create_graph``) so that it can be differentiated again."""
    in_tuple, xs = _as_tuple(inputs, "inputs", fn)
    xs = _prepare(xs, create_graph)
    _, outs = _call(func, xs, fn)
    if len(outs) != 1 or outs[0].numel() != 1:
        raise RuntimeError(f"{fn}: the function given to {fn} must return a single Tensor with a single element")
    out = outs[0]
    with enable_grad():
        gradient = _grads((out,), xs, (Tensor(np.ones(out.shape, out.dtype)),), create_graph=True)
    return in_tuple, xs, out, gradient


def hessian(func: Callable, inputs, create_graph: bool = False):
    """The Hessian of a scalar ``func``; block ``[i][j]`` has shape ``in_i.shape + in_j.shape``."""
    in_tuple, xs, _, gradient = _scalar_gradient(func, inputs, create_graph, "hessian")
    with enable_grad():
        blocks = _jacobian_blocks(gradient, xs, create_graph)
    return _nest(blocks, in_tuple, in_tuple, create_graph)


def vhp(func: Callable, inputs, v=None, create_graph: bool = False) -> tuple:
    """``(func(inputs), v^T H)`` for a scalar ``func``: the gradient of ``<grad func, v>``."""
    in_tuple, xs, out, gradient = _scalar_gradient(func, inputs, create_graph, "vhp")
    vs = _vectors(v, xs, "input", "vhp")
    with enable_grad():
        product = _grads(gradient, xs, vs, create_graph)
    return _finish((out,), create_graph)[0], _unpack(_finish(product, create_graph), in_tuple)


def hvp(func: Callable, inputs, v=None, create_graph: bool = False) -> tuple:
    """``(func(inputs), H v)`` for a scalar ``func``: the forward-mode product of its gradient along ``v``.

    Never forms the Hessian, so it costs a few backward passes at any number of parameters.
    """
    in_tuple, xs, out, gradient = _scalar_gradient(func, inputs, create_graph, "hvp")
    vs = _vectors(v, xs, "input", "hvp")
    with enable_grad():
        product = _forward_product(gradient, xs, vs, create_graph)
    return _finish((out,), create_graph)[0], _unpack(_finish(product, create_graph), in_tuple)
