"""Training utilities: gradient clipping, weight penalties, parameter vectors, model gradcheck and drawing.

Every function takes an iterable of parameters (or a ``Module``, meaning its parameters),
like ``torch.nn.utils``. Penalties are differentiable engine expressions; clipping and vector
loading are in-place updates under ``no_grad``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.tensor import data_of
from autograd_core.gradcheck import PASSING, compare_gradients, verdict

from .module import Module
from .monitor import TrainingMonitor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters", "l1_penalty",
           "l2_penalty", "gradcheck_module", "ModuleGradcheckReport", "draw_model", "TrainingMonitor"]

Params = Iterable[Tensor] | Tensor | Module


def _params(parameters: Params) -> list[Tensor]:
    if isinstance(parameters, Module):
        return list(parameters.parameters())
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(parameters: Params, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients together so their joint ``norm_type`` norm is at most ``max_norm``.

    Returns the total norm before clipping. As in PyTorch the factor is ``max_norm / (norm + 1e-6)``,
    applied only when below 1.
    """
    grads = [p.grad for p in _params(parameters) if p.grad is not None]
    if not grads:
        return Tensor(0.0)
    norm_type = float(norm_type)
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(g.data))) if g.data.size else 0.0 for g in grads)
    else:
        total = sum(float(np.sum(np.abs(g.data.astype(np.float64)) ** norm_type)) for g in grads) ** (1 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is non-finite ({total}), so it "
                           "cannot be clipped; pass error_if_nonfinite=False to skip this check")
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        with ag.no_grad():
            for g in grads:
                g.mul_(coef)
    return Tensor(np.asarray(total, grads[0].dtype))


