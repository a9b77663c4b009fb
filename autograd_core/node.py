"""``Node`` (a tensor's ``grad_fn``) and ``apply``, the single dispatch point of every operation.

``apply`` coerces the arguments, runs the primitive's numpy forward and, only when grad
mode is on and an input requires grad, records a ``Node``: the edges to the inputs' nodes
(or to leaf tensors), the values backward needs with their version stamps, and the
creation stack under ``detect_anomaly``. Otherwise it returns a bare tensor; that fast path
serves ``no_grad`` and backward without ``create_graph``.
"""
from __future__ import annotations

import itertools
import os
import traceback

import numpy as np

from .dtypes import get_default_dtype
from .grad_mode import state
from .registry import SAVES_OUT
from .tensor import Tensor, data_of, new_tensor

_OUT = object()  # placeholder in ``Node.saved`` for the output, rebuilt at backward time
_FRESH_OUT = (_OUT, 0)  # ``saved`` of a node that saves only its output, not a view: version 0
_NO_PARAMS: dict = {}  # shared by every node without static parameters (never mutated)
_ABSENT = object()  # ``Node.b`` of a one-input node
_F64 = np.dtype(np.float64)
_F32 = np.dtype(np.float32)
_F16 = np.dtype(np.float16)
_C128 = np.dtype(np.complex128)
_SEQUENCE = itertools.count()  # creation order of nodes (thread-safe: ``next`` holds the GIL)


class Node:
    """One recorded operation: its primitive, input edges and what its VJPs need.

    The inputs sit in the node itself (``a``, ``b``, and ``rest`` for a third and later input), so a
    recorded operation is one object that Python's cyclic garbage collector tracks: building and
    freeing long graphs stays cheap even in processes with many live objects. Each input is an edge
    (a ``Node``, or a leaf ``Tensor`` that requires grad) or, for an input without grad, a constant:
    a Python number as is, or ``(shape, dtype, name)`` of an array or tensor (never its data).

    ``seq`` numbers nodes in creation order. Every consumer of a node was created after it, so
    backward runs nodes newest first and a node's gradient is complete when its turn comes, without
    counting consumers beforehand (PyTorch orders its ready queue by the same sequence number).

    ``_version`` counts in-place changes of the node's output tensor. When that output is a view
    of another tensor's memory (reshape, permute, basic indexing, ...), ``base`` names the owner of
    that memory (a leaf tensor or another node) and the owner's counter is the one bumped and
    checked, as PyTorch shares one version counter between a view and its base. ``saved`` is one flat
    tuple, each saved value followed by its version stamp (None for values that cannot change), and
    the values are plain arrays and numbers wherever possible (an input that has an edge is saved as its array and
    rebuilt from that edge at backward time). Rarely used annotations (hooks, ``retain_grad``,
    anomaly stack, module scope) live in one ``extra`` record.
    """

    __slots__ = ("prim", "a", "b", "rest", "saved", "params", "shape", "dtype", "out", "_version",
                 "base", "extra", "seq", "__weakref__")

    def __init__(self, prim, args: tuple, out: np.ndarray, params: dict) -> None:
        self.prim = prim
        self.params = params or _NO_PARAMS
        n = len(args)
        self.a = _input(args[0])
        if n > 1:
            b = args[1]  # _input, inline for the common cases of a second operand
            if type(b) is Tensor and b.requires_grad:
                self.b = b.grad_fn or b
            elif type(b) is float or type(b) is int:
                self.b = b
            else:
                self.b = _input(b)
        else:
            self.b = _ABSENT
        self.rest = tuple(_input(x) for x in args[2:]) if n > 2 else None
        self.shape = out.shape
        self.dtype = out.dtype
        self.out = self.extra = self.base = None
        self._version = 0
        self.saved = ()
        self.seq = next(_SEQUENCE)

    @property
    def name(self) -> str:
        """The ``grad_fn`` name, e.g. ``MulBackward``."""
        return self.prim.grad_fn_name

    @property
    def inputs(self) -> tuple:
        """Every input in order: an edge (``Node`` or leaf ``Tensor``) or a constant's description."""
        if self.b is _ABSENT:
            return (self.a,)
        return (self.a, self.b) if self.rest is None else (self.a, self.b) + self.rest

    @property
    def parents(self) -> tuple:
        """The input edges: a ``Node``, a leaf ``Tensor``, or None for inputs without grad."""
        return tuple(p if is_edge(p) else None for p in self.inputs)

    next_functions = parents

    @property
    def memory_owner(self):
        """The node or leaf tensor whose version counter covers this node's output memory."""
        return self if self.base is None else self.base

    @property
    def freed(self) -> bool:
        """True once backward released the saved values (without ``retain_graph``)."""
        return self.saved is None

    @property
    def out_data(self):
        """The output array, if backward needs it (and it was not freed yet); else None."""
        return self.out

    def annotations(self) -> "NodeExtra":
        """The node's ``NodeExtra`` record, created on first use."""
        if self.extra is None:
            self.extra = NodeExtra()
        return self.extra

    scope = property(lambda self: self.extra.scope if self.extra else None, doc="Module scope path, if recorded.")
    stack = property(lambda self: self.extra.stack if self.extra else None, doc="Creation site under anomaly mode.")

    def __repr__(self) -> str:
        return f"<{self.name}>"


