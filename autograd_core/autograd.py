"""``autograd_core.autograd``: the spellings of ``torch.autograd`` that PyTorch programs use.

After ``import autograd_core as torch``, ``torch.autograd.grad(...)``, ``torch.autograd.backward(...)``,
``torch.autograd.Function``, ``torch.autograd.functional.jacobian(...)``, ``torch.autograd.gradcheck``
and ``torch.autograd.set_detect_anomaly(True)`` resolve to the engine's own objects: this module
only re-exports them (plus ``backward`` over several tensors at once).
"""
from __future__ import annotations

from typing import Sequence

from . import functional
from .engine import grad, roots, run_backward
from .function import Function, FunctionCtx
from .gradcheck import gradcheck, gradgradcheck
from .grad_mode import (detect_anomaly, enable_grad, inference_mode, is_anomaly_enabled, is_grad_enabled, no_grad,
                        set_detect_anomaly, set_grad_enabled)
from .tensor import Tensor


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs=None) -> None:
    """Accumulate the gradients of ``tensors`` (weighted by ``grad_tensors``) into the leaves' ``.grad``,
    in one backward pass, as ``torch.autograd.backward``; ``inputs=`` is not supported."""
    if inputs is not None:
        raise NotImplementedError("autograd.backward(inputs=...) is not supported; use autograd_core.grad")
    tensors, grads = roots(tensors, grad_tensors, "backward()")
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(tensors, grads, retain_graph, create_graph)


def Variable(data, requires_grad: bool = False) -> Tensor:  # noqa: N802  (PyTorch's legacy name)
    """Legacy ``torch.autograd.Variable``: a Tensor (the data itself when it already is one)."""
    if isinstance(data, Tensor):
        return data.requires_grad_(requires_grad) if requires_grad else data
    return Tensor(data, requires_grad=requires_grad)


__all__ = ["grad", "backward", "Function", "FunctionCtx", "functional", "gradcheck", "gradgradcheck",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "is_grad_enabled", "Variable"]