def clip_grad_value_(parameters: Params, clip_value: float) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]`` in place."""
    with ag.no_grad():
        for p in _params(parameters):
            if p.grad is not None:
                p.grad.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters: Params) -> Tensor:
    """All parameters flattened and concatenated into one differentiable vector."""
    return ag.concatenate([p.reshape(-1) for p in _params(parameters)], axis=0)


def vector_to_parameters(vec, parameters: Params) -> None:
    """Copy consecutive slices of ``vec`` into the parameters, in place (inverse of ``parameters_to_vector``)."""
    data = np.asarray(data_of(vec))
    params = _params(parameters)
    total = sum(p.data.size for p in params)
    if data.ndim != 1 or data.size != total:
        raise ValueError(f"expected a vector of {total} elements for these parameters, got shape {data.shape}")
    offset = 0
    with ag.no_grad():
        for p in params:
            p.copy_(data[offset:offset + p.data.size].reshape(p.shape))
            offset += p.data.size


def _penalized(parameters: Params, include_all: bool) -> list[Tensor]:
    # Weights only by default: 1-D parameters (biases, normalization scales and shifts) are skipped.
    return [p for p in _params(parameters) if include_all or p.ndim > 1]


def l1_penalty(parameters: Params, include_all: bool = False) -> Tensor:
    """Sum of absolute values of the weights (parameters with ≥ 2 dims unless ``include_all``)."""
    return sum((ag.abs(p).sum() for p in _penalized(parameters, include_all)), Tensor(0.0))


def l2_penalty(parameters: Params, include_all: bool = False) -> Tensor:
    """Sum of squares (squared Frobenius norms) of the weights (parameters with ≥ 2 dims unless ``include_all``)."""
    return sum(((p * p).sum() for p in _penalized(parameters, include_all)), Tensor(0.0))


@dataclass
class ModuleGradcheckReport:
    """Result of ``gradcheck_module``: the relative error over θ and its worst element, by parameter name."""

    rel_error: float
    parameter: str
    index: tuple
    numeric: float
    analytic: float
    num_parameters: int
    resolution: float = 0.0  # relative error that round-off in the differences alone explains

    @property
    def verdict(self) -> str:
        return verdict(self.rel_error, self.resolution)

    @property
    def ok(self) -> bool:
        """Correct or probably correct; "suspicious" is reported as such and is not ok."""
        return self.verdict in PASSING

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return (f"gradcheck over {self.num_parameters} parameter elements: relative error {self.rel_error:.2e} "
                f"({self.verdict}); worst element {self.parameter}{list(self.index)}: "
                f"numeric {self.numeric:.6g}, analytic {self.analytic:.6g}")


def _float64(x: Any) -> Any:
    if isinstance(x, Tensor) and x.dtype.kind == "f":
        return Tensor(x.data.astype(np.float64))
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return x.astype(np.float64)
    return x


def gradcheck_module(model: Module, loss_fn: Callable, inputs, targets, eps: float = 1e-6,
                     raise_exception: bool = True) -> ModuleGradcheckReport:
    """Check the gradient of ``loss_fn(model(*inputs), targets)`` w.r.t. all parameters as one float64 vector θ.

    Each parameter is replaced by its float64 slice of θ while the check runs; the report names
    the parameter and element where analytic and central-difference gradients differ most.
    Refuses while a random layer (a module with ``is_random = True``, e.g. ``Dropout``) is in
    training mode. Buffers changed by the check (BatchNorm running statistics) are restored.
    """
    active = [f"'{name or '<root>'}' ({type(m).__name__})" for name, m in model.named_modules()
              if getattr(m, "is_random", False) and m.training]
    if active:
        raise RuntimeError(f"gradcheck_module: random layer(s) {', '.join(active)} in training mode give a different "
                           "function on every call; call model.eval() first (or remove them)")
    named = list(model.named_parameters())
    if not named:
        raise ValueError("gradcheck_module: the model has no parameters")
    inputs = tuple(_float64(x) for x in (inputs if isinstance(inputs, (tuple, list)) else (inputs,)))
    targets = _float64(targets)
    sizes = [p.data.size for _, p in named]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    theta = Tensor(np.concatenate([p.data.astype(np.float64).ravel() for _, p in named]), requires_grad=True)
    slots = [(m, k, p) for m in model.modules() for k, p in m._parameters.items() if p is not None]
    position = {id(p): i for i, (_, p) in enumerate(named)}
    saved_buffers = [(b, b.data.copy()) for b in model.buffers()]

    def loss_of(theta: Tensor) -> Tensor:
        for m, k, p in slots:  # shared parameters map to the same slice of θ
            i = position[id(p)]
            m._parameters[k] = theta[offsets[i]:offsets[i + 1]].reshape(p.shape)
        return loss_fn(model(*inputs), targets)

    try:
        check = compare_gradients(loss_of, (theta,), eps=eps, names=["θ"], subject="the loss").inputs[0]
    finally:
        for m, k, p in slots:
            m._parameters[k] = p
        with ag.no_grad():
            for b, data in saved_buffers:
                b.copy_(data)
    flat = check.worst_index[0] if check.worst_index else 0
    i = int(np.searchsorted(offsets, flat, side="right") - 1)
    name, p = named[i]
    index = tuple(int(j) for j in np.unravel_index(flat - offsets[i], p.shape)) if p.shape else ()
    report = ModuleGradcheckReport(check.rel_error, name, index, check.numeric, check.analytic, int(offsets[-1]),
                                   check.resolution)
    if raise_exception and not report.ok:
        raise RuntimeError(f"gradcheck_module failed: {report}")
    return report


def draw_model(model: Module, *inputs, **kwargs):
    """Run ``model(*inputs)`` with module scopes recorded and draw its graph, one cluster per sub-module.

    Parameter nodes are labelled with their dotted names; ``kwargs`` go to ``autograd_core.draw_graph``.
    """
    with ag.record_scopes():
        out = model(*inputs)
    return ag.draw_graph(*_tensors(out), params=dict(model.named_parameters()), **kwargs)


def _tensors(out: Any) -> list[Tensor]:
    """The tensors in a model output that may nest tuples, lists and dicts (e.g. ``LSTM``'s ``(y, (h, c))``)."""
    if isinstance(out, Tensor):
        return [out]
    items = out.values() if isinstance(out, dict) else out if isinstance(out, (tuple, list)) else ()
    return [t for item in items for t in _tensors(item)]
