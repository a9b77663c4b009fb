"""``Node`` (a tensor's ``grad_fn``) and ``apply``, the single dispatch point of every operation.

``apply`` coerces the arguments, runs the primitive's numpy forward and, only when grad
mode is on and an input requires grad, records a ``Node``: the edges to the inputs' nodes
(or to leaf tensors), the values backward needs with their version stamps, and the
creation stack under ``detect_anomaly``. Otherwise it returns a bare tensor; that fast path
serves ``no_grad`` and backward without ``create_graph``.
"""
from __future__ import annotations

import os
import traceback
import weakref

import numpy as np

from .grad_mode import state
from .tensor import Tensor, new_tensor

_OUT = object()  # placeholder in ``Node.saved`` for the output, rebuilt at backward time


class Node:
    """One recorded operation: its primitive, input edges and what its VJPs need."""

    __slots__ = ("prim", "parents", "constants", "saved", "params", "checks", "shape", "dtype", "out_data",
                 "out_ref", "hooks", "retained", "stack", "scope", "freed", "__weakref__")

    @property
    def name(self) -> str:
        """The ``grad_fn`` name, e.g. ``MulBackward``."""
        return self.prim.grad_fn_name

    @property
    def next_functions(self) -> tuple:
        """The input edges: a ``Node``, a leaf ``Tensor``, or None for inputs without grad."""
        return self.parents

    def __repr__(self) -> str:
        return f"<{self.name}>"


def _coerce(args: tuple, datas: list) -> list:
    """Turn non-tensor arguments into arrays without upcasting the tensors' float dtype."""
    ref = None
    for a in args:
        if isinstance(a, Tensor) and a.data.dtype.kind == "f":
            ref = a.data.dtype
            break
    out = []
    for a, d in zip(args, datas):
        if isinstance(a, Tensor):
            out.append(d)
        elif isinstance(a, float) and ref is None:
            from .dtypes import get_default_dtype

            out.append(np.asarray(a, dtype=get_default_dtype()))
        elif isinstance(a, (int, float, bool)):
            out.append(a)  # numpy 2 treats Python scalars as weak: float32 stays float32
        else:
            arr = np.asarray(a)
            if ref is not None and arr.dtype.kind in "fiu" and arr.dtype != ref:
                arr = arr.astype(ref)
            out.append(arr)
    return out


def _describe(args: tuple) -> str:
    return " and ".join(str(tuple(np.shape(a.data if isinstance(a, Tensor) else a))) for a in args)


def _edges(args: tuple) -> tuple:
    """Input edges (node, leaf or None) and the inputs without grad: ``(position, Tensor meta or number)``.

    Constants are kept as metadata only (shape, dtype, name), never their data, so drawing a
    graph can show them without the graph keeping their arrays alive.
    """
    parents = []
    constants = []
    for i, a in enumerate(args):
        if a.__class__ is Tensor or isinstance(a, Tensor):
            if a.requires_grad:
                parents.append(a.grad_fn or a)
                continue
            constants.append((i, a.data.shape, a.data.dtype, a.name))
        else:
            constants.append((i, a))
        parents.append(None)
    return tuple(parents), constants


def apply(prim, *args, **params) -> Tensor:
    """Run ``prim`` on ``args`` and record it in the graph when gradients are needed."""
    datas = []
    needs_grad = False
    plain = True
    for a in args:
        if isinstance(a, Tensor):
            datas.append(a.data)
            if a.requires_grad:
                needs_grad = True
        else:
            plain = False
            datas.append(a)
    if not plain:
        datas = _coerce(args, datas)
    try:
        out = prim.forward(*datas, **params)
    except ValueError as e:
        raise ValueError(f"{prim.name}: incompatible shapes {_describe(args)}: {e}") from None
    if prim.extras:
        out, *extras = out
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if not (needs_grad and state.grad_enabled and prim.differentiable):
        return new_tensor(out)
    node = Node()
    node.prim = prim
    node.params = params
    node.parents, node.constants = _edges(args)
    node.shape = out.shape
    node.dtype = out.dtype
    node.hooks = node.retained = node.stack = node.scope = node.out_data = node.out_ref = None
    node.freed = False
    result = new_tensor(out, node)
    if prim.save_plan:
        saved, checks = [], []
        for kind, i in prim.save_plan:
            if kind == "in":
                t = args[i]
                if isinstance(t, Tensor):
                    checks.append((t, t._version))
                else:
                    t = new_tensor(datas[i] if type(datas[i]) is np.ndarray else np.asarray(datas[i]))
                saved.append(t)
            elif kind == "out":
                node.out_data = out
                node.out_ref = weakref.ref(result)
                saved.append(_OUT)
            elif kind == "extra":
                saved.append(extras[i])
            else:  # every input of a variadic primitive
                saved.append(tuple(a if isinstance(a, Tensor) else new_tensor(np.asarray(d))
                                   for a, d in zip(args, datas)))
        node.saved = tuple(saved)
        node.checks = tuple(checks)
    else:
        node.saved = ()
        node.checks = ()
    if state.annotate:
        _annotate(node)
    return result


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def creation_site() -> str:
    """The innermost stack frame outside the engine, as ``file:line in function: code``."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR):
            return f"{frame.filename}:{frame.lineno} in {frame.name}: {frame.line}"
    return "<unknown>"


def _annotate(node: Node) -> None:
    """Creation site under ``detect_anomaly`` and module scope under ``record_scopes``."""
    if state.anomaly:
        node.stack = creation_site()
    if state.recording_scopes:
        node.scope = state.scope


def make_node(prim, inputs: tuple, out: np.ndarray, saved: tuple, checks: tuple) -> Tensor:
    """Record a node for an operation whose forward ran elsewhere (user ``Function``s)."""
    node = Node()
    node.prim = prim
    node.params = {}
    node.parents, node.constants = _edges(inputs)
    node.shape = out.shape
    node.dtype = out.dtype
    node.hooks = node.retained = node.stack = node.scope = node.out_data = node.out_ref = None
    node.freed = False
    node.saved = saved
    node.checks = checks
    if state.annotate:
        _annotate(node)
    return new_tensor(out, node)