def is_edge(p) -> bool:
    """True for an input that gradients flow into (a node or a leaf that requires grad)."""
    return type(p) is Node or isinstance(p, Tensor)


def _input(a):
    """How a node holds one input: its edge, or a constant's number or ``(shape, dtype, name)``."""
    if isinstance(a, Tensor):
        if a.requires_grad:
            return a.grad_fn or a
        return (a.data.shape, a.data.dtype, a.name)
    if type(a) is float or type(a) is int:
        return a
    return (np.shape(a), getattr(a, "dtype", None), None)


class NodeExtra:
    """Hooks, ``retain_grad`` target, creation site and module scope of one node."""

    __slots__ = ("hooks", "retained", "stack", "scope")

    def __init__(self) -> None:
        self.hooks = self.retained = self.stack = self.scope = None


def _coerce(args: tuple, datas: list) -> list:
    """Turn non-tensor arguments into arrays without upcasting the tensors' float dtype."""
    ref = None
    for a in args:
        if isinstance(a, Tensor) and a.data.dtype.kind == "f":
            ref = a.data.dtype
            break
    out = []
    for a, d in zip(args, datas):
        if isinstance(a, Tensor) or type(a) is float or type(a) is int:
            out.append(d)
        elif isinstance(a, (bool, np.bool_)):
            out.append(a)
        else:
            arr = np.asarray(a)
            if ref is not None and arr.dtype.kind in "fiu" and arr.dtype != ref:
                arr = arr.astype(ref)
            out.append(arr)
    return out


def _has_float64(datas: list) -> bool:
    """True if an operand is in double precision (float64, or complex128 whose parts are float64)."""
    return any(type(d) is np.ndarray and (d.dtype is _F64 or d.dtype is _C128) for d in datas)


def _has_float16(datas: list) -> bool:
    return any(type(d) is np.ndarray and d.dtype is _F16 for d in datas)


def _integers_as_default_float(datas: list) -> list:
    return [d.astype(get_default_dtype()) if type(d) is np.ndarray and d.dtype.kind in "biu" else d for d in datas]


def _float_type(datas: list) -> np.dtype:
    """The float dtype of the floating operands, or the default one (integer operands only)."""
    for d in datas:
        if type(d) is np.ndarray and d.dtype.kind == "f":
            return d.dtype
    return get_default_dtype()


def _torch_result_dtype(prim, out: np.ndarray, datas: list, params: dict) -> np.ndarray:
    """``out`` in PyTorch's dtype where numpy's float promotion differs: booleans and 8-bit integers are
    computed in the default float dtype (numpy picks float16), and integers promoted to float64 give the
    floating operands' dtype or the default one."""
    if out.dtype is _F16 and not prim.extras and not _has_float16(datas):
        out = prim.forward(*_integers_as_default_float(datas), **params)
        return out if type(out) is np.ndarray else np.asarray(out)
    if out.dtype.kind == "f" and not prim.casts and not _has_float64(datas):
        return out.astype(_float_type(datas), copy=False)
    return out


def _describe(args: tuple) -> str:
    return " and ".join(str(tuple(np.shape(data_of(a)))) for a in args)


