"""User-defined primitives: subclass ``Function`` with static ``forward`` and ``backward``.

``Op.apply(*inputs)`` runs ``forward(ctx, *arrays)`` on the inputs' ndarrays and records the
same ``Node`` a built-in primitive gets, so the engine treats both alike. ``backward(ctx,
*grads)`` receives Tensors and returns one gradient per input (Tensor, ndarray or None).
Saved arrays that are inputs or the output come back as the tensors themselves, so a
backward written with engine operations is differentiable again. Gradients are never
broadcast-reduced silently: a wrong shape raises naming the function.
"""
from __future__ import annotations

import numpy as np

from .grad_mode import state
from .node import make_node
from .tensor import Tensor, new_tensor


class FunctionCtx:
    """Per-call context: what ``forward`` saves for ``backward``."""

    def __init__(self) -> None:
        self._saved: tuple = ()
        self._resolved: tuple | None = None
        self.needs_input_grad: tuple = ()

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


class _FunctionRecord:
    """Adapter giving a ``Function`` subclass the record interface the engine expects."""

    broadcasts = False
    differentiable = True
    save_plan = None  # saved values are used as they are

    def __init__(self, cls) -> None:
        self.cls = cls
        self.name = cls.__name__
        self.grad_fn_name = cls.__name__ + "Backward"
        self.vjp = _FunctionVjps(cls)


class _FunctionVjps:
    """Calls the user's ``backward`` once per node and hands out its per-input results."""

    def __init__(self, cls) -> None:
        self.cls = cls

    def __getitem__(self, index: int):
        def vjp(g, ctx, *resolved):
            if ctx._cache is None or ctx._cache[0] is not g:
                ctx._resolved = resolved
                grads = self.cls.backward(ctx, g)
                grads = grads if isinstance(grads, tuple) else (grads,)
                if len(grads) != ctx._n_inputs:
                    raise RuntimeError(f"{self.cls.__name__}.backward returned {len(grads)} gradients for "
                                       f"{ctx._n_inputs} inputs")
                ctx._cache = (g, grads)
            grad = ctx._cache[1][index]
            return grad if grad is None or isinstance(grad, Tensor) else new_tensor(np.asarray(grad))

        return vjp


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
        record = cls.__dict__.get("_record")
        if record is None:
            record = _FunctionRecord(cls)
            cls._record = record
        tensors = tuple(x if isinstance(x, Tensor) else Tensor(x) for x in inputs)
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(t.requires_grad for t in tensors)
        ctx._n_inputs = len(tensors)
        ctx._cache = None
        out = cls.forward(ctx, *(t.data for t in tensors))
        out = out.data if isinstance(out, Tensor) else np.asarray(out)
        if not (state.grad_enabled and any(ctx.needs_input_grad)):
            return new_tensor(out)
        by_id = {id(t.data): t for t in tensors}
        result = make_node(record, tensors, out)
        saved, versions = [ctx], [None]
        for value in ctx._saved:
            data = value.data if isinstance(value, Tensor) else value
            if id(data) in by_id:
                t = by_id[id(data)]
            elif data is out:
                t = result  # the output itself, so a backward using it stays differentiable
            else:
                t = new_tensor(np.asarray(data))
            saved.append(t)
            versions.append(t._owner()._version)
        result.grad_fn.saved = tuple(saved)
        result.grad_fn.versions = tuple(versions)
        return result
