"""User-defined primitives: subclass ``Function`` with static ``forward`` and ``backward``.

``Op.apply(*inputs)`` goes through ``apply``, the single dispatch point, like every built-in: each
``Function`` subclass gets a ``Primitive`` record of its own whose forward calls
``Op.forward(ctx, *arrays)`` and whose VJP calls ``Op.backward(ctx, *grads)`` once per node. The
``ctx`` travels as the node's parameter; what ``forward`` saves on it is kept with version stamps
(inputs and the output are rebuilt as the tensors themselves, so a backward written with engine
operations is differentiable again). Gradients are never broadcast-reduced silently: a wrong
shape raises naming the function.
"""
from __future__ import annotations

import numpy as np

from .node import apply, keep, restore
from .registry import Primitive
from .tensor import Tensor, data_of, new_tensor


class FunctionCtx:
    """Per-call context: what ``forward`` saves for ``backward``."""

    def __init__(self, needs_input_grad: tuple) -> None:
        self.needs_input_grad = needs_input_grad
        self._saved: tuple = ()
        self._kept: list | None = None  # (kind, value, version, edge) per saved value, after forward
        self._resolved: tuple | None = None
        self._cache: tuple | None = None  # (grad, backward's results) of the last backward call

    def save_for_backward(self, *values) -> None:
        """Keep arrays (or tensors) for ``backward``; read them back from ``saved_tensors``."""
        self._saved = values

    @property
    def saved_tensors(self) -> tuple:
        """The saved values as Tensors (the input/output tensors themselves where they match)."""
        if self._resolved is None:
            raise RuntimeError("saved_tensors are only available inside backward, and only once per graph "
                               "unless retain_graph=True")
        return self._resolved


def _keep_saved(ctx: FunctionCtx, inputs: tuple, arrays: tuple, out: np.ndarray, result: np.ndarray) -> None:
    """Stamp each saved value: an input or the output by identity (rebuilt as that tensor), else a constant."""
    by_id = {id(d): i for i, d in enumerate(arrays)}
    kept = []
    for value in ctx._saved:
        data = data_of(value)
        if data is out or data is result:
            kept.append(("out", None, None, None))
        elif id(data) in by_id:
            t = inputs[by_id[id(data)]]
            edge = (t.grad_fn or t) if isinstance(t, Tensor) and t.requires_grad else None
            kept.append(("in", *keep(t, data), edge))
        else:
            kept.append(("const", np.asarray(data), None, None))
    ctx._kept = kept


def _resolve_saved(ctx: FunctionCtx, out: Tensor, node) -> tuple:
    """The saved values as tensors for ``backward``, raising if one was modified in place."""
    resolved = []
    for kind, value, version, edge in ctx._kept:
        if kind == "out":
            resolved.append(out)
        elif kind == "in":
            resolved.append(restore(value, edge, version, node) if version is not None else new_tensor(value))
        else:
            resolved.append(new_tensor(value))
    return tuple(resolved)


def _record_for(cls) -> Primitive:
    """The ``Primitive`` of a ``Function`` subclass, made on its first ``apply`` and kept on the class."""
    record = cls.__dict__.get("_record")
    if record is not None:
        return record

    def forward(*arrays, ctx):
        out = cls.forward(ctx, *arrays)
        out = np.asarray(data_of(out))
        ctx._arrays = (arrays, out)
        return out

    def vjp(g, out, ctx, index):
        if ctx._cache is None or ctx._cache[0] is not g:
            ctx._resolved = _resolve_saved(ctx, out, out.grad_fn)
            try:
                grads = cls.backward(ctx, g)
            finally:
                ctx._resolved = None
            grads = grads if isinstance(grads, tuple) else (grads,)
            if len(grads) != len(ctx.needs_input_grad):
                raise RuntimeError(f"{cls.__name__}.backward returned {len(grads)} gradients for "
                                   f"{len(ctx.needs_input_grad)} inputs")
            ctx._cache = (g, grads)
        grad = ctx._cache[1][index]
        return grad if grad is None or isinstance(grad, Tensor) else new_tensor(np.asarray(grad))

    record = Primitive(cls.__name__, forward, api=(), variadic=True, saves=("out",), vjp=vjp, torch=None)
    record.grad_fn_name = cls.__name__ + "Backward"
    cls._record = record
    return record


class Function:
    """Base class for custom differentiable operations (PyTorch's ``torch.autograd.Function``)."""

    @staticmethod
    def forward(ctx: FunctionCtx, *arrays):
        raise NotImplementedError

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs):
        """Run the operation on tensors (or numbers/arrays) and record it for backward."""
        inputs = tuple(x if isinstance(x, Tensor) else Tensor(x) for x in inputs)
        ctx = FunctionCtx(tuple(t.requires_grad for t in inputs))
        result = apply(_record_for(cls), *inputs, ctx=ctx)
        if result.grad_fn is not None:
            _keep_saved(ctx, inputs, *ctx._arrays, result.data)
        ctx._arrays = None
        return result