def keep(a, data) -> tuple:
    """What to save for input ``a`` and its version stamp: a tensor that requires grad as its bare
    array (rebuilt from its edge at backward time), a constant tensor as itself, a number as is."""
    if isinstance(a, Tensor):
        if a.requires_grad:
            return a.data, (a.grad_fn.memory_owner if a.grad_fn is not None else a._owner())._version
        return a, a._owner()._version
    return data, None


def restore(value, edge, version, node: Node, as_array: bool = False):
    """Rebuild a saved input for the VJP (a Tensor, or its bare array with ``as_array``), raising if
    it was modified in place since forward."""
    if version is not None and type(value) is np.ndarray:  # saved from a tensor with an edge
        now = edge.memory_owner._version if type(edge) is Node else edge._owner()._version
        if now != version:
            raise _modified_error(node, value.shape, now, version)
        if as_array:
            return value
        return new_tensor(value, edge) if type(edge) is Node else edge  # a leaf: the tensor itself
    if isinstance(value, Tensor):
        now = value._owner()._version
        if now != version:
            raise _modified_error(node, value.shape, now, version)
        return value.data if as_array else value
    return new_tensor(value) if type(value) is np.ndarray and not as_array else value


def _modified_error(node: Node, shape: tuple, now: int, then: int) -> RuntimeError:
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an in-place operation: "
        f"a tensor of shape {shape} saved by {node.name} is at version {now}; expected version {then}")


def apply(prim, *args, **params) -> Tensor:
    """Run ``prim`` on ``args`` and record it in the graph when gradients are needed."""
    datas = []
    needs_grad = False
    other = False
    for a in args:
        if isinstance(a, Tensor):
            datas.append(a.data)
            if a.requires_grad:
                needs_grad = True
        else:
            datas.append(a)
            if type(a) is not float and type(a) is not int:  # numpy 2 keeps Python scalars weak
                other = True
    if other:
        datas = _coerce(args, datas)
    try:
        out = prim.forward(*datas, **params)
    except ValueError as e:
        shapes = "shape" in str(e) or "broadcast" in str(e)
        raise ValueError(f"{prim.name}: incompatible shapes {_describe(args)}: {e}" if shapes
                         else f"{prim.name}: {e}") from None
    if prim.extras:
        out, *extras = out
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if out.dtype is not _F32:  # (the common float32 result needs none of PyTorch's dtype rules)
        out = _torch_result_dtype(prim, out, datas, params)
    if not (needs_grad and state.grad_enabled and prim.differentiable):
        result = new_tensor(out)
        if prim.view and isinstance(args[0], Tensor) and np.may_share_memory(out, datas[0]):
            result._base = args[0]._owner()  # a view made without a graph still shares the counter
        return result
    node = Node(prim, args, out, params)
    if prim.view and np.may_share_memory(out, datas[0]):  # a view of the first input's memory
        node.base = args[0]._owner()
    if prim.save_plan is SAVES_OUT and node.base is None:
        node.out = out
        node.saved = _FRESH_OUT  # shared: no tuple per node (fewer objects for the cyclic GC)
    elif prim.save_plan:
        saved = ()
        for kind, i in prim.save_plan:
            if kind == "in_if":  # read only by the VJPs of the inputs in save_users: saved if one of them needs one
                for k in prim.save_users[i]:
                    if isinstance(args[k], Tensor) and args[k].requires_grad:
                        break
                else:
                    saved += (None, None)
                    continue
                kind = "in"
            if kind == "in":
                a = args[i]
                if type(a) is float or type(a) is int:
                    saved += (a, None)
                elif type(a) is Tensor and a.grad_fn is not None:  # the common case of keep(), inline
                    fn = a.grad_fn
                    saved += (a.data, (fn if fn.base is None else fn.base)._version)
                else:
                    saved += keep(a, datas[i])
            elif kind == "out":
                node.out = out
                saved += (_OUT, node.memory_owner._version)
            elif kind == "extra":
                saved += (extras[i], None)
            else:  # every input of a variadic primitive
                kept = [keep(a, d) for a, d in zip(args, datas)]
                saved += (tuple(k[0] for k in kept), tuple(k[1] for k in kept))
        node.saved = saved
    result = new_tensor(out, node)
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
    extra = node.annotations()
    if state.anomaly:
        extra.stack = creation_site()
    if state.recording_scopes:
        extra.scope = state.scope
